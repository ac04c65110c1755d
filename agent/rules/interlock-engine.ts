/**
 * The interlock engine: after every poll, runs every rule over one consistent snapshot, holds new
 * conditions back for their on-delay, feeds the alarm manager, computes the entry permit and what
 * the shaft head shows and sounds. No I/O and no timers: the wiring hands it the inputs and writes
 * the outputs. A rule that throws withdraws the permit and raises an agent fault — it never
 * silently drops out.
 */
import type { InterlocksConfig, Severity } from '../../config/rules-schema.js';
import type { AlarmManager } from '../alarms/alarm-manager.js';
import type { AlarmTransition } from '../alarms/alarm-types.js';
import { annunciate, fit, type ShaftHeadOutputs } from '../annunciation/annunciation.js';
import { evacuationList, type EvacuationGroup } from '../annunciation/evacuation-list.js';
import type { RuntimeSettingsData } from '../commands/runtime-settings-data.js';
import { activeWeatherAlerts } from '../commands/runtime-settings-data.js';
import type { EntryStamp, HeadcountState } from '../headcount/headcount-state.js';
import { buildHeadcountView, type HeadcountView } from '../headcount/headcount-view.js';
import type { MineLayout } from '../people/mine-layout.js';
import type { Roster } from '../people/roster.js';
import type { ShiftSchedule } from '../people/shift-schedule.js';
import { computePermit, notPermitted, stampOf, type EntryPermit } from '../permit/entry-permit.js';
import { PermitTimeline } from '../permit/permit-timeline.js';
import { bindRules, type BoundRule } from './all-rules.js';
import { effectiveQuotas, effectiveSuspension, mineQuota } from './effective-settings.js';
import { isLeader } from './leader-rule.js';
import { OnDelay } from './on-delay.js';
import {
  finding,
  type AgentHealth,
  type DeviceHealth,
  type EffectiveQuota,
  type EffectiveSuspension,
  type Finding,
  type ManualBan,
  type PointReading,
  type RuleSnapshot,
} from './rule-types.js';

export interface InterlockInputs {
  now: number;
  headcount: Readonly<HeadcountState>;
  roster: Roster;
  points: ReadonlyMap<string, PointReading>;
  devices: readonly DeviceHealth[];
  settings: Readonly<RuntimeSettingsData>;
  manualBan: ManualBan | null;
  agent: AgentHealth;
  /**
   * HeadcountTracker.version of `headcount`, when the caller has one. The headcount view (everyone
   * underground joined with the roster, the layout and the shifts, grouped and counted) is then
   * reused while this, the roster and the state's `underground` object stay the same, instead of
   * being rebuilt at every decision. Without it the view is built every time.
   */
  headcountVersion?: number;
}

/** The view of one headcount version with what the engine derives from it alone. */
interface CachedView {
  version: number;
  underground: HeadcountState['underground'];
  roster: Roster;
  view: HeadcountView;
  summary: HeadcountSummary;
  /** Duty leaders of the last shift asked for. */
  leaders: { shiftId: string; names: string[] } | null;
}

export interface HeadcountSummary {
  /** -1 only in the fail-safe decision: the count is unknown, never shown as 0. */
  total: number;
  byShift: Record<string, number>;
  byArea: Record<string, number>;
  byWorkLocation: Record<string, number>;
  byLevel: Record<string, number>;
  byCrew: Record<string, number>;
}

/** A decision is read-only: parts that did not change (e.g. `headcount`) are shared with the previous one. */
export interface Decision {
  at: number;
  permit: EntryPermit;
  /** Every condition in effect (after on-delay), alarms and permit holds alike. */
  findings: Finding[];
  /** Alarm state changes of this decision, operator actions since the last one included. */
  transitions: AlarmTransition[];
  outputs: ShaftHeadOutputs;
  /** Everyone underground by location, while the emergency broadcast is on; null otherwise. */
  evacuation: EvacuationGroup[] | null;
  headcount: HeadcountSummary;
  dutyLeaders: string[];
}

export interface EngineDependencies {
  layout: MineLayout;
  schedule: ShiftSchedule;
  alarms: AlarmManager;
}

