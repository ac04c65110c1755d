/**
 * Store throughput: samples/s written through our Store (`recordCycles`: history rows, one outbox
 * telemetry message per cycle with its per-stream seq and UUID, 5-minute statistics, the disk
 * budget check) vs a bare better-sqlite3 batched insert of the equivalent rows (the same 100
 * sample rows and one outbox row with the same JSON body and a UUID per cycle, one transaction per
 * batch) into the same schema with the same PRAGMAs — in one run, rounds alternating, fresh
 * database files each round, median printed.
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
import { migrate } from '../agent/store/migrations.js';
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

function ours(dir: string, cycles: readonly PollCycle[]): number {
  const store = Store.open(storeSchema.parse({ path: join(dir, 'ours.db') }), { clock: systemClock, logger: silentLogger() });
  const work = batches(cycles, batchSize);
  const started = performance.now();
  for (const batch of work) store.recordCycles(batch);
  const seconds = (performance.now() - started) / 1000;
  store.close();
  return (cycles.length * POINTS) / seconds;
}

/** The same PRAGMAs as agent/store/open-database.ts. */
function openBare(path: string): Database.Database {
  const db = new Database(path, { timeout: 100 });
  db.pragma('busy_timeout = 100');
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma(`journal_size_limit = ${64 * 1024 * 1024}`);
  db.pragma('wal_autocheckpoint = 1000');
  db.pragma('foreign_keys = ON');
  migrate(db, path);
  return db;
}

function bare(dir: string, cycles: readonly PollCycle[]): number {
  const db = openBare(join(dir, 'bare.db'));
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
  const work = batches(cycles, batchSize);
  const started = performance.now();
  for (const batch of work) write(batch);
  const seconds = (performance.now() - started) / 1000;
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
  return (cycles.length * POINTS) / seconds;
}

function main(): void {
  console.log(`store throughput: ${rounds} rounds × ${cyclesPerRound} cycles × ${POINTS} samples, ${batchSize} cycles per transaction (synchronous=FULL, WAL)`);
  const oursRates: number[] = [];
  const bareRates: number[] = [];
  for (let round = 1; round <= rounds; round++) {
    const cycles = makeCycles(cyclesPerRound, Date.now() - 3_600_000);
    const dir = mkdtempSync(join(tmpdir(), 'shaftgate-bench-store-'));
    try {
      // Alternate which goes first, so neither always gets the warmer cache.
      const order = round % 2 === 1 ? (['ours', 'bare'] as const) : (['bare', 'ours'] as const);
      const result: Record<string, number> = {};
      for (const which of order) result[which] = which === 'ours' ? ours(dir, cycles) : bare(dir, cycles);
      oursRates.push(result.ours!);
      bareRates.push(result.bare!);
      console.log(`round ${round}: ours ${fmt(result.ours!)} samples/s, bare ${fmt(result.bare!)} samples/s, ratio ${(result.ours! / result.bare!).toFixed(2)}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  const o = median(oursRates);
  const b = median(bareRates);
  console.log(`median: ours ${fmt(o)} samples/s (Store.recordCycles), bare better-sqlite3 ${fmt(b)} samples/s, ratio ours/bare ${(o / b).toFixed(2)}`);
  console.log(`at ref-1k (1 000 samples/s) our store is busy ${((1000 / o) * 100).toFixed(1)} % of one core`);
}

function fmt(rate: number): string {
  return Math.round(rate).toLocaleString('en-US');
}

main();
