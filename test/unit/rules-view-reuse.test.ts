/**
 * What the engine and the rules reuse between decisions, and proof that each input they depend on
 * still makes a new decision: the headcount view (kept per tracker version, state object and
 * roster), the duty leaders (per shift), the analog rule's prepared thresholds (per point list).
 */
import { describe, expect, it } from 'vitest';
import { HeadcountTracker } from '../../agent/headcount/headcount-tracker.js';
import { analogRule } from '../../agent/rules/analog-rule.js';
import type { Decision } from '../../agent/rules/interlock-engine.js';
import type { RuleSnapshot } from '../../agent/rules/rule-types.js';
import type { AnalogPointConfig } from '../../config/rules-schema.js';
import { at, cards, keys, person, standardRoster, SYSTEMS, TestMine, testConfig } from './rules-fixture.js';

/** As the agent decides: with the tracker's version (TestMine.decide gives none). */
function decideVersioned(mine: TestMine, now: number, headcount = mine.tracker): Decision {
  return mine.engine.decide({
    now,
    headcount: headcount.view(),
    headcountVersion: headcount.version,
    roster: mine.roster,
    points: mine.points,
    devices: SYSTEMS.map((system) => ({ deviceId: `${system}-1`, system, pollIntervalMs: 1000, lastGoodAt: now })),
    settings: mine.settings,
    manualBan: mine.manualBan,
    agent: mine.agent,
  });
}

describe('headcount view reused between decisions', () => {
  it('is reused while the version, the state and the roster are the same', () => {
    const mine = new TestMine();
    mine.place(cards(1000, 3), 12, at('07:30'));
    const first = decideVersioned(mine, at('08:00'));
    const second = decideVersioned(mine, at('08:00') + 500);
    // The same summary object: nothing was rebuilt (so the tests below do test the reuse).
    expect(second.headcount).toBe(first.headcount);
    expect(second.dutyLeaders).toEqual(first.dutyLeaders);
    expect(second.dutyLeaders).not.toBe(first.dutyLeaders);
  });

  it('is rebuilt when the headcount changes: entries, exits and moves are counted at once', () => {
    const mine = new TestMine();
    mine.place(cards(1000, 3), 12, at('07:30'));
    expect(decideVersioned(mine, at('08:00')).headcount).toMatchObject({ total: 3, byWorkLocation: { 'WL-1E': 3 } });
    mine.enter(['1003', '1004'], at('08:01'));
    expect(decideVersioned(mine, at('08:01')).headcount.total).toBe(5);
    mine.exit(['1000'], at('08:02'));
    expect(decideVersioned(mine, at('08:02')).headcount.total).toBe(4);
    // A move only changes a record in place; the version moves with it.
    mine.snapshot(at('08:03'), [
      { card: '1001', zone: 23 },
      { card: '1002', zone: 12 },
      { card: '1003', zone: 12 },
      { card: '1004', zone: 12 },
    ]);
    expect(decideVersioned(mine, at('08:03')).headcount).toMatchObject({ total: 4, byWorkLocation: { 'WL-1E': 3, 'WL-2W': 1 }, byArea: { east: 3, west: 1 } });
  });

  it('is rebuilt for a new roster with the same headcount (names, eligibility, leaders)', () => {
    const mine = new TestMine();
    mine.place(['1000', '77777'], 12, at('07:30'));
    const before = decideVersioned(mine, at('08:00'));
    expect(keys(before)).toContain('ineligible:card:77777');
    expect(keys(before)).toContain('no-leader:shift:day');
    expect(before.dutyLeaders).toEqual([]);
    // The platform registers 77777 as a leader: same tracker version, new roster object.
    mine.roster = standardRoster([person('77777', { name: '王带班', role: 'leader' })]);
    const after = decideVersioned(mine, at('08:00') + 1000);
    expect(keys(after)).not.toContain('ineligible:card:77777');
    expect(keys(after)).not.toContain('no-leader:shift:day');
    expect(after.dutyLeaders).toEqual(['王带班']);
  });

  it('is rebuilt for another state object that happens to carry the same version number', () => {
    const mine = new TestMine();
    const a = new HeadcountTracker(mine.layout, { noSignalAfterMs: 600_000, overtimeGraceMs: 3_600_000 });
    const b = new HeadcountTracker(mine.layout, { noSignalAfterMs: 600_000, overtimeGraceMs: 3_600_000 });
    a.applyEvents([{ seq: 1, card: '1000', at: at('07:30'), reader: 1, kind: 'entry' }], mine.engine.stampAt);
    b.applyEvents(
      [
        { seq: 1, card: '1000', at: at('07:30'), reader: 1, kind: 'entry' },
        { seq: 2, card: '1001', at: at('07:31'), reader: 1, kind: 'entry' },
      ],
      mine.engine.stampAt,
    );
    expect(b.version).toBe(a.version);
    expect(decideVersioned(mine, at('08:00'), a).headcount.total).toBe(1);
    expect(decideVersioned(mine, at('08:00') + 1, b).headcount.total).toBe(2);
  });

  it('names the duty leaders of the shift people enter for now, also when the headcount did not change', () => {
    const mine = new TestMine();
    mine.place(['9000', ...cards(1000, 2)], 12, at('07:30'));
    expect(decideVersioned(mine, at('08:00')).dutyLeaders).toEqual(['张带班']);
    // From 15:00 people enter for the evening shift (entry lead 60 min): its leader is not underground.
    expect(decideVersioned(mine, at('15:01')).dutyLeaders).toEqual([]);
    expect(decideVersioned(mine, at('15:01')).outputs.led[1]).toBe('带班 无');
  });

  it('makes the same decisions as an engine that rebuilds the view every time', () => {
    const reused = new TestMine();
    const rebuilt = new TestMine();
    const steps: Array<[number, (mine: TestMine) => void]> = [
      [at('07:40'), (m) => m.place(['9000', ...cards(1000, 4)], 12, at('07:30'))],
      [at('07:50'), (m) => m.place(['77777', '1500'], 13, at('07:45'))],
      [at('08:00'), () => {}],
      [at('08:05'), (m) => m.exit(['1001'], at('08:04'))],
      [at('08:20'), () => {}], // silence: no-signal for the cards not heard since 07:45
      [at('08:21'), (m) => m.snapshot(at('08:21'), ['9000', '1000', '1002', '1003', '77777', '1500'].map((card) => ({ card, zone: 23 })))],
      [at('15:01'), () => {}],
      [at('17:30'), () => {}], // overtime
    ];
    for (const [now, step] of steps) {
      step(reused);
      step(rebuilt);
      const a = decideVersioned(reused, now);
      const b = rebuilt.decide(now);
      expect(JSON.stringify(a)).toBe(JSON.stringify(b));
    }
  });
});

