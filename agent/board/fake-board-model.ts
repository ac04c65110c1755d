/**
 * A BoardModel that holds its state in memory and derives the rest the way the real engine will
 * (counts from the people, permit from ban and quota), for tests and the demo until the interlocks
 * engine is wired. Tests change it through the methods below and watch the board follow.
 */
import type {
  ActionResult,
  BanSource,
  BoardAlarm,
  BoardModel,
  BoardPerson,
  BoardSnapshot,
  BilingualText,
  EvacuationState,
  ScopedHeadcount,
  UplinkState,
} from './board-model.js';
import { demoMineData, type FakeMineData, type PlaceDefinition } from './demo-board-data.js';

export class FakeBoardModel implements BoardModel {
  private readonly data: FakeMineData;
  private readonly listeners = new Set<() => void>();
  private banSources: BanSource[] = [];
  private suspension: BoardSnapshot['suspension'] = { active: false, orderRef: null, maxPerShift: null, maxPerWorkLocation: null, since: null };
  private uplink: UplinkState;
  private evacuation: EvacuationState = { active: false, since: null, reason: null, people: [] };
  /** False: positioning is stale, so every count is unknown (never shown as 0). */
  private positioningKnown = true;
  private permitSince: number;
  private lastPermitted = true;

  constructor(
    private readonly now: () => number = Date.now,
    data?: FakeMineData,
  ) {
    this.data = data ?? demoMineData(now());
    this.uplink = { connected: true, backlogRows: 0, oldestBacklogAt: null };
    this.permitSince = now();
  }

