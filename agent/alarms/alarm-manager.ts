/**
 * The ISA-18.2 alarm lifecycle. States: active-unacknowledged → (ack) active-acknowledged →
 * (clears) normal; active-unacknowledged → (clears) cleared-unacknowledged → (ack) normal. A
 * condition that returns while cleared-unacknowledged makes the same alarm active again; one key
 * is never two alarms at once.
 *
 * Latched alarms (entry violations, gas) do not leave the active states when the condition clears:
 * they wait for the operator. Acknowledging a latched alarm whose condition is gone resets it to
 * normal; acknowledging one whose condition still holds only acknowledges it.
 *
 * Shelving hides an alarm from the siren and lamp until it expires (every shelve expires); it is
 * refused for severities the config does not allow. Shelved alarms keep their lifecycle.
 *
 * No clock: `now` comes with every call. Every change is returned as a transition event.
 */
import type { AlarmsConfig } from '../../config/rules-schema.js';
import type { AcknowledgeOutcome, AlarmAcknowledger } from '../commands/alarm-acknowledger.js';
import { AlarmHistory } from './alarm-history.js';
import type { AlarmCondition, AlarmManagerState, AlarmRecord, AlarmState, AlarmTransition, Shelving, TransitionCause } from './alarm-types.js';

export type ShelveOutcome = { ok: true; transition: AlarmTransition } | { ok: false; reason: 'unknown_alarm' | 'not_shelvable' | 'too_long'; detail: string };

export type AlarmManagerConfig = Pick<AlarmsConfig, 'historyLimit' | 'latchedKinds' | 'shelvableSeverities' | 'maxShelveMs'>;

export class AlarmManager implements AlarmAcknowledger {
  private readonly alarms = new Map<string, AlarmRecord>();
  private readonly shelving = new Map<string, Shelving>();
  private readonly history: AlarmHistory;
  private readonly latchedKinds: ReadonlySet<string>;
  /** Transitions made by operator calls since the last sync, handed out with the next one. */
  private pendingOperatorTransitions: AlarmTransition[] = [];

  constructor(
    private readonly config: AlarmManagerConfig,
    restored?: AlarmManagerState,
  ) {
    this.history = new AlarmHistory(config.historyLimit);
    this.latchedKinds = new Set(config.latchedKinds);
    for (const alarm of restored?.alarms ?? []) this.alarms.set(alarm.key, { ...alarm });
    for (const shelve of restored?.shelved ?? []) this.shelving.set(shelve.key, { ...shelve });
  }

  /**
   * Brings the alarms in line with the conditions that hold now: raises new ones, returns
   * cleared-unacked ones to active, clears those whose condition is gone, expires shelving.
   */
  sync(conditions: readonly AlarmCondition[], now: number): AlarmTransition[] {
    const out = this.pendingOperatorTransitions;
    this.pendingOperatorTransitions = [];
    this.expireShelving(now, out);
    const present = new Set<string>();
    for (const condition of conditions) {
      present.add(condition.key);
      const alarm = this.alarms.get(condition.key);
      if (!alarm) {
        this.raise(condition, now, out);
        continue;
      }
      // The text and the people named change as the condition evolves (one more person over quota).
      alarm.message = condition.message;
      alarm.people = condition.people;
      alarm.severity = condition.severity;
      if (!alarm.conditionActive) {
        alarm.conditionActive = true;
        if (alarm.state === 'cleared_unacked') this.move(alarm, 'active_unacked', 'returned', now, null, out);
      }
    }
    for (const alarm of [...this.alarms.values()]) {
      if (present.has(alarm.key) || !alarm.conditionActive) continue;
      alarm.conditionActive = false;
      if (alarm.latched) continue;
      if (alarm.state === 'active_unacked') this.move(alarm, 'cleared_unacked', 'cleared', now, null, out);
      else if (alarm.state === 'active_acked') this.move(alarm, 'normal', 'cleared', now, null, out);
    }
    return out;
  }

  /** AlarmAcknowledger: from the board or the platform. By alarm id or by key. */
  acknowledge(request: { alarmId: string; by: string; note?: string | undefined; commandId: string; now: number }): AcknowledgeOutcome {
    const alarm = this.find(request.alarmId);
    if (!alarm) return { ok: false, reason: 'unknown_alarm', detail: `alarm "${request.alarmId}" is not active on this gateway (it may have returned to normal)` };
    const before = alarm.state;
    const out: AlarmTransition[] = [];
    if (alarm.state === 'active_unacked' && alarm.conditionActive) this.move(alarm, 'active_acked', 'acknowledged', request.now, request.by, out);
    else if (alarm.state !== 'active_acked' || !alarm.conditionActive) this.move(alarm, 'normal', alarm.latched && before !== 'cleared_unacked' ? 'reset' : 'acknowledged', request.now, request.by, out);
    if (out.length > 0) {
      alarm.acknowledgedAt = request.now;
      alarm.acknowledgedBy = request.by;
    }
    this.pendingOperatorTransitions.push(...out);
    return { ok: true, result: { alarmId: alarm.id, key: alarm.key, from: before, to: out.at(-1)?.to ?? before } };
  }

