import { afterEach, describe, expect, it, vi } from 'vitest';
import type { PollCycle } from '../../agent/model/sample.js';
import { silentLogger } from '../../agent/runtime/logger.js';
import { StoreWriter, type CycleRecorder } from '../../agent/store/store-writer.js';

function cycle(n: number): PollCycle {
  return { deviceId: 'sm-1', startedAt: n, finishedAt: n + 1, samples: [{ deviceId: 'sm-1', pointId: 'ch4', value: n, quality: 'good', ts: n, mono: n }] };
}

class Recorder implements CycleRecorder {
  batches: number[][] = [];
  recordCycles(cycles: readonly PollCycle[]): void {
    this.batches.push(cycles.map((c) => c.startedAt));
  }
}

afterEach(() => {
  vi.useRealTimers();
});

describe('StoreWriter with flushIntervalMs', () => {
  it('writes at most once per interval: a lone cycle on the next turn, the rest of the interval together', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setImmediate', 'clearImmediate', 'performance'] });
    const recorder = new Recorder();
    const before = vi.fn();
    const writer = new StoreWriter(recorder, { maxPendingCycles: 100, logger: silentLogger(), flushIntervalMs: 250, beforeWrite: before });
    writer.enqueue(cycle(1));
    expect(recorder.batches).toEqual([]); // never on the caller's turn
    await vi.advanceTimersByTimeAsync(1);
    expect(recorder.batches).toEqual([[1]]);
    await vi.advanceTimersByTimeAsync(99);
    writer.enqueue(cycle(2));
    await vi.advanceTimersByTimeAsync(50);
    writer.enqueue(cycle(3));
    expect(writer.stats().queued).toBe(2);
    await vi.advanceTimersByTimeAsync(99);
    expect(recorder.batches).toEqual([[1]]);
    await vi.advanceTimersByTimeAsync(2);
    expect(recorder.batches).toEqual([[1], [2, 3]]);
    expect(before).toHaveBeenCalledTimes(2);
    await vi.advanceTimersByTimeAsync(300);
    writer.enqueue(cycle(4));
    await vi.advanceTimersByTimeAsync(1);
    expect(recorder.batches).toEqual([[1], [2, 3], [4]]);
  });

  it('writes at once when flushAtCycles wait, and flush() writes what waits at stop', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setImmediate', 'clearImmediate'] });
    const recorder = new Recorder();
    const writer = new StoreWriter(recorder, { maxPendingCycles: 100, logger: silentLogger(), flushIntervalMs: 250, flushAtCycles: 3 });
    writer.enqueue(cycle(0));
    await vi.advanceTimersByTimeAsync(1); // a lone cycle: written on the next turn
    for (let n = 1; n <= 3; n++) writer.enqueue(cycle(n));
    await vi.advanceTimersToNextTimerAsync(); // 3 wait: the next turn, not the interval
    expect(recorder.batches).toEqual([[0], [1, 2, 3]]);
    writer.enqueue(cycle(4));
    writer.flush();
    expect(recorder.batches).toEqual([[0], [1, 2, 3], [4]]);
    await vi.advanceTimersByTimeAsync(1000);
    expect(recorder.batches).toEqual([[0], [1, 2, 3], [4]]); // the cancelled interval writes nothing twice
  });

  it('stays bounded while waiting for the interval', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setImmediate', 'clearImmediate'] });
    const recorder = new Recorder();
    const writer = new StoreWriter(recorder, { maxPendingCycles: 10, logger: silentLogger(), flushIntervalMs: 5000, flushAtCycles: 1000 });
    writer.enqueue(cycle(0));
    await vi.advanceTimersByTimeAsync(1);
    for (let n = 1; n <= 15; n++) writer.enqueue(cycle(n));
    expect(writer.stats()).toMatchObject({ queued: 10, dropped: 5 });
    await vi.advanceTimersByTimeAsync(5000);
    expect(recorder.batches).toEqual([[0], [6, 7, 8, 9, 10, 11, 12, 13, 14, 15]]);
  });
});