  snapshot(): BoardSnapshot {
    const people = this.data.people;
    const known = this.positioningKnown;
    const count = (filter: (person: BoardPerson) => boolean) => (known ? people.filter(filter).length : null);
    const scoped = (places: PlaceDefinition[], of: (person: BoardPerson) => string | null): ScopedHeadcount[] =>
      places.map((place) => ({ id: place.id, name: place.name, quota: place.quota, now: count((person) => of(person) === place.id) }));
    const mine = { now: count(() => true), quota: this.data.mineQuota };
    const reasons = this.permitReasons(mine.now, mine.quota);
    return {
      at: this.now(),
      mineName: this.data.mineName,
      gatewayName: this.data.gatewayName,
      headcount: {
        mine,
        areas: scoped(this.data.areas, (person) => person.location.area),
        levels: scoped(this.data.levels, (person) => person.location.level),
        shifts: this.data.shifts.map((shift) => ({ ...scoped([shift], (person) => person.shift)[0]!, current: shift.current })),
      },
      people: structuredClone(people),
      duty: structuredClone(this.data.duty),
      permit: { permitted: reasons.length === 0, reasons, since: this.permitSince },
      ban: { active: this.banSources.length > 0, sources: structuredClone(this.banSources), since: this.banSources[0]?.since ?? null },
      suspension: { ...this.suspension },
      alarms: structuredClone(this.data.alarms),
      systems: structuredClone(this.data.systems),
      uplink: { ...this.uplink },
      evacuation: structuredClone(this.evacuation),
    };
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  acknowledgeAlarm(key: string, operator: string): ActionResult {
    const index = this.data.alarms.findIndex((alarm) => alarm.key === key);
    const alarm = this.data.alarms[index];
    if (alarm === undefined) return { ok: false, reason: 'unknown_alarm', detail: { zh: `没有这条报警：${key}`, en: `No such alarm: ${key}` } };
    if (alarm.state === 'active_acked') return { ok: false, reason: 'already_acknowledged', detail: { zh: '该报警已确认', en: 'This alarm is already acknowledged' } };
    // ISA-18.2: acknowledging a cleared alarm returns it to normal, which the board does not list.
    if (alarm.state === 'cleared_unacked') this.data.alarms.splice(index, 1);
    else Object.assign(alarm, { state: 'active_acked', acknowledgedBy: operator });
    this.changed();
    return { ok: true, detail: { zh: `${operator} 已确认报警`, en: `Alarm acknowledged by ${operator}` } };
  }

  setManualBan(on: boolean, operator: string, reason: string): ActionResult {
    const active = this.banSources.some((source) => source.kind === 'manual');
    if (active === on) return { ok: false, reason: 'no_change', detail: on ? { zh: '人工禁止入井已生效', en: 'The manual ban is already on' } : { zh: '没有人工禁止入井', en: 'There is no manual ban' } };
    if (on) this.banSources.push({ kind: 'manual', detail: { zh: reason, en: reason }, since: this.now(), by: operator });
    else this.banSources = this.banSources.filter((source) => source.kind !== 'manual');
    this.changed();
    return { ok: true, detail: on ? { zh: `${operator} 已设置人工禁止入井`, en: `Manual ban switched on by ${operator}` } : { zh: `${operator} 已解除人工禁止入井`, en: `Manual ban lifted by ${operator}` } };
  }

  // ---- what the tests and the demo do to the mine ----

  personEnters(person: BoardPerson): void {
    this.data.people.push(structuredClone(person));
    this.changed();
  }

  personLeaves(card: string): void {
    this.data.people = this.data.people.filter((person) => person.card !== card);
    this.changed();
  }

  raiseAlarm(alarm: BoardAlarm): void {
    this.data.alarms = [...this.data.alarms.filter((existing) => existing.key !== alarm.key), structuredClone(alarm)];
    this.changed();
  }

  alarm(key: string): BoardAlarm | undefined {
    return this.data.alarms.find((alarm) => alarm.key === key);
  }

  setWeatherBan(source: BanSource | null): void {
    this.banSources = this.banSources.filter((existing) => existing.kind === 'manual');
    if (source !== null) this.banSources.unshift(source);
    this.changed();
  }

  setSuspension(suspension: BoardSnapshot['suspension']): void {
    this.suspension = { ...suspension };
    this.changed();
  }

  setUplink(uplink: UplinkState): void {
    this.uplink = { ...uplink };
    this.changed();
  }

  setPositioningKnown(known: boolean): void {
    this.positioningKnown = known;
    this.changed();
  }

  /** Evacuation lists everyone underground by last known location, as the engine will. */
  setEvacuation(reason: BilingualText | null): void {
    this.evacuation =
      reason === null
        ? { active: false, since: null, reason: null, people: [] }
        : {
            active: true,
            since: this.now(),
            reason,
            people: this.data.people.map((person) => ({
              card: person.card,
              name: person.name,
              crew: person.crew,
              location: person.location.workLocation ?? person.location.zone,
              lastSeenAt: this.now(),
            })),
          };
    this.changed();
  }

  private permitReasons(now: number | null, quota: number | null): BilingualText[] {
    const reasons: BilingualText[] = [];
    if (this.banSources.length > 0) reasons.push({ zh: '禁止入井令生效', en: 'Entry ban in force' });
    if (now === null) reasons.push({ zh: '人员定位数据中断，井下人数未知', en: 'Positioning data lost; headcount unknown' });
    else if (quota !== null && now >= quota) reasons.push({ zh: `井下人数已达定员（${now}/${quota}）`, en: `Headcount at quota (${now}/${quota})` });
    if (this.suspension.active && this.suspension.maxPerShift !== null && now !== null && now >= this.suspension.maxPerShift) {
      reasons.push({ zh: `停工整改期间人数已达上限 ${this.suspension.maxPerShift}`, en: `Suspended mine: cap of ${this.suspension.maxPerShift} reached` });
    }
    return reasons;
  }

  private changed(): void {
    const permitted = this.permitReasons(this.positioningKnown ? this.data.people.length : null, this.data.mineQuota).length === 0;
    if (permitted !== this.lastPermitted) this.permitSince = this.now();
    this.lastPermitted = permitted;
    for (const listener of this.listeners) listener();
  }
}
