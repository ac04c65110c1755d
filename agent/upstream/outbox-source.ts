/**
 * What the forwarder needs from the store: the outbox, read oldest first and deleted only after
 * the broker acknowledged. Kept as an interface so the forwarder can be tested without SQLite and
 * so a later store (disk budget, eviction) can change behind it.
 */

/** One message waiting to be sent. `body` is already JSON text: it is spliced, never re-parsed. */
export interface OutboxRow {
  /** Position in the outbox; strictly increasing and never reused (SQLite AUTOINCREMENT). */
  id: number;
  stream: string;
  /** Sequence number within the stream, starting at 1; survives restarts and never repeats. */
  seq: number;
  /** Message id (UUID); a message sent twice carries the same id, so the platform can drop the copy. */
  msgId: string;
  /** Wall-clock ms when the gateway recorded the data (for telemetry: when the poll cycle finished). */
  recordedAt: number;
  body: string;
}

export interface OutboxStats {
  rows: number;
  /** recordedAt of the oldest row waiting, or null when the outbox is empty. */
  oldestRecordedAt: number | null;
}

/**
 * Which rows a peek returns: `all`; `priority` — only the PRIORITY_STREAMS (alarms, events, audit,
 * command answers); `bulk` — every other stream (telemetry, stats, snapshots).
 */
export type OutboxLane = 'all' | 'priority' | 'bulk';

export interface OutboxSource {
  /** Up to `limit` rows with id > afterId, ordered by id. */
  peek(afterId: number, limit: number): OutboxRow[];
  /** Up to `limit` rows of the lane with afterId < id ≤ upToId, ordered by id. */
  peekLane(lane: OutboxLane, afterId: number, upToId: number, limit: number): OutboxRow[];
  /** Highest id in the outbox, 0 when empty. */
  maxOutboxId(): number;
  /**
   * No query, for readers that keep rows read ahead: an id ≥ every id in the outbox (the highest
   * given out so far; a rolled-back write may have taken it). It moves whenever a row is added.
   */
  newestOutboxId(): number;
  /** No query: changes whenever rows may have left the outbox other than by ack() (disk budget). */
  outboxEvictions(): number;
  /** Deletes the rows, in one transaction. Call only for rows the broker acknowledged. */
  ack(ids: readonly number[]): void;
  stats(): OutboxStats;
}
