/**
 * The probe's printout: raw registers in decimal and hex, and the values they decode to for one
 * type in all four byte orders side by side — an electrician's question is usually "which order
 * makes this value look right?". Pure text formatting; no I/O.
 */
import type { ByteOrder } from '../../../config/schema.js';
import { decodeRegisters, decodeString, registerCount, type RegisterValueType } from '../values.js';

export const ORDERS: readonly ByteOrder[] = ['ABCD', 'CDAB', 'BADC', 'DCBA'];
/** Types probe can decode registers as (bool/bit are read from coils or shown in the raw bits). */
export const PROBE_TYPES = ['int16', 'uint16', 'int32', 'uint32', 'float32', 'float64', 'string'] as const;
export type ProbeType = (typeof PROBE_TYPES)[number];

export function formatRegisters(address: number, registers: ArrayLike<number>): string {
  const lines = ['address      dec     hex  bits'];
  for (let i = 0; i < registers.length; i++) {
    const word = registers[i]!;
    const bits = word.toString(2).padStart(16, '0').replace(/(\d{4})(?=\d)/g, '$1 ');
    lines.push(`${String(address + i).padStart(7)}  ${String(word).padStart(7)}  0x${word.toString(16).padStart(4, '0')}  ${bits}`);
  }
  return lines.join('\n');
}

export function formatBits(address: number, bits: readonly boolean[]): string {
  const lines = ['address  value'];
  bits.forEach((bit, i) => lines.push(`${String(address + i).padStart(7)}  ${bit ? 1 : 0}`));
  return lines.join('\n');
}

/**
 * Decoded values of `type` at every position the registers hold one (a string takes them all), in
 * the four orders; the `chosen` order is marked with "*".
 */
export function formatDecoded(address: number, registers: ArrayLike<number>, type: ProbeType, chosen?: ByteOrder): string {
  const header = ['', ...ORDERS.map((order) => (order === chosen ? `${order}*` : order))];
  const rows: string[][] = [];
  if (type === 'string') {
    rows.push([`${address}+${registers.length}`, ...ORDERS.map((order) => JSON.stringify(decodeString(registers, 0, registers.length, order)))]);
  } else {
    const width = registerCount(type);
    for (let offset = 0; offset + width <= registers.length; offset += width) {
      const at = width === 1 ? String(address + offset) : `${address + offset}–${address + offset + width - 1}`;
      rows.push([at, ...ORDERS.map((order) => formatNumber(decodeRegisters(registers, offset, type, order), type))]);
    }
  }
  const widths = header.map((h, col) => Math.max(h.length, ...rows.map((row) => row[col]!.length)));
  const line = (cells: string[]) => cells.map((cell, col) => (col === 0 ? cell.padEnd(widths[col]!) : cell.padStart(widths[col]!))).join('   ');
  const legend = chosen ? `\n* the order given with --order` : '';
  return [`${type} as decoded in each byte order:`, line(header), ...rows.map(line)].join('\n') + legend;
}

function formatNumber(value: number, type: RegisterValueType): string {
  if (!Number.isFinite(value)) return String(value);
  if (type === 'float32') return String(Number(value.toPrecision(7)));
  if (type === 'float64') return String(Number(value.toPrecision(15)));
  return String(value);
}

/** Registers one value of `type` needs (a string needs at least one). */
export function minimumCount(type: ProbeType): number {
  return type === 'string' ? 1 : registerCount(type);
}
