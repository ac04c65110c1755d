/**
 * Keeps the database within store.diskBudgetBytes by deleting the oldest data, class by class:
 *
 *   1. telemetry — raw history (rows of one poll cycle each), telemetry and snapshot messages:
 *      oldest first, whichever is older;
 *   2. stats     — 5-minute statistics and their messages;
 *   3. events    — events, alarms, the audit log and command answers: only when 1 and 2 are empty.
 *
 * Deleting a message that had not reached the broker loses it upstream; every eviction is counted
 * (table `evictions`, persisted) and reported as a `store_eviction` event, which itself goes
 * through the outbox. Work is done in short chunks (one transaction each), at most MAX_CHUNKS per
 * call, so polling and interlocks keep running; the next call continues.
 *
 * "Used" is the pages holding data: SQLite reuses freed pages, so the file stops growing once the
 * budget is reached, but it does not shrink (no VACUUM: it would rewrite the whole file).
 */
import type Database from 'better-sqlite3';
import type { EvictionClass } from '../upstream/messages.js';

/** After reaching the budget, evict down to this fraction of it, so eviction does not run on every write. */
const TARGET_FRACTION = 0.9;
const MAX_CHUNKS_PER_CALL = 50;
/** stats_5min rows (one per point and bucket). */
const STATS_CHUNK_ROWS = 5_000;
/** History rows: one per poll cycle, the size of a telemetry message (~7.5 kB at 100 samples), as the outbox chunks. */
const HISTORY_CHUNK_ROWS = 200;
const MESSAGE_CHUNK_ROWS = 200;

export interface ChunkResult {
  rows: number;
  unsent: number;
  samples: number;
  firstSeq: number | null;
  lastSeq: number | null;
}

interface EvictionSource {
  /** Time of the oldest row, or null when empty. */
  oldest(): number | null;
  deleteChunk(): ChunkResult;
}

export interface ClassEviction extends ChunkResult {
  class: EvictionClass;
}

export interface EvictionTotals {
  rows: number;
  unsent: number;
  samples: number;
}

export class DiskBudget {
  private readonly classes: ReadonlyArray<[EvictionClass, EvictionSource[]]>;
  private readonly pageCount: Database.Statement<[], { page_count: number }>;
  private readonly freelistCount: Database.Statement<[], { freelist_count: number }>;
  private readonly pageSize: number;
  private readonly upsertTotals: Database.Statement<[string, number, number, number, number]>;
  private readonly selectTotals: Database.Statement<[], { class: string; rows: number; unsent: number; samples: number }>;

  constructor(
    private readonly db: Database.Database,
    readonly budgetBytes: number,
  ) {
    this.pageSize = db.pragma('page_size', { simple: true }) as number;
    this.pageCount = db.prepare('PRAGMA page_count');
    this.freelistCount = db.prepare('PRAGMA freelist_count');
    this.upsertTotals = db.prepare(
      'INSERT INTO evictions (class, rows, unsent, samples, last_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (class) DO UPDATE SET rows = rows + excluded.rows, unsent = unsent + excluded.unsent, samples = samples + excluded.samples, last_at = excluded.last_at',
    );
    this.selectTotals = db.prepare('SELECT class, rows, unsent, samples FROM evictions');
    this.classes = [
      ['telemetry', [tableSource(db, 'history', 'ts', HISTORY_CHUNK_ROWS), outboxSource(db, 'telemetry'), outboxSource(db, 'snapshot')]],
      ['stats', [tableSource(db, 'stats_5min', 'bucket_start', STATS_CHUNK_ROWS), outboxSource(db, 'stats')]],
      [
        'events',
        [
          tableSource(db, 'events', 'ts', MESSAGE_CHUNK_ROWS),
          tableSource(db, 'alarms', 'ts', MESSAGE_CHUNK_ROWS),
          tableSource(db, 'audit', 'ts', MESSAGE_CHUNK_ROWS),
          outboxSource(db, 'events'),
          outboxSource(db, 'alarms'),
          outboxSource(db, 'audit'),
          outboxSource(db, 'command_responses'),
        ],
      ],
    ];
  }

  /** Bytes of pages holding data (the file may be larger: free pages are reused, not returned). */
  usedBytes(): number {
    const pages = this.pageCount.get()?.page_count ?? 0;
    const free = this.freelistCount.get()?.freelist_count ?? 0;
    return (pages - free) * this.pageSize;
  }

