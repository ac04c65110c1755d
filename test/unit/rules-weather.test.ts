import { describe, expect, it } from 'vitest';
import type { WeatherAlert } from '../../agent/commands/runtime-settings-data.js';
import { at, cards, keys, testConfig, TestMine } from './rules-fixture.js';

const rainConfig = () => testConfig({ weather: { rain24h: { device: 'wx-1', point: 'rain_24h', banAtMm: 50, liftBelowMm: 45 } } });
const rain = (mine: TestMine, mm: number | null, quality: 'good' | 'stale' = 'good') =>
  mine.points.set('wx-1/rain_24h', { value: mm, quality, lastGoodAt: quality === 'good' ? 0 : null });

const alert = (fields: Partial<WeatherAlert>): WeatherAlert => ({
  alertId: 'A-1',
  type: 'rainstorm',
  colour: 'blue',
  validFrom: at('00:00'),
  validUntil: at('23:00'),
  receivedAt: at('00:00'),
  setBy: 'cmd',
  ...fields,
});

describe('extreme-weather entry ban (measure 28)', () => {
  it('bans entry at 50 mm in 24 h (not at 49.9), and lifts only below the restore level', () => {
    const mine = new TestMine(rainConfig());
    rain(mine, 49.9);
    expect(mine.decide(at('08:00')).permit.permitted).toBe(true);
    rain(mine, 50);
    const banned = mine.decide(at('08:01'));
    expect(banned.permit).toMatchObject({ permitted: false, banned: true });
    expect(banned.outputs).toMatchObject({ banLamp: true, permit: false });
    expect(banned.outputs.led[2]).toBe('禁止入井');
    rain(mine, 47);
    expect(mine.decide(at('08:02')).permit.banned).toBe(true);
    rain(mine, 44.9);
    expect(mine.decide(at('08:03')).permit).toMatchObject({ permitted: true, banned: false });
  });

  it('unreadable rainfall is a fault, never "no rain"; a ban only when configured so', () => {
    const mine = new TestMine(rainConfig());
    rain(mine, null, 'stale');
    const decision = mine.decide(at('08:00'));
    expect(keys(decision)).toContain('weather:rain24h:unknown');
    expect(decision.permit.permitted).toBe(true);
    const strict = new TestMine(testConfig({ weather: { rain24h: { device: 'wx-1', point: 'rain_24h' }, onUnknown: 'ban' } }));
    expect(strict.decide(at('08:00')).permit.banned).toBe(true);
  });

  it('bans on an upstream alert of the type at or above the configured colour', () => {
    const mine = new TestMine(testConfig({ weather: { alertPolicy: [{ type: 'rainstorm', minColour: 'blue' }, { type: 'gale', minColour: 'orange' }] } }));
    mine.settings.weatherAlerts = { g: alert({ alertId: 'g', type: 'gale', colour: 'yellow' }), f: alert({ alertId: 'f', type: 'fog', colour: 'red' }) };
    expect(mine.decide(at('08:00')).permit.banned).toBe(false);
    mine.settings.weatherAlerts.g = alert({ alertId: 'g', type: 'gale', colour: 'orange' });
    mine.settings.weatherAlerts.r = alert({ alertId: 'r', type: 'rainstorm', colour: 'blue' });
    const decision = mine.decide(at('08:01'));
    expect(keys(decision)).toEqual(expect.arrayContaining(['ban:weather:alert:g', 'ban:weather:alert:r']));
    expect(decision.findings.find((f) => f.key === 'ban:weather:alert:r')!.message.zh).toContain('暴雨蓝色预警');
    expect(mine.decide(at('23:00')).permit.banned).toBe(false);
  });

  it('bans on the manual switch', () => {
    const mine = new TestMine();
    mine.manualBan = { by: '调度员王', since: at('08:00'), note: '主井检修' };
    const decision = mine.decide(at('08:00'));
    expect(decision.permit).toMatchObject({ permitted: false, banned: true });
    expect(decision.permit.reasons[0]!.message.zh).toBe('人工禁止入井(调度员王)：主井检修');
    expect(mine.alarms.active()).toEqual([]);
  });

  it('an entry during the ban is a critical violation naming the person; those already down are not', () => {
    const mine = new TestMine();
    mine.place(['9000', ...cards(1000, 3)], 12, at('07:30'));
    mine.decide(at('07:31'));
    mine.manualBan = { by: '调度员', since: at('07:40'), note: null };
    mine.decide(at('07:40'));
    mine.enter(['1010'], at('07:45'));
    const decision = mine.decide(at('07:46'));
    const violations = decision.findings.filter((f) => f.kind === 'entry_during_ban');
    expect(violations.map((f) => f.key)).toEqual(['entry-during-ban:card:1010']);
    expect(violations[0]).toMatchObject({ severity: 'critical', people: [{ card: '1010', name: '工人1010' }] });
    expect(violations[0]!.message.zh).toBe('禁止入井期间违规入井：工人1010(1010)');
  });
});
