/**
 * A small mine for the interlock tests: five production levels (L1–L5) and a haulage level, east and
 * west areas, one risk area (RA-1E at WL-1E), a shaft-head entry reader 1 and exit reader 2; zone
 * and reader ids are 10 × level + 1 (station), + 2 (east work location), + 3 (west work location).
 * Shifts: night 00–08, day 08–16, evening 16–24, UTC+8, entry lead 60 min.
 */
import { interlocksSchema, type InterlocksConfig, type LayoutConfig } from '../../config/rules-schema.js';
import { AlarmManager } from '../../agent/alarms/alarm-manager.js';
import { defaultRuntimeSettings, type RuntimeSettingsData } from '../../agent/commands/runtime-settings-data.js';
import { HeadcountTracker } from '../../agent/headcount/headcount-tracker.js';
import type { CardReading, PositioningEvent } from '../../agent/headcount/positioning-input.js';
import { MineLayout } from '../../agent/people/mine-layout.js';
import type { Person } from '../../agent/people/person.js';
import { Roster } from '../../agent/people/roster.js';
import { ShiftSchedule } from '../../agent/people/shift-schedule.js';
import { InterlockEngine, type Decision } from '../../agent/rules/interlock-engine.js';
import type { AgentHealth, DeviceHealth, ManualBan, PointReading } from '../../agent/rules/rule-types.js';

const levels = [1, 2, 3, 4, 5];

export const LAYOUT: LayoutConfig = {
  mine: { id: 'test-mine', name: '测试矿', kind: 'metal', depthM: 450 },
  levels: [{ id: 'L0', name: '运输中段', elevationM: -100, production: false }, ...levels.map((l) => ({ id: `L${l}`, name: `-${l}00m 中段`, elevationM: -l * 100, production: true }))],
  areas: [
    { id: 'shaft', name: '井筒' },
    { id: 'east', name: '东翼' },
    { id: 'west', name: '西翼' },
  ],
  riskAreas: [{ id: 'RA-1E', name: '爆破区', reason: 'blasting' }],
  workLocations: levels.flatMap((l) => [
    { id: `WL-${l}E`, name: `-${l}00m 东翼采场`, level: `L${l}`, area: 'east', riskArea: l === 1 ? 'RA-1E' : null },
    { id: `WL-${l}W`, name: `-${l}00m 西翼掘进`, level: `L${l}`, area: 'west', riskArea: null },
  ]),
  zones: [
    { id: 1, name: '井口', level: null, area: null, workLocation: null },
    ...levels.flatMap((l) => [
      { id: l * 10 + 1, name: `-${l}00m 马头门`, level: `L${l}`, area: 'shaft', workLocation: null },
      { id: l * 10 + 2, name: `-${l}00m 东翼采场`, level: `L${l}`, area: 'east', workLocation: `WL-${l}E` },
      { id: l * 10 + 3, name: `-${l}00m 西翼掘进`, level: `L${l}`, area: 'west', workLocation: `WL-${l}W` },
    ]),
  ],
  readers: [
    { id: 1, code: 'R001', name: '入井', zone: 1, shaftHead: 'entry' },
    { id: 2, code: 'R002', name: '出井', zone: 1, shaftHead: 'exit' },
    ...levels.flatMap((l) => [1, 2, 3].map((k) => ({ id: l * 10 + k, code: `R${l}${k}`, name: `reader ${l * 10 + k}`, zone: l * 10 + k, shaftHead: null }))),
  ],
  crews: [
    { id: 'C01', name: '采矿一队' },
    { id: 'C02', name: '采矿二队' },
  ],
};

/** 2024-11-18 in UTC+8. */
export const at = (time: string, day = 18): number => Date.parse(`2024-11-${String(day).padStart(2, '0')}T${time}:00+08:00`);

export function person(card: string, fields: Partial<Person> = {}): Person {
  return {
    card,
    name: `工人${card}`,
    role: 'worker',
    crew: 'C01',
    shift: null,
    employer: 'own',
    trainingValidUntil: at('00:00', 30),
    certificates: [],
    ...fields,
  };
}

/** Cards 1000–1499 are C01 workers, 1500–1599 C02 workers; card 9000 is the C01 leader, 9001 the C02 leader. */
export function standardRoster(extra: Person[] = []): Roster {
  const people: Person[] = [];
  for (let i = 0; i < 600; i++) people.push(person(String(1000 + i), { crew: i < 500 ? 'C01' : 'C02' }));
  people.push(person('9000', { name: '张带班', role: 'leader', crew: 'C01' }), person('9001', { name: '李带班', role: 'leader', crew: 'C02' }));
  const byCard = new Map(people.map((p) => [p.card, p]));
  for (const p of extra) byCard.set(p.card, p);
  return new Roster([...byCard.values()], 'test');
}

