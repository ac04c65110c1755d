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
import type { PollCycle, Quality, Sample, SampleValue } from '../model/sample.js';

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

/** The published state plus the monotonic time it was last good, which decides freshness. */
interface PointEntry {
  state: PointState;
  lastGoodMono: number | null;
}

interface DeviceEntry {
  state: DeviceState;
  lastGoodMono: number | null;
}

const key = (deviceId: string, pointId: string) => `${deviceId}\u0000${pointId}`;

export class PointTable {
  private readonly points = new Map<string, PointEntry>();
  private readonly devices = new Map<string, DeviceEntry>();

  constructor(
    config: Pick<Config, 'devices'>,
    private readonly clock: Clock,
  ) {
    for (const device of config.devices) {
      const staleAfterMs = device.staleAfterMs ?? device.pollIntervalMs * 3;
      const deviceState: DeviceState = { deviceId: device.id, system: device.system, lastCycleAt: null, lastGoodCycleAt: null, staleAfterMs };
      this.devices.set(device.id, { state: deviceState, lastGoodMono: null });
      for (const point of device.points) {
        const state: PointState = {
          deviceId: device.id,
          pointId: point.id,
          name: point.name ?? null,
          unit: point.unit ?? null,
          value: null,
          quality: 'stale',
          ts: null,
          lastGoodAt: null,
          staleAfterMs,
        };
        this.points.set(key(device.id, point.id), { state, lastGoodMono: null });
      }
    }
  }

  apply(cycle: PollCycle): void {
    const device = this.devices.get(cycle.deviceId);
    if (!device) return;
    device.state.lastCycleAt = cycle.finishedAt;
    let lastGoodMono: number | null = null;
    for (const sample of cycle.samples) {
      const point = this.points.get(key(sample.deviceId, sample.pointId));
      if (!point) continue;
      this.applySample(point, sample);
      if (sample.quality === 'good' && (lastGoodMono === null || sample.mono > lastGoodMono)) lastGoodMono = sample.mono;
    }
    if (lastGoodMono !== null) {
      device.state.lastGoodCycleAt = cycle.finishedAt;
      device.lastGoodMono = lastGoodMono;
    }
  }

  /** A copy of every point, with quality "stale" where the last good value is too old. */
  snapshot(): PointState[] {
    const now = this.clock.monotonic();
    return [...this.points.values()].map((point) => this.view(point, now));
  }

  get(deviceId: string, pointId: string): PointState | undefined {
    const point = this.points.get(key(deviceId, pointId));
    return point ? this.view(point, this.clock.monotonic()) : undefined;
  }

  deviceStates(): DeviceState[] {
    return [...this.devices.values()].map((device) => ({ ...device.state }));
  }

  /** Devices whose last good cycle is older than their deadline (or that never answered). */
  staleDevices(): DeviceState[] {
    const now = this.clock.monotonic();
    return [...this.devices.values()].filter((device) => !isFresh(device.lastGoodMono, device.state.staleAfterMs, now)).map((device) => ({ ...device.state }));
  }

  private applySample(point: PointEntry, sample: Sample): void {
    const { state } = point;
    state.ts = sample.ts;
    state.quality = sample.quality;
    state.value = sample.quality === 'good' ? sample.value : null;
    if (sample.quality === 'good') {
      state.lastGoodAt = sample.ts;
      point.lastGoodMono = sample.mono;
    }
  }

  private view(point: PointEntry, monoNow: number): PointState {
    const { state } = point;
    if (state.quality === 'good' && !isFresh(point.lastGoodMono, state.staleAfterMs, monoNow)) return { ...state, value: null, quality: 'stale' };
    return { ...state };
  }
}

function isFresh(lastGoodMono: number | null, staleAfterMs: number, monoNow: number): boolean {
  return lastGoodMono !== null && monoNow - lastGoodMono <= staleAfterMs;
}
