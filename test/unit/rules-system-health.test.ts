import { describe, expect, it } from 'vitest';
import { at, keys, LAYOUT, SYSTEMS, testConfig, TestMine } from './rules-fixture.js';

const devicesAt = (lastGoodAt: number, overrides: Record<string, number | null> = {}) =>
  SYSTEMS.map((system) => ({ deviceId: `${system}-1`, system, pollIntervalMs: system === 'personnel_positioning' ? 30_000 : 1000, lastGoodAt: system in overrides ? overrides[system]! : lastGoodAt }));

describe('system health (measures 14, 27)', () => {
  it('stale positioning withdraws the permit and raises a critical system fault, exactly past 3 intervals', () => {
    const mine = new TestMine();
    const now = at('08:00');
    mine.devices = devicesAt(now, { personnel_positioning: now - 90_000 });
    expect(mine.decide(now).permit.permitted).toBe(true);
    mine.devices = devicesAt(now, { personnel_positioning: now - 90_001 });
    const decision = mine.decide(now);
    expect(decision.permit).toMatchObject({ permitted: false });
    expect(decision.permit.reasons.map((r) => r.key)).toEqual(['system:personnel_positioning']);
    expect(decision.findings.find((f) => f.key === 'system:personnel_positioning')).toMatchObject({ kind: 'system_fault', severity: 'critical' });
    expect(decision.outputs).toMatchObject({ permit: false, siren: true });
  });

  it('a positioning device that never answered is stale; staleness multiple is per system', () => {
    const mine = new TestMine(testConfig({ systems: { staleAfterPollsBySystem: { safety_monitoring: 10 } } }));
    const now = at('08:00');
    mine.devices = devicesAt(now, { personnel_positioning: null, safety_monitoring: now - 9_000 });
    const decision = mine.decide(now);
    expect(keys(decision)).toContain('system:personnel_positioning');
    expect(keys(decision)).not.toContain('system:safety_monitoring');
  });

  it('another system stale or missing is a fault that does not withdraw the permit', () => {
    const mine = new TestMine();
    const now = at('08:00');
    mine.devices = devicesAt(now, { water_supply: now - 5000 }).filter((d) => d.system !== 'communication');
    const decision = mine.decide(now);
    expect(keys(decision)).toEqual(expect.arrayContaining(['system:water_supply', 'system:communication']));
    expect(decision.permit.permitted).toBe(true);
  });

  it('an unhealthy agent or an unconfirmed headcount means not permitted', () => {
    const mine = new TestMine();
    mine.agent = { healthy: false, problems: ['poll loop stalled'] };
    const decision = mine.decide(at('08:00'));
    expect(decision.permit.permitted).toBe(false);
    expect(decision.findings.find((f) => f.key === 'agent:unhealthy')!.message.zh).toContain('poll loop stalled');

    const fresh = new TestMine();
    (fresh.tracker.view() as { lastSnapshotAt: number | null }).lastSnapshotAt = null;
    expect(fresh.decide(at('08:00')).permit.reasons.map((r) => r.key)).toEqual(['positioning:unconfirmed']);
  });

  it('at 800 m or deeper, online ground pressure must be configured, good and fresh', () => {
    const deep = testConfig({ people: { layout: { ...LAYOUT, mine: { ...LAYOUT.mine, depthM: 800 } } } });
    expect(keys(new TestMine(deep).decide(at('08:00')))).toContain('system:ground_pressure');
    const withPoint = testConfig({ people: { layout: { ...LAYOUT, mine: { ...LAYOUT.mine, depthM: 820 } } }, systems: { groundPressure: [{ device: 'sm-1', point: 'gp' }] } });
    const mine = new TestMine(withPoint);
    mine.points.set('sm-1/gp', { value: 12, quality: 'good', lastGoodAt: at('08:00') });
    expect(keys(mine.decide(at('08:00')))).not.toContain('system:ground_pressure');
    mine.points.set('sm-1/gp', { value: null, quality: 'stale', lastGoodAt: at('07:00') });
    expect(keys(mine.decide(at('08:00')))).toContain('system:ground_pressure');
    expect(keys(new TestMine().decide(at('08:00')))).not.toContain('system:ground_pressure');
  });
});
