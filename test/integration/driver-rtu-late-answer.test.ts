/**
 * The RTU late-answer hazard: RTU has no transaction id, so an answer that arrives after its request
 * timed out would look exactly like the answer to the next request with the same function and
 * length. The peer here is a slow slave on a pty pair: it answers its first request after 150 ms
 * (the master gives up after 100 ms) and handles requests one at a time, as a real slave does.
 * Every register it serves holds its own address × 10 + 1, so a late answer taken for another
 * request would show as a wrong value.
 */
import { SerialPort } from 'serialport';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { modbusRtuDeviceSchema } from '../../config/schema.js';
import { systemClock } from '../../agent/model/clock.js';
import { silentLogger } from '../../agent/runtime/logger.js';
import { encodeResponse } from '../../drivers/modbus/protocol/pdu.js';
import { BusTimeoutError } from '../../drivers/modbus/rtu/serial-bus.js';
import { encodeRtuFrame } from '../../drivers/modbus/rtu/rtu-frame.js';
import { ModbusRtuDriver } from '../../drivers/modbus/rtu/rtu-driver.js';
import { SerialPortRegistry } from '../../drivers/serial/serial-port-registry.js';
import { startPtyPair, type PtyPair } from '../helpers/pty.js';

const BAUD = 19200;
const TIMEOUT_MS = 100;
const FIRST_ANSWER_DELAY_MS = 150;
/** An FC3 request frame: address, function, start, quantity, CRC. */
const READ_REQUEST_BYTES = 8;

const served = (address: number, quantity: number) => Array.from({ length: quantity }, (_, i) => (address + i) * 10 + 1);

interface SlowSlave {
  /** Monotonic receive time and start address of each request, in order. */
  received: Array<{ at: number; address: number }>;
  close(): Promise<void>;
}

/** Answers FC3 reads for slave 1, one at a time; the first answer comes after FIRST_ANSWER_DELAY_MS. */
async function startSlowSlave(path: string): Promise<SlowSlave> {
  const port = new SerialPort({ path, baudRate: BAUD, autoOpen: false });
  await new Promise<void>((resolve, reject) => port.open((error) => (error ? reject(error) : resolve())));
  const received: SlowSlave['received'] = [];
  let pending = Buffer.alloc(0);
  let busy: Promise<void> = Promise.resolve();
  port.on('data', (chunk: Buffer) => {
    pending = Buffer.concat([pending, chunk]);
    while (pending.length >= READ_REQUEST_BYTES) {
      const frame = pending.subarray(0, READ_REQUEST_BYTES);
      pending = pending.subarray(READ_REQUEST_BYTES);
      const address = frame.readUInt16BE(2);
      const quantity = frame.readUInt16BE(4);
      received.push({ at: performance.now(), address });
      const delay = received.length === 1 ? FIRST_ANSWER_DELAY_MS : 1;
      busy = busy.then(async () => {
        await new Promise((resolve) => setTimeout(resolve, delay));
        const pdu = encodeResponse({ fc: 3, address, quantity }, { registers: served(address, quantity) });
        port.write(encodeRtuFrame(frame[0]!, pdu));
      });
    }
  });
  return { received, close: () => new Promise<void>((resolve) => port.close(() => resolve())) };
}

let pty: PtyPair;
let slave: SlowSlave;
let registry: SerialPortRegistry;

beforeEach(async () => {
  pty = await startPtyPair('rtu-late-answer');
  slave = await startSlowSlave(pty.b);
  registry = new SerialPortRegistry([{ id: 'rs485', path: pty.a, baudRate: BAUD, dataBits: 8, parity: 'none', stopBits: 1, queueLimit: 64 }], systemClock, silentLogger());
});

afterEach(async () => {
  await registry.closeAll();
  await slave.close();
  await pty.dispose();
});

describe('RTU answer that arrives after its request timed out', () => {
  it('is discarded and counted; the next request to the same slave waits out the quiet period and gets its own answer', async () => {
    const bus = registry.rtuBus('rs485');
    await expect(bus.transact(1, { fc: 3, address: 0, quantity: 2 }, TIMEOUT_MS)).rejects.toBeInstanceOf(BusTimeoutError);
    // Same function, same length, other registers: without the quiet period the late [1, 11] would be taken for these.
    const next = await bus.transact(1, { fc: 3, address: 50, quantity: 2 }, 300);
    expect(next).toEqual({ kind: 'registers', registers: Uint16Array.from(served(50, 2)) });
    const [first, second] = slave.received;
    expect(second!.at - first!.at, 'the slave was asked again before its quiet period ended').toBeGreaterThanOrEqual(2 * TIMEOUT_MS - 5);
    const stats = bus.stats();
    expect(stats.lateAnswers).toBe(1);
    expect(stats.idleBytes).toBe(9); // the late 2-register answer: address, function, count, 4 data bytes, CRC
    expect(stats.timeouts).toBe(1);
  });

  it('through the driver: the retry reads the right values and the late answer shows as a discarded response', async () => {
    const config = modbusRtuDeviceSchema.parse({
      id: 'slow-slave',
      system: 'safety_monitoring',
      transport: 'modbus-rtu',
      serialPort: 'rs485',
      unitId: 1,
      timeoutMs: TIMEOUT_MS,
      retries: 1,
      points: [
        { id: 'a', table: 'holding', address: 0, type: 'uint16' },
        { id: 'b', table: 'holding', address: 1, type: 'uint16' },
        { id: 'c', table: 'holding', address: 50, type: 'uint16' },
        { id: 'd', table: 'holding', address: 51, type: 'uint16' },
      ],
    });
    const driver = new ModbusRtuDriver(config, registry.rtuBus('rs485'), systemClock, silentLogger());
    const samples = await driver.poll();
    expect(samples.map((s) => [s.pointId, s.quality, s.value])).toEqual([
      ['a', 'good', 1],
      ['b', 'good', 11],
      ['c', 'good', 501],
      ['d', 'good', 511],
    ]);
    expect(slave.received.map((r) => r.address)).toEqual([0, 0, 50]);
    expect(driver.stats()).toMatchObject({ requests: 3, responses: 2, discardedResponses: 1, errors: { timeout: 1, framing: 0 } });
    await driver.close();
  });

  it('a configured postTimeoutQuietMs sets how long the slave stays quiet', async () => {
    const bus = registry.rtuBus('rs485');
    await expect(bus.transact(1, { fc: 3, address: 0, quantity: 2 }, TIMEOUT_MS, 300)).rejects.toBeInstanceOf(BusTimeoutError);
    await bus.transact(1, { fc: 3, address: 50, quantity: 2 }, 300);
    const [first, second] = slave.received;
    // Measured where the slave receives, so pty delivery jitter of the first request (tens of ms on
    // a loaded machine) can shorten the gap; without the quiet period it would be ~300 ms shorter.
    expect(second!.at - first!.at).toBeGreaterThanOrEqual(TIMEOUT_MS + 300 - 40);
  });
});
