/**
 * The arithmetic of reading "events since the last one seen" from the substation's event ring:
 * event `seq` sits in slot `seq mod slots`, and the header names the newest and oldest seq still
 * held. Pure functions, no I/O — the event reader (event-reader.ts) does the reads.
 *
 * Three ways continuity breaks, each reported, none hidden:
 * - wrapped: more events happened than the ring holds since the last read → the lost ones counted;
 * - restarted: the substation's seq went backwards, or the event last seen was replaced by a
 *   different one with the same seq (seq restarted and has since grown past the cursor);
 * - overwritten while reading: a slot already holds a newer event than the header promised →
 *   deliver what came before it and plan again from a fresh header.
 */
import type { RawEventRecord } from './positioning-map.js';

/** Where the reader stands: the last seq really read, and what that record said (to spot a restart). */
export interface EventCursor {
  seq: number;
  /** The record last read; null when the cursor was given from outside (resume) without it. */
  last: RawEventRecord | null;
}

export interface FifoBounds {
  /** 0 = no event yet. */
  newestSeq: number;
  /** 0 = no event yet. */
  oldestSeq: number;
  slots: number;
}

export type ResyncReason = 'first_read' | 'restarted' | 'wrapped';

export interface EventReadPlan {
  /** Seqs to deliver, inclusive; empty when fromSeq > toSeq. */
  fromSeq: number;
  toSeq: number;
  /** The cursor's own seq, re-read to check it still holds the same event; null when not checkable. */
  anchorSeq: number | null;
  /** Events lost before fromSeq (the ring wrapped past them). */
  missed: number;
  resync: ResyncReason | null;
}

/** What to read next, from the cursor and a header just read. */
export function planEventRead(cursor: EventCursor | null, fifo: FifoBounds): EventReadPlan {
  const everything = (resync: ResyncReason): EventReadPlan => ({
    fromSeq: fifo.newestSeq === 0 ? 1 : fifo.oldestSeq,
    toSeq: fifo.newestSeq,
    anchorSeq: null,
    missed: 0,
    resync,
  });
  if (cursor === null) return everything('first_read');
  if (fifo.newestSeq < cursor.seq) return everything('restarted');
  if (cursor.seq + 1 < fifo.oldestSeq) {
    return { fromSeq: fifo.oldestSeq, toSeq: fifo.newestSeq, anchorSeq: null, missed: fifo.oldestSeq - 1 - cursor.seq, resync: 'wrapped' };
  }
  const somethingNew = fifo.newestSeq > cursor.seq;
  // The anchor rides along in the same read as the new events; with nothing new it is not worth a
  // request of its own: a restart that exactly reached the old seq is caught at the next event.
  const anchorSeq = somethingNew && cursor.seq >= 1 && cursor.seq >= fifo.oldestSeq ? cursor.seq : null;
  return { fromSeq: cursor.seq + 1, toSeq: fifo.newestSeq, anchorSeq, missed: 0, resync: null };
}

/** The seqs a plan reads, anchor first, in order. */
export function plannedSeqs(plan: EventReadPlan): number[] {
  const seqs = plan.anchorSeq === null ? [] : [plan.anchorSeq];
  for (let seq = plan.fromSeq; seq <= plan.toSeq; seq++) seqs.push(seq);
  return seqs;
}

/** One read request over consecutive slots: `count` records from `slot`, holding `firstSeq` onwards. */
export interface SlotRun {
  firstSeq: number;
  slot: number;
  count: number;
}

/**
 * Splits consecutive seqs into runs of consecutive slots, each at most `maxRecords` long: a run
 * ends where the ring wraps back to slot 0.
 */
export function slotRuns(firstSeq: number, lastSeq: number, slots: number, maxRecords: number): SlotRun[] {
  const runs: SlotRun[] = [];
  let seq = firstSeq;
  while (seq <= lastSeq) {
    const slot = seq % slots;
    const count = Math.min(lastSeq - seq + 1, slots - slot, maxRecords);
    runs.push({ firstSeq: seq, slot, count });
    seq += count;
  }
  return runs;
}

export function sameRecord(a: RawEventRecord, b: RawEventRecord): boolean {
  return a.seq === b.seq && a.card === b.card && a.timeS === b.timeS && a.reader === b.reader && a.kindCode === b.kindCode;
}

export type RecordCheck =
  /** Every planned record was there: deliver them all. */
  | { kind: 'complete'; records: RawEventRecord[] }
  /** A slot held a newer event (the ring moved on while we read): deliver `records`, then re-plan. */
  | { kind: 'overwritten'; records: RawEventRecord[]; atSeq: number }
  /** The anchor holds a different event under the cursor's seq: the substation restarted. */
  | { kind: 'restarted'; atSeq: number }
  /** A slot held an older or empty record where a newer one was promised: restart or a broken device. */
  | { kind: 'inconsistent'; records: RawEventRecord[]; atSeq: number; found: number };

/**
 * Checks the records read for a plan (`records[i]` read for `plannedSeqs(plan)[i]`) against what
 * the header promised, stopping at the first that does not hold the expected seq.
 */
export function checkEventRecords(plan: EventReadPlan, cursor: EventCursor | null, records: readonly RawEventRecord[], slots: number): RecordCheck {
  const seqs = plannedSeqs(plan);
  const taken: RawEventRecord[] = [];
  for (const [index, expected] of seqs.entries()) {
    const record = records[index];
    if (record === undefined) throw new Error(`no record read for seq ${expected}`);
    const isAnchor = plan.anchorSeq !== null && index === 0;
    if (record.seq === expected) {
      if (!isAnchor) taken.push(record);
      else if (cursor?.last && !sameRecord(record, cursor.last)) return { kind: 'restarted', atSeq: expected };
      continue;
    }
    if (record.seq > expected && (record.seq - expected) % slots === 0) return { kind: 'overwritten', records: taken, atSeq: expected };
    return { kind: 'inconsistent', records: taken, atSeq: expected, found: record.seq };
  }
  return { kind: 'complete', records: taken };
}
