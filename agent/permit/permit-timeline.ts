/**
 * Which permit was in force at a moment: entries are read after the fact (the FIFO is polled), so an
 * entry is judged by the permit output at the time the card passed the reader, not at the time we
 * read it. Keeps the changes only, bounded.
 */
import type { EntryStamp } from '../headcount/headcount-state.js';

interface Change {
  at: number;
  stamp: EntryStamp;
}

export class PermitTimeline {
  private readonly changes: Change[] = [];

  constructor(private readonly limit = 10_000) {}

  record(at: number, stamp: EntryStamp): void {
    const last = this.changes.at(-1);
    if (last && last.stamp.permitted === stamp.permitted && last.stamp.banned === stamp.banned && sameReasons(last.stamp.reasons, stamp.reasons)) return;
    this.changes.push({ at, stamp });
    if (this.changes.length > this.limit) this.changes.splice(0, this.changes.length - this.limit);
  }

  /** The permit in force at `at`; null before the first decision (or older than what is kept). */
  at(at: number): EntryStamp | null {
    let low = 0;
    let high = this.changes.length - 1;
    let found: Change | null = null;
    while (low <= high) {
      const mid = (low + high) >> 1;
      const change = this.changes[mid]!;
      if (change.at <= at) {
        found = change;
        low = mid + 1;
      } else high = mid - 1;
    }
    return found?.stamp ?? null;
  }
}

function sameReasons(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((r, i) => r === b[i]);
}
