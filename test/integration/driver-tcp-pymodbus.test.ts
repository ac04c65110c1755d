/**
 * The Modbus TCP driver against pymodbus, an implementation none of us wrote: every numeric type in
 * every byte order decodes to the value pymodbus encodes; silence, refusal and restarts are handled.
 */
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { modbusTcpDeviceSchema, type ModbusTcpDeviceConfig, type PointConfig } from '../../config/schema.js';
import { systemClock } from '../../agent/model/clock.js';
import { silentLogger } from '../../agent/runtime/logger.js';
import { ModbusTcpDriver } from '../../drivers/modbus/tcp/tcp-driver.js';
import { startPymodbusServer, type PymodbusServer, type TypedValue } from '../helpers/pymodbus-server.js';

const ORDERS = ['ABCD', 'CDAB', 'BADC', 'DCBA'] as const;
const TYPED_CASES: Array<{ type: TypedValue['type']; value: number }> = [
  { type: 'int16', value: -12345 },
  { type: 'uint16', value: 54321 },
  { type: 'int32', value: -123456789 },
  { type: 'uint32', value: 3_000_000_123 },
  { type: 'float32', value: 123.456 },
  { type: 'float64', value: -98765.4321 },
];
const WIDTH = { int16: 1, uint16: 1, int32: 2, uint32: 2, float32: 2, float64: 4 } as const;

function device(port: number, points: unknown[], overrides: Partial<ModbusTcpDeviceConfig> = {}): ModbusTcpDeviceConfig {
  return modbusTcpDeviceSchema.parse({
    id: 'dev-1',
    system: 'safety_monitoring',
    transport: 'modbus-tcp',
    host: '127.0.0.1',
    port,
    unitId: 1,
    pollIntervalMs: 1000,
    timeoutMs: 300,
    retries: 1,
    points,
    ...overrides,
  });
}

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function pymodbus(spec: Parameters<typeof startPymodbusServer>[0], port?: number): Promise<PymodbusServer> {
  const server = await startPymodbusServer(spec, port);
  cleanups.push(() => server.stop());
  return server;
}

function driverFor(config: ModbusTcpDeviceConfig, reconnectMinMs = 50): ModbusTcpDriver {
  const driver = new ModbusTcpDriver(config, systemClock, silentLogger(), { reconnectMinMs, reconnectMaxMs: 200 });
  cleanups.push(() => driver.close());
  return driver;
}

describe('Modbus TCP driver against pymodbus', () => {
  it('decodes every type in every byte order to the value pymodbus serves', async () => {
    const typed: TypedValue[] = [];
    const points: Array<Partial<PointConfig>> = [];
    let address = 0;
    for (const order of ORDERS) {
      for (const { type, value } of TYPED_CASES) {
        for (const table of ['holding', 'input'] as const) {
          typed.push({ table, address, type, order, value });
          points.push({ id: `${table}-${type}-${order}`, table, address, type, byteOrder: order });
        }
        address += WIDTH[type] + 1; // leave a hole so the read plan has to merge across gaps
      }
    }
    const server = await pymodbus({ typed, coils: { '0': [true, false, true] }, discrete: { '10': [false, true] } });
    points.push(
      { id: 'coil-0', table: 'coil', address: 0, type: 'bool' },
      { id: 'coil-1', table: 'coil', address: 1, type: 'bool' },
      { id: 'coil-2', table: 'coil', address: 2, type: 'bool' },
      { id: 'di-10', table: 'discrete_input', address: 10, type: 'bool' },
      { id: 'di-11', table: 'discrete_input', address: 11, type: 'bool' },
    );
    const driver = driverFor(device(server.port, points));
    const samples = await driver.poll();
    const byId = new Map(samples.map((s) => [s.pointId, s]));
    expect(samples).toHaveLength(points.length);
    for (const entry of typed) {
      const sample = byId.get(`${entry.table}-${entry.type}-${entry.order}`)!;
      expect(sample.quality, sample.pointId).toBe('good');
      const expected = entry.type === 'float32' ? Math.fround(entry.value) : entry.value;
      expect(sample.value, sample.pointId).toBe(expected);
    }
    expect([byId.get('coil-0')!.value, byId.get('coil-1')!.value, byId.get('coil-2')!.value]).toEqual([true, false, true]);
    expect([byId.get('di-10')!.value, byId.get('di-11')!.value]).toEqual([false, true]);
    // 48 register points in two tables + coils + discrete inputs: coalesced, not one request per point.
    expect(driver.readPlan.length).toBeLessThanOrEqual(6);
    expect(driver.stats().requests).toBe(driver.readPlan.length);
  });

  it('applies scale and offset to the raw value (4–20 mA in µA to %CH4)', async () => {
    const server = await pymodbus({ input: { '0': [12000, 4000, 20000] } });
    const points = [0, 1, 2].map((i) => ({ id: `ch4-${i}`, table: 'input', address: i, type: 'uint16', scale: 4 / 16000, offset: -1 }));
    const samples = await driverFor(device(server.port, points)).poll();
    expect(samples.map((s) => s.value)).toEqual([2, 0, 4]);
  });

  it('marks points outside the served map with the Modbus exception code, not a value', async () => {
    const server = await pymodbus({ holding: { '0': [1, 2] } });
    const samples = await driverFor(device(server.port, [{ id: 'missing', table: 'holding', address: 500, type: 'uint16' }])).poll();
    expect(samples[0]).toMatchObject({ quality: 'exception', value: null, exceptionCode: 2 });
  });
});

