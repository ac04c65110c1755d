/**
 * Requests per second one simulator process serves over Modbus TCP with 10 devices, against a bare
 * Node TCP echo server in the same run (the ceiling Node's sockets set on this machine).
 *
 * Each server runs in its own child process (this file, forked with "serve …"), so the load
 * generator does not share its event loop. The generator opens CONNECTIONS_PER_DEVICE connections
 * to each of the 10 ports and keeps PIPELINE_DEPTH requests in flight on each: FC4, 14 input
 * registers (the substation's seven float32 readings). The echo server returns the request bytes,
 * which frame the same way.
 *
 *   npm run build && node dist/bench/simulator-throughput.js [seconds]
 */
import { fork, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { encodeMbap } from '../drivers/modbus/protocol/mbap.js';
import { encodeRequest } from '../drivers/modbus/protocol/pdu.js';
import { startSimulators, type SimulatedDeviceSpec } from '../simulators/run.js';

const DEVICES = 10;
const CONNECTIONS_PER_DEVICE = 2;
const PIPELINE_DEPTH = 16;
const WARMUP_MS = 500;

const DEVICE_SPECS: SimulatedDeviceSpec[] = Array.from({ length: DEVICES }, (_, i) => ({ id: `sm-${i + 1}`, system: 'safety_monitoring' }));

async function serve(kind: string): Promise<void> {
  let ports: number[];
  if (kind === 'simulators') {
    const sims = await startSimulators({ basePort: 0, seed: 1, devices: DEVICE_SPECS });
    ports = sims.endpoints.map((e) => e.port);
  } else {
    ports = await Promise.all(
      Array.from({ length: DEVICES }, () => {
        const server = net.createServer({ noDelay: true }, (socket) => {
          socket.on('error', () => {});
          socket.pipe(socket);
        });
        return new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port)));
      }),
    );
  }
  process.send!({ ports });
}

function startServer(kind: string): Promise<{ child: ChildProcess; ports: number[] }> {
  const child = fork(fileURLToPath(import.meta.url), ['serve', kind], { stdio: 'inherit' });
  return new Promise((resolve, reject) => {
    child.once('message', (message) => resolve({ child, ports: (message as { ports: number[] }).ports }));
    child.once('exit', (code) => reject(new Error(`${kind} server exited with ${code}`)));
  });
}

/** Drives every port for `durationMs` and returns the answers per second (after a warm-up). */
async function load(ports: number[], durationMs: number): Promise<number> {
  const request = encodeMbap(1, 1, encodeRequest({ fc: 4, address: 0, quantity: 14 }));
  let answers = 0;
  let counting = false;
  const sockets: net.Socket[] = [];
  await Promise.all(
    ports.flatMap((port) =>
      Array.from({ length: CONNECTIONS_PER_DEVICE }, () =>
        new Promise<void>((resolve, reject) => {
          const socket = net.connect({ port, host: '127.0.0.1', noDelay: true }, () => {
            socket.write(Buffer.concat(Array.from({ length: PIPELINE_DEPTH }, () => request)));
            resolve();
          });
          sockets.push(socket);
          socket.on('error', reject);
          let pending: Buffer = Buffer.alloc(0);
          socket.on('data', (chunk: Buffer) => {
            pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
            let frames = 0;
            let offset = 0;
            while (pending.length - offset >= 7) {
              const length = 6 + pending.readUInt16BE(offset + 4);
              if (pending.length - offset < length) break;
              offset += length;
              frames++;
            }
            pending = pending.subarray(offset);
            if (counting) answers += frames;
            // Keep the pipeline full: one new request per answer.
            if (frames > 0 && !socket.destroyed) socket.write(frames === 1 ? request : Buffer.concat(Array.from({ length: frames }, () => request)));
          });
        }),
      ),
    ),
  );
  await new Promise((resolve) => setTimeout(resolve, WARMUP_MS));
  counting = true;
  const started = performance.now();
  await new Promise((resolve) => setTimeout(resolve, durationMs));
  counting = false;
  const elapsed = performance.now() - started;
  for (const socket of sockets) socket.destroy();
  return (answers / elapsed) * 1000;
}

async function measure(kind: string, durationMs: number): Promise<number> {
  const { child, ports } = await startServer(kind);
  try {
    return await load(ports, durationMs);
  } finally {
    child.removeAllListeners('exit');
    child.kill('SIGTERM');
  }
}

async function main(): Promise<void> {
  const seconds = Number(process.argv[2] ?? 5);
  if (!(seconds > 0)) throw new Error(`duration must be a positive number of seconds, got "${process.argv[2]}"`);
  console.log(`simulator throughput: ${DEVICES} devices, ${CONNECTIONS_PER_DEVICE} connections each, ${PIPELINE_DEPTH} requests in flight per connection, FC4 × 14 registers, ${seconds} s each`);
  const echo = await measure('echo', seconds * 1000);
  const simulators = await measure('simulators', seconds * 1000);
  const format = (n: number) => Math.round(n).toLocaleString('en-US');
  console.log(`  bare Node TCP echo      ${format(echo)} answers/s`);
  console.log(`  shaftgate simulators    ${format(simulators)} requests/s`);
  console.log(`  ratio                   ${(simulators / echo).toFixed(2)} of the echo ceiling`);
}

if (process.argv[2] === 'serve') {
  await serve(process.argv[3] ?? 'echo');
} else {
  await main();
}
