import { describe, expect, it } from 'vitest';
import { computePermit, stampOf } from '../../agent/permit/entry-permit.js';
import { PermitTimeline } from '../../agent/permit/permit-timeline.js';
import { finding } from '../../agent/rules/rule-types.js';
import { at, cards, TestMine, testConfig } from './rules-fixture.js';

const f = (key: string, fields: Parameters<typeof finding>[0] extends infer T ? Partial<T> : never = {}) =>
  finding({ key, kind: key, severity: 'high', message: { zh: key, en: key }, ...fields });

describe('entry permit', () => {
  it('permitted only when nothing withdraws it; every reason is listed', () => {
    expect(computePermit([f('parallel-work:RA')])).toEqual({ permitted: true, banned: false, reasons: [] });
    const permit = computePermit([f('quota-full:mine', { withdrawsPermit: true }), f('ban:manual', { ban: true, alarm: false })]);
    expect(permit.permitted).toBe(false);
    expect(permit.banned).toBe(true);
    expect(permit.reasons.map((r) => r.key)).toEqual(['quota-full:mine', 'ban:manual']);
    expect(stampOf(permit)).toEqual({ permitted: false, banned: true, reasons: ['quota-full:mine', 'ban:manual'] });
  });

  it('the timeline answers which permit was in force when a card passed the reader', () => {
    const timeline = new PermitTimeline();
    const open = { permitted: true, banned: false, reasons: [] };
    const closed = { permitted: false, banned: false, reasons: ['quota-full:mine'] };
    timeline.record(100, open);
    timeline.record(200, open);
    timeline.record(300, closed);
    expect(timeline.at(99)).toBeNull();
    expect(timeline.at(250)).toEqual(open);
    expect(timeline.at(300)).toEqual(closed);
    expect(timeline.at(10_000)).toEqual(closed);
  });

  it('a rule that throws withdraws the permit and raises an agent fault instead of dropping out', () => {
    const mine = new TestMine(testConfig({ analog: [{ device: 'sm-1', point: 'co', preset: 'co' }] }));
    mine.points = { get: () => { throw new Error('point table broken'); } } as unknown as typeof mine.points;
    const decision = mine.decide(at('07:31'));
    expect(decision.permit.permitted).toBe(false);
    expect(decision.permit.reasons.map((r) => r.key)).toEqual(['rule-error:analog']);
    expect(mine.alarms.get('rule-error:analog')).toMatchObject({ kind: 'agent_fault', severity: 'critical' });
  });

  it('a decision that fails as a whole is the fail-safe one: not permitted, siren on, count unknown', () => {
    const mine = new TestMine(testConfig({ quotas: { mine: 10 } }));
    mine.place(['9000', ...cards(1000, 2)], 22, at('07:30'));
    mine.roster = { get: () => { throw new Error('roster broken'); } } as unknown as typeof mine.roster;
    const decision = mine.decide(at('07:31'));
    expect(decision.permit).toMatchObject({ permitted: false, reasons: [{ key: 'engine-error' }] });
    expect(decision.outputs).toMatchObject({ permit: false, siren: true });
    expect(decision.outputs.led[0]).toBe('井下人数 未知');
  });
});