export class InterlockEngine {
  private readonly rules: BoundRule[];
  private readonly onDelay = new OnDelay();
  private readonly permits = new PermitTimeline();
  private readonly evacuationKinds: ReadonlySet<string>;
  private activeKeys: ReadonlySet<string> = new Set();
  private cached: CachedView | null = null;
  /** The quotas and suspension of the last decision, kept while equal so the rules can tell nothing changed. */
  private quotas: EffectiveQuota[] = [];
  private suspension: EffectiveSuspension | null = null;
  /** Findings of the rules that declare what they read, with what they read (BoundRule.reads). */
  private readonly ruleMemo = new Map<string, { reads: readonly unknown[]; found: Finding[] }>();

  constructor(
    private readonly config: InterlocksConfig,
    private readonly deps: EngineDependencies,
  ) {
    this.rules = bindRules(config);
    this.evacuationKinds = new Set(config.evacuation.triggerKinds);
  }

  /** The permit in force at a moment, for stamping entries (HeadcountTracker.applyEvents). */
  readonly stampAt = (at: number): EntryStamp | null => this.permits.at(at);

  /**
   * Never throws: if the decision itself fails (a bug, corrupt inputs) the result is the fail-safe
   * one — not permitted, siren on, everything else as unknown — so the outputs never hold a stale "permitted".
   */
  decide(inputs: InterlockInputs): Decision {
    try {
      return this.decideOrThrow(inputs);
    } catch (error) {
      return failSafeDecision(inputs.now, error);
    }
  }

  private decideOrThrow(inputs: InterlockInputs): Decision {
    const { now } = inputs;
    const cached = this.headcountView(inputs);
    const view = cached.view;
    const quotas = (this.quotas = sameList(this.quotas, effectiveQuotas(this.config.quotas, inputs.settings)));
    const suspension = (this.suspension = sameFields(this.suspension, effectiveSuspension(this.config.suspension, inputs.settings)));
    const snapshot: RuleSnapshot = {
      headcount: view,
      headcountConfirmed: inputs.headcount.lastSnapshotAt !== null,
      layout: this.deps.layout,
      quotas,
      suspension,
      weatherAlerts: activeWeatherAlerts(inputs.settings, now),
      manualBan: inputs.manualBan,
      points: inputs.points,
      devices: inputs.devices,
      agent: inputs.agent,
      activeKeys: this.activeKeys,
    };
    const findings = this.onDelay.filter(this.runRules(snapshot, now), now);
    this.activeKeys = new Set(findings.map((f) => f.key));

    const transitions = this.deps.alarms.sync(
      findings.filter((f) => f.alarm).map((f) => ({ key: f.key, kind: f.kind, severity: f.severity, message: f.message, people: f.people })),
      now,
    );
    const permit = computePermit(findings);
    this.permits.record(now, stampOf(permit));
    const dutyLeaders = this.dutyLeaders(cached, now);
    const outputs = annunciate({
      alarms: this.deps.alarms.active(),
      isShelved: (key) => this.deps.alarms.isShelved(key, now),
      permit,
      headcount: view.total,
      quota: mineQuota(quotas),
      dutyLeaders,
      suspended: suspension !== null,
      outputs: this.config.alarms.outputs,
      evacuationKinds: this.evacuationKinds,
    });
    return {
      at: now,
      permit,
      findings,
      transitions,
      outputs,
      evacuation: outputs.broadcast ? evacuationList(view, this.deps.layout) : null,
      headcount: cached.summary,
      dutyLeaders,
    };
  }

  private runRules(snapshot: RuleSnapshot, now: number): Finding[] {
    const all: Finding[] = [];
    const overrides = this.config.alarms.severityByKind;
    for (const rule of this.rules) {
      let found: Finding[];
      const reads = rule.reads?.(snapshot);
      const memo = reads === undefined ? undefined : this.ruleMemo.get(rule.name);
      if (reads !== undefined && memo !== undefined && memo.reads.every((part, i) => part === reads[i])) {
        found = memo.found;
      } else {
        try {
          found = rule.run(snapshot, now);
          if (reads !== undefined) this.ruleMemo.set(rule.name, { reads, found });
        } catch (error) {
          // Not kept: a failing rule is run (and reported) again at every decision.
          this.ruleMemo.delete(rule.name);
          found = [ruleFailed(rule.name, error)];
        }
      }
      for (const f of found) {
        const severity: Severity | undefined = overrides[f.kind];
        all.push(severity ? { ...f, severity } : f);
      }
    }
    return all;
  }

