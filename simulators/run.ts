/**
 * Runs the simulated mine in one process: each Modbus TCP device on its own port (a port is one
 * device's network link, so a `disconnect` fault on one device leaves the others up), and — when
 * asked for — the serial-line devices on pty pairs (serial-lines.ts). One injected clock drives
 * them all; a scenario (scenario-runner.ts) drives them through `devices`, `weather` and `ledBoard`.
 */
import { systemClock, type Clock } from '../agent/model/clock.js';
import { DEVICE_MODELS, shippedMine, type MineData, type ModelOf, type SimulatedSystem } from './devices/catalog.js';
import { subSeed } from './devices/prng.js';
import { WeatherStation } from './devices/weather-station.js';
import { UnitFaults } from './modbus/faults.js';
import { ModbusTcpServer } from './modbus/tcp-server.js';
import { LedBoard } from './serial/led-board.js';
import { startSerialLines, type RunningSerialLines, type SerialEndpoint } from './serial-lines.js';

export type { SerialEndpoint } from './serial-lines.js';

export const DEFAULT_HOST = '127.0.0.1';
/** Matches config/examples/demo.yaml. */
export const DEFAULT_BASE_PORT = 15020;
export const DEFAULT_SEED = 1;
export const WEATHER_DEVICE_ID = 'wx-1';
export const LED_BOARD_DEVICE_ID = 'led-1';

export interface SimulatedDeviceSpec {
  id: string;
  system: SimulatedSystem;
  /** Default 1. */
  unitId?: number;
  /** Fixed port; by default basePort + the device's index (every device gets a free port when basePort is 0). */
  port?: number;
}

/** The Modbus TCP devices, in port order: sm-1 on basePort, pp-1 on basePort + 1, … (demo.yaml). */
export const DEFAULT_DEVICES: readonly SimulatedDeviceSpec[] = [
  { id: 'sm-1', system: 'safety_monitoring', unitId: 1 },
  { id: 'pp-1', system: 'personnel_positioning', unitId: 1 },
  { id: 'comm-1', system: 'communication', unitId: 1 },
  { id: 'air-1', system: 'compressed_air', unitId: 1 },
  { id: 'water-1', system: 'water_supply', unitId: 1 },
  { id: 'out-1', system: 'outputs', unitId: 1 },
];

export interface SimulatorOptions {
  host?: string;
  basePort?: number;
  seed?: number;
  clock?: Clock;
  devices?: readonly SimulatedDeviceSpec[];
  /** Roster and layout the positioning substation serves; default the shipped simulators/data. */
  mine?: MineData;
  /** Also start the serial-line devices on pty pairs whose master ends are made in `dir` (needs socat). */
  serialLines?: { dir: string; weatherIntervalMs?: number };
}

export interface SimulatorEndpoint {
  deviceId: string;
  system: SimulatedSystem;
  transport: 'modbus-tcp';
  host: string;
  port: number;
  unitId: number;
}

export interface DeviceOf<S extends SimulatedSystem> {
  id: string;
  system: S;
  model: ModelOf<S>;
  faults: UnitFaults;
  server: ModbusTcpServer;
  endpoint: SimulatorEndpoint;
}

export type RunningDevice = { [S in SimulatedSystem]: DeviceOf<S> }[SimulatedSystem];

/** The running devices by id; the default ids come back typed (`devices.get('pp-1')!.model.enter(…)`). */
export interface RunningDevices extends Map<string, RunningDevice> {
  get(id: 'sm-1'): DeviceOf<'safety_monitoring'> | undefined;
  get(id: 'pp-1'): DeviceOf<'personnel_positioning'> | undefined;
  get(id: 'comm-1'): DeviceOf<'communication'> | undefined;
  get(id: 'air-1'): DeviceOf<'compressed_air'> | undefined;
  get(id: 'water-1'): DeviceOf<'water_supply'> | undefined;
  get(id: 'out-1'): DeviceOf<'outputs'> | undefined;
  get(id: string): RunningDevice | undefined;
}

/** A running device of a given system, or an error naming what is there instead. */
export function deviceOf<S extends SimulatedSystem>(simulators: { devices: Map<string, RunningDevice> }, id: string, system: S): DeviceOf<S> {
  const device = simulators.devices.get(id);
  if (!device) throw new Error(`no simulated device "${id}"; running: ${[...simulators.devices.keys()].join(', ')}`);
  if (device.system !== system) throw new Error(`simulated device "${id}" is ${device.system}, not ${system}`);
  return device as DeviceOf<S>;
}

export interface RunningSimulators {
  /** Modbus TCP endpoints (what the demo maps onto its config by deviceId). */
  endpoints: SimulatorEndpoint[];
  devices: RunningDevices;
  /** The weather station served on the RTU and ASCII lines (exists even without serial lines, for scenarios). */
  weather: { id: string; model: WeatherStation; faults: UnitFaults; asciiFaults: UnitFaults };
  ledBoard: LedBoard;
  /** Pty endpoints; empty unless `serialLines` was given. */
  serialEndpoints: SerialEndpoint[];
  serial: RunningSerialLines | null;
  clock: Clock;
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
  const mine = options.mine ?? shippedMine();

  const devices = new Map<string, RunningDevice>() as RunningDevices;
  let serial: RunningSerialLines | null = null;
  const stop = async () => {
    await Promise.all([...devices.values()].map((device) => device.server.close()));
    await serial?.stop();
  };
  const weather = { id: WEATHER_DEVICE_ID, model: new WeatherStation({ seed: deviceSeed(seed, WEATHER_DEVICE_ID), clock }), faults: new UnitFaults(), asciiFaults: new UnitFaults() };
  const ledBoard = new LedBoard(clock);
  try {
    for (const [index, spec] of specs.entries()) {
      const model = DEVICE_MODELS[spec.system]({ seed: deviceSeed(seed, spec.id), clock, mine });
      const unitId = spec.unitId ?? 1;
      const server = new ModbusTcpServer();
      const faults = server.addUnit(unitId, model);
      const port = await server.listen(spec.port ?? (basePort === 0 ? 0 : basePort + index), host).catch(async (error: unknown) => {
        await server.close();
        throw error;
      });
      const endpoint: SimulatorEndpoint = { deviceId: spec.id, system: spec.system, transport: 'modbus-tcp', host, port, unitId };
      devices.set(spec.id, { id: spec.id, system: spec.system, model, faults, server, endpoint } as RunningDevice);
    }
    if (options.serialLines) {
      serial = await startSerialLines(options.serialLines.dir, {
        weather: weather.model,
        weatherFaults: weather.faults,
        weatherAsciiFaults: weather.asciiFaults,
        ledBoard,
        seed,
        weatherIntervalMs: options.serialLines.weatherIntervalMs,
      });
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    endpoints: [...devices.values()].map((device) => device.endpoint),
    devices,
    weather,
    ledBoard,
    serialEndpoints: serial?.endpoints ?? [],
    serial,
    clock,
    stop,
  };
}

function checkUniqueIds(specs: readonly SimulatedDeviceSpec[]): void {
  const seen = new Set<string>([WEATHER_DEVICE_ID, LED_BOARD_DEVICE_ID]);
  for (const spec of specs) {
    if (seen.has(spec.id)) throw new Error(`simulated device id "${spec.id}" is used twice`);
    seen.add(spec.id);
  }
}

/** Different devices with the same run seed must not serve identical values: mix in the id. */
export function deviceSeed(seed: number, deviceId: string): number {
  return subSeed(seed, deviceId);
}
