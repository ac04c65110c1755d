/**
 * Plays systemd's side of sd_notify: a unix datagram socket (bound by a small python3 script, as
 * Node has no unix datagram sockets) handed to the agent as NOTIFY_SOCKET, recording every message
 * with the time it arrived. Barrier descriptors are closed at once, as systemd does.
 */
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tempDir } from './agent-process.js';

const SCRIPT = fileURLToPath(new URL('./fake_notify_socket.py', import.meta.url));
const PYTHON = '/usr/bin/python3';

export interface NotifyMessage {
  at: number;
  /** The datagram's assignments, e.g. { READY: '1', STATUS: 'ready; …' }. */
  fields: Record<string, string>;
}

export interface FakeNotifySocket {
  /** The value for NOTIFY_SOCKET. */
  address: string;
  messages: NotifyMessage[];
  /** Messages that carry `field` (e.g. 'WATCHDOG'). Barrier messages are left out. */
  with(field: string): NotifyMessage[];
  close(): void;
}

/** `abstract: true` binds "@name" (Linux abstract namespace), as systemd itself does. */
export async function startFakeNotifySocket(options: { abstract?: boolean } = {}): Promise<FakeNotifySocket> {
  let dir: string | null = null;
  let address: string;
  if (options.abstract) {
    address = `@shaftgate-test-notify-${process.pid}-${Math.random().toString(36).slice(2)}`;
  } else {
    dir = tempDir('notify');
    address = join(dir, 'notify.sock');
  }
  const child = spawn(PYTHON, [SCRIPT, address], { stdio: ['ignore', 'pipe', 'pipe'] });
  const messages: NotifyMessage[] = [];
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  await new Promise<void>((resolve, reject) => {
    let buffered = '';
    const timer = setTimeout(() => reject(new Error(`fake notify socket did not start: ${stderr}`)), 5000);
    child.once('error', (error) => reject(new Error(`cannot run ${PYTHON} for the fake notify socket: ${error.message}`)));
    child.once('exit', (code) => reject(new Error(`fake notify socket exited with ${code}: ${stderr}`)));
    child.stdout.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      let newline: number;
      while ((newline = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, newline);
        buffered = buffered.slice(newline + 1);
        if (line === 'READY') {
          clearTimeout(timer);
          resolve();
          continue;
        }
        const { at, text } = JSON.parse(line) as { at: number; text: string };
        const fields: Record<string, string> = {};
        for (const assignment of text.split('\n')) {
          const equals = assignment.indexOf('=');
          if (equals > 0) fields[assignment.slice(0, equals)] = assignment.slice(equals + 1);
        }
        if (!('BARRIER' in fields)) messages.push({ at, fields });
      }
    });
  });
  return {
    address,
    messages,
    with: (field) => messages.filter((m) => field in m.fields),
    close: () => {
      child.kill('SIGKILL');
      if (dir) rmSync(dir, { recursive: true, force: true });
    },
  };
}
