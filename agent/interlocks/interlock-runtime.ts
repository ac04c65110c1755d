/**
 * The interlocks at run time: owns the people model, the headcount tracker, the interlock engine
 * and the alarm manager, and drives the shaft-head outputs. The agent calls `onCycle()`
 * synchronously for every poll cycle, after the point table took it and before the store does:
 * positioning reads go to the tracker, one decision is made over a consistent snapshot, and the
 * output writes it needs are started — the poll path never waits for a write, the store or the
 * network (safety principle 4). A timer decides too, so a silence with no cycles at all is judged.
 *
 * Alarm transitions and headcount events go to the store (outbox streams `alarms` and `events`)
 * from a bounded queue drained after the outputs, never before them. Headcount and alarm state is
 * saved to the store and restored at start; a restored count is "unconfirmed" (permit withdrawn)
 * until the next complete card table.
 *
 * Freshness of devices is judged on the monotonic clock (as the point table does): a step of the
 * wall clock must neither make a dead substation look alive nor a live one dead.
 */
import type { DeviceConfig, InterlocksSectionConfig } from '../../config/schema.js';
import type { Driver } from '../../drivers/driver.js';
import { AlarmManager } from '../alarms/alarm-manager.js';
import type { AlarmCondition, AlarmManagerState, AlarmTransition } from '../alarms/alarm-types.js';
import type { RuntimeSettingsData } from '../commands/runtime-settings-data.js';
import type { HeadcountEvent } from '../headcount/headcount-events.js';
import { parseHeadcountState, type HeadcountState } from '../headcount/headcount-state.js';
import { HeadcountTracker } from '../headcount/headcount-tracker.js';
import type { ShiftEndOf } from '../headcount/headcount-tracker.js';
import { shiftEndResolver } from '../headcount/headcount-view.js';
import type { Clock } from '../model/clock.js';
import type { PollCycle } from '../model/sample.js';
import { loadPeopleModel, type PeopleModel } from '../people/people-model.js';
import { Roster } from '../people/roster.js';
import { effectiveRoster } from '../rules/effective-settings.js';
import { InterlockEngine, type Decision } from '../rules/interlock-engine.js';
import { pointKey, type AgentHealth, type DeviceHealth, type ManualBan, type PointReading } from '../rules/rule-types.js';
import type { AlarmCount, HeadcountFigure, MetricsSource } from '../http/metrics.js';
import type { Logger } from '../runtime/logger.js';
import type { PointTable } from '../state/point-table.js';
import { LatencyHistogram, type LatencySummary } from './latency-histogram.js';
import { OutputWriter, type OutputChannelState, type OutputFault } from './output-writer.js';

/** What the runtime needs from the store (a narrow port, so tests and benchmarks can fake it). */
export interface InterlockStore {
  appendEvent(kind: string, body: Record<string, unknown>): void;
  appendAlarm(alarmId: string, state: string, body: Record<string, unknown>): void;
  saveInterlockState(states: ReadonlyArray<{ name: string; json: string }>, now: number): void;
  loadInterlockState(name: string): { json: string; updatedAt: number } | null;
  /** Runs the appends of one flush in one transaction (one disk sync instead of one per event). */
  transaction?<T>(work: () => T): T;
}

export interface InterlockRuntimeDeps {
  config: InterlocksSectionConfig;
  devices: readonly DeviceConfig[];
  /** Relative layout and roster paths are resolved against this (the config file's folder). */
  configDir: string;
  clock: Clock;
  logger: Logger;
  pointTable: PointTable;
  settings: () => Readonly<RuntimeSettingsData>;
  driverOf: (deviceId: string) => Driver | undefined;
  /** Problems of the agent itself (poll loop stalled, stopping): any makes the permit "not permitted". */
  agentProblems: () => string[];
  store: InterlockStore | null;
  /** New rows are in the outbox (wake the forwarder). */
  onOutbox?: () => void;
  /** How often the timer decides when no cycle came (default 500 ms). */
  tickMs?: number;
  /**
   * Cycles landing within this many ms of the last decision share the next one (default 0: every
   * cycle decides at once). Positioning cycles always decide at once. The decision latency of a
   * coalesced cycle is measured from its own landing, so the histogram shows the wait.
   */
  decisionCoalesceMs?: number;
}

