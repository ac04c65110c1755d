/**
 * The read plan: built once when the config loads, so each poll cycle only walks a list.
 * Points of one table are sorted and merged into blocks while the hole between them is at most
 * `maxGap` registers (or bits) and the block stays within the per-request cap.
 */
import type { PointConfig, RegisterTable } from '../../config/schema.js';
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
  return isBitTable(point.table) ? 1 : registerCount(point.type);
}

export function buildReadPlan(points: readonly PointConfig[], limits: ReadPlanLimits): ReadBlock[] {
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
      const currentEnd: number = current ? current.address + current.quantity : 0;
      const fits = current !== null && point.address - currentEnd <= limits.maxGap && Math.max(end, currentEnd) - current.address <= cap;
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
