/**
 * The common shape of a simulated device that is "a list of points": it defines its register image
 * from its map, recomputes read-only points from the injected clock when a read arrives, keeps what
 * a master writes, and gives tests and scenarios the same hooks on every device:
 *
 * - `set(id, value)` pins a read-only point (also out of range: the simulator serves it as given);
 * - `stick(id)` freezes a point at the value it serves now (a stuck sensor);
 * - `release(id)` returns it to its simulated behaviour;
 * - `read(id)` is what a master would read now.
 */
import type { Clock } from '../../agent/model/clock.js';
import { ExceptionCode } from '../../drivers/modbus/protocol/pdu.js';
import { decodeRegisters, encodeRegisters, registerCount, type RegisterValueType } from '../../drivers/modbus/values.js';
import { RegisterImage, refuse, written, type BitTableName, type ModbusUnit, type UnitAnswer, type WordTableName } from '../modbus/data-model.js';
import { isBitTable, type MapEntry } from './register-map.js';

export type PointValue = number | boolean;

export interface DeviceContext {
  /** Per-device seed: same seed and clock, same values. */
  seed: number;
  clock: Clock;
}

export abstract class MappedDevice implements ModbusUnit {
  readonly image = new RegisterImage();
  protected readonly seed: number;
  protected readonly clock: Clock;
  private readonly entries = new Map<string, MapEntry>();
  private readonly overrides = new Map<string, PointValue>();
  private refreshedAt: number | null = null;

  constructor(
    readonly map: readonly MapEntry[],
    context: DeviceContext,
  ) {
    this.seed = context.seed | 0;
    this.clock = context.clock;
    for (const entry of map) {
      if (this.entries.has(entry.id)) throw new Error(`point id "${entry.id}" is mapped twice`);
      this.entries.set(entry.id, entry);
      if (isBitTable(entry.table)) this.image.defineBits(entry.table, entry.address, 1);
      else this.image.defineRegisters(entry.table, entry.address, registerCount(entry.type));
      if (entry.writable) this.put(entry, entry.initial ?? 0);
    }
  }

  /**
   * The simulated values of the read-only points at time `now` (engineering units; booleans for
   * bits). Points left out keep what they served before.
   */
  protected abstract simulate(now: number): ReadonlyMap<string, PointValue>;

  /** Called after a master wrote a point (e.g. to record a broadcast activation). */
  protected afterWrite(_entry: MapEntry, _value: PointValue, _previous: PointValue): void {}

  /** Pins a read-only point to `value` until `release`. */
  set(id: string, value: PointValue): void {
    const entry = this.entry(id);
    if (entry.writable) throw new Error(`"${id}" is written by the master; a test reads it with read("${id}")`);
    if (isBitTable(entry.table) !== (typeof value === 'boolean') || (typeof value === 'number' && !Number.isFinite(value))) {
      throw new Error(`cannot set "${id}" to ${String(value)}: it takes ${isBitTable(entry.table) ? 'a boolean' : 'a finite number'}`);
    }
    this.overrides.set(id, value);
    this.refreshedAt = null;
  }

  /** Freezes a point at what it serves now: a stuck sensor keeps repeating its last reading. */
  stick(id: string): void {
    this.set(id, this.read(id));
  }

  release(id: string): void {
    this.entry(id);
    this.overrides.delete(id);
    this.refreshedAt = null;
  }

  releaseAll(): void {
    this.overrides.clear();
    this.refreshedAt = null;
  }

  /** The value `id` is pinned to, if any: models use it so one pin drives dependent readings. */
  protected pinned(id: string): PointValue | undefined {
    return this.overrides.get(id);
  }

  /** Whether `id` is in this device's map. */
  has(id: string): boolean {
    return this.entries.has(id);
  }

  /** The value of a mapped point as a master reads it now (float32-rounded where the map says float32). */
  read(id: string): PointValue {
    const entry = this.entry(id);
    this.refresh();
    return this.get(entry);
  }

  readBits(table: BitTableName, address: number, quantity: number): UnitAnswer<readonly boolean[]> {
    this.refresh();
    return this.image.readBits(table, address, quantity);
  }

  readRegisters(table: WordTableName, address: number, quantity: number): UnitAnswer<ArrayLike<number>> {
    this.refresh();
    return this.image.readRegisters(table, address, quantity);
  }

