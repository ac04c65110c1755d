/**
 * The interlock runtime's own reuse between decisions, each shown not to hide a change:
 * - state saving writes only the rows that changed since the last successful save (all at stop),
 *   and what the store holds is always the latest of each row (a restart restores it);
 * - the point readings map is refilled, not rebuilt: a new value is judged at the next decision;
 * - the platform roster is converted once per roster setting: a new setting is used at once, by the
 *   rules and by the headcount review (overtime from the roster's shift).
 * The runtime is built as the agent builds it, with a fake clock, fake store and no outputs.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { interlocksSectionSchema, modbusTcpDeviceSchema, type DeviceConfig, type InterlocksSectionConfig } from '../../config/schema.js';
import { defaultRuntimeSettings, type RuntimeSettingsData } from '../../agent/commands/runtime-settings-data.js';
import { parseHeadcountState } from '../../agent/headcount/headcount-state.js';
import { InterlockRuntime, type InterlockStore } from '../../agent/interlocks/interlock-runtime.js';
import type { PositionEvent } from '../../agent/model/positioning.js';
import type { PollCycle } from '../../agent/model/sample.js';
import { silentLogger } from '../../agent/runtime/logger.js';
import { PointTable } from '../../agent/state/point-table.js';
import { at, LAYOUT } from './rules-fixture.js';

const SYSTEMS = ['personnel_positioning', 'safety_monitoring', 'communication', 'compressed_air', 'water_supply'] as const;

const devices: DeviceConfig[] = SYSTEMS.map((system, i) =>
  modbusTcpDeviceSchema.parse({
    id: `d${i}`,
    system,
    transport: 'modbus-tcp',
    host: '127.0.0.1',
    points: [{ id: system === 'safety_monitoring' ? 'ch4' : 'ok', table: 'input', address: 0, type: 'float32' }],
    ...(system === 'personnel_positioning' ? { positioning: {} } : {}),
  }),
);
const PP = devices[0]!;

class FakeClock {
  wall = at('08:00');
  mono = 0;
  now = () => this.wall;
  monotonic = () => this.mono;
  advance(ms: number) {
    this.wall += ms;
    this.mono += ms;
  }
}

class FakeStore implements InterlockStore {
  rows = new Map<string, string>();
  saves: string[][] = [];
  events: string[] = [];
  failNext = false;
  appendEvent(kind: string) {
    this.events.push(kind);
  }
  appendAlarm() {}
  saveInterlockState(states: ReadonlyArray<{ name: string; json: string }>) {
    if (this.failNext) {
      this.failNext = false;
      throw new Error('disk full');
    }
    this.saves.push(states.map((s) => s.name));
    for (const s of states) this.rows.set(s.name, s.json);
  }
  loadInterlockState(name: string) {
    const json = this.rows.get(name);
    return json === undefined ? null : { json, updatedAt: 0 };
  }
}

interface Harness {
  runtime: InterlockRuntime;
  clock: FakeClock;
  store: FakeStore;
  table: PointTable;
  settings: { value: RuntimeSettingsData };
  /** Every device answers once (ch4 = the value given) and the runtime decides. */
  poll(ch4?: number, extra?: Partial<{ events: PositionEvent[]; cards: boolean }>): void;
}

let seq = 0;

function harness(config: InterlocksSectionConfig, store = new FakeStore(), clock = new FakeClock()): Harness {
  const table = new PointTable({ devices }, clock);
  const settings = { value: defaultRuntimeSettings() };
  const runtime = new InterlockRuntime({
    config,
    devices,
    configDir: '/',
    clock,
    logger: silentLogger(),
    pointTable: table,
    settings: () => settings.value,
    driverOf: () => undefined,
    agentProblems: () => [],
    store,
  });
  const underground = new Set<string>();
  const h: Harness = {
    runtime,
    clock,
    store,
    table,
    settings,
    poll(ch4 = 0.1, extra = {}) {
      for (const device of devices) {
        const now = clock.now();
        const point = device.points[0]!;
        const cycle: PollCycle = {
          deviceId: device.id,
          startedAt: now,
          finishedAt: now,
          samples: [{ deviceId: device.id, pointId: point.id, value: point.id === 'ch4' ? ch4 : 1, quality: 'good', ts: now, mono: clock.mono }],
        };
        if (device === PP) {
          for (const e of extra.events ?? []) {
            if (e.kind === 'entry') underground.add(e.card);
            if (e.kind === 'exit') underground.delete(e.card);
          }
          cycle.positioning = {
            deviceId: device.id,
            at: now,
            mono: clock.mono,
            quality: 'good',
            detail: null,
            header: null,
            cards: extra.cards ? [...underground].map((card) => ({ card, reader: 12, zone: 12, lastSeenAt: now, underground: true, emergency: false, signalLost: false })) : null,
            events: extra.events ?? [],
            missedEvents: 0,
            eventsResynced: false,
            rejected: [],
          };
        }
        table.apply(cycle);
        runtime.onCycle(cycle, clock.mono);
      }
    },
  };
  return h;
}

