/**
 * The simulated mine and the real agent in one process, for the interlock end-to-end tests: every
 * simulator of `startSimulators` (Modbus TCP devices, the weather station on an RTU pty, the LED
 * board on a text pty), the agent built from config/examples/demo.yaml pointed at them, and a
 * scenario from simulators/scenarios played live. Results are read back from the simulated
 * outputs: the out-1 coils, comm-1's broadcast activations and the LED board's rows.
 *
 * Time: the scenario runs `scale` times faster than real time. The agent's wall clock is the
 * scenario clock (shifts, training dates, entry stamps, overtime are scenario time); its monotonic
 * clock is real (poll timing and staleness are real time, as the scheduler needs). Scenario time
 * stands still until `begin()`, so start-up does not eat the first steps.
 */
import { performance } from 'node:perf_hooks';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfigFile } from '../../config/load.js';
import type { Config, DeviceConfig } from '../../config/schema.js';
import type { Clock } from '../../agent/model/clock.js';
import { Agent } from '../../agent/runtime/agent.js';
import { createLogger } from '../../agent/runtime/logger.js';
import type { InterlockRuntime } from '../../agent/interlocks/interlock-runtime.js';
import { startSimulators, type RunningSimulators } from '../../simulators/run.js';
import { ScenarioRunner } from '../../simulators/scenario-runner.js';
import { loadScenario } from '../../simulators/scenarios/load.js';
import { tempDir, waitFor } from '../helpers/agent-process.js';

export const DEMO_CONFIG = fileURLToPath(new URL('../../config/examples/demo.yaml', import.meta.url));
export const POLL_MS = 100;

/** Scenario time: frozen at its start until begin(), then `scale` × real time. */
export class ScenarioClock implements Clock {
  private realStart: number | null = null;

  constructor(
    readonly startMs: number,
    readonly scale: number,
  ) {}

  begin(): void {
    this.realStart ??= performance.now();
  }

  now(): number {
    return Math.floor(this.startMs + this.monotonic());
  }

  monotonic(): number {
    return this.realStart === null ? 0 : (performance.now() - this.realStart) * this.scale;
  }
}

export interface MineOptions {
  scenario?: string;
  /** Scenario seconds per real second. */
  scale: number;
  start?: string;
  /** Changes to the interlocks config (quotas, suspension, …) before the agent starts. */
  interlocks?: (interlocks: NonNullable<Config['interlocks']>) => void;
  storePath?: string;
}

export interface RunningMine {
  sims: RunningSimulators;
  agent: Agent;
  runtime: InterlockRuntime;
  clock: ScenarioClock;
  runner: ScenarioRunner | null;
  config: Config;
  /** Scenario milliseconds since its start. */
  elapsed(): number;
  /** Starts scenario time and plays the scenario live. */
  begin(): void;
  /** Waits until scenario time reaches `offsetMs` after the start. */
  until(offsetMs: number, timeoutMs?: number): Promise<void>;
  coil(id: 'siren' | 'alarm_lamp' | 'entry_permit' | 'ban_lamp'): boolean;
  broadcastActivations(): number;
  led(): readonly string[];
  activeAlarmKinds(): string[];
  /** Stops the agent (permit to "not permitted", state saved) and starts a new one on the same store. */
  restartAgent(beforeStart?: () => void): Promise<void>;
  stop(): Promise<void>;
}

