/** 5-minute statistics from good samples only, rebuilt after a restart; the disk budget evicts by class. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { storeSchema } from '../../config/schema.js';
import type { Clock } from '../../agent/model/clock.js';
import type { PollCycle } from '../../agent/model/sample.js';
import { silentLogger } from '../../agent/runtime/logger.js';
import { StatsAggregator } from '../../agent/store/stats-aggregator.js';
import { Store } from '../../agent/store/store.js';

const T0 = Date.UTC(2025, 5, 1, 8); // a bucket boundary
let now = T0;
const clock: Clock = { now: () => now, monotonic: () => performance.now() };
let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'shaftgate-stats-'));
  now = T0;
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function cycleAt(ts: number, value: number | null, quality: 'good' | 'timeout' = 'good', points = ['ch4']): PollCycle {
  return { deviceId: 'sm-1', startedAt: ts, finishedAt: ts, samples: points.map((pointId) => ({ deviceId: 'sm-1', pointId, value, quality, ts, mono: 0 })) };
}

describe('StatsAggregator', () => {
  it('computes min, max (with their times), mean and the good count from good samples only', () => {
    const agg = new StatsAggregator();
    const add = (ts: number, value: number | null, quality = 'good') => agg.add({ deviceId: 'd', pointId: 'p', ts, value, quality });
    add(T0 + 1000, 0.5);
    add(T0 + 2000, 0.2);
    add(T0 + 3000, null, 'timeout');
    add(T0 + 4000, 0.8);
    const closed = add(T0 + 300_000, 0.1);
    expect(closed).toMatchObject({ bucketStart: T0, samples: 4, good: 3, min: 0.2, minTs: T0 + 2000, max: 0.8, maxTs: T0 + 4000 });
    expect(closed?.mean).toBeCloseTo(0.5, 12);
  });

  it('gives null, never 0, for a bucket without good samples, and nothing for boolean points', () => {
    const agg = new StatsAggregator();
    agg.add({ deviceId: 'd', pointId: 'p', ts: T0, value: null, quality: 'timeout' });
    agg.add({ deviceId: 'd', pointId: 'fan', ts: T0, value: true, quality: 'good' });
    const closed = agg.closeEndedBefore(T0 + 300_000);
    expect(closed).toEqual([{ deviceId: 'd', pointId: 'p', bucketStart: T0, samples: 1, good: 0, min: null, minTs: null, max: null, maxTs: null, mean: null }]);
  });
});

describe('Store statistics', () => {
  it('publishes a stats message when a bucket closes and does not send it twice after a restart', () => {
    const path = join(dir, 's.db');
    let store = Store.open(storeSchema.parse({ path }), { clock, logger: silentLogger() });
    store.recordCycles([cycleAt(T0 + 1000, 1), cycleAt(T0 + 2000, 3)]);
    store.close();
    // Restart mid-bucket: the open bucket is rebuilt from raw history, so its stats stay complete.
    store = Store.open(storeSchema.parse({ path }), { clock, logger: silentLogger() });
    store.recordCycles([cycleAt(T0 + 300_500, 7)]);
    const stats = store.peek(0, 100).filter((row) => row.stream === 'stats');
    expect(stats).toHaveLength(1);
    expect(JSON.parse(stats[0]!.body)).toMatchObject({ device: 'sm-1', bucketStart: T0, points: [{ point: 'ch4', samples: 2, good: 2, min: 1, max: 3, mean: 2 }] });
    store.close();
    store = Store.open(storeSchema.parse({ path }), { clock, logger: silentLogger() });
    expect(store.peek(0, 100).filter((row) => row.stream === 'stats')).toHaveLength(1);
    store.close();
  });
});

describe('disk budget', () => {
  it('evicts telemetry oldest first, keeps events and alarms, and reports the counts', () => {
    const store = Store.open(storeSchema.parse({ path: join(dir, 'b.db'), diskBudgetBytes: 1_048_576 }), { clock, logger: silentLogger() });
    store.appendAlarm('ch4-high-1', 'raised', { value: 1.2 });
    store.appendEvent('person_entered', { card: 'C-1' });
    const points = Array.from({ length: 50 }, (_, i) => `p${i}`);
    for (let second = 0; second < 400; second++) {
      now = T0 + second * 1000;
      store.recordCycles([cycleAt(now, second, 'good', points)]);
      store.enforceDiskBudget(now);
    }
    const usage = store.diskUsage();
    expect(usage.usedBytes).toBeLessThanOrEqual(usage.budgetBytes);
    const totals = store.evictionTotals();
    expect(totals.telemetry?.rows).toBeGreaterThan(0);
    expect(totals.events).toBeUndefined();
    const rows = store.peek(0, 100_000);
    expect(rows.filter((r) => r.stream === 'alarms')).toHaveLength(1);
    const events = rows.filter((r) => r.stream === 'events').map((r) => JSON.parse(r.body) as { kind: string; unsentSamples?: number });
    expect(events[0]?.kind).toBe('person_entered');
    expect(events.some((e) => e.kind === 'store_eviction' && (e.unsentSamples ?? 0) > 0)).toBe(true);
    // What is left of telemetry is the newest, still in seq order.
    const seqs = rows.filter((r) => r.stream === 'telemetry').map((r) => r.seq);
    expect(seqs.at(-1)).toBe(400);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(store.stats().rows).toBe(rows.length);
    store.close();
  });

  it('checks the budget by bytes written too, not only once a second: a burst cannot overshoot it', () => {
    // The monotonic clock stands still: only the bytes written can make the store check.
    const frozen: Clock = { now: () => now, monotonic: () => 1_000 };
    const budget = 1_048_576;
    const store = Store.open(storeSchema.parse({ path: join(dir, 'burst.db'), diskBudgetBytes: budget }), { clock: frozen, logger: silentLogger() });
    const points = Array.from({ length: 50 }, (_, i) => `p${i}`);
    let maxUsed = 0;
    for (let cycle = 0; cycle < 800; cycle++) {
      now = T0 + cycle * 100;
      store.recordCycles([cycleAt(now, cycle, 'good', points)]);
      maxUsed = Math.max(maxUsed, store.diskUsage().usedBytes);
    }
    // One cycle writes ~6 KB (history + outbox); 2 % of the budget is ~21 KB: a few cycles between checks.
    expect(store.evictionTotals().telemetry?.rows ?? 0).toBeGreaterThan(0);
    expect(maxUsed).toBeLessThanOrEqual(budget * 1.05);
    store.close();
  });
});
