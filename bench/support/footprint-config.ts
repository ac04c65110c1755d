/**
 * The agent config of the footprint benchmark, as JSON text (JSON is YAML): the ref-1k devices,
 * the RTU bus, and the shaft-head devices and interlocks taken from config/examples/demo.yaml
 * (so their register maps stay the ones a test holds against the simulators), with host, ports
 * and serial paths pointed at what this benchmark started.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { packageRoot } from '../../agent/runtime/package-info.js';
import { BENCH_QUOTAS } from './underground.js';

export const BENCH_GATEWAY = { mineId: 'mine-bench', gatewayId: 'gw-footprint' };
/** The ref-1k devices by index: six gas/ventilation substations, two compressed-air and two water-supply stations. */
export const REF_SYSTEMS = ['safety_monitoring', 'safety_monitoring', 'safety_monitoring', 'safety_monitoring', 'safety_monitoring', 'safety_monitoring', 'compressed_air', 'compressed_air', 'water_supply', 'water_supply'];
/** Analog thresholds per ref device (10 devices → 200 thresholds). */
export const THRESHOLDS_PER_DEVICE = 20;
export const RTU_UNITS = [1, 2, 3, 4];

export interface FootprintConfigOptions {
  pollIntervalMs: number;
  refPorts: readonly number[];
  refPoints: number;
  /** Modbus TCP ports of the simulated pp-1, out-1, comm-1. */
  simulatorPorts: { 'pp-1': number; 'out-1': number; 'comm-1': number };
  rtuPath: string;
  ledPath: string;
  brokerUrl: string;
  storePath: string;
  httpPort: number;
  rosterPath: string;
  interlocks: boolean;
}

type DeviceYaml = Record<string, unknown> & { id: string };

function demoDevices(): Map<string, DeviceYaml> {
  const demo = parse(readFileSync(join(packageRoot(), 'config/examples/demo.yaml'), 'utf8')) as { devices: DeviceYaml[] };
  return new Map(demo.devices.map((device) => [device.id, device]));
}

export function footprintConfig(options: FootprintConfigOptions): Record<string, unknown> {
  const demo = demoDevices();
  const fromDemo = (id: string, overrides: Record<string, unknown>): DeviceYaml => {
    const device = demo.get(id);
    if (!device) throw new Error(`config/examples/demo.yaml has no device "${id}"`);
    return { ...device, ...overrides };
  };
  const interval = options.pollIntervalMs;
  const refDevices = options.refPorts.map((port, index) => ({
    id: `ref-${index + 1}`,
    system: REF_SYSTEMS[index % REF_SYSTEMS.length],
    transport: 'modbus-tcp',
    host: '127.0.0.1',
    port,
    pollIntervalMs: interval,
    timeoutMs: Math.max(200, Math.min(1000, interval * 2)),
    retries: 0,
    points: Array.from({ length: options.refPoints }, (_, i) => ({ id: `v${i}`, table: 'holding', address: i * 2, type: 'float32' })),
  }));
  // Four weather stations (the simulator's map: one 11-register read each) on one RS-485 line.
  const wx1 = fromDemo('wx-1', {});
  const rtuDevices = RTU_UNITS.map((unit) => ({
    ...wx1,
    id: `wx-${unit}`,
    name: `井口气象站 ${unit}`,
    serialPort: 'rs485',
    unitId: unit,
    pollIntervalMs: interval,
    timeoutMs: 200,
    retries: 1,
  }));
  const config: Record<string, unknown> = {
    version: 1,
    gateway: { ...BENCH_GATEWAY, name: 'footprint bench' },
    logging: { level: 'warn' },
    serialPorts: [
      { id: 'rs485', path: options.rtuPath, baudRate: 19200, parity: 'none' },
      { id: 'led', path: options.ledPath, baudRate: 19200 },
    ],
    store: { path: options.storePath },
    mqtt: { url: options.brokerUrl, reconnectMinMs: 100, reconnectMaxMs: 1000 },
    http: { host: '127.0.0.1', port: options.httpPort },
    devices: [
      ...refDevices,
      fromDemo('pp-1', { port: options.simulatorPorts['pp-1'] }),
      fromDemo('out-1', { port: options.simulatorPorts['out-1'] }),
      fromDemo('comm-1', { port: options.simulatorPorts['comm-1'] }),
      ...rtuDevices,
      fromDemo('led-1', { serialPort: 'led' }),
    ],
  };
  if (options.interlocks) config.interlocks = interlocksSection(options);
  return config;
}

function interlocksSection(options: FootprintConfigOptions): Record<string, unknown> {
  const analog = options.refPorts.flatMap((_, d) =>
    Array.from({ length: THRESHOLDS_PER_DEVICE }, (_, k) => {
      const i = Math.floor((k * options.refPoints) / THRESHOLDS_PER_DEVICE);
      // The values of this point stay within [base, base + 256): the threshold is watched, never reached.
      const alarmAt = (d + 1) * 1000 + i + 300;
      return {
        device: `ref-${d + 1}`,
        point: `v${i}`,
        preset: 'custom',
        compare: 'ge',
        alarmAt,
        restoreAt: alarmAt - 10,
        onDelayMs: 2000,
        severity: 'high',
        label: { zh: `ref-${d + 1} 测点 v${i} 超限`, en: `ref-${d + 1} point v${i} high` },
      };
    }),
  );
  return {
    people: {
      layoutFile: join(packageRoot(), 'simulators/data/layout.yaml'),
      rosterFile: options.rosterPath,
      utcOffsetMinutes: 480,
    },
    quotas: BENCH_QUOTAS,
    weather: { rain24h: { device: 'wx-1', point: 'rain_24h', banAtMm: 50 } },
    systems: { staleAfterPollsBySystem: { personnel_positioning: 3 } },
    analog,
    outputs: {
      siren: { device: 'out-1', point: 'siren' },
      alarmLamp: { device: 'out-1', point: 'alarm_lamp' },
      banLamp: { device: 'out-1', point: 'ban_lamp' },
      permit: { device: 'out-1', point: 'entry_permit' },
      broadcast: { device: 'comm-1', point: 'emergency_broadcast' },
      ledBoard: { device: 'led-1' },
      reassertMs: 10_000,
    },
  };
}
