/**
 * The watchdog is fed by the real poll loop: the real PollScheduler, the real notifier, and a fake
 * notify socket in systemd's place. A driver whose poll never resolves stalls the loop on purpose;
 * the pings must stop (so systemd would restart the agent) and resume when the loop recovers.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../agent/model/clock.js';
import type { Sample } from '../../agent/model/sample.js';
import { silentLogger } from '../../agent/runtime/logger.js';
import { systemdNotifierFromEnv } from '../../agent/runtime/systemd-notify.js';
import { SystemdWatchdog } from '../../agent/runtime/systemd-watchdog.js';
import { PollScheduler } from '../../agent/scheduler/poll-scheduler.js';
import type { Driver, DriverStats } from '../../drivers/driver.js';
import { waitFor } from '../helpers/agent-process.js';
import { startFakeNotifySocket } from '../helpers/fake-notify-socket.js';

const BUDGET_MS = 400;
const POLL_MS = 50;
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Answers at once until `hang()`; then its polls never resolve until `release()`. */
class HangableDriver implements Driver {
  readonly deviceId = 'pp-1';
  private blocked: { promise: Promise<void>; resolve: () => void } | null = null;
  hang(): void {
    let resolve!: () => void;
    const promise = new Promise<void>((r) => (resolve = r));
    this.blocked = { promise, resolve };
  }
  release(): void {
    this.blocked?.resolve();
    this.blocked = null;
  }
  async poll(): Promise<Sample[]> {
    if (this.blocked) await this.blocked.promise;
    return [{ deviceId: this.deviceId, pointId: 'card_count', value: 1, quality: 'good', ts: Date.now(), mono: performance.now() }];
  }
  close(): Promise<void> {
    this.release();
    return Promise.resolve();
  }
  stats(): DriverStats {
    throw new Error('not used');
  }
}

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

describe('systemd watchdog fed by the poll loop', () => {
  it('pings while the scheduler makes progress, stops when the poll loop is blocked, resumes after', async () => {
    const socket = await startFakeNotifySocket({ abstract: true });
    cleanups.push(() => socket.close());
    const notifier = systemdNotifierFromEnv({ NOTIFY_SOCKET: socket.address }, silentLogger());
    cleanups.push(() => notifier.close());
    const driver = new HangableDriver();
    const scheduler = new PollScheduler({ devices: [{ driver, pollIntervalMs: POLL_MS }], clock: systemClock, logger: silentLogger(), onCycle: () => undefined });
    cleanups.push(() => scheduler.stop(100));
    cleanups.push(() => driver.release());
    const watchdog = new SystemdWatchdog({ budgetMs: BUDGET_MS, progress: scheduler, notifier, logger: silentLogger() });
    cleanups.push(() => watchdog.stop());

    scheduler.start();
    watchdog.start();
    await waitFor('three watchdog pings', () => socket.with('WATCHDOG').length >= 3, 3000);

    driver.hang();
    const hungAt = Date.now();
    // Within the budget plus one check interval the watchdog notices and says why in STATUS.
    const stalled = await waitFor('the stall STATUS', () => socket.with('STATUS').find((m) => /poll loop stalled/.test(m.fields.STATUS!)), BUDGET_MS * 3);
    expect(stalled.at - hungAt).toBeLessThanOrEqual(BUDGET_MS + BUDGET_MS / 2 + 200);
    const pingsAtStall = socket.with('WATCHDOG').length;
    // systemd would now kill us after WatchdogSec: no ping for several budgets.
    await sleep(BUDGET_MS * 3);
    expect(socket.with('WATCHDOG').length).toBe(pingsAtStall);
    const lastPing = socket.with('WATCHDOG').at(-1)!;
    expect(lastPing.at - hungAt).toBeLessThanOrEqual(BUDGET_MS + 50); // no ping once the budget was spent

    driver.release();
    await waitFor('pings to resume', () => socket.with('WATCHDOG').length > pingsAtStall, BUDGET_MS * 2);
  });

  it('a hang in one device does not stop the pings while another device still completes cycles (health reports it instead)', async () => {
    const socket = await startFakeNotifySocket();
    cleanups.push(() => socket.close());
    const notifier = systemdNotifierFromEnv({ NOTIFY_SOCKET: socket.address }, silentLogger());
    cleanups.push(() => notifier.close());
    const stuck = new HangableDriver();
    const healthy = new HangableDriver();
    Object.defineProperty(healthy, 'deviceId', { value: 'sm-1' });
    stuck.hang();
    const scheduler = new PollScheduler({
      devices: [
        { driver: stuck, pollIntervalMs: POLL_MS },
        { driver: healthy, pollIntervalMs: POLL_MS },
      ],
      clock: systemClock,
      logger: silentLogger(),
      onCycle: () => undefined,
    });
    cleanups.push(() => scheduler.stop(100));
    cleanups.push(() => stuck.release());
    const watchdog = new SystemdWatchdog({ budgetMs: BUDGET_MS, progress: scheduler, notifier, logger: silentLogger() });
    cleanups.push(() => watchdog.stop());
    scheduler.start();
    watchdog.start();
    await sleep(BUDGET_MS * 3);
    expect(socket.with('WATCHDOG').length).toBeGreaterThanOrEqual(5);
    expect(socket.with('STATUS')).toEqual([]);
  });
});