describe('rules that read only the headcount, quotas or suspension: findings reused', () => {
  it('reuses the findings while those are the same, and judges a new quota or suspension at once', () => {
    const mine = new TestMine(testConfig({ quotas: { mine: 3 } }));
    mine.place(cards(1000, 4), 12, at('07:30'));
    const first = decideVersioned(mine, at('08:00'));
    const over = first.findings.find((f) => f.key === 'quota:mine')!;
    expect(over.details).toMatchObject({ count: 4, limit: 3 });
    // Same headcount, same quotas: the very same finding (the rule did not run again).
    expect(decideVersioned(mine, at('08:00') + 1000).findings.find((f) => f.key === 'quota:mine')).toBe(over);
    // The platform raises the mine quota to 4: at quota, no longer over it.
    mine.settings = { ...mine.settings, quotas: { mine: { scope: 'mine', target: null, limit: 4, setAt: 0, setBy: 'cmd-1' } } };
    const raised = decideVersioned(mine, at('08:00') + 2000);
    expect(keys(raised)).not.toContain('quota:mine');
    expect(keys(raised)).toContain('quota-full:mine');
    // An entry (a new headcount version) over the raised quota: over quota again.
    mine.enter(['1004'], at('08:01'));
    expect(decideVersioned(mine, at('08:01')).findings.find((f) => f.key === 'quota:mine')?.details).toMatchObject({ count: 5, limit: 4 });
    // A suspension order with a shift cap of 2, same headcount: judged at once; lifted: gone at once.
    mine.settings = { ...mine.settings, suspension: { orderRef: 'P-1', maxPerShift: 2, maxPerWorkLocation: 10, since: 0, setBy: 'cmd' } };
    expect(keys(decideVersioned(mine, at('08:01') + 1000))).toContain('suspension:shift:day');
    mine.settings = { ...mine.settings, suspension: { orderRef: 'P-1', maxPerShift: 9, maxPerWorkLocation: 10, since: 0, setBy: 'cmd' } };
    expect(keys(decideVersioned(mine, at('08:01') + 2000))).not.toContain('suspension:shift:day');
    mine.settings = { ...mine.settings, suspension: null };
    expect(keys(decideVersioned(mine, at('08:01') + 3000)).filter((k) => k.startsWith('suspension'))).toEqual([]);
  });

  it('runs a failing rule again at every decision', () => {
    const mine = new TestMine();
    mine.place(cards(1000, 2), 12, at('07:30'));
    expect(keys(decideVersioned(mine, at('08:00')))).not.toContain('rule-error:quota');
    const quotas = { mine: { scope: 'mine', target: null, limit: 1, setAt: 0, setBy: 'cmd-1' } };
    // A quota whose scope no rule knows makes the quota rule throw (corrupt input): reported every time.
    mine.settings = { ...mine.settings, quotas: { ...quotas, bad: { scope: 'nowhere', target: null, limit: 1, setAt: 0, setBy: 'x' } } as never };
    expect(keys(decideVersioned(mine, at('08:00') + 1000))).toContain('rule-error:quota');
    expect(keys(decideVersioned(mine, at('08:00') + 2000))).toContain('rule-error:quota');
    mine.settings = { ...mine.settings, quotas: quotas as never };
    expect(keys(decideVersioned(mine, at('08:00') + 3000))).toContain('quota:mine');
  });
});

