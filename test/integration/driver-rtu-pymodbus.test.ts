/**
 * The Modbus RTU driver against pymodbus over a real pty pair (socat): every type in every byte
 * order decodes to the value pymodbus serves, bits read right, writes (FC 5, 6, 15, 16) land, and a
 * register pymodbus does not serve comes back as a Modbus exception, not a value.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { modbusRtuDeviceSchema, type ModbusRtuDeviceConfig } from '../../config/schema.js';
import { systemClock } from '../../agent/model/clock.js';
import { silentLogger } from '../../agent/runtime/logger.js';
import { ModbusRtuDriver } from '../../drivers/modbus/rtu/rtu-driver.js';
import { SerialPortRegistry } from '../../drivers/serial/serial-port-registry.js';
import { startPtyPair, type PtyPair } from '../helpers/pty.js';
import { startPymodbusRtuServer, type PymodbusRtuServer } from '../helpers/pymodbus-rtu-server.js';
import type { TypedValue } from '../helpers/pymodbus-server.js';

const BAUD = 19200;
const ORDERS = ['ABCD', 'CDAB', 'BADC', 'DCBA'] as const;
const TYPED_CASES: Array<{ type: TypedValue['type']; value: number }> = [
  { type: 'int16', value: -12345 },
  { type: 'uint16', value: 54321 },
  { type: 'int32', value: -123456789 },
  { type: 'uint32', value: 3_000_000_123 },
  { type: 'float32', value: 123.456 },
  { type: 'float64', value: -98765.4321 },
];
const matching = (pattern: RegExp): unknown => expect.stringMatching(pattern) as unknown;
const WIDTH = { int16: 1, uint16: 1, int32: 2, uint32: 2, float32: 2, float64: 4 } as const;

let pty: PtyPair;
let server: PymodbusRtuServer;
let registry: SerialPortRegistry;
const typed: TypedValue[] = [];
const typedPoints: unknown[] = [];

function device(unitId: number, points: unknown[], id = `slave-${unitId}`): ModbusRtuDeviceConfig {
  return modbusRtuDeviceSchema.parse({ id, system: 'safety_monitoring', transport: 'modbus-rtu', serialPort: 'rs485-1', unitId, timeoutMs: 300, retries: 1, points });
}

beforeAll(async () => {
  let address = 0;
  for (const order of ORDERS) {
    for (const { type, value } of TYPED_CASES) {
      for (const table of ['holding', 'input'] as const) {
        typed.push({ table, address, type, order, value });
        typedPoints.push({ id: `${table}-${type}-${order}`, table, address, type, byteOrder: order });
      }
      address += WIDTH[type] + 1; // a hole between values, so the read plan merges across gaps
    }
  }
  pty = await startPtyPair('rtu-pymodbus');
  server = await startPymodbusRtuServer(pty.b, BAUD, {
    1: { typed, coils: { '0': [true, false, true] }, discrete: { '10': [false, true] } },
    2: { holding: { '100': [0, 0, 0, 0] }, coils: { '20': [false, false, false, false] } },
  });
  registry = new SerialPortRegistry(
    [{ id: 'rs485-1', path: pty.a, baudRate: BAUD, dataBits: 8, parity: 'none', stopBits: 1, queueLimit: 64 }],
    systemClock,
    silentLogger(),
  );
});

afterAll(async () => {
  await registry?.closeAll();
  await server?.stop();
  await pty?.dispose();
});

describe('Modbus RTU driver against pymodbus on a pty pair', () => {
  it('decodes every type in every byte order to the value pymodbus serves', async () => {
    const points = [
      ...typedPoints,
      { id: 'coil-0', table: 'coil', address: 0, type: 'bool' },
      { id: 'coil-1', table: 'coil', address: 1, type: 'bool' },
      { id: 'coil-2', table: 'coil', address: 2, type: 'bool' },
      { id: 'di-10', table: 'discrete_input', address: 10, type: 'bool' },
      { id: 'di-11', table: 'discrete_input', address: 11, type: 'bool' },
    ];
    const driver = new ModbusRtuDriver(device(1, points), registry.rtuBus('rs485-1'), systemClock, silentLogger());
    const samples = await driver.poll();
    const byId = new Map(samples.map((s) => [s.pointId, s]));
    expect(samples).toHaveLength(points.length);
    for (const entry of typed) {
      const sample = byId.get(`${entry.table}-${entry.type}-${entry.order}`)!;
      expect(sample.quality, sample.pointId).toBe('good');
      const expected = entry.type === 'float32' ? Math.fround(entry.value) : entry.value;
      expect(sample.value, sample.pointId).toBe(expected);
    }
    expect(['coil-0', 'coil-1', 'coil-2'].map((id) => byId.get(id)!.value)).toEqual([true, false, true]);
    expect(['di-10', 'di-11'].map((id) => byId.get(id)!.value)).toEqual([false, true]);
    expect(driver.readPlan.length).toBeLessThanOrEqual(6);
    expect(driver.stats().requests).toBe(driver.readPlan.length);
    expect(driver.stats().errors).toMatchObject({ timeout: 0, framing: 0, connection: 0 });
  });

  it('writes declared outputs with FC 6, 16, 5 and 15 on the addressed slave only, each read back', async () => {
    const points = [
      { id: 'hr-100', table: 'holding', address: 100, type: 'uint16', output: true },
      { id: 'hr-101', table: 'holding', address: 101, type: 'uint32', output: true },
      { id: 'hr-103', table: 'holding', address: 103, type: 'uint16' },
      { id: 'coil-20', table: 'coil', address: 20, type: 'bool', output: true },
      { id: 'coil-21', table: 'coil', address: 21, type: 'bool', output: true, writeFunction: 'multiple' },
      { id: 'coil-22', table: 'coil', address: 22, type: 'bool' },
    ];
    const driver = new ModbusRtuDriver(device(2, points), registry.rtuBus('rs485-1'), systemClock, silentLogger());
    expect(await driver.write('hr-100', 4242)).toMatchObject({ ok: true, fc: 6, raw: [4242] });
    expect(await driver.write('hr-101', 0x0001ffff)).toMatchObject({ ok: true, fc: 16, raw: [1, 65535] });
    expect(await driver.write('coil-20', true)).toMatchObject({ ok: true, fc: 5, raw: [true] });
    expect(await driver.write('coil-21', true)).toMatchObject({ ok: true, fc: 15, raw: [true] });
    expect(server.writes.filter((w) => w.unit === 2)).toEqual([
      { unit: 2, write: 'holding', address: 100, values: [4242] },
      { unit: 2, write: 'holding', address: 101, values: [1, 65535] },
      { unit: 2, write: 'coils', address: 20, values: [true] },
      { unit: 2, write: 'coils', address: 21, values: [true] },
    ]);
    const values = Object.fromEntries((await driver.poll()).map((s) => [s.pointId, s.value]));
    expect(values).toEqual({ 'hr-100': 4242, 'hr-101': 0x0001ffff, 'hr-103': 0, 'coil-20': true, 'coil-21': true, 'coil-22': false });
    expect(driver.stats().writes).toEqual({ requests: 4, confirmed: 4, failed: 0, readBackMismatches: 0 });
  });

  it('refuses points that are not outputs and unknown points without sending anything', async () => {
    const driver = new ModbusRtuDriver(
      device(2, [{ id: 'status', table: 'holding', address: 103 }, { id: 'lamp', table: 'coil', address: 22, type: 'bool' }], 'slave-2-readonly'),
      registry.rtuBus('rs485-1'),
      systemClock,
      silentLogger(),
    );
    const writesBefore = server.writes.length;
    expect(await driver.write('status', 1)).toMatchObject({ ok: false, error: 'not_output', message: matching(/status.*output: true/) });
    expect(await driver.write('lamp', true)).toMatchObject({ ok: false, error: 'not_output' });
    expect(await driver.write('nope', 1)).toMatchObject({ ok: false, error: 'unknown_point' });
    expect(server.writes.length).toBe(writesBefore);
    expect(driver.stats().requests).toBe(0);
  });

  it('reports a register pymodbus does not serve as a Modbus exception with its code, for reads and writes', async () => {
    const driver = new ModbusRtuDriver(
      device(2, [{ id: 'missing', table: 'holding', address: 5000, output: true }], 'slave-2-missing'),
      registry.rtuBus('rs485-1'),
      systemClock,
      silentLogger(),
    );
    const [sample] = await driver.poll();
    expect(sample).toMatchObject({ quality: 'exception', value: null, exceptionCode: 2 });
    const write = await driver.write('missing', 1);
    expect(write).toMatchObject({ ok: false, error: 'device_error', exceptionCode: 2, message: matching(/point missing.*exception 2 \(illegal data address\)/) });
    expect(driver.stats().writes).toEqual({ requests: 1, confirmed: 0, failed: 1, readBackMismatches: 0 });
  });

  it('falls back to per-point reads after "illegal data address", says so once, and never reads a prohibited range', async () => {
    const warnings: string[] = [];
    const logger = silentLogger();
    logger.warn = ((_fields: unknown, message: string) => {
      warnings.push(message);
    }) as unknown as typeof logger.warn;
    // Slave 2 serves holding 100–103 only: the block 100+8 reaches past its map.
    const config = modbusRtuDeviceSchema.parse({
      id: 'slave-2-hole',
      system: 'safety_monitoring',
      transport: 'modbus-rtu',
      serialPort: 'rs485-1',
      unitId: 2,
      timeoutMs: 300,
      retries: 1,
      maxGap: 20,
      prohibitedRanges: [{ table: 'holding', start: 110, end: 119 }],
      points: [
        { id: 'a', table: 'holding', address: 100 },
        { id: 'b', table: 'holding', address: 102 },
        { id: 'ghost', table: 'holding', address: 107 },
        { id: 'beyond', table: 'holding', address: 120 },
      ],
    });
    const driver = new ModbusRtuDriver(config, registry.rtuBus('rs485-1'), systemClock, logger);
    expect(driver.readPlan.map((b) => [b.address, b.quantity])).toEqual([
      [100, 8],
      [120, 1],
    ]);
    for (let cycle = 0; cycle < 2; cycle++) {
      const samples = await driver.poll();
      expect(samples.map((s) => [s.pointId, s.quality, s.exceptionCode])).toEqual([
        ['a', 'good', undefined],
        ['b', 'good', undefined],
        ['ghost', 'exception', 2],
        ['beyond', 'exception', 2],
      ]);
    }
    expect(driver.readPlan.map((b) => [b.address, b.quantity])).toEqual([
      [100, 1],
      [102, 1],
      [107, 1],
      [120, 1],
    ]);
    expect(warnings.filter((w) => /illegal data address/.test(w))).toHaveLength(1);
    expect(driver.stats()).toMatchObject({ blocksSplit: 1 });
    // 1 rejected block + 3 per-point reads + 1 in cycle 1; 4 in cycle 2.
    expect(driver.stats().requests).toBe(9);
  });
});
