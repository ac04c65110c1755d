/**
 * Raw history as one row per poll cycle (history-codec.ts), on real SQLite files: exact round trip
 * of every kind of value, the row's body is the outbox's telemetry JSON, per-point time ranges and
 * limits, retention pruning, the statistics rebuild after a restart and the disk budget's order
 * and counters.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Clock } from '../../agent/model/clock.js';
import type { PollCycle, Quality, Sample, SampleValue } from '../../agent/model/sample.js';
import { silentLogger } from '../../agent/runtime/logger.js';
import { HISTORY_ROW_MAX_SPAN_MS } from '../../agent/store/history-codec.js';
import { STATS_BUCKET_MS } from '../../agent/store/stats-aggregator.js';
import { Store, type StoredSample, type StoreOpenConfig } from '../../agent/store/store.js';
import { telemetryBodyOf } from '../../agent/upstream/messages.js';

const DAY_MS = 86_400_000;
const T0 = Date.UTC(2025, 5, 1, 8); // a 5-minute bucket boundary
let now = T0;
const clock: Clock = { now: () => now, monotonic: () => performance.now() };
let dir: string;
let path: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'shaftgate-history-'));
  path = join(dir, 'shaftgate.db');
  now = T0;
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function open(overrides: Partial<StoreOpenConfig> = {}, at = path): Store {
  return Store.open({ path: at, historyRetentionDays: 30, maxPendingCycles: 100, statsRetentionDays: 365, diskBudgetBytes: 2 ** 31, ...overrides }, { clock, logger: silentLogger() });
}

function sample(pointId: string, value: SampleValue, ts: number, quality: Quality = 'good', extra: Partial<Sample> = {}): Sample {
  return { deviceId: 'sm-1', pointId, value, quality, ts, mono: 0, ...extra };
}

function cycle(samples: Sample[], deviceId = 'sm-1', at = samples[0]?.ts ?? now): PollCycle {
  return { deviceId, startedAt: at - 5, finishedAt: at + 5, samples };
}

function rawHistory(file = path): Array<{ id: number; device_id: string; ts: number; last_ts: number; body: string; special: string | null }> {
  const db = new Database(file, { readonly: true });
  try {
    return db.prepare('SELECT * FROM history ORDER BY id').all() as never;
  } finally {
    db.close();
  }
}

const KINDS: Array<[string, SampleValue, Quality, number?]> = [
  ['f64', 1 / 3, 'good'],
  ['f32', Math.fround(0.1), 'good'],
  ['f32-widened', Math.fround(-123.456), 'good'],
  ['neg-zero', -0, 'good'],
  ['zero', 0, 'good'],
  ['nan', Number.NaN, 'good'],
  ['inf', Number.POSITIVE_INFINITY, 'good'],
  ['ninf', Number.NEGATIVE_INFINITY, 'good'],
  ['huge', 1e308, 'good'],
  ['tiny', 5e-324, 'good'],
  ['safe', 2 ** 53 - 1, 'good'],
  ['on', true, 'good'],
  ['off', false, 'good'],
  ['one-text', '1.0', 'good'],
  ['zero-text', '0', 'good'],
  ['empty', '', 'good'],
  ['null-text', 'null', 'good'],
  ['json-text', '{"point":"f64","value":2,"quality":"good","ts":0}', 'good'],
  ['escapes', 'a "q" \\ \n } ] \u0000 \ud800 甲烷', 'good'],
  ['dead', null, 'timeout'],
  ['exc', null, 'exception', 2],
  ['sensor', null, 'sensor_fault'],
];

function expectExactly(actual: StoredSample[], expected: StoredSample[]): void {
  expect(actual).toStrictEqual(expected);
  for (let i = 0; i < expected.length; i++) expect(Object.is(actual[i]!.value, expected[i]!.value), `#${i} ${String(actual[i]!.value)}`).toBe(true);
}

describe('history: one row per poll cycle', () => {
  it('round-trips every kind of value exactly, and the row body is the outbox telemetry JSON', () => {
    const store = open();
    const cycles = [0, 1, 2].map((c) =>
      cycle(KINDS.map(([point, value, quality, code]) => sample(point, value, T0 + c * 1000, quality, code === undefined ? {} : { exceptionCode: code }))),
    );
    store.recordCycles(cycles);
    for (const [point, value, quality, code] of KINDS) {
      const expected = [0, 1, 2].map((c) => {
        const s: StoredSample = { deviceId: 'sm-1', pointId: point, ts: T0 + c * 1000, value, quality };
        if (code !== undefined) s.exceptionCode = code;
        return s;
      });
      expectExactly(store.history({ deviceId: 'sm-1', pointId: point, fromTs: 0, toTs: T0 + DAY_MS }), expected);
    }
    const outbox = store.peek(0, 10);
    store.close();

    const rows = rawHistory();
    expect(rows).toHaveLength(3);
    rows.forEach((row, i) => {
      // Byte for byte what the telemetry message carries, and what telemetryBodyOf gives.
      expect(row.body).toBe(outbox[i]!.body);
      expect(row.body).toBe(JSON.stringify(telemetryBodyOf(cycles[i]!)));
      expect(row).toMatchObject({ device_id: 'sm-1', ts: T0 + i * 1000, last_ts: T0 + i * 1000 });
      expect(JSON.parse(row.special ?? 'null')).toEqual({ 3: '-0', 5: 'NaN', 6: 'Infinity', 7: '-Infinity' });
    });
  });

  it('writes no special column for ordinary values and no history row for a cycle without samples', () => {
    const store = open();
    store.recordCycles([cycle([sample('ch4', 0.5, T0), sample('co', 12, T0 + 3)]), cycle([], 'sm-1', T0 + 10)]);
    expect(store.peek(0, 10)).toHaveLength(2); // the empty cycle still has its telemetry message
    store.close();
    expect(rawHistory()).toEqual([expect.objectContaining({ ts: T0, last_ts: T0 + 3, special: null })]);
  });

  it('finds points whose ids need escaping and samples of other devices inside a cycle', () => {
    const store = open();
    const odd = 'a"b\\c';
    store.recordCycles([cycle([sample(odd, 1, T0), sample('ch4', 2, T0, 'good', { deviceId: 'sm-9' }), sample('ch4', 3, T0)])]);
    expect(store.history({ deviceId: 'sm-1', pointId: odd, fromTs: 0, toTs: T0 + 1 }).map((s) => s.value)).toEqual([1]);
    expect(store.history({ deviceId: 'sm-9', pointId: 'ch4', fromTs: 0, toTs: T0 + 1 })).toEqual([{ deviceId: 'sm-9', pointId: 'ch4', ts: T0, value: 2, quality: 'good' }]);
    expect(store.history({ deviceId: 'sm-1', pointId: 'ch4', fromTs: 0, toTs: T0 + 1 }).map((s) => s.value)).toEqual([3]);
    store.close();
    expect(rawHistory().map((r) => r.device_id).sort()).toEqual(['sm-1', 'sm-9']);
  });

  it('splits a cycle whose samples lie further apart than a row may span, and still finds every sample', () => {
    const store = open();
    const far = T0 + HISTORY_ROW_MAX_SPAN_MS + 1;
    store.recordCycles([cycle([sample('a', 1, T0), sample('b', 2, far), sample('a', 3, T0 + 10), sample('b', 4, far)])]);
    expect(store.history({ deviceId: 'sm-1', pointId: 'a', fromTs: T0, toTs: far + 1 }).map((s) => s.value)).toEqual([1, 3]);
    expect(store.history({ deviceId: 'sm-1', pointId: 'b', fromTs: far, toTs: far + 1 }).map((s) => s.value)).toEqual([2, 4]);
    store.close();
    const rows = rawHistory();
    expect(rows.map((r) => [r.ts, r.last_ts])).toEqual([
      [T0, T0 + 10],
      [far, far],
    ]);
    for (const row of rows) expect(row.last_ts - row.ts).toBeLessThanOrEqual(HISTORY_ROW_MAX_SPAN_MS);
  });

  it('answers a per-point time range [from, to) oldest first, ties in write order, with a limit', () => {
    const store = open();
    const cycles: PollCycle[] = [];
    for (let c = 0; c < 50; c++) {
      // Two blocks per cycle, 40 ms apart; point "x" sits in the second.
      const ts = T0 + c * 1000;
      cycles.push(cycle([sample('ch4', c, ts), sample('x', c, ts + 40)]));
    }
    // A late cycle whose samples are older than ones already written, and a repeat of a ts.
    cycles.push(cycle([sample('ch4', 'late', T0 + 10_500)]));
    cycles.push(cycle([sample('ch4', 'again', T0 + 20_000)]));
    store.recordCycles(cycles);
    const q = (fromTs: number, toTs: number, limit?: number, pointId = 'ch4') =>
      store.history({ deviceId: 'sm-1', pointId, fromTs, toTs, ...(limit === undefined ? {} : { limit }) }).map((s) => s.value);

    expect(q(T0 + 10_000, T0 + 12_000)).toEqual([10, 'late', 11]);
    expect(q(T0 + 20_000, T0 + 21_000)).toEqual([20, 'again']);
    expect(q(T0 + 10_000, T0 + 12_000, 2)).toEqual([10, 'late']);
    expect(q(T0 + 20_000, T0 + 30_000, 1)).toEqual([20]);
    expect(q(T0 + 20_000, T0 + 30_000, 2)).toEqual([20, 'again']);
    expect(q(T0, T0 + DAY_MS)).toHaveLength(52);
    expect(q(T0, T0 + DAY_MS, 0)).toEqual([]);
    expect(q(T0, T0 + DAY_MS, -1)).toHaveLength(52); // as SQLite's LIMIT -1: no limit
    expect(q(T0 + 5_000, T0 + 5_000)).toEqual([]);
    // "x" is 40 ms into its row: a range starting inside the row still finds it, one ending before it does not.
    expect(q(T0 + 7_020, T0 + 7_041, undefined, 'x')).toEqual([7]);
    expect(q(T0 + 7_000, T0 + 7_040, undefined, 'x')).toEqual([]);
    expect(q(T0 + 7_041, T0 + 8_000, undefined, 'x')).toEqual([]);
    expect(store.history({ deviceId: 'sm-2', pointId: 'ch4', fromTs: 0, toTs: T0 + DAY_MS })).toEqual([]);
    store.close();
  });

  it('orders samples by ts, then write order, also across rows that overlap in time', () => {
    const store = open();
    const t = T0 + 100_000;
    const on = (pointId: string, value: SampleValue, ts: number) => sample(pointId, value, ts, 'good', { deviceId: 'sm-3' });
    store.recordCycles([
      cycle([on('ch4', 'first-at-t', t)], 'sm-3'), // row ts t
      cycle([on('co', 0, t - 10), on('ch4', 'second-at-t', t), on('ch4', 'at-t+40', t + 40)], 'sm-3'), // row ts t-10, written later
      cycle([on('ch4', 'at-t+20', t + 20)], 'sm-3'), // row ts t+20, its sample older than the previous row's last
    ]);
    const q = (limit?: number) => store.history({ deviceId: 'sm-3', pointId: 'ch4', fromTs: t - 100, toTs: t + 100, ...(limit === undefined ? {} : { limit }) }).map((s) => s.value);
    expect(q()).toEqual(['first-at-t', 'second-at-t', 'at-t+20', 'at-t+40']);
    expect(q(3)).toEqual(['first-at-t', 'second-at-t', 'at-t+20']);
    expect(q(1)).toEqual(['first-at-t']);
    store.close();
  });

  it('refuses a cycle it could not read back, and nothing of the batch is stored', () => {
    const store = open();
    const bad = [
      cycle([sample('ch4', 1n as unknown as SampleValue, T0)]),
      cycle([sample('ch4', 1, T0 + 0.5)]),
      cycle([sample('ch4', 1, T0, 'exception', { exceptionCode: 1.5 })]),
      cycle([{ ...sample('ch4', 1, T0), pointId: 7 as unknown as string }]),
    ];
    for (const c of bad) expect(() => store.recordCycles([cycle([sample('ch4', 0, T0)]), c])).toThrow(TypeError);
    expect(store.stats().rows).toBe(0);
    expect(store.history({ deviceId: 'sm-1', pointId: 'ch4', fromTs: 0, toTs: T0 + 1 })).toEqual([]);
    store.close();
  });
});

describe('history retention', () => {
  it('prunes whole rows once their newest sample is past the retention, in chunks of rows', async () => {
    now = T0 + 40 * DAY_MS;
    const cutoff = now - 30 * DAY_MS;
    const store = open();
    const cycles: PollCycle[] = [];
    for (let c = 0; c < 30; c++) cycles.push(cycle([sample('ch4', c, cutoff - 60_000 + c * 1000), sample('co', c, cutoff - 60_000 + c * 1000)]));
    // Straddles the cutoff: its older sample stays with its row until the row's newest sample goes.
    cycles.push(cycle([sample('ch4', 'straddle-old', cutoff - 10), sample('co', 'straddle-new', cutoff)]));
    cycles.push(cycle([sample('ch4', 'new', now)]));
    store.recordCycles(cycles);

    expect(store.pruneHistoryChunk(now, 12)).toEqual({ deleted: 12, more: true });
    expect(store.pruneHistory(now, 12)).toEqual({ deleted: 12, more: true });
    expect(store.pruning).toBe(true);
    for (let i = 0; i < 3; i++) await new Promise((resolve) => setImmediate(resolve));
    expect(store.pruning).toBe(false);
    expect(store.history({ deviceId: 'sm-1', pointId: 'ch4', fromTs: 0, toTs: now + 1 }).map((s) => s.value)).toEqual(['straddle-old', 'new']);
    expect(store.history({ deviceId: 'sm-1', pointId: 'co', fromTs: 0, toTs: now + 1 }).map((s) => s.value)).toEqual(['straddle-new']);
    expect(store.pruneHistoryChunk(now, 12)).toEqual({ deleted: 0, more: false });
    store.close();
    expect(rawHistory()).toHaveLength(2);
  });
});

describe('statistics rebuilt from history after a restart', () => {
  /** 12 minutes of 1 s cycles of two devices, every kind of sample the statistics see. */
  function workload(): PollCycle[] {
    const cycles: PollCycle[] = [];
    for (let second = 0; second < 720; second++) {
      for (const deviceId of ['sm-1', 'sm-2']) {
        const ts = T0 + 30_000 + second * 1000 + (deviceId === 'sm-2' ? 7 : 0);
        const s = (pointId: string, value: SampleValue, quality: Quality = 'good', dt = 0): Sample => ({ deviceId, pointId, value, quality, ts: ts + dt, mono: 0 });
        const wobble = Math.fround(Math.sin(second / 7) * 3.3 + (deviceId === 'sm-2' ? 100 : 0));
        cycles.push({
          deviceId,
          startedAt: ts - 3,
          finishedAt: ts + 45,
          samples: [
            s('ch4', second % 97 === 0 ? null : wobble, second % 97 === 0 ? 'timeout' : 'good'),
            s('co', second % 50 === 13 ? Number.NaN : second * 0.1, 'good', 40),
            s('neg', -0, 'good', 40),
            s('fan', second % 2 === 0, 'good', 40),
            s('text', String(second), 'good', 40),
            s('exc', null, 'exception', 40),
          ],
        });
      }
    }
    return cycles;
  }

  function stats(file: string): unknown[] {
    const db = new Database(file, { readonly: true });
    try {
      return db.prepare('SELECT * FROM stats_5min ORDER BY device_id, point_id, bucket_start').all();
    } finally {
      db.close();
    }
  }

  function statsMessages(store: Store): unknown[] {
    return store
      .peek(0, 100_000)
      .filter((r) => r.stream === 'stats')
      .map((r) => JSON.parse(r.body) as { device: string; bucketStart: number })
      .sort((a, b) => a.bucketStart - b.bucketStart || a.device.localeCompare(b.device));
  }

  it('gives the same stats_5min rows and stats messages as a store that never restarted', () => {
    const cycles = workload();
    const end = cycles.at(-1)!.finishedAt + STATS_BUCKET_MS + 60_000;
    const straightPath = join(dir, 'straight.db');

    // Without a restart. The clock follows the cycles (a restart closes buckets older than now as stale).
    now = cycles[0]!.finishedAt;
    let straight = open({}, straightPath);
    for (let i = 0; i < cycles.length; i += 10) {
      now = cycles[i]!.finishedAt;
      straight.recordCycles(cycles.slice(i, i + 10));
    }
    now = end;
    straight.maintenance(end);
    const straightMessages = statsMessages(straight);
    straight.close();

    // The same cycles with restarts mid-bucket (the open buckets come back from history).
    now = cycles[0]!.finishedAt;
    let restarted = open();
    for (let i = 0; i < cycles.length; i += 10) {
      now = cycles[i]!.finishedAt;
      if (i === 400 || i === 410 || i === 900) {
        restarted.close();
        restarted = open();
      }
      restarted.recordCycles(cycles.slice(i, i + 10));
    }
    now = end;
    restarted.maintenance(end);
    const restartedMessages = statsMessages(restarted);
    restarted.close();

    const expected = stats(straightPath);
    expect(expected.length).toBeGreaterThan(10);
    expect(stats(path)).toStrictEqual(expected);
    expect(restartedMessages).toStrictEqual(straightMessages);
    // And one more restart after everything closed writes nothing twice.
    straight = open({}, straightPath);
    expect(statsMessages(straight)).toStrictEqual(straightMessages);
    straight.close();
  });
});

