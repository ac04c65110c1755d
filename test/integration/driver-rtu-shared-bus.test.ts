/**
 * One RS-485 line, four slaves, one of them dead (pymodbus serves addresses 1–3; nobody answers 4).
 * Driven by the real poll scheduler, as in the agent: each slave is its own device with its own poll
 * loop, and all their requests share the one bus. The three live slaves must keep at least 90 % of
 * the poll rate they reach without the dead one, and every one of their cycles must be complete.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { modbusRtuDeviceSchema } from '../../config/schema.js';
import { systemClock } from '../../agent/model/clock.js';
import { silentLogger } from '../../agent/runtime/logger.js';
import type { PollCycle } from '../../agent/model/sample.js';
import { PollScheduler } from '../../agent/scheduler/poll-scheduler.js';
import { ModbusRtuDriver } from '../../drivers/modbus/rtu/rtu-driver.js';
import { SerialPortRegistry } from '../../drivers/serial/serial-port-registry.js';
import { startPtyPair, type PtyPair } from '../helpers/pty.js';
import { startPymodbusRtuServer, type PymodbusRtuServer } from '../helpers/pymodbus-rtu-server.js';

const BAUD = 19200;
const POLL_INTERVAL_MS = 200;
const PHASE_MS = 4000;
const LIVE = [1, 2, 3] as const;
const DEAD = 4;
const WORDS: Record<number, number[]> = { 1: [101, 102, 103, 104, 105, 106, 107, 108], 2: [201, 202, 203, 204, 205, 206, 207, 208], 3: [301, 302, 303, 304, 305, 306, 307, 308] };

let pty: PtyPair;
let server: PymodbusRtuServer;

beforeAll(async () => {
  pty = await startPtyPair('rtu-shared-bus');
  server = await startPymodbusRtuServer(pty.b, BAUD, Object.fromEntries(LIVE.map((unit) => [unit, { holding: { '0': WORDS[unit]!.slice(0, 4) }, input: { '10': WORDS[unit]!.slice(4) } }])));
});

afterAll(async () => {
  await server?.stop();
  await pty?.dispose();
});

function slave(unit: number, registry: SerialPortRegistry): ModbusRtuDriver {
  const points = [
    ...[0, 1, 2, 3].map((i) => ({ id: `hr-${i}`, table: 'holding', address: i })),
    // A second table: two requests per cycle, so a skipped block would show.
    ...[10, 11, 12, 13].map((a) => ({ id: `ir-${a}`, table: 'input', address: a })),
  ];
  const config = modbusRtuDeviceSchema.parse({
    id: `slave-${unit}`,
    system: 'safety_monitoring',
    transport: 'modbus-rtu',
    serialPort: 'rs485',
    unitId: unit,
    pollIntervalMs: POLL_INTERVAL_MS,
    timeoutMs: 80,
    retries: 1,
    points,
  });
  return new ModbusRtuDriver(config, registry.rtuBus('rs485'), systemClock, silentLogger());
}

async function runPhase(units: readonly number[]): Promise<{ cycles: Map<string, PollCycle[]>; drivers: ModbusRtuDriver[]; registry: SerialPortRegistry }> {
  const registry = new SerialPortRegistry([{ id: 'rs485', path: pty.a, baudRate: BAUD, dataBits: 8, parity: 'none', stopBits: 1, queueLimit: 64 }], systemClock, silentLogger());
  const drivers = units.map((unit) => slave(unit, registry));
  const cycles = new Map<string, PollCycle[]>(drivers.map((d) => [d.deviceId, []]));
  const scheduler = new PollScheduler({
    devices: drivers.map((driver) => ({ driver, pollIntervalMs: POLL_INTERVAL_MS })),
    clock: systemClock,
    logger: silentLogger(),
    onCycle: (cycle) => cycles.get(cycle.deviceId)!.push(cycle),
  });
  scheduler.start();
  await new Promise((resolve) => setTimeout(resolve, PHASE_MS));
  await scheduler.stop(2000);
  await Promise.all(drivers.map((driver) => driver.close()));
  return { cycles, drivers, registry };
}

describe('shared RTU bus with one dead slave', () => {
  it('keeps the live slaves at ≥ 90 % of their normal poll rate with complete data', async () => {
    const normal = await runPhase(LIVE);
    const withDead = await runPhase([...LIVE, DEAD]);

    for (const unit of LIVE) {
      const id = `slave-${unit}`;
      const baseline = normal.cycles.get(id)!.length;
      const cycles = withDead.cycles.get(id)!;
      expect(baseline, `${id} baseline cycles`).toBeGreaterThanOrEqual((PHASE_MS / POLL_INTERVAL_MS) * 0.9);
      expect(cycles.length / baseline, `${id}: ${cycles.length} cycles with the dead slave vs ${baseline} without`).toBeGreaterThanOrEqual(0.9);
      for (const cycle of cycles) {
        expect(cycle.samples).toHaveLength(8);
        for (const sample of cycle.samples) {
          expect(sample.quality, `${id} ${sample.pointId}`).toBe('good');
          const index = sample.pointId.startsWith('hr-') ? Number(sample.pointId.slice(3)) : Number(sample.pointId.slice(3)) - 10 + 4;
          expect(sample.value).toBe(WORDS[unit]![index]);
        }
      }
    }
    const dead = withDead.cycles.get(`slave-${DEAD}`)!;
    // The dead slave still reports its cycles — as timeouts, never values — mostly from its back-off.
    // A probe of it takes 80 ms + 80 ms quiet (post-timeout, before the retry) + 80 ms, longer than
    // its 200 ms interval, so each of its few probes costs it one slot.
    expect(dead.length).toBeGreaterThanOrEqual((PHASE_MS / POLL_INTERVAL_MS) * 0.8);
    expect(dead.flatMap((c) => c.samples).every((s) => s.quality === 'timeout' && s.value === null)).toBe(true);
    const deadStats = withDead.drivers.find((d) => d.deviceId === `slave-${DEAD}`)!.stats();
    expect(deadStats.skippedPolls).toBeGreaterThan(dead.length / 2);
    // Asked rarely: each probe is one block × 2 attempts.
    expect(deadStats.requests).toBeLessThanOrEqual((dead.length - deadStats.skippedPolls) * 2);
    expect(withDead.registry.rtuBus('rs485').stats().queueDrops).toBe(0);
  });
});
