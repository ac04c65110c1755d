import { describe, expect, it } from 'vitest';
import { at, cards, keys, testConfig, TestMine } from './rules-fixture.js';

describe('no parallel work in a risk area (measure 36)', () => {
  it('one crew is fine, two crews in a risk area is an alarm naming the crews', () => {
    const mine = new TestMine();
    mine.place(['9000', ...cards(1000, 3)], 12, at('07:30'));
    expect(keys(mine.decide(at('07:31')))).not.toContain('parallel-work:RA-1E');
    mine.place(['9001', '1500'], 12, at('07:40'));
    const f = mine.decide(at('07:41')).findings.find((x) => x.key === 'parallel-work:RA-1E')!;
    expect(f).toMatchObject({ kind: 'parallel_work', alarm: true });
    expect(f.message.zh).toContain('2 个队组(采矿一队、采矿二队)');
    expect(f.people).toHaveLength(6);
  });

  it('two crews outside a risk area are not parallel work', () => {
    const mine = new TestMine();
    mine.place(['9000', '1000', '9001', '1500'], 22, at('07:30'));
    expect(keys(mine.decide(at('07:31'))).filter((k) => k.startsWith('parallel'))).toEqual([]);
  });
});

describe('production levels (measure 14)', () => {
  it('3 levels at work is fine; 4 is an alarm listing the people per level; stations do not count', () => {
    const mine = new TestMine();
    mine.place(['9000', '1000'], 22, at('07:30'));
    mine.place(['1001'], 33, at('07:30'));
    mine.place(['1002'], 42, at('07:30'));
    mine.place(['1003'], 51, at('07:30'));
    expect(keys(mine.decide(at('07:31')))).not.toContain('production-levels');
    mine.place(['1004'], 53, at('07:40'));
    const decision = mine.decide(at('07:41'));
    const f = decision.findings.find((x) => x.key === 'production-levels')!;
    expect(f).toMatchObject({ kind: 'production_levels', details: { levels: 4, max: 4 } });
    expect(f.message.zh).toContain('-200m 中段 2人');
    expect(decision.permit.permitted).toBe(true);
  });

  it('the maximum is configurable', () => {
    const mine = new TestMine(testConfig({ productionLevels: { max: 2 } }));
    mine.place(['9000'], 22, at('07:30'));
    mine.place(['1000'], 32, at('07:30'));
    expect(keys(mine.decide(at('07:31')))).toContain('production-levels');
  });
});
