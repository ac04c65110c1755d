/**
 * RTU line utilisation: how much of the time the RS-485 line carries bytes when shaftgate polls
 * four slaves at 19200 baud as fast as the line allows. The rest is our overhead: inter-frame
 * gaps, timer slack, and the event loop. Target ≥ 0.8.
 *
 * A pty has no baud rate of its own (bytes arrive at once), so the slave simulator here paces the
 * line: it answers only when the request would have finished arriving and its answer would have
 * finished leaving at the configured baud rate (bytes × bits per character / baud), with zero
 * turnaround time in the slave itself. Utilisation = (request + response bytes) × 10 bits / baud ÷
 * elapsed, from the bus's own byte counters.
 *
 *     npx tsc -p tsconfig.build.json && node dist/bench/rtu-line-utilisation.js [seconds] [float32 per slave]
 *
 * Needs socat (Debian package socat).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SerialPort } from 'serialport';
import { modbusRtuDeviceSchema } from '../config/schema.js';
import { systemClock } from '../agent/model/clock.js';
import { createLogger } from '../agent/runtime/logger.js';
import { PollScheduler } from '../agent/scheduler/poll-scheduler.js';
import { decodeRequest, encodeException, encodeResponse } from '../drivers/modbus/protocol/pdu.js';
import { hasValidCrc } from '../drivers/modbus/rtu/crc16.js';
import { ModbusRtuDriver } from '../drivers/modbus/rtu/rtu-driver.js';
import { encodeRtuFrame } from '../drivers/modbus/rtu/rtu-frame.js';
import { bitsPerCharacter, transmissionTimeMs, type CharacterFormat } from '../drivers/modbus/rtu/rtu-timing.js';
import { SerialPortRegistry } from '../drivers/serial/serial-port-registry.js';

const FORMAT: CharacterFormat = { baudRate: 19200, dataBits: 8, parity: 'none', stopBits: 1 };
const SLAVES = [1, 2, 3, 4];
/** Per slave: float32 values in one block; default 20 (40 registers), a typical gas/pressure substation. */
const FLOATS_PER_SLAVE = Number(process.argv[3] ?? 20);

async function startSocat(dir: string): Promise<{ a: string; b: string; child: ChildProcess }> {
  const a = join(dir, 'master');
  const b = join(dir, 'slave');
  const child = spawn('/usr/bin/socat', [`pty,raw,echo=0,link=${a}`, `pty,raw,echo=0,link=${b}`], { stdio: 'ignore' });
  child.on('error', (error) => {
    console.error(`cannot run socat (Debian package socat): ${error.message}`);
    process.exit(1);
  });
  for (let i = 0; i < 500 && !(existsSync(a) && existsSync(b)); i++) await new Promise((resolve) => setTimeout(resolve, 10));
  if (!existsSync(a) || !existsSync(b)) throw new Error('socat did not create the pty pair within 5 s');
  return { a, b, child };
}

/** Sleeps until a monotonic deadline, finishing with a short spin: Node timers are ±1 ms. */
async function until(deadline: number): Promise<void> {
  const coarse = deadline - performance.now() - 1.5;
  if (coarse > 0) await new Promise((resolve) => setTimeout(resolve, coarse));
  while (performance.now() < deadline) {
    /* spin for the last millisecond */
  }
}

/** An RTU slave simulator that holds each answer back until the line would have delivered it. */
async function startPacedSlaves(path: string): Promise<SerialPort> {
  const port = new SerialPort({ path, baudRate: FORMAT.baudRate, autoOpen: false, lock: false });
  await new Promise<void>((resolve, reject) => port.open((error) => (error ? reject(error) : resolve())));
  let pending = Buffer.alloc(0);
  let firstByteAt = 0;
  let busy = Promise.resolve();
  port.on('data', (chunk: Buffer) => {
    if (pending.length === 0) firstByteAt = performance.now();
    pending = Buffer.concat([pending, chunk]);
    // Requests the driver sends (FC 3) are 8 bytes; anything else is not expected in this benchmark.
    while (pending.length >= 8) {
      const frame = pending.subarray(0, 8);
      pending = pending.subarray(8);
      const arrivedAt = firstByteAt;
      firstByteAt = performance.now();
      busy = busy.then(async () => {
        const unit = frame[0]!;
        if (!hasValidCrc(frame) || !SLAVES.includes(unit)) return;
        const decoded = decodeRequest(frame.subarray(1, 6));
        const pdu = decoded.ok
          ? encodeResponse(decoded.request, { registers: Array.from({ length: 'quantity' in decoded.request ? decoded.request.quantity : 0 }, (_, i) => (unit << 8) + i) })
          : encodeException(decoded.fc, decoded.exceptionCode);
        const answer = encodeRtuFrame(unit, pdu);
        // The request finishes arriving, then the answer finishes leaving, both at the baud rate.
        await until(arrivedAt + transmissionTimeMs(frame.length, FORMAT) + transmissionTimeMs(answer.length, FORMAT));
        port.write(answer);
      });
    }
  });
  return port;
}

