/**
 * The sd_notify protocol through systemd's own `systemd-notify` tool. Node has no unix datagram
 * sockets, and the native module that adds them is not installable from our registry for every
 * platform, so one short-lived `systemd-notify` per message does the sending. It waits (barrier)
 * until systemd has processed the message, which closes the old race where a message from an
 * already-exited helper could not be attributed to the unit; the unit says `NotifyAccess=all` so a
 * helper in our cgroup may speak for us.
 * Outside systemd (NOTIFY_SOCKET unset) every call is a no-op, so `shaftgate run` behaves the same
 * at a terminal. A send failure is logged once and never stops the agent: losing the watchdog is
 * systemd's business to notice (it restarts us), not a reason for us to crash.
 */
import { execFile } from 'node:child_process';
import type { Logger } from './logger.js';

export const SYSTEMD_NOTIFY = '/usr/bin/systemd-notify';
/** One message may take this long (systemd busy); a ping that cannot get through is late anyway. */
const SEND_TIMEOUT_MS = 5000;

export interface SystemdNotifier {
  /** True when systemd is listening (NOTIFY_SOCKET set). */
  readonly active: boolean;
  ready(status: string): void;
  status(status: string): void;
  stopping(status: string): void;
  watchdogPing(): void;
  close(): void;
}

/** STATUS= takes one line; a newline would start a new (unknown) assignment. */
function oneLine(text: string): string {
  return text.replace(/[\r\n]+/g, ' ').trim();
}

/**
 * Sends one message at a time. While one is on its way, later messages wait in a queue of at most
 * one per kind (the newest STATUS wins, pings collapse into one), so a slow systemd never builds a
 * backlog of helper processes.
 */
class ToolNotifier implements SystemdNotifier {
  readonly active = true;
  private readonly pending = new Map<string, string[]>();
  private sending = false;
  private failureLogged = false;
  private closed = false;

  constructor(
    private readonly notifySocket: string,
    private readonly logger: Logger,
    private readonly tool: string,
  ) {}

  ready(status: string): void {
    this.enqueue('ready', ['READY=1', `STATUS=${oneLine(status)}`]);
  }

  status(status: string): void {
    this.enqueue('status', [`STATUS=${oneLine(status)}`]);
  }

  stopping(status: string): void {
    this.enqueue('stopping', ['STOPPING=1', `STATUS=${oneLine(status)}`]);
  }

  watchdogPing(): void {
    this.enqueue('watchdog', ['WATCHDOG=1']);
  }

  close(): void {
    this.closed = true;
  }

  private enqueue(kind: string, assignments: string[]): void {
    if (this.closed) return;
    this.pending.set(kind, assignments);
    this.sendNext();
  }

  private sendNext(): void {
    if (this.sending) return;
    const next = this.pending.entries().next();
    if (next.done) return;
    const [kind, assignments] = next.value;
    this.pending.delete(kind);
    this.sending = true;
    execFile(
      this.tool,
      assignments,
      { env: { ...process.env, NOTIFY_SOCKET: this.notifySocket }, timeout: SEND_TIMEOUT_MS },
      (error, _stdout, stderr) => {
        this.sending = false;
        if (error) this.onSendFailed(error, stderr);
        this.sendNext();
      },
    );
  }

  private onSendFailed(error: unknown, stderr: string): void {
    if (this.failureLogged) return;
    this.failureLogged = true;
    this.logger.error(
      { err: error, stderr: stderr.trim(), notifySocket: this.notifySocket, tool: this.tool },
      `cannot notify systemd through ${this.tool}; if the unit has WatchdogSec, systemd will restart the agent. Check that ${this.tool} exists and the unit says Type=notify and NotifyAccess=all`,
    );
  }
}

const NO_OP_NOTIFIER: SystemdNotifier = {
  active: false,
  ready: () => undefined,
  status: () => undefined,
  stopping: () => undefined,
  watchdogPing: () => undefined,
  close: () => undefined,
};

/** A notifier for NOTIFY_SOCKET in `env`, or a no-op when the agent does not run under systemd. */
export function systemdNotifierFromEnv(env: NodeJS.ProcessEnv, logger: Logger, tool: string = SYSTEMD_NOTIFY): SystemdNotifier {
  const notifySocket = env.NOTIFY_SOCKET;
  if (!notifySocket) return NO_OP_NOTIFIER;
  return new ToolNotifier(notifySocket, logger, tool);
}
