/**
 * InterlockBoardModel's mapping, over the real pure core (tracker → engine → alarm manager) of the
 * rules fixture: unknown stays null, quotas from the config and the platform, people named where
 * the page prints them, evacuation, the systems row per kind, and the operator actions.
 */
import { describe, expect, it } from 'vitest';
import type { BoardInterlocks, InterlockBoardModelDeps } from '../../agent/board/interlock-board-model.js';
import { InterlockBoardModel } from '../../agent/board/interlock-board-model.js';
import type { Decision } from '../../agent/rules/interlock-engine.js';
import type { ManualBan } from '../../agent/rules/rule-types.js';
import type { DeviceState } from '../../agent/state/point-table.js';
import { at, cards, person, standardRoster, TestMine, testConfig } from './rules-fixture.js';

const SYSTEM_DEVICES = [
  { id: 'pp-1', system: 'personnel_positioning' },
  { id: 'sm-1', system: 'safety_monitoring' },
  { id: 'comm-1', system: 'communication' },
  { id: 'air-1', system: 'compressed_air' },
  { id: 'water-1', system: 'water_supply' },
  { id: 'out-1', system: 'outputs' },
  { id: 'led-1', system: 'outputs' },
];

/** TestMine behind the runtime's face: decide() stores the last decision and tells the listeners. */
class FakeRuntime implements BoardInterlocks {
  lastDecision: Decision | null = null;
  permitChangedAt: number | null = null;
  manualBanState: ManualBan | null = null;
  now = at('07:40');
  private readonly listeners = new Set<(d: Decision) => void>();
  constructor(readonly mine: TestMine) {}
  get people() {
    return { layout: this.mine.layout, schedule: this.mine.schedule };
  }
  get tracker() {
    return this.mine.tracker;
  }
  get alarms() {
    return this.mine.alarms;
  }
  readonly outputs = { faults: () => [] };
  roster() {
    return this.mine.roster;
  }
  onDecision(listener: (d: Decision) => void) {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  setManualBan(ban: ManualBan | null) {
    this.manualBanState = ban;
    this.mine.manualBan = ban;
    this.decideNow();
  }
  decideNow() {
    const d = this.mine.decide(this.now);
    if (this.lastDecision?.permit.permitted !== d.permit.permitted) this.permitChangedAt = this.now;
    this.lastDecision = d;
    for (const l of this.listeners) l(d);
    return d;
  }
}

function deviceState(id: string, system: string, lastGoodCycleAt: number | null, lastCycleAt: number | null = lastGoodCycleAt): DeviceState {
  return { deviceId: id, system, lastCycleAt, lastGoodCycleAt, staleAfterMs: 3000 };
}

function build(options: { mine?: TestMine; interlocks?: boolean; states?: DeviceState[]; stale?: string[]; settings?: InterlockBoardModelDeps['settings'] } = {}) {
  const mine = options.mine ?? new TestMine();
  const runtime = new FakeRuntime(mine);
  const states = options.states ?? SYSTEM_DEVICES.map((d) => deviceState(d.id, d.system, at('07:39')));
  const model = new InterlockBoardModel({
    config: {
      gateway: { mineId: 'test-mine', gatewayId: 'gw-1', name: '主井井口' },
      devices: SYSTEM_DEVICES.map((d) => ({ ...d, points: d.id === 'led-1' ? [] : [{}], pollIntervalMs: 1000 })) as never,
      interlocks: options.interlocks === false ? undefined : mine.config,
    },
    clock: { now: () => runtime.now },
    interlocks: options.interlocks === false ? null : runtime,
    settings: options.settings ?? (() => mine.settings),
    devices: { deviceStates: () => states, staleDevices: () => states.filter((s) => options.stale?.includes(s.deviceId)) },
    uplink: () => ({ connected: false, backlogRows: 1234, backlogAgeMs: 60_000 }),
    pollMs: 0,
  });
  return { mine, runtime, model };
}

describe('InterlockBoardModel: headcount', () => {
  it('before the first decision every count is unknown (null, never 0) and the permit is withheld with the reason', () => {
    const { model } = build();
    const s = model.snapshot();
    expect(s.headcount.mine).toEqual({ now: null, quota: null });
    expect(s.headcount.areas.every((a) => a.now === null)).toBe(true);
    expect(s.headcount.levels.every((l) => l.now === null)).toBe(true);
    expect(s.permit.permitted).toBe(false);
    expect(s.permit.reasons[0]!.zh).toContain('启动中');
    expect(s.mineName).toBe('测试矿');
    expect(s.gatewayName).toBe('主井井口');
  });

  it('an unconfirmed count (no card table since start) is unknown, but the people known to be underground stay listed', () => {
    const mine = new TestMine();
    (mine.tracker as unknown as { state: { lastSnapshotAt: number | null } }).state.lastSnapshotAt = null;
    mine.enter(['1000'], at('07:30'));
    const { runtime, model } = build({ mine });
    runtime.decideNow();
    const s = model.snapshot();
    expect(mine.tracker.view().lastSnapshotAt).toBeNull();
    expect(s.headcount.mine.now).toBeNull();
    expect(s.headcount.shifts.every((x) => x.now === null)).toBe(true);
    expect(s.people.map((p) => p.card)).toEqual(['1000']);
  });

  it('counts per mine, area, level and shift against quotas from the config; a platform quota wins', () => {
    const mine = new TestMine(testConfig({ quotas: { mine: 50, shift: 40, areas: { east: 10 }, levels: { L2: 5 } } }));
    mine.place(['9000', ...cards(1000, 3)], 22, at('07:30'));
    mine.place(['777777'], 33, at('07:31'));
    const { runtime, model } = build({ mine });
    runtime.decideNow();
    let s = model.snapshot();
    expect(s.headcount.mine).toEqual({ now: 5, quota: 50 });
    expect(s.headcount.areas.find((a) => a.id === 'east')).toEqual({ id: 'east', name: '东翼', now: 4, quota: 10 });
    expect(s.headcount.areas.find((a) => a.id === 'shaft')).toEqual({ id: 'shaft', name: '井筒', now: 0, quota: null });
    expect(s.headcount.levels.find((l) => l.id === 'L2')).toEqual({ id: 'L2', name: '-200m 中段', now: 4, quota: 5 });
    expect(s.headcount.levels.find((l) => l.id === 'L3')).toMatchObject({ now: 1, quota: null });
    const day = s.headcount.shifts.find((x) => x.id === 'day')!;
    expect(day).toMatchObject({ name: '早班', now: 5, quota: 40, current: true });
    mine.settings = { ...mine.settings, quotas: { mine: { scope: 'mine', target: null, limit: 4, setAt: 0, setBy: 'cmd-1' } } };
    runtime.decideNow();
    s = model.snapshot();
    expect(s.headcount.mine).toEqual({ now: 5, quota: 4 });
    expect(s.permit.permitted).toBe(false);
    expect(s.permit.reasons.some((r) => /定员|quota/.test(r.zh + r.en))).toBe(true);
  });

  it('names people: crew, work location and zone by name, unknown cards as null, entry time and shift', () => {
    const mine = new TestMine();
    mine.place(['9000', '1000'], 22, at('07:30'));
    mine.place(['777777'], 21, at('07:31'));
    const { runtime, model } = build({ mine });
    runtime.decideNow();
    const people = model.snapshot().people;
    expect(people.find((p) => p.card === '1000')).toEqual({
      card: '1000',
      name: '工人1000',
      crew: '采矿一队',
      role: 'worker',
      shift: '早班',
      enteredAt: at('07:30'),
      location: { zone: '-200m 东翼采场', workLocation: '-200m 东翼采场', area: 'east', level: 'L2' },
      overtime: false,
      signalLost: false,
    });
    expect(people.find((p) => p.card === '777777')).toMatchObject({ name: null, crew: null, role: null, location: { zone: '-200m 马头门', workLocation: null, level: 'L2' } });
    const duty = model.snapshot().duty;
    expect(duty.find((d) => d.current)).toMatchObject({ shiftId: 'day', leaders: [{ name: '张带班', card: '9000', underground: true }] });
  });
});

describe('InterlockBoardModel: alarms, evacuation, ban, suspension', () => {
  it('CH4 high: the alarm with its people, evacuation by last known location with names and crews', () => {
    const mine = new TestMine(testConfig({ analog: [{ device: 'sm-1', point: 'ch4', preset: 'ch4' }] }), standardRoster([person('1003', { crew: 'C02' })]));
    mine.points.set('sm-1/ch4', { value: 1.3, quality: 'good', lastGoodAt: 0 });
    mine.place(['9000', '1000'], 22, at('07:30'));
    mine.place(['1003', '777777'], 33, at('07:31'));
    const { runtime, model } = build({ mine });
    runtime.decideNow();
    const s = model.snapshot();
    const alarm = s.alarms.find((a) => a.key.includes('ch4'))!;
    expect(alarm).toMatchObject({ severity: 'critical', state: 'active_unacked', acknowledgedBy: null });
    expect(alarm.message.zh).toMatch(/甲烷|CH4/);
    expect(s.evacuation.active).toBe(true);
    expect(s.evacuation.since).toBe(at('07:40'));
    expect(s.evacuation.reason!.zh).toBe(alarm.message.zh);
    expect(s.evacuation.people).toHaveLength(4);
    expect(s.evacuation.people.find((p) => p.card === '1003')).toMatchObject({ name: '工人1003', crew: '采矿二队', location: '-300m 西翼掘进' });
    expect(s.evacuation.people.find((p) => p.card === '777777')).toMatchObject({ name: null, crew: null, location: '-300m 西翼掘进' });
  });

  it('acknowledges through the alarm manager (a second time is refused), and an unknown key is refused', () => {
    const mine = new TestMine(testConfig({ analog: [{ device: 'sm-1', point: 'ch4', preset: 'ch4' }] }));
    mine.points.set('sm-1/ch4', { value: 1.3, quality: 'good', lastGoodAt: 0 });
    const { runtime, model } = build({ mine });
    runtime.decideNow();
    const key = mine.alarms.active()[0]!.key;
    let changes = 0;
    model.onChange(() => changes++);
    expect(model.acknowledgeAlarm('nope', '值班员')).toMatchObject({ ok: false, reason: 'unknown_alarm' });
    expect(model.acknowledgeAlarm(key, '值班员').ok).toBe(true);
    expect(mine.alarms.get(key)).toMatchObject({ state: 'active_acked', acknowledgedBy: '值班员' });
    expect(model.snapshot().alarms[0]).toMatchObject({ state: 'active_acked', acknowledgedBy: '值班员' });
    expect(changes).toBeGreaterThan(0);
    expect(model.acknowledgeAlarm(key, '值班员')).toMatchObject({ ok: false, reason: 'already_acknowledged' });
  });

  it('the manual ban withdraws the permit, shows who and why, and lifts again; a platform alert is an upstream ban', () => {
    const { mine, runtime, model } = build();
    runtime.decideNow();
    expect(model.snapshot().permit.permitted).toBe(true);
    expect(model.setManualBan(true, '值班员', '井口积水')).toMatchObject({ ok: true });
    let s = model.snapshot();
    expect(s.permit.permitted).toBe(false);
    expect(s.ban).toMatchObject({ active: true, sources: [{ kind: 'manual', by: '值班员', since: at('07:40') }] });
    expect(s.ban.sources[0]!.detail).toEqual({ zh: '井口积水', en: '井口积水' });
    expect(model.setManualBan(true, '值班员', 'x')).toMatchObject({ ok: false, reason: 'no_change' });
    expect(model.setManualBan(false, '值班员', '')).toMatchObject({ ok: true });
    expect(model.snapshot().ban.active).toBe(false);
    mine.settings = {
      ...mine.settings,
      weatherAlerts: { a1: { alertId: 'a1', type: 'rainstorm', colour: 'blue', validFrom: 0, validUntil: at('23:00'), receivedAt: 0, setBy: 'cmd' } },
    };
    runtime.decideNow();
    s = model.snapshot();
    expect(s.ban.sources).toMatchObject([{ kind: 'upstream_alert', by: null }]);
  });

  it('suspension from the config, overridden by a platform order (with its time)', () => {
    const mine = new TestMine(testConfig({ suspension: { active: true, orderRef: '本地令', maxPerShift: 30, maxPerWorkLocation: 8 } }));
    const { model } = build({ mine });
    expect(model.snapshot().suspension).toEqual({ active: true, orderRef: '本地令', maxPerShift: 30, maxPerWorkLocation: 8, since: null });
    mine.settings = { ...mine.settings, suspension: { orderRef: '黑应急〔2024〕1号', maxPerShift: 20, maxPerWorkLocation: 10, since: 1234, setBy: 'cmd' } };
    expect(model.snapshot().suspension).toEqual({ active: true, orderRef: '黑应急〔2024〕1号', maxPerShift: 20, maxPerWorkLocation: 8, since: 1234 });
  });
});

describe('InterlockBoardModel: systems and uplink', () => {
  it('all five systems always, then weather and outputs; per kind ok / stale / down / unknown', () => {
    const states = [
      deviceState('pp-1', 'personnel_positioning', at('07:39')),
      deviceState('sm-1', 'safety_monitoring', at('07:30')), // answered before, silent now
      deviceState('comm-1', 'communication', null, at('07:39')), // polled, never a good answer
      deviceState('air-1', 'compressed_air', null, null), // not polled yet
      deviceState('water-1', 'water_supply', at('07:39')),
      deviceState('out-1', 'outputs', at('07:39')),
      deviceState('led-1', 'outputs', null, null),
    ];
    const { model } = build({ states, stale: ['sm-1', 'comm-1', 'air-1'] });
    const byId = new Map(model.snapshot().systems.map((s) => [s.id, s]));
    expect([...byId.keys()]).toEqual(['personnel_positioning', 'safety_monitoring', 'communication', 'compressed_air', 'water_supply', 'weather', 'outputs']);
    expect(byId.get('personnel_positioning')).toMatchObject({ status: 'ok', lastGoodAt: at('07:39') });
    expect(byId.get('safety_monitoring')).toMatchObject({ status: 'stale', lastGoodAt: at('07:30') });
    expect(byId.get('communication')).toMatchObject({ status: 'down', lastGoodAt: null });
    expect(byId.get('compressed_air')).toMatchObject({ status: 'unknown', lastGoodAt: null });
    expect(byId.get('weather')).toMatchObject({ status: 'unknown', detail: { zh: '未配置', en: 'not configured' } });
    expect(byId.get('outputs')).toMatchObject({ status: 'ok' }); // the write-only LED board is not judged
  });

  it('once the interlocks decide, their stale judgement is the board’s, and stale positioning makes the count unknown', () => {
    const mine = new TestMine();
    mine.place(['1000'], 22, at('07:30'));
    mine.devices = [
      { deviceId: 'pp-1', system: 'personnel_positioning', pollIntervalMs: 1000, lastGoodAt: at('07:00') },
      ...['safety_monitoring', 'communication', 'compressed_air', 'water_supply'].map((system) => ({ deviceId: `${system}-1`, system, pollIntervalMs: 1000, lastGoodAt: at('07:40') })),
    ];
    const { runtime, model } = build({ mine });
    runtime.decideNow();
    const s = model.snapshot();
    expect(s.systems.find((x) => x.id === 'personnel_positioning')!.status).toBe('stale');
    expect(s.headcount.mine.now).toBeNull();
    expect(s.headcount.areas.every((a) => a.now === null)).toBe(true);
    expect(s.people).toHaveLength(1);
    expect(s.permit.permitted).toBe(false);
  });

  it('uplink: connected, backlog rows and the time of the oldest row', () => {
    const { model } = build();
    expect(model.snapshot().uplink).toEqual({ connected: false, backlogRows: 1234, oldestBacklogAt: at('07:39') });
  });

  it('without interlocks: systems and uplink, every count unknown, no permit, actions refused', () => {
    const { model } = build({ interlocks: false });
    const s = model.snapshot();
    expect(s.headcount.mine).toEqual({ now: null, quota: null });
    expect(s.people).toEqual([]);
    expect(s.permit.permitted).toBe(false);
    expect(s.permit.reasons[0]!.en).toMatch(/No interlocks/);
    expect(s.systems).toHaveLength(7);
    expect(s.mineName).toBe('test-mine');
    expect(model.acknowledgeAlarm('x', 'a')).toMatchObject({ ok: false, reason: 'not_allowed' });
    expect(model.setManualBan(true, 'a', 'b')).toMatchObject({ ok: false, reason: 'not_allowed' });
  });
});