describe('analog thresholds prepared once per point list', () => {
  const snapshot = (values: Record<string, number>): RuleSnapshot =>
    ({
      points: new Map(Object.entries(values).map(([key, value]) => [key, { value, quality: 'good', lastGoodAt: 0 }])),
      activeKeys: new Set<string>(),
    }) as unknown as RuleSnapshot;
  const points = (list: Array<Partial<AnalogPointConfig>>): AnalogPointConfig[] => testConfig({ analog: list }).analog;

  it('judges a new point list by its own thresholds', () => {
    const defaults = points([{ device: 'sm-1', point: 'ch4', preset: 'ch4' }]);
    const lower = points([{ device: 'sm-1', point: 'ch4', preset: 'ch4', alarmAt: 0.5 }]);
    expect(analogRule(snapshot({ 'sm-1/ch4': 0.7 }), defaults, 0)).toEqual([]);
    expect(analogRule(snapshot({ 'sm-1/ch4': 0.7 }), lower, 0).map((f) => f.key)).toEqual(['analog:sm-1/ch4']);
    expect(analogRule(snapshot({ 'sm-1/ch4': 0.7 }), defaults, 0)).toEqual([]);
  });

  it('sees a point list edited in place', () => {
    const list = points([{ device: 'sm-1', point: 'ch4', preset: 'ch4' }]);
    expect(analogRule(snapshot({ 'sm-1/ch4': 0.1, 'sm-1/co': 30 }), list, 0)).toEqual([]);
    list.push(...points([{ device: 'sm-1', point: 'co', preset: 'co' }]));
    expect(analogRule(snapshot({ 'sm-1/ch4': 0.1, 'sm-1/co': 30 }), list, 0).map((f) => f.key)).toEqual(['analog:sm-1/co']);
    list[1] = points([{ device: 'sm-1', point: 'co', preset: 'co', alarmAt: 50 }])[0]!;
    expect(analogRule(snapshot({ 'sm-1/ch4': 0.1, 'sm-1/co': 30 }), list, 0)).toEqual([]);
  });

  it('keeps failing a point without a level, rather than remembering a half-prepared list', () => {
    const list = points([{ device: 'sm-1', point: 'ch4', preset: 'ch4' }]);
    (list as unknown as Array<Record<string, unknown>>).push({ device: 'sm-1', point: 'x', preset: 'custom', compare: 'ge' });
    expect(() => analogRule(snapshot({}), list, 0)).toThrow(/needs alarmAt/);
    expect(() => analogRule(snapshot({}), list, 0)).toThrow(/needs alarmAt/);
  });
});
