/**
 * The store: raw sample history (one row per poll cycle, see history-codec.ts), 5-minute
 * statistics, events, alarms, the audit log, command state and the outbox of messages waiting for
 * the broker, in one SQLite file. Synchronous
 * (better-sqlite3) and used from the event loop, so every call is kept short: batches are written
 * in one transaction, pruning and eviction work in bounded chunks.
 */
import { randomUUID } from 'node:crypto';
import type Database from 'better-sqlite3';
import type { StoreConfig } from '../../config/schema.js';
import type { Clock } from '../model/clock.js';
import type { PollCycle, Quality, SampleValue } from '../model/sample.js';
import type { Logger } from '../runtime/logger.js';
import type { EvictionEventBody } from '../upstream/messages.js';
import type { OutboxLane, OutboxRow, OutboxSource, OutboxStats } from '../upstream/outbox-source.js';
import { PRIORITY_STREAMS, type OutboxStream } from '../upstream/topics.js';
import { CommandLedger, type AuditEntry } from './command-ledger.js';
import { DiskBudget, type ClassEviction, type EvictionTotals } from './disk-budget.js';
import { encodeCycle, HISTORY_ROW_MAX_SPAN_MS, pointSamplesOf } from './history-codec.js';
import { openStoreDatabase, type StartupNotice } from './open-database.js';
import { StatsRecorder } from './stats-recorder.js';
import { storeErrorHint } from './store-errors.js';

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
/**
 * History rows (poll cycles) per pruning transaction. A ref-1k row is one cycle of 100 samples
 * (~7.5 kB of JSON, spilling onto overflow pages that SQLite reads to free them): 100 rows (10 000
 * samples) took 0.65 ms on the dev VM with a warm cache, 200 rows 1 ms; 100 leaves room for cold
 * flash under the 100 ms interlock budget. (The per-sample table needed ~8 ms for 2 000 samples.)
 */
const DEFAULT_PRUNE_CHUNK_ROWS = 100;
const DEFAULT_HISTORY_LIMIT = 10_000;
/** The disk budget is checked at most this often from the write path (the pragmas are cheap, eviction is not). */
const BUDGET_CHECK_INTERVAL_MS = 1000;
const BUDGET_CHECK_BYTES_FRACTION = 0.02;
/** In SQL, quoted: the priority streams the forwarder sends first (see topics.ts). */
const PRIORITY_STREAM_LIST = PRIORITY_STREAMS.map((stream) => `'${stream}'`).join(', ');

interface HistoryRow {
  id: number;
  ts: number;
  body: string;
  special: string | null;
}

/** What the store itself reads of the `store` section (flushIntervalMs is the writer's). */
export type StoreOpenConfig = Omit<StoreConfig, 'flushIntervalMs'> & Partial<Pick<StoreConfig, 'flushIntervalMs'>>;

export class Store implements OutboxSource {
  /** Things found while opening (e.g. a damaged database moved aside) that the agent should alarm on. */
  readonly startupNotices: readonly StartupNotice[];
  private closed = false;
  private pruneContinuation: NodeJS.Immediate | null = null;
  /** Rows in the outbox, counted once at open and then kept in step, so stats() never scans. */
  private outboxRows: number;
  /** Nonces, audit log and runtime settings of platform commands. */
  readonly commandLedger: CommandLedger;
  private readonly statsRecorder: StatsRecorder;
  private readonly diskBudget: DiskBudget;
  private lastBudgetCheck = Number.NEGATIVE_INFINITY;
  /** Telemetry bytes written since the last budget check (see checkDiskBudget). */
  private bytesSinceBudgetCheck = 0;
  /** Highest outbox id given out (newestOutboxId); kept in memory, so the forwarder need not query. */
  private newestOutboxIdSeen = 0;
  /** Bumped whenever the disk budget may have deleted outbox rows (outboxEvictions). */
  private outboxEvictionMark = 0;
  private readonly laneStatements: Record<OutboxLane, Database.Statement<[number, number, number], OutboxRow>>;
  private readonly maxOutboxIdStmt: Database.Statement<[], { id: number | null }>;
  private upsertInterlockState: Database.Statement<[string, string, number]> | null = null;
  private readonly insertEvent: Database.Statement<[number, string, string]>;
  private readonly insertAlarm: Database.Statement<[number, string, string, string]>;