/**
 * What the agent coalesces decisions by. Device timers are staggered within 100 ms, so at ref-1k-100ms
 * a cycle lands every ~7 ms and each decision (every rule over 500 people) was repeated ~145 times a
 * second; 20 ms keeps the decision ≤ ~20 ms behind the poll (the bar is 100 ms p99).
 */
export const DEFAULT_DECISION_COALESCE_MS = 20;

export interface InterlockHealth {
  decisions: number;
  lastDecisionAt: number | null;
  permitted: boolean | null;
  permitReasons: string[];
  headcount: number | null;
  headcountConfirmed: boolean;
  activeAlarms: number;
  alarms: Array<{ key: string; kind: string; severity: string; state: string }>;
  warmingUp: boolean;
  decisionLatency: LatencySummary;
  outputFaults: OutputFault[];
  outputs: OutputChannelState[];
  storeQueue: { pending: number; dropped: number; failed: number };
  restored: { headcount: boolean; alarms: boolean; problems: string[] };
}

export type DecisionListener = (decision: Decision) => void;

const STORE_QUEUE_LIMIT = 20_000;
/** Headcount events that are per-cycle noise, kept local (they are counted in the state, not sent). */
const QUIET_EVENTS: ReadonlySet<HeadcountEvent['type']> = new Set(['missing_from_snapshot']);
/** Measure 38: a metal mine with more than this many people in one shift is high-risk. */
const HIGH_RISK_SHIFT_PEOPLE = 30;

type StoreItem = { kind: 'alarm'; transition: AlarmTransition } | { kind: 'event'; type: string; body: Record<string, unknown> };

/** The alarm manager plus the runtime's own conditions (output faults), which no rule can see. */
class RuntimeAlarms extends AlarmManager {
  extra: AlarmCondition[] = [];

  override sync(conditions: readonly AlarmCondition[], now: number): AlarmTransition[] {
    return super.sync(this.extra.length === 0 ? conditions : [...conditions, ...this.extra], now);
  }
}

export class InterlockRuntime {
  readonly people: PeopleModel;
  readonly alarms: RuntimeAlarms;
  readonly engine: InterlockEngine;
  readonly tracker: HeadcountTracker;
  readonly outputs: OutputWriter;
  private readonly positioningDevices: ReadonlySet<string>;
  private readonly readDevices: ReadonlyArray<{ id: string; system: string; pollIntervalMs: number }>;
  private readonly lastGoodMono = new Map<string, number>();
  private readonly pointKeys: ReadonlyArray<{ key: string; device: string; point: string }>;
  private readonly latency = new LatencyHistogram();
  private readonly listeners = new Set<DecisionListener>();
  private manualBan: ManualBan | null = null;
  private last: Decision | null = null;
  private decisions = 0;
  /** A resync of the event stream: the count is unconfirmed until the next complete card table. */
  private awaitingCardTable = false;
  private storeQueue: StoreItem[] = [];
  private storeDropped = 0;
  private storeFailed = 0;
  private flushScheduled = false;
  private dirty = false;
  private timer: NodeJS.Timeout | null = null;
  /** A coalesced decision is due (decisionCoalesceMs). */
  private coalesceTimer: NodeJS.Timeout | null = null;
  /** The earliest landing of the cycles waiting for the coalesced decision. */
  private pendingLanded: number | null = null;
  private lastDecisionMono = Number.NEGATIVE_INFINITY;
  private persistTimer: NodeJS.Timeout | null = null;
  /** What the store holds as last written: a save writes only the rows that changed since. */
  private readonly saved = { headcountVersion: null as number | null, json: new Map<string, string>() };
  /** The shift-end resolver of the roster in force (one per roster, so the headcount review can tell it is the same). */
  private shiftEnds: { roster: Roster; resolve: ShiftEndOf } | null = null;
  /**
   * The point readings handed to the engine, refilled at every decision rather than rebuilt: the
   * engine reads the map during decide() only. A reading whose fields did not change keeps its object.
   */
  private readonly readings = new Map<string, PointReading>();
  private stopped = false;
  private readonly restored = { headcount: false, alarms: false, problems: [] as string[] };
  private readonly shiftPeak = { key: null as string | null, shiftId: '', startsAt: 0, endsAt: 0, peak: 0, peakAt: 0 };
  private permitSince: number | null = null;
  /**
   * Start-up: until every read device answered once (or its stale deadline passed), nothing is
   * judged — that would raise a flood of "no data" alarms — and the permit is held "not permitted".
   */
  private warmingUp = true;
  private readonly startMono: number;
  private readonly warmUpMs: number;
  private readonly cycled = new Set<string>();
  private lastPermitted: boolean | null = null;

