import { describe, expect, it } from 'vitest';
import { pointSchema, type PointConfig } from '../../config/schema.js';
import type { Logger } from '../../agent/runtime/logger.js';
import { AdaptiveReadPlan } from '../../drivers/modbus/adaptive-read-plan.js';
import { buildReadPlan, splitBlockPerPoint } from '../../drivers/modbus/read-plan.js';

const point = (p: Record<string, unknown>): PointConfig => pointSchema.parse(p);
const limits = { maxGap: 10, maxRegistersPerRequest: 125, maxBitsPerRequest: 2000 };

describe('read plan', () => {
  it('merges adjacent and nearby registers of one table into one block', () => {
    const plan = buildReadPlan(
      [
        point({ id: 'a', table: 'input', address: 0, type: 'float32' }),
        point({ id: 'b', table: 'input', address: 2, type: 'float32' }),
        point({ id: 'c', table: 'input', address: 14, type: 'uint16' }), // gap of 10 after b's end (4)
      ],
      limits,
    );
    expect(plan).toHaveLength(1);
    expect(plan[0]).toMatchObject({ table: 'input', fc: 4, address: 0, quantity: 15 });
    expect(plan[0]!.points.map((p) => [p.point.id, p.offset])).toEqual([
      ['a', 0],
      ['b', 2],
      ['c', 14],
    ]);
  });

  it('starts a new block when the gap is one more than allowed', () => {
    const plan = buildReadPlan(
      [point({ id: 'a', table: 'holding', address: 0, type: 'uint16' }), point({ id: 'b', table: 'holding', address: 12, type: 'uint16' })],
      limits,
    );
    expect(plan.map((b) => [b.address, b.quantity])).toEqual([
      [0, 1],
      [12, 1],
    ]);
  });

  it('never merges different tables, and never exceeds the per-request cap', () => {
    const many = Array.from({ length: 100 }, (_, i) => point({ id: `f${i}`, table: 'input', address: i * 2, type: 'float32' }));
    const plan = buildReadPlan([...many, point({ id: 'h', table: 'holding', address: 0 }), point({ id: 'c', table: 'coil', address: 0, type: 'bool' })], limits);
    const inputBlocks = plan.filter((b) => b.table === 'input');
    expect(inputBlocks.map((b) => b.quantity)).toEqual([124, 76]);
    expect(plan.filter((b) => b.table !== 'input').map((b) => [b.table, b.fc])).toEqual([
      ['holding', 3],
      ['coil', 1],
    ]);
  });

  it('honours a lower per-device cap', () => {
    const points = Array.from({ length: 10 }, (_, i) => point({ id: `r${i}`, table: 'holding', address: i }));
    const plan = buildReadPlan(points, { ...limits, maxRegistersPerRequest: 4 });
    expect(plan.map((b) => b.quantity)).toEqual([4, 4, 2]);
  });

  it('ref-1k map: 100 float32 per device coalesce into 2 requests instead of 100', () => {
    const points = Array.from({ length: 100 }, (_, i) => point({ id: `v${i}`, table: 'holding', address: i * 2, type: 'float32' }));
    expect(buildReadPlan(points, limits)).toHaveLength(2);
  });

  it('two points on the same register (overlapping) share the block without growing it', () => {
    const plan = buildReadPlan(
      [point({ id: 'word', table: 'holding', address: 5, type: 'uint32' }), point({ id: 'low', table: 'holding', address: 6, type: 'uint16' })],
      limits,
    );
    expect(plan).toHaveLength(1);
    expect(plan[0]).toMatchObject({ address: 5, quantity: 2 });
  });
});

describe('read plan: prohibited ranges, bit caps and the illegal-address fallback', () => {
  it('never lets a block cover a prohibited range: it splits around it', () => {
    const points = [0, 2, 4, 10, 12].map((address) => point({ id: `p${address}`, table: 'holding', address, type: 'float32' }));
    const plan = buildReadPlan(points, { ...limits, prohibitedRanges: [{ table: 'holding', start: 7, end: 8 }] });
    expect(plan.map((b) => [b.address, b.quantity])).toEqual([
      [0, 6],
      [10, 4],
    ]);
    for (const block of plan) expect(block.address + block.quantity - 1 < 7 || block.address > 8).toBe(true);
  });

  it('a prohibited range of another table does not split', () => {
    const points = [0, 10].map((address) => point({ id: `p${address}`, table: 'holding', address }));
    expect(buildReadPlan(points, { ...limits, prohibitedRanges: [{ table: 'input', start: 5, end: 5 }] })).toHaveLength(1);
  });

  it('refuses a point inside a prohibited range (the schema rejects it first)', () => {
    expect(() => buildReadPlan([point({ id: 'x', table: 'input', address: 5 })], { ...limits, prohibitedRanges: [{ table: 'input', start: 5, end: 5 }] })).toThrow(
      /prohibited/,
    );
  });

  it('caps coil reads at maxBitsPerRequest', () => {
    const coils = Array.from({ length: 20 }, (_, i) => point({ id: `c${i}`, table: 'coil', address: i, type: 'bool' }));
    expect(buildReadPlan(coils, { ...limits, maxBitsPerRequest: 8 }).map((b) => b.quantity)).toEqual([8, 8, 4]);
  });

  it('a string point spans its length in registers', () => {
    const plan = buildReadPlan([point({ id: 's', table: 'holding', address: 3, type: 'string', length: 5 })], limits);
    expect(plan[0]).toMatchObject({ address: 3, quantity: 5 });
  });

  it('splits a block into one read per point, sharing a read between points on the same address', () => {
    const plan = buildReadPlan(
      [
        point({ id: 'a', table: 'holding', address: 0, type: 'float32' }),
        point({ id: 'b', table: 'holding', address: 6 }),
        point({ id: 'b-bit', table: 'holding', address: 6, type: 'bit', bit: 3 }),
      ],
      limits,
    );
    expect(plan).toHaveLength(1);
    const parts = splitBlockPerPoint(plan[0]!);
    expect(parts.map((b) => [b.address, b.quantity, b.points.map((p) => [p.point.id, p.offset])])).toEqual([
      [0, 2, [['a', 0]]],
      [
        6,
        1,
        [
          ['b', 0],
          ['b-bit', 0],
        ],
      ],
    ]);
  });

  it('remembers a split and logs it once', () => {
    const warnings: string[] = [];
    const logger = { warn: (_fields: unknown, message: string) => warnings.push(message) } as unknown as Logger;
    const initial = buildReadPlan([point({ id: 'a', table: 'holding', address: 0 }), point({ id: 'b', table: 'holding', address: 5 })], limits);
    const adaptive = new AdaptiveReadPlan(initial, 'dev', logger);
    const parts = adaptive.splitAfterIllegalAddress(adaptive.blocks[0]!);
    expect(parts).toHaveLength(2);
    expect(adaptive.blocks.map((b) => [b.address, b.quantity])).toEqual([
      [0, 1],
      [5, 1],
    ]);
    // A single point's read has nothing smaller to fall back to.
    expect(adaptive.splitAfterIllegalAddress(adaptive.blocks[0]!)).toBeNull();
    expect(adaptive.splits).toBe(1);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/illegal data address.*holding 0\+6/);
  });
});
