/**
 * The shaft-head board over the real agent: the interlocks' last decision, the headcount joined with
 * the roster and the layout (names, not ids, wherever a person reads them), the quotas and the
 * suspension in force (config, overridden by the platform), the alarm manager, the devices' health
 * and the uplink. Operator actions go to the alarm manager and the runtime's manual ban, which
 * decide at once so the siren, lamps and permit follow the click.
 *
 * Safety principle 1: a count is a number only when the interlocks trust it (a decision was made,
 * the count is confirmed by a card table and positioning is fresh); otherwise it is null and the
 * page says "未知". The people list stays: a person not seen leaving is still underground.
 *
 * Without an `interlocks` section the board shows what the gateway knows (systems, uplink) and
 * every count as unknown; the permit is "not permitted" with the reason, and actions are refused.
 */
import type { InterlocksConfig } from '../../config/rules-schema.js';
import type { Config } from '../../config/schema.js';
import type { AlarmRecord } from '../alarms/alarm-types.js';
import type { AcknowledgeOutcome } from '../commands/alarm-acknowledger.js';
import type { RuntimeSettingsData } from '../commands/runtime-settings-data.js';
import type { HeadcountState } from '../headcount/headcount-state.js';
import { buildHeadcountView, UNKNOWN_SHIFT, type HeadcountView, type PersonUnderground } from '../headcount/headcount-view.js';
import type { OutputFault } from '../interlocks/output-writer.js';
import type { MineLayout } from '../people/mine-layout.js';
import type { Roster } from '../people/roster.js';
import type { ShiftSchedule } from '../people/shift-schedule.js';
import { effectiveQuotas, effectiveSuspension, mineQuota } from '../rules/effective-settings.js';
import type { Decision } from '../rules/interlock-engine.js';
import type { EffectiveQuota, Finding, ManualBan } from '../rules/rule-types.js';
import type { DeviceState } from '../state/point-table.js';
import type {
  ActionResult,
  AlarmSeverity,
  BanSource,
  BanSourceKind,
  BilingualText,
  BoardAlarm,
  BoardHeadcount,
  BoardModel,
  BoardPerson,
  BoardSnapshot,
  EvacuationState,
  PermitState,
  PersonRole,
  ScopedHeadcount,
  ShiftDuty,
  SuspensionState,
  SystemHealth,
  UplinkState,
} from './board-model.js';
import { systemsHealth, type SystemDevice } from './board-systems.js';

/** What the board needs of the interlock runtime; InterlockRuntime has all of it (tests may fake it). */
export interface BoardInterlocks {
  readonly lastDecision: Decision | null;
  readonly permitChangedAt: number | null;
  readonly manualBanState: ManualBan | null;
  readonly people: { readonly layout: MineLayout; readonly schedule: ShiftSchedule };
  readonly tracker: { view(): Readonly<HeadcountState> };
  readonly alarms: {
    active(): AlarmRecord[];
    get(key: string): AlarmRecord | undefined;
    acknowledge(request: { alarmId: string; by: string; note?: string | undefined; commandId: string; now: number }): AcknowledgeOutcome;
  };
  readonly outputs: { faults(): OutputFault[] };
  roster(): Roster;
  onDecision(listener: (decision: Decision) => void): () => void;
  setManualBan(ban: ManualBan | null): void;
  decideNow(): Decision | null;
}

/** The forwarder's figures the board shows (ForwarderStats has them). */
export interface UplinkStats {
  connected: boolean;
  backlogRows: number;
  backlogAgeMs: number | null;
}

export interface InterlockBoardModelDeps {
  config: Pick<Config, 'gateway' | 'devices'> & { interlocks?: InterlocksConfig | undefined };
  clock: { now(): number };
  /** null without an `interlocks` section. */
  interlocks: BoardInterlocks | null;
  settings: () => Readonly<RuntimeSettingsData>;
  /** Subscribe to committed platform settings (quota, suspension, alerts, roster). */
  onSettingsChange?: (listener: () => void) => () => void;
  devices: { deviceStates(): DeviceState[]; staleDevices(): DeviceState[] };
  /** null before the forwarder runs. */
  uplink: () => UplinkStats | null;
  /** How often systems and uplink are checked for a change no decision reports (default 1 s). */
  pollMs?: number;
}