  private readonly insertHistory: Database.Statement<[string, number, number, string, string | null]>;
  private readonly nextSeq: Database.Statement<[string], { last_seq: number }>;
  private readonly insertOutbox: Database.Statement<[string, number, string, number, string]>;
  private readonly selectOutbox: Database.Statement<[number, number], OutboxRow>;
  private readonly deleteOutboxRun: Database.Statement<[number, number]>;
  private readonly oldestOutbox: Database.Statement<[], { recorded_at: number }>;
  private readonly selectHistory: Database.Statement<[string, number, number, number], HistoryRow>;
  private readonly pruneChunk: Database.Statement<[number, number, number]>;
  /** Runs inside recordCycles' transaction. */
  private readonly recordBatch: (cycles: readonly PollCycle[]) => void;
  private readonly ackBatch: (ids: readonly number[]) => number;

  static open(config: StoreOpenConfig, deps: StoreDeps): Store {
    const { db, notices } = openStoreDatabase(config.path, deps);
    return new Store(db, config, deps, notices);
  }

  private constructor(
    private readonly db: Database.Database,
    private readonly config: StoreOpenConfig,
    private readonly deps: StoreDeps,
    notices: StartupNotice[],
  ) {
    this.startupNotices = notices;
    this.insertHistory = db.prepare('INSERT INTO history (device_id, ts, last_ts, body, special) VALUES (?, ?, ?, ?, ?)');
    this.nextSeq = db.prepare(
      'INSERT INTO stream_seq (stream, last_seq) VALUES (?, 1) ON CONFLICT (stream) DO UPDATE SET last_seq = last_seq + 1 RETURNING last_seq',
    );
    this.insertOutbox = db.prepare('INSERT INTO outbox (stream, seq, msg_id, recorded_at, body) VALUES (?, ?, ?, ?, ?)');
    this.selectOutbox = db.prepare(
      'SELECT id, stream, seq, msg_id AS msgId, recorded_at AS recordedAt, body FROM outbox WHERE id > ? ORDER BY id LIMIT ?',
    );
    this.deleteOutboxRun = db.prepare('DELETE FROM outbox WHERE id BETWEEN ? AND ?');
    this.oldestOutbox = db.prepare('SELECT recorded_at FROM outbox ORDER BY id LIMIT 1');
    // Rows of the device that may hold samples in [from, to): they start at most one row span
    // before `from` (history-codec.ts) and end at or after it. The index gives ts, id order.
    this.selectHistory = db.prepare(
      'SELECT id, ts, body, special FROM history WHERE device_id = ? AND ts >= ? AND ts < ? AND last_ts >= ? ORDER BY ts, id',
    );
    // A row goes when its newest sample is past the retention.
    this.pruneChunk = db.prepare('DELETE FROM history WHERE id IN (SELECT id FROM history WHERE ts < ? AND last_ts < ? LIMIT ?)');
    this.outboxRows = (db.prepare('SELECT count(*) AS n FROM outbox').get() as { n: number }).n;
    this.commandLedger = new CommandLedger(db);
    this.statsRecorder = new StatsRecorder(db, (stream, body, recordedAt) => this.insertOutboxRow(stream, body, recordedAt));
    this.diskBudget = new DiskBudget(db, config.diskBudgetBytes);
    const columns = 'SELECT id, stream, seq, msg_id AS msgId, recorded_at AS recordedAt, body FROM outbox';
    this.laneStatements = {
      all: db.prepare(`${columns} WHERE id > ? AND id <= ? ORDER BY id LIMIT ?`),
      priority: db.prepare(`${columns} WHERE stream IN (${PRIORITY_STREAM_LIST}) AND id > ? AND id <= ? ORDER BY id LIMIT ?`),
      bulk: db.prepare(`${columns} WHERE id > ? AND id <= ? AND stream NOT IN (${PRIORITY_STREAM_LIST}) ORDER BY id LIMIT ?`),
    };
    this.maxOutboxIdStmt = db.prepare('SELECT max(id) AS id FROM outbox');
    this.newestOutboxIdSeen = this.maxOutboxId();
    this.insertEvent = db.prepare('INSERT INTO events (ts, kind, body) VALUES (?, ?, ?)');
    this.insertAlarm = db.prepare('INSERT INTO alarms (ts, alarm_id, state, body) VALUES (?, ?, ?, ?)');

    // A plain function, not db.transaction(): recordCycles already runs it in this.transaction(),
    // and a nested transaction is a SAVEPOINT, which makes SQLite copy every page the batch
    // touches into a sub-journal first — it halved the write rate (bench/store-throughput).
    this.recordBatch = (cycles: readonly PollCycle[]) => {
      const insertHistory = this.insertHistory;
      for (const cycle of cycles) {
        // One JSON text per cycle, for the history row and the outbox row alike (history-codec.ts).
        const { telemetryJson, rows } = encodeCycle(cycle);
        for (const row of rows) insertHistory.run(row.deviceId, row.firstTs, row.lastTs, row.body, row.special);
        // recordedAt is the cycle's end, not the write time: a cycle that waited in the writer's
        // queue is older than it looks, and "late" must say so.
        this.insertOutboxRow('telemetry', telemetryJson, cycle.finishedAt);
        this.bytesSinceBudgetCheck += 2 * telemetryJson.length; // history row + outbox row, about
      }
      this.statsRecorder.observe(cycles);
    };
    // Acknowledged ids are mostly consecutive (the window is refilled in outbox order): one DELETE
    // per run of consecutive ids. A run holds only ids that were acknowledged, so nothing else goes.
    this.ackBatch = db.transaction((ids: readonly number[]) => {
      const sorted = Float64Array.from(ids).sort();
      let deleted = 0;
      let first = sorted[0]!;
      let last = first;
      for (let i = 1; i < sorted.length; i++) {
        const id = sorted[i]!;
        if (id <= last + 1) {
          last = id; // next in the run (or a repeated id)
          continue;
        }
        deleted += this.deleteOutboxRun.run(first, last).changes;
        first = last = id;
      }
      deleted += this.deleteOutboxRun.run(first, last).changes;
      return deleted;
    });
    this.transaction(() => this.statsRecorder.rebuild(deps.clock.now()));
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
    this.transaction(() => this.recordBatch(cycles));
    this.checkDiskBudget();
  }

