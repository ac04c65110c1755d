import { describe, expect, it } from 'vitest';
import { at, keys, person, standardRoster, testConfig, TestMine } from './rules-fixture.js';

const roster = standardRoster([
  person('2001', { name: '未培训', trainingValidUntil: null }),
  person('2002', { name: '已过期', trainingValidUntil: at('00:00', 10) }),
  person('2003', { name: '派遣工', employer: 'labour_dispatch' }),
  person('2004', { name: '今晚到期', trainingValidUntil: at('00:00', 19) }),
]);

describe('entry eligibility (measures 24, 35, 36)', () => {
  it('training missing or expired at entry is a violation naming the person', () => {
    const mine = new TestMine(testConfig(), roster);
    mine.place(['9000', '2001', '2002'], 22, at('07:30'));
    const decision = mine.decide(at('07:31'));
    const untrained = decision.findings.filter((f) => f.kind === 'untrained_entry');
    expect(untrained.map((f) => f.key)).toEqual(['ineligible:card:2001', 'ineligible:card:2002']);
    expect(untrained[0]!.message.zh).toBe('不符合入井条件：未培训(2001)，未经安全培训');
    expect(untrained[1]!.message.en).toContain('safety training expired');
  });

  it('a labour-dispatch worker is a violation', () => {
    const mine = new TestMine(testConfig(), roster);
    mine.place(['9000', '2003'], 22, at('07:30'));
    const f = mine.decide(at('07:31')).findings.find((x) => x.key === 'ineligible:card:2003')!;
    expect(f).toMatchObject({ kind: 'labour_dispatch_entry', people: [{ card: '2003', name: '派遣工' }] });
  });

  it('an unknown card is a violation, still counted, shown by card number', () => {
    const mine = new TestMine(testConfig(), roster);
    mine.place(['9000', '555555'], 22, at('07:30'));
    const decision = mine.decide(at('07:31'));
    expect(decision.headcount.total).toBe(2);
    const f = decision.findings.find((x) => x.key === 'ineligible:card:555555')!;
    expect(f.kind).toBe('unknown_card');
    expect(f.message.zh).toBe('不符合入井条件：卡555555(未登记)，卡号未登记');
  });

  it('a card already underground entering again is a violation', () => {
    const mine = new TestMine(testConfig(), roster);
    mine.place(['9000', '1000'], 22, at('07:30'));
    mine.enter(['1000'], at('07:40'));
    const decision = mine.decide(at('07:41'));
    expect(decision.headcount.total).toBe(2);
    expect(decision.findings.find((f) => f.key === 'reentry:card:1000')).toMatchObject({ kind: 'entry_while_underground', alarm: true });
  });

  it('an entry whose event is read after the card table already showed the card underground is no re-entry; a later one is', () => {
    const mine = new TestMine(testConfig(), roster);
    mine.place(['9000'], 22, at('07:30'));
    // The card passed the entry reader between the FIFO read and the card-table read.
    mine.snapshot(at('07:31'), [{ card: '9000', zone: 22 }, { card: '1000', zone: 1 }]);
    expect(keys(mine.decide(at('07:31')))).not.toContain('reentry:card:1000');
    mine.enter(['1000'], at('07:31'));
    let decision = mine.decide(at('07:32'));
    expect(decision.headcount.total).toBe(2);
    expect(keys(decision)).not.toContain('reentry:card:1000');
    mine.enter(['1000'], at('07:45'));
    decision = mine.decide(at('07:46'));
    expect(decision.headcount.total).toBe(2);
    expect(decision.findings.find((f) => f.key === 'reentry:card:1000')).toMatchObject({ kind: 'entry_while_underground', alarm: true, people: [{ card: '1000', name: '工人1000' }] });
  });

  it('an entry during a ban is a violation even when the card table saw the card before its entry event was read', () => {
    const mine = new TestMine(testConfig(), roster);
    mine.place(['9000'], 22, at('07:30'));
    mine.manualBan = { by: '调度员', since: at('07:35'), note: null };
    mine.decide(at('07:35'));
    mine.snapshot(at('07:40'), [{ card: '9000', zone: 22 }, { card: '1000', zone: 1 }]);
    mine.enter(['1000'], at('07:40'));
    const decision = mine.decide(at('07:41'));
    expect(keys(decision)).not.toContain('reentry:card:1000');
    expect(decision.findings.find((f) => f.key === 'entry-during-ban:card:1000')).toMatchObject({ kind: 'entry_during_ban', people: [{ card: '1000' }] });
  });

  it('training expiring during the shift is no entry violation, but a low-priority warning once it has run out', () => {
    const mine = new TestMine(testConfig(), roster);
    mine.place(['9000'], 22, at('16:00'));
    mine.place(['2004'], 22, at('16:10'));
    expect(keys(mine.decide(at('23:59')))).not.toContain('training-expired:card:2004');
    const decision = mine.decide(at('00:00', 19));
    expect(keys(decision)).not.toContain('ineligible:card:2004');
    expect(decision.findings.find((f) => f.key === 'training-expired:card:2004')).toMatchObject({ severity: 'low', kind: 'training_expired_underground' });
    const quiet = new TestMine(testConfig({ eligibility: { trainingExpiringUnderground: 'ignore' } }), roster);
    quiet.place(['9000', '2004'], 22, at('16:10'));
    expect(keys(quiet.decide(at('00:00', 19)))).not.toContain('training-expired:card:2004');
  });

  it('each check can be switched off', () => {
    const mine = new TestMine(testConfig({ eligibility: { training: false, labourDispatch: false, unknownCard: false, reentry: false } }), roster);
    mine.place(['9000', '2001', '2003', '555555'], 22, at('07:30'));
    mine.enter(['2001'], at('07:35'));
    expect(keys(mine.decide(at('07:36'))).filter((k) => /ineligible|reentry/.test(k))).toEqual([]);
  });
});
