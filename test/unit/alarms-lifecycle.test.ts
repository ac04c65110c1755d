import { describe, expect, it } from 'vitest';
import { AlarmManager } from '../../agent/alarms/alarm-manager.js';
import type { AlarmCondition } from '../../agent/alarms/alarm-types.js';
import { testConfig } from './rules-fixture.js';

const config = testConfig().alarms;
const condition = (key: string, kind = 'over_quota', severity: AlarmCondition['severity'] = 'high'): AlarmCondition => ({
  key,
  kind,
  severity,
  message: { zh: `报警 ${key}`, en: `alarm ${key}` },
  people: [],
});
const ack = (alarms: AlarmManager, alarmId: string, now: number) => alarms.acknowledge({ alarmId, by: '调度员', commandId: 'c', now });
const path = (transitions: Array<{ from: string; to: string; cause: string }>) => transitions.map((t) => `${t.from}→${t.to} (${t.cause})`);

describe('alarm lifecycle (ISA-18.2)', () => {
  it('raise → acknowledge → clear: active-unacked, active-acked, normal', () => {
    const alarms = new AlarmManager(config);
    expect(path(alarms.sync([condition('quota:mine')], 1))).toEqual(['normal→active_unacked (raised)']);
    expect(ack(alarms, 'quota:mine', 2)).toMatchObject({ ok: true, result: { from: 'active_unacked', to: 'active_acked' } });
    expect(path(alarms.sync([condition('quota:mine')], 3))).toEqual(['active_unacked→active_acked (acknowledged)']);
    expect(path(alarms.sync([], 4))).toEqual(['active_acked→normal (cleared)']);
    expect(alarms.active()).toEqual([]);
  });

  it('raise → clear → acknowledge: cleared-unacked, then normal; a return while cleared-unacked re-activates the same alarm', () => {
    const alarms = new AlarmManager(config);
    alarms.sync([condition('k')], 1);
    const id = alarms.get('k')!.id;
    expect(path(alarms.sync([], 2))).toEqual(['active_unacked→cleared_unacked (cleared)']);
    expect(path(alarms.sync([condition('k')], 3))).toEqual(['cleared_unacked→active_unacked (returned)']);
    expect(alarms.get('k')!.id).toBe(id);
    alarms.sync([], 4);
    ack(alarms, id, 5);
    expect(path(alarms.sync([], 6))).toEqual(['cleared_unacked→normal (acknowledged)']);
  });

  it('no duplicate while active: the same key reported again updates the one alarm (text, people)', () => {
    const alarms = new AlarmManager(config);
    alarms.sync([condition('k')], 1);
    const updated = { ...condition('k'), message: { zh: '新', en: 'new' } };
    expect(alarms.sync([updated, updated], 2)).toEqual([]);
    expect(alarms.active()).toHaveLength(1);
    expect(alarms.get('k')!.message.en).toBe('new');
  });

  it('latched: stays active after the condition clears until acknowledged, which resets it', () => {
    const alarms = new AlarmManager(config);
    alarms.sync([condition('entry-during-ban:card:1', 'entry_during_ban', 'critical')], 1);
    expect(alarms.sync([], 2)).toEqual([]);
    expect(alarms.get('entry-during-ban:card:1')).toMatchObject({ state: 'active_unacked', conditionActive: false, latched: true });
    ack(alarms, 'entry-during-ban:card:1', 3);
    expect(path(alarms.sync([], 4))).toEqual(['active_unacked→normal (reset)']);
  });

  it('latched and acknowledged while the condition holds: stays acknowledged until reset after it clears', () => {
    const alarms = new AlarmManager(config);
    const c = condition('analog:sm-1/ch4', 'ch4_high', 'critical');
    alarms.sync([c], 1);
    ack(alarms, c.key, 2);
    alarms.sync([], 3);
    expect(alarms.get(c.key)).toMatchObject({ state: 'active_acked', conditionActive: false });
    ack(alarms, c.key, 4);
    expect(path(alarms.sync([], 5))).toEqual(['active_acked→normal (reset)']);
  });

  it('shelving: allowed for configured severities only, bounded, and it expires by itself', () => {
    const alarms = new AlarmManager(config);
    alarms.sync([condition('no-signal:card:1', 'no_signal', 'medium'), condition('quota:mine', 'over_quota', 'high')], 1);
    expect(alarms.shelve({ alarmId: 'quota:mine', by: 'op', durationMs: 60_000, now: 2 })).toMatchObject({ ok: false, reason: 'not_shelvable' });
    expect(alarms.shelve({ alarmId: 'no-signal:card:1', by: 'op', durationMs: config.maxShelveMs + 1, now: 2 })).toMatchObject({ ok: false, reason: 'too_long' });
    expect(alarms.shelve({ alarmId: 'no-signal:card:1', by: 'op', durationMs: 60_000, now: 2 })).toMatchObject({ ok: true });
    expect(alarms.isShelved('no-signal:card:1', 3)).toBe(true);
    const during = alarms.sync([condition('no-signal:card:1', 'no_signal', 'medium'), condition('quota:mine')], 3);
    expect(path(during)).toEqual(['active_unacked→active_unacked (shelved)']);
    const expiry = alarms.sync([condition('no-signal:card:1', 'no_signal', 'medium'), condition('quota:mine')], 60_002);
    expect(path(expiry)).toEqual(['active_unacked→active_unacked (shelve_expired)']);
    expect(alarms.isShelved('no-signal:card:1', 60_002)).toBe(false);
  });

  it('acknowledging an unknown alarm answers unknown_alarm without throwing', () => {
    const alarms = new AlarmManager(config);
    expect(ack(alarms, 'nope', 1)).toMatchObject({ ok: false, reason: 'unknown_alarm' });
  });

  it('keeps its state across a restart (JSON) and bounds its history, counting what it dropped', () => {
    const alarms = new AlarmManager({ ...config, historyLimit: 10 });
    for (let i = 0; i < 30; i++) alarms.sync([condition(`k${i}`)], i);
    expect(alarms.recentTransitions().length).toBeLessThanOrEqual(10);
    expect(alarms.droppedTransitions + alarms.recentTransitions().length).toBe(30 + 29);
    const restored = new AlarmManager(config, JSON.parse(JSON.stringify(alarms.toJSON())) as ReturnType<AlarmManager['toJSON']>);
    expect(restored.active()).toHaveLength(30);
    expect(restored.get('k0')).toMatchObject({ state: 'cleared_unacked' });
    // Nothing is raised twice after a restart: the condition still holding is the same alarm.
    expect(restored.sync([condition('k29')], 100)).toEqual([]);
  });
});
