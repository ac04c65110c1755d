/**
 * Plays systemd's side of sd_notify: a unix datagram socket the test binds and hands to the agent
 * as NOTIFY_SOCKET, recording every message with the time it arrived.
 */
import { DgramSocket } from 'node-unix-socket';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from './agent-process.js';

export interface NotifyMessage {
  at: number;
  /** The datagram's assignments, e.g. { READY: '1', STATUS: 'ready; …' }. */
  fields: Record<string, string>;
}

export interface FakeNotifySocket {
  /** The value for NOTIFY_SOCKET. */
  address: string;
  messages: NotifyMessage[];
  /** Messages that carry `field` (e.g. 'WATCHDOG'). */
  with(field: string): NotifyMessage[];
  close(): void;
}

/** `abstract: true` binds "@name" (Linux abstract namespace), as systemd itself does. */
export function startFakeNotifySocket(options: { abstract?: boolean } = {}): FakeNotifySocket {
  const socket = new DgramSocket();
  const messages: NotifyMessage[] = [];
  let address: string;
  let dir: string | null = null;
  if (options.abstract) {
    address = `@shaftgate-test-notify-${process.pid}-${Math.random().toString(36).slice(2)}`;
    socket.bind(`\0${address.slice(1)}`);
  } else {
    dir = tempDir('notify');
    address = join(dir, 'notify.sock');
    socket.bind(address);
  }
  socket.on('data', (buffer: Buffer) => {
    const fields: Record<string, string> = {};
    for (const line of buffer.toString().split('\n')) {
      const equals = line.indexOf('=');
      if (equals > 0) fields[line.slice(0, equals)] = line.slice(equals + 1);
    }
    messages.push({ at: Date.now(), fields });
  });
  return {
    address,
    messages,
    with: (field) => messages.filter((m) => field in m.fields),
    close: () => {
      socket.close();
      if (dir) rmSync(dir, { recursive: true, force: true });
    },
  };
}