const SEVERITIES: readonly AlarmSeverity[] = ['critical', 'high', 'medium', 'low'];
const NO_INTERLOCKS: BilingualText = { zh: '本网关未配置联锁，不发出入井许可', en: 'No interlocks configured on this gateway: it gives no entry permit' };
const STARTING: BilingualText = { zh: '网关启动中，联锁尚未开始判断', en: 'Gateway starting: the interlocks have not decided yet' };
const UNKNOWN_LOCATION = '位置未知 unknown';

export class InterlockBoardModel implements BoardModel {
  private readonly listeners = new Set<() => void>();
  private readonly unsubscribe: Array<() => void> = [];
  private readonly timer: NodeJS.Timeout | null = null;
  /** When each ban condition was first seen in force (findings carry no time). */
  private readonly firstSeen = new Map<string, number>();
  private evacuationSince: number | null = null;
  private digest = '';
  private readonly devices: SystemDevice[];

  constructor(private readonly deps: InterlockBoardModelDeps) {
    const { config } = deps;
    const systems = config.interlocks?.systems;
    this.devices = config.devices.map((device) => {
      const polls = systems ? (systems.staleAfterPollsBySystem[device.system] ?? systems.staleAfterPolls) : null;
      return {
        id: device.id,
        system: device.system,
        readable: device.points.length > 0,
        staleAfterMs: polls !== null ? polls * device.pollIntervalMs : (device.staleAfterMs ?? device.pollIntervalMs * 3),
      };
    });
    if (deps.interlocks) {
      this.unsubscribe.push(
        deps.interlocks.onDecision((decision) => {
          this.track(decision);
          this.changed();
        }),
      );
    }
    if (deps.onSettingsChange) this.unsubscribe.push(deps.onSettingsChange(() => this.changed()));
    const pollMs = deps.pollMs ?? 1_000;
    if (pollMs > 0) {
      this.timer = setInterval(() => this.pollQuietChanges(), pollMs);
      this.timer.unref();
    }
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
    for (const off of this.unsubscribe.splice(0)) off();
    this.listeners.clear();
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  snapshot(): BoardSnapshot {
    const now = this.deps.clock.now();
    const rt = this.deps.interlocks;
    const decision = rt?.lastDecision ?? null;
    if (decision) this.track(decision);
    const settings = this.deps.settings();
    const interlocks = this.deps.config.interlocks;
    const quotas = interlocks ? effectiveQuotas(interlocks.quotas, settings) : [];
    const view = rt ? buildHeadcountView(rt.tracker.view(), rt.roster(), rt.people.layout, rt.people.schedule) : null;
    const known = rt !== null && decision !== null && countKnown(decision);
    return {
      at: now,
      mineName: rt?.people.layout.config.mine.name ?? this.deps.config.gateway.mineId,
      gatewayName: this.deps.config.gateway.name ?? this.deps.config.gateway.gatewayId,
      headcount: this.headcount(view, decision, known, quotas, now),
      people: view && rt ? view.people.map((entry) => boardPerson(entry, rt.people.layout)) : [],
      duty: view && rt ? this.duty(view, rt, now) : [],
      permit: this.permit(decision),
      ban: this.ban(decision),
      suspension: this.suspension(settings),
      alarms: rt ? rt.alarms.active().map(boardAlarm).sort(byUrgency) : [],
      systems: this.systems(decision),
      uplink: this.uplink(now),
      evacuation: this.evacuation(decision, view),
    };
  }

  acknowledgeAlarm(key: string, operator: string): ActionResult {
    const rt = this.deps.interlocks;
    if (!rt) return { ok: false, reason: 'not_allowed', detail: NO_INTERLOCKS };
    const alarm = rt.alarms.get(key);
    if (!alarm) return { ok: false, reason: 'unknown_alarm', detail: { zh: `没有这条报警：${key}（可能已恢复正常）`, en: `No such alarm: ${key} (it may have returned to normal)` } };
    if (alarm.state === 'active_acked') return { ok: false, reason: 'already_acknowledged', detail: { zh: '该报警已确认', en: 'This alarm is already acknowledged' } };
    const now = this.deps.clock.now();
    const outcome = rt.alarms.acknowledge({ alarmId: key, by: operator, commandId: `board:${now}`, now });
    if (!outcome.ok) return { ok: false, reason: 'unknown_alarm', detail: { zh: `没有这条报警：${key}`, en: outcome.detail } };
    // Decide now: the siren and lamps follow the acknowledgement at once, not at the next poll.
    rt.decideNow();
    this.changed();
    return { ok: true, detail: { zh: `${operator} 已确认报警`, en: `Alarm acknowledged by ${operator}` } };
  }

  setManualBan(on: boolean, operator: string, reason: string): ActionResult {
    const rt = this.deps.interlocks;
    if (!rt) return { ok: false, reason: 'not_allowed', detail: NO_INTERLOCKS };
    if (on === (rt.manualBanState !== null)) {
      return { ok: false, reason: 'no_change', detail: on ? { zh: '人工禁止入井已生效', en: 'The manual ban is already on' } : { zh: '没有人工禁止入井', en: 'There is no manual ban' } };
    }
    // The runtime persists the ban, records the event and decides at once (permit coil, ban lamp).
    rt.setManualBan(on ? { by: operator, since: this.deps.clock.now(), note: reason.trim() === '' ? null : reason.trim() } : null);
    this.changed();
    return {
      ok: true,
      detail: on ? { zh: `${operator} 已设置人工禁止入井`, en: `Manual ban switched on by ${operator}` } : { zh: `${operator} 已解除人工禁止入井`, en: `Manual ban lifted by ${operator}` },
    };
  }

  // ---- the parts of the snapshot ----------------------------------------------------------------

  private headcount(view: HeadcountView | null, decision: Decision | null, known: boolean, quotas: readonly EffectiveQuota[], now: number): BoardHeadcount {
    const rt = this.deps.interlocks;
    const interlocks = this.deps.config.interlocks;
    if (!rt || !interlocks || !view) return { mine: { now: null, quota: null }, areas: [], levels: [], shifts: [] };
    const layout = rt.people.layout;
    const counts = decision?.headcount;
    const figure = (of: Record<string, number> | undefined, id: string) => (known && of ? (of[id] ?? 0) : null);
    const quotaOf = (scope: EffectiveQuota['scope'], target: string | null) => lowest(quotas.filter((q) => q.scope === scope && q.target === target));
    const areas: ScopedHeadcount[] = layout.config.areas.map((a) => ({ id: a.id, name: a.name, now: figure(counts?.byArea, a.id), quota: quotaOf('area', a.id) }));
    const levels: ScopedHeadcount[] = layout.config.levels.map((l) => ({ id: l.id, name: l.name, now: figure(counts?.byLevel, l.id), quota: quotaOf('level', l.id) }));
    const current = rt.people.schedule.shiftForEntry(now).shiftId;
    const shifts = interlocks.people.shifts.map((s) => ({
      id: s.id,
      name: s.name,
      now: figure(counts?.byShift, s.id),
      quota: quotaOf('shift', s.id) ?? quotaOf('shift', null),
      current: s.id === current,
    }));
    if (known && (counts?.byShift[UNKNOWN_SHIFT] ?? 0) > 0) {
      shifts.push({ id: UNKNOWN_SHIFT, name: '班次未知 shift unknown', now: counts!.byShift[UNKNOWN_SHIFT]!, quota: null, current: false });
    }
    return { mine: { now: known ? decision!.headcount.total : null, quota: mineQuota(quotas) }, areas, levels, shifts };
  }

  /** The current shift always; another shift only when someone of it is underground or it has rostered leaders. */
  private duty(view: HeadcountView, rt: BoardInterlocks, now: number): ShiftDuty[] {
    const interlocks = this.deps.config.interlocks!;
    const current = rt.people.schedule.shiftForEntry(now).shiftId;
    const rostered = [...rt.roster().people()].filter((p) => p.role === 'leader' && p.shift !== null);
    return interlocks.people.shifts
      .map((shift) => {
        const down = (view.byShift.get(shift.id) ?? []).filter((entry) => entry.person?.role === 'leader');
        const cards = new Set(down.map((entry) => entry.record.card));
        const leaders = [
          ...down.map((entry) => ({ name: entry.person!.name, card: entry.record.card, underground: true })),
          ...rostered.filter((p) => p.shift === shift.id && !cards.has(p.card)).map((p) => ({ name: p.name, card: p.card, underground: false })),
        ];
        const present = (view.byShift.get(shift.id)?.length ?? 0) > 0;
        return { shiftId: shift.id, shiftName: shift.name, current: shift.id === current, leaders, show: shift.id === current || present || leaders.length > 0 };
      })
      .filter((duty) => duty.show)
      .map(({ show: _show, ...duty }) => duty);
  }

  private permit(decision: Decision | null): PermitState {
    const rt = this.deps.interlocks;
    if (!rt) return { permitted: false, reasons: [NO_INTERLOCKS], since: null };
    if (!decision) return { permitted: false, reasons: [STARTING], since: null };
    const reasons = decision.permit.reasons.map((r) => ({ zh: r.message.zh, en: r.message.en }));
    return { permitted: decision.permit.permitted, reasons, since: rt.permitChangedAt };
  }

  private ban(decision: Decision | null): BoardSnapshot['ban'] {
    const manual = this.deps.interlocks?.manualBanState ?? null;
    const sources: BanSource[] = (decision?.findings ?? [])
      .filter((f) => f.ban)
      .map((f) => {
        const kind = banKind(f);
        // A manual ban's detail is the operator's reason: the page already prints "人工" and who.
        const note = kind === 'manual' ? (manual?.note ?? null) : null;
        return {
          kind,
          detail: kind !== 'manual' ? { zh: f.message.zh, en: f.message.en } : note !== null ? { zh: note, en: note } : { zh: '人工禁止入井', en: 'manual entry ban' },
          since: kind === 'manual' && manual ? manual.since : (this.firstSeen.get(f.key) ?? decision!.at),
          by: kind === 'manual' ? (manual?.by ?? null) : null,
        };
      });
    return { active: sources.length > 0, sources, since: sources.length === 0 ? null : Math.min(...sources.map((s) => s.since)) };
  }

  private suspension(settings: Readonly<RuntimeSettingsData>): SuspensionState {
    const interlocks = this.deps.config.interlocks;
    const s = interlocks ? effectiveSuspension(interlocks.suspension, settings) : null;
    if (!s) return { active: false, orderRef: null, maxPerShift: null, maxPerWorkLocation: null, since: null };
    return { active: true, orderRef: s.orderRef, maxPerShift: s.maxPerShift, maxPerWorkLocation: s.maxPerWorkLocation, since: s.source === 'platform' ? (settings.suspension?.since ?? null) : null };
  }

  private systems(decision: Decision | null): SystemHealth[] {
    return systemsHealth({
      devices: this.devices,
      states: this.deps.devices.deviceStates(),
      staleByTable: new Set(this.deps.devices.staleDevices().map((d) => d.deviceId)),
      findings: decision?.findings ?? null,
      outputFaults: this.deps.interlocks?.outputs.faults() ?? [],
    });
  }

  private uplink(now: number): UplinkState {
    const stats = this.deps.uplink();
    if (!stats) return { connected: null, backlogRows: null, oldestBacklogAt: null };
    return { connected: stats.connected, backlogRows: stats.backlogRows, oldestBacklogAt: stats.backlogAgeMs === null ? null : now - stats.backlogAgeMs };
  }

  private evacuation(decision: Decision | null, view: HeadcountView | null): EvacuationState {
    const rt = this.deps.interlocks;
    if (!rt || !decision?.evacuation || !view) return { active: false, since: null, reason: null, people: [] };
    const byCard = new Map(view.people.map((entry) => [entry.record.card, entry]));
    const layout = rt.people.layout;
    const people = decision.evacuation.flatMap((group) =>
      group.people.map((ref) => {
        const entry = byCard.get(ref.card);
        return {
          card: ref.card,
          name: ref.name,
          crew: entry?.crew ? layout.nameOf(entry.crew) : null,
          location: group.location === UNKNOWN_LOCATION ? null : group.location,
          lastSeenAt: entry?.record.lastSeenAt ?? null,
        };
      }),
    );
    const triggers = new Set(this.deps.config.interlocks?.evacuation.triggerKinds ?? []);
    const causes = rt.alarms.active().filter((a) => a.conditionActive && triggers.has(a.kind));
    const reason = causes.length === 0 ? { zh: '应急广播已启动', en: 'Emergency broadcast on' } : { zh: causes.map((a) => a.message.zh).join('；'), en: causes.map((a) => a.message.en).join('; ') };
    return { active: true, since: this.evacuationSince ?? decision.at, reason, people };
  }

  // ---- change tracking ----------------------------------------------------------------------------

  private track(decision: Decision): void {
    const banKeys = new Set(decision.findings.filter((f) => f.ban).map((f) => f.key));
    for (const key of [...this.firstSeen.keys()]) if (!banKeys.has(key)) this.firstSeen.delete(key);
    for (const key of banKeys) if (!this.firstSeen.has(key)) this.firstSeen.set(key, decision.at);
    if (decision.evacuation === null) this.evacuationSince = null;
    else this.evacuationSince ??= decision.at;
  }

  /** Systems and uplink change without a decision saying so (no interlocks, or a quiet uplink). */
  private pollQuietChanges(): void {
    if (this.listeners.size === 0) return;
    try {
      const decision = this.deps.interlocks?.lastDecision ?? null;
      const uplink = this.deps.uplink();
      const digest = JSON.stringify([this.systems(decision).map((s) => [s.status, s.detail?.en ?? '']), uplink?.connected ?? null, uplink?.backlogRows ?? null]);
      if (digest === this.digest) return;
      this.digest = digest;
      this.changed();
    } catch {
      // The store or forwarder is closing; the next tick tries again.
    }
  }

  private changed(): void {
    for (const listener of this.listeners) listener();
  }
}

/**
 * The interlocks trust the count: a real decision (not the fail-safe one), confirmed by a card
 * table since start, positioning fresh. Anything else is "unknown", never 0.
 */
function countKnown(decision: Decision): boolean {
  if (decision.headcount.total < 0) return false;
  return !decision.findings.some((f) => f.kind === 'headcount_unconfirmed' || f.key === 'system:personnel_positioning');
}

function boardPerson(entry: PersonUnderground, layout: MineLayout): BoardPerson {
  const { record, person, place } = entry;
  return {
    card: record.card,
    name: person?.name ?? null,
    crew: entry.crew === null ? null : layout.nameOf(entry.crew),
    role: boardRole(person?.role),
    shift: entry.shift?.name ?? null,
    enteredAt: record.enteredAt,
    location: {
      // Names where the page prints them; area and level as ids (the page names them from the counts).
      zone: place?.zoneName ?? (record.zone === null ? null : `区域 ${record.zone}`),
      workLocation: place?.workLocation ? layout.nameOf(place.workLocation) : null,
      area: place?.area ?? null,
      level: place?.level ?? null,
    },
    overtime: record.reported.overtime,
    signalLost: record.reported.noSignal,
  };
}

function boardRole(role: string | undefined): PersonRole | null {
  return role === 'leader' || role === 'worker' || role === 'special_operator' ? role : null;
}

function boardAlarm(alarm: AlarmRecord): BoardAlarm {
  return {
    key: alarm.key,
    severity: SEVERITIES.includes(alarm.severity) ? (alarm.severity) : 'high',
    state: alarm.state,
    message: { zh: alarm.message.zh, en: alarm.message.en },
    since: alarm.raisedAt,
    people: alarm.people.map((p) => ({ card: p.card, name: p.name, location: p.location })),
    acknowledgedBy: alarm.acknowledgedBy,
  };
}

const STATE_RANK = { active_unacked: 0, cleared_unacked: 1, active_acked: 2 } as const;

function byUrgency(a: BoardAlarm, b: BoardAlarm): number {
  return STATE_RANK[a.state] - STATE_RANK[b.state] || SEVERITIES.indexOf(a.severity) - SEVERITIES.indexOf(b.severity) || b.since - a.since;
}

function banKind(finding: Finding): BanSourceKind {
  if (finding.kind === 'manual_ban') return 'manual';
  if (finding.key.startsWith('ban:weather:alert:')) return 'upstream_alert';
  return 'local_weather';
}

function lowest(quotas: readonly EffectiveQuota[]): number | null {
  return quotas.length === 0 ? null : Math.min(...quotas.map((q) => q.limit));
}
