/**
 * The device models the simulator can run, by system. Adding a system (personnel positioning,
 * compressed air, ...) is one model file plus one line here; run.ts and the CLI pick it up.
 */
import type { Clock } from '../../agent/model/clock.js';
import type { SystemKind } from '../../config/schema.js';
import type { ModbusUnit } from '../modbus/data-model.js';
import { SafetyMonitoringSubstation } from './safety-monitoring.js';

export interface DeviceContext {
  /** Per-device seed: same seed and clock, same values. */
  seed: number;
  clock: Clock;
}

export const DEVICE_MODELS = {
  safety_monitoring: (context: DeviceContext) => new SafetyMonitoringSubstation(context),
} satisfies Partial<Record<SystemKind, (context: DeviceContext) => ModbusUnit>>;

export type SimulatedSystem = keyof typeof DEVICE_MODELS;
export type ModelOf<S extends SimulatedSystem> = ReturnType<(typeof DEVICE_MODELS)[S]>;

export function isSimulatedSystem(system: string): system is SimulatedSystem {
  return Object.hasOwn(DEVICE_MODELS, system);
}
