/**
 * The store: raw sample history and the outbox of messages waiting for the broker, in one SQLite
 * file. Synchronous (better-sqlite3) and used from the event loop, so every call is kept short:
 * batches are written in one transaction, pruning works in bounded chunks.
 */
import { randomUUID } from 'node:crypto';
import type Database from 'better-sqlite3';
import type { StoreConfig } from '../../config/schema.js';
import type { Clock } from '../model/clock.js';
import type { PollCycle, Quality, SampleValue } from '../model/sample.js';
import type { Logger } from '../runtime/logger.js';
import { telemetryBodyOf } from '../upstream/messages.js';
import type { OutboxRow, OutboxSource, OutboxStats } from '../upstream/outbox-source.js';
import type { OutboxStream } from '../upstream/topics.js';
import { openStoreDatabase, type StartupNotice } from './open-database.js';
import { storeErrorHint } from './store-errors.js';
import { decodeValue, encodeValue, type StoredValue } from './value-codec.js';

export type { StartupNotice } from './open-database.js';

export interface StoreDeps {
  clock: Clock;
  logger: Logger;
}

/** A sample read back from history. `mono` is not kept: it means nothing after a restart. */
export interface StoredSample {
  deviceId: string;
  pointId: string;
  ts: number;
  value: SampleValue;
  quality: Quality;
  exceptionCode?: number;
}

export interface HistoryQuery {
  deviceId: string;
  pointId: string;
  /** Inclusive, wall-clock ms. */
  fromTs: number;
  /** Exclusive, wall-clock ms. */
  toTs: number;
  limit?: number;
}

export interface PruneResult {
  deleted: number;
  /** True when older rows remain: call again (after yielding to the event loop). */
  more: boolean;
}

const DAY_MS = 86_400_000;
/** 5 000 rows took 21 ms on the dev VM (two indexes to update per row); 2 000 keeps a chunk well under the 100 ms interlock budget. */
const DEFAULT_PRUNE_CHUNK_ROWS = 2_000;
const DEFAULT_HISTORY_LIMIT = 10_000;

interface SampleRow {
  device_id: string;
  point_id: string;
  ts: number;
  value_kind: number;
  value: StoredValue;
  quality: string;
  exception_code: number | null;
}

export class Store implements OutboxSource {
  /** Things found while opening (e.g. a damaged database moved aside) that the agent should alarm on. */
  readonly startupNotices: readonly StartupNotice[];
  private closed = false;
  private pruneContinuation: NodeJS.Immediate | null = null;
  /** Rows in the outbox, counted once at open and then kept in step, so stats() never scans. */
  private outboxRows: number;

  private readonly insertSample: Database.Statement<[string, string, number, number, StoredValue, string, number | null]>;
  private readonly nextSeq: Database.Statement<[string], { last_seq: number }>;
  private readonly insertOutbox: Database.Statement<[string, number, string, number, string]>;
  private readonly selectOutbox: Database.Statement<[number, number], OutboxRow>;
  private readonly deleteOutbox: Database.Statement<[number]>;
  private readonly oldestOutbox: Database.Statement<[], { recorded_at: number }>;
  private readonly selectHistory: Database.Statement<[string, string, number, number, number], SampleRow>;
  private readonly pruneChunk: Database.Statement<[number, number]>;
  private readonly recordBatch: (cycles: readonly PollCycle[]) => number;
  private readonly ackBatch: (ids: readonly number[]) => number;

  static open(config: StoreConfig, deps: StoreDeps): Store {
    const { db, notices } = openStoreDatabase(config.path, deps);
    return new Store(db, config, deps, notices);
  }

  private constructor(
    private readonly db: Database.Database,
    private readonly config: StoreConfig,
    private readonly deps: StoreDeps,
    notices: StartupNotice[],
  ) {
    this.startupNotices = notices;
    this.insertSample = db.prepare(
      'INSERT INTO samples (device_id, point_id, ts, value_kind, value, quality, exception_code) VALUES (?, ?, ?, ?, ?, ?, ?)',
    );
    this.nextSeq = db.prepare(
      'INSERT INTO stream_seq (stream, last_seq) VALUES (?, 1) ON CONFLICT (stream) DO UPDATE SET last_seq = last_seq + 1 RETURNING last_seq',
    );
    this.insertOutbox = db.prepare('INSERT INTO outbox (stream, seq, msg_id, recorded_at, body) VALUES (?, ?, ?, ?, ?)');
    this.selectOutbox = db.prepare(
      'SELECT id, stream, seq, msg_id AS msgId, recorded_at AS recordedAt, body FROM outbox WHERE id > ? ORDER BY id LIMIT ?',
    );
    this.deleteOutbox = db.prepare('DELETE FROM outbox WHERE id = ?');
    this.oldestOutbox = db.prepare('SELECT recorded_at FROM outbox ORDER BY id LIMIT 1');
    this.selectHistory = db.prepare(
      'SELECT * FROM samples WHERE device_id = ? AND point_id = ? AND ts >= ? AND ts < ? ORDER BY ts, rowid LIMIT ?',
    );
    this.pruneChunk = db.prepare('DELETE FROM samples WHERE rowid IN (SELECT rowid FROM samples WHERE ts < ? LIMIT ?)');
    this.outboxRows = (db.prepare('SELECT count(*) AS n FROM outbox').get() as { n: number }).n;

    this.recordBatch = db.transaction((cycles: readonly PollCycle[]) => {
      for (const cycle of cycles) {
        for (const sample of cycle.samples) {
          const encoded = encodeValue(sample.value);
          this.insertSample.run(sample.deviceId, sample.pointId, sample.ts, encoded.kind, encoded.value, sample.quality, sample.exceptionCode ?? null);
        }
        // recordedAt is the cycle's end, not the write time: a cycle that waited in the writer's
        // queue is older than it looks, and "late" must say so.
        this.insertOutboxRow('telemetry', JSON.stringify(telemetryBodyOf(cycle)), cycle.finishedAt);
      }
      return cycles.length;
    });
    this.ackBatch = db.transaction((ids: readonly number[]) => {
      let deleted = 0;
      for (const id of ids) deleted += this.deleteOutbox.run(id).changes;
      return deleted;
    });
  }

