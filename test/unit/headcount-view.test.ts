import { describe, expect, it } from 'vitest';
import { buildHeadcountView, UNKNOWN_SHIFT } from '../../agent/headcount/headcount-view.js';
import { at, cards, TestMine } from './rules-fixture.js';

describe('headcount view', () => {
  it('counts per mine, shift, area, work location, level and crew in one pass', () => {
    const mine = new TestMine();
    mine.place(cards(1000, 4), 12, at('07:30'));
    mine.place(['1004', '9000'], 23, at('07:40'));
    mine.place(['77777'], 1, at('07:41'));
    const view = buildHeadcountView(mine.tracker.view(), mine.roster, mine.layout, mine.schedule);
    expect(view.total).toBe(7);
    expect(view.byWorkLocation.get('WL-1E')).toHaveLength(4);
    expect(view.byArea.get('west')).toHaveLength(2);
    expect(view.byLevel.get('L1')).toHaveLength(4);
    expect(view.byLevel.get('L2')).toHaveLength(2);
    expect(view.byCrew.get('C01')).toHaveLength(6);
    expect(view.byRiskArea.get('RA-1E')).toHaveLength(4);
    expect(view.byShift.get('day')).toHaveLength(7);
    expect(view.byShift.has(UNKNOWN_SHIFT)).toBe(false);
  });

  it('puts entries before midnight with the shift that starts at midnight (entry lead)', () => {
    const mine = new TestMine();
    mine.place(['1000'], 12, at('23:20'));
    mine.place(['1001'], 12, at('22:50'));
    const view = buildHeadcountView(mine.tracker.view(), mine.roster, mine.layout, mine.schedule);
    const night = view.byShift.get('night')!;
    expect(night.map((p) => p.record.card)).toEqual(['1000']);
    expect(night[0]!.shift).toMatchObject({ startsAt: at('00:00', 19), endsAt: at('08:00', 19) });
    expect(view.byShift.get('evening')!.map((p) => p.record.card)).toEqual(['1001']);
  });
});
