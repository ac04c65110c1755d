/**
 * The device models the simulator can run, by system. Adding a system is one model file plus one
 * line here; run.ts and the CLI pick it up.
 */
import type { SystemKind } from '../../config/schema.js';
import { LayoutIndex, loadLayout, type MineLayout } from '../data/layout.js';
import { loadRoster, type Person } from '../data/roster.js';
import type { ModbusUnit } from '../modbus/data-model.js';
import { CommunicationSystem } from './communication.js';
import { CompressedAirStation } from './compressed-air.js';
import type { DeviceContext as BaseContext } from './mapped-device.js';
import { PersonnelPositioningSubstation } from './personnel-positioning.js';
import { SafetyMonitoringSubstation } from './safety-monitoring.js';
import { ShaftOutputs } from './shaft-outputs.js';
import { WaterSupplyStation } from './water-supply.js';
import { WeatherStation } from './weather-station.js';

/** The mine the positioning substation serves: its cards and readers. */
export interface MineData {
  roster: readonly Person[];
  layout: MineLayout;
}

export interface DeviceContext extends BaseContext {
  mine: MineData;
}

let shipped: MineData | null = null;
/** The roster and layout shipped in simulators/data, read once. */
export function shippedMine(): MineData {
  shipped ??= { roster: loadRoster(), layout: loadLayout() };
  return shipped;
}

export function positioningFor(context: DeviceContext): PersonnelPositioningSubstation {
  const index = new LayoutIndex(context.mine.layout);
  return new PersonnelPositioningSubstation({
    clock: context.clock,
    cards: context.mine.roster.map((p) => p.card),
    readerZones: new Map(context.mine.layout.readers.map((r) => [r.id, r.zone])),
    entryReader: index.entryReader.id,
    exitReader: index.exitReader.id,
  });
}

export const DEVICE_MODELS = {
  safety_monitoring: (context: DeviceContext) => new SafetyMonitoringSubstation(context),
  personnel_positioning: positioningFor,
  communication: (context: DeviceContext) => new CommunicationSystem(context),
  compressed_air: (context: DeviceContext) => new CompressedAirStation(context),
  water_supply: (context: DeviceContext) => new WaterSupplyStation(context),
  outputs: (context: DeviceContext) => new ShaftOutputs(context),
  weather: (context: DeviceContext) => new WeatherStation(context),
} satisfies Record<SystemKind, (context: DeviceContext) => ModbusUnit>;

export type SimulatedSystem = keyof typeof DEVICE_MODELS;
export type ModelOf<S extends SimulatedSystem> = ReturnType<(typeof DEVICE_MODELS)[S]>;

export function isSimulatedSystem(system: string): system is SimulatedSystem {
  return Object.hasOwn(DEVICE_MODELS, system);
}
