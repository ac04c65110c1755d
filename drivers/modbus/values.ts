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

export type RegisterValueType = Exclude<ValueType, 'bool'>;

export function registerCount(type: ValueType): number {
  switch (type) {
    case 'bool':
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

/** Decodes the raw value (before scale and offset) at `offset`. The caller has checked the length. */
export function decodeRegisters(registers: ArrayLike<number>, offset: number, type: RegisterValueType, order: ByteOrder): number {
  const count = registerCount(type);
  if (offset < 0 || offset + count > registers.length) {
    throw new RangeError(`${type} at register offset ${offset} needs ${count} register(s); the block has ${registers.length}`);
  }
  const bytes = toBigEndianBytes(registers, offset, count, order);
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