  constructor(private readonly deps: InterlockRuntimeDeps) {
    const { config } = deps;
    // Throws LayoutFileError / RosterFileError naming file and line: the agent must not start without them.
    this.people = loadPeopleModel(config.people, deps.configDir);
    const restoredAlarms = this.restoreAlarms();
    this.alarms = new RuntimeAlarms(config.alarms, restoredAlarms ?? undefined);
    this.engine = new InterlockEngine(config, { layout: this.people.layout, schedule: this.people.schedule, alarms: this.alarms });
    this.tracker = new HeadcountTracker(
      this.people.layout,
      { noSignalAfterMs: config.people.noSignalAfterMs, overtimeGraceMs: config.people.overtimeGraceMinutes * 60_000 },
      this.restoreHeadcount() ?? undefined,
    );
    this.manualBan = this.restoreManualBan();
    this.outputs = new OutputWriter(config.outputs, deps.driverOf, () => deps.clock.monotonic(), deps.logger.child({ component: 'outputs' }));
    this.positioningDevices = new Set(deps.devices.filter((d) => d.system === 'personnel_positioning' && 'positioning' in d && d.positioning !== undefined).map((d) => d.id));
    // A write-only device (the LED board) has nothing to read, so it cannot be judged fresh or stale.
    this.readDevices = deps.devices.filter((d) => d.points.length > 0).map((d) => ({ id: d.id, system: d.system, pollIntervalMs: d.pollIntervalMs }));
    const refs = [...config.analog, ...(config.weather.rain24h ? [config.weather.rain24h] : []), ...config.systems.groundPressure];
    const seen = new Map<string, { key: string; device: string; point: string }>();
    for (const ref of refs) seen.set(pointKey(ref.device, ref.point), { key: pointKey(ref.device, ref.point), device: ref.device, point: ref.point });
    this.pointKeys = [...seen.values()];
    this.startMono = deps.clock.monotonic();
    const polls = (system: string) => config.systems.staleAfterPollsBySystem[system as keyof typeof config.systems.staleAfterPollsBySystem] ?? config.systems.staleAfterPolls;
    this.warmUpMs = Math.max(0, ...this.readDevices.map((d) => polls(d.system) * d.pollIntervalMs));
  }

  /** Starts the timer that decides between cycles and the one that saves state. */
  start(): void {
    const tickMs = this.deps.tickMs ?? 500;
    this.timer = setInterval(() => this.guard(() => this.decide(null)), tickMs);
    this.timer.unref();
    this.persistTimer = setInterval(() => this.guard(() => this.persist(false)), this.deps.config.persistIntervalMs);
    this.persistTimer.unref();
    this.guard(() => this.decide(null));
  }

