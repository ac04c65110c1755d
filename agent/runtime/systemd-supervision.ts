/**
 * What `shaftgate run` tells systemd: READY=1 once the agent is up, a one-line STATUS that
 * `systemctl status shaftgate` shows (ready or why not), the watchdog fed by the poll loop, and
 * STOPPING=1 on a clean stop. Everything is a no-op outside systemd.
 */
import type { HealthReport } from '../http/http-server.js';
import type { Logger } from './logger.js';
import { systemdNotifierFromEnv, type SystemdNotifier } from './systemd-notify.js';
import { shortestWorstCaseCycleMs, SystemdWatchdog, watchdogBudgetFromEnv, type PollProgress } from './systemd-watchdog.js';

/** How often the STATUS line is refreshed (only sent when it changed). */
const STATUS_REFRESH_MS = 10_000;
const STATUS_MAX_REASONS = 2;

export interface SupervisedAgent {
  pollProgress: PollProgress;
  health(): HealthReport;
}

export interface SystemdSupervision {
  /** The agent is up: READY=1, start the watchdog and the STATUS refresh. */
  ready(agent: SupervisedAgent, devices: ReadonlyArray<{ pollIntervalMs: number; timeoutMs: number; retries: number }>): void;
  /** A stop began: STOPPING=1; the watchdog stops (systemd no longer expects pings). */
  stopping(reason: string): void;
  /** Start-up failed: leave the reason in STATUS for `systemctl status`. */
  failed(reason: string): void;
  close(): void;
}

/** "ready; 6 devices" or "NOT READY: device pp-1 …; +2 more" — one line for `systemctl status`. */
export function statusLine(health: HealthReport, deviceCount: number): string {
  if (health.ready) return `ready; polling ${deviceCount} device(s)`;
  const shown = health.reasons.slice(0, STATUS_MAX_REASONS).join('; ');
  const more = health.reasons.length > STATUS_MAX_REASONS ? `; +${health.reasons.length - STATUS_MAX_REASONS} more (see /health)` : '';
  return `${health.live ? 'NOT READY' : 'NOT LIVE'}: ${shown}${more}`;
}

export function startSystemdSupervision(env: NodeJS.ProcessEnv, logger: Logger, notifier: SystemdNotifier = systemdNotifierFromEnv(env, logger)): SystemdSupervision {
  let watchdog: SystemdWatchdog | null = null;
  let statusTimer: NodeJS.Timeout | null = null;
  let lastStatus = '';
  const stopTimers = () => {
    watchdog?.stop();
    watchdog = null;
    if (statusTimer) clearInterval(statusTimer);
    statusTimer = null;
  };
  return {
    ready(agent, devices) {
      if (!notifier.active) return;
      lastStatus = statusLine(agent.health(), devices.length);
      notifier.ready(lastStatus);
      statusTimer = setInterval(() => {
        const status = statusLine(agent.health(), devices.length);
        if (status !== lastStatus) notifier.status(status);
        lastStatus = status;
      }, STATUS_REFRESH_MS);
      statusTimer.unref();
      const budget = watchdogBudgetFromEnv(env);
      if (budget === null) {
        logger.info('systemd notify socket found, no watchdog requested (WatchdogSec unset)');
        return;
      }
      const needed = shortestWorstCaseCycleMs(devices);
      if (needed > budget.budgetMs) {
        logger.warn(
          { watchdogMs: budget.budgetMs, shortestWorstCaseCycleMs: needed },
          `WatchdogSec (${budget.budgetMs} ms) is shorter than the fastest device's worst poll cycle (${needed} ms): if every device stops answering, systemd restarts the agent. Raise WatchdogSec in the unit`,
        );
      }
      watchdog = new SystemdWatchdog({ budgetMs: budget.budgetMs, progress: agent.pollProgress, notifier, logger: logger.child({ component: 'watchdog' }) });
      watchdog.start();
      logger.info({ watchdogMs: budget.budgetMs }, 'systemd watchdog armed: pinged while the poll loop makes progress');
    },
    stopping(reason) {
      stopTimers();
      notifier.stopping(reason);
    },
    failed(reason) {
      stopTimers();
      notifier.status(`start-up failed: ${reason}`);
    },
    close() {
      stopTimers();
      notifier.close();
    },
  };
}
