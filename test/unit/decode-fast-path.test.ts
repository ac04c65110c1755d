/**
 * The per-point fast path of block-samples.ts (numericValue, no result object) against the
 * descriptive decoder it stands in for (decodePlannedPoint): same value, same quality, for every
 * numeric type and byte order, scaled and 4–20 mA points, NaN, infinities and loops out of band.
 */
import { describe, expect, it } from 'vitest';
import type { Sample } from '../../agent/model/sample.js';
import { pointSchema, type PointConfig } from '../../config/schema.js';
import { blockSamples, type BlockOutcome } from '../../drivers/modbus/block-samples.js';
import { decodePlannedPoint, isNumericRegisterPoint, numericValue } from '../../drivers/modbus/decode-point.js';
import type { ModbusResponse } from '../../drivers/modbus/protocol/pdu.js';
import type { ReadBlock } from '../../drivers/modbus/read-plan.js';
import { encodeRegisters, type RegisterValueType } from '../../drivers/modbus/values.js';

const TYPES: RegisterValueType[] = ['int16', 'uint16', 'int32', 'uint32', 'float32', 'float64'];
const ORDERS = ['ABCD', 'CDAB', 'BADC', 'DCBA'] as const;
const point = (p: Record<string, unknown>): PointConfig => pointSchema.parse({ id: 'p', table: 'holding', address: 0, ...p });

/** Raw words for a value of `type`, or the raw bit pattern of a float NaN / infinity. */
function words(type: RegisterValueType, order: (typeof ORDERS)[number], value: number): number[] {
  return encodeRegisters(value, type, order);
}

const VALUES: Record<RegisterValueType, number[]> = {
  int16: [0, 1, -1, 32767, -32768, 4000, 20000, 3799],
  uint16: [0, 1, 65535, 4000, 12000, 20000, 20600, 3700],
  int32: [0, -1, 2147483647, -2147483648, 123456],
  uint32: [0, 4294967295, 123456],
  float32: [0, -0.5, 1.5, 3.4e38, -3.4e38, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 1e-40],
  float64: [0, Math.PI, -1e300, 1e300, Number.NaN, Number.POSITIVE_INFINITY],
};

const SCALINGS: Array<Record<string, unknown>> = [
  {},
  { scale: 0.1, offset: -40 },
  { scale: 1e10 }, // float32 max × 1e10 overflows to Infinity: still a "good" value, as before
  { analog: { rawAt4mA: 4000, rawAt20mA: 20000, low: 0, high: 4 } },
  { analog: { rawAt4mA: 20000, rawAt20mA: 4000, low: -10, high: 50 } }, // an inverted transmitter
];

function fastPath(planned: { point: PointConfig; offset: number }, response: ModbusResponse): { value: unknown; quality: string } {
  const block: ReadBlock = { table: 'holding', fc: 3, address: 0, quantity: 4, points: [planned] };
  const outcome: BlockOutcome = { kind: 'response', response, receivedAt: 1, mono: 2 };
  const [sample] = blockSamples('d', [block], new Map([[block, outcome]]), { ts: 0, mono: 0 });
  return { value: (sample as Sample).value, quality: (sample as Sample).quality };
}

function slowPath(planned: { point: PointConfig; offset: number }, response: ModbusResponse): { value: unknown; quality: string } {
  const decoded = decodePlannedPoint(planned, response);
  return decoded.ok ? { value: decoded.value, quality: 'good' } : { value: null, quality: decoded.quality };
}

describe('numeric points: the fast path decides exactly as decodePlannedPoint', () => {
  let compared = 0;
  for (const type of TYPES) {
    for (const order of ORDERS) {
      for (const scaling of SCALINGS) {
        if (scaling.analog !== undefined && (type === 'float64' || type === 'uint32')) continue;
        it(`${type} ${order} ${JSON.stringify(scaling)}`, () => {
          const p = point({ type, byteOrder: order, ...scaling });
          expect(isNumericRegisterPoint(p)).toBe(true);
          for (const value of VALUES[type]) {
            const registers = Uint16Array.from([0, ...words(type, order, value), 0, 0, 0].slice(0, 6));
            const planned = { point: p, offset: 1 };
            const response: ModbusResponse = { kind: 'registers', registers };
            const fast = fastPath(planned, response);
            expect(fast, `${value}`).toEqual(slowPath(planned, response));
            compared++;
          }
        });
      }
    }
  }
  it('compared a few hundred cases', () => expect(compared).toBeGreaterThan(300));

  it('numericValue gives NaN exactly where the point has no valid reading', () => {
    const loop = point({ type: 'uint16', analog: { rawAt4mA: 4000, rawAt20mA: 20000, low: 0, high: 4 } });
    expect(numericValue(Uint16Array.from([12000]), 0, loop as never)).toBe(2);
    expect(numericValue(Uint16Array.from([3000]), 0, loop as never)).toBeNaN(); // 3.0 mA: broken wire
    expect(fastPath({ point: loop, offset: 0 }, { kind: 'registers', registers: Uint16Array.from([3000]) })).toEqual({ value: null, quality: 'sensor_fault' });
  });

  it('leaves strings, bits and bools to the general decoder', () => {
    for (const p of [point({ type: 'string', length: 2 }), point({ type: 'bit', bit: 3 }), point({ type: 'bool', table: 'coil' })]) expect(isNumericRegisterPoint(p)).toBe(false);
    const text = point({ type: 'string', length: 2 });
    expect(fastPath({ point: text, offset: 0 }, { kind: 'registers', registers: Uint16Array.from([0x4142, 0x4300]) })).toEqual({ value: 'ABC', quality: 'good' });
  });
});