  /**
   * One poll cycle landed (synchronously from the scheduler). `landedMono` is when the agent got it:
   * the decision latency runs from there to the output writes being issued.
   */
  onCycle(cycle: PollCycle, landedMono: number): void {
    if (this.stopped) return;
    this.guard(() => {
      this.noteFreshness(cycle);
      if (cycle.positioning && this.positioningDevices.has(cycle.deviceId)) {
        this.decide(landedMono, this.applyPositioning(cycle));
        return;
      }
      const coalesceMs = this.deps.decisionCoalesceMs ?? 0;
      const sinceLast = this.deps.clock.monotonic() - this.lastDecisionMono;
      if (coalesceMs <= 0 || sinceLast >= coalesceMs) {
        this.decide(landedMono);
        return;
      }
      // A decision was made a moment ago: this cycle shares the next one, at most coalesceMs after it.
      this.pendingLanded = this.pendingLanded === null ? landedMono : Math.min(this.pendingLanded, landedMono);
      if (this.coalesceTimer === null) {
        this.coalesceTimer = setTimeout(() => {
          this.coalesceTimer = null;
          this.guard(() => this.decide(null));
        }, Math.max(1, Math.ceil(coalesceMs - sinceLast)));
        this.coalesceTimer.unref();
      }
    });
  }

  /** Makes the coalesced decision now if cycles wait for one (before the store holds the event loop). */
  settlePending(): void {
    if (this.pendingLanded !== null && !this.stopped) this.guard(() => this.decide(null));
  }

  /** The manual entry ban (board or local switch); null lifts it. Decides at once. */
  setManualBan(ban: ManualBan | null): void {
    this.manualBan = ban;
    this.dirty = true;
    this.queue({ kind: 'event', type: 'manual_ban', body: { on: ban !== null, by: ban?.by ?? null, note: ban?.note ?? null, at: this.deps.clock.now() } });
    this.guard(() => this.decide(null));
  }

  get manualBanState(): ManualBan | null {
    return this.manualBan;
  }

  /** Makes a decision now (after an operator action), so the siren and board follow at once. */
  decideNow(): Decision | null {
    this.guard(() => this.decide(null));
    return this.last;
  }

  get lastDecision(): Decision | null {
    return this.last;
  }

  get permitChangedAt(): number | null {
    return this.permitSince;
  }

  /** The roster in force: the platform's once it sent one, else the file's (empty when neither). */
  roster(): Roster {
    return effectiveRoster(this.people.fileRoster, this.deps.settings()) ?? EMPTY_ROSTER;
  }

  onDecision(listener: DecisionListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Alarm and headcount figures for /metrics. */
  metricsSource(): MetricsSource {
    return {
      activeAlarms: (): AlarmCount[] => {
        const counts = new Map<string, AlarmCount>();
        for (const alarm of this.alarms.active()) {
          const count = counts.get(alarm.severity) ?? { severity: alarm.severity, active: 0, unacknowledged: 0 };
          if (alarm.state !== 'cleared_unacked') count.active++;
          if (alarm.state !== 'active_acked') count.unacknowledged++;
          counts.set(alarm.severity, count);
        }
        return [...counts.values()];
      },
      headcount: (): HeadcountFigure[] => {
        const d = this.last;
        if (!d || d.headcount.total < 0) return [];
        const mine = this.people.layout.config.mine.id;
        const scoped = (scope: string, counts: Record<string, number>) => Object.entries(counts).map(([id, people]) => ({ scope, id, people, quota: null }));
        return [
          { scope: 'mine', id: mine, people: d.headcount.total, quota: mineQuotaOf(d) },
          ...scoped('shift', d.headcount.byShift),
          ...scoped('area', d.headcount.byArea),
          ...scoped('level', d.headcount.byLevel),
        ];
      },
    };
  }

  latencySummary(): LatencySummary {
    return this.latency.summary();
  }

  resetLatency(): void {
    this.latency.reset();
  }

  health(): InterlockHealth {
    const d = this.last;
    const state = this.tracker.view();
    return {
      decisions: this.decisions,
      lastDecisionAt: d?.at ?? null,
      permitted: d?.permit.permitted ?? null,
      permitReasons: d?.permit.reasons.map((r) => r.key) ?? [],
      headcount: d && d.headcount.total >= 0 ? d.headcount.total : null,
      headcountConfirmed: state.lastSnapshotAt !== null && !this.awaitingCardTable,
      activeAlarms: this.alarms.active().length,
      alarms: this.alarms.active().map((a) => ({ key: a.key, kind: a.kind, severity: a.severity, state: a.state })),
      warmingUp: this.warmingUp,
      decisionLatency: this.latency.summary(),
      outputFaults: this.outputs.faults(),
      outputs: this.outputs.state(),
      storeQueue: { pending: this.storeQueue.length, dropped: this.storeDropped, failed: this.storeFailed },
      restored: { ...this.restored, problems: [...this.restored.problems] },
    };
  }

  /** Problems that make the agent not ready (shown in /health). */
  healthReasons(): string[] {
    return this.outputs.faults().map((f) => `output ${f.output} (${f.deviceId} ${f.target}) cannot be written: ${f.error}`);
  }

  /**
   * Stops deciding, sets the permit to "not permitted" (nobody enforces the interlocks any more:
   * the dispatcher takes manual control), drains the store queue and saves the state.
   */
  async stop(deadlineMs = 1000): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    if (this.coalesceTimer) clearTimeout(this.coalesceTimer);
    if (this.persistTimer) clearInterval(this.persistTimer);
    await this.outputs.settle(Math.min(300, deadlineMs));
    const ok = await this.outputs.force('permit', false, deadlineMs);
    if (!ok) this.deps.logger.error('could not set the entry permit to "not permitted" while stopping: check the outputs module');
    this.flushStore();
    this.guard(() => this.persist(true));
  }

