/**
 * The scheduler's record of the poll on the wire: set while a poll runs, cleared when it ends —
 * also when a driver breaks its promise and throws at once, before any await — so stop() waits for
 * real polls only and the loop goes on.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../agent/model/clock.js';
import type { Sample } from '../../agent/model/sample.js';
import { silentLogger } from '../../agent/runtime/logger.js';
import { PollScheduler } from '../../agent/scheduler/poll-scheduler.js';
import type { Driver, DriverStats } from '../../drivers/driver.js';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function driver(deviceId: string, poll: () => Promise<Sample[]>): Driver {
  return {
    deviceId,
    poll,
    close: () => Promise.resolve(),
    stats: (): DriverStats => {
      throw new Error('not used');
    },
  };
}

let scheduler: PollScheduler | null = null;
afterEach(async () => {
  await scheduler?.stop(1000);
  scheduler = null;
});

describe('poll scheduler, cycle bookkeeping', () => {
  it('keeps polling a driver that throws synchronously, and stop() does not wait for it', async () => {
    let polls = 0;
    const broken = driver('broken', () => {
      polls++;
      throw new Error('bug: threw instead of returning samples');
    });
    scheduler = new PollScheduler({ devices: [{ driver: broken, pollIntervalMs: 20 }], clock: systemClock, logger: silentLogger(), onCycle: () => undefined });
    scheduler.start();
    await sleep(120);
    expect(polls).toBeGreaterThanOrEqual(3);
    expect(scheduler.stats()[0]).toMatchObject({ polling: false });
    const started = performance.now();
    await scheduler.stop(1000);
    expect(performance.now() - started).toBeLessThan(100);
  });

  it('stop() waits for the poll on the wire, then nothing more is polled', async () => {
    let polls = 0;
    let finished = 0;
    const slow = driver('slow', async () => {
      polls++;
      await sleep(150);
      finished++;
      return [];
    });
    scheduler = new PollScheduler({ devices: [{ driver: slow, pollIntervalMs: 50 }], clock: systemClock, logger: silentLogger(), onCycle: () => undefined });
    scheduler.start();
    await sleep(30);
    expect(scheduler.stats()[0]).toMatchObject({ polling: true });
    await scheduler.stop(1000);
    expect(finished).toBe(polls);
    await sleep(120);
    expect(polls).toBe(finished);
  });
});
