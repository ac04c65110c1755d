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
 */
import type { OutboxRow, OutboxSource } from './outbox-source.js';
import type { TokenBucket } from './token-bucket.js';

export interface LaneBatch {
  rows: OutboxRow[];
  /** When nothing but paced backlog is left and no token is free: try again after this long. */
  waitMs: number;
}

export class SessionLanes {
  private priorityCursor = 0;
  private priorityDone: boolean;
  private liveCursor: number;
  private bulkCursor = 0;
  private bulkDone: boolean;

  constructor(
    private readonly outbox: Pick<OutboxSource, 'peekLane'>,
    /** Highest outbox id of the backlog; 0 when there is none. */
    readonly backlogEnd: number,
    private readonly pacing: TokenBucket,
  ) {
    this.liveCursor = backlogEnd;
    this.priorityDone = backlogEnd === 0;
    this.bulkDone = backlogEnd === 0;
  }

  /** True while paced backlog remains. */
  get drainingBacklog(): boolean {
    return !this.bulkDone;
  }

  /** Up to `limit` rows to publish next. The caller must publish every row returned. */
  next(limit: number): LaneBatch {
    if (!this.priorityDone) {
      const rows = this.outbox.peekLane('priority', this.priorityCursor, this.backlogEnd, limit);
      if (rows.length > 0) return this.take(rows, 'priority');
      this.priorityDone = true;
    }
    const live = this.outbox.peekLane('all', this.liveCursor, Number.MAX_SAFE_INTEGER, limit);
    if (live.length > 0) return this.take(live, 'live');
    if (this.bulkDone) return { rows: [], waitMs: 0 };
    const tokens = this.pacing.available(limit);
    if (tokens === 0) return { rows: [], waitMs: Math.max(1, this.pacing.msUntilNext()) };
    const bulk = this.outbox.peekLane('bulk', this.bulkCursor, this.backlogEnd, tokens);
    if (bulk.length === 0) {
      this.bulkDone = true;
      return { rows: [], waitMs: 0 };
    }
    this.pacing.consume(bulk.length);
    return this.take(bulk, 'bulk');
  }

  private take(rows: OutboxRow[], lane: 'priority' | 'live' | 'bulk'): LaneBatch {
    const last = rows[rows.length - 1]!.id;
    if (lane === 'priority') this.priorityCursor = last;
    else if (lane === 'live') this.liveCursor = last;
    else this.bulkCursor = last;
    return { rows, waitMs: 0 };
  }
}