  // ------------------------------------------------------------------------------------------

  private guard(work: () => void): void {
    try {
      work();
    } catch (error) {
      // decide() never throws (the engine fails safe); this is the wiring around it.
      this.deps.logger.error({ err: error }, 'interlock runtime step failed; the next cycle tries again');
    }
  }

  private noteFreshness(cycle: PollCycle): void {
    this.cycled.add(cycle.deviceId);
    let newest: number | null = null;
    for (const sample of cycle.samples) if (sample.quality === 'good' && (newest === null || sample.mono > newest)) newest = sample.mono;
    if (newest !== null) this.lastGoodMono.set(cycle.deviceId, Math.max(newest, this.lastGoodMono.get(cycle.deviceId) ?? -Infinity));
  }

  private applyPositioning(cycle: PollCycle): HeadcountEvent[] {
    const read = cycle.positioning!;
    const out: HeadcountEvent[] = [];
    if (read.eventsResynced) {
      // No continuity with what we applied before: only a complete card table settles the count.
      this.awaitingCardTable = true;
      if (read.missedEvents > 0) this.queue({ kind: 'event', type: 'positioning_events_lost', body: { device: read.deviceId, missed: read.missedEvents, at: read.at } });
    }
    if (read.events.length > 0) out.push(...this.tracker.applyEvents(read.events, this.engine.stampAt));
    if (read.cards !== null) {
      out.push(...this.tracker.applySnapshot({ readAt: read.at, cards: read.cards }));
      this.awaitingCardTable = false;
    }
    if (read.events.length > 0 || read.cards !== null) this.dirty = true;
    return out;
  }