async function main(): Promise<void> {
  const seconds = Number(process.argv[2] ?? 10);
  const dir = mkdtempSync(join(tmpdir(), 'shaftgate-bench-rtu-'));
  const socat = await startSocat(dir);
  const slavePort = await startPacedSlaves(socat.b);
  const logger = createLogger('warn', { bench: 'rtu-line-utilisation' });
  const registry = new SerialPortRegistry([{ id: 'rs485', path: socat.a, ...FORMAT, dataBits: 8, stopBits: 1, queueLimit: 64 }], systemClock, logger);
  const drivers = SLAVES.map((unit) => {
    const points = Array.from({ length: FLOATS_PER_SLAVE }, (_, i) => ({ id: `f${i}`, table: 'holding', address: i * 2, type: 'float32' }));
    const config = modbusRtuDeviceSchema.parse({ id: `slave-${unit}`, system: 'safety_monitoring', transport: 'modbus-rtu', serialPort: 'rs485', unitId: unit, pollIntervalMs: 50, timeoutMs: 200, retries: 1, points });
    return new ModbusRtuDriver(config, registry.rtuBus('rs485'), systemClock, logger);
  });
  let samples = 0;
  let goodSamples = 0;
  const scheduler = new PollScheduler({
    // Poll faster than the line can carry, so the line is the limit and the overhead shows.
    devices: drivers.map((driver) => ({ driver, pollIntervalMs: 50 })),
    clock: systemClock,
    logger,
    onCycle: (cycle) => {
      samples += cycle.samples.length;
      goodSamples += cycle.samples.filter((s) => s.quality === 'good').length;
    },
  });
  // Warm up one round, then measure from a clean counter.
  await Promise.all(drivers.map((d) => d.poll()));
  const bus = registry.rtuBus('rs485');
  const startBytes = bus.stats().port.bytesIn + bus.stats().port.bytesOut;
  const startRequests = bus.stats().requests;
  const started = performance.now();
  scheduler.start();
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  await scheduler.stop(2000);
  const elapsedMs = performance.now() - started;
  const stats = bus.stats();
  const bytes = stats.port.bytesIn + stats.port.bytesOut - startBytes;
  const requests = stats.requests - startRequests;
  const busyMs = (bytes * bitsPerCharacter(FORMAT) * 1000) / FORMAT.baudRate;
  const perExchangeBytes = bytes / requests;
  const idealRate = 1000 / transmissionTimeMs(perExchangeBytes, FORMAT);

  console.log(`RTU line utilisation — ${SLAVES.length} slaves × ${FLOATS_PER_SLAVE} float32 (one ${FLOATS_PER_SLAVE * 2}-register read each), ${FORMAT.baudRate} baud 8N1, ${seconds} s`);
  console.log(`  inter-frame gap           ${stats.interFrameGapMs.toFixed(3)} ms (t3.5)`);
  console.log(`  requests                  ${requests} (${((requests * 1000) / elapsedMs).toFixed(1)}/s; wire limit at zero overhead ${idealRate.toFixed(1)}/s)`);
  console.log(`  bytes on the wire         ${bytes} (${perExchangeBytes.toFixed(1)} per exchange, both ways)`);
  console.log(`  line busy                 ${busyMs.toFixed(0)} ms of ${elapsedMs.toFixed(0)} ms`);
  console.log(`  utilisation               ${(busyMs / elapsedMs).toFixed(3)}  (target ≥ 0.8)`);
  console.log(`  samples good              ${goodSamples}/${samples}; timeouts ${stats.timeouts}; rejected frames ${JSON.stringify(stats.rejectedFrames)}; queue drops ${stats.queueDrops}`);

  await Promise.all(drivers.map((d) => d.close()));
  await new Promise<void>((resolve) => slavePort.close(() => resolve()));
  socat.child.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
