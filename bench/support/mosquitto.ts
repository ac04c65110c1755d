/**
 * A real Mosquitto (Debian package mosquitto) for benchmarks, on a free loopback port, with its
 * config and log in `dir`. The same settings as the test harness (test/helpers/mosquitto.ts, which
 * the build does not compile): queues raised so a slow subscriber never makes the broker drop.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { connect as connectTcp } from 'node:net';
import { join } from 'node:path';
import { freePort } from './free-port.js';

export const MOSQUITTO_PATH = '/usr/sbin/mosquitto';

export interface BenchBroker {
  url: string;
  pid: number;
  log(): string;
  stop(): Promise<void>;
}

export async function startMosquitto(dir: string): Promise<BenchBroker> {
  if (!existsSync(MOSQUITTO_PATH)) throw new Error(`${MOSQUITTO_PATH} not found: install the Debian package mosquitto`);
  const port = await freePort();
  const configPath = join(dir, 'mosquitto.conf');
  const logPath = join(dir, 'mosquitto.log');
  writeFileSync(
    configPath,
    [
      `listener ${port} 127.0.0.1`,
      'allow_anonymous true',
      'max_queued_messages 1000000',
      'max_inflight_messages 0',
      'persistence false',
      `log_dest file ${logPath}`,
      'log_type error',
      'log_type warning',
      'log_type notice',
      'connection_messages true',
      // As root (CI containers) Mosquitto would switch to user "mosquitto", which cannot write the log here.
      ...(process.getuid?.() === 0 ? ['user root'] : []),
      '',
    ].join('\n'),
  );
  const child: ChildProcess = spawn(MOSQUITTO_PATH, ['-c', configPath], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const readLog = () => (existsSync(logPath) ? readFileSync(logPath, 'utf8') : '(no log written)');
  const deadline = Date.now() + 5000;
  while (!(await accepts(port))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`mosquitto did not start listening on 127.0.0.1:${port}\nstderr: ${stderr}\nlog: ${readLog()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return {
    url: `mqtt://127.0.0.1:${port}`,
    pid: child.pid ?? -1,
    log: readLog,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(timer);
    },
  };
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connectTcp({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