  /**
   * Runs `work` in one transaction (nested calls become savepoints). Everything the store writes
   * inside commits together or not at all.
   */
  transaction<T>(work: () => T): T {
    const outboxRowsBefore = this.outboxRows;
    try {
      return this.db.transaction(work)();
    } catch (error) {
      this.outboxRows = outboxRowsBefore;
      throw error;
    }
  }

  /** Queues a message on a stream (events, alarms, snapshot, command answers). `body` must serialize to JSON. */
  appendOutbox(stream: OutboxStream, body: unknown): void {
    const json = JSON.stringify(body) as string | undefined;
    if (json === undefined) throw new TypeError(`outbox body for stream "${stream}" does not serialize to JSON`);
    const recordedAt = this.deps.clock.now();
    this.transaction(() => this.insertOutboxRow(stream, json, recordedAt));
  }

  /** Stores an event (events table) and queues it on the events stream, together. */
  appendEvent(kind: string, body: Record<string, unknown>): void {
    const full = { kind, ...body };
    this.transaction(() => {
      this.insertEvent.run(this.deps.clock.now(), kind, JSON.stringify(full));
      this.appendOutbox('events', full);
    });
  }

  /** Stores an alarm transition (alarms table) and queues it on the alarms stream, together. */
  appendAlarm(alarmId: string, state: string, body: Record<string, unknown>): void {
    const full = { alarmId, state, ...body };
    this.transaction(() => {
      this.insertAlarm.run(this.deps.clock.now(), alarmId, state, JSON.stringify(full));
      this.appendOutbox('alarms', full);
    });
  }

  /** Saves interlock state (headcount, alarms) under a name, replacing what was there, in one transaction. */
  saveInterlockState(states: ReadonlyArray<{ name: string; json: string }>, now: number): void {
    if (states.length === 0) return;
    // Prepared once: this runs every few seconds for as long as the agent runs.
    const upsert = (this.upsertInterlockState ??= this.db.prepare(
      'INSERT INTO interlock_state (name, value, updated_at) VALUES (?, ?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at',
    ));
    this.transaction(() => {
      for (const state of states) upsert.run(state.name, state.json, now);
    });
  }

  /** The interlock state saved under a name, or null when none was saved. */
  loadInterlockState(name: string): { json: string; updatedAt: number } | null {
    const row = this.db.prepare('SELECT value, updated_at AS updatedAt FROM interlock_state WHERE name = ?').get(name) as { value: string; updatedAt: number } | undefined;
    return row ? { json: row.value, updatedAt: row.updatedAt } : null;
  }

  /** Writes an audit row and queues it on the audit stream, together. */
  appendAudit(entry: AuditEntry): void {
    this.transaction(() => {
      this.commandLedger.audit(entry);
      this.appendOutbox('audit', entry);
    });
  }

