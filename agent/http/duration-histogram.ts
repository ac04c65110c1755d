/**
 * A cumulative histogram per label value (here: per device), for durations. Fixed buckets keep
 * memory constant however long the agent runs; the sum and count make averages possible upstream.
 */
import type { MetricSample } from './prometheus-text.js';

/** Seconds; from a fast Modbus TCP answer (ms) to an RTU cycle with retries (seconds). */
export const POLL_CYCLE_BUCKETS_S: readonly number[] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

interface Series {
  /** Non-cumulative counts per bucket; the last slot is +Inf. */
  counts: number[];
  sum: number;
  count: number;
}

export class DurationHistogram {
  private readonly series = new Map<string, Series>();

  constructor(
    private readonly labelName: string,
    private readonly bucketsS: readonly number[] = POLL_CYCLE_BUCKETS_S,
  ) {}

  observe(labelValue: string, seconds: number): void {
    if (!Number.isFinite(seconds) || seconds < 0) return; // a wall-clock step backwards; not a duration
    let series = this.series.get(labelValue);
    if (!series) {
      series = { counts: new Array<number>(this.bucketsS.length + 1).fill(0), sum: 0, count: 0 };
      this.series.set(labelValue, series);
    }
    // A plain loop, not findIndex with a closure: this runs once per poll cycle of every device.
    const buckets = this.bucketsS;
    let index = 0;
    while (index < buckets.length && seconds > buckets[index]!) index++;
    series.counts[index]! += 1;
    series.sum += seconds;
    series.count += 1;
  }

  samples(): MetricSample[] {
    const samples: MetricSample[] = [];
    for (const [labelValue, series] of this.series) {
      let cumulative = 0;
      this.bucketsS.forEach((bound, index) => {
        cumulative += series.counts[index]!;
        samples.push({ suffix: '_bucket', labels: { [this.labelName]: labelValue, le: String(bound) }, value: cumulative });
      });
      samples.push({ suffix: '_bucket', labels: { [this.labelName]: labelValue, le: '+Inf' }, value: series.count });
      samples.push({ suffix: '_sum', labels: { [this.labelName]: labelValue }, value: series.sum });
      samples.push({ suffix: '_count', labels: { [this.labelName]: labelValue }, value: series.count });
    }
    return samples;
  }
}