  overBudget(): boolean {
    return this.usedBytes() > this.budgetBytes;
  }

  /**
   * Evicts until used ≤ 90 % of the budget or MAX_CHUNKS_PER_CALL chunks were deleted. Returns what
   * went, per class (summed over the chunks); totals are updated in the same transactions.
   */
  enforce(now: number): ClassEviction[] {
    if (!this.overBudget()) return [];
    const target = this.budgetBytes * TARGET_FRACTION;
    const done = new Map<EvictionClass, ClassEviction>();
    for (let chunk = 0; chunk < MAX_CHUNKS_PER_CALL && this.usedBytes() > target; chunk++) {
      const step = this.db.transaction(() => this.evictOneChunk(now))();
      if (step === null) break; // nothing left to evict
      const sum = done.get(step.class);
      if (sum === undefined) done.set(step.class, step);
      else mergeInto(sum, step);
    }
    return [...done.values()];
  }

  totals(): Record<string, EvictionTotals> {
    return Object.fromEntries(this.selectTotals.all().map((row) => [row.class, { rows: row.rows, unsent: row.unsent, samples: row.samples }]));
  }

  private evictOneChunk(now: number): ClassEviction | null {
    for (const [name, sources] of this.classes) {
      let oldest: EvictionSource | null = null;
      let oldestTs = Number.POSITIVE_INFINITY;
      for (const source of sources) {
        const ts = source.oldest();
        if (ts !== null && ts < oldestTs) {
          oldest = source;
          oldestTs = ts;
        }
      }
      if (oldest === null) continue; // this class is empty: the next one may be touched
      const result = oldest.deleteChunk();
      this.upsertTotals.run(name, result.rows, result.unsent, result.samples, now);
      return { class: name, ...result };
    }
    return null;
  }
}

function mergeInto(sum: ClassEviction, step: ClassEviction): void {
  sum.rows += step.rows;
  sum.unsent += step.unsent;
  sum.samples += step.samples;
  if (step.firstSeq !== null) sum.firstSeq = sum.firstSeq === null ? step.firstSeq : Math.min(sum.firstSeq, step.firstSeq);
  if (step.lastSeq !== null) sum.lastSeq = sum.lastSeq === null ? step.lastSeq : Math.max(sum.lastSeq, step.lastSeq);
}

/** A local table evicted oldest first by its time column (history, statistics, event logs: not upstream loss by itself). */
function tableSource(db: Database.Database, table: string, timeColumn: string, chunkRows: number): EvictionSource {
  // Table and column names come from this file, never from input.
  const oldest = db.prepare(`SELECT ${timeColumn} AS t FROM ${table} ORDER BY ${timeColumn} LIMIT 1`).pluck();
  const remove = db.prepare(`DELETE FROM ${table} WHERE rowid IN (SELECT rowid FROM ${table} ORDER BY ${timeColumn} LIMIT ?)`);
  return {
    oldest: () => (oldest.get() as number | undefined) ?? null,
    deleteChunk: () => ({ rows: remove.run(chunkRows).changes, unsent: 0, samples: 0, firstSeq: null, lastSeq: null }),
  };
}

/** Messages of one stream not yet acknowledged by the broker: evicting them is upstream loss, counted with their samples and seqs. */
function outboxSource(db: Database.Database, stream: string): EvictionSource {
  const oldest = db.prepare('SELECT recorded_at FROM outbox WHERE stream = ? ORDER BY id LIMIT 1').pluck();
  const measure = db.prepare(
    `SELECT count(*) AS n, coalesce(sum(json_array_length(body, '$.samples')), 0) AS samples, min(seq) AS firstSeq, max(seq) AS lastSeq
       FROM (SELECT body, seq FROM outbox WHERE stream = ? ORDER BY id LIMIT ?)`,
  );
  const remove = db.prepare('DELETE FROM outbox WHERE id IN (SELECT id FROM outbox WHERE stream = ? ORDER BY id LIMIT ?)');
  return {
    oldest: () => (oldest.get(stream) as number | undefined) ?? null,
    deleteChunk: () => {
      const m = measure.get(stream, MESSAGE_CHUNK_ROWS) as { n: number; samples: number; firstSeq: number | null; lastSeq: number | null };
      const rows = remove.run(stream, MESSAGE_CHUNK_ROWS).changes;
      return { rows, unsent: rows, samples: m.samples, firstSeq: m.firstSeq, lastSeq: m.lastSeq };
    },
  };
}
