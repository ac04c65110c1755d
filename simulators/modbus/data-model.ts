/**
 * What a simulated Modbus device is to the TCP server: a `ModbusUnit` that reads and writes the four
 * tables and may answer any request with an exception. `RegisterImage` is a plain implementation
 * of the four tables that device models build on: every address is either defined by the device's
 * register map or answers "illegal data address", as a strict PLC does — so a poller that reads
 * across a gap in the map finds out in the simulator, not at the mine.
 */
import { ExceptionCode } from '../../drivers/modbus/protocol/pdu.js';

export type BitTableName = 'coil' | 'discrete_input';
export type WordTableName = 'holding' | 'input';

/** A unit's answer: the value, or the Modbus exception code to send instead. */
export type UnitAnswer<T> = { ok: true; value: T } | { ok: false; exceptionCode: number };

export interface ModbusUnit {
  readBits(table: BitTableName, address: number, quantity: number): UnitAnswer<readonly boolean[]>;
  readRegisters(table: WordTableName, address: number, quantity: number): UnitAnswer<ArrayLike<number>>;
  /** FC5 and FC15. */
  writeCoils(address: number, values: readonly boolean[]): UnitAnswer<void>;
  /** FC6 and FC16. */
  writeRegisters(address: number, values: readonly number[]): UnitAnswer<void>;
}

export const answer = <T>(value: T): UnitAnswer<T> => ({ ok: true, value });
export const refuse = (exceptionCode: number): { ok: false; exceptionCode: number } => ({ ok: false, exceptionCode });
const WRITTEN: UnitAnswer<void> = { ok: true, value: undefined };
export const written = (): UnitAnswer<void> => WRITTEN;

/**
 * One table: values plus a "defined" mask, sized to the highest defined address (not to 65536,
 * so a simulator with many devices stays small).
 */
class Table<T extends Uint8Array | Uint16Array> {
  private defined = new Uint8Array(0);

  constructor(
    private values: T,
    private readonly allocate: (length: number) => T,
  ) {}

  define(address: number, count: number): void {
    const end = address + count;
    if (!Number.isInteger(address) || !Number.isInteger(count) || address < 0 || count < 1 || end > 0x10000) {
      throw new RangeError(`cannot define ${count} address(es) at ${address}: the range must lie within 0–65535`);
    }
    if (end > this.defined.length) {
      const defined = new Uint8Array(end);
      defined.set(this.defined);
      this.defined = defined;
      const values = this.allocate(end);
      values.set(this.values);
      this.values = values;
    }
    this.defined.fill(1, address, end);
  }

  /** True when every address of the span is in the map. */
  covers(address: number, quantity: number): boolean {
    const end = address + quantity;
    if (end > this.defined.length) return false;
    for (let a = address; a < end; a++) if (this.defined[a] !== 1) return false;
    return true;
  }

  get(address: number): number {
    this.assertDefined(address, 1);
    return this.values[address]!;
  }

  set(address: number, words: ArrayLike<number>): void {
    this.assertDefined(address, words.length);
    for (let i = 0; i < words.length; i++) this.values[address + i] = words[i]!;
  }

  slice(address: number, quantity: number): T {
    return this.values.slice(address, address + quantity) as T;
  }

  private assertDefined(address: number, quantity: number): void {
    if (!this.covers(address, quantity)) throw new RangeError(`address ${address}×${quantity} is not in the register map`);
  }
}

/** The four Modbus tables of one device, with its register map as the set of defined addresses. */
export class RegisterImage {
  private readonly bits: Record<BitTableName, Table<Uint8Array>> = {
    coil: new Table(new Uint8Array(0), (n) => new Uint8Array(n)),
    discrete_input: new Table(new Uint8Array(0), (n) => new Uint8Array(n)),
  };
  private readonly words: Record<WordTableName, Table<Uint16Array>> = {
    holding: new Table(new Uint16Array(0), (n) => new Uint16Array(n)),
    input: new Table(new Uint16Array(0), (n) => new Uint16Array(n)),
  };

  defineBits(table: BitTableName, address: number, count: number): void {
    this.bits[table].define(address, count);
  }

  defineRegisters(table: WordTableName, address: number, count: number): void {
    this.words[table].define(address, count);
  }

  getBit(table: BitTableName, address: number): boolean {
    return this.bits[table].get(address) === 1;
  }

  setBit(table: BitTableName, address: number, on: boolean): void {
    this.bits[table].set(address, [on ? 1 : 0]);
  }

  getRegister(table: WordTableName, address: number): number {
    return this.words[table].get(address);
  }

  setRegisters(table: WordTableName, address: number, words: ArrayLike<number>): void {
    this.words[table].set(address, words);
  }

  readBits(table: BitTableName, address: number, quantity: number): UnitAnswer<readonly boolean[]> {
    const source = this.bits[table];
    if (!source.covers(address, quantity)) return refuse(ExceptionCode.illegalDataAddress);
    return answer(Array.from(source.slice(address, quantity), (bit) => bit === 1));
  }

  readRegisters(table: WordTableName, address: number, quantity: number): UnitAnswer<ArrayLike<number>> {
    const source = this.words[table];
    if (!source.covers(address, quantity)) return refuse(ExceptionCode.illegalDataAddress);
    return answer(source.slice(address, quantity));
  }

  coversBits(table: BitTableName, address: number, quantity: number): boolean {
    return this.bits[table].covers(address, quantity);
  }

  coversRegisters(table: WordTableName, address: number, quantity: number): boolean {
    return this.words[table].covers(address, quantity);
  }
}
