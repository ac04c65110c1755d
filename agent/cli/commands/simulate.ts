import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { systemClock, type Clock } from '../../../agent/model/clock.js';
import { PortInUseError } from '../../../simulators/modbus/tcp-server.js';
import { DEFAULT_BASE_PORT, DEFAULT_HOST, DEFAULT_SEED, startSimulators, type SerialEndpoint, type SimulatorEndpoint } from '../../../simulators/run.js';
import { ScaledClock } from '../../../simulators/scaled-clock.js';
import { ScenarioRunner, formatOffset } from '../../../simulators/scenario-runner.js';
import { listScenarios, loadScenario } from '../../../simulators/scenarios/load.js';
import type { Scenario } from '../../../simulators/scenarios/schema.js';
import { ExitCode, type CommandIo } from '../exit-codes.js';

export const SIMULATE_USAGE = `Usage: shaftgate simulate [--scenario NAME] [--seed N] [--time-scale X] [--host H] [--base-port P] [--serial-dir DIR | --no-serial]

Runs the simulated mine until SIGINT or SIGTERM: over Modbus TCP the safety-monitoring (sm-1),
personnel-positioning (pp-1), communication (comm-1), compressed-air (air-1), water-supply
(water-1) and shaft-head output (out-1) devices, one port each counting up from --base-port; and on
pty pairs made with socat the weather station (Modbus RTU slave 1 and an ASCII line) and the LED
headcount board. Register maps and protocols: simulators/README.md. config/examples/demo.yaml
polls the TCP devices at their default ports.

Options:
      --scenario NAME    play a scenario from simulators/scenarios (${listScenariosSafe()})
      --seed N           integer seed: same seed, same values and same scenario timeline (default ${DEFAULT_SEED})
      --time-scale X     simulated seconds per real second (default: the scenario's own, else 1)
      --host H           address to listen on (default ${DEFAULT_HOST})
  -p, --base-port P      first TCP port (default ${DEFAULT_BASE_PORT}); 0 gives every device a free port
      --port P           the same as --base-port
      --serial-dir DIR   where the pty symlinks go (default ${defaultSerialDir()})
      --no-serial        no serial-line devices (no socat needed)
  -h, --help             this text

Exit codes: 0 stopped cleanly, 1 internal error, 2 usage, 4 start-up failed (port taken, socat missing).
`;

interface SimulateOptions {
  host: string;
  basePort: number;
  seed: number;
  timeScale: number | null;
  scenario: Scenario | null;
  serialDir: string | null;
}

function listScenariosSafe(): string {
  try {
    return listScenarios().join(', ');
  } catch {
    return 'none found';
  }
}

function defaultSerialDir(): string {
  return join(tmpdir(), 'shaftgate-sim');
}

/**
 * `stop` exists for tests; from the command line the process signals end the run.
 */
export async function simulateCommand(args: string[], io: CommandIo, stop?: AbortSignal): Promise<number> {
  const parsed = parseSimulateArgs(args);
  if ('help' in parsed) {
    io.stdout(SIMULATE_USAGE);
    return ExitCode.ok;
  }
  if ('error' in parsed) {
    io.stderr(`shaftgate simulate: ${parsed.error}\n\n${SIMULATE_USAGE}`);
    return ExitCode.usage;
  }
  const clock = pickClock(parsed);
  let simulators;
  try {
    simulators = await startSimulators({
      host: parsed.host,
      basePort: parsed.basePort,
      seed: parsed.seed,
      clock,
      serialLines: parsed.serialDir === null ? undefined : { dir: parsed.serialDir },
    });
  } catch (error) {
    if (!(error instanceof PortInUseError) && !/socat|cannot open/.test((error as Error).message)) throw error;
    io.stderr(`shaftgate simulate: ${(error as Error).message}${error instanceof PortInUseError ? ' (e.g. --base-port 0)' : ' (or --no-serial)'}\n`);
    return ExitCode.startupFailed;
  }
  io.stdout(simulators.endpoints.map(describeEndpoint).join('') + simulators.serialEndpoints.map(describeSerialEndpoint).join(''));

  const stopScenario = new AbortController();
  let scenarioDone: Promise<unknown> = Promise.resolve();
  if (parsed.scenario) {
    const runner = new ScenarioRunner(parsed.scenario, simulators, { seed: parsed.seed });
    io.stdout(`scenario ${parsed.scenario.name}: ${parsed.scenario.title.zh} / ${parsed.scenario.title.en} (seed ${parsed.seed}, ×${clock instanceof ScaledClock ? clock.scale : 1})\n`);
    let printed = 0;
    const printer = setInterval(() => {
      for (; printed < runner.timeline.length; printed++) {
        const entry = runner.timeline[printed]!;
        io.stdout(`  ${formatOffset(entry.t)}  ${entry.device}  ${entry.change}\n`);
      }
    }, 100);
    scenarioDone = runner.runLive(stopScenario.signal).then((how) => {
      clearInterval(printer);
      for (; printed < runner.timeline.length; printed++) {
        const entry = runner.timeline[printed]!;
        io.stdout(`  ${formatOffset(entry.t)}  ${entry.device}  ${entry.change}\n`);
      }
      if (how === 'finished') io.stdout(`scenario ${parsed.scenario!.name} finished; expected of the agent: ${parsed.scenario!.expect.en}\n`);
    });
  }
  const signal = await stopRequested(stop);
  io.stderr(`shaftgate simulate: ${signal}: stopping\n`);
  stopScenario.abort();
  await scenarioDone;
  await simulators.stop();
  return ExitCode.ok;
}

