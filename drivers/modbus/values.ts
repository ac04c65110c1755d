/**
 * Register ⇄ value conversion for every numeric type and the four byte orders found in the field.
 *
 * Bytes of a value, most significant first, are named A B C D (E F G H for 64 bits).
 * - ABCD: words in order, bytes in order (Modbus standard, big-endian)
 * - CDAB: words reversed, bytes in order ("word swap", common on PLCs)
 * - BADC: words in order, bytes swapped within each word ("byte swap")
 * - DCBA: words reversed and bytes swapped (little-endian)
 * For 64-bit values the word order reverses all four words, as pymodbus' wordorder does.
 */
import type { ByteOrder, ValueType } from '../../config/schema.js';

/** The numeric register types: one number from 1, 2 or 4 registers. */
export type RegisterValueType = Exclude<ValueType, 'bool' | 'bit' | 'string'>;

/**
 * Registers one value of `type` occupies. A string's width is its configured length, so it must be
 * given for type "string" (a missing length is a programming error, not a field condition).
 */
export function registerCount(type: ValueType, stringLength?: number): number {
  switch (type) {
    case 'string':
      if (stringLength === undefined) throw new RangeError('a string point needs its length in registers');
      return stringLength;
    case 'bool':
    case 'bit':
    case 'int16':
    case 'uint16':
      return 1;
    case 'int32':
    case 'uint32':
    case 'float32':
      return 2;
    case 'float64':
      return 4;
  }
}

const wordsReversed = (order: ByteOrder) => order === 'CDAB' || order === 'DCBA';
const bytesSwapped = (order: ByteOrder) => order === 'BADC' || order === 'DCBA';
const swap16 = (word: number) => ((word & 0xff) << 8) | (word >> 8);

/** Puts `count` registers starting at `offset` into big-endian byte order A B C D … */
function toBigEndianBytes(registers: ArrayLike<number>, offset: number, count: number, order: ByteOrder): Buffer {
  const bytes = Buffer.allocUnsafe(count * 2);
  for (let i = 0; i < count; i++) {
    let word = registers[offset + (wordsReversed(order) ? count - 1 - i : i)]!;
    if (bytesSwapped(order)) word = swap16(word);
    bytes.writeUInt16BE(word, i * 2);
  }
  return bytes;
}

/**
 * Numbers are decoded through one 8-byte scratch buffer: this runs for every point of every cycle,
 * and a fresh Buffer per point cost a measurable share of the poll path. Safe because decoding is
 * synchronous and the bytes are read before the function returns.
 */
const SCRATCH = Buffer.alloc(8);

/**
 * Decodes the raw value (before scale and offset) at `offset`. The caller has checked the length.
 * Kept small (the error text is built elsewhere) so the optimizing compiler can inline it into the
 * per-point loop: a call it cannot inline returns its number boxed, one object per point.
 */
export function decodeRegisters(registers: ArrayLike<number>, offset: number, type: RegisterValueType, order: ByteOrder): number {
  const count = registerCount(type);
  if (offset < 0 || offset + count > registers.length) throw outOfBlock(type, offset, count, registers.length);
  const reversed = wordsReversed(order);
  const swapped = bytesSwapped(order);
  for (let i = 0; i < count; i++) {
    const word = registers[offset + (reversed ? count - 1 - i : i)]!;
    SCRATCH.writeUInt16BE(swapped ? swap16(word) : word, i * 2);
  }
  const bytes = SCRATCH;
  switch (type) {
    case 'int16':
      return bytes.readInt16BE(0);
    case 'uint16':
      return bytes.readUInt16BE(0);
    case 'int32':
      return bytes.readInt32BE(0);
    case 'uint32':
      return bytes.readUInt32BE(0);
    case 'float32':
      return bytes.readFloatBE(0);
    case 'float64':
      return bytes.readDoubleBE(0);
  }
}

function outOfBlock(type: RegisterValueType, offset: number, count: number, length: number): RangeError {
  return new RangeError(`${type} at register offset ${offset} needs ${count} register(s); the block has ${length}`);
}

/** Encodes a raw value into registers in the given order (simulators, writes, tests). */
export function encodeRegisters(value: number, type: RegisterValueType, order: ByteOrder): number[] {
  const count = registerCount(type);
  const bytes = Buffer.alloc(count * 2);
  switch (type) {
    case 'int16':
      bytes.writeInt16BE(value, 0);
      break;
    case 'uint16':
      bytes.writeUInt16BE(value, 0);
      break;
    case 'int32':
      bytes.writeInt32BE(value, 0);
      break;
    case 'uint32':
      bytes.writeUInt32BE(value, 0);
      break;
    case 'float32':
      bytes.writeFloatBE(value, 0);
      break;
    case 'float64':
      bytes.writeDoubleBE(value, 0);
      break;
  }
  const words: number[] = [];
  for (let i = 0; i < count; i++) {
    let word = bytes.readUInt16BE(i * 2);
    if (bytesSwapped(order)) word = swap16(word);
    words.push(word);
  }
  return wordsReversed(order) ? words.reverse() : words;
}

/**
 * Decodes `length` registers as text. The byte order applies as for numbers (BADC/DCBA swap the two
 * characters in each register, CDAB/DCBA reverse the register order). Bytes are read as UTF-8 (plain
 * ASCII is a subset); trailing NULs and spaces — the padding devices fill unused characters with —
 * are trimmed. Anything after the first NUL is padding too.
 */
export function decodeString(registers: ArrayLike<number>, offset: number, length: number, order: ByteOrder): string {
  if (offset < 0 || length < 1 || offset + length > registers.length) {
    throw new RangeError(`a string of ${length} register(s) at offset ${offset} does not fit a block of ${registers.length}`);
  }
  const bytes = toBigEndianBytes(registers, offset, length, order);
  const nul = bytes.indexOf(0);
  let end = nul === -1 ? bytes.length : nul;
  while (end > 0 && bytes[end - 1] === 0x20) end--; // NULs are already cut at the first one
  return bytes.subarray(0, end).toString('utf8');
}

/** Encodes text into `length` registers, NUL-padded; throws RangeError when it does not fit. */
export function encodeString(text: string, length: number, order: ByteOrder): number[] {
  const encoded = Buffer.from(text, 'utf8');
  if (encoded.length > length * 2) throw new RangeError(`"${text}" needs ${encoded.length} bytes; ${length} register(s) hold ${length * 2}`);
  const bytes = Buffer.alloc(length * 2);
  encoded.copy(bytes);
  const words: number[] = [];
  for (let i = 0; i < length; i++) {
    const word = bytes.readUInt16BE(i * 2);
    words.push(bytesSwapped(order) ? swap16(word) : word);
  }
  return wordsReversed(order) ? words.reverse() : words;
}

/** One bit of a register, 0 = least significant, after the register's byte order is applied. */
export function decodeBit(registers: ArrayLike<number>, offset: number, bit: number, order: ByteOrder): boolean {
  return ((decodeRegisters(registers, offset, 'uint16', order) >> bit) & 1) === 1;
}
