/**
 * Reads the events that are new since the last one really read, keeping the cursor between polls.
 * The cursor moves only over records that were read completely and checked against the header, so
 * a failed read leaves it where it was and the next successful poll resumes from there: no event
 * is delivered twice, none is skipped without being counted.
 */
import type { PositionEvent, RejectedRecord } from '../../agent/model/positioning.js';
import { readBlocks } from './block-reads.js';
import { checkEventRecords, planEventRead, plannedSeqs, slotRuns, type EventCursor, type EventReadPlan } from './event-cursor.js';
import type { PositioningLink, ReadFailure } from './positioning-link.js';
import { RECORD_WORDS, RECORDS_PER_READ, decodeEventRecord, type RawEventRecord, type RawHeader } from './positioning-map.js';
import { checkEvent, type RecordRules } from './record-validation.js';

/** Header reads per cycle when the ring moves under the reader; the rest waits for the next cycle. */
const MAX_PASSES = 3;

export type HeaderSource = () => Promise<{ ok: true; header: RawHeader } | ReadFailure>;

export interface EventReadResult {
  events: PositionEvent[];
  missed: number;
  resynced: boolean;
  rejected: RejectedRecord[];
  /** Set when a read failed or the FIFO stayed inconsistent; what was committed before still counts. */
  failure: ReadFailure | null;
}

export class EventReader {
  private cursor: EventCursor | null;

  /** `resumeAfterSeq`: the last seq a previous run applied (persisted by the caller); omit to start fresh. */
  constructor(
    private readonly rules: RecordRules,
    resumeAfterSeq?: number,
  ) {
    this.cursor = resumeAfterSeq === undefined ? null : { seq: resumeAfterSeq, last: null };
  }

  /** The last seq read, or null before the first read. */
  get lastSeq(): number | null {
    return this.cursor?.seq ?? null;
  }

  async read(link: PositioningLink, header: RawHeader, rereadHeader: HeaderSource): Promise<EventReadResult> {
    const result: EventReadResult = { events: [], missed: 0, resynced: false, rejected: [], failure: null };
    let current = header;
    let restartSeen = false;
    for (let pass = 1; pass <= MAX_PASSES; pass++) {
      const plan = this.plan(current, restartSeen);
      restartSeen = false;
      const seqs = plannedSeqs(plan);
      if (seqs.length === 0) {
        if (plan.resync !== null) this.commit(plan, [], current, result);
        return result;
      }
      const read = await this.readRecords(link, current, seqs[0]!, seqs.at(-1)!);
      if (!read.ok) return { ...result, failure: read };
      const check = checkEventRecords(plan, this.cursor, read.records, current.eventSlots);
      switch (check.kind) {
        case 'complete':
          this.commit(plan, check.records, current, result);
          return result;
        case 'restarted':
          // Same seq, different event: the seq restarted and grew past the cursor. Take the ring from
          // its oldest event, flagged, using the header in hand (it is consistent with what was read).
          restartSeen = true;
          continue;
        case 'overwritten':
        case 'inconsistent': {
          this.commit(plan, check.records, current, result);
          const fresh = await rereadHeader();
          if (!fresh.ok) return { ...result, failure: fresh };
          current = fresh.header;
          if (check.kind === 'inconsistent' && pass === MAX_PASSES) {
            result.failure = { ok: false, quality: 'framing_error', reason: `event FIFO slot for seq ${check.atSeq} holds seq ${check.found}` };
          }
          continue;
        }
      }
    }
    return result;
  }

  private plan(header: RawHeader, restartSeen: boolean): EventReadPlan {
    const bounds = { newestSeq: header.newestSeq, oldestSeq: header.oldestSeq, slots: header.eventSlots };
    if (!restartSeen) return planEventRead(this.cursor, bounds);
    return { ...planEventRead(null, bounds), resync: 'restarted' };
  }

  private async readRecords(link: PositioningLink, header: RawHeader, firstSeq: number, lastSeq: number): Promise<{ ok: true; records: RawEventRecord[] } | ReadFailure> {
    const runs = slotRuns(firstSeq, lastSeq, header.eventSlots, RECORDS_PER_READ);
    const read = await readBlocks(
      link,
      runs.map((run) => ({ address: header.eventTableBase + run.slot * RECORD_WORDS, quantity: run.count * RECORD_WORDS })),
    );
    if (!read.ok) return read;
    const records: RawEventRecord[] = [];
    read.blocks.forEach((block, index) => {
      for (let i = 0; i < runs[index]!.count; i++) records.push(decodeEventRecord(block, i * RECORD_WORDS));
    });
    return { ok: true, records };
  }

  /**
   * Moves the cursor over `records` (all of them consecutive seqs of the plan) and adds them to the
   * result: valid ones as events, invalid ones as rejected. A plan's missed count and resync are
   * taken only with the cursor move they describe, so a failed pass is simply planned again.
   */
  private commit(plan: EventReadPlan, records: readonly RawEventRecord[], header: RawHeader, result: EventReadResult): void {
    const last = records.at(-1);
    if (last === undefined && plan.fromSeq <= plan.toSeq) return;
    result.missed += plan.missed;
    if (plan.resync !== null) result.resynced = true;
    for (const record of records) {
      const checked = checkEvent(record, this.rules, header.substationTimeS);
      if (checked.ok) result.events.push(checked.value);
      else result.rejected.push({ region: 'event', index: record.seq, reason: checked.reason });
    }
    this.cursor = last === undefined ? { seq: plan.toSeq, last: null } : { seq: last.seq, last };
  }
}
