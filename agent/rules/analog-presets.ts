/**
 * Default analog thresholds (PRODUCT.md), each with a restore level for hysteresis and an on-delay.
 * Gas alarms have no on-delay by default: a real CH4/CO excursion must alarm on the poll that sees
 * it; pressures wait a few seconds, since a compressor or pump start makes them dip briefly.
 */
import type { AnalogPointConfig, Severity } from '../../config/rules-schema.js';
import type { Bilingual } from './rule-types.js';

export type Comparison = 'ge' | 'gt' | 'le' | 'lt';

export interface AnalogThreshold {
  kind: string;
  compare: Comparison;
  alarmAt: number;
  restoreAt: number;
  onDelayMs: number;
  severity: Severity;
  label: Bilingual;
  unit: string;
}

type Preset = Omit<AnalogThreshold, 'alarmAt' | 'restoreAt'> & { alarmAt: number | null; restoreAt: number | null };

export const ANALOG_PRESET_VALUES: Record<AnalogPointConfig['preset'], Preset> = {
  ch4: { kind: 'ch4_high', compare: 'ge', alarmAt: 1.0, restoreAt: 0.9, onDelayMs: 0, severity: 'critical', label: { zh: '甲烷', en: 'CH4' }, unit: '%' },
  co: { kind: 'co_high', compare: 'ge', alarmAt: 24, restoreAt: 20, onDelayMs: 0, severity: 'critical', label: { zh: '一氧化碳', en: 'CO' }, unit: 'ppm' },
  o2: { kind: 'o2_low', compare: 'lt', alarmAt: 20, restoreAt: 20.2, onDelayMs: 0, severity: 'critical', label: { zh: '氧气', en: 'O2' }, unit: '%' },
  co2: { kind: 'co2_high', compare: 'gt', alarmAt: 0.5, restoreAt: 0.45, onDelayMs: 0, severity: 'high', label: { zh: '二氧化碳', en: 'CO2' }, unit: '%' },
  air_outlet_low: {
    kind: 'air_pressure_low',
    compare: 'lt',
    alarmAt: 0.1,
    restoreAt: 0.11,
    onDelayMs: 5000,
    severity: 'high',
    label: { zh: '压风自救出口压力', en: 'compressed-air outlet pressure' },
    unit: 'MPa',
  },
  air_outlet_high: {
    kind: 'air_pressure_high',
    compare: 'gt',
    alarmAt: 0.3,
    restoreAt: 0.29,
    onDelayMs: 5000,
    severity: 'medium',
    label: { zh: '压风自救出口压力', en: 'compressed-air outlet pressure' },
    unit: 'MPa',
  },
  water_pressure_low: {
    kind: 'water_pressure_low',
    compare: 'lt',
    alarmAt: null,
    restoreAt: null,
    onDelayMs: 5000,
    severity: 'high',
    label: { zh: '供水施救出口压力', en: 'water-supply outlet pressure' },
    unit: 'MPa',
  },
  custom: { kind: 'analog_limit', compare: 'ge', alarmAt: null, restoreAt: null, onDelayMs: 0, severity: 'medium', label: { zh: '测点', en: 'point' }, unit: '' },
};

/** The preset with the point's overrides; the restore level defaults to the alarm level (no hysteresis). */
export function resolveThreshold(point: AnalogPointConfig): AnalogThreshold {
  const preset = ANALOG_PRESET_VALUES[point.preset];
  const alarmAt = point.alarmAt ?? preset.alarmAt;
  // The schema requires alarmAt for presets without a default.
  if (alarmAt === null) throw new Error(`analog point ${point.device}/${point.point}: preset "${point.preset}" needs alarmAt`);
  const overridden = point.alarmAt !== undefined && point.restoreAt === undefined;
  return {
    kind: point.preset === 'custom' ? `${point.point}_limit` : preset.kind,
    compare: point.compare ?? preset.compare,
    alarmAt,
    restoreAt: point.restoreAt ?? (overridden ? alarmAt : (preset.restoreAt ?? alarmAt)),
    onDelayMs: point.onDelayMs ?? preset.onDelayMs,
    severity: point.severity ?? preset.severity,
    label: point.label ?? preset.label,
    unit: preset.unit,
  };
}
