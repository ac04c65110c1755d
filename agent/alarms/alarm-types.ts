/**
 * Alarms as ISA-18.2 sees them. An alarm is one occurrence of a condition (by its stable key); it
 * lives from "raised" until it is back to normal (cleared and acknowledged). Normal alarms are not
 * kept as records, only in the history of transitions.
 */
import type { Severity } from '../../config/rules-schema.js';
import type { Bilingual, PersonRef } from '../rules/rule-types.js';

export const ALARM_STATES = ['active_unacked', 'active_acked', 'cleared_unacked', 'normal'] as const;
export type AlarmState = (typeof ALARM_STATES)[number];

export interface AlarmRecord {
  /** Unique per occurrence: `${key}@${raisedAt}`; acknowledgements name it (the key works too). */
  id: string;
  key: string;
  kind: string;
  severity: Severity;
  state: Exclude<AlarmState, 'normal'>;
  /** The condition holds now. A latched alarm can be active with the condition gone. */
  conditionActive: boolean;
  latched: boolean;
  raisedAt: number;
  lastChangeAt: number;
  acknowledgedAt: number | null;
  acknowledgedBy: string | null;
  message: Bilingual;
  people: PersonRef[];
}

export interface Shelving {
  key: string;
  until: number;
  by: string;
  at: number;
}

export type TransitionCause = 'raised' | 'returned' | 'cleared' | 'acknowledged' | 'reset' | 'shelved' | 'unshelved' | 'shelve_expired';

/** One state change: an event for the store, the uplink and the board. */
export interface AlarmTransition {
  alarmId: string;
  key: string;
  kind: string;
  severity: Severity;
  from: AlarmState;
  to: AlarmState;
  cause: TransitionCause;
  at: number;
  /** Who acted (acknowledge, shelve); null for process-driven changes. */
  by: string | null;
  message: Bilingual;
  people: PersonRef[];
}

/** A condition the rules report, as the alarm manager takes it. */
export interface AlarmCondition {
  key: string;
  kind: string;
  severity: Severity;
  message: Bilingual;
  people: PersonRef[];
}

export interface AlarmManagerState {
  version: 1;
  alarms: AlarmRecord[];
  shelved: Shelving[];
}