  peek(afterId: number, limit: number): OutboxRow[] {
    return this.selectOutbox.all(afterId, limit);
  }

  peekLane(lane: OutboxLane, afterId: number, upToId: number, limit: number): OutboxRow[] {
    return this.laneStatements[lane].all(afterId, upToId, limit);
  }

  maxOutboxId(): number {
    return this.maxOutboxIdStmt.get()?.id ?? 0;
  }

  newestOutboxId(): number {
    return this.newestOutboxIdSeen;
  }

  outboxEvictions(): number {
    return this.outboxEvictionMark;
  }

  /**
   * Periodic upkeep (the agent calls it every minute): closes the statistics of points that
   * stopped producing samples, deletes statistics past their retention (one chunk), enforces
   * the disk budget and checkpoints the WAL back to its size limit.
   */
  maintenance(now: number): void {
    this.transaction(() => this.statsRecorder.closeStale(now));
    this.statsRecorder.pruneChunkOlderThan(now, this.config.statsRetentionDays);
    this.enforceDiskBudget(now);
    this.checkpoint();
  }

  /**
   * Checkpoints the WAL into the database and truncates it. SQLite's automatic checkpoint (every
   * 1000 pages) cannot finish while another process reads the file (a sqlite3 shell, a backup),
   * so the WAL could grow; this one reports when it was blocked.
   */
  checkpoint(): { busy: boolean; walPages: number } {
    const [result] = this.db.pragma('wal_checkpoint(TRUNCATE)') as Array<{ busy: number; log: number; checkpointed: number }>;
    const busy = (result?.busy ?? 0) !== 0;
    if (busy) {
      this.deps.logger.warn(
        { path: this.path, walPages: result?.log },
        `store ${this.path}: the WAL could not be checkpointed because another process is reading the database; close any sqlite3 shell or backup tool holding it`,
      );
    }
    return { busy, walPages: result?.log ?? 0 };
  }

  /** Evicts by class when over the disk budget, and reports each class evicted as a store_eviction event. */
  enforceDiskBudget(now: number): ClassEviction[] {
    let evicted: ClassEviction[];
    try {
      evicted = this.diskBudget.enforce(now);
    } catch (error) {
      this.outboxEvictionMark += 1; // chunks before the failure may have gone
      throw error;
    }
    if (evicted.length === 0) return evicted;
    this.outboxEvictionMark += 1;
    for (const step of evicted) this.outboxRows -= step.unsent;
    const totals = this.diskBudget.totals();
    const usedBytes = this.diskBudget.usedBytes();
    for (const step of evicted) {
      const body: EvictionEventBody = {
        kind: 'store_eviction',
        class: step.class,
        rows: step.rows,
        unsentMessages: step.unsent,
        unsentSamples: step.samples,
        firstSeq: step.firstSeq,
        lastSeq: step.lastSeq,
        totals,
        usedBytes,
        budgetBytes: this.diskBudget.budgetBytes,
      };
      this.appendEvent('store_eviction', body);
      this.deps.logger.warn(
        body,
        `store ${this.path} reached its disk budget (${this.diskBudget.budgetBytes} bytes): evicted ${step.rows} row(s) of class ${step.class}, ` +
          `${step.unsent} of them messages not yet sent (${step.samples} samples). Raise store.diskBudgetBytes or restore the uplink`,
      );
    }
    return evicted;
  }

  evictionTotals(): Record<string, EvictionTotals> {
    return this.diskBudget.totals();
  }

  diskUsage(): { usedBytes: number; budgetBytes: number } {
    return { usedBytes: this.diskBudget.usedBytes(), budgetBytes: this.diskBudget.budgetBytes };
  }

  /** Samples that arrived after their 5-minute bucket had closed (in history, not in statistics). */
  get lateStatsSamples(): number {
    return this.statsRecorder.lateSamples;
  }

  ack(ids: readonly number[]): void {
    if (ids.length === 0) return;
    this.outboxRows -= this.ackBatch(ids);
  }

  stats(): OutboxStats {
    return { rows: this.outboxRows, oldestRecordedAt: this.oldestOutbox.get()?.recorded_at ?? null };
  }

