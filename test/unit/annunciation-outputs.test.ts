import { describe, expect, it } from 'vitest';
import type { AlarmRecord } from '../../agent/alarms/alarm-types.js';
import { annunciate, fit, LED_ROW_CHARS, type AnnunciationInput } from '../../agent/annunciation/annunciation.js';
import { at, cards, testConfig, TestMine } from './rules-fixture.js';

const alarm = (key: string, severity: AlarmRecord['severity'], state: AlarmRecord['state'], kind = 'x'): AlarmRecord => ({
  id: `${key}@1`,
  key,
  kind,
  severity,
  state,
  conditionActive: state !== 'cleared_unacked',
  latched: false,
  raisedAt: 1,
  lastChangeAt: 1,
  acknowledgedAt: null,
  acknowledgedBy: null,
  message: { zh: key, en: key },
  people: [],
});

const base = (fields: Partial<AnnunciationInput>): AnnunciationInput => ({
  alarms: [],
  isShelved: () => false,
  permit: { permitted: true, banned: false, reasons: [] },
  headcount: 12,
  quota: 60,
  dutyLeaders: ['张带班'],
  suspended: false,
  outputs: testConfig().alarms.outputs,
  evacuationKinds: new Set(['ch4_high']),
  ...fields,
});

describe('annunciation', () => {
  it('siren for unacknowledged high/critical alarms, lamp while active; medium lights only, low neither', () => {
    expect(annunciate(base({ alarms: [alarm('a', 'high', 'active_unacked')] }))).toMatchObject({ siren: true, alarmLamp: true });
    expect(annunciate(base({ alarms: [alarm('a', 'high', 'active_acked')] }))).toMatchObject({ siren: false, alarmLamp: true });
    expect(annunciate(base({ alarms: [alarm('a', 'high', 'cleared_unacked')] }))).toMatchObject({ siren: true, alarmLamp: false });
    expect(annunciate(base({ alarms: [alarm('a', 'medium', 'active_unacked')] }))).toMatchObject({ siren: false, alarmLamp: true });
    expect(annunciate(base({ alarms: [alarm('a', 'low', 'active_unacked')] }))).toMatchObject({ siren: false, alarmLamp: false });
  });

  it('a shelved alarm neither sounds nor lights, but shelving never stops an evacuation broadcast', () => {
    const outputs = annunciate(base({ alarms: [alarm('gas', 'critical', 'active_unacked', 'ch4_high')], isShelved: () => true }));
    expect(outputs).toMatchObject({ siren: false, alarmLamp: false, broadcast: true });
  });

  it('the LED board: 井下人数 now/quota, duty leader or 无, ban or suspension state, alarms', () => {
    expect(annunciate(base({})).led).toEqual(['井下人数 12/60', '带班 张带班', '允许入井', '无报警']);
    const banned = annunciate(base({ quota: null, dutyLeaders: [], permit: { permitted: false, banned: true, reasons: [] }, alarms: [alarm('a', 'high', 'active_acked')] }));
    expect(banned.led).toEqual(['井下人数 12/—', '带班 无', '禁止入井', '报警 1 条']);
    expect(banned).toMatchObject({ banLamp: true, permit: false });
    expect(annunciate(base({ suspended: true, permit: { permitted: false, banned: false, reasons: [] } })).led[2]).toBe('停工整改 暂停入井');
    expect([...fit('带班 ' + '张'.repeat(40))]).toHaveLength(LED_ROW_CHARS);
  });
});

describe('evacuation (measure 28)', () => {
  it('a configured critical alarm triggers the broadcast and lists everyone underground by location, unknown cards included', () => {
    const mine = new TestMine(testConfig({ analog: [{ device: 'sm-1', point: 'ch4', preset: 'ch4' }] }));
    mine.points.set('sm-1/ch4', { value: 0.2, quality: 'good', lastGoodAt: 0 });
    mine.place(['9000', ...cards(1000, 3)], 22, at('07:30'));
    mine.place(['1003', '777777'], 33, at('07:31'));
    expect(mine.decide(at('07:32'))).toMatchObject({ evacuation: null, outputs: { broadcast: false } });
    mine.points.set('sm-1/ch4', { value: 1.2, quality: 'good', lastGoodAt: 0 });
    const decision = mine.decide(at('07:33'));
    expect(decision.outputs.broadcast).toBe(true);
    expect(decision.evacuation).toEqual([
      {
        location: '-200m 东翼采场',
        people: [
          { card: '1000', name: '工人1000', location: '-200m 东翼采场' },
          { card: '1001', name: '工人1001', location: '-200m 东翼采场' },
          { card: '1002', name: '工人1002', location: '-200m 东翼采场' },
          { card: '9000', name: '张带班', location: '-200m 东翼采场' },
        ],
      },
      {
        location: '-300m 西翼掘进',
        people: [
          { card: '1003', name: '工人1003', location: '-300m 西翼掘进' },
          { card: '777777', name: null, location: '-300m 西翼掘进' },
        ],
      },
    ]);
  });

  it('a non-trigger alarm does not broadcast', () => {
    const mine = new TestMine(testConfig({ quotas: { mine: 1 } }));
    mine.place(['9000', '1000'], 22, at('07:30'));
    expect(mine.decide(at('07:31')).outputs).toMatchObject({ broadcast: false, siren: true });
  });
});
