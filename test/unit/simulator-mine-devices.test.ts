import { describe, expect, it } from 'vitest';
import { ExceptionCode } from '../../drivers/modbus/protocol/pdu.js';
import { decodeRegisters } from '../../drivers/modbus/values.js';
import { positioningFor, shippedMine } from '../../simulators/devices/catalog.js';
import { CommunicationSystem } from '../../simulators/devices/communication.js';
import { CompressedAirStation } from '../../simulators/devices/compressed-air.js';
import { CARD_TABLE_BASE, EVENT_SLOTS, EVENT_TABLE_BASE } from '../../simulators/devices/personnel-positioning-map.js';
import { ShaftOutputs } from '../../simulators/devices/shaft-outputs.js';
import { WaterSupplyStation } from '../../simulators/devices/water-supply.js';
import { WeatherStation } from '../../simulators/devices/weather-station.js';
import { ManualClock } from '../../simulators/scaled-clock.js';

const T0 = Date.parse('2024-11-18T07:30:00+08:00');

function words(answer: { ok: true; value: ArrayLike<number> } | { ok: false; exceptionCode: number }): number[] {
  if (!answer.ok) throw new Error(`exception ${answer.exceptionCode}`);
  return Array.from(answer.value);
}
const u32 = (w: number[], i: number) => decodeRegisters(w, i, 'uint32', 'ABCD');

describe('personnel-positioning substation', () => {
  const mine = shippedMine();
  const make = () => {
    const clock = new ManualClock(T0);
    return { clock, pp: positioningFor({ seed: 1, clock, mine }) };
  };
  const [first, second] = mine.roster.map((p) => p.card);

  it('serves the header for the shipped roster (≥ 600 cards) in one read', () => {
    const { pp } = make();
    const header = words(pp.readRegisters('input', 0, 14));
    expect(header[0]).toBe(mine.roster.length);
    expect(mine.roster.length).toBeGreaterThanOrEqual(600);
    expect(header.slice(1, 6)).toEqual([8, CARD_TABLE_BASE, EVENT_SLOTS, EVENT_TABLE_BASE, 8]);
    expect(u32(header, 6)).toBe(0);
    expect(u32(header, 12)).toBe(T0 / 1000);
  });

  it('records entry and exit as numbered events and keeps the card table current', () => {
    const { clock, pp } = make();
    pp.enter(first!);
    clock.set(T0 + 60_000);
    pp.seen(first!, 32);
    clock.set(T0 + 120_000);
    pp.enter(second!);
    const header = words(pp.readRegisters('input', 0, 14));
    expect([u32(header, 6), u32(header, 8), header[10]]).toEqual([2, 1, 2]);
    const event1 = words(pp.readRegisters('input', EVENT_TABLE_BASE + 8, 8));
    expect([u32(event1, 0), u32(event1, 2), u32(event1, 4), event1[6], event1[7]]).toEqual([1, first, T0 / 1000, 1, 1]);
    const record = words(pp.readRegisters('input', CARD_TABLE_BASE, 8));
    // Underground and heard: last seen is now; reader 32 is in zone 32.
    expect([u32(record, 0), record[2], record[3], u32(record, 4), record[6]]).toEqual([first, 32, 32, (T0 + 120_000) / 1000, 1]);
    pp.exit(first!);
    const exitEvent = words(pp.readRegisters('input', EVENT_TABLE_BASE + 3 * 8, 8));
    expect([u32(exitEvent, 0), exitEvent[6], exitEvent[7]]).toEqual([3, 2, 2]);
    expect(pp.underground()).toEqual([second]);
  });

  it('wraps the event FIFO and says which events are gone', () => {
    const { pp } = make();
    for (let i = 0; i < EVENT_SLOTS + 10; i++) {
      if (i % 2 === 0) pp.enter(first!);
      else pp.exit(first!);
    }
    const header = words(pp.readRegisters('input', 0, 14));
    expect([u32(header, 6), u32(header, 8)]).toEqual([EVENT_SLOTS + 10, 11]);
    const slot = words(pp.readRegisters('input', EVENT_TABLE_BASE + 5 * 8, 2));
    expect(u32(slot, 0)).toBe(EVENT_SLOTS + 5);
    expect(pp.events()).toHaveLength(EVENT_SLOTS);
  });

  it('flags emergency calls and lost signals; refuses writes and unknown cards', () => {
    const { clock, pp } = make();
    pp.enter(first!);
    pp.emergencyCall(first!, true);
    pp.loseSignal(first!, true);
    clock.set(T0 + 5 * 60_000);
    const record = words(pp.readRegisters('input', CARD_TABLE_BASE, 8));
    expect(record[6]).toBe(1 | 2 | 4);
    expect(u32(record, 4)).toBe(T0 / 1000);
    expect(words(pp.readRegisters('input', 11, 1))).toEqual([1]);
    expect(pp.writeRegisters()).toEqual({ ok: false, exceptionCode: ExceptionCode.illegalDataAddress });
    expect(() => pp.enter(999)).toThrow(/card 999 is not issued/);
  });
});

