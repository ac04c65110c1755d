import { describe, expect, it } from 'vitest';
import { at, cards, keys, testConfig, TestMine } from './rules-fixture.js';

describe('leader on shift (领导带班, measure 36)', () => {
  it('the leader leaving while workers remain raises the alarm naming the workers; the board shows 无', () => {
    const mine = new TestMine();
    mine.place(['9000', ...cards(1000, 15)], 43, at('07:30'));
    let decision = mine.decide(at('07:40'));
    expect(keys(decision)).not.toContain('no-leader:shift:day');
    expect(decision.dutyLeaders).toEqual(['张带班']);
    expect(decision.outputs.led[1]).toBe('带班 张带班');

    mine.exit(['9000'], at('08:30'));
    decision = mine.decide(at('08:31'));
    const alarm = decision.findings.find((f) => f.key === 'no-leader:shift:day')!;
    expect(alarm).toMatchObject({ kind: 'no_leader_on_shift', alarm: true });
    expect(alarm.people).toHaveLength(15);
    expect(decision.permit.permitted).toBe(true);
    expect(decision.outputs.led[1]).toBe('带班 无');

    mine.exit(cards(1000, 15), at('09:00'));
    decision = mine.decide(at('09:01'));
    expect(keys(decision)).not.toContain('no-leader:shift:day');
  });

  it('a leader of another shift does not cover this shift; per-crew scope asks for the crew leader', () => {
    const mine = new TestMine();
    mine.place(['9000'], 12, at('06:00'));
    mine.place(['1000'], 12, at('07:30'));
    expect(keys(mine.decide(at('07:31')))).toContain('no-leader:shift:day');

    const byCrew = new TestMine(testConfig({ leader: { scope: 'crew' } }));
    byCrew.place(['9000', '1000', '1500'], 22, at('07:30'));
    expect(keys(byCrew.decide(at('07:31')))).toEqual(['no-leader:crew:C02']);
  });
});