  get path(): string {
    return this.config.path;
  }

  /**
   * Writes the cycles' samples to history and one telemetry message per cycle to the outbox, all
   * in ONE transaction: either the whole batch is stored or none of it (sequence numbers included).
   */
  recordCycles(cycles: readonly PollCycle[]): void {
    if (cycles.length === 0) return;
    this.outboxRows += this.recordBatch(cycles);
  }

  /** Queues a message on another stream (events, alarms). `body` must serialize to JSON. */
  appendOutbox(stream: OutboxStream, body: unknown): void {
    const json = JSON.stringify(body) as string | undefined;
    if (json === undefined) throw new TypeError(`outbox body for stream "${stream}" does not serialize to JSON`);
    const recordedAt = this.deps.clock.now();
    this.db.transaction(() => this.insertOutboxRow(stream, json, recordedAt))();
    this.outboxRows += 1;
  }

  peek(afterId: number, limit: number): OutboxRow[] {
    return this.selectOutbox.all(afterId, limit);
  }

  ack(ids: readonly number[]): void {
    if (ids.length === 0) return;
    this.outboxRows -= this.ackBatch(ids);
  }

  stats(): OutboxStats {
    return { rows: this.outboxRows, oldestRecordedAt: this.oldestOutbox.get()?.recorded_at ?? null };
  }

  history(query: HistoryQuery): StoredSample[] {
    const rows = this.selectHistory.all(query.deviceId, query.pointId, query.fromTs, query.toTs, query.limit ?? DEFAULT_HISTORY_LIMIT);
    return rows.map((row) => {
      const sample: StoredSample = {
        deviceId: row.device_id,
        pointId: row.point_id,
        ts: row.ts,
        value: decodeValue(row.value_kind, row.value),
        quality: row.quality as Quality,
      };
      if (row.exception_code !== null) sample.exceptionCode = row.exception_code;
      return sample;
    });
  }

  /**
   * Deletes raw samples older than historyRetentionDays before `now`. Works in chunks of
   * `chunkRows`, one short transaction each: the first chunk runs now (its errors are thrown), the
   * rest follow one per event-loop turn (setImmediate), so polling and interlocks keep running while
   * an hour's worth of old rows goes. A call while a previous pruning is still going only returns
   * that first chunk's result. Later (disk budget) eviction can reuse pruneHistoryChunk.
   */
  pruneHistory(now: number, chunkRows: number = DEFAULT_PRUNE_CHUNK_ROWS): PruneResult {
    const first = this.pruneHistoryChunk(now, chunkRows);
    if (first.more && this.pruneContinuation === null) this.continuePruning(now, chunkRows, first.deleted);
    return first;
  }

  /** Deletes at most `chunkRows` samples older than the retention, in one transaction. */
  pruneHistoryChunk(now: number, chunkRows: number = DEFAULT_PRUNE_CHUNK_ROWS): PruneResult {
    const cutoff = now - this.config.historyRetentionDays * DAY_MS;
    const deleted = this.pruneChunk.run(cutoff, chunkRows).changes;
    return { deleted, more: deleted === chunkRows };
  }

  /** True while pruning continues in the background. */
  get pruning(): boolean {
    return this.pruneContinuation !== null;
  }

  private continuePruning(now: number, chunkRows: number, deletedSoFar: number): void {
    this.pruneContinuation = setImmediate(() => {
      this.pruneContinuation = null;
      if (this.closed) return;
      try {
        const step = this.pruneHistoryChunk(now, chunkRows);
        if (step.more) this.continuePruning(now, chunkRows, deletedSoFar + step.deleted);
        else this.deps.logger.debug({ deleted: deletedSoFar + step.deleted }, 'history pruning done');
      } catch (error) {
        this.deps.logger.error(
          { err: error, path: this.path },
          `store ${this.path}: pruning old history failed (${storeErrorHint(error)}); it is tried again at the next pruning interval`,
        );
      }
    });
  }

  /** Checkpoints the WAL into the main file and closes. Safe to call more than once. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.pruneContinuation !== null) clearImmediate(this.pruneContinuation);
    this.pruneContinuation = null;
    try {
      this.db.pragma('wal_checkpoint(TRUNCATE)');
    } catch (error) {
      // Not fatal: the WAL is replayed at the next open.
      this.deps.logger.warn({ err: error, path: this.path }, `store ${this.path}: checkpoint at close failed; the next start replays the WAL`);
    }
    this.db.close();
  }

  private insertOutboxRow(stream: string, body: string, recordedAt: number): void {
    const seq = this.nextSeq.get(stream)?.last_seq;
    if (seq === undefined) throw new Error(`store ${this.path}: no sequence number returned for stream "${stream}"`);
    this.insertOutbox.run(stream, seq, randomUUID(), recordedAt, body);
  }
}