describe('disk budget over history rows', () => {
  it('evicts history and telemetry oldest first, counts rows, unsent messages and their samples', () => {
    const points = Array.from({ length: 50 }, (_, i) => `p${i}`);
    const store = open({ diskBudgetBytes: 1_048_576 });
    store.appendAlarm('ch4-high-1', 'raised', { value: 1.2 });
    const written: number[] = [];
    for (let second = 0; second < 400; second++) {
      now = T0 + second * 1000;
      store.recordCycles([cycle(points.map((p) => sample(p, second, now)))]);
      written.push(now);
      store.enforceDiskBudget(now);
    }
    const usage = store.diskUsage();
    expect(usage.usedBytes).toBeLessThanOrEqual(usage.budgetBytes);
    const totals = store.evictionTotals();
    const rows = store.peek(0, 100_000);
    const telemetry = rows.filter((r) => r.stream === 'telemetry');
    const history = rawHistory();
    // What is left of each is the newest: a suffix of what was written, in order.
    expect(history.map((r) => r.ts)).toEqual(written.slice(written.length - history.length));
    expect(telemetry.map((r) => r.seq)).toEqual(Array.from({ length: telemetry.length }, (_, i) => 400 - telemetry.length + 1 + i));
    expect(history.length).toBeGreaterThan(0);
    expect(history.length).toBeLessThan(400);
    // Counters: every history row (cycle) and message evicted, messages unsent with their 50 samples each.
    const unsent = 400 - telemetry.length;
    expect(totals.telemetry).toEqual({ rows: 400 - history.length + unsent, unsent, samples: unsent * 50 });
    expect(totals.events).toBeUndefined();
    expect(totals.stats).toBeUndefined();
    // The events reported sum up to the totals; the alarm is untouched.
    const reports = rows.filter((r) => r.stream === 'events').map((r) => JSON.parse(r.body) as { kind: string; class: string; rows: number; unsentMessages: number; unsentSamples: number });
    const telemetryReports = reports.filter((e) => e.kind === 'store_eviction' && e.class === 'telemetry');
    expect(telemetryReports.reduce((n, e) => n + e.rows, 0)).toBe(totals.telemetry!.rows);
    expect(telemetryReports.reduce((n, e) => n + e.unsentMessages, 0)).toBe(unsent);
    expect(telemetryReports.reduce((n, e) => n + e.unsentSamples, 0)).toBe(unsent * 50);
    expect(rows.filter((r) => r.stream === 'alarms')).toHaveLength(1);
    // History still answers for what is left.
    const oldestLeft = history[0]!.ts;
    expect(store.history({ deviceId: 'sm-1', pointId: 'p7', fromTs: 0, toTs: now + 1 }).map((s) => s.ts)).toEqual(written.filter((t) => t >= oldestLeft));
    store.close();
  });
});
