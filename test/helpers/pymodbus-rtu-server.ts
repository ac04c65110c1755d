/**
 * Starts test/helpers/pymodbus_rtu_server.py on one end of a pty pair: an independent Modbus RTU
 * slave (pymodbus, none of us wrote it) serving one or more slave addresses. Throws — never skips —
 * when python3-pymodbus or python3-serial-asyncio is missing.
 */
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { PYTHON } from './peers.js';
import type { PymodbusSpec } from './pymodbus-server.js';

const SCRIPT = fileURLToPath(new URL('./pymodbus_rtu_server.py', import.meta.url));

export type RtuSlaveSpec = Omit<PymodbusSpec, 'unit'>;

export interface PymodbusRtuServer {
  /** Writes the server received, in order. */
  writes: Array<{ unit: number; write: string; address: number; values: Array<number | boolean> }>;
  stop(): Promise<void>;
}

export function requirePymodbusSerial(): void {
  const probe = spawnSync(PYTHON, ['-c', 'import pymodbus, serial_asyncio'], { encoding: 'utf8' });
  if (probe.status !== 0) {
    throw new Error(`pymodbus with serial support is not available to ${PYTHON}: install Debian packages python3-pymodbus and python3-serial-asyncio (${probe.stderr.trim()})`);
  }
}

export async function startPymodbusRtuServer(path: string, baudRate: number, slaves: Record<number, RtuSlaveSpec>): Promise<PymodbusRtuServer> {
  requirePymodbusSerial();
  const child = spawn(PYTHON, [SCRIPT, path, String(baudRate), JSON.stringify({ slaves })], { stdio: ['ignore', 'pipe', 'pipe'] });
  const writes: PymodbusRtuServer['writes'] = [];
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  await new Promise<void>((resolve, reject) => {
    let buffered = '';
    const timer = setTimeout(() => reject(new Error(`pymodbus RTU server did not open ${path} in 10 s: ${stderr}`)), 10_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`pymodbus RTU server exited with ${code}: ${stderr}`));
    });
    child.stdout.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      let newline: number;
      while ((newline = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, newline).trim();
        buffered = buffered.slice(newline + 1);
        if (line === 'NOT READY') {
          clearTimeout(timer);
          reject(new Error(`pymodbus RTU server could not open ${path}: ${stderr}`));
        } else if (line === 'READY') {
          clearTimeout(timer);
          resolve();
        } else if (line.startsWith('{')) {
          writes.push(JSON.parse(line) as PymodbusRtuServer['writes'][number]);
        }
      }
    });
  });
  return {
    writes,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGKILL');
      }),
  };
}