const entry = (card: string, time: number): PositionEvent => ({ seq: ++seq, card, at: time, reader: 1, kind: 'entry' });
const exit = (card: string, time: number): PositionEvent => ({ seq: ++seq, card, at: time, reader: 2, kind: 'exit' });
const config = (extra: Record<string, unknown> = {}) =>
  interlocksSectionSchema.parse({ people: { layout: LAYOUT }, leader: { required: false }, analog: [{ device: 'd1', point: 'ch4', preset: 'ch4' }], ...extra });
const storedHeadcount = (h: Harness) => parseHeadcountState(h.store.rows.get('headcount')!);
const keys = (h: Harness) => h.runtime.lastDecision!.findings.map((f) => f.key);

describe('interlock runtime: state saving writes what changed', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('writes every row first, then only the changed ones; the store always holds the latest; all at stop', async () => {
    const h = harness(config());
    h.runtime.start();
    h.poll(0.1, { events: [entry('1000', h.clock.now()), entry('1001', h.clock.now())], cards: true });
    vi.advanceTimersByTime(2000);
    expect(h.store.saves).toEqual([['headcount', 'alarms', 'manual_ban']]);

    // Nothing changed: nothing written.
    h.clock.advance(2000);
    h.poll();
    vi.advanceTimersByTime(2000);
    expect(h.store.saves).toHaveLength(1);

    // A card table (everyone heard again): the headcount alone, the alarms and the ban did not change.
    h.clock.advance(1000);
    h.poll(0.1, { cards: true });
    vi.advanceTimersByTime(2000);
    expect(h.store.saves.at(-1)).toEqual(['headcount']);
    expect(storedHeadcount(h).underground['1000']?.lastSeenAt).toBe(h.clock.now());

    // An exit: the headcount, and the alarms whose condition it ended.
    h.clock.advance(1000);
    h.poll(0.1, { events: [exit('1001', h.clock.now())] });
    vi.advanceTimersByTime(2000);
    expect(h.store.saves.at(-1)).toEqual(['headcount', 'alarms']);
    expect(Object.keys(storedHeadcount(h).underground)).toEqual(['1000']);

    // A methane alarm: the alarms alone.
    h.clock.advance(1000);
    h.poll(1.5);
    expect(keys(h)).toContain('analog:d1/ch4');
    vi.advanceTimersByTime(2000);
    expect(h.store.saves.at(-1)).toEqual(['alarms']);
    expect(h.store.rows.get('alarms')).toContain('analog:d1/ch4');

    // The manual ban alone.
    h.runtime.setManualBan({ by: '值班员', since: h.clock.now(), note: null });
    vi.advanceTimersByTime(2000);
    expect(h.store.saves.at(-1)).toEqual(['manual_ban']);

    // A failed save (an entry: headcount and a new alarm) is written again at the next run; then nothing more.
    h.clock.advance(1000);
    h.poll(1.5, { events: [entry('1002', h.clock.now())] });
    h.store.failNext = true;
    const before = h.store.saves.length;
    vi.advanceTimersByTime(2000);
    expect(h.store.saves.length).toBe(before);
    vi.advanceTimersByTime(2000);
    expect(h.store.saves.slice(before)).toEqual([['headcount', 'alarms']]);
    vi.advanceTimersByTime(2000);
    expect(h.store.saves.length).toBe(before + 1);

    // The store holds the latest of every row: a new runtime restores exactly the last state.
    const stored = Object.keys(storedHeadcount(h).underground).sort();
    expect(stored).toEqual(['1000', '1002']);
    expect(h.store.rows.get('headcount')).toBe(h.runtime.tracker.toJSONText());
    const stop = h.runtime.stop(10);
    await vi.runAllTimersAsync();
    await stop;
    expect(h.store.saves.at(-1)).toEqual(['headcount', 'alarms', 'manual_ban']);

    const restarted = harness(config(), h.store);
    expect(Object.keys(restarted.runtime.tracker.view().underground).sort()).toEqual(['1000', '1002']);
    expect(restarted.runtime.manualBanState?.by).toBe('值班员');
    expect(restarted.runtime.alarms.active().map((a) => a.key)).toContain('analog:d1/ch4');
  });
});

