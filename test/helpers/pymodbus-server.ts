/**
 * Starts test/helpers/pymodbus_server.py: an independent Modbus TCP server (pymodbus, none of us
 * wrote it) serving the given values. Throws — never skips — when python3-pymodbus is missing.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { fileURLToPath } from 'node:url';

const SCRIPT = fileURLToPath(new URL('./pymodbus_server.py', import.meta.url));
const PYTHON = '/usr/bin/python3';

export interface TypedValue {
  table: 'holding' | 'input';
  address: number;
  type: 'int16' | 'uint16' | 'int32' | 'uint32' | 'float32' | 'float64';
  order: 'ABCD' | 'CDAB' | 'BADC' | 'DCBA';
  value: number;
}

export interface PymodbusSpec {
  unit?: number;
  holding?: Record<string, number[]>;
  input?: Record<string, number[]>;
  coils?: Record<string, boolean[]>;
  discrete?: Record<string, boolean[]>;
  typed?: TypedValue[];
}

export interface PymodbusServer {
  port: number;
  /** Writes the server received, in order. */
  writes: Array<{ write: string; address: number; values: number[] }>;
  stop(): Promise<void>;
}

export function requirePymodbus(): void {
  const probe = spawnSync(PYTHON, ['-c', 'import pymodbus'], { encoding: 'utf8' });
  if (probe.status !== 0) {
    throw new Error(`pymodbus is not available to ${PYTHON}: install the Debian package python3-pymodbus (${probe.stderr.trim()})`);
  }
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export async function startPymodbusServer(spec: PymodbusSpec, port?: number): Promise<PymodbusServer> {
  requirePymodbus();
  const chosen = port ?? (await freePort());
  const child: ChildProcess = spawn(PYTHON, [SCRIPT, String(chosen), JSON.stringify(spec)], { stdio: ['ignore', 'pipe', 'pipe'] });
  const writes: PymodbusServer['writes'] = [];
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  await new Promise<void>((resolve, reject) => {
    let buffered = '';
    const timer = setTimeout(() => reject(new Error(`pymodbus server did not start on port ${chosen} in 10 s: ${stderr}`)), 10_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`pymodbus server exited with ${code}: ${stderr}`));
    });
    child.stdout!.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      let newline: number;
      while ((newline = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, newline).trim();
        buffered = buffered.slice(newline + 1);
        if (line === "NOT READY") {
          clearTimeout(timer);
          reject(new Error(`pymodbus server could not listen on port ${chosen}: ${stderr}`));
        } else if (line === "READY") {
          clearTimeout(timer);
          resolve();
        } else if (line.startsWith('{')) {
          writes.push(JSON.parse(line) as PymodbusServer['writes'][number]);
        }
      }
    });
  });
  return {
    port: chosen,
    writes,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGKILL');
      }),
  };
}