describe('communication system', () => {
  it('records each rising edge of the broadcast trigger with the time and a count', () => {
    const clock = new ManualClock(T0);
    const comm = new CommunicationSystem({ seed: 1, clock });
    comm.writeCoils(0, [true]);
    comm.writeCoils(0, [true]); // still on: not a new activation
    clock.set(T0 + 5000);
    comm.writeCoils(0, [false]);
    comm.writeCoils(0, [true]);
    expect(comm.activations()).toEqual([{ at: T0, count: 1 }, { at: T0 + 5000, count: 2 }]);
    expect([comm.read('broadcast_activations'), comm.read('last_broadcast_at'), comm.read('broadcast_active')]).toEqual([2, (T0 + 5000) / 1000, true]);
    comm.set('line_ok', false);
    expect(comm.read('lines_ok')).toBe(23);
  });
});

describe('rescue stations', () => {
  it('compressed air: normal outlet pressure in 0.1–0.3 MPa; a stopped compressor bleeds down', () => {
    const clock = new ManualClock(T0);
    const air = new CompressedAirStation({ seed: 4, clock });
    for (let t = 0; t < 8 * 3_600_000; t += 600_000) {
      clock.set(T0 + t);
      const outlet = air.read('outlet_pressure') as number;
      expect(outlet).toBeGreaterThanOrEqual(0.1);
      expect(outlet).toBeLessThanOrEqual(0.3);
    }
    air.set('compressor_running', false);
    expect([air.read('outlet_pressure'), air.read('flow'), air.read('compressor_running')]).toEqual([Math.fround(0.02), 0, false]);
  });

  it('water supply: stick() freezes a reading, set() serves out-of-range values, limits refuse bad writes', () => {
    const clock = new ManualClock(T0);
    const water = new WaterSupplyStation({ seed: 4, clock });
    water.stick('flow');
    const stuck = water.read('flow');
    clock.set(T0 + 3_600_000);
    expect(water.read('flow')).toBe(stuck);
    water.set('outlet_pressure', 9.5);
    expect(water.read('outlet_pressure')).toBe(9.5);
    expect(water.writeRegisters(0, [300])).toEqual({ ok: false, exceptionCode: ExceptionCode.illegalDataValue });
    expect(water.writeRegisters(0, [45])).toMatchObject({ ok: true });
    expect(water.read('outlet_pressure_low_limit')).toBe(45);
    expect(water.writeRegisters(1, [1])).toEqual({ ok: false, exceptionCode: ExceptionCode.illegalDataAddress });
    expect(() => water.set('pump_running', 3)).toThrow(/boolean/);
  });
});

describe('shaft-head outputs', () => {
  it('power up not permitted and log every change', () => {
    const clock = new ManualClock(T0);
    const out = new ShaftOutputs({ seed: 1, clock });
    expect(out.read('entry_permit')).toBe(false);
    out.writeCoils(0, [true, false, true]);
    out.writeCoils(2, [true]);
    expect(out.changes()).toEqual([{ at: T0, id: 'siren', on: true }, { at: T0, id: 'entry_permit', on: true }]);
    expect(out.read('coil_writes')).toBe(2);
  });
});

describe('weather station', () => {
  it('integrates rainfall exactly: 30 mm/h for 100 minutes is 50 mm in 24 h', () => {
    const clock = new ManualClock(T0);
    const wx = new WeatherStation({ seed: 1, clock });
    wx.rain(30);
    clock.set(T0 + 100 * 60_000);
    expect(wx.read('rain_24h')).toBeCloseTo(50, 4);
    expect(wx.read('rain_1h')).toBeCloseTo(30, 4);
    wx.rain(0);
    clock.set(T0 + 160 * 60_000);
    expect(wx.read('rain_1h')).toBeCloseTo(0, 6);
    expect(wx.read('rain_24h')).toBeCloseTo(50, 4);
    clock.set(T0 + 26 * 3_600_000);
    expect(wx.read('rain_24h')).toBeCloseTo(0, 6);
  });
});
