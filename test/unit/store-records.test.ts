import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Clock } from '../../agent/model/clock.js';
import type { PollCycle, Quality, Sample, SampleValue } from '../../agent/model/sample.js';
import { silentLogger } from '../../agent/runtime/logger.js';
import { Store } from '../../agent/store/store.js';
import { telemetryBodySchema } from '../../agent/upstream/messages.js';

const DAY_MS = 86_400_000;
const NOW = Date.UTC(2025, 5, 1);
const clock: Clock = { now: () => NOW, monotonic: () => performance.now() };
let dir: string;
let path: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'shaftgate-store-'));
  path = join(dir, 'shaftgate.db');
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function open(): Store {
  return Store.open({ path, historyRetentionDays: 30, maxPendingCycles: 100, statsRetentionDays: 365, diskBudgetBytes: 2 ** 31 }, { clock, logger: silentLogger() });
}

function sample(pointId: string, value: SampleValue, quality: Quality = 'good', ts = NOW, extra: Partial<Sample> = {}): Sample {
  return { deviceId: 'sm-1', pointId, value, quality, ts, mono: 1, ...extra };
}

function cycle(samples: Sample[], deviceId = 'sm-1', finishedAt = NOW): PollCycle {
  return { deviceId, startedAt: finishedAt - 40, finishedAt, samples };
}

