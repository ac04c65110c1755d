/** Write planning: function codes, the inverse of scale/offset and analog, and every refusal. */
import { describe, expect, it } from 'vitest';
import { pointSchema, type PointConfig } from '../../config/schema.js';
import type { ModbusRequest, ModbusResponse } from '../../drivers/modbus/protocol/pdu.js';
import { executeWrite } from '../../drivers/writes/execute-write.js';
import { planWrite, type PlannedWrite } from '../../drivers/writes/plan-write.js';
import { decodeString, encodeString } from '../../drivers/modbus/values.js';

/** expect.stringMatching typed as unknown, so lint sees no `any` flowing into the expected object. */
const matching = (pattern: RegExp): unknown => expect.stringMatching(pattern) as unknown;

const point = (p: Record<string, unknown>): PointConfig => pointSchema.parse({ id: 'out', table: 'holding', address: 7, output: true, ...p });
const planned = (p: Record<string, unknown>, value: number | boolean): PlannedWrite => {
  const result = planWrite(point(p), value);
  if (!result.ok) throw new Error(result.message);
  return result;
};

describe('planWrite', () => {
  it('uses FC5 for a coil and FC15 when the device wants multiple writes', () => {
    expect(planned({ table: 'coil', type: 'bool' }, true)).toEqual({
      ok: true,
      request: { fc: 5, address: 7, value: true },
      readBack: { fc: 1, address: 7, quantity: 1 },
      expected: [true],
    });
    expect(planned({ table: 'coil', type: 'bool', writeFunction: 'multiple' }, false).request).toEqual({ fc: 15, address: 7, values: [false] });
  });

  it('uses FC6 for one register, FC16 for wider values or when asked', () => {
    expect(planned({ type: 'uint16' }, 300).request).toEqual({ fc: 6, address: 7, value: 300 });
    expect(planned({ type: 'int16', writeFunction: 'multiple' }, -2).request).toEqual({ fc: 16, address: 7, values: [0xfffe] });
    // 123.456f = 0x42F6E979, CDAB reverses the words.
    expect(planned({ type: 'float32', byteOrder: 'CDAB' }, 123.456)).toMatchObject({ request: { fc: 16, values: [0xe979, 0x42f6] }, readBack: { fc: 3, quantity: 2 } });
  });

  it('inverts scale and offset (the simulator\'s CH4 alarm limit is raw × 0.01)', () => {
    expect(planned({ type: 'uint16', scale: 0.01 }, 1.2).expected).toEqual([120]);
    expect(planned({ type: 'uint16', scale: 0.01 }, 0.29).expected).toEqual([29]); // 28.999999999999996 is dust, not a fraction
    expect(planned({ type: 'int16', scale: 0.5, offset: -10 }, 0).expected).toEqual([20]);
  });

  it('inverts the analog map for 4–20 mA outputs and refuses values outside the loop range', () => {
    const analog = { rawAt4mA: 4000, rawAt20mA: 20000, low: 0, high: 100 };
    expect(planned({ type: 'uint16', analog }, 50).expected).toEqual([12000]);
    expect(planWrite(point({ type: 'uint16', analog, unit: '%' }), 110)).toMatchObject({ ok: false, error: 'out_of_range', message: matching(/110 % is outside the 4–20 mA range 0–100 %/) });
  });

  it('refuses values that do not fit the type', () => {
    expect(planWrite(point({ type: 'uint16' }), 65536)).toMatchObject({ ok: false, error: 'out_of_range', message: matching(/outside uint16 0–65535/) });
    expect(planWrite(point({ type: 'int16' }), -32769)).toMatchObject({ ok: false, error: 'out_of_range' });
    expect(planWrite(point({ type: 'uint16' }), -1)).toMatchObject({ ok: false, error: 'out_of_range' });
    expect(planWrite(point({ type: 'uint16', scale: 0.01 }), 1.234)).toMatchObject({ ok: false, error: 'out_of_range', message: matching(/multiple of 0.01/) });
    expect(planWrite(point({ type: 'float32' }), 1e39)).toMatchObject({ ok: false, error: 'out_of_range' });
    expect(planWrite(point({ type: 'float64' }), Number.NaN)).toMatchObject({ ok: false, error: 'out_of_range' });
    expect(planWrite(point({ type: 'uint16' }), true)).toMatchObject({ ok: false, error: 'out_of_range' });
    expect(planWrite(point({ table: 'coil', type: 'bool' }), 1)).toMatchObject({ ok: false, error: 'out_of_range' });
  });

  it('refuses a point that is not an output, before anything is sent', () => {
    expect(planWrite(point({ output: false }), 1)).toMatchObject({ ok: false, error: 'not_output', message: matching(/output: true/) });
  });
});

describe('encodeString / decodeString', () => {
  it('round-trips in every byte order and pads with NULs', () => {
    for (const order of ['ABCD', 'CDAB', 'BADC', 'DCBA'] as const) {
      const words = encodeString('KJ-7', 4, order);
      expect(words).toHaveLength(4);
      expect(decodeString(words, 0, 4, order)).toBe('KJ-7');
    }
    expect(encodeString('AB', 2, 'ABCD')).toEqual([0x4142, 0x0000]);
  });

  it('refuses text that does not fit', () => {
    expect(() => encodeString('ABCDE', 2, 'ABCD')).toThrow(RangeError);
  });
});

describe('executeWrite read-back', () => {
  const points = new Map([['set', point({ id: 'set', type: 'uint16' })]]);
  it('a device that acknowledges but holds something else is a mismatch naming the point', async () => {
    const send = (request: ModbusRequest): Promise<ModbusResponse> =>
      Promise.resolve(request.fc === 3 ? { kind: 'registers', registers: Uint16Array.from([41]) } : { kind: 'written', address: 7, quantity: 1 });
    const result = await executeWrite({ deviceId: 'dev', points, send }, 'set', 42);
    expect(result).toMatchObject({ ok: false, error: 'read_back_mismatch', message: matching(/point set.*wrote \[0x002a\].*holds \[0x0029\]/) });
  });

  it('a failed read-back leaves the write unconfirmed, never reported done', async () => {
    const send = (request: ModbusRequest): Promise<ModbusResponse> =>
      request.fc === 3 ? Promise.reject(new Error('no response within 300 ms')) : Promise.resolve({ kind: 'written', address: 7, quantity: 1 });
    expect(await executeWrite({ deviceId: 'dev', points, send }, 'set', 42)).toMatchObject({ ok: false, error: 'device_error', message: matching(/unconfirmed/) });
  });
});
