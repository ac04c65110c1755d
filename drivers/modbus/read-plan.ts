/**
 * The read plan: built once when the config loads, so each poll cycle only walks a list.
 * Points of one table are sorted and merged into blocks while the hole between them is at most
 * `maxGap` registers (or bits), the block stays within the per-request cap, and the block covers
 * no prohibited range (registers whose read has side effects or upsets the device).
 */
import type { PointConfig, ProhibitedRange, RegisterTable } from '../../config/schema.js';
import { FunctionCode, LIMITS, type ReadFunctionCode } from './protocol/pdu.js';
import { registerCount } from './values.js';

export interface PlannedPoint {
  point: PointConfig;
  /** Position of the point's first register (or bit) inside its block. */
  offset: number;
}

export interface ReadBlock {
  table: RegisterTable;
  fc: ReadFunctionCode;
  address: number;
  quantity: number;
  points: PlannedPoint[];
}

export interface ReadPlanLimits {
  /** Registers or bits that may be read in between two points to merge them into one request. */
  maxGap: number;
  maxRegistersPerRequest: number;
  maxBitsPerRequest: number;
  /** Address ranges (inclusive) no block may cover. */
  prohibitedRanges?: readonly ProhibitedRange[];
}

const TABLE_FUNCTION: Record<RegisterTable, ReadFunctionCode> = {
  coil: FunctionCode.readCoils,
  discrete_input: FunctionCode.readDiscreteInputs,
  holding: FunctionCode.readHoldingRegisters,
  input: FunctionCode.readInputRegisters,
};

const TABLE_ORDER: readonly RegisterTable[] = ['input', 'holding', 'discrete_input', 'coil'];

export function isBitTable(table: RegisterTable): boolean {
  return table === 'coil' || table === 'discrete_input';
}

/** How many registers (or bits) the point occupies. */
export function pointWidth(point: PointConfig): number {
  return isBitTable(point.table) ? 1 : registerCount(point.type, point.length);
}

/** The first prohibited range of `table` that [start, end) touches, if any. */
function prohibitedIn(ranges: readonly ProhibitedRange[], table: RegisterTable, start: number, end: number): ProhibitedRange | undefined {
  return ranges.find((range) => range.table === table && start <= range.end && end - 1 >= range.start);
}

/** Throws when a point lies in a prohibited range; the config schema rejects such configs first. */
export function buildReadPlan(points: readonly PointConfig[], limits: ReadPlanLimits): ReadBlock[] {
  const prohibited = limits.prohibitedRanges ?? [];
  const blocks: ReadBlock[] = [];
  for (const table of TABLE_ORDER) {
    const cap = isBitTable(table)
      ? Math.min(limits.maxBitsPerRequest, LIMITS.maxReadBits)
      : Math.min(limits.maxRegistersPerRequest, LIMITS.maxReadRegisters);
    const sorted = points.filter((p) => p.table === table).sort((a, b) => a.address - b.address || pointWidth(b) - pointWidth(a));
    let current: ReadBlock | null = null;
    for (const point of sorted) {
      const width = pointWidth(point);
      const end = point.address + width;
      const inside = prohibitedIn(prohibited, table, point.address, end);
      if (inside) throw new Error(`point ${point.id} (${table} ${point.address}+${width}) lies in the prohibited range ${inside.start}–${inside.end}`);
      if (width > cap) throw new Error(`point ${point.id} spans ${width} registers, more than one request may read (${cap})`);
      const currentEnd: number = current ? current.address + current.quantity : 0;
      const fits =
        current !== null &&
        point.address - currentEnd <= limits.maxGap &&
        Math.max(end, currentEnd) - current.address <= cap &&
        !prohibitedIn(prohibited, table, current.address, Math.max(end, currentEnd));
      if (current && fits) {
        current.quantity = Math.max(end, currentEnd) - current.address;
        current.points.push({ point, offset: point.address - current.address });
      } else {
        current = { table, fc: TABLE_FUNCTION[table], address: point.address, quantity: width, points: [{ point, offset: 0 }] };
        blocks.push(current);
      }
    }
  }
  return blocks;
}

/**
 * The fallback when a device rejects a block with "illegal data address": one block per point, so
 * the points the device does serve are read and only the others fail. Points on the same address
 * (e.g. a uint32 and its low word) still share one read.
 */
export function splitBlockPerPoint(block: ReadBlock): ReadBlock[] {
  const parts: ReadBlock[] = [];
  for (const planned of block.points) {
    const { point } = planned;
    const width = pointWidth(point);
    const same = parts.find((part) => part.address === point.address && part.quantity === width);
    if (same) same.points.push({ point, offset: 0 });
    else parts.push({ table: block.table, fc: block.fc, address: point.address, quantity: width, points: [{ point, offset: 0 }] });
  }
  return parts;
}
