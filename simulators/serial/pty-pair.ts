/**
 * A pair of linked pseudo-terminals made by socat (Debian package socat): what one side writes the
 * other reads, like the two ends of an RS-485 adapter. The simulator opens `devicePath`; the agent
 * (or mbpoll, or pymodbus) opens `clientPath`, a stable symlink to /dev/pts/N.
 *
 *   socat -d -d pty,raw,echo=0,link=<device> pty,raw,echo=0,link=<client>
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, existsSync, realpathSync } from 'node:fs';

export const SOCAT = '/usr/bin/socat';

export interface PtyPair {
  /** The simulator's end (a symlink to /dev/pts/N). */
  devicePath: string;
  /** The master's end (a symlink) and the /dev/pts/N it points to. */
  clientPath: string;
  clientPts: string;
  close(): Promise<void>;
}

export async function createPtyPair(devicePath: string, clientPath: string, timeoutMs = 5000): Promise<PtyPair> {
  try {
    accessSync(SOCAT, constants.X_OK);
  } catch {
    throw new Error(`${SOCAT} is missing: the serial-line simulators need it to make pty pairs (apt-get install socat)`);
  }
  const child = spawn(SOCAT, ['-d', '-d', `pty,raw,echo=0,link=${devicePath}`, `pty,raw,echo=0,link=${clientPath}`], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    if (stderr.length < 10_000) stderr += chunk.toString('utf8');
  });
  // socat must not outlive the simulator: kill it when this process exits however it exits
  // (short of SIGKILL, which nothing can catch).
  const killOnExit = () => child.kill('SIGTERM');
  process.once('exit', killOnExit);
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => {
      process.off('exit', killOnExit);
      resolve();
    }),
  );
  const deadline = Date.now() + timeoutMs;
  while (!(existsSync(devicePath) && existsSync(clientPath) && /starting data transfer loop/.test(stderr))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`socat could not make the pty pair ${devicePath} ↔ ${clientPath}: ${stderr.trim() || 'timed out'}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return { devicePath, clientPath, clientPts: realpathSync(clientPath), close: () => stop(child, exited) };
}

async function stop(child: ChildProcess, exited: Promise<void>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  await exited;
}