describe('Modbus TCP driver faults', () => {
  it('a device that accepts but never answers gives timeout samples within timeout × attempts', async () => {
    const silent = net.createServer((socket) => socket.on('data', () => undefined));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise<void>((resolve) => silent.close(() => resolve())));
    const port = (silent.address() as net.AddressInfo).port;
    const points = [
      { id: 'a', table: 'holding', address: 0, type: 'uint16' },
      { id: 'b', table: 'holding', address: 400, type: 'uint16' },
    ];
    const driver = driverFor(device(port, points, { timeoutMs: 200, retries: 1 }));
    const started = performance.now();
    const samples = await driver.poll();
    const elapsed = performance.now() - started;
    expect(samples.map((s) => s.quality)).toEqual(['timeout', 'timeout']);
    expect(samples.every((s) => s.value === null)).toBe(true);
    // The second block is skipped, not waited out: one block × 2 attempts × 200 ms.
    expect(elapsed).toBeLessThan(200 * 2 + 250);
    expect(driver.stats().errors.timeout).toBe(2);
  });

  it('a refused connection gives comm_error at once and backs off instead of hammering', async () => {
    const probe = net.createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as net.AddressInfo).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const driver = driverFor(device(port, [{ id: 'a', table: 'holding', address: 0 }]), 500);
    expect((await driver.poll())[0]!.quality).toBe('comm_error');
    expect((await driver.poll())[0]!.quality).toBe('comm_error');
    // The second poll came inside the backoff window: no second connection attempt.
    expect(driver.stats().errors.connection).toBe(1);
  });

  it('resumes by itself when the device restarts', async () => {
    const first = await startPymodbusServer({ holding: { '0': [7] } });
    const port = first.port;
    const driver = driverFor(device(port, [{ id: 'a', table: 'holding', address: 0 }]), 50);
    expect((await driver.poll())[0]).toMatchObject({ quality: 'good', value: 7 });
    await first.stop();
    const during = await driver.poll();
    expect(during[0]!.quality).not.toBe('good');
    expect(during[0]!.value).toBeNull();
    await pymodbus({ holding: { '0': [8] } }, port);
    let after = await driver.poll();
    for (let i = 0; i < 20 && after[0]!.quality !== 'good'; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      after = await driver.poll();
    }
    expect(after[0]).toMatchObject({ quality: 'good', value: 8 });
    expect(driver.stats().reconnects).toBeGreaterThanOrEqual(1);
  });
});