  writeCoils(address: number, values: readonly boolean[]): UnitAnswer<void> {
    if (!this.image.coversBits('coil', address, values.length)) return refuse(ExceptionCode.illegalDataAddress);
    const targets = values.map((_, i) => this.entryAt('coil', address + i));
    if (targets.some((entry) => !entry?.writable)) return refuse(ExceptionCode.illegalDataAddress);
    this.applyWrites(targets as MapEntry[], values);
    return written();
  }

  /**
   * All or nothing: a write must cover whole writable points, and one value out of its limits
   * rejects the whole write with "illegal data value".
   */
  writeRegisters(address: number, values: readonly number[]): UnitAnswer<void> {
    if (!this.image.coversRegisters('holding', address, values.length)) return refuse(ExceptionCode.illegalDataAddress);
    const targets: MapEntry[] = [];
    const decoded: number[] = [];
    for (let offset = 0; offset < values.length; ) {
      const entry = this.entryAt('holding', address + offset);
      const span = entry ? registerCount(entry.type) : 0;
      if (!entry?.writable || offset + span > values.length) return refuse(ExceptionCode.illegalDataAddress);
      const value = decodeRegisters(values, offset, entry.type as RegisterValueType, entry.byteOrder);
      if (entry.limits && (value < entry.limits.min || value > entry.limits.max)) return refuse(ExceptionCode.illegalDataValue);
      targets.push(entry);
      decoded.push(value);
      offset += span;
    }
    this.applyWrites(targets, decoded);
    return written();
  }

  private applyWrites(targets: readonly MapEntry[], values: readonly PointValue[]): void {
    targets.forEach((entry, i) => {
      const previous = this.get(entry);
      this.put(entry, values[i]!);
      this.afterWrite(entry, values[i]!, previous);
    });
    this.refreshedAt = null; // a written setting may change computed points
  }

  /** Recomputes the read-only points for the clock's time (only when the time or a pin changed). */
  protected refresh(): void {
    const now = this.clock.now();
    if (now === this.refreshedAt) return;
    this.refreshedAt = now;
    const simulated = this.simulate(now);
    for (const entry of this.map) {
      if (entry.writable) continue;
      const value = this.overrides.get(entry.id) ?? simulated.get(entry.id);
      if (value !== undefined) this.put(entry, value);
    }
  }

  /** Forces the next read to recompute (a model's own state changed). */
  protected invalidate(): void {
    this.refreshedAt = null;
  }

  protected entry(id: string): MapEntry {
    const entry = this.entries.get(id);
    if (!entry) throw new Error(`"${id}" is not in this device's register map; points are ${[...this.entries.keys()].join(', ')}`);
    return entry;
  }

  /** The current image value of a point, without refreshing. */
  protected get(entry: MapEntry): PointValue {
    if (isBitTable(entry.table)) return this.image.getBit(entry.table, entry.address);
    const table = entry.table;
    const words = Array.from({ length: registerCount(entry.type) }, (_, i) => this.image.getRegister(table, entry.address + i));
    return decodeRegisters(words, 0, entry.type as RegisterValueType, entry.byteOrder);
  }

  private put(entry: MapEntry, value: PointValue): void {
    if (isBitTable(entry.table)) {
      this.image.setBit(entry.table, entry.address, value === true || value === 1);
      return;
    }
    const numeric = typeof value === 'boolean' ? Number(value) : value;
    const raw = entry.type === 'float32' || entry.type === 'float64' ? numeric : clampToType(Math.round(numeric), entry.type);
    this.image.setRegisters(entry.table, entry.address, encodeRegisters(raw, entry.type as RegisterValueType, entry.byteOrder));
  }

  private entryAt(table: MapEntry['table'], address: number): MapEntry | undefined {
    return this.map.find((entry) => entry.table === table && entry.address === address);
  }
}

/** An integer register saturates like a transmitter's output instead of wrapping. */
function clampToType(value: number, type: string): number {
  switch (type) {
    case 'uint16':
      return Math.min(0xffff, Math.max(0, value));
    case 'int16':
      return Math.min(0x7fff, Math.max(-0x8000, value));
    case 'uint32':
      return Math.min(0xffff_ffff, Math.max(0, value));
    case 'int32':
      return Math.min(0x7fff_ffff, Math.max(-0x8000_0000, value));
    default:
      return value;
  }
}
