/**
 * A noisy line: a relay between two pty pairs flips a random bit in about 1 % of the bytes, both
 * ways. Every sample that says "good" must hold exactly the value pymodbus serves — a corrupted
 * frame must be caught (CRC, address, function, length) and counted, never decoded — and polling
 * must carry on through the noise.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { modbusRtuDeviceSchema } from '../../config/schema.js';
import { systemClock } from '../../agent/model/clock.js';
import { silentLogger } from '../../agent/runtime/logger.js';
import type { Sample } from '../../agent/model/sample.js';
import { ModbusRtuDriver } from '../../drivers/modbus/rtu/rtu-driver.js';
import { SerialPortRegistry } from '../../drivers/serial/serial-port-registry.js';
import { startNoisyLine, type NoisyLine } from '../helpers/noisy-proxy.js';
import { startPymodbusRtuServer, type PymodbusRtuServer } from '../helpers/pymodbus-rtu-server.js';

const BAUD = 19200;
const RUN_MS = 6000;
/** What pymodbus serves, per slave: the words and the values a good sample must hold. */
const SERVED = {
  1: { words: [1234, 65535, 0, 4321, 17, 99, 30000, 1, 2, 3], typed: [{ table: 'input' as const, address: 0, type: 'float32' as const, order: 'CDAB' as const, value: 21.5 }] },
  2: { words: [7, 8, 9, 10, 11, 12, 13, 14, 15, 16], typed: [{ table: 'input' as const, address: 0, type: 'int32' as const, order: 'ABCD' as const, value: -1_000_000 }] },
};

let line: NoisyLine;
let server: PymodbusRtuServer;
let registry: SerialPortRegistry;

beforeAll(async () => {
  line = await startNoisyLine({ seed: 20240607, corruptRatio: 0.01 });
  server = await startPymodbusRtuServer(line.slavePath, BAUD, {
    1: { holding: { '0': SERVED[1].words }, typed: SERVED[1].typed },
    2: { holding: { '0': SERVED[2].words }, typed: SERVED[2].typed },
  });
  registry = new SerialPortRegistry(
    [{ id: 'noisy', path: line.masterPath, baudRate: BAUD, dataBits: 8, parity: 'none', stopBits: 1, queueLimit: 64 }],
    systemClock,
    silentLogger(),
  );
});

afterAll(async () => {
  await registry?.closeAll();
  await server?.stop();
  await line?.stop();
});

function driverFor(unit: 1 | 2): ModbusRtuDriver {
  const points = [
    ...SERVED[unit].words.map((_, i) => ({ id: `hr-${i}`, table: 'holding', address: i, type: 'uint16' })),
    { id: 'typed', table: 'input', address: 0, type: SERVED[unit].typed[0]!.type, byteOrder: SERVED[unit].typed[0]!.order },
  ];
  const config = modbusRtuDeviceSchema.parse({ id: `noisy-${unit}`, system: 'safety_monitoring', transport: 'modbus-rtu', serialPort: 'noisy', unitId: unit, timeoutMs: 100, retries: 2, points });
  return new ModbusRtuDriver(config, registry.rtuBus('noisy'), systemClock, silentLogger(), { backoffMinMs: 50, backoffMaxMs: 200 });
}

function expectedValue(unit: 1 | 2, pointId: string): number {
  if (pointId === 'typed') {
    const typed = SERVED[unit].typed[0]!;
    return typed.type === 'float32' ? Math.fround(typed.value) : typed.value;
  }
  return SERVED[unit].words[Number(pointId.slice(3))]!;
}

describe('Modbus RTU on a noisy line (1 % of bytes corrupted)', () => {
  it('accepts not one wrong value, counts the rejected frames, and keeps polling', async () => {
    const drivers = { 1: driverFor(1), 2: driverFor(2) } as const;
    const samples: Array<{ unit: 1 | 2; sample: Sample }> = [];
    const goodCycles = { 1: 0, 2: 0 };
    const deadline = performance.now() + RUN_MS;
    await Promise.all(
      ([1, 2] as const).map(async (unit) => {
        while (performance.now() < deadline) {
          const cycle = await drivers[unit].poll();
          for (const sample of cycle) samples.push({ unit, sample });
          if (cycle.every((s) => s.quality === 'good')) goodCycles[unit]++;
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
      }),
    );
    const good = samples.filter(({ sample }) => sample.quality === 'good');
    const wrong = good.filter(({ unit, sample }) => sample.value !== expectedValue(unit, sample.pointId));
    expect(wrong.map(({ unit, sample }) => `${unit}/${sample.pointId}=${String(sample.value)}`)).toEqual([]);
    expect(samples.filter(({ sample }) => sample.quality !== 'good').every(({ sample }) => sample.value === null)).toBe(true);

    const bus = registry.rtuBus('noisy').stats();
    const rejected = Object.values(bus.rejectedFrames).reduce((a, b) => a + b, 0);
    expect(line.stats.corrupted).toBeGreaterThan(10); // the noise really happened
    expect(rejected + bus.timeouts).toBeGreaterThan(0); // and was seen and counted
    expect(bus.rejectedFrames.crc + bus.rejectedFrames.address + bus.rejectedFrames.function + bus.rejectedFrames.content).toBe(rejected);
    const driverFraming = drivers[1].stats().errors.framing + drivers[2].stats().errors.framing;
    expect(driverFraming).toBe(rejected);
    // Polling carried on: both slaves delivered many complete cycles despite the noise.
    expect(goodCycles[1]).toBeGreaterThan(20);
    expect(goodCycles[2]).toBeGreaterThan(20);
    console.log(`noisy line: ${line.stats.corrupted}/${line.stats.bytes} bytes corrupted; bus ${JSON.stringify({ ...bus, port: undefined })}; good cycles ${JSON.stringify(goodCycles)}; good samples ${good.length}/${samples.length}`);
  });
});
