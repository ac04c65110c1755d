/**
 * Register map of the simulated water-supply rescue station (供水施救系统): the pump house PLC.
 */
import { floatInput, setting, statusBit, type MapEntry } from './register-map.js';

export const WATER_NORMAL = {
  supply_pressure: { low: 0.8, high: 1.2 },
  outlet_pressure: { low: 0.4, high: 0.7 },
  flow: { low: 10, high: 25 },
  tank_level: { low: 3, high: 4.5 },
} as const;

/** Static head at the outlets with the pump stopped (MPa). */
export const WATER_STATIC_OUTLET_PRESSURE = 0.15;

export const WATER_SUPPLY_MAP: readonly MapEntry[] = [
  floatInput({ address: 0, id: 'supply_pressure', nameZh: '供水主管压力', unit: 'MPa', range: '0–2.5', meaning: 'pressure in the supply main at the pump house' }),
  floatInput({ address: 2, id: 'outlet_pressure', nameZh: '施救点出口压力', unit: 'MPa', range: '0–2.5', meaning: 'pressure at the rescue water outlets underground' }),
  floatInput({ address: 4, id: 'flow', nameZh: '供水流量', unit: 'm³/h', range: '0–60', meaning: 'water flow into the rescue network' }),
  floatInput({ address: 6, id: 'tank_level', nameZh: '水池水位', unit: 'm', range: '0–6', meaning: 'level of the supply tank' }),
  statusBit(0, 'pump_running', '水泵运行', 'supply pump running; when it stops, flow is 0 and the outlets keep only static head'),
  statusBit(1, 'pump_fault', '水泵故障', 'supply pump fault (tripped)'),
  setting({ address: 0, id: 'outlet_pressure_low_limit', nameZh: '出口压力下限', unit: 'MPa', limits: { min: 0, max: 250 }, initial: 30, scale: 0.01, meaning: 'outlet pressure low limit (from the mine design): raw × 0.01 = MPa; default 30' }),
];
