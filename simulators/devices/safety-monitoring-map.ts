/**
 * The register map of the simulated KJ safety-monitoring substation (安全监测监控分站).
 * This list is the single source the simulator serves from; simulators/README.md documents it and
 * config/examples/demo.yaml maps it, and tests hold both to it.
 */
import type { ByteOrder, RegisterTable, ValueType } from '../../config/schema.js';

export interface SensorSpec {
  /** Point id of the engineering value; the loop current is `<id>_current`, the fault flag `<id>_fault`. */
  id: string;
  nameZh: string;
  name: string;
  unit: string;
  /** Measuring range: 4 mA is rangeLow, 20 mA is rangeHigh. */
  rangeLow: number;
  rangeHigh: number;
  /** Band the simulated reading wanders in when nothing overrides it. */
  normalLow: number;
  normalHigh: number;
}

/** Order matters: it sets every address below (sensor i). */
export const SENSORS = [
  { id: 'ch4', nameZh: '甲烷', name: 'methane CH4', unit: '%CH4', rangeLow: 0, rangeHigh: 4, normalLow: 0.02, normalHigh: 0.3 },
  { id: 'co', nameZh: '一氧化碳', name: 'carbon monoxide CO', unit: 'ppm', rangeLow: 0, rangeHigh: 1000, normalLow: 0, normalHigh: 10 },
  { id: 'o2', nameZh: '氧气', name: 'oxygen O2', unit: '%O2', rangeLow: 0, rangeHigh: 25, normalLow: 20.6, normalHigh: 20.9 },
  { id: 'co2', nameZh: '二氧化碳', name: 'carbon dioxide CO2', unit: '%CO2', rangeLow: 0, rangeHigh: 5, normalLow: 0.03, normalHigh: 0.2 },
  { id: 'temperature', nameZh: '温度', name: 'air temperature', unit: '°C', rangeLow: 0, rangeHigh: 40, normalLow: 18, normalHigh: 26 },
  { id: 'wind_speed', nameZh: '风速', name: 'air velocity', unit: 'm/s', rangeLow: 0, rangeHigh: 15, normalLow: 1, normalHigh: 4 },
  { id: 'ground_pressure', nameZh: '矿压', name: 'ground pressure (borehole stress)', unit: 'MPa', rangeLow: 0, rangeHigh: 60, normalLow: 8, normalHigh: 15 },
] as const satisfies readonly SensorSpec[];

export type SensorId = (typeof SENSORS)[number]['id'];

export const FLOAT_BASE = 0; // input registers: float32 ABCD, two registers per sensor
export const CURRENT_BASE = 100; // input registers: loop current in µA, one register per sensor
export const FAULT_FLAG_BASE = 8; // discrete inputs: sensor fault flags
export const CALIBRATION_BASE = 0; // holding registers: calibration state per sensor

/** Loop current while a sensor is faulted: below the 3.8 mA a substation reads as a broken loop. */
export const FAULT_CURRENT_MICROAMPS = 3000;

export const CALIBRATION_STATES = { normal: 0, calibrating: 1, due: 2 } as const;

/** Status bits the substation reads from its inputs; `set()` can force them. */
export const STATUS_BITS = [
  { id: 'main_fan_running', address: 0, nameZh: '主通风机运行', meaning: 'main ventilation fan running', normally: true },
  { id: 'local_fan_running', address: 1, nameZh: '局部通风机运行', meaning: 'local (auxiliary) fan running', normally: true },
  { id: 'mains_power_ok', address: 2, nameZh: '交流电源正常', meaning: 'substation on mains power (0 = on backup battery)', normally: true },
] as const;
export type StatusBitId = (typeof STATUS_BITS)[number]['id'];

/** Alarm bits the substation computes from its readings and its limits (holding 10–12). */
export const ALARM_BITS = [
  { id: 'ch4_alarm', address: 3, nameZh: '甲烷超限报警', meaning: 'CH4 ≥ ch4_alarm_limit' },
  { id: 'ch4_power_cut', address: 4, nameZh: '甲烷断电', meaning: 'CH4 ≥ ch4_power_cut_limit: the substation has cut power' },
  { id: 'co_alarm', address: 5, nameZh: '一氧化碳超限报警', meaning: 'CO ≥ co_alarm_limit' },
] as const;

