/**
 * The current state of every configured point: the latest sample and when it was last good.
 * Staleness is judged when the table is read, against the clock, so a device that stops answering
 * shows up as stale even if no new sample ever arrives. Unknown is never shown as a value.
 *
 * Freshness is measured on the monotonic clock (the sample's `mono` against clock.monotonic()):
 * an NTP step of the wall clock must neither keep an old methane reading looking fresh nor make a
 * fresh one look stale. The wall-clock times (`ts`, `lastGoodAt`, …) are for display and history only.
 * Samples and this table must therefore share one monotonic clock (one process, one Clock).
 */
import type { Config } from '../../config/schema.js';
import type { Clock } from '../model/clock.js';
import { QUALITIES, type PollCycle, type Quality, type SampleValue } from '../model/sample.js';

export interface PointState {
  deviceId: string;
  pointId: string;
  name: string | null;
  unit: string | null;
  value: SampleValue;
  quality: Quality;
  /** Time of the latest sample (any quality); null until the first poll. */
  ts: number | null;
  lastGoodAt: number | null;
  staleAfterMs: number;
}

export interface DeviceState {
  deviceId: string;
  system: string;
  lastCycleAt: number | null;
  /** The last cycle where at least one point read good. */
  lastGoodCycleAt: number | null;
  staleAfterMs: number;
}

/** A point's fixed fields and its slot in the table's arrays. */
interface PointSlot {
  readonly deviceId: string;
  readonly pointId: string;
  readonly name: string | null;
  readonly unit: string | null;
  readonly staleAfterMs: number;
  readonly index: number;
}

interface DeviceEntry {
  state: DeviceState;
  lastGoodMono: number | null;
  /** Slot index by point id: looked up per sample, so no "device/point" key string is built per lookup. */
  points: Map<string, number>;
}

/** In `others`: the value is the number in `numbers`. */
const NUMBER = Symbol('number');
const NONE = Number.NaN;
const QUALITY_INDEX = Object.fromEntries(QUALITIES.map((quality, index) => [quality, index])) as Record<Quality, number>;
const orNull = (n: number): number | null => (Number.isNaN(n) ? null : n);

export class PointTable {
  /** Every point in config order (snapshot()). */
  private readonly slots: PointSlot[] = [];
  private readonly devices = new Map<string, DeviceEntry>();
  /*
   * The latest state of every point, by slot, in typed arrays: applying a cycle (1000 samples a
   * second at ref-1k, 10 000 at 10 Hz) writes numbers in place and allocates nothing. Copying
   * them into a state object per point boxed each number, and since the table lives for the
   * process, every box survived into the old generation, there to be collected by full GCs. NaN
   * stands for "none" in the time arrays.
   */
  private readonly ts: Float64Array;
  private readonly lastGoodAt: Float64Array;
  private readonly lastGoodMono: Float64Array;
  private readonly quality: Uint8Array;
  /** A good numeric value (the common case) lives here; `others` then holds NUMBER. */
  private readonly numbers: Float64Array;
  /** Any other value (null, a boolean, a string), or NUMBER. */
  private readonly others: Array<SampleValue | typeof NUMBER>;

  constructor(
    config: Pick<Config, 'devices'>,
    private readonly clock: Clock,
  ) {
    for (const device of config.devices) {
      const staleAfterMs = device.staleAfterMs ?? device.pollIntervalMs * 3;
      const deviceState: DeviceState = { deviceId: device.id, system: device.system, lastCycleAt: null, lastGoodCycleAt: null, staleAfterMs };
      const entry: DeviceEntry = { state: deviceState, lastGoodMono: null, points: new Map() };
      this.devices.set(device.id, entry);
      for (const point of device.points) {
        const index = this.slots.length;
        this.slots.push({ deviceId: device.id, pointId: point.id, name: point.name ?? null, unit: point.unit ?? null, staleAfterMs, index });
        entry.points.set(point.id, index);
      }
    }
    const n = this.slots.length;
    this.ts = new Float64Array(n).fill(NONE);
    this.lastGoodAt = new Float64Array(n).fill(NONE);
    this.lastGoodMono = new Float64Array(n).fill(NONE);
    this.quality = new Uint8Array(n).fill(QUALITY_INDEX.stale);
    this.numbers = new Float64Array(n);
    this.others = new Array<SampleValue | typeof NUMBER>(n).fill(null);
  }

  apply(cycle: PollCycle): void {
    const device = this.devices.get(cycle.deviceId);
    if (!device) return;
    device.state.lastCycleAt = cycle.finishedAt;
    let lastGoodMono: number | null = null;
    for (const sample of cycle.samples) {
      // A cycle carries its own device's samples; another device's sample still lands on its own point.
      const points = sample.deviceId === cycle.deviceId ? device.points : this.devices.get(sample.deviceId)?.points;
      const index = points?.get(sample.pointId);
      if (index === undefined) continue;
      this.ts[index] = sample.ts;
      this.quality[index] = QUALITY_INDEX[sample.quality];
      if (sample.quality === 'good') {
        if (typeof sample.value === 'number') {
          this.numbers[index] = sample.value;
          this.others[index] = NUMBER;
        } else {
          this.others[index] = sample.value;
        }
        this.lastGoodAt[index] = sample.ts;
        this.lastGoodMono[index] = sample.mono;
        if (lastGoodMono === null || sample.mono > lastGoodMono) lastGoodMono = sample.mono;
      } else {
        this.others[index] = null;
      }
    }
    if (lastGoodMono !== null) {
      device.state.lastGoodCycleAt = cycle.finishedAt;
      device.lastGoodMono = lastGoodMono;
    }
  }

  /** A copy of every point, with quality "stale" where the last good value is too old. */
  snapshot(): PointState[] {
    const now = this.clock.monotonic();
    return this.slots.map((slot) => this.view(slot, now));
  }

  /** A copy of the point's state, with quality "stale" where the last good value is too old. */
  get(deviceId: string, pointId: string): PointState | undefined {
    const index = this.devices.get(deviceId)?.points.get(pointId);
    return index === undefined ? undefined : this.view(this.slots[index]!, this.clock.monotonic());
  }

  deviceStates(): DeviceState[] {
    return [...this.devices.values()].map((device) => ({ ...device.state }));
  }

  /** Devices whose last good cycle is older than their deadline (or that never answered). */
  staleDevices(): DeviceState[] {
    const now = this.clock.monotonic();
    return [...this.devices.values()].filter((device) => !isFresh(device.lastGoodMono, device.state.staleAfterMs, now)).map((device) => ({ ...device.state }));
  }

  private view(slot: PointSlot, monoNow: number): PointState {
    const i = slot.index;
    const quality = QUALITIES[this.quality[i]!]!;
    const ts = orNull(this.ts[i]!);
    const lastGoodAt = orNull(this.lastGoodAt[i]!);
    const { deviceId, pointId, name, unit, staleAfterMs } = slot;
    if (quality === 'good' && !isFresh(orNull(this.lastGoodMono[i]!), staleAfterMs, monoNow)) {
      return { deviceId, pointId, name, unit, value: null, quality: 'stale', ts, lastGoodAt, staleAfterMs };
    }
    const other = this.others[i]!;
    const value = quality !== 'good' ? null : other === NUMBER ? this.numbers[i]! : other;
    return { deviceId, pointId, name, unit, value, quality, ts, lastGoodAt, staleAfterMs };
  }
}

function isFresh(lastGoodMono: number | null, staleAfterMs: number, monoNow: number): boolean {
  return lastGoodMono !== null && monoNow - lastGoodMono <= staleAfterMs;
}
