import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Clock } from '../../agent/model/clock.js';
import { ExceptionCode } from '../../drivers/modbus/protocol/pdu.js';
import { decodeRegisters } from '../../drivers/modbus/values.js';
import { SENSORS, loopCurrentMicroamps, loopCurrentScaling } from '../../simulators/devices/safety-monitoring-map.js';
import { SafetyMonitoringSubstation } from '../../simulators/devices/safety-monitoring.js';

const T0 = Date.UTC(2024, 10, 1, 6, 0, 0);

function manualClock(start = T0): Clock & { set(ms: number): void } {
  let now = start;
  return { now: () => now, monotonic: () => now - start, set: (ms) => (now = ms) };
}

function floats(unit: SafetyMonitoringSubstation): number[] {
  const answer = unit.readRegisters('input', 0, 14);
  if (!answer.ok) throw new Error(`exception ${answer.exceptionCode}`);
  return SENSORS.map((_, i) => decodeRegisters(answer.value, 2 * i, 'float32', 'ABCD'));
}

function currents(unit: SafetyMonitoringSubstation): number[] {
  const answer = unit.readRegisters('input', 100, 7);
  if (!answer.ok) throw new Error(`exception ${answer.exceptionCode}`);
  return Array.from(answer.value);
}

function bits(unit: SafetyMonitoringSubstation, table: 'coil' | 'discrete_input', address: number, quantity: number): boolean[] {
  const answer = unit.readBits(table, address, quantity);
  if (!answer.ok) throw new Error(`exception ${answer.exceptionCode}`);
  return [...answer.value];
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('simulated values', () => {
  it('are deterministic: same seed and time, same registers; another seed, other values', () => {
    const clock = manualClock();
    const a = new SafetyMonitoringSubstation({ seed: 11, clock });
    const b = new SafetyMonitoringSubstation({ seed: 11, clock });
    const c = new SafetyMonitoringSubstation({ seed: 12, clock });
    expect(floats(a)).toEqual(floats(b));
    expect(currents(a)).toEqual(currents(b));
    expect(floats(a)).not.toEqual(floats(c));
  });

  it('never read the wall clock: only the injected clock moves them', async () => {
    const clock = manualClock();
    const unit = new SafetyMonitoringSubstation({ seed: 1, clock });
    vi.spyOn(Date, 'now').mockImplementation(() => {
      throw new Error('Date.now called');
    });
    vi.spyOn(performance, 'now').mockImplementation(() => {
      throw new Error('performance.now called');
    });
    const first = floats(unit);
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(floats(unit)).toEqual(first);
    clock.set(T0 + 60_000);
    expect(floats(unit)).not.toEqual(first);
  });

  it('stay in their realistic bands over a day, drift, and change little from one second to the next', () => {
    const clock = manualClock();
    const unit = new SafetyMonitoringSubstation({ seed: 5, clock });
    const seen = SENSORS.map(() => ({ min: Infinity, max: -Infinity, maxStep: 0 }));
    for (let t = 0; t < 86_400_000; t += 60_000) {
      clock.set(T0 + t);
      const now = floats(unit);
      clock.set(T0 + t + 1000);
      const next = floats(unit);
      now.forEach((value, i) => {
        const s = seen[i]!;
        s.min = Math.min(s.min, value);
        s.max = Math.max(s.max, value);
        s.maxStep = Math.max(s.maxStep, Math.abs(next[i]! - value));
      });
    }
    SENSORS.forEach((sensor, i) => {
      const { min, max, maxStep } = seen[i]!;
      const band = sensor.normalHigh - sensor.normalLow;
      expect(min, sensor.id).toBeGreaterThanOrEqual(Math.fround(sensor.normalLow) - 1e-6);
      expect(max, sensor.id).toBeLessThanOrEqual(Math.fround(sensor.normalHigh) + 1e-6);
      expect(max - min, `${sensor.id} should wander across its band`).toBeGreaterThan(band * 0.4);
      expect(maxStep, `${sensor.id} should not jump within one second`).toBeLessThan(band * 0.1);
    });
    // The sample the brief names: CH4 0.02–0.3 %, O2 20.6–20.9 %.
    expect(SENSORS.find((s) => s.id === 'ch4')).toMatchObject({ normalLow: 0.02, normalHigh: 0.3 });
    expect(SENSORS.find((s) => s.id === 'o2')).toMatchObject({ normalLow: 20.6, normalHigh: 20.9 });
  });

  it('serve loop currents that scale back to the float values', () => {
    const unit = new SafetyMonitoringSubstation({ seed: 9, clock: manualClock() });
    const values = floats(unit);
    currents(unit).forEach((microamps, i) => {
      const sensor = SENSORS[i]!;
      const { scale, offset } = loopCurrentScaling(sensor);
      // One µA of resolution: the scaled current matches the float within one step.
      expect(Math.abs(microamps * scale + offset - values[i]!), sensor.id).toBeLessThanOrEqual(scale);
    });
  });
});

describe('test hooks', () => {
  it('set() pins a sensor until release()', () => {
    const clock = manualClock();
    const unit = new SafetyMonitoringSubstation({ seed: 3, clock });
    const simulated = unit.read('ch4');
    unit.set('ch4', 0.75);
    expect(unit.read('ch4')).toBe(0.75);
    expect(unit.read('ch4_current')).toBe(4000 + 16000 * (0.75 / 4));
    clock.set(T0 + 3_600_000);
    expect(unit.read('ch4')).toBe(0.75);
    clock.set(T0);
    unit.release('ch4');
    expect(unit.read('ch4')).toBe(simulated);
  });

  it('set() forces status bits; readings above the range saturate the loop at 20 mA', () => {
    const unit = new SafetyMonitoringSubstation({ seed: 3, clock: manualClock() });
    expect(bits(unit, 'discrete_input', 0, 3)).toEqual([true, true, true]);
    unit.set('local_fan_running', false);
    unit.set('mains_power_ok', false);
    expect(bits(unit, 'discrete_input', 0, 3)).toEqual([true, false, false]);
    unit.set('co', 1500);
    expect(unit.read('co_current')).toBe(20000);
    expect(unit.read('co')).toBe(1500);
  });

  it('set() refuses unknown points and wrong value kinds', () => {
    const unit = new SafetyMonitoringSubstation({ seed: 3, clock: manualClock() });
    expect(() => unit.set('methane' as 'ch4', 1)).toThrow(/cannot set "methane"/);
    expect(() => unit.set('ch4' as 'main_fan_running', true)).toThrow(/cannot set "ch4"/);
    expect(() => unit.set('ch4', Number.NaN)).toThrow(/finite number/);
    expect(() => unit.release('nope' as 'ch4')).toThrow(/unknown point/);
  });

  it('sensorFault() drops the loop under 3.8 mA, raises the flag, serves NaN and suppresses its alarm', () => {
    const unit = new SafetyMonitoringSubstation({ seed: 3, clock: manualClock() });
    unit.set('ch4', 2);
    expect(bits(unit, 'discrete_input', 3, 2)).toEqual([true, true]);
    unit.sensorFault('ch4', true);
    expect(unit.read('ch4_current')).toBeLessThan(3800);
    expect(unit.read('ch4')).toBeNaN();
    expect(bits(unit, 'discrete_input', 8, 7)).toEqual([true, false, false, false, false, false, false]);
    expect(bits(unit, 'discrete_input', 3, 2)).toEqual([false, false]);
    unit.sensorFault('ch4', false);
    expect(unit.read('ch4')).toBe(2);
    expect(unit.read('ch4_fault')).toBe(false);
    expect(() => unit.sensorFault('main_fan_running' as 'ch4', true)).toThrow(/not a sensor/);
  });
});

describe('alarm bits follow the readings and the writable limits', () => {
  const cases: Array<[string, number, number, boolean[]]> = [
    ['CH4 below the alarm limit', 0.99, 0, [false, false, false]],
    ['CH4 at the alarm limit (1.00 %)', 1.0, 0, [true, false, false]],
    ['CH4 at the power-cut limit (1.50 %)', 1.5, 0, [true, true, false]],
    ['CO at its limit (24 ppm)', 0.1, 24, [false, false, true]],
    ['CO just below', 0.1, 23.9, [false, false, false]],
  ];
  for (const [what, ch4, co, expected] of cases) {
    it(what, () => {
      const unit = new SafetyMonitoringSubstation({ seed: 3, clock: manualClock() });
      unit.set('ch4', ch4);
      unit.set('co', co);
      expect(bits(unit, 'discrete_input', 3, 3)).toEqual(expected);
    });
  }

  it('a written limit takes effect at once (1.10 % is exact despite binary rounding)', () => {
    const unit = new SafetyMonitoringSubstation({ seed: 3, clock: manualClock() });
    unit.set('ch4', 1.1);
    expect(unit.writeRegisters(10, [120])).toEqual({ ok: true, value: undefined });
    expect(unit.read('ch4_alarm')).toBe(false);
    expect(unit.writeRegisters(10, [110])).toMatchObject({ ok: true });
    expect(unit.read('ch4_alarm')).toBe(true);
  });
});

describe('Modbus access', () => {
  it('answers illegal data address outside the map and across its gaps', () => {
    const unit = new SafetyMonitoringSubstation({ seed: 3, clock: manualClock() });
    const illegal = { ok: false, exceptionCode: ExceptionCode.illegalDataAddress };
    expect(unit.readRegisters('input', 14, 1)).toEqual(illegal);
    expect(unit.readRegisters('input', 12, 3)).toEqual(illegal);
    expect(unit.readRegisters('input', 106, 2)).toEqual(illegal);
    expect(unit.readBits('discrete_input', 0, 15)).toEqual(illegal);
    expect(unit.readRegisters('holding', 0, 13)).toEqual(illegal);
    expect(unit.readBits('coil', 2, 1)).toEqual(illegal);
    expect(unit.writeCoils(1, [true, true])).toEqual(illegal);
    expect(unit.writeRegisters(7, [0])).toEqual(illegal);
    expect(unit.readRegisters('holding', 10, 3)).toMatchObject({ ok: true, value: Uint16Array.from([100, 150, 24]) });
  });

  it('writes calibration states and coils; refuses out-of-range values without applying any', () => {
    const unit = new SafetyMonitoringSubstation({ seed: 3, clock: manualClock() });
    expect(unit.writeRegisters(0, [1, 2])).toMatchObject({ ok: true });
    expect([unit.read('ch4_calibration'), unit.read('co_calibration')]).toEqual([1, 2]);
    expect(unit.writeRegisters(0, [0, 3])).toEqual({ ok: false, exceptionCode: ExceptionCode.illegalDataValue });
    expect(unit.read('ch4_calibration')).toBe(1);
    expect(unit.writeRegisters(11, [401])).toEqual({ ok: false, exceptionCode: ExceptionCode.illegalDataValue });
    expect(unit.writeRegisters(12, [0])).toEqual({ ok: false, exceptionCode: ExceptionCode.illegalDataValue });
    expect(unit.writeCoils(0, [true, true])).toMatchObject({ ok: true });
    expect(bits(unit, 'coil', 0, 2)).toEqual([true, true]);
  });

  it('loopCurrentMicroamps covers 4–20 mA over the range', () => {
    const ch4 = SENSORS[0];
    expect([loopCurrentMicroamps(ch4, 0), loopCurrentMicroamps(ch4, 2), loopCurrentMicroamps(ch4, 4), loopCurrentMicroamps(ch4, -1)]).toEqual([
      4000, 12000, 20000, 4000,
    ]);
  });
});
