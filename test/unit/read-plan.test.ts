import { describe, expect, it } from 'vitest';
import { pointSchema, type PointConfig } from '../../config/schema.js';
import { buildReadPlan } from '../../drivers/modbus/read-plan.js';

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
