/**
 * Decision latency ("poll result lands → output writes issued"), bounded: the last `capacity`
 * observations in a ring (exact percentiles over a recent window) plus lifetime count and max.
 */
export interface LatencySummary {
  count: number;
  /** Observations in the window the percentiles are computed over. */
  window: number;
  p50Ms: number | null;
  p90Ms: number | null;
  p99Ms: number | null;
  maxMs: number | null;
}

export class LatencyHistogram {
  private readonly ring: Float64Array;
  private next = 0;
  private filled = 0;
  private total = 0;
  private max = 0;

  constructor(capacity = 8192) {
    this.ring = new Float64Array(capacity);
  }

  observe(ms: number): void {
    this.ring[this.next] = ms;
    this.next = (this.next + 1) % this.ring.length;
    if (this.filled < this.ring.length) this.filled++;
    this.total++;
    if (ms > this.max) this.max = ms;
  }

  summary(): LatencySummary {
    if (this.filled === 0) return { count: 0, window: 0, p50Ms: null, p90Ms: null, p99Ms: null, maxMs: null };
    const sorted = this.ring.slice(0, this.filled).sort();
    const at = (q: number) => round(sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!);
    return { count: this.total, window: this.filled, p50Ms: at(0.5), p90Ms: at(0.9), p99Ms: at(0.99), maxMs: round(this.max) };
  }

  reset(): void {
    this.next = 0;
    this.filled = 0;
    this.total = 0;
    this.max = 0;
  }
}

const round = (ms: number) => Math.round(ms * 1000) / 1000;
