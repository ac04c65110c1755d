/**
 * Feeds the store's samples to the StatsAggregator and stores each closed 5-minute bucket twice:
 * in stats_5min (kept statsRetentionDays, longer than raw history) and as a message on the `stats`
 * stream (one per device and bucket). Runs inside the store's write transaction, so a bucket row
 * and its message commit together with the samples that closed it.
 *
 * After a restart, open buckets are rebuilt from raw history (which is durable), starting one
 * bucket before the newest bucket already written; INSERT OR IGNORE keeps a bucket that was
 * written before the crash from being written or sent twice.
 */
import type Database from 'better-sqlite3';
import type { PollCycle } from '../model/sample.js';
import type { StatsBody } from '../upstream/messages.js';
import { bucketOf, StatsAggregator, STATS_BUCKET_MS, type StatsBucket } from './stats-aggregator.js';
import { decodeHistoryRow, HISTORY_ROW_MAX_SPAN_MS } from './history-codec.js';

/** A device that stopped answering has its open buckets closed this long after they ended. */
export const STATS_CLOSE_GRACE_MS = 60_000;
const DAY_MS = 86_400_000;
const PRUNE_CHUNK_ROWS = 2_000;

export type OutboxAppender = (stream: 'stats', body: string, recordedAt: number) => void;

export class StatsRecorder {
  private readonly aggregator = new StatsAggregator();
  private readonly insertBucket: Database.Statement<[string, string, number, number, number, number | null, number | null, number | null, number | null, number | null]>;
  private readonly pruneChunk: Database.Statement<[number, number]>;

  constructor(
    private readonly db: Database.Database,
    private readonly appendOutbox: OutboxAppender,
  ) {
    this.insertBucket = db.prepare(
      'INSERT OR IGNORE INTO stats_5min (device_id, point_id, bucket_start, samples, good, min, min_ts, max, max_ts, mean) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    );
    this.pruneChunk = db.prepare('DELETE FROM stats_5min WHERE rowid IN (SELECT rowid FROM stats_5min WHERE bucket_start < ? LIMIT ?)');
  }

  /** Samples that arrived after their bucket had closed (kept in history, not in statistics). */
  get lateSamples(): number {
    return this.aggregator.late;
  }

  /** Call inside the write transaction, after the cycles' samples were inserted. */
  observe(cycles: readonly PollCycle[]): void {
    const closed: StatsBucket[] = [];
    for (const cycle of cycles) {
      for (const sample of cycle.samples) {
        const bucket = this.aggregator.add(sample);
        if (bucket !== null) closed.push(bucket);
      }
    }
    this.write(closed);
  }

  /** Closes buckets of points that stopped producing samples. Call inside a transaction. */
  closeStale(now: number): void {
    this.write(this.aggregator.closeEndedBefore(now - STATS_CLOSE_GRACE_MS));
  }

  /**
   * Rebuilds the open buckets from raw history after a start. Call once, inside a transaction.
   * Samples are fed row by row in (row ts, id) order — the order they were written in — and within
   * a row in cycle order; samples older than `from` in a row that straddles it are skipped.
   */
  rebuild(now: number): void {
    const newestWritten = (this.db.prepare('SELECT max(bucket_start) AS b FROM stats_5min').get() as { b: number | null }).b;
    // max(last_ts) without a scan: the newest sample is in a row starting at most one row span before the newest row start.
    const newestSample = (
      this.db
        .prepare('SELECT max(last_ts) AS ts FROM history WHERE ts >= (SELECT max(ts) FROM history) - ?')
        .get(HISTORY_ROW_MAX_SPAN_MS) as { ts: number | null }
    ).ts;
    if (newestSample === null) return;
    const from = (newestWritten ?? bucketOf(newestSample)) - STATS_BUCKET_MS;
    const rows = this.db
      .prepare('SELECT id, device_id, body, special FROM history WHERE ts >= ? AND last_ts >= ? ORDER BY ts, id')
      .iterate(from - HISTORY_ROW_MAX_SPAN_MS, from) as IterableIterator<{ id: number; device_id: string; body: string; special: string | null }>;
    const closed: StatsBucket[] = [];
    for (const row of rows) {
      for (const sample of decodeHistoryRow(row.body, row.special, row.id)) {
        if (sample.ts < from) continue;
        const bucket = this.aggregator.add({ deviceId: row.device_id, pointId: sample.pointId, ts: sample.ts, value: sample.value, quality: sample.quality });
        if (bucket !== null) closed.push(bucket);
      }
    }
    this.write(closed);
    this.closeStale(now);
  }

  /** Deletes statistics older than the retention, one bounded chunk; returns rows deleted. */
  pruneChunkOlderThan(now: number, retentionDays: number, chunkRows = PRUNE_CHUNK_ROWS): number {
    return this.pruneChunk.run(now - retentionDays * DAY_MS, chunkRows).changes;
  }

  private write(closed: readonly StatsBucket[]): void {
    if (closed.length === 0) return;
    const messages = new Map<string, StatsBody>();
    for (const b of closed) {
      const inserted = this.insertBucket.run(b.deviceId, b.pointId, b.bucketStart, b.samples, b.good, b.min, b.minTs, b.max, b.maxTs, b.mean).changes > 0;
      if (!inserted) continue; // written before a restart, and sent then
      const key = `${b.deviceId}\u0000${b.bucketStart}`;
      let body = messages.get(key);
      if (body === undefined) {
        body = { device: b.deviceId, bucketStart: b.bucketStart, bucketMs: STATS_BUCKET_MS, points: [] };
        messages.set(key, body);
      }
      body.points.push({ point: b.pointId, samples: b.samples, good: b.good, min: b.min, minTs: b.minTs, max: b.max, maxTs: b.maxTs, mean: b.mean });
    }
    for (const body of messages.values()) this.appendOutbox('stats', JSON.stringify(body), body.bucketStart + STATS_BUCKET_MS);
  }
}
