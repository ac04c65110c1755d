/**
 * Register map of the simulated compressed-air self-rescue station (压风自救系统): the compressor
 * house PLC. The one source the simulator serves, the README documents and demo.yaml maps.
 */
import { floatInput, setting, statusBit, type MapEntry } from './register-map.js';

/** Band each reading wanders in while the compressor runs. */
export const AIR_NORMAL = {
  header_pressure: { low: 0.55, high: 0.7 },
  outlet_pressure: { low: 0.15, high: 0.25 },
  flow: { low: 8, high: 14 },
} as const;

export const COMPRESSED_AIR_MAP: readonly MapEntry[] = [
  floatInput({ address: 0, id: 'header_pressure', nameZh: '主管路压力', unit: 'MPa', range: '0–1.6', meaning: 'pressure in the main air header at the compressor house' }),
  floatInput({ address: 2, id: 'outlet_pressure', nameZh: '自救装置出口压力', unit: 'MPa', range: '0–1', meaning: 'pressure at the self-rescue outlets underground; normal 0.1–0.3' }),
  floatInput({ address: 4, id: 'flow', nameZh: '供风流量', unit: 'm³/min', range: '0–30', meaning: 'air flow into the self-rescue network' }),
  statusBit(0, 'compressor_running', '空压机运行', 'compressor running; when it stops, pressures fall and flow is 0'),
  statusBit(1, 'compressor_fault', '空压机故障', 'compressor fault (tripped)'),
  setting({ address: 0, id: 'outlet_pressure_low_limit', nameZh: '出口压力下限', unit: 'MPa', limits: { min: 0, max: 100 }, initial: 10, scale: 0.01, meaning: 'outlet pressure low limit: raw × 0.01 = MPa; default 10' }),
  setting({ address: 1, id: 'outlet_pressure_high_limit', nameZh: '出口压力上限', unit: 'MPa', limits: { min: 0, max: 100 }, initial: 30, scale: 0.01, meaning: 'outlet pressure high limit: raw × 0.01 = MPa; default 30' }),
];