describe('Store.recordCycles', () => {
  it('stores history and one telemetry message per cycle, numbered per stream', () => {
    const store = open();
    store.recordCycles([cycle([sample('ch4', 0.37), sample('co', 12)]), cycle([sample('ch4', 0.38, 'good', NOW, { deviceId: 'sm-2' })], 'sm-2')]);
    const rows = store.peek(0, 10);
    expect(rows.map((r) => [r.stream, r.seq])).toEqual([
      ['telemetry', 1],
      ['telemetry', 2],
    ]);
    expect(rows[0]?.msgId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(rows[0]?.msgId).not.toBe(rows[1]?.msgId);
    expect(rows[0]?.recordedAt).toBe(NOW);
    expect(telemetryBodySchema.parse(JSON.parse(rows[0]?.body ?? ''))).toEqual({
      device: 'sm-1',
      cycleStartedAt: NOW - 40,
      samples: [
        { point: 'ch4', value: 0.37, quality: 'good', ts: NOW },
        { point: 'co', value: 12, quality: 'good', ts: NOW },
      ],
    });
    expect(store.history({ deviceId: 'sm-1', pointId: 'ch4', fromTs: 0, toTs: NOW + 1 })).toHaveLength(1);
    store.close();
  });

  it('writes a batch atomically: one bad cycle and nothing of the batch is stored, sequence numbers included', () => {
    const store = open();
    store.recordCycles([cycle([sample('ch4', 0.1)])]);
    const bad = cycle([sample('ch4', { not: 'a value' } as unknown as SampleValue)]);
    expect(() => store.recordCycles([cycle([sample('ch4', 0.2)]), cycle([sample('co', 3)]), bad])).toThrow(/sample value must be/);
    expect(store.stats().rows).toBe(1);
    expect(store.history({ deviceId: 'sm-1', pointId: 'ch4', fromTs: 0, toTs: NOW + 1 }).map((s) => s.value)).toEqual([0.1]);
    store.recordCycles([cycle([sample('ch4', 0.3)])]);
    expect(store.peek(0, 10).map((r) => r.seq)).toEqual([1, 2]);
    store.close();
  });

  it('round-trips every kind of value exactly', () => {
    const store = open();
    const float32 = Math.fround(0.1); // 0.10000000149011612: must not come back as 0.1
    const values: Array<[string, SampleValue, Quality, number?]> = [
      ['f32', float32, 'good'],
      ['f64', 1 / 3, 'good'],
      ['int', 42, 'good'],
      ['neg', -0.5, 'good'],
      ['big', 2 ** 53 - 1, 'good'],
      ['on', true, 'good'],
      ['off', false, 'good'],
      ['text', '12', 'good'],
      ['empty', '', 'good'],
      ['dead', null, 'timeout'],
      ['exc', null, 'exception', 2],
    ];
    store.recordCycles([cycle(values.map(([point, value, quality, code]) => sample(point, value, quality, NOW, code === undefined ? {} : { exceptionCode: code })))]);
    for (const [point, value, quality, code] of values) {
      const [stored] = store.history({ deviceId: 'sm-1', pointId: point, fromTs: 0, toTs: NOW + 1 });
      expect(stored?.value, point).toStrictEqual(value);
      expect(stored?.quality, point).toBe(quality);
      expect(stored?.exceptionCode, point).toBe(code);
    }
    const body = JSON.parse(store.peek(0, 1)[0]?.body ?? '') as { samples: Array<{ point: string; value: unknown; exceptionCode?: number }> };
    expect(body.samples.find((s) => s.point === 'f32')?.value).toBe(float32);
    expect(body.samples.find((s) => s.point === 'text')?.value).toBe('12');
    expect(body.samples.find((s) => s.point === 'on')?.value).toBe(true);
    expect(body.samples.find((s) => s.point === 'exc')).toEqual({ point: 'exc', value: null, quality: 'exception', ts: NOW, exceptionCode: 2 });
    store.close();
  });
});

describe('outbox', () => {
  it('keeps sequence numbers across restarts and never repeats them, even after every row was acknowledged', () => {
    let store = open();
    store.recordCycles([cycle([sample('ch4', 1)]), cycle([sample('ch4', 2)])]);
    store.appendOutbox('events', { kind: 'door' });
    store.ack(store.peek(0, 10).map((r) => r.id));
    expect(store.stats()).toEqual({ rows: 0, oldestRecordedAt: null });
    store.close();

    store = open();
    store.recordCycles([cycle([sample('ch4', 3)])]);
    store.appendOutbox('events', { kind: 'door' });
    const rows = store.peek(0, 10);
    expect(rows.map((r) => [r.stream, r.seq])).toEqual([
      ['telemetry', 3],
      ['events', 2],
    ]);
    expect(rows[0]?.id).toBe(4); // ids are not reused either
    store.close();
  });

  it('peeks after an id in order, acknowledges in one call, and counts what waits', () => {
    const store = open();
    store.recordCycles([1, 2, 3, 4, 5].map((n) => cycle([sample('ch4', n)], 'sm-1', NOW - 1000 * (6 - n))));
    const all = store.peek(0, 100);
    expect(all.map((r) => r.id)).toEqual([1, 2, 3, 4, 5]);
    expect(store.peek(2, 2).map((r) => r.id)).toEqual([3, 4]);
    expect(store.stats()).toEqual({ rows: 5, oldestRecordedAt: NOW - 5000 });
    store.ack([1, 2, 4]);
    store.ack([4]); // acknowledging twice is harmless
    expect(store.peek(0, 100).map((r) => r.id)).toEqual([3, 5]);
    expect(store.stats()).toEqual({ rows: 2, oldestRecordedAt: NOW - 3000 });
    store.close();
    const reopened = open();
    expect(reopened.stats().rows).toBe(2);
    reopened.close();
  });

  it('stores other streams with the clock as recordedAt', () => {
    const store = open();
    store.appendOutbox('alarms', { alarm: 'ch4_high', value: 1.2 });
    expect(store.peek(0, 1)[0]).toMatchObject({ stream: 'alarms', seq: 1, recordedAt: NOW, body: '{"alarm":"ch4_high","value":1.2}' });
    expect(() => store.appendOutbox('events', undefined)).toThrow(/does not serialize/);
    store.close();
  });
});

describe('Store.pruneHistory', () => {
  it('deletes raw history older than the retention in bounded chunks (rows = poll cycles) and keeps the rest', async () => {
    const store = open();
    const old = Array.from({ length: 25 }, (_, i) => cycle([sample('ch4', i, 'good', NOW - 31 * DAY_MS + i), sample('co', i, 'good', NOW - 31 * DAY_MS + i)], 'sm-1', NOW - 31 * DAY_MS + i));
    const recent = [cycle([sample('ch4', 100, 'good', NOW - 29 * DAY_MS)], 'sm-1', NOW - 29 * DAY_MS), cycle([sample('ch4', 101, 'good', NOW)])];
    store.recordCycles([...old, ...recent]);

    expect(store.pruneHistoryChunk(NOW, 10)).toEqual({ deleted: 10, more: true });
    expect(store.pruneHistory(NOW, 10)).toEqual({ deleted: 10, more: true });
    expect(store.pruning).toBe(true); // the rest follows on later event-loop turns
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setImmediate(resolve));
    expect(store.pruning).toBe(false);
    const left = store.history({ deviceId: 'sm-1', pointId: 'ch4', fromTs: 0, toTs: NOW + 1 });
    expect(left.map((s) => s.value)).toEqual([100, 101]);
    expect(store.history({ deviceId: 'sm-1', pointId: 'co', fromTs: 0, toTs: NOW + 1 })).toEqual([]);
    expect(store.peek(0, 100).filter((row) => row.stream === 'telemetry')).toHaveLength(27); // the outbox is not history: it is never pruned by age
    store.close();
  });
});