export async function startMine(options: MineOptions): Promise<RunningMine> {
  const scenario = options.scenario ? loadScenario(options.scenario) : null;
  const clock = new ScenarioClock(Date.parse(scenario?.start ?? options.start ?? '2024-11-18T07:30:00+08:00'), options.scale);
  const dir = tempDir('interlocks');
  const sims = await startSimulators({ basePort: 0, seed: 7, clock, serialLines: { dir: join(dir, 'pty'), weatherIntervalMs: 200 } });
  let agent: Agent | null = null;
  const abort = new AbortController();
  const stop = async () => {
    abort.abort();
    await agent?.stop(2000).catch(() => undefined);
    await sims.stop();
  };
  try {
    const config = testConfig(loadConfigFile(DEMO_CONFIG, {}), sims, options.storePath ?? join(dir, 'store.db'));
    options.interlocks?.(config.interlocks!);
    const makeAgent = () => new Agent(config, { clock: { now: () => clock.now(), monotonic: () => performance.now() }, logger: createLogger('fatal') });
    agent = makeAgent();
    await agent.start();
    const runtime = agent.interlockRuntime!;
    const runner = scenario ? new ScenarioRunner(scenario, sims, { seed: 7 }) : null;
    const out = sims.devices.get('out-1')!.model;
    const comm = sims.devices.get('comm-1')!.model;
    const mine: RunningMine = {
      sims,
      agent,
      runtime,
      clock,
      runner,
      config,
      elapsed: () => clock.now() - clock.startMs,
      begin: () => {
        clock.begin();
        if (runner) void runner.runLive(abort.signal, 10);
      },
      until: (offsetMs, timeoutMs = 60_000) => waitFor(`scenario time ${offsetMs / 60_000} min`, () => clock.now() - clock.startMs >= offsetMs, timeoutMs, 10).then(() => undefined),
      coil: (id) => out.read(id) === true,
      broadcastActivations: () => comm.activations().length,
      led: () => sims.ledBoard.rows,
      activeAlarmKinds: () => mine.runtime.alarms.active().filter((a) => a.conditionActive).map((a) => a.kind),
      restartAgent: async (beforeStart) => {
        await agent?.stop(2000);
        beforeStart?.();
        agent = makeAgent();
        await agent.start();
        mine.agent = agent;
        mine.runtime = agent.interlockRuntime!;
      },
      stop,
    };
    return mine;
  } catch (error) {
    await stop();
    throw error;
  }
}

/**
 * demo.yaml pointed at the running simulators, polled every POLL_MS; the card table every second;
 * a device is stale after 10 silent polls (1 s real), so a slow test machine does not fake faults.
 */
function testConfig(base: Config, sims: RunningSimulators, storePath: string): Config {
  const ptys = new Map(sims.serialEndpoints.map((e) => [e.deviceId, e.path]));
  const portOf: Record<string, string> = { 'wx-rtu': 'wx-1', led: 'led-1' };
  const devices: DeviceConfig[] = base.devices
    .filter((device) => device.id !== 'wx-1-ascii')
    .map((device): DeviceConfig => {
      if (device.transport === 'modbus-tcp') {
        const endpoint = sims.endpoints.find((e) => e.deviceId === device.id)!;
        const positioning = device.positioning ? { ...device.positioning, cardTableIntervalMs: 1000 } : undefined;
        return { ...device, host: endpoint.host, port: endpoint.port, pollIntervalMs: POLL_MS, timeoutMs: 300, retries: 0, ...(positioning ? { positioning } : {}) };
      }
      if (device.transport === 'modbus-rtu') return { ...device, pollIntervalMs: 200, timeoutMs: 150, retries: 1 };
      return device;
    });
  const interlocks = structuredClone(base.interlocks!);
  interlocks.systems.staleAfterPolls = 10;
  interlocks.systems.staleAfterPollsBySystem = { personnel_positioning: 10, weather: 10 };
  return {
    ...base,
    store: { ...base.store, path: storePath },
    mqtt: { ...base.mqtt, url: 'mqtt://127.0.0.1:9', connectTimeoutMs: 500 },
    http: { host: '127.0.0.1', port: 0 },
    serialPorts: base.serialPorts.filter((p) => p.id in portOf).map((p) => ({ ...p, path: ptys.get(portOf[p.id]!)! })),
    devices,
    interlocks,
  };
}

/** Waits for the agent's first real decision over a confirmed (empty) headcount: the permit is on. */
export async function warmedUp(mine: RunningMine): Promise<void> {
  await waitFor(
    'the interlocks to warm up and permit entry to the empty mine',
    () => mine.coil('entry_permit') && mine.led()[0]?.startsWith('井下人数 0/') && !mine.runtime.health().warmingUp,
    15_000,
  ).catch((error: Error) => {
    throw new Error(`${error.message}: ${JSON.stringify({ led: mine.led(), health: mine.runtime.health() })}`);
  });
}
