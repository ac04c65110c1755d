/**
 * Point decoding: strings, bits in registers, raw 4–20 mA inputs (with the sensor-fault band judged
 * exactly at its edges), NaN, and the deadband helper. Register words are written by hand.
 */
import { describe, expect, it } from 'vitest';
import { pointSchema, type PointConfig } from '../../config/schema.js';
import { exceedsDeadband } from '../../drivers/modbus/deadband.js';
import { decodePlannedPoint } from '../../drivers/modbus/decode-point.js';
import { analogToEngineering } from '../../drivers/modbus/engineering.js';

const point = (p: Record<string, unknown>): PointConfig => pointSchema.parse({ id: 'p', table: 'holding', address: 0, ...p });
const registers = (...words: number[]) => ({ kind: 'registers' as const, registers: Uint16Array.from(words) });
const decode = (p: Record<string, unknown>, ...words: number[]) => decodePlannedPoint({ point: point(p), offset: 0 }, registers(...words));

describe('string points', () => {
  // "PT-100" = 50 54 2D 31 30 30, then NUL padding.
  it('decodes ASCII and trims trailing NULs', () => {
    expect(decode({ type: 'string', length: 4 }, 0x5054, 0x2d31, 0x3030, 0x0000)).toEqual({ ok: true, value: 'PT-100' });
  });

  it('trims trailing spaces, and ignores whatever follows the first NUL', () => {
    expect(decode({ type: 'string', length: 3 }, 0x4142, 0x2020, 0x2020)).toEqual({ ok: true, value: 'AB' });
    expect(decode({ type: 'string', length: 3 }, 0x4142, 0x0058, 0x5858)).toEqual({ ok: true, value: 'AB' });
  });

  it('honours the byte order: BADC swaps the characters of each register, CDAB reverses the registers', () => {
    expect(decode({ type: 'string', length: 2, byteOrder: 'BADC' }, 0x4241, 0x4443)).toEqual({ ok: true, value: 'ABCD' });
    expect(decode({ type: 'string', length: 2, byteOrder: 'CDAB' }, 0x4344, 0x4142)).toEqual({ ok: true, value: 'ABCD' });
    expect(decode({ type: 'string', length: 2, byteOrder: 'DCBA' }, 0x4443, 0x4241)).toEqual({ ok: true, value: 'ABCD' });
  });

  it('decodes UTF-8 (a Chinese device name)', () => {
    // 风机 = E9 A3 8E E6 9C BA
    expect(decode({ type: 'string', length: 3 }, 0xe9a3, 0x8ee6, 0x9cba)).toEqual({ ok: true, value: '风机' });
  });
});

describe('bit-in-register points', () => {
  it('bit 0 is the least significant bit, bit 15 the most', () => {
    expect(decode({ type: 'bit', bit: 0 }, 0x0001)).toEqual({ ok: true, value: true });
    expect(decode({ type: 'bit', bit: 1 }, 0x0001)).toEqual({ ok: true, value: false });
    expect(decode({ type: 'bit', bit: 15 }, 0x8000)).toEqual({ ok: true, value: true });
    expect(decode({ type: 'bit', bit: 14 }, 0x8000)).toEqual({ ok: true, value: false });
  });

  it('BADC swaps the bytes first: bit 0 then lives in the high byte on the wire', () => {
    expect(decode({ type: 'bit', bit: 0, byteOrder: 'BADC' }, 0x0100)).toEqual({ ok: true, value: true });
    expect(decode({ type: 'bit', bit: 0, byteOrder: 'BADC' }, 0x0001)).toEqual({ ok: true, value: false });
  });
});

describe('raw 4–20 mA inputs', () => {
  const microamps = { type: 'uint16', analog: { rawAt4mA: 4000, rawAt20mA: 20000, low: 0, high: 4 } };

  it('maps linearly: 4 mA → low, 12 mA → middle, 20 mA → high', () => {
    expect(decode(microamps, 4000)).toEqual({ ok: true, value: 0 });
    expect(decode(microamps, 12000)).toEqual({ ok: true, value: 2 });
    expect(decode(microamps, 20000)).toEqual({ ok: true, value: 4 });
  });

  it('3.79 mA and 20.51 mA are a sensor fault with no value; exactly 3.8 and 20.5 mA are values', () => {
    expect(decode(microamps, 3790)).toMatchObject({ ok: false, quality: 'sensor_fault' });
    expect(decode(microamps, 20510)).toMatchObject({ ok: false, quality: 'sensor_fault' });
    expect(decode(microamps, 3800)).toEqual({ ok: true, value: -0.05 });
    expect(decode(microamps, 20500)).toEqual({ ok: true, value: 4.125 });
  });

  it('judges the edges exactly on a counts scale too (S7 0–27648: 3.8 mA is −345.6 counts)', () => {
    const counts = { rawAt4mA: 0, rawAt20mA: 27648, low: 0, high: 100 };
    expect(analogToEngineering(-345, counts).ok).toBe(true);
    expect(analogToEngineering(-346, counts).ok).toBe(false);
    // 20.5 mA = 28512 counts exactly.
    expect(analogToEngineering(28512, counts).ok).toBe(true);
    expect(analogToEngineering(28513, counts).ok).toBe(false);
  });

  it('an inverted transmitter (rawAt20mA < rawAt4mA) keeps the fault band', () => {
    const inverted = { rawAt4mA: 20000, rawAt20mA: 4000, low: 0, high: 10 };
    expect(analogToEngineering(20000, inverted)).toEqual({ ok: true, value: 0 });
    expect(analogToEngineering(20200, inverted).ok).toBe(true); // 3.8 mA
    expect(analogToEngineering(20201, inverted).ok).toBe(false);
    expect(analogToEngineering(3500, inverted).ok).toBe(true); // 20.5 mA
    expect(analogToEngineering(3499, inverted).ok).toBe(false);
  });

  it('the fault reason names the loop current', () => {
    const result = decode(microamps, 3000);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toMatch(/3\.00 mA.*outside 3\.8–20\.5 mA/);
  });
});

describe('numbers', () => {
  it('NaN from the device is a sensor fault, never a value', () => {
    expect(decode({ type: 'float32' }, 0x7fc0, 0x0000)).toMatchObject({ ok: false, quality: 'sensor_fault' });
  });

  it('scale and offset still apply', () => {
    expect(decode({ type: 'int16', scale: 0.1, offset: 1 }, 0xfff6)).toEqual({ ok: true, value: 0 });
  });
});

describe('exceedsDeadband', () => {
  it('reports the first value and any change without a deadband', () => {
    expect(exceedsDeadband(undefined, 1, 0.5)).toBe(true);
    expect(exceedsDeadband(1, 1.0001, undefined)).toBe(true);
    expect(exceedsDeadband(1, 1, undefined)).toBe(false);
  });

  it('reports a numeric change only when it is more than the deadband', () => {
    expect(exceedsDeadband(1, 1.5, 0.5)).toBe(false);
    expect(exceedsDeadband(1, 1.51, 0.5)).toBe(true);
    expect(exceedsDeadband(1, 0.49, 0.5)).toBe(true);
  });

  it('always reports a change to or from "no value", and any change of a bool or string', () => {
    expect(exceedsDeadband(1, null, 100)).toBe(true);
    expect(exceedsDeadband(null, 1, 100)).toBe(true);
    expect(exceedsDeadband(null, null, 100)).toBe(false);
    expect(exceedsDeadband(true, false, 100)).toBe(true);
    expect(exceedsDeadband('a', 'b', 100)).toBe(true);
  });
});