  private decide(landedMono: number | null, events: HeadcountEvent[] = []): void {
    if (this.stopped) return;
    const { clock } = this.deps;
    // Any decision settles the cycles waiting for a coalesced one; their wait counts in the latency.
    if (this.pendingLanded !== null) {
      landedMono = landedMono === null ? this.pendingLanded : Math.min(landedMono, this.pendingLanded);
      this.pendingLanded = null;
    }
    if (this.coalesceTimer !== null) {
      clearTimeout(this.coalesceTimer);
      this.coalesceTimer = null;
    }
    const now = clock.now();
    const monoNow = clock.monotonic();
    this.lastDecisionMono = monoNow;
    // The timer judges silences: tickMs after the last decision, whatever made it.
    this.timer?.refresh();
    if (this.warmingUp) {
      if (this.readDevices.every((d) => this.cycled.has(d.id)) || monoNow - this.startMono >= this.warmUpMs) {
        this.warmingUp = false;
        this.deps.logger.info({ afterMs: Math.round(monoNow - this.startMono) }, 'interlocks running: every device answered or its deadline passed');
      } else {
        this.holdWhileWarmingUp();
        return;
      }
    }
    const roster = this.roster();
    const reviewed = this.tracker.review(now, this.shiftEndsOf(roster));
    if (reviewed.length > 0) this.dirty = true;
    this.alarms.extra = this.outputFaultConditions();
    const state = this.tracker.view();
    const decision = this.engine.decide({
      now,
      headcount: this.awaitingCardTable ? { ...state, lastSnapshotAt: null } : state,
      headcountVersion: this.tracker.version,
      roster,
      points: this.points(),
      devices: this.deviceHealth(now, monoNow),
      settings: this.deps.settings(),
      manualBan: this.manualBan,
      agent: this.agentHealth(),
    });
    this.outputs.apply(decision.outputs);
    if (landedMono !== null) this.latency.observe(clock.monotonic() - landedMono);
    // Everything below is bookkeeping: it runs after the outputs were issued.
    this.decisions++;
    const previous = this.last;
    this.last = decision;
    if (decision.permit.permitted !== this.lastPermitted) {
      this.lastPermitted = decision.permit.permitted;
      this.permitSince = now;
      this.queue({ kind: 'event', type: 'entry_permit', body: { permitted: decision.permit.permitted, banned: decision.permit.banned, reasons: decision.permit.reasons.map((r) => r.key), at: now } });
    }
    for (const transition of decision.transitions) this.queue({ kind: 'alarm', transition });
    for (const event of [...events, ...reviewed]) if (!QUIET_EVENTS.has(event.type)) this.queue({ kind: 'event', type: `headcount_${event.type}`, body: { ...event } });
    if (decision.transitions.length > 0) this.dirty = true;
    this.trackShiftPeak(decision, now);
    if (this.storeQueue.length > 0) this.scheduleFlush();
    if (changed(previous, decision)) for (const listener of this.listeners) listener(decision);
  }

  /** Only the permit (not permitted) and the LED board: the siren, lamps and broadcast keep what they show. */
  private holdWhileWarmingUp(): void {
    const held = this.last?.outputs;
    this.outputs.apply(
      {
        siren: held?.siren ?? false,
        alarmLamp: held?.alarmLamp ?? false,
        banLamp: held?.banLamp ?? false,
        permit: false,
        broadcast: held?.broadcast ?? false,
        led: ['井下人数 未知', '带班 未知', '暂停入井 网关启动中', ''],
      },
      { permitOnly: held === undefined },
    );
  }

  private shiftEndsOf(roster: Roster): ShiftEndOf {
    if (this.shiftEnds?.roster !== roster) this.shiftEnds = { roster, resolve: shiftEndResolver(roster, this.people.schedule) };
    return this.shiftEnds.resolve;
  }

  private points(): ReadonlyMap<string, PointReading> {
    const map = this.readings;
    for (const ref of this.pointKeys) {
      const state = this.deps.pointTable.get(ref.device, ref.point);
      // A point the table does not know reads as unknown, never as a value.
      const value = state ? state.value : null;
      const quality = state ? state.quality : 'config_error';
      const lastGoodAt = state ? state.lastGoodAt : null;
      const old = map.get(ref.key);
      // A new object when anything changed: a reading handed out before is never altered.
      if (old === undefined || old.value !== value || old.quality !== quality || old.lastGoodAt !== lastGoodAt) map.set(ref.key, { value, quality, lastGoodAt });
    }
    return map;
  }

  private deviceHealth(now: number, monoNow: number): DeviceHealth[] {
    return this.readDevices.map((device) => {
      const good = this.lastGoodMono.get(device.id);
      return { deviceId: device.id, system: device.system, pollIntervalMs: device.pollIntervalMs, lastGoodAt: good === undefined ? null : now - Math.max(0, monoNow - good) };
    });
  }

  private agentHealth(): AgentHealth {
    const problems = this.deps.agentProblems();
    return { healthy: problems.length === 0, problems };
  }

