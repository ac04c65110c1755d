import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { systemClock } from '../../agent/model/clock.js';
import type { PollCycle } from '../../agent/model/sample.js';
import { silentLogger } from '../../agent/runtime/logger.js';
import { Store } from '../../agent/store/store.js';
import { StoreWriter, type CycleRecorder } from '../../agent/store/store-writer.js';

function cycle(n: number, deviceId = 'sm-1'): PollCycle {
  return { deviceId, startedAt: n, finishedAt: n + 1, samples: [{ deviceId, pointId: 'ch4', value: n, quality: 'good', ts: n, mono: n }] };
}

/** Records every batch it is given; `fail` decides per call whether to throw. */
class FakeRecorder implements CycleRecorder {
  batches: number[][] = [];
  fail: (cycles: readonly PollCycle[]) => Error | null = () => null;
  recordCycles(cycles: readonly PollCycle[]): void {
    const error = this.fail(cycles);
    if (error !== null) throw error;
    this.batches.push(cycles.map((c) => c.startedAt));
  }
}

function sqliteError(code: string): Error {
  return Object.assign(new Error(`simulated ${code}`), { code });
}

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

afterEach(() => {
  vi.useRealTimers();
});

describe('StoreWriter', () => {
  it('writes everything queued in one turn as one batch, then tells onWritten', async () => {
    const recorder = new FakeRecorder();
    const onWritten = vi.fn();
    const writer = new StoreWriter(recorder, { maxPendingCycles: 100, logger: silentLogger(), onWritten });
    writer.enqueue(cycle(1));
    writer.enqueue(cycle(2));
    writer.enqueue(cycle(3));
    expect(recorder.batches).toEqual([]); // enqueue never writes on the caller's turn
    await nextTurn();
    expect(recorder.batches).toEqual([[1, 2, 3]]);
    expect(onWritten).toHaveBeenCalledWith(3);
    expect(writer.stats()).toMatchObject({ queued: 0, written: 3, dropped: 0, lastError: null });
  });

  it('drops the oldest cycles beyond maxPendingCycles and counts them', async () => {
    const recorder = new FakeRecorder();
    const writer = new StoreWriter(recorder, { maxPendingCycles: 10, logger: silentLogger() });
    for (let n = 1; n <= 25; n++) writer.enqueue(cycle(n));
    expect(writer.stats()).toMatchObject({ queued: 10, dropped: 15 });
    await nextTurn();
    expect(recorder.batches).toEqual([[16, 17, 18, 19, 20, 21, 22, 23, 24, 25]]);
    expect(writer.stats()).toMatchObject({ queued: 0, written: 10, dropped: 15 });
  });

  it('keeps the batch when the store is unavailable, retries with backoff, and stays bounded meanwhile', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setImmediate', 'clearImmediate'] });
    const recorder = new FakeRecorder();
    recorder.fail = () => sqliteError('SQLITE_FULL');
    const writer = new StoreWriter(recorder, { maxPendingCycles: 10, logger: silentLogger(), retryMinMs: 1000, retryMaxMs: 4000 });
    for (let n = 1; n <= 4; n++) writer.enqueue(cycle(n));
    await vi.advanceTimersToNextTimerAsync(); // the setImmediate flush fails
    expect(writer.stats()).toMatchObject({ queued: 4, written: 0, failedWrites: 1 });
    expect(writer.stats().lastError).toMatch(/SQLITE_FULL.*disk .* is full/);
    for (let n = 5; n <= 12; n++) writer.enqueue(cycle(n)); // no new attempt before the retry timer
    expect(writer.stats()).toMatchObject({ queued: 10, dropped: 2, failedWrites: 1 });
    await vi.advanceTimersByTimeAsync(1000);
    expect(writer.stats().failedWrites).toBe(2); // retried once, failed again, next wait 2 s
    recorder.fail = () => null;
    await vi.advanceTimersByTimeAsync(1999);
    expect(recorder.batches).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(recorder.batches).toEqual([[3, 4, 5, 6, 7, 8, 9, 10, 11, 12]]);
    expect(writer.stats()).toMatchObject({ queued: 0, written: 10, dropped: 2, lastError: null });
  });

  it('rejects only the cycle the store refuses, and goes on with the rest', async () => {
    const recorder = new FakeRecorder();
    recorder.fail = (cycles) => (cycles.some((c) => c.deviceId === 'broken') ? new TypeError('a sample value must be a number') : null);
    const writer = new StoreWriter(recorder, { maxPendingCycles: 10, logger: silentLogger() });
    writer.enqueue(cycle(1));
    writer.enqueue(cycle(2, 'broken'));
    writer.enqueue(cycle(3));
    await nextTurn();
    expect(recorder.batches).toEqual([[1], [3]]);
    expect(writer.stats()).toMatchObject({ queued: 0, written: 2, rejected: 1 });
    expect(writer.stats().lastError).toMatch(/device broken/);
  });

  it('splits a large backlog into bounded transactions', () => {
    const recorder = new FakeRecorder();
    const writer = new StoreWriter(recorder, { maxPendingCycles: 100, logger: silentLogger(), maxCyclesPerTransaction: 4 });
    for (let n = 1; n <= 10; n++) writer.enqueue(cycle(n));
    writer.flush();
    expect(recorder.batches).toEqual([
      [1, 2, 3, 4],
      [5, 6, 7, 8],
      [9, 10],
    ]);
  });

  it('flush() writes synchronously and never throws, and enqueue never throws either', () => {
    const recorder = new FakeRecorder();
    const writer = new StoreWriter(recorder, { maxPendingCycles: 10, logger: silentLogger() });
    writer.enqueue(cycle(1));
    writer.flush();
    expect(recorder.batches).toEqual([[1]]);
    recorder.fail = () => sqliteError('SQLITE_IOERR_WRITE');
    writer.enqueue(cycle(2));
    expect(() => writer.flush()).not.toThrow();
    expect(writer.stats()).toMatchObject({ queued: 1, failedWrites: 1 });
    writer.stop();
  });

  it('writes poll cycles to a real store in one transaction per batch', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'shaftgate-writer-'));
    try {
      const store = Store.open({ path: join(dir, 'shaftgate.db'), historyRetentionDays: 30, maxPendingCycles: 100, statsRetentionDays: 365, diskBudgetBytes: 2 ** 31 }, { clock: systemClock, logger: silentLogger() });
      const recordCycles = vi.spyOn(store, 'recordCycles');
      const writer = new StoreWriter(store, { maxPendingCycles: 100, logger: silentLogger() });
      for (let n = 1; n <= 5; n++) writer.enqueue(cycle(n));
      await nextTurn();
      expect(recordCycles).toHaveBeenCalledTimes(1);
      expect(store.peek(0, 10).map((r) => r.seq)).toEqual([1, 2, 3, 4, 5]);
      store.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
