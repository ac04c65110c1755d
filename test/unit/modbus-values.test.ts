/**
 * Register words below are written from IEEE 754 / two's complement by hand (checked with Python's
 * struct), never produced by the code under test.
 */
import { describe, expect, it } from 'vitest';
import type { ByteOrder } from '../../config/schema.js';
import { decodeRegisters, encodeRegisters, registerCount, type RegisterValueType } from '../../drivers/modbus/values.js';

interface Case {
  type: RegisterValueType;
  value: number;
  words: Record<ByteOrder, number[]>;
}

const CASES: Case[] = [
  // -12345 = 0xCFC7; one register: word order does not apply, byte swap does.
  { type: 'int16', value: -12345, words: { ABCD: [0xcfc7], CDAB: [0xcfc7], BADC: [0xc7cf], DCBA: [0xc7cf] } },
  { type: 'uint16', value: 0x1234, words: { ABCD: [0x1234], CDAB: [0x1234], BADC: [0x3412], DCBA: [0x3412] } },
  // -123456789 = 0xF8A432EB
  { type: 'int32', value: -123456789, words: { ABCD: [0xf8a4, 0x32eb], CDAB: [0x32eb, 0xf8a4], BADC: [0xa4f8, 0xeb32], DCBA: [0xeb32, 0xa4f8] } },
  { type: 'uint32', value: 0xdeadbeef, words: { ABCD: [0xdead, 0xbeef], CDAB: [0xbeef, 0xdead], BADC: [0xadde, 0xefbe], DCBA: [0xefbe, 0xadde] } },
  // 123.456f = 0x42F6E979
  { type: 'float32', value: Math.fround(123.456), words: { ABCD: [0x42f6, 0xe979], CDAB: [0xe979, 0x42f6], BADC: [0xf642, 0x79e9], DCBA: [0x79e9, 0xf642] } },
  // -0.15625f = 0xBE200000 (exact in binary)
  { type: 'float32', value: -0.15625, words: { ABCD: [0xbe20, 0x0000], CDAB: [0x0000, 0xbe20], BADC: [0x20be, 0x0000], DCBA: [0x0000, 0x20be] } },
  // 123.456 = 0x405EDD2F1A9FBE77; for 64 bits CDAB/DCBA reverse all four words (pymodbus wordorder).
  {
    type: 'float64',
    value: 123.456,
    words: {
      ABCD: [0x405e, 0xdd2f, 0x1a9f, 0xbe77],
      CDAB: [0xbe77, 0x1a9f, 0xdd2f, 0x405e],
      BADC: [0x5e40, 0x2fdd, 0x9f1a, 0x77be],
      DCBA: [0x77be, 0x9f1a, 0x2fdd, 0x5e40],
    },
  },
];

const ORDERS: ByteOrder[] = ['ABCD', 'CDAB', 'BADC', 'DCBA'];

describe('encodeRegisters / decodeRegisters', () => {
  for (const { type, value, words } of CASES) {
    for (const order of ORDERS) {
      it(`${type} ${value} ${order} is ${words[order].map((w) => w.toString(16).padStart(4, '0')).join(' ')}`, () => {
        expect(encodeRegisters(value, type, order)).toEqual(words[order]);
        expect(decodeRegisters(words[order], 0, type, order)).toBe(value);
      });
    }
  }

  it('decodes a value in the middle of a block', () => {
    const block = [0xffff, 0x42f6, 0xe979, 0xffff];
    expect(decodeRegisters(block, 1, 'float32', 'ABCD')).toBe(Math.fround(123.456));
  });

  it('refuses to read past the end of a block', () => {
    expect(() => decodeRegisters([0x42f6, 0xe979], 1, 'float32', 'ABCD')).toThrow(RangeError);
    expect(() => decodeRegisters([0x42f6], -1, 'int16', 'ABCD')).toThrow(RangeError);
  });

  it('carries NaN through float32 (the simulator serves NaN for a faulted sensor)', () => {
    const words = encodeRegisters(Number.NaN, 'float32', 'ABCD');
    expect(words[0]! & 0x7f80).toBe(0x7f80);
    expect(decodeRegisters(words, 0, 'float32', 'ABCD')).toBeNaN();
  });

  it('counts registers per type', () => {
    expect([registerCount('bool'), registerCount('int16'), registerCount('uint16')]).toEqual([1, 1, 1]);
    expect([registerCount('int32'), registerCount('uint32'), registerCount('float32')]).toEqual([2, 2, 2]);
    expect(registerCount('float64')).toBe(4);
  });
});