/** Writable settings; `scale` turns the raw register into the unit. */
export const SETTINGS = [
  { id: 'ch4_alarm_limit', meaning: 'CH4 alarm limit', address: 10, nameZh: '甲烷报警浓度', unit: '%CH4', scale: 0.01, min: 10, max: 400, initial: 100 },
  { id: 'ch4_power_cut_limit', meaning: 'CH4 power-cut limit', address: 11, nameZh: '甲烷断电浓度', unit: '%CH4', scale: 0.01, min: 10, max: 400, initial: 150 },
  { id: 'co_alarm_limit', meaning: 'CO alarm limit', address: 12, nameZh: '一氧化碳报警浓度', unit: 'ppm', scale: 1, min: 1, max: 1000, initial: 24 },
] as const;
export type SettingId = (typeof SETTINGS)[number]['id'];

export const COILS = [
  { id: 'alarm_mute', address: 0, nameZh: '报警消音', meaning: 'silence the local audible alarm (held until cleared)' },
  { id: 'self_test', address: 1, nameZh: '自检', meaning: 'self-test requested (held until cleared)' },
] as const;

/** One row of the documented map. `range` and `meaning` are the documentation's words. */
export interface MapEntry {
  id: string;
  table: RegisterTable;
  address: number;
  type: ValueType;
  byteOrder: ByteOrder;
  unit: string;
  range: string;
  meaning: string;
  nameZh: string;
  writable: boolean;
}

function buildMap(): MapEntry[] {
  const rows: MapEntry[] = [];
  SENSORS.forEach((s, i) => {
    rows.push({
      id: s.id, table: 'input', address: FLOAT_BASE + 2 * i, type: 'float32', byteOrder: 'ABCD', unit: s.unit,
      range: `${s.rangeLow}–${s.rangeHigh}`, meaning: `${s.name}; NaN while the sensor is faulted`, nameZh: s.nameZh, writable: false,
    });
  });
  SENSORS.forEach((s, i) => {
    rows.push({
      id: `${s.id}_current`, table: 'input', address: CURRENT_BASE + i, type: 'uint16', byteOrder: 'ABCD', unit: 'µA',
      range: '4000–20000', meaning: `${s.name} loop current: 4 mA = ${s.rangeLow}, 20 mA = ${s.rangeHigh} ${s.unit}; < 3800 = sensor fault`,
      nameZh: `${s.nameZh}电流`, writable: false,
    });
  });
  for (const bit of [...STATUS_BITS, ...ALARM_BITS]) {
    rows.push({ id: bit.id, table: 'discrete_input', address: bit.address, type: 'bool', byteOrder: 'ABCD', unit: '', range: '0/1', meaning: bit.meaning, nameZh: bit.nameZh, writable: false });
  }
  SENSORS.forEach((s, i) => {
    rows.push({
      id: `${s.id}_fault`, table: 'discrete_input', address: FAULT_FLAG_BASE + i, type: 'bool', byteOrder: 'ABCD', unit: '', range: '0/1',
      meaning: `${s.name} sensor fault (loop current < 3.8 mA)`, nameZh: `${s.nameZh}传感器故障`, writable: false,
    });
  });
  SENSORS.forEach((s, i) => {
    rows.push({
      id: `${s.id}_calibration`, table: 'holding', address: CALIBRATION_BASE + i, type: 'uint16', byteOrder: 'ABCD', unit: '', range: '0–2',
      meaning: `${s.name} calibration state: 0 normal, 1 calibrating, 2 calibration due`, nameZh: `${s.nameZh}标校状态`, writable: true,
    });
  });
  for (const setting of SETTINGS) {
    rows.push({
      id: setting.id, table: 'holding', address: setting.address, type: 'uint16', byteOrder: 'ABCD', unit: setting.unit,
      range: `${setting.min}–${setting.max}`, meaning: `${setting.meaning}: raw × ${setting.scale} = ${setting.unit}; default ${setting.initial}`, nameZh: setting.nameZh, writable: true,
    });
  }
  for (const coil of COILS) {
    rows.push({ id: coil.id, table: 'coil', address: coil.address, type: 'bool', byteOrder: 'ABCD', unit: '', range: '0/1', meaning: coil.meaning, nameZh: coil.nameZh, writable: true });
  }
  return rows;
}

export const SAFETY_MONITORING_MAP: readonly MapEntry[] = buildMap();

/** Loop current in µA for an engineering value, clamped to 4–20 mA as a transmitter saturates. */
export function loopCurrentMicroamps(sensor: SensorSpec, value: number): number {
  const fraction = (value - sensor.rangeLow) / (sensor.rangeHigh - sensor.rangeLow);
  return Math.round(4000 + 16000 * Math.min(1, Math.max(0, fraction)));
}

/** scale and offset that turn the µA register into the engineering unit: value = µA × scale + offset. */
export function loopCurrentScaling(sensor: SensorSpec): { scale: number; offset: number } {
  const scale = (sensor.rangeHigh - sensor.rangeLow) / 16000;
  return { scale, offset: sensor.rangeLow - 4000 * scale };
}
