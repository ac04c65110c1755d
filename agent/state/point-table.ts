/**
 * The current state of every configured point: the latest sample and when it was last good.
 * Staleness is judged when the table is read, against the clock, so a device that stops answering
 * shows up as stale even if no new sample ever arrives. Unknown is never shown as a value.
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

const key = (deviceId: string, pointId: string) => `${deviceId}\u0000${pointId}`;

export class PointTable {
  private readonly points = new Map<string, PointState>();
  private readonly devices = new Map<string, DeviceState>();

  constructor(
    config: Pick<Config, 'devices'>,
    private readonly clock: Clock,
  ) {
    for (const device of config.devices) {
      const staleAfterMs = device.staleAfterMs ?? device.pollIntervalMs * 3;
      this.devices.set(device.id, { deviceId: device.id, system: device.system, lastCycleAt: null, lastGoodCycleAt: null, staleAfterMs });
      for (const point of device.points) {
        this.points.set(key(device.id, point.id), {
          deviceId: device.id,
          pointId: point.id,
          name: point.name ?? null,
          unit: point.unit ?? null,
          value: null,
          quality: 'stale',
          ts: null,
          lastGoodAt: null,
          staleAfterMs,
        });
      }
    }
  }

  apply(cycle: PollCycle): void {
    const device = this.devices.get(cycle.deviceId);
    if (!device) return;
    device.lastCycleAt = cycle.finishedAt;
    let anyGood = false;
    for (const sample of cycle.samples) {
      const point = this.points.get(key(sample.deviceId, sample.pointId));
      if (!point) continue;
      this.applySample(point, sample);
      if (sample.quality === 'good') anyGood = true;
    }
    if (anyGood) device.lastGoodCycleAt = cycle.finishedAt;
  }

  /** A copy of every point, with quality "stale" where the last good value is too old. */
  snapshot(): PointState[] {
    const now = this.clock.now();
    return [...this.points.values()].map((point) => this.view(point, now));
  }

  get(deviceId: string, pointId: string): PointState | undefined {
    const point = this.points.get(key(deviceId, pointId));
    return point ? this.view(point, this.clock.now()) : undefined;
  }

  deviceStates(): DeviceState[] {
    return [...this.devices.values()].map((device) => ({ ...device }));
  }

  /** Devices whose last good cycle is older than their deadline (or that never answered). */
  staleDevices(): DeviceState[] {
    const now = this.clock.now();
    return this.deviceStates().filter((d) => d.lastGoodCycleAt === null || now - d.lastGoodCycleAt > d.staleAfterMs);
  }

  private applySample(point: PointState, sample: Sample): void {
    point.ts = sample.ts;
    point.quality = sample.quality;
    point.value = sample.quality === 'good' ? sample.value : null;
    if (sample.quality === 'good') point.lastGoodAt = sample.ts;
  }

  private view(point: PointState, now: number): PointState {
    const fresh = point.lastGoodAt !== null && now - point.lastGoodAt <= point.staleAfterMs;
    if (point.quality === 'good' && !fresh) return { ...point, value: null, quality: 'stale' };
    return { ...point };
  }
}
