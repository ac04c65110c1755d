/**
 * Store throughput: samples/s written through our Store (`recordCycles`: one history row per poll
 * cycle, one outbox telemetry message per cycle with its per-stream seq and UUID — both carrying the
 * same JSON body —, 5-minute statistics, the disk budget check) vs a bare better-sqlite3 batched
 * insert of the equivalent rows in the same layout (per cycle: the same JSON body built once, one
 * history row with it and one outbox row with it and a UUID; one transaction per batch) into the
 * same schema with the same PRAGMAs. As a reference line, a bare insert into the old per-sample
 * layout of schema versions 1–3 (100 sample rows, two indexes, plus the outbox row) — what history
 * cost before migration 4. In one run, rounds alternating, fresh database files each round, median
 * printed, with the bytes each layout used per sample (outbox included).
 *
 * Cycles are ref-1k cycles: 100 float32 values each. A batch is what the StoreWriter puts into one
 * transaction: every cycle waiting when it runs; at ref-1k that is ~10 (one per device per tick).
 *
 *     npm run build && node dist/bench/store-throughput.js [--rounds 5] [--cycles 3000] [--batch 10]
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { systemClock } from '../agent/model/clock.js';
import type { PollCycle } from '../agent/model/sample.js';
import { silentLogger } from '../agent/runtime/logger.js';
import { migrate, MIGRATIONS } from '../agent/store/migrations.js';
import { Store } from '../agent/store/store.js';
import { encodeValue } from '../agent/store/value-codec.js';
import { telemetryBodyOf } from '../agent/upstream/messages.js';
import { storeSchema } from '../config/schema.js';
import { median } from './fast-unit.js';

const POINTS = 100;
const DEVICES = 10;

const { values: args } = parseArgs({ options: { rounds: { type: 'string' }, cycles: { type: 'string' }, batch: { type: 'string' } } });
const rounds = Number(args.rounds ?? 5);
const cyclesPerRound = Number(args.cycles ?? 3000);
const batchSize = Number(args.batch ?? 10);

/** Cycles as the scheduler makes them: 10 devices in turn, 100 float32 values, 1 s apart per device. */
function makeCycles(count: number, startTs: number): PollCycle[] {
  const cycles: PollCycle[] = [];
  for (let c = 0; c < count; c++) {
    const device = `ref-${(c % DEVICES) + 1}`;
    const ts = startTs + Math.floor(c / DEVICES) * 1000 + (c % DEVICES);
    cycles.push({
      deviceId: device,
      startedAt: ts - 3,
      finishedAt: ts,
      samples: Array.from({ length: POINTS }, (_, i) => ({
        deviceId: device,
        pointId: `v${i}`,
        value: Math.fround(i + (c % 4096) / 16 + 0.1),
        quality: 'good' as const,
        ts,
        mono: 0,
      })),
    });
  }
  return cycles;
}

function batches<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

interface Result {
  /** samples/s */
  rate: number;
  /** bytes of used pages per sample, after the run */
  bytesPerSample: number;
}

function ours(dir: string, cycles: readonly PollCycle[]): Result {
  const path = join(dir, 'ours.db');
  const store = Store.open(storeSchema.parse({ path }), { clock: systemClock, logger: silentLogger() });
  const work = batches(cycles, batchSize);
  const started = performance.now();
  for (const batch of work) store.recordCycles(batch);
  const seconds = (performance.now() - started) / 1000;
  store.close();
  const db = new Database(path, { readonly: true });
  const bytes = usedBytes(db);
  db.close();
  return { rate: (cycles.length * POINTS) / seconds, bytesPerSample: bytes / (cycles.length * POINTS) };
}

function usedBytes(db: Database.Database): number {
  const pages = db.pragma('page_count', { simple: true }) as number;
  const free = db.pragma('freelist_count', { simple: true }) as number;
  return (pages - free) * (db.pragma('page_size', { simple: true }) as number);
}

/** The same PRAGMAs as agent/store/open-database.ts; `schemaVersion` 3 gives the old per-sample layout. */
function openBare(path: string, schemaVersion = MIGRATIONS.length): Database.Database {
  const db = new Database(path, { timeout: 100 });
  db.pragma('busy_timeout = 100');
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma(`journal_size_limit = ${64 * 1024 * 1024}`);
  db.pragma('wal_autocheckpoint = 1000');
  db.pragma('foreign_keys = ON');
  migrate(db, path, MIGRATIONS.slice(0, schemaVersion));
  return db;
}

