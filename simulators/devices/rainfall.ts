/**
 * Rainfall as a piecewise-constant rate over time (what a scenario scripts: "from 10:00 it rains
 * 30 mm/h"). Accumulations over a window are exact integrals of that history, so a storm crosses a
 * threshold at a predictable moment and the same script always gives the same figures.
 */

interface RateChange {
  from: number;
  mmPerHour: number;
}

const HOUR_MS = 3_600_000;
/** Changes older than the longest window (24 h) plus this many are dropped: the list stays bounded. */
const MAX_CHANGES = 10_000;

export class RainfallHistory {
  private readonly changes: RateChange[] = [];

  /** From `at` on it rains `mmPerHour` (0 = dry). Times must not go backwards. */
  setRate(at: number, mmPerHour: number): void {
    if (!Number.isFinite(mmPerHour) || mmPerHour < 0) throw new RangeError(`rainfall rate must be ≥ 0 mm/h, got ${mmPerHour}`);
    const last = this.changes.at(-1);
    if (last && at < last.from) throw new RangeError('rainfall changes must be given in time order');
    if (last && last.from === at) last.mmPerHour = mmPerHour;
    else this.changes.push({ from: at, mmPerHour });
    this.forgetBefore(at - 24 * HOUR_MS);
  }

  rateAt(at: number): number {
    let rate = 0;
    for (const change of this.changes) if (change.from <= at) rate = change.mmPerHour;
    return rate;
  }

  /** Millimetres that fell in (now − windowMs, now]. */
  accumulated(now: number, windowMs: number): number {
    const start = now - windowMs;
    let total = 0;
    this.changes.forEach((change, i) => {
      const end = Math.min(this.changes[i + 1]?.from ?? now, now);
      const begin = Math.max(change.from, start);
      if (end > begin) total += (change.mmPerHour * (end - begin)) / HOUR_MS;
    });
    return total;
  }

  /** Keeps the last change before `cutoff` (it defines the rate at the window's start) and everything after. */
  private forgetBefore(cutoff: number): void {
    while (this.changes.length > 1 && (this.changes[1]!.from <= cutoff || this.changes.length > MAX_CHANGES)) this.changes.shift();
  }
}
