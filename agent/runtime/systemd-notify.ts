/**
 * The sd_notify protocol, without libsystemd: one datagram per message to the unix socket systemd
 * names in NOTIFY_SOCKET (a path, or an abstract socket written with a leading "@").
 * Outside systemd (NOTIFY_SOCKET unset) every call is a no-op, so `shaftgate run` behaves the same
 * at a terminal. A send failure is logged once and never stops the agent: losing the watchdog is
 * systemd's business to notice (it restarts us), not a reason for us to crash.
 */
import { DgramSocket } from 'node-unix-socket';
import type { Logger } from './logger.js';

export interface SystemdNotifier {
  /** True when systemd is listening (NOTIFY_SOCKET set). */
  readonly active: boolean;
  ready(status: string): void;
  status(status: string): void;
  stopping(status: string): void;
  watchdogPing(): void;
  close(): void;
}

/** "@name" is an abstract socket: the kernel spells it with a leading NUL byte. */
export function notifySocketAddress(notifySocket: string): string {
  return notifySocket.startsWith('@') ? `\0${notifySocket.slice(1)}` : notifySocket;
}

/** STATUS= takes one line; a newline would start a new (unknown) assignment. */
function oneLine(text: string): string {
  return text.replace(/[\r\n]+/g, ' ').trim();
}

class SocketNotifier implements SystemdNotifier {
  readonly active = true;
  private readonly socket = new DgramSocket();
  private readonly address: string;
  private failureLogged = false;
  private closed = false;

  constructor(
    notifySocket: string,
    private readonly logger: Logger,
  ) {
    this.address = notifySocketAddress(notifySocket);
    this.socket.on('error', (error: Error) => this.onSendFailed(error));
  }

  ready(status: string): void {
    this.send(`READY=1\nSTATUS=${oneLine(status)}`);
  }

  status(status: string): void {
    this.send(`STATUS=${oneLine(status)}`);
  }

  stopping(status: string): void {
    this.send(`STOPPING=1\nSTATUS=${oneLine(status)}`);
  }

  watchdogPing(): void {
    this.send('WATCHDOG=1');
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.socket.close();
  }

  private send(message: string): void {
    if (this.closed) return;
    const buffer = Buffer.from(message);
    try {
      this.socket.sendTo(buffer, 0, buffer.length, this.address, (error) => {
        if (error) this.onSendFailed(error);
      });
    } catch (error) {
      this.onSendFailed(error);
    }
  }

  private onSendFailed(error: unknown): void {
    if (this.failureLogged) return;
    this.failureLogged = true;
    this.logger.error(
      { err: error, notifySocket: this.address.replace('\0', '@') },
      'cannot notify systemd (NOTIFY_SOCKET); if the unit has WatchdogSec, systemd will restart the agent. Check that the unit says Type=notify and NotifyAccess=main',
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
export function systemdNotifierFromEnv(env: NodeJS.ProcessEnv, logger: Logger): SystemdNotifier {
  const notifySocket = env.NOTIFY_SOCKET;
  if (!notifySocket) return NO_OP_NOTIFIER;
  return new SocketNotifier(notifySocket, logger);
}
