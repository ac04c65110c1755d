/**
 * mbpoll (Debian's libmodbus master, none of us wrote it) reads our simulator and sees every entry
 * of the documented register map (simulators/devices/safety-monitoring-map.ts, which
 * simulators/README.md is written from) with the value the model serves.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Clock } from '../../agent/model/clock.js';
import { SAFETY_MONITORING_MAP, type MapEntry } from '../../simulators/devices/safety-monitoring-map.js';
import { startSimulators, type RunningSimulators } from '../../simulators/run.js';
import { parseMbpollValues, runMbpoll } from '../helpers/peers.js';

const clock: Clock = { now: () => Date.UTC(2025, 2, 1, 6, 30, 0), monotonic: () => performance.now() };
let sims: RunningSimulators;
let port: number;

beforeAll(async () => {
  sims = await startSimulators({ basePort: 0, seed: 11, clock });
  port = sims.endpoints[0]!.port;
});
afterAll(() => sims.stop());

/** Contiguous runs of same-table, same-type entries: one mbpoll read each, never across a gap. */
function runs(entries: readonly MapEntry[]): MapEntry[][] {
  const sorted = [...entries].sort((a, b) => a.table.localeCompare(b.table) || a.type.localeCompare(b.type) || a.address - b.address);
  const groups: MapEntry[][] = [];
  for (const entry of sorted) {
    const last = groups.at(-1)?.at(-1);
    const width = last?.type === 'float32' ? 2 : 1;
    if (last && last.table === entry.table && last.type === entry.type && last.address + width === entry.address) groups.at(-1)!.push(entry);
    else groups.push([entry]);
  }
  return groups;
}

const MBPOLL_TABLE: Record<MapEntry['table'], string> = { coil: '0', discrete_input: '1', input: '3', holding: '4' };

describe('mbpoll reads the simulator and sees the documented map', () => {
  it('covers every documented entry with the value the model serves', async () => {
    const model = sims.devices.get('sm-1')!.model;
    model.set('ch4', 0.42); // one pinned value so at least one check does not depend on the seed
    const seen = new Set<string>();
    for (const group of runs(SAFETY_MONITORING_MAP)) {
      const first = group[0]!;
      const isFloat = first.type === 'float32';
      const type = isFloat ? `${MBPOLL_TABLE[first.table]}:float` : MBPOLL_TABLE[first.table];
      const args = ['-1', '-0', '-o', '1', '-p', String(port), '-t', type, ...(isFloat ? ['-B'] : []), '-r', String(first.address), '-c', String(group.length), '127.0.0.1'];
      const values = parseMbpollValues(await runMbpoll(args));
      for (const entry of group) {
        const printed = values.get(entry.address);
        expect(printed, `${entry.id} (${entry.table} ${entry.address}) missing from mbpoll ${args.join(' ')}`).toBeDefined();
        const served = model.read(entry.id);
        if (isFloat) expect(Number(printed), entry.id).toBeCloseTo(served as number, 4);
        else expect(Number(printed), entry.id).toBe(typeof served === 'boolean' ? Number(served) : served);
        seen.add(entry.id);
      }
    }
    expect(seen.size).toBe(SAFETY_MONITORING_MAP.length);
    expect(SAFETY_MONITORING_MAP.find((e) => e.id === 'ch4')).toMatchObject({ table: 'input', address: 0, type: 'float32' });
  });

  it('a read across a documented gap gets "illegal data address"', async () => {
    // holding 7–9 are not in the map
    const result = await runMbpoll(['-1', '-0', '-o', '1', '-p', String(port), '-t', '4', '-r', '6', '-c', '5', '127.0.0.1']);
    expect(result.exitCode).not.toBe(0);
    expect(result.stderr + result.stdout).toMatch(/Illegal data address/i);
  });
});
