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
/** util-linux (essential on Debian): runs socat with a parent-death signal, see createPtyPair. */
export const SETPRIV = '/usr/bin/setpriv';

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
  const socatArgs = ['-d', '-d', `pty,raw,echo=0,link=${devicePath}`, `pty,raw,echo=0,link=${clientPath}`];
  // Through setpriv --pdeathsig, the kernel sends socat SIGTERM when this process dies, even by
  // SIGKILL, which no exit handler sees (a killed demo used to leave socat and its ptys behind).
  const child = hasSetpriv()
    ? spawn(SETPRIV, ['--pdeathsig', 'SIGTERM', SOCAT, ...socatArgs], { stdio: ['ignore', 'ignore', 'pipe'] })
    : spawn(SOCAT, socatArgs, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    if (stderr.length < 10_000) stderr += chunk.toString('utf8');
  });
  // socat must not outlive the simulator: kill it when this process exits normally too.
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

let setprivChecked: boolean | null = null;
function hasSetpriv(): boolean {
  if (setprivChecked === null) {
    try {
      accessSync(SETPRIV, constants.X_OK);
      setprivChecked = true;
    } catch {
      setprivChecked = false;
    }
  }
  return setprivChecked;
}

async function stop(child: ChildProcess, exited: Promise<void>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  await exited;
}
