/**
 * The event-ring arithmetic of the positioning driver as pure functions: what to read after a
 * cursor, how a wrap, a restart and an overwrite are told apart, and how slot runs split.
 */
import { describe, expect, it } from 'vitest';
import { checkEventRecords, planEventRead, plannedSeqs, slotRuns, type EventCursor } from '../../drivers/positioning/event-cursor.js';
import type { RawEventRecord } from '../../drivers/positioning/positioning-map.js';

const SLOTS = 256;
const record = (seq: number, card = 100_000 + seq): RawEventRecord => ({ seq, card, timeS: 1_750_000_000 + seq, reader: 1, kindCode: 1 });
const cursorAt = (seq: number, last: RawEventRecord | null = record(seq)): EventCursor => ({ seq, last });
const fifo = (oldestSeq: number, newestSeq: number) => ({ oldestSeq, newestSeq, slots: SLOTS });

describe('planEventRead', () => {
  it('reads the whole ring at the first read, flagged as a resync', () => {
    expect(planEventRead(null, fifo(0, 0))).toEqual({ fromSeq: 1, toSeq: 0, anchorSeq: null, missed: 0, resync: 'first_read' });
    expect(planEventRead(null, fifo(45, 300))).toEqual({ fromSeq: 45, toSeq: 300, anchorSeq: null, missed: 0, resync: 'first_read' });
  });

  it('has nothing to read when newest is the cursor, and spends no request on the anchor then', () => {
    const plan = planEventRead(cursorAt(7), fifo(1, 7));
    expect(plan).toEqual({ fromSeq: 8, toSeq: 7, anchorSeq: null, missed: 0, resync: null });
    expect(plannedSeqs(plan)).toEqual([]);
  });

  it('reads the new events with the cursor event as an anchor in front', () => {
    const plan = planEventRead(cursorAt(7), fifo(1, 10));
    expect(plan).toEqual({ fromSeq: 8, toSeq: 10, anchorSeq: 7, missed: 0, resync: null });
    expect(plannedSeqs(plan)).toEqual([7, 8, 9, 10]);
  });

  it('continues without an anchor when the cursor event itself has just been overwritten', () => {
    // cursor 10, oldest 11: nothing lost, but slot 10 now holds 266.
    expect(planEventRead(cursorAt(10), fifo(11, 266))).toEqual({ fromSeq: 11, toSeq: 266, anchorSeq: null, missed: 0, resync: null });
  });

  it('counts the events the ring wrapped past: exactly one lost', () => {
    expect(planEventRead(cursorAt(10), fifo(12, 267))).toEqual({ fromSeq: 12, toSeq: 267, anchorSeq: null, missed: 1, resync: 'wrapped' });
  });

  it('counts many lost events when far more than 256 happened between two reads', () => {
    expect(planEventRead(cursorAt(100), fifo(745, 1000))).toEqual({ fromSeq: 745, toSeq: 1000, anchorSeq: null, missed: 644, resync: 'wrapped' });
  });

  it('sees a restart when the newest seq is below the cursor', () => {
    expect(planEventRead(cursorAt(500), fifo(1, 3))).toEqual({ fromSeq: 1, toSeq: 3, anchorSeq: null, missed: 0, resync: 'restarted' });
    expect(planEventRead(cursorAt(500), fifo(0, 0))).toEqual({ fromSeq: 1, toSeq: 0, anchorSeq: null, missed: 0, resync: 'restarted' });
  });

  it('resumes after a seq given from outside (cursor with no record) and anchors on it', () => {
    expect(planEventRead({ seq: 5, last: null }, fifo(1, 6))).toEqual({ fromSeq: 6, toSeq: 6, anchorSeq: 5, missed: 0, resync: null });
    expect(planEventRead({ seq: 0, last: null }, fifo(1, 2))).toEqual({ fromSeq: 1, toSeq: 2, anchorSeq: null, missed: 0, resync: null });
  });

  it('handles seqs past the uint16 range and near the top of uint32', () => {
    const top = 0xffff_ffff;
    expect(planEventRead(cursorAt(top - 1), fifo(top - 255, top))).toEqual({ fromSeq: top, toSeq: top, anchorSeq: top - 1, missed: 0, resync: null });
  });
});

describe('slotRuns', () => {
  it('splits at the end of the ring and at the per-read record cap', () => {
    expect(slotRuns(250, 260, SLOTS, 15)).toEqual([
      { firstSeq: 250, slot: 250, count: 6 },
      { firstSeq: 256, slot: 0, count: 5 },
    ]);
    expect(slotRuns(1, 40, SLOTS, 15)).toEqual([
      { firstSeq: 1, slot: 1, count: 15 },
      { firstSeq: 16, slot: 16, count: 15 },
      { firstSeq: 31, slot: 31, count: 10 },
    ]);
    expect(slotRuns(5, 4, SLOTS, 15)).toEqual([]);
  });

  it('covers a full ring of 256 records in 18 reads, each slot once', () => {
    const runs = slotRuns(1000, 1255, SLOTS, 15);
    expect(runs.reduce((n, run) => n + run.count, 0)).toBe(256);
    expect(new Set(runs.flatMap((run) => Array.from({ length: run.count }, (_, i) => run.slot + i))).size).toBe(256);
    expect(runs.length).toBe(18);
  });
});

describe('checkEventRecords', () => {
  it('takes every planned record and leaves the anchor out of the delivery', () => {
    const plan = planEventRead(cursorAt(7), fifo(1, 9));
    expect(checkEventRecords(plan, cursorAt(7), [record(7), record(8), record(9)], SLOTS)).toEqual({ kind: 'complete', records: [record(8), record(9)] });
  });

  it('reports a restart when the anchor seq holds a different event', () => {
    const plan = planEventRead(cursorAt(7), fifo(1, 9));
    const otherEvent = record(7, 999_999);
    expect(checkEventRecords(plan, cursorAt(7), [otherEvent, record(8), record(9)], SLOTS)).toEqual({ kind: 'restarted', atSeq: 7 });
  });

  it('stops at a slot the ring overwrote while reading and keeps what came before it', () => {
    const plan = planEventRead(cursorAt(7), fifo(1, 10));
    const result = checkEventRecords(plan, cursorAt(7), [record(7), record(8), record(9 + SLOTS), record(10 + SLOTS)], SLOTS);
    expect(result).toEqual({ kind: 'overwritten', records: [record(8)], atSeq: 9 });
  });

  it('calls an older or empty record where a newer was promised inconsistent', () => {
    const plan = planEventRead(cursorAt(7), fifo(1, 9));
    expect(checkEventRecords(plan, cursorAt(7), [record(7), record(8), { ...record(9), seq: 0 }], SLOTS)).toEqual({
      kind: 'inconsistent',
      records: [record(8)],
      atSeq: 9,
      found: 0,
    });
  });
});
