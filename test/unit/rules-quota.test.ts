import { describe, expect, it } from 'vitest';
import { at, cards, keys, testConfig, TestMine } from './rules-fixture.js';

describe('quota rule (定员, measure 36)', () => {
  const withMineQuota = (limit: number, extra: Record<string, unknown> = {}) => new TestMine(testConfig({ quotas: { mine: limit, ...extra } }));

  it('below the quota: permitted, no alarm', () => {
    const mine = withMineQuota(5);
    mine.place(['9000', ...cards(1000, 3)], 12, at('07:30'));
    const decision = mine.decide(at('07:31'));
    expect(decision.permit.permitted).toBe(true);
    expect(decision.outputs.led[0]).toBe('井下人数 4/5');
  });

  it('exactly at the quota: the permit is withdrawn, no alarm', () => {
    const mine = withMineQuota(5);
    mine.place(['9000', ...cards(1000, 4)], 12, at('07:30'));
    const decision = mine.decide(at('07:31'));
    expect(decision.permit.permitted).toBe(false);
    expect(decision.permit.reasons.map((r) => r.key)).toEqual(['quota-full:mine']);
    expect(decision.transitions).toEqual([]);
    expect(mine.alarms.active()).toEqual([]);
  });

  it('one over the quota: over-quota alarm naming the people, and the one who entered without a permit', () => {
    const mine = withMineQuota(5);
    mine.place(['9000', ...cards(1000, 4)], 12, at('07:30'));
    mine.decide(at('07:31'));
    mine.place(['1004'], 12, at('07:32'));
    const decision = mine.decide(at('07:33'));
    expect(keys(decision)).toEqual(expect.arrayContaining(['quota-full:mine', 'quota:mine', 'entry-without-permit:card:1004']));
    const over = decision.findings.find((f) => f.key === 'quota:mine')!;
    expect(over).toMatchObject({ kind: 'over_quota', severity: 'high', alarm: true });
    expect(over.people).toHaveLength(6);
    expect(over.message.zh).toContain('井下 6 人，定员 5 人');
    const violation = decision.findings.find((f) => f.kind === 'entry_without_permit')!;
    expect(violation.people).toEqual([{ card: '1004', name: '工人1004', location: '-100m 东翼采场' }]);
    expect(decision.transitions.map((t) => [t.key, t.to])).toEqual(
      expect.arrayContaining([
        ['quota:mine', 'active_unacked'],
        ['entry-without-permit:card:1004', 'active_unacked'],
      ]),
    );
    expect(decision.outputs).toMatchObject({ siren: true, permit: false });
    expect(decision.outputs.led[0]).toBe('井下人数 6/5');
  });

  it('flags the entry past the quota even when the whole batch lands in one poll', () => {
    const mine = withMineQuota(3);
    mine.decide(at('07:00'));
    mine.place(['9000', ...cards(1000, 3)], 12, at('07:30'));
    const decision = mine.decide(at('07:31'));
    expect(keys(decision).filter((k) => k.startsWith('entry-without-permit'))).toEqual(['entry-without-permit:card:1002']);
  });

  it('checks area and level quotas, and a platform quota overrides the config for its scope', () => {
    const mine = withMineQuota(100, { areas: { east: 2 }, levels: { L2: 1 } });
    mine.place(['9000', '1000'], 12, at('07:30'));
    mine.place(['1001', '1003'], 23, at('07:30'));
    let decision = mine.decide(at('07:31'));
    expect(keys(decision)).toEqual(expect.arrayContaining(['quota-full:area:east', 'quota:level:L2']));
    mine.settings.quotas = { 'area:east': { scope: 'area', target: 'east', limit: 10, setAt: 0, setBy: 'cmd-1' } };
    decision = mine.decide(at('07:32'));
    expect(keys(decision)).not.toContain('quota-full:area:east');
  });

  it('counts every shift on its own against the shift quota', () => {
    const mine = new TestMine(testConfig({ quotas: { shift: 2 } }));
    mine.place(['9000', '1000'], 12, at('06:00'));
    mine.place(['9001', '1001'], 12, at('07:30'));
    const decision = mine.decide(at('07:31'));
    expect(keys(decision)).toEqual(expect.arrayContaining(['quota-full:shift:night', 'quota-full:shift:day']));
    expect(keys(decision)).not.toContain('quota:shift:day');
  });
});
