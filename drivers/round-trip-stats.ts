/** Round-trip times over the last N requests, in a fixed ring so memory stays bounded. */
export class RoundTripWindow {
  private readonly samples: Float64Array;
  private count = 0;
  private next = 0;

  constructor(size = 1024) {
    this.samples = new Float64Array(size);
  }

  add(ms: number): void {
    this.samples[this.next] = ms;
    this.next = (this.next + 1) % this.samples.length;
    if (this.count < this.samples.length) this.count++;
  }

  percentiles(): { p50: number | null; p90: number | null; p99: number | null; max: number | null } {
    if (this.count === 0) return { p50: null, p90: null, p99: null, max: null };
    const sorted = Array.from(this.samples.subarray(0, this.count)).sort((a, b) => a - b);
    const at = (q: number) => round(sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!);
    return { p50: at(0.5), p90: at(0.9), p99: at(0.99), max: round(sorted[sorted.length - 1]!) };
  }
}

const round = (ms: number) => Math.round(ms * 1000) / 1000;
