/**
 * The systemd watchdog, fed by the poll loop. systemd gives a budget (WatchdogSec, passed to us as
 * WATCHDOG_USEC); we check every half budget and send WATCHDOG=1 only if the poll scheduler finished
 * a cycle within the budget. A timer that pings unconditionally would prove only that the event loop
 * turns — the common field failure of Node pollers is a loop that turns but no longer polls. When the
 * pings stop, systemd kills and restarts the agent (Restart=on-failure).
 */
import type { Logger } from './logger.js';
import type { SystemdNotifier } from './systemd-notify.js';

/** What the watchdog needs to know about the work loop. */
export interface PollProgress {
  /** Milliseconds since any device last completed a poll cycle. */
  sinceLastProgressMs(): number;
}

export interface WatchdogBudget {
  budgetMs: number;
}

/**
 * The budget systemd set for this process, or null: no WATCHDOG_USEC, an unparsable one, or a
 * WATCHDOG_PID that names another process (the variable was inherited, not meant for us).
 */
export function watchdogBudgetFromEnv(env: NodeJS.ProcessEnv, pid = process.pid): WatchdogBudget | null {
  const usec = env.WATCHDOG_USEC;
  if (!usec || !/^\d+$/.test(usec)) return null;
  if (env.WATCHDOG_PID && env.WATCHDOG_PID !== String(pid)) return null;
  const budgetMs = Number(usec) / 1000;
  return budgetMs > 0 ? { budgetMs } : null;
}

export interface WatchdogOptions {
  budgetMs: number;
  progress: PollProgress;
  notifier: SystemdNotifier;
  logger: Logger;
}

export class SystemdWatchdog {
  private timer: NodeJS.Timeout | null = null;
  private withholding = false;
  private pings = 0;

  constructor(private readonly options: WatchdogOptions) {}

  /** Pings at once if the loop is alive, then every half budget. */
  start(): void {
    if (this.timer) return;
    this.check();
    this.timer = setInterval(() => this.check(), Math.max(1, Math.floor(this.options.budgetMs / 2)));
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  get pingsSent(): number {
    return this.pings;
  }

  private check(): void {
    const { budgetMs, progress, notifier, logger } = this.options;
    const sinceProgress = progress.sinceLastProgressMs();
    if (sinceProgress <= budgetMs) {
      if (this.withholding) logger.warn({ sinceProgressMs: Math.round(sinceProgress) }, 'poll loop is making progress again; watchdog pings resumed');
      this.withholding = false;
      this.pings += 1;
      notifier.watchdogPing();
      return;
    }
    if (!this.withholding) {
      this.withholding = true;
      const message = `no poll cycle finished for ${Math.round(sinceProgress)} ms (watchdog budget ${budgetMs} ms): poll loop stalled, withholding watchdog pings so systemd restarts the agent`;
      logger.error({ sinceProgressMs: Math.round(sinceProgress), budgetMs }, message);
      notifier.status(message);
    }
  }
}

/**
 * The shortest time in which the poll loop proves itself: the fastest device's worst cycle (interval
 * plus every try timing out). A WatchdogSec below this would restart a healthy agent whose devices are
 * merely all down, so the agent warns about it at start.
 */
export function shortestWorstCaseCycleMs(devices: ReadonlyArray<{ pollIntervalMs: number; timeoutMs: number; retries: number }>): number {
  return Math.min(...devices.map((d) => d.pollIntervalMs + d.timeoutMs * (d.retries + 1)));
}
