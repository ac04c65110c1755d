/**
 * What the shaft head shows and sounds, as a pure function of the alarms, the permit and the
 * headcount: siren and lamp per severity (a shelved alarm neither sounds nor lights), the ban lamp,
 * the emergency-broadcast trigger for the configured critical alarms (shelving never silences an
 * evacuation), and the four rows of the LED board (井下人数 now/quota, duty leader, ban or
 * suspension state, alarms).
 */
import type { AlarmsConfig } from '../../config/rules-schema.js';
import type { AlarmRecord } from '../alarms/alarm-types.js';
import type { EntryPermit } from '../permit/entry-permit.js';

/** The LED board takes at most this many characters per row (simulators/README.md, led-1). */
export const LED_ROW_CHARS = 32;

export interface ShaftHeadOutputs {
  siren: boolean;
  alarmLamp: boolean;
  banLamp: boolean;
  permit: boolean;
  broadcast: boolean;
  led: [string, string, string, string];
}

export interface AnnunciationInput {
  alarms: readonly AlarmRecord[];
  isShelved: (key: string) => boolean;
  permit: EntryPermit;
  headcount: number;
  /** The mine quota shown beside the count; null when none is set. */
  quota: number | null;
  /** Duty leaders of the current shift underground; empty = none. */
  dutyLeaders: readonly string[];
  suspended: boolean;
  outputs: AlarmsConfig['outputs'];
  evacuationKinds: ReadonlySet<string>;
}

export function annunciate(input: AnnunciationInput): ShaftHeadOutputs {
  let siren = false;
  let alarmLamp = false;
  let broadcast = false;
  let activeCount = 0;
  for (const alarm of input.alarms) {
    const active = alarm.state === 'active_unacked' || alarm.state === 'active_acked';
    if (active && input.evacuationKinds.has(alarm.kind)) broadcast = true;
    if (input.isShelved(alarm.key)) continue;
    const output = input.outputs[alarm.severity];
    if (active) activeCount++;
    if (output.siren && alarm.state !== 'active_acked') siren = true;
    if (output.lamp && active) alarmLamp = true;
  }
  return {
    siren,
    alarmLamp,
    banLamp: input.permit.banned,
    permit: input.permit.permitted,
    broadcast,
    led: ledRows(input, activeCount),
  };
}

function ledRows(input: AnnunciationInput, activeAlarms: number): [string, string, string, string] {
  const quota = input.quota === null ? '—' : String(input.quota);
  const leaders = input.dutyLeaders.length === 0 ? '无' : input.dutyLeaders.join(' ');
  return [fit(`井下人数 ${input.headcount}/${quota}`), fit(`带班 ${leaders}`), fit(entryState(input)), fit(activeAlarms === 0 ? '无报警' : `报警 ${activeAlarms} 条`)];
}

/** Row 3: the ban first (it is absolute), then the suspension, then the plain permit. */
function entryState(input: AnnunciationInput): string {
  if (input.permit.banned) return input.suspended ? '禁止入井 停工整改' : '禁止入井';
  if (input.suspended) return `停工整改 ${input.permit.permitted ? '限员入井' : '暂停入井'}`;
  return input.permit.permitted ? '允许入井' : '暂停入井';
}

/** Cut to the board's row length, counting characters (not bytes): the board counts characters. */
export function fit(text: string): string {
  const chars = [...text];
  return chars.length <= LED_ROW_CHARS ? text : chars.slice(0, LED_ROW_CHARS - 1).join('') + '…';
}