/** The new layout, bare: per cycle one JSON body, one history row and one outbox row carrying it. */
function bare(dir: string, cycles: readonly PollCycle[]): Result {
  const db = openBare(join(dir, 'bare.db'));
  const insertHistory = db.prepare('INSERT INTO history (device_id, ts, last_ts, body, special) VALUES (?, ?, ?, ?, ?)');
  const insertOutbox = db.prepare('INSERT INTO outbox (stream, seq, msg_id, recorded_at, body) VALUES (?, ?, ?, ?, ?)');
  let seq = 0;
  const write = db.transaction((batch: readonly PollCycle[]) => {
    for (const cycle of batch) {
      let first = Number.POSITIVE_INFINITY;
      let last = Number.NEGATIVE_INFINITY;
      for (const s of cycle.samples) {
        if (s.ts < first) first = s.ts;
        if (s.ts > last) last = s.ts;
      }
      const body = JSON.stringify(telemetryBodyOf(cycle));
      insertHistory.run(cycle.deviceId, first, last, body, null);
      insertOutbox.run('telemetry', ++seq, randomUUID(), cycle.finishedAt, body);
    }
  });
  return timed(db, cycles, write);
}

/** Reference: the per-sample layout of schema versions 1–3 (what the store wrote before migration 4), bare. */
function oldLayout(dir: string, cycles: readonly PollCycle[]): Result {
  const db = openBare(join(dir, 'old.db'), 3);
  const insertSample = db.prepare('INSERT INTO samples (device_id, point_id, ts, value_kind, value, quality, exception_code) VALUES (?, ?, ?, ?, ?, ?, ?)');
  const insertOutbox = db.prepare('INSERT INTO outbox (stream, seq, msg_id, recorded_at, body) VALUES (?, ?, ?, ?, ?)');
  let seq = 0;
  const write = db.transaction((batch: readonly PollCycle[]) => {
    for (const cycle of batch) {
      for (const s of cycle.samples) {
        const encoded = encodeValue(s.value);
        insertSample.run(s.deviceId, s.pointId, s.ts, encoded.kind, encoded.value, s.quality, s.exceptionCode ?? null);
      }
      insertOutbox.run('telemetry', ++seq, randomUUID(), cycle.finishedAt, JSON.stringify(telemetryBodyOf(cycle)));
    }
  });
  return timed(db, cycles, write);
}

function timed(db: Database.Database, cycles: readonly PollCycle[], write: (batch: readonly PollCycle[]) => void): Result {
  const work = batches(cycles, batchSize);
  const started = performance.now();
  for (const batch of work) write(batch);
  const seconds = (performance.now() - started) / 1000;
  db.pragma('wal_checkpoint(TRUNCATE)');
  const bytes = usedBytes(db);
  db.close();
  return { rate: (cycles.length * POINTS) / seconds, bytesPerSample: bytes / (cycles.length * POINTS) };
}

function main(): void {
  console.log(`store throughput: ${rounds} rounds × ${cyclesPerRound} cycles × ${POINTS} samples, ${batchSize} cycles per transaction (synchronous=FULL, WAL)`);
  const runners = { ours, bare, old: oldLayout } as const;
  type Which = keyof typeof runners;
  const results: Record<Which, Result[]> = { ours: [], bare: [], old: [] };
  const orders: ReadonlyArray<readonly Which[]> = [
    ['ours', 'bare', 'old'],
    ['bare', 'old', 'ours'],
    ['old', 'ours', 'bare'],
  ];
  for (let round = 1; round <= rounds; round++) {
    const cycles = makeCycles(cyclesPerRound, Date.now() - 3_600_000);
    const dir = mkdtempSync(join(tmpdir(), 'shaftgate-bench-store-'));
    try {
      // Rotate which goes first, so none always gets the warmer cache.
      const got: Partial<Record<Which, Result>> = {};
      for (const which of orders[(round - 1) % orders.length]!) got[which] = runners[which](dir, cycles);
      for (const which of Object.keys(runners) as Which[]) results[which].push(got[which]!);
      console.log(
        `round ${round}: ours ${fmt(got.ours!.rate)} samples/s, bare ${fmt(got.bare!.rate)} samples/s, ratio ${(got.ours!.rate / got.bare!.rate).toFixed(2)}; ` +
          `old per-sample layout (bare) ${fmt(got.old!.rate)} samples/s`,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  const rate = (which: Which) => median(results[which].map((r) => r.rate));
  const bytes = (which: Which) => median(results[which].map((r) => r.bytesPerSample)).toFixed(1);
  const o = rate('ours');
  const b = rate('bare');
  const old = rate('old');
  console.log(`median: ours ${fmt(o)} samples/s (Store.recordCycles), bare better-sqlite3 ${fmt(b)} samples/s (same layout: a history row per cycle), ratio ours/bare ${(o / b).toFixed(2)}`);
  console.log(`reference: the old per-sample layout (schema 1–3), bare better-sqlite3: ${fmt(old)} samples/s; ours is ${(o / old).toFixed(2)} × that`);
  console.log(`disk: ours ${bytes('ours')} B/sample, bare ${bytes('bare')} B/sample, old per-sample layout ${bytes('old')} B/sample (history and the unsent outbox)`);
  console.log(`at ref-1k (1 000 samples/s) our store is busy ${((1000 / o) * 100).toFixed(1)} % of one core`);
}

function fmt(rate: number): string {
  return Math.round(rate).toLocaleString('en-US');
}

main();
