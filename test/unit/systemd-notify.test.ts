import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../agent/runtime/logger.js';
import { systemdNotifierFromEnv } from '../../agent/runtime/systemd-notify.js';
import { statusLine } from '../../agent/runtime/systemd-supervision.js';
import { shortestWorstCaseCycleMs, watchdogBudgetFromEnv } from '../../agent/runtime/systemd-watchdog.js';
import { waitFor } from '../helpers/agent-process.js';
import { startFakeNotifySocket, type FakeNotifySocket } from '../helpers/fake-notify-socket.js';

const cleanups: Array<() => void> = [];
afterEach(() => {
  while (cleanups.length) cleanups.pop()!();
});

async function fakeSocket(abstract: boolean): Promise<FakeNotifySocket> {
  const socket = await startFakeNotifySocket({ abstract });
  cleanups.push(() => socket.close());
  return socket;
}

describe('sd_notify', () => {
  for (const abstract of [false, true]) {
    it(`sends READY, STATUS, WATCHDOG and STOPPING to a ${abstract ? 'abstract (@)' : 'path'} NOTIFY_SOCKET`, async () => {
      const socket = await fakeSocket(abstract);
      const notifier = systemdNotifierFromEnv({ NOTIFY_SOCKET: socket.address }, silentLogger());
      cleanups.push(() => notifier.close());
      expect(notifier.active).toBe(true);
      notifier.ready('ready; polling 2 device(s)');
      notifier.status('line one\nline two');
      notifier.watchdogPing();
      notifier.stopping('stopping (SIGTERM)');
      await waitFor('four messages', () => socket.messages.length === 4, 10_000);
      expect(socket.messages.map((m) => m.fields)).toEqual([
        { READY: '1', STATUS: 'ready; polling 2 device(s)' },
        { STATUS: 'line one line two' }, // one line: a newline would start a new assignment
        { WATCHDOG: '1' },
        { STOPPING: '1', STATUS: 'stopping (SIGTERM)' },
      ]);
    });
  }

  it('is a no-op without NOTIFY_SOCKET (a terminal, a test, `shaftgate demo`)', () => {
    const notifier = systemdNotifierFromEnv({}, silentLogger());
    expect(notifier.active).toBe(false);
    expect(() => {
      notifier.ready('x');
      notifier.watchdogPing();
      notifier.close();
    }).not.toThrow();
  });

  it('a socket nobody listens on is logged, never thrown', async () => {
    const errors: string[] = [];
    const logger = pino({ level: 'error' }, { write: (line: string) => errors.push((JSON.parse(line) as { msg: string }).msg) });
    const notifier = systemdNotifierFromEnv({ NOTIFY_SOCKET: '/nonexistent/shaftgate-notify.sock' }, logger);
    cleanups.push(() => notifier.close());
    expect(() => notifier.ready('x')).not.toThrow();
    notifier.watchdogPing();
    await waitFor('the logged failure', () => errors.length > 0, 10_000);
    expect(errors).toHaveLength(1); // once, not once per ping
    expect(errors[0]).toMatch(/cannot notify systemd/);
  });

});

describe('watchdog budget', () => {
  it('comes from WATCHDOG_USEC, only for this process', () => {
    expect(watchdogBudgetFromEnv({ WATCHDOG_USEC: '30000000' })).toEqual({ budgetMs: 30_000 });
    expect(watchdogBudgetFromEnv({ WATCHDOG_USEC: '30000000', WATCHDOG_PID: '42' }, 42)).toEqual({ budgetMs: 30_000 });
    expect(watchdogBudgetFromEnv({ WATCHDOG_USEC: '30000000', WATCHDOG_PID: '41' }, 42)).toBeNull();
    expect(watchdogBudgetFromEnv({})).toBeNull();
    expect(watchdogBudgetFromEnv({ WATCHDOG_USEC: 'soon' })).toBeNull();
    expect(watchdogBudgetFromEnv({ WATCHDOG_USEC: '0' })).toBeNull();
  });

  it('must exceed the fastest device\'s worst cycle', () => {
    expect(
      shortestWorstCaseCycleMs([
        { pollIntervalMs: 1000, timeoutMs: 500, retries: 1 },
        { pollIntervalMs: 30_000, timeoutMs: 1000, retries: 0 },
      ]),
    ).toBe(2000);
  });
});

describe('systemctl status line', () => {
  it('says ready, or the first reasons why not', () => {
    expect(statusLine({ live: true, ready: true, reasons: [] }, 6)).toBe('ready; polling 6 device(s)');
    expect(statusLine({ live: true, ready: false, reasons: ['a', 'b', 'c'] }, 6)).toBe('NOT READY: a; b; +1 more (see /health)');
    expect(statusLine({ live: false, ready: false, reasons: ['stalled'] }, 6)).toBe('NOT LIVE: stalled');
  });
});