  /**
   * One point's samples with fromTs <= ts < toTs, oldest first (ties in the order they were
   * written), at most `limit` (default 10 000; negative: no limit).
   */
  history(query: HistoryQuery): StoredSample[] {
    const { deviceId, pointId, fromTs, toTs } = query;
    const limit = Math.floor(query.limit ?? DEFAULT_HISTORY_LIMIT);
    if (limit === 0 || !(fromTs < toTs)) return [];
    // Samples sort by (ts, row id, position in the row) — the order they were written in. Rows come
    // in (row ts, id) order and a row's samples are never older than its ts, so once `limit`
    // samples are found, a row starting after the limit-th one's ts can add nothing.
    let found: Array<{ sample: StoredSample; rowId: number }> = [];
    let sorted = true;
    let limitTs = Number.POSITIVE_INFINITY;
    for (const row of this.selectHistory.iterate(deviceId, fromTs - HISTORY_ROW_MAX_SPAN_MS, toTs, fromTs)) {
      if (row.ts > limitTs) break;
      for (const s of pointSamplesOf(row.body, row.special, row.id, pointId, fromTs, toTs)) {
        const sample: StoredSample = { deviceId, pointId, ts: s.ts, value: s.value, quality: s.quality };
        if (s.exceptionCode !== undefined) sample.exceptionCode = s.exceptionCode;
        const previous = found.at(-1);
        if (previous !== undefined && (previous.sample.ts > sample.ts || (previous.sample.ts === sample.ts && previous.rowId > row.id))) sorted = false;
        found.push({ sample, rowId: row.id });
      }
      if (limit > 0 && found.length >= limit) {
        found = inWriteOrder(found, sorted).slice(0, limit);
        sorted = true;
        limitTs = found[limit - 1]!.sample.ts;
      }
    }
    return inWriteOrder(found, sorted).map((entry) => entry.sample);
  }

  /**
   * Deletes raw history older than historyRetentionDays before `now`: a row (one poll cycle) goes
   * when its newest sample is past the retention. Works in chunks of `chunkRows` rows, one short
   * transaction each: the first chunk runs now (its errors are thrown), the rest follow one per
   * event-loop turn (setImmediate), so polling and interlocks keep running while an hour's worth of
   * old rows goes. A call while a previous pruning is still going only returns
   * that first chunk's result. Later (disk budget) eviction can reuse pruneHistoryChunk.
   */
  pruneHistory(now: number, chunkRows: number = DEFAULT_PRUNE_CHUNK_ROWS): PruneResult {
    const first = this.pruneHistoryChunk(now, chunkRows);
    if (first.more && this.pruneContinuation === null) this.continuePruning(now, chunkRows, first.deleted);
    return first;
  }

  /** Deletes at most `chunkRows` history rows (poll cycles) older than the retention, in one transaction. */
  pruneHistoryChunk(now: number, chunkRows: number = DEFAULT_PRUNE_CHUNK_ROWS): PruneResult {
    const cutoff = now - this.config.historyRetentionDays * DAY_MS;
    const deleted = this.pruneChunk.run(cutoff, cutoff, chunkRows).changes;
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
    const { lastInsertRowid } = this.insertOutbox.run(stream, seq, randomUUID(), recordedAt, body);
    this.newestOutboxIdSeen = Math.max(this.newestOutboxIdSeen, Number(lastInsertRowid));
    this.outboxRows += 1;
  }

  private checkDiskBudget(): void {
    const now = this.deps.clock.monotonic();
    // Once a second, or sooner when 2 % of the budget was written since: a slow machine (big
    // write batches, late timers) must not overshoot the budget by more than that.
    const dueByBytes = this.bytesSinceBudgetCheck >= this.diskBudget.budgetBytes * BUDGET_CHECK_BYTES_FRACTION;
    if (now - this.lastBudgetCheck < BUDGET_CHECK_INTERVAL_MS && !dueByBytes) return;
    this.lastBudgetCheck = now;
    this.bytesSinceBudgetCheck = 0;
    try {
      this.enforceDiskBudget(this.deps.clock.now());
    } catch (error) {
      // The cycles are committed; a failed eviction must not make the writer retry them.
      this.deps.logger.error({ err: error, path: this.path }, `store ${this.path}: enforcing the disk budget failed (${storeErrorHint(error)}); tried again in ${BUDGET_CHECK_INTERVAL_MS} ms`);
    }
  }
}

/** Sorted by (ts, row id); stable, so samples of one row keep their order. */
function inWriteOrder<T extends { sample: { ts: number }; rowId: number }>(found: T[], sorted: boolean): T[] {
  return sorted ? found : found.sort((a, b) => a.sample.ts - b.sample.ts || a.rowId - b.rowId);
}