describe('interlock runtime: point readings refilled per decision', () => {
  it('judges every new value at the next decision (a stale reading would miss the alarm or its end)', () => {
    const h = harness(config());
    h.poll(0.1, { cards: true });
    expect(keys(h)).not.toContain('analog:d1/ch4');
    h.clock.advance(1000);
    h.poll(1.2);
    expect(keys(h)).toContain('analog:d1/ch4');
    h.clock.advance(1000);
    h.poll(0.95); // above the restore level: still in alarm
    expect(keys(h)).toContain('analog:d1/ch4');
    h.clock.advance(1000);
    h.poll(0.5);
    expect(keys(h)).not.toContain('analog:d1/ch4');
    // Bad quality (same value): a sensor fault, never "normal".
    h.clock.advance(1000);
    const now = h.clock.now();
    const cycle: PollCycle = { deviceId: 'd1', startedAt: now, finishedAt: now, samples: [{ deviceId: 'd1', pointId: 'ch4', value: null, quality: 'timeout', ts: now, mono: h.clock.mono }] };
    h.table.apply(cycle);
    h.runtime.onCycle(cycle, h.clock.mono);
    expect(keys(h)).toContain('sensor:d1/ch4');
  });
});

describe('interlock runtime: the platform roster', () => {
  const person = (cardId: string, fields: Record<string, unknown> = {}) => ({ cardId, name: `工人${cardId}`, role: 'worker', employment: 'direct', trainingValidUntil: at('00:00', 30), ...fields });

  it('is converted once per roster setting and a new setting is used at the next decision', () => {
    const h = harness(config());
    h.poll(0.1, { events: [entry('1000', h.clock.now())], cards: true });
    expect(keys(h)).toContain('ineligible:card:1000'); // no roster at all: an unknown card
    h.settings.value = { ...h.settings.value, roster: { version: 1, people: [person('1000')] as never, updatedAt: h.clock.now() } };
    const first = h.runtime.roster();
    expect(h.runtime.roster()).toBe(first);
    h.clock.advance(1000);
    h.poll();
    expect(keys(h)).not.toContain('ineligible:card:1000');
    // Version 2 no longer trains 1000: judged at once, with nothing else changed.
    h.settings.value = { ...h.settings.value, roster: { version: 2, people: [person('1000', { trainingValidUntil: null })] as never, updatedAt: h.clock.now() } };
    expect(h.runtime.roster()).not.toBe(first);
    h.clock.advance(1000);
    h.poll();
    expect(keys(h)).toContain('ineligible:card:1000');
  });

  it('gives the headcount review the new roster’s shifts at once (overtime)', async () => {
    const h = harness(config());
    h.settings.value = { ...h.settings.value, roster: { version: 1, people: [person('1000', { shift: 'day' })] as never, updatedAt: h.clock.now() } };
    // 08:00: 1000 enters for the day shift (08–16) and is heard all along.
    h.poll(0.1, { events: [entry('1000', h.clock.now())], cards: true });
    h.clock.advance(9 * 3_600_000); // 17:00, within the hour of grace
    h.poll(0.1, { cards: true });
    h.runtime.decideNow();
    expect(keys(h)).not.toContain('overtime:card:1000');
    // The platform moves 1000 to the night shift (00–08): that ended long ago, so overtime now.
    h.settings.value = { ...h.settings.value, roster: { version: 2, people: [person('1000', { shift: 'night' })] as never, updatedAt: h.clock.now() } };
    h.runtime.decideNow();
    expect(keys(h)).toContain('overtime:card:1000');
    await h.runtime.stop(10);
    expect(h.store.events.filter((kind) => kind === 'headcount_overtime')).toHaveLength(1);
  });
});