export function testConfig(overrides: Record<string, unknown> = {}): InterlocksConfig {
  return interlocksSchema.parse({ people: { layout: LAYOUT }, ...overrides });
}

export const SYSTEMS = ['personnel_positioning', 'safety_monitoring', 'communication', 'compressed_air', 'water_supply'];

/**
 * The whole pure core wired as the agent will wire it: tracker → engine → alarms. Devices are
 * healthy and a snapshot confirmed the count unless a test says otherwise.
 */
export class TestMine {
  readonly layout: MineLayout;
  readonly schedule: ShiftSchedule;
  readonly alarms: AlarmManager;
  readonly engine: InterlockEngine;
  readonly tracker: HeadcountTracker;
  roster: Roster;
  settings: RuntimeSettingsData = defaultRuntimeSettings();
  points = new Map<string, PointReading>();
  devices: DeviceHealth[] | null = null;
  manualBan: ManualBan | null = null;
  agent: AgentHealth = { healthy: true, problems: [] };
  private seq = 0;

  constructor(
    readonly config: InterlocksConfig = testConfig(),
    roster: Roster = standardRoster(),
  ) {
    this.layout = new MineLayout(config.people.layout!);
    this.schedule = new ShiftSchedule(config.people.shifts, config.people.utcOffsetMinutes, config.people.entryLeadMinutes);
    this.alarms = new AlarmManager(config.alarms);
    this.engine = new InterlockEngine(config, { layout: this.layout, schedule: this.schedule, alarms: this.alarms });
    this.tracker = new HeadcountTracker(this.layout, { noSignalAfterMs: config.people.noSignalAfterMs, overtimeGraceMs: config.people.overtimeGraceMinutes * 60_000 });
    this.roster = roster;
    // The agent has seen one (empty) snapshot: the count is confirmed unless a test says otherwise.
    this.tracker.applySnapshot({ readAt: 0, cards: [] });
  }

  events(list: Array<Omit<PositioningEvent, 'seq'>>) {
    return this.tracker.applyEvents(
      list.map((e) => ({ ...e, seq: ++this.seq })),
      this.engine.stampAt,
    );
  }

  enter(cards: string[], time: number) {
    return this.events(cards.map((card) => ({ card, at: time, reader: 1, kind: 'entry' as const })));
  }

  exit(cards: string[], time: number) {
    return this.events(cards.map((card) => ({ card, at: time, reader: 2, kind: 'exit' as const })));
  }

  /** A snapshot with the given cards heard at the given zone (reader = zone in this layout). */
  snapshot(time: number, cards: Array<{ card: string; zone: number; lastSeenAt?: number; underground?: boolean }>) {
    const readings: CardReading[] = cards.map((c) => ({
      card: c.card,
      reader: c.zone,
      zone: c.zone,
      lastSeenAt: c.lastSeenAt ?? time,
      underground: c.underground ?? true,
      emergency: false, signalLost: false,
    }));
    return this.tracker.applySnapshot({ readAt: time, cards: readings });
  }

  /** Entry plus a snapshot placing them at `zone`. */
  place(cards: string[], zone: number, time: number) {
    this.enter(cards, time);
    const here = new Set(cards);
    const all = Object.values(this.tracker.view().underground).map((p) => ({ card: p.card, zone: here.has(p.card) ? zone : (p.zone ?? 1), lastSeenAt: time }));
    this.snapshot(time, all);
  }

  decide(now: number): Decision {
    const devices = this.devices ?? SYSTEMS.map((system) => ({ deviceId: `${system}-1`, system, pollIntervalMs: 1000, lastGoodAt: now }));
    return this.engine.decide({
      now,
      headcount: this.tracker.view(),
      roster: this.roster,
      points: this.points,
      devices,
      settings: this.settings,
      manualBan: this.manualBan,
      agent: this.agent,
    });
  }
}

export const cards = (from: number, count: number): string[] => Array.from({ length: count }, (_, i) => String(from + i));
export const keys = (decision: Decision) => decision.findings.map((f) => f.key);
export const alarmKeys = (mine: TestMine) => mine.alarms.active().map((a) => a.key);
