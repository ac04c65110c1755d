import { describe, expect, it } from 'vitest';
import { at, cards, keys, testConfig, TestMine } from './rules-fixture.js';

describe('suspended-mine rule (停工停产整改, measure 25)', () => {
  const suspended = () => new TestMine(testConfig({ suspension: { active: true, maxPerShift: 30, orderRef: '整改令-7' } }));

  it('10 at one work location is allowed', () => {
    const mine = suspended();
    mine.place(['9000', ...cards(1000, 9)], 12, at('07:30'));
    const decision = mine.decide(at('07:31'));
    expect(keys(decision)).not.toContain('suspension:location:WL-1E');
    expect(decision.permit.permitted).toBe(true);
    expect(decision.outputs.led[2]).toBe('停工整改 限员入井');
  });

  it('11 at one work location is an alarm naming them', () => {
    const mine = suspended();
    mine.place(['9000', ...cards(1000, 10)], 12, at('07:30'));
    const decision = mine.decide(at('07:31'));
    const cap = decision.findings.find((f) => f.key === 'suspension:location:WL-1E')!;
    expect(cap).toMatchObject({ kind: 'suspended_location_cap', alarm: true });
    expect(cap.people).toHaveLength(11);
    expect(cap.message.zh).toContain('超过 10 人');
  });

  it('the single-shift cap withdraws the permit at the cap and alarms above it', () => {
    const mine = new TestMine(testConfig({ suspension: { active: true, maxPerShift: 3 } }));
    mine.place(['9000', '1000', '1001'], 12, at('07:30'));
    expect(keys(mine.decide(at('07:31')))).toEqual(['suspension-full:shift:day']);
    mine.place(['1002'], 13, at('07:32'));
    expect(keys(mine.decide(at('07:33')))).toEqual(expect.arrayContaining(['suspension:shift:day', 'entry-without-permit:card:1002']));
  });

  it('a platform order takes over from the local switch, capped at 10 per location whatever it says', () => {
    const mine = new TestMine();
    mine.settings.suspension = { orderRef: 'P-1', maxPerShift: 50, maxPerWorkLocation: 10, since: 0, setBy: 'cmd' };
    mine.place(['9000', ...cards(1000, 10)], 22, at('07:30'));
    expect(keys(mine.decide(at('07:31')))).toContain('suspension:location:WL-2E');
  });
});