  private outputFaultConditions(): AlarmCondition[] {
    return this.outputs.faults().map((fault) => ({
      key: `output:${fault.output}`,
      kind: 'output_fault',
      severity: fault.output === 'permit' || fault.output === 'broadcast' ? 'critical' : 'high',
      message: {
        zh: `井口输出 ${fault.output} (${fault.deviceId} ${fault.target}) 写入失败：${fault.error}`,
        en: `Shaft-head output ${fault.output} (${fault.deviceId} ${fault.target}) cannot be written: ${fault.error}`,
      },
      people: [],
    }));
  }

  /** Measure 38: the per-shift peak headcount, reported on the events stream when the shift is over. */
  private trackShiftPeak(decision: Decision, now: number): void {
    if (decision.headcount.total < 0) return;
    const shift = this.people.schedule.shiftForEntry(now);
    const key = `${shift.shiftId}@${shift.startsAt}`;
    const peak = this.shiftPeak;
    if (peak.key !== key) {
      if (peak.key !== null) this.reportShiftPeak();
      Object.assign(peak, { key, shiftId: shift.shiftId, startsAt: shift.startsAt, endsAt: shift.endsAt, peak: 0, peakAt: now });
    }
    const count = decision.headcount.byShift[shift.shiftId] ?? 0;
    if (count > peak.peak) {
      peak.peak = count;
      peak.peakAt = now;
    }
  }

  private reportShiftPeak(): void {
    const p = this.shiftPeak;
    this.queue({
      kind: 'event',
      type: 'shift_peak_headcount',
      body: { shiftId: p.shiftId, shiftStart: p.startsAt, shiftEnd: p.endsAt, peak: p.peak, peakAt: p.peakAt, highRisk: p.peak > HIGH_RISK_SHIFT_PEOPLE, measure: 38 },
    });
  }

  /** The current shift's peak so far (for the board and tests). */
  get currentShiftPeak(): { shiftId: string; peak: number; peakAt: number } | null {
    return this.shiftPeak.key === null ? null : { shiftId: this.shiftPeak.shiftId, peak: this.shiftPeak.peak, peakAt: this.shiftPeak.peakAt };
  }

  // --- store -----------------------------------------------------------------------------------