  /**
   * The view of this headcount, rebuilt only when the caller's version, the roster or the state
   * object changed (the layout and the schedule are the engine's own and never change).
   */
  private headcountView(inputs: InterlockInputs): CachedView {
    const { headcountVersion: version, headcount, roster } = inputs;
    const last = this.cached;
    if (version !== undefined && last !== null && last.version === version && last.underground === headcount.underground && last.roster === roster) return last;
    const view = buildHeadcountView(headcount, roster, this.deps.layout, this.deps.schedule);
    const built: CachedView = { version: version ?? -1, underground: headcount.underground, roster, view, summary: summarize(view), leaders: null };
    // Nothing is kept for a caller without a version: its state may change under the same object.
    this.cached = version === undefined ? null : built;
    return built;
  }

  /** Leaders underground of the shift people are entering for now (the one the board is about). */
  private dutyLeaders(cached: CachedView, now: number): string[] {
    const shiftId = this.deps.schedule.shiftForEntry(now).shiftId;
    if (cached.leaders?.shiftId !== shiftId) {
      cached.leaders = { shiftId, names: (cached.view.byShift.get(shiftId) ?? []).filter(isLeader).map((p) => p.person?.name ?? p.record.card) };
    }
    // A copy: each decision owns its list.
    return [...cached.leaders.names];
  }
}

function failSafeDecision(now: number, error: unknown): Decision {
  const reason = error instanceof Error ? error.message : String(error);
  const message = { zh: `联锁判断失败，转人工控制：${reason}`, en: `Interlock decision failed, dispatcher takes manual control: ${reason}` };
  const permit = notPermitted({ key: 'engine-error', kind: 'agent_fault', message });
  return {
    at: now,
    permit,
    findings: [finding({ key: 'engine-error', kind: 'agent_fault', severity: 'critical', withdrawsPermit: true, message })],
    transitions: [],
    outputs: { siren: true, alarmLamp: true, banLamp: false, permit: false, broadcast: false, led: ['井下人数 未知', '带班 未知', '暂停入井 网关故障', fit(reason)] },
    evacuation: null,
    headcount: { total: -1, byShift: {}, byArea: {}, byWorkLocation: {}, byLevel: {}, byCrew: {} },
    dutyLeaders: [],
  };
}

function ruleFailed(name: string, error: unknown): Finding {
  const reason = error instanceof Error ? error.message : String(error);
  return finding({
    key: `rule-error:${name}`,
    kind: 'agent_fault',
    severity: 'critical',
    withdrawsPermit: true,
    message: { zh: `联锁规则 ${name} 执行失败，转人工控制：${reason}`, en: `Interlock rule ${name} failed, dispatcher takes manual control: ${reason}` },
    details: { rule: name },
  });
}

/** The previous list when the new one has equal items (shallowly), so it keeps its identity. */
function sameList<T extends object>(previous: T[], next: T[]): T[] {
  return previous.length === next.length && previous.every((item, i) => sameFields(item, next[i]!) === item) ? previous : next;
}

/** The previous object when the new one has the same fields with the same values, else the new one. */
function sameFields<T extends object | null>(previous: T, next: T): T {
  if (previous === next || previous === null || next === null) return next;
  const a = Object.entries(previous);
  return a.length === Object.keys(next).length && a.every(([key, value]) => (next as Record<string, unknown>)[key] === value) ? previous : next;
}

function summarize(view: HeadcountView): HeadcountSummary {
  const counts = (map: Map<string, unknown[]>) => Object.fromEntries([...map].map(([k, v]) => [k, v.length]));
  return {
    total: view.total,
    byShift: counts(view.byShift),
    byArea: counts(view.byArea),
    byWorkLocation: counts(view.byWorkLocation),
    byLevel: counts(view.byLevel),
    byCrew: counts(view.byCrew),
  };
}
