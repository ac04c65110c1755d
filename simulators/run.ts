/**
 * Runs a set of simulated field devices in one process, each on its own Modbus TCP port (a port is
 * one device's network link, so a `disconnect` fault on one device leaves the others up).
 */
import { systemClock, type Clock } from '../agent/model/clock.js';
import { DEVICE_MODELS, type ModelOf, type SimulatedSystem } from './devices/catalog.js';
import type { UnitFaults } from './modbus/faults.js';
import { ModbusTcpServer } from './modbus/tcp-server.js';

export const DEFAULT_HOST = '127.0.0.1';
/** Matches config/examples/demo.yaml. */
export const DEFAULT_BASE_PORT = 15020;
export const DEFAULT_SEED = 1;

export interface SimulatedDeviceSpec {
  id: string;
  system: SimulatedSystem;
  /** Default 1. */
  unitId?: number;
  /** Fixed port; by default basePort + the device's index (every device gets a free port when basePort is 0). */
  port?: number;
}

export const DEFAULT_DEVICES: readonly SimulatedDeviceSpec[] = [{ id: 'sm-1', system: 'safety_monitoring', unitId: 1 }];

export interface SimulatorOptions {
  host?: string;
  basePort?: number;
  seed?: number;
  clock?: Clock;
  devices?: readonly SimulatedDeviceSpec[];
}

export interface SimulatorEndpoint {
  deviceId: string;
  system: SimulatedSystem;
  transport: 'modbus-tcp';
  host: string;
  port: number;
  unitId: number;
}

export type RunningDevice = {
  [S in SimulatedSystem]: {
    id: string;
    system: S;
    model: ModelOf<S>;
    faults: UnitFaults;
    server: ModbusTcpServer;
    endpoint: SimulatorEndpoint;
  };
}[SimulatedSystem];

export interface RunningSimulators {
  endpoints: SimulatorEndpoint[];
  devices: Map<string, RunningDevice>;
  stop(): Promise<void>;
}

/**
 * Starts every device; if one cannot listen (e.g. PortInUseError naming the port) the ones already
 * started are stopped and the error is thrown — the caller decides whether to retry with port 0.
 */
export async function startSimulators(options: SimulatorOptions = {}): Promise<RunningSimulators> {
  const host = options.host ?? DEFAULT_HOST;
  const basePort = options.basePort ?? DEFAULT_BASE_PORT;
  const seed = options.seed ?? DEFAULT_SEED;
  const clock = options.clock ?? systemClock;
  const specs = options.devices ?? DEFAULT_DEVICES;
  checkUniqueIds(specs);

  const devices = new Map<string, RunningDevice>();
  const stop = () => Promise.all([...devices.values()].map((device) => device.server.close())).then(() => undefined);
  try {
    for (const [index, spec] of specs.entries()) {
      const model = DEVICE_MODELS[spec.system]({ seed: deviceSeed(seed, spec.id), clock });
      const unitId = spec.unitId ?? 1;
      const server = new ModbusTcpServer();
      const faults = server.addUnit(unitId, model);
      const port = await server.listen(spec.port ?? (basePort === 0 ? 0 : basePort + index), host).catch(async (error: unknown) => {
        await server.close();
        throw error;
      });
      const endpoint: SimulatorEndpoint = { deviceId: spec.id, system: spec.system, transport: 'modbus-tcp', host, port, unitId };
      devices.set(spec.id, { id: spec.id, system: spec.system, model, faults, server, endpoint });
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return { endpoints: [...devices.values()].map((device) => device.endpoint), devices, stop };
}

function checkUniqueIds(specs: readonly SimulatedDeviceSpec[]): void {
  const seen = new Set<string>();
  for (const spec of specs) {
    if (seen.has(spec.id)) throw new Error(`simulated device id "${spec.id}" is used twice`);
    seen.add(spec.id);
  }
}

/** Different devices with the same run seed must not serve identical values: mix in the id (FNV-1a). */
export function deviceSeed(seed: number, deviceId: string): number {
  let hash = 0x811c9dc5 ^ (seed | 0);
  for (let i = 0; i < deviceId.length; i++) hash = Math.imul(hash ^ deviceId.charCodeAt(i), 0x01000193);
  return hash | 0;
}
