/**
 * Analog thresholds with hysteresis and on-delay. In alarm, the value must come back past the
 * restore level before the condition clears (no chattering at the limit); the engine holds a new
 * condition back for its on-delay. A point without a good value is a sensor fault, never "normal".
 */
import type { AnalogPointConfig } from '../../config/rules-schema.js';
import { resolveThreshold, type AnalogThreshold, type Comparison } from './analog-presets.js';
import { finding, pointKey, type Finding, type RuleSnapshot } from './rule-types.js';

const SYMBOL: Record<Comparison, string> = { ge: '≥', gt: '>', le: '≤', lt: '<' };

export function analogKey(point: { device: string; point: string }): string {
  return `analog:${pointKey(point.device, point.point)}`;
}

interface PreparedPoint {
  point: AnalogPointConfig;
  threshold: AnalogThreshold;
  /** pointKey(device, point): the key of snapshot.points and the name in messages. */
  name: string;
  key: string;
}

/**
 * Thresholds and keys per configured point list, worked out once: the rule runs at every decision
 * over hundreds of points and the config does not change while the agent runs.
 */
const prepared = new WeakMap<readonly AnalogPointConfig[], readonly PreparedPoint[]>();

function prepare(points: readonly AnalogPointConfig[]): readonly PreparedPoint[] {
  let list = prepared.get(points);
  // Same points in the same places (a pointer check each): a list edited in place is prepared again.
  if (list === undefined || list.length !== points.length || list.some((p, i) => p.point !== points[i])) {
    // resolveThreshold throws for a point without a level: nothing is kept, the rule fails each time.
    list = points.map((point) => ({ point, threshold: resolveThreshold(point), name: pointKey(point.device, point.point), key: analogKey(point) }));
    prepared.set(points, list);
  }
  return list;
}

export function analogRule(snapshot: RuleSnapshot, points: readonly AnalogPointConfig[], _now: number): Finding[] {
  const findings: Finding[] = [];
  for (const { point, threshold, name, key } of prepare(points)) {
    const reading = snapshot.points.get(name);
    if (!reading || reading.quality !== 'good' || typeof reading.value !== 'number') {
      findings.push(
        finding({
          key: `sensor:${name}`,
          kind: 'sensor_fault',
          severity: 'medium',
          message: {
            zh: `${threshold.label.zh}传感器无有效数据(${name}，${reading?.quality ?? '未配置'})`,
            en: `${threshold.label.en} sensor has no valid value (${name}: ${reading?.quality ?? 'not configured'})`,
          },
          details: { device: point.device, point: point.point, quality: reading?.quality ?? null },
        }),
      );
      continue;
    }
    const wasActive = snapshot.activeKeys.has(key);
    if (!inAlarm(reading.value, threshold, wasActive)) continue;
    findings.push(
      finding({
        key,
        kind: threshold.kind,
        severity: threshold.severity,
        onDelayMs: threshold.onDelayMs,
        message: {
          zh: `${threshold.label.zh}超限：${name} = ${reading.value} ${threshold.unit}(${SYMBOL[threshold.compare]} ${threshold.alarmAt})`,
          en: `${threshold.label.en} limit: ${name} = ${reading.value} ${threshold.unit} (${SYMBOL[threshold.compare]} ${threshold.alarmAt})`,
        },
        details: { device: point.device, point: point.point, value: reading.value, alarmAt: threshold.alarmAt, restoreAt: threshold.restoreAt },
      }),
    );
  }
  return findings;
}

/** Not yet in alarm: compare with the alarm level; in alarm: stay until back past the restore level. */
export function inAlarm(value: number, t: AnalogThreshold, wasActive: boolean): boolean {
  if (!wasActive) return crosses(value, t.compare, t.alarmAt);
  const high = t.compare === 'ge' || t.compare === 'gt';
  return high ? value > t.restoreAt || crosses(value, t.compare, t.alarmAt) : value < t.restoreAt || crosses(value, t.compare, t.alarmAt);
}

function crosses(value: number, compare: Comparison, level: number): boolean {
  switch (compare) {
    case 'ge':
      return value >= level;
    case 'gt':
      return value > level;
    case 'le':
      return value <= level;
    case 'lt':
      return value < level;
  }
}
