/**
 * The order the forwarder sends the outbox in, for one connection:
 *
 *   1. priority backlog — alarms, events, audit and command answers recorded before the connection
 *      came up, oldest first, not paced;
 *   2. live — everything recorded after that, in outbox order, not paced;
 *   3. bulk backlog — telemetry, statistics and snapshots from before, oldest first, paced at
 *      mqtt.backlogRatePerSecond and flagged late by the envelope.
 *
 * The backlog ends at the highest outbox id when the connection came up, if the oldest waiting row
 * was by then older than lateAfterMs; otherwise there is no backlog and everything is live.
 * Per stream, every lane keeps seq order; a priority stream is entirely in lanes 1 then 2, so its
 * order is kept end to end. A bulk stream is split at the boundary: the consumer gets live seqs
 * before the older, late ones (docs/mqtt-contract.md, "Order").
 *
 * Each lane reads ahead: one query returns up to `readAhead` rows (the in-flight window), which
 * are handed out as slots free up, so a drain costs one query per window instead of two per
 * PUBACK. Rows read ahead never delay a higher lane: before anything of a lower lane is handed
 * out, the live lane is asked again — with no query unless the store has written a row since
 * (OutboxSource.newestOutboxId). Bulk rows are paced when handed out, not when read. Rows read
 * ahead are dropped and read again after the disk budget evicted anything
 * (OutboxSource.outboxEvictions), so an evicted row, counted as never sent, is not sent.
 * Memory: at most `readAhead` rows per lane.
 */
import type { OutboxLane, OutboxRow, OutboxSource } from './outbox-source.js';
import type { TokenBucket } from './token-bucket.js';

export interface LaneBatch {
  rows: OutboxRow[];
  /** When nothing but paced backlog is left and no token is free: try again after this long. */
  waitMs: number;
}

type LaneSource = Pick<OutboxSource, 'peekLane' | 'newestOutboxId' | 'outboxEvictions'>;

const NOTHING: OutboxRow[] = [];

/** One lane's rows in id order, read ahead in batches. */
class LaneReader {
  private rows: OutboxRow[] = NOTHING;
  private next = 0;
  /** The last id read from the store (handed out or still in `rows`). */
  private cursor: number;
  /** The cursor before `rows` was read: where to start again if they are dropped. */
  private cursorBeforeRows: number;

  constructor(
    private readonly outbox: LaneSource,
    private readonly lane: OutboxLane,
    afterId: number,
    private readonly upToId: number,
  ) {
    this.cursor = afterId;
    this.cursorBeforeRows = afterId;
  }

  /** The last id read from the store. */
  get lastRead(): number {
    return this.cursor;
  }

  get buffered(): number {
    return this.rows.length - this.next;
  }

  /** Up to `limit` rows: from those read ahead, or else from one query of up to max(limit, readAhead) rows. */
  take(limit: number, readAhead: number): OutboxRow[] {
    if (this.next === this.rows.length) {
      const rows = this.outbox.peekLane(this.lane, this.cursor, this.upToId, Math.max(limit, readAhead));
      if (rows.length === 0) return NOTHING;
      this.rows = rows;
      this.next = 0;
      this.cursorBeforeRows = this.cursor;
      this.cursor = rows[rows.length - 1]!.id;
    }
    const end = Math.min(this.rows.length, this.next + limit);
    const out = this.next === 0 && end === this.rows.length ? this.rows : this.rows.slice(this.next, end);
    if (end === this.rows.length) {
      this.rows = NOTHING; // nothing kept once handed out
      this.next = 0;
    } else {
      this.next = end;
    }
    return out;
  }

  /** Drops the rows read ahead; the next take() reads again after the last row handed out. */
  drop(): void {
    if (this.next < this.rows.length) this.cursor = this.next > 0 ? this.rows[this.next - 1]!.id : this.cursorBeforeRows;
    this.rows = NOTHING;
    this.next = 0;
  }
}

export class SessionLanes {
  private readonly priority: LaneReader;
  private readonly live: LaneReader;
  private readonly bulk: LaneReader;
  private priorityDone: boolean;
  private bulkDone: boolean;
  /** newestOutboxId() when a live query last came back empty: no need to ask again until it moves. */
  private liveQuietAt = -1;
  private evictionsSeen: number;

  constructor(
    private readonly outbox: LaneSource,
    /** Highest outbox id of the backlog; 0 when there is none. */
    readonly backlogEnd: number,
    private readonly pacing: TokenBucket,
    /** Rows one query may read ahead per lane (the forwarder passes its in-flight window). */
    private readonly readAhead = 1,
  ) {
    this.priority = new LaneReader(outbox, 'priority', 0, backlogEnd);
    this.live = new LaneReader(outbox, 'all', backlogEnd, Number.MAX_SAFE_INTEGER);
    this.bulk = new LaneReader(outbox, 'bulk', 0, backlogEnd);
    this.priorityDone = backlogEnd === 0;
    this.bulkDone = backlogEnd === 0;
    this.evictionsSeen = outbox.outboxEvictions();
  }

  /** True while paced backlog remains. */
  get drainingBacklog(): boolean {
    return !this.bulkDone;
  }

  /** Up to `limit` rows to publish next. The caller must publish every row returned. */
  next(limit: number): LaneBatch {
    const evictions = this.outbox.outboxEvictions();
    if (evictions !== this.evictionsSeen) {
      this.evictionsSeen = evictions;
      this.priority.drop();
      this.live.drop();
      this.bulk.drop();
    }
    if (!this.priorityDone) {
      const rows = this.priority.take(limit, this.readAhead);
      if (rows.length > 0) return { rows, waitMs: 0 };
      this.priorityDone = true;
    }
    const live = this.nextLive(limit);
    if (live.length > 0) return { rows: live, waitMs: 0 };
    if (this.bulkDone) return { rows: [], waitMs: 0 };
    const tokens = this.pacing.available(limit);
    if (tokens === 0) return { rows: [], waitMs: Math.max(1, this.pacing.msUntilNext()) };
    const bulk = this.bulk.take(tokens, this.readAhead);
    if (bulk.length === 0) {
      this.bulkDone = true;
      return { rows: [], waitMs: 0 };
    }
    this.pacing.consume(bulk.length);
    return { rows: bulk, waitMs: 0 };
  }

  private nextLive(limit: number): OutboxRow[] {
    if (this.live.buffered === 0) {
      // Every row has an id ≤ newestOutboxId(): nothing new unless it moved past what was read.
      const newest = this.outbox.newestOutboxId();
      if (newest <= this.live.lastRead || newest === this.liveQuietAt) return NOTHING;
      const rows = this.live.take(limit, this.readAhead);
      if (rows.length === 0) this.liveQuietAt = newest; // e.g. a rolled-back write took that id
      return rows;
    }
    return this.live.take(limit, this.readAhead);
  }
}
