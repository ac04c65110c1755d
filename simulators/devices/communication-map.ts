/**
 * Register map of the simulated communication system (通信联络系统): dispatch exchange and
 * emergency broadcast controller. Coil 0 is the emergency-broadcast trigger the agent writes
 * (measure 28); every rising edge is recorded as an activation.
 */
import { coil, intInput, statusBit, type MapEntry } from './register-map.js';

export const COMMUNICATION_LINES_TOTAL = 24;

export const COMMUNICATION_MAP: readonly MapEntry[] = [
  statusBit(0, 'line_ok', '通信线路正常', 'all dispatch telephone lines up'),
  statusBit(1, 'broadcast_system_ok', '应急广播系统正常', 'broadcast amplifiers and speakers pass their self-check'),
  statusBit(2, 'broadcast_active', '应急广播播放中', 'the emergency broadcast is playing (follows coil 0)'),
  statusBit(3, 'exchange_ok', '调度交换机正常', 'dispatch exchange running'),
  intInput('uint16', { address: 0, id: 'lines_total', nameZh: '通信线路总数', meaning: 'telephone lines configured' }),
  intInput('uint16', { address: 1, id: 'lines_ok', nameZh: '正常线路数', meaning: 'telephone lines up' }),
  intInput('uint16', { address: 2, id: 'broadcast_activations', nameZh: '应急广播启动次数', meaning: 'rising edges of coil 0 since power-up (wraps at 65535)' }),
  intInput('uint32', { address: 3, id: 'last_broadcast_at', nameZh: '最近广播启动时间', unit: 's', meaning: 'Unix time (s) of the last rising edge of coil 0; 0 = never' }),
  coil(0, 'emergency_broadcast', '应急广播触发', 'write 1 to start the emergency broadcast (each 0→1 is one activation), 0 to stop it'),
];