  shelve(request: { alarmId: string; by: string; durationMs: number; now: number }): ShelveOutcome {
    const alarm = this.find(request.alarmId);
    if (!alarm) return { ok: false, reason: 'unknown_alarm', detail: `alarm "${request.alarmId}" is not active on this gateway` };
    if (!this.config.shelvableSeverities.includes(alarm.severity)) {
      return { ok: false, reason: 'not_shelvable', detail: `${alarm.severity} alarms may not be shelved (${alarm.key})` };
    }
    if (request.durationMs <= 0 || request.durationMs > this.config.maxShelveMs) {
      return { ok: false, reason: 'too_long', detail: `shelving lasts 1 ms to ${this.config.maxShelveMs} ms, not ${request.durationMs}` };
    }
    this.shelving.set(alarm.key, { key: alarm.key, until: request.now + request.durationMs, by: request.by, at: request.now });
    const transition = this.transition(alarm, alarm.state, alarm.state, 'shelved', request.now, request.by);
    this.record(transition, this.pendingOperatorTransitions);
    return { ok: true, transition };
  }

  unshelve(key: string, by: string, now: number): AlarmTransition | null {
    if (!this.shelving.delete(key)) return null;
    const alarm = this.alarms.get(key);
    if (!alarm) return null;
    const transition = this.transition(alarm, alarm.state, alarm.state, 'unshelved', now, by);
    this.record(transition, this.pendingOperatorTransitions);
    return transition;
  }

  isShelved(key: string, now: number): boolean {
    const shelve = this.shelving.get(key);
    return shelve !== undefined && now < shelve.until;
  }

  active(): AlarmRecord[] {
    return [...this.alarms.values()];
  }

  get(key: string): AlarmRecord | undefined {
    return this.alarms.get(key);
  }

  recentTransitions(): readonly AlarmTransition[] {
    return this.history.recent();
  }

  get droppedTransitions(): number {
    return this.history.dropped;
  }

  toJSON(): AlarmManagerState {
    return { version: 1, alarms: [...this.alarms.values()].map((a) => ({ ...a })), shelved: [...this.shelving.values()].map((s) => ({ ...s })) };
  }

  private find(idOrKey: string): AlarmRecord | undefined {
    const byKey = this.alarms.get(idOrKey);
    if (byKey) return byKey;
    for (const alarm of this.alarms.values()) if (alarm.id === idOrKey) return alarm;
    return undefined;
  }

  private raise(condition: AlarmCondition, now: number, out: AlarmTransition[]): void {
    const alarm: AlarmRecord = {
      id: `${condition.key}@${now}`,
      key: condition.key,
      kind: condition.kind,
      severity: condition.severity,
      state: 'active_unacked',
      conditionActive: true,
      latched: this.latchedKinds.has(condition.kind),
      raisedAt: now,
      lastChangeAt: now,
      acknowledgedAt: null,
      acknowledgedBy: null,
      message: condition.message,
      people: condition.people,
    };
    this.alarms.set(alarm.key, alarm);
    this.record(this.transition(alarm, 'normal', 'active_unacked', 'raised', now, null), out);
  }

  private expireShelving(now: number, out: AlarmTransition[]): void {
    for (const shelve of [...this.shelving.values()]) {
      if (now < shelve.until) continue;
      this.shelving.delete(shelve.key);
      const alarm = this.alarms.get(shelve.key);
      if (alarm) this.record(this.transition(alarm, alarm.state, alarm.state, 'shelve_expired', now, null), out);
    }
  }

  private move(alarm: AlarmRecord, to: AlarmState, cause: TransitionCause, now: number, by: string | null, out: AlarmTransition[]): void {
    const from = alarm.state;
    if (to === 'normal') {
      this.alarms.delete(alarm.key);
    } else {
      alarm.state = to;
      alarm.lastChangeAt = now;
    }
    this.record(this.transition(alarm, from, to, cause, now, by), out);
  }

  private transition(alarm: AlarmRecord, from: AlarmState, to: AlarmState, cause: TransitionCause, at: number, by: string | null): AlarmTransition {
    return { alarmId: alarm.id, key: alarm.key, kind: alarm.kind, severity: alarm.severity, from, to, cause, at, by, message: alarm.message, people: alarm.people };
  }

  private record(transition: AlarmTransition, out: AlarmTransition[]): void {
    this.history.add(transition);
    out.push(transition);
  }
}