/** A scenario runs on its own start time; without one the devices run in real time unless scaled. */
function pickClock(options: SimulateOptions): Clock {
  const scale = options.timeScale ?? options.scenario?.timeScale ?? 1;
  if (options.scenario) return new ScaledClock(Date.parse(options.scenario.start), scale);
  return scale === 1 ? systemClock : new ScaledClock(Date.now(), scale);
}

export function describeEndpoint(endpoint: SimulatorEndpoint): string {
  return `${endpoint.deviceId}  ${endpoint.system}  modbus-tcp://${endpoint.host}:${endpoint.port} unit ${endpoint.unitId}\n`;
}

export function describeSerialEndpoint(endpoint: SerialEndpoint): string {
  const what = endpoint.transport === 'modbus-rtu' ? `modbus-rtu ${endpoint.baudRate} 8N1 unit ${endpoint.unitId}` : `${endpoint.protocol} ${endpoint.baudRate} 8N1`;
  return `${endpoint.deviceId}  ${endpoint.system}  ${endpoint.path} (${endpoint.pts})  ${what}\n`;
}

function parseSimulateArgs(args: string[]): SimulateOptions | { help: true } | { error: string } {
  let values: {
    host?: string;
    port?: string;
    'base-port'?: string;
    seed?: string;
    scenario?: string;
    'time-scale'?: string;
    'serial-dir'?: string;
    'no-serial'?: boolean;
    help?: boolean;
  };
  try {
    ({ values } = parseArgs({
      args,
      options: {
        host: { type: 'string' },
        port: { type: 'string' },
        'base-port': { type: 'string', short: 'p' },
        seed: { type: 'string' },
        scenario: { type: 'string' },
        'time-scale': { type: 'string' },
        'serial-dir': { type: 'string' },
        'no-serial': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    return { error: (error as Error).message };
  }
  if (values.help) return { help: true };
  const portText = values['base-port'] ?? values.port;
  const basePort = portText === undefined ? DEFAULT_BASE_PORT : parseInteger(portText);
  if (basePort === null || basePort < 0 || basePort > 65535) return { error: `--base-port must be an integer from 0 to 65535, got "${portText}"` };
  const seed = values.seed === undefined ? DEFAULT_SEED : parseInteger(values.seed);
  if (seed === null || Math.abs(seed) > 0x7fffffff) return { error: `--seed must be an integer (32-bit), got "${values.seed}"` };
  if (values.host === '') return { error: '--host must not be empty' };
  let timeScale: number | null = null;
  if (values['time-scale'] !== undefined) {
    timeScale = Number(values['time-scale']);
    if (!(timeScale > 0 && timeScale <= 100_000)) return { error: `--time-scale must be a number above 0 and at most 100000, got "${values['time-scale']}"` };
  }
  if (values['no-serial'] && values['serial-dir'] !== undefined) return { error: '--serial-dir and --no-serial exclude each other' };
  let scenario: Scenario | null = null;
  if (values.scenario !== undefined) {
    try {
      scenario = loadScenario(values.scenario);
    } catch (error) {
      return { error: (error as Error).message };
    }
  }
  return {
    host: values.host ?? DEFAULT_HOST,
    basePort,
    seed,
    timeScale,
    scenario,
    serialDir: values['no-serial'] ? null : (values['serial-dir'] ?? defaultSerialDir()),
  };
}

function parseInteger(text: string): number | null {
  return /^-?\d+$/.test(text) ? Number(text) : null;
}

/** Resolves with the name of what ended the run; removes its listeners so nothing leaks. */
function stopRequested(stop?: AbortSignal): Promise<string> {
  return new Promise((resolve) => {
    const finish = (reason: string) => {
      process.off('SIGINT', onSigint);
      process.off('SIGTERM', onSigterm);
      stop?.removeEventListener('abort', onAbort);
      resolve(reason);
    };
    const onSigint = () => finish('SIGINT');
    const onSigterm = () => finish('SIGTERM');
    const onAbort = () => finish('stop requested');
    process.once('SIGINT', onSigint);
    process.once('SIGTERM', onSigterm);
    if (stop?.aborted) finish('stop requested');
    else stop?.addEventListener('abort', onAbort, { once: true });
  });
}
