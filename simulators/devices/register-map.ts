/**
 * One row of a simulated device's documented register map. Every device's `*-map.ts` is a list of
 * these: the simulator serves from it, simulators/README.md documents it and config/examples/
 * maps it, and tests hold all three together.
 */
import type { ByteOrder, RegisterTable, ValueType } from '../../config/schema.js';

export interface MapEntry {
  id: string;
  table: RegisterTable;
  address: number;
  type: ValueType;
  byteOrder: ByteOrder;
  /** Engineering unit ('' for none). */
  unit: string;
  /** The documentation's words, e.g. "0–1.6" or "0/1". */
  range: string;
  meaning: string;
  nameZh: string;
  writable: boolean;
  /** Writable registers: a written raw value outside [min, max] is refused with exception 3. */
  limits?: { min: number; max: number };
  /** Writable points: the value at power-up. */
  initial?: number | boolean;
  /** Config hints for the examples: engineering value = raw × scale (+ offset). */
  scale?: number;
}

export const isBitTable = (table: RegisterTable): table is 'coil' | 'discrete_input' => table === 'coil' || table === 'discrete_input';

type EntryShorthand = Omit<MapEntry, 'table' | 'type' | 'byteOrder' | 'writable' | 'unit' | 'range'> & Partial<Pick<MapEntry, 'unit' | 'range'>>;

/** Read-only status bit (discrete input). */
export const statusBit = (address: number, id: string, nameZh: string, meaning: string): MapEntry => ({
  id, address, nameZh, meaning, table: 'discrete_input', type: 'bool', byteOrder: 'ABCD', unit: '', range: '0/1', writable: false,
});

/** Writable coil; `initial` is its power-up state. */
export const coil = (address: number, id: string, nameZh: string, meaning: string, initial = false): MapEntry => ({
  id, address, nameZh, meaning, initial, table: 'coil', type: 'bool', byteOrder: 'ABCD', unit: '', range: '0/1', writable: true,
});

/** Read-only float32 ABCD measurement in two input registers. */
export const floatInput = (entry: EntryShorthand & { unit: string; range: string }): MapEntry => ({
  ...entry, table: 'input', type: 'float32', byteOrder: 'ABCD', writable: false,
});

/** Read-only integer in input registers. */
export const intInput = (type: 'uint16' | 'uint32', entry: EntryShorthand): MapEntry => ({
  unit: '', range: type === 'uint16' ? '0–65535' : '0–4294967295', ...entry, table: 'input', type, byteOrder: 'ABCD', writable: false,
});

/** Writable uint16 setting in one holding register. */
export const setting = (entry: EntryShorthand & { limits: { min: number; max: number }; initial: number }): MapEntry => ({
  unit: '', range: `${entry.limits.min}–${entry.limits.max}`, ...entry, table: 'holding', type: 'uint16', byteOrder: 'ABCD', writable: true,
});
