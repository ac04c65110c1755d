/**
 * 5-minute statistics per point (min, max, mean, with the times of min and max), computed
 * incrementally as samples arrive. Only good numeric samples enter min/max/mean; a bucket with
 * none has null there (never a made-up 0). Non-numeric points (booleans, text) get no statistics.
 * Pure and in memory: the store writes closed buckets and rebuilds open ones from raw history
 * after a restart (stats-recorder.ts).
 */
import type { SampleValue } from '../model/sample.js';

export const STATS_BUCKET_MS = 300_000;

export interface StatsBucket {
  deviceId: string;
  pointId: string;
  bucketStart: number;
  /** Samples of any quality in the bucket. */
  samples: number;
  /** Good numeric samples: the ones min, max and mean are computed from. */
  good: number;
  min: number | null;
  minTs: number | null;
  max: number | null;
  maxTs: number | null;
  mean: number | null;
}

export interface StatsInput {
  deviceId: string;
  pointId: string;
  ts: number;
  value: SampleValue;
  quality: string;
}

interface Accumulator {
  deviceId: string;
  pointId: string;
  bucketStart: number;
  samples: number;
  good: number;
  nonNumeric: number;
  sum: number;
  min: number;
  minTs: number;
  max: number;
  maxTs: number;
}

export function bucketOf(ts: number): number {
  return Math.floor(ts / STATS_BUCKET_MS) * STATS_BUCKET_MS;
}

export class StatsAggregator {
  /** One open bucket per point, keyed by device then point. Bounded by the number of configured points. */
  private readonly open = new Map<string, Map<string, Accumulator>>();
  private lateSamples = 0;

  /** Samples whose bucket had already closed; they stay in raw history but not in statistics. */
  get late(): number {
    return this.lateSamples;
  }

  /** Adds a sample; returns the bucket it closed, if the sample starts a newer bucket for its point. */
  add(sample: StatsInput): StatsBucket | null {
    let points = this.open.get(sample.deviceId);
    if (points === undefined) {
      points = new Map();
      this.open.set(sample.deviceId, points);
    }
    const bucketStart = bucketOf(sample.ts);
    let acc = points.get(sample.pointId);
    let closed: StatsBucket | null = null;
    if (acc !== undefined && bucketStart < acc.bucketStart) {
      this.lateSamples += 1; // the clock stepped back, or a sample older than its point's open bucket
      return null;
    }
    if (acc !== undefined && bucketStart > acc.bucketStart) {
      closed = finish(acc);
      acc = undefined;
    }
    if (acc === undefined) {
      acc = { deviceId: sample.deviceId, pointId: sample.pointId, bucketStart, samples: 0, good: 0, nonNumeric: 0, sum: 0, min: 0, minTs: 0, max: 0, maxTs: 0 };
      points.set(sample.pointId, acc);
    }
    accumulate(acc, sample);
    return closed;
  }

  /** Closes every bucket that ended at or before `until` (for devices that stopped answering). */
  closeEndedBefore(until: number): StatsBucket[] {
    const closed: StatsBucket[] = [];
    for (const points of this.open.values()) {
      for (const [pointId, acc] of points) {
        if (acc.bucketStart + STATS_BUCKET_MS > until) continue;
        points.delete(pointId);
        const bucket = finish(acc);
        if (bucket !== null) closed.push(bucket);
      }
    }
    return closed;
  }

  /** Open buckets, for tests and diagnostics. */
  openBuckets(): number {
    let n = 0;
    for (const points of this.open.values()) n += points.size;
    return n;
  }
}

function accumulate(acc: Accumulator, sample: StatsInput): void {
  acc.samples += 1;
  if (sample.quality !== 'good') return;
  if (typeof sample.value !== 'number' || !Number.isFinite(sample.value)) {
    acc.nonNumeric += 1;
    return;
  }
  const value = sample.value;
  if (acc.good === 0 || value < acc.min) {
    acc.min = value;
    acc.minTs = sample.ts;
  }
  if (acc.good === 0 || value > acc.max) {
    acc.max = value;
    acc.maxTs = sample.ts;
  }
  acc.good += 1;
  acc.sum += value;
}

/** The finished bucket, or null for a point that is not numeric (booleans, text): no statistics for those. */
function finish(acc: Accumulator): StatsBucket | null {
  if (acc.nonNumeric > 0 && acc.good === 0) return null;
  const any = acc.good > 0;
  return {
    deviceId: acc.deviceId,
    pointId: acc.pointId,
    bucketStart: acc.bucketStart,
    samples: acc.samples,
    good: acc.good,
    min: any ? acc.min : null,
    minTs: any ? acc.minTs : null,
    max: any ? acc.max : null,
    maxTs: any ? acc.maxTs : null,
    mean: any ? acc.sum / acc.good : null,
  };
}
