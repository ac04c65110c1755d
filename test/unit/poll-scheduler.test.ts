import { afterEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../agent/model/clock.js';
import type { PollCycle, Sample } from '../../agent/model/sample.js';
import { silentLogger } from '../../agent/runtime/logger.js';
import { PollScheduler } from '../../agent/scheduler/poll-scheduler.js';
import type { Driver, DriverStats } from '../../drivers/driver.js';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

class FakeDriver implements Driver {
  polls = 0;
  constructor(
    readonly deviceId: string,
    private readonly behaviour: () => Promise<void>,
  ) {}
  async poll(): Promise<Sample[]> {
    this.polls++;
    await this.behaviour();
    return [{ deviceId: this.deviceId, pointId: 'p', value: this.polls, quality: 'good', ts: Date.now(), mono: performance.now() }];
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
  stats(): DriverStats {
    throw new Error('not used');
  }
}

let scheduler: PollScheduler | null = null;
afterEach(async () => {
  await scheduler?.stop(1000);
  scheduler = null;
});

describe('poll scheduler', () => {
  it('a hanging device does not slow a healthy one', async () => {
    const fast = new FakeDriver('fast', () => Promise.resolve());
    const stuck = new FakeDriver('stuck', () => sleep(5_000));
    const cycles: PollCycle[] = [];
    scheduler = new PollScheduler({
      devices: [
        { driver: stuck, pollIntervalMs: 50 },
        { driver: fast, pollIntervalMs: 50 },
      ],
      clock: systemClock,
      logger: silentLogger(),
      onCycle: (cycle) => cycles.push(cycle),
    });
    scheduler.start();
    await sleep(520);
    const fastCycles = cycles.filter((c) => c.deviceId === 'fast').length;
    expect(fastCycles).toBeGreaterThanOrEqual(6);
    expect(fastCycles).toBeLessThanOrEqual(12);
    expect(stuck.polls).toBe(1); // still on its first poll; never run twice at once
  });

  it('an overrunning cycle skips the missed slots and counts them instead of queueing polls', async () => {
    const slow = new FakeDriver('slow', () => sleep(130));
    scheduler = new PollScheduler({ devices: [{ driver: slow, pollIntervalMs: 50 }], clock: systemClock, logger: silentLogger(), onCycle: () => undefined });
    scheduler.start();
    await sleep(600);
    const [stats] = scheduler.stats();
    expect(stats!.missedSlots).toBeGreaterThanOrEqual(4);
    expect(slow.polls).toBeLessThanOrEqual(5);
  });

  it('keeps polling when a driver throws or a consumer throws', async () => {
    let n = 0;
    const flaky = new FakeDriver('flaky', () => (++n % 2 === 0 ? Promise.reject(new Error('bug')) : Promise.resolve()));
    let delivered = 0;
    scheduler = new PollScheduler({
      devices: [{ driver: flaky, pollIntervalMs: 20 }],
      clock: systemClock,
      logger: silentLogger(),
      onCycle: () => {
        delivered++;
        throw new Error('consumer bug');
      },
    });
    scheduler.start();
    await sleep(250);
    expect(flaky.polls).toBeGreaterThanOrEqual(6);
    expect(delivered).toBeGreaterThanOrEqual(3);
    expect(scheduler.stats()[0]!.cycles).toBe(flaky.polls - (scheduler.stats()[0]!.polling ? 1 : 0));
  });

  it('stop waits for the poll on the wire and then schedules nothing more', async () => {
    const slow = new FakeDriver('slow', () => sleep(150));
    const cycles: PollCycle[] = [];
    scheduler = new PollScheduler({ devices: [{ driver: slow, pollIntervalMs: 1000 }], clock: systemClock, logger: silentLogger(), onCycle: (c) => cycles.push(c) });
    scheduler.start();
    await sleep(30);
    expect(slow.polls).toBe(1);
    await scheduler.stop(1000);
    expect(cycles).toHaveLength(1); // the in-flight poll was drained and delivered
    await sleep(1100);
    expect(slow.polls).toBe(1);
    expect(scheduler.sinceLastProgressMs()).toBeGreaterThan(1000);
  });
});