  private queue(item: StoreItem): void {
    if (this.deps.store === null) return;
    if (this.storeQueue.length >= STORE_QUEUE_LIMIT) {
      this.storeQueue.shift();
      this.storeDropped++;
    }
    this.storeQueue.push(item);
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      this.flushStore();
    });
  }

  private flushStore(): void {
    const store = this.deps.store;
    if (store === null || this.storeQueue.length === 0) return;
    const items = this.storeQueue;
    this.storeQueue = [];
    let written = 0;
    if (items.length > 1 && store.transaction) {
      try {
        // All or nothing; when it fails nothing was stored and the items go one by one below.
        store.transaction(() => {
          for (const item of items) appendItem(store, item);
        });
        this.deps.onOutbox?.();
        return;
      } catch {
        // fall through: each item alone, so one bad item or a full disk is counted per item
      }
    }
    for (const item of items) {
      try {
        appendItem(store, item);
        written++;
      } catch (error) {
        // The store is slow or failing: the interlocks go on; what could not be stored is counted.
        this.storeFailed++;
        if (this.storeFailed === 1 || this.storeFailed % 1000 === 0) this.deps.logger.error({ err: error, failed: this.storeFailed }, 'an interlock event or alarm could not be stored');
      }
    }
    if (written > 0) this.deps.onOutbox?.();
  }

  // --- persistence -----------------------------------------------------------------------------

  /**
   * Saves what changed since the last successful save (every row when forced, at stop): the
   * headcount (hundreds of people) is serialised only when the tracker's version moved, the small
   * alarm and ban rows are written when their text differs from what the store holds.
   */
  private persist(force: boolean): void {
    const store = this.deps.store;
    if (store === null || (!this.dirty && !force)) return;
    this.dirty = false;
    try {
      const headcountVersion = this.tracker.version;
      const states: Array<{ name: string; json: string }> = [];
      if (force || headcountVersion !== this.saved.headcountVersion) states.push({ name: 'headcount', json: this.tracker.toJSONText() });
      for (const row of [
        { name: 'alarms', json: JSON.stringify(this.alarms.toJSON()) },
        { name: 'manual_ban', json: JSON.stringify(this.manualBan) },
      ]) {
        if (force || this.saved.json.get(row.name) !== row.json) states.push(row);
      }
      if (states.length === 0) return;
      store.saveInterlockState(states, this.deps.clock.now());
      // Only after the write succeeded: a failed save is tried again whole. The headcount by its version (its text is big).
      for (const row of states) {
        if (row.name === 'headcount') this.saved.headcountVersion = headcountVersion;
        else this.saved.json.set(row.name, row.json);
      }
    } catch (error) {
      this.dirty = true;
      this.deps.logger.error({ err: error }, 'saving the headcount and alarm state failed; it is tried again');
    }
  }

  private load(name: string): string | null {
    try {
      return this.deps.store?.loadInterlockState(name)?.json ?? null;
    } catch (error) {
      this.restored.problems.push(`${name}: ${(error as Error).message}`);
      return null;
    }
  }

  private restoreHeadcount(): HeadcountState | null {
    const json = this.load('headcount');
    if (json === null) return null;
    try {
      const state = parseHeadcountState(json);
      this.restored.headcount = true;
      this.deps.logger.info({ underground: Object.keys(state.underground).length }, 'headcount restored from the store; unconfirmed until the next card table');
      return state;
    } catch (error) {
      // Never "nobody underground" silently: say so; the count stays unconfirmed until a card table.
      const message = `the saved headcount is unreadable (${(error as Error).message}); starting from the next card table`;
      this.restored.problems.push(message);
      this.deps.logger.error({ err: error }, message);
      return null;
    }
  }

  private restoreAlarms(): AlarmManagerState | null {
    const json = this.load('alarms');
    if (json === null) return null;
    try {
      const state = JSON.parse(json) as AlarmManagerState;
      if (state?.version !== 1 || !Array.isArray(state.alarms) || !Array.isArray(state.shelved)) throw new Error('not version 1 alarm state');
      this.restored.alarms = true;
      return state;
    } catch (error) {
      const message = `the saved alarm state is unreadable (${(error as Error).message}); alarms start afresh`;
      this.restored.problems.push(message);
      this.deps.logger.error({ err: error }, message);
      return null;
    }
  }

  private restoreManualBan(): ManualBan | null {
    const json = this.load('manual_ban');
    if (json === null) return null;
    try {
      const ban = JSON.parse(json) as ManualBan | null;
      return ban !== null && typeof ban === 'object' && typeof ban.by === 'string' && typeof ban.since === 'number' ? ban : null;
    } catch {
      return null;
    }
  }
}

function appendItem(store: InterlockStore, item: StoreItem): void {
  if (item.kind === 'alarm') {
    const t = item.transition;
    store.appendAlarm(t.alarmId, t.to, { ...t });
  } else {
    store.appendEvent(item.type, item.body);
  }
}

const EMPTY_ROSTER = new Roster([], 'no roster (neither a roster file nor a platform roster)');

/** The quota shown on row 1 of the LED board ("井下人数 12/60"), or null. */
function mineQuotaOf(decision: Decision): number | null {
  const match = /\/(\d+)$/.exec(decision.outputs.led[0]);
  return match ? Number(match[1]) : null;
}

function changed(previous: Decision | null, next: Decision): boolean {
  if (previous === null || next.transitions.length > 0) return true;
  if (previous.permit.permitted !== next.permit.permitted || previous.headcount.total !== next.headcount.total) return true;
  const a = previous.outputs;
  const b = next.outputs;
  return a.siren !== b.siren || a.alarmLamp !== b.alarmLamp || a.banLamp !== b.banLamp || a.broadcast !== b.broadcast || a.led.some((row, i) => row !== b.led[i]);
}
