/**
 * A pair of connected pseudo-terminals from socat: what one end writes, the other reads, like the
 * two ends of a null-modem cable. The ends get stable paths (socat's link= option), so a pair can be
 * stopped — the paths vanish, as when a USB adapter is unplugged — and started again at the same
 * paths. A missing socat is an error naming the package, never a skipped test.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requireTool } from './peers.js';

export const SOCAT = '/usr/bin/socat';

export interface PtyPair {
  /** Stable path of one end (a symlink to /dev/pts/N while running). */
  readonly a: string;
  readonly b: string;
  readonly running: boolean;
  /** Stops socat (SIGTERM: it removes the links); both ends see the line vanish. */
  stop(): Promise<void>;
  /** Starts socat again with the same link paths. */
  start(): Promise<void>;
  /** Stops and removes the temporary folder. */
  dispose(): Promise<void>;
}

/** Creates and starts a pty pair in a fresh temporary folder. */
export async function startPtyPair(name = 'pty'): Promise<PtyPair> {
  requireTool(SOCAT, 'socat');
  const dir = mkdtempSync(join(tmpdir(), `shaftgate-${name}-`));
  const a = join(dir, 'a');
  const b = join(dir, 'b');
  let child: ChildProcess | null = null;

  const start = async () => {
    if (child) return;
    const spawned = spawn(SOCAT, ['-d', '-d', `pty,raw,echo=0,link=${a}`, `pty,raw,echo=0,link=${b}`], { stdio: ['ignore', 'ignore', 'pipe'] });
    child = spawned;
    let stderr = '';
    spawned.stderr.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-4000);
    });
    const deadline = Date.now() + 5000;
    while (!(existsSync(a) && existsSync(b) && stderr.includes('starting data transfer loop'))) {
      if (spawned.exitCode !== null) throw new Error(`socat exited with ${spawned.exitCode} before the pty pair was ready: ${stderr}`);
      if (Date.now() > deadline) throw new Error(`socat did not create ${a} and ${b} within 5 s: ${stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  };

  const stop = async () => {
    const running = child;
    child = null;
    if (!running || running.exitCode !== null || running.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      running.once('exit', () => resolve());
      running.kill('SIGTERM');
    });
  };

  await start();
  return {
    a,
    b,
    get running() {
      return child !== null;
    },
    start,
    stop,
    dispose: async () => {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
