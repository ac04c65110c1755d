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
import { finding, type AgentHealth, type DeviceHealth, type Finding, type ManualBan, type PointReading, type RuleSnapshot } from './rule-types.js';

export interface InterlockInputs {
  now: number;
  headcount: Readonly<HeadcountState>;
  roster: Roster;
  points: ReadonlyMap<string, PointReading>;
  devices: readonly DeviceHealth[];
  settings: Readonly<RuntimeSettingsData>;
  manualBan: ManualBan | null;
  agent: AgentHealth;
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
    const view = buildHeadcountView(inputs.headcount, inputs.roster, this.deps.layout, this.deps.schedule);
    const quotas = effectiveQuotas(this.config.quotas, inputs.settings);
    const suspension = effectiveSuspension(this.config.suspension, inputs.settings);
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
    const dutyLeaders = this.dutyLeaders(view, now);
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
      headcount: summarize(view),
      dutyLeaders,
    };
  }

  private runRules(snapshot: RuleSnapshot, now: number): Finding[] {
    const all: Finding[] = [];
    const overrides = this.config.alarms.severityByKind;
    for (const rule of this.rules) {
      let found: Finding[];
      try {
        found = rule.run(snapshot, now);
      } catch (error) {
        found = [ruleFailed(rule.name, error)];
      }
      for (const f of found) {
        const severity: Severity | undefined = overrides[f.kind];
        all.push(severity ? { ...f, severity } : f);
      }
    }
    return all;
  }

  /** Leaders underground of the shift people are entering for now (the one the board is about). */
  private dutyLeaders(view: HeadcountView, now: number): string[] {
    const shift = this.deps.schedule.shiftForEntry(now).shiftId;
    return (view.byShift.get(shift) ?? []).filter(isLeader).map((p) => p.person?.name ?? p.record.card);
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
