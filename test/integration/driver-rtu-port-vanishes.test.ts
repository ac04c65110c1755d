/**
 * The serial adapter disappears (socat is stopped: the pty path vanishes, as when a USB–RS-485
 * adapter is unplugged) and comes back at the same path. Every device on the port must report
 * comm_error — never a value, never a hang — and polling must resume by itself once it is back.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { modbusRtuDeviceSchema } from '../../config/schema.js';
import { systemClock } from '../../agent/model/clock.js';
import { silentLogger } from '../../agent/runtime/logger.js';
import type { Sample } from '../../agent/model/sample.js';
import { ModbusRtuDriver } from '../../drivers/modbus/rtu/rtu-driver.js';
import { SerialPortRegistry } from '../../drivers/serial/serial-port-registry.js';
import { startPtyPair, type PtyPair } from '../helpers/pty.js';
import { startPymodbusRtuServer, type PymodbusRtuServer } from '../helpers/pymodbus-rtu-server.js';

const BAUD = 19200;
const SLAVES = { 1: { holding: { '0': [11, 12] } }, 2: { holding: { '0': [21, 22] } } };

let pty: PtyPair;
let server: PymodbusRtuServer | null = null;
let registry: SerialPortRegistry;

beforeAll(async () => {
  pty = await startPtyPair('rtu-vanish');
  server = await startPymodbusRtuServer(pty.b, BAUD, SLAVES);
  registry = new SerialPortRegistry([{ id: 'usb0', path: pty.a, baudRate: BAUD, dataBits: 8, parity: 'none', stopBits: 1, queueLimit: 64 }], systemClock, silentLogger(), {
    reopenMinMs: 100,
    reopenMaxMs: 400,
  });
});

afterAll(async () => {
  await registry?.closeAll();
  await server?.stop();
  await pty?.dispose();
});

function slave(unit: number): ModbusRtuDriver {
  const config = modbusRtuDeviceSchema.parse({
    id: `slave-${unit}`,
    system: 'water_supply',
    transport: 'modbus-rtu',
    serialPort: 'usb0',
    unitId: unit,
    timeoutMs: 100,
    retries: 1,
    points: [
      { id: 'a', table: 'holding', address: 0 },
      { id: 'b', table: 'holding', address: 1 },
    ],
  });
  return new ModbusRtuDriver(config, registry.rtuBus('usb0'), systemClock, silentLogger(), { backoffMinMs: 100, backoffMaxMs: 300 });
}

const qualities = (samples: Sample[]) => samples.map((s) => s.quality);

async function pollUntil(drivers: ModbusRtuDriver[], done: (samples: Sample[][]) => boolean, withinMs: number): Promise<Sample[][]> {
  const deadline = performance.now() + withinMs;
  for (;;) {
    const samples = await Promise.all(drivers.map((d) => d.poll()));
    if (done(samples) || performance.now() > deadline) return samples;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('serial port that vanishes and comes back', () => {
  it('reports comm_error on every device while it is gone and resumes by itself', async () => {
    const drivers = [slave(1), slave(2)];
    const before = await Promise.all(drivers.map((d) => d.poll()));
    expect(before.map((s) => s.map((x) => x.value))).toEqual([
      [11, 12],
      [21, 22],
    ]);

    await server!.stop();
    server = null;
    await pty.stop();
    expect(existsSync(pty.a)).toBe(false);

    const started = performance.now();
    const during = await pollUntil(drivers, (all) => all.every((s) => s.every((x) => x.quality === 'comm_error')), 3000);
    expect(during.map(qualities)).toEqual([
      ['comm_error', 'comm_error'],
      ['comm_error', 'comm_error'],
    ]);
    expect(during.flat().every((s) => s.value === null)).toBe(true);
    expect(performance.now() - started).toBeLessThan(1500);
    // While the port is gone, a poll does not wait for anything.
    const quick = performance.now();
    await Promise.all(drivers.map((d) => d.poll()));
    expect(performance.now() - quick).toBeLessThan(50);

    await pty.start();
    server = await startPymodbusRtuServer(pty.b, BAUD, SLAVES);
    const after = await pollUntil(drivers, (all) => all.every((s) => s.every((x) => x.quality === 'good')), 5000);
    expect(after.map((s) => s.map((x) => x.value))).toEqual([
      [11, 12],
      [21, 22],
    ]);
    const port = registry.rtuBus('usb0').stats().port;
    expect(port.losses).toBeGreaterThanOrEqual(1);
    expect(port.opens).toBeGreaterThanOrEqual(2);
    expect(port.open).toBe(true);
  });
});
