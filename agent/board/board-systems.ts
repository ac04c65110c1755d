/**
 * The board's systems row: the five systems (always all five), then weather and the shaft-head
 * outputs, each as ok / degraded / stale / down / unknown with the time of its last good data.
 *
 * Once the interlocks decide, their judgement is the board's (the same deadline that raises the
 * system-fault alarm, so the chip and the alarm never disagree); before the first decision, or
 * without an `interlocks` section, the point table's own deadlines are used. Freshness is never
 * judged on the wall clock here: the point table and the interlocks measure it on the monotonic one.
 */
import type { OutputFault } from '../interlocks/output-writer.js';
import type { Finding } from '../rules/rule-types.js';
import type { DeviceState } from '../state/point-table.js';
import { AUXILIARY_SYSTEMS, FIVE_SYSTEMS, type BilingualText, type BoardSystemId, type SystemHealth, type SystemStatus } from './board-model.js';

export interface SystemDevice {
  id: string;
  system: string;
  /** Devices without points (the LED board) are written only: they cannot be fresh or stale. */
  readable: boolean;
  /** The deadline the judgement uses (interlocks: polls × interval; else the point table's). */
  staleAfterMs: number;
}

export interface SystemsInput {
  devices: readonly SystemDevice[];
  states: readonly DeviceState[];
  /** Device ids the point table judges stale (monotonic clock). */
  staleByTable: ReadonlySet<string>;
  /** The interlocks' last decision findings; null before the first decision or without interlocks. */
  findings: readonly Finding[] | null;
  outputFaults: readonly OutputFault[];
}

const NOT_CONFIGURED: BilingualText = { zh: '未配置', en: 'not configured' };
const NOT_POLLED: BilingualText = { zh: '尚未应答', en: 'no answer yet' };

export function systemsHealth(input: SystemsInput): SystemHealth[] {
  const ids: BoardSystemId[] = [...FIVE_SYSTEMS, ...AUXILIARY_SYSTEMS];
  const stateOf = new Map(input.states.map((s) => [s.deviceId, s]));
  return ids.map((id) => {
    const all = input.devices.filter((d) => d.system === id);
    const devices = all.filter((d) => d.readable);
    const lastGood = devices.map((d) => stateOf.get(d.id)?.lastGoodCycleAt ?? null).filter((t): t is number => t !== null);
    const base = {
      id,
      lastGoodAt: lastGood.length === 0 ? null : Math.max(...lastGood),
      staleAfterMs: devices.length === 0 ? null : Math.max(...devices.map((d) => d.staleAfterMs)),
    };
    if (devices.length === 0) return { ...base, status: 'unknown', detail: all.length === 0 ? NOT_CONFIGURED : null };
    const stale = new Set(staleDevices(id, devices, input));
    const faults = id === 'outputs' ? input.outputFaults : [];
    const sensorFaults = (input.findings ?? []).filter((f) => f.kind === 'sensor_fault' && devices.some((d) => d.id === f.details.device));
    if (stale.size === 0) {
      if (faults.length > 0) return { ...base, status: 'degraded', detail: outputFaultText(faults) };
      if (sensorFaults.length > 0) return { ...base, status: 'degraded', detail: sensorFaults[0]!.message };
      return { ...base, status: 'ok', detail: null };
    }
    const staleList = devices.filter((d) => stale.has(d.id));
    const names = staleList.map((d) => d.id).join(', ');
    if (staleList.length < devices.length) return { ...base, status: 'degraded', detail: { zh: `${names.replaceAll(', ', '、')} 无数据`, en: `no data from ${names}` } };
    // Every device silent: stale when any answered before, else down (polled, never a good answer) or unknown (not polled yet).
    if (staleList.some((d) => stateOf.get(d.id)?.lastGoodCycleAt != null)) return { ...base, status: 'stale', detail: null };
    const polled = staleList.some((d) => stateOf.get(d.id)?.lastCycleAt != null);
    return { ...base, status: (polled ? 'down' : 'unknown') satisfies SystemStatus, detail: polled ? { zh: `${names} 无应答`, en: `${names}: no answer` } : NOT_POLLED };
  });
}

/** Device ids of `system` that are stale: by the interlocks' finding when they decide, else by the point table. */
function staleDevices(system: string, devices: readonly SystemDevice[], input: SystemsInput): string[] {
  if (input.findings === null) return devices.filter((d) => input.staleByTable.has(d.id)).map((d) => d.id);
  const finding = input.findings.find((f) => f.key === `system:${system}` && f.kind === 'system_fault');
  if (finding === undefined) return [];
  const listed = typeof finding.details.devices === 'string' ? finding.details.devices.split(',').filter((id) => id.length > 0) : [];
  return listed.length > 0 ? listed : devices.map((d) => d.id);
}

function outputFaultText(faults: readonly OutputFault[]): BilingualText {
  const list = faults.map((f) => `${f.output} (${f.deviceId} ${f.target})`).join(', ');
  return { zh: `写入失败：${list}`, en: `cannot write: ${list}` };
}
