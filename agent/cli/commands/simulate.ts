import { parseArgs } from 'node:util';
import { PortInUseError } from '../../../simulators/modbus/tcp-server.js';
import { DEFAULT_BASE_PORT, DEFAULT_HOST, DEFAULT_SEED, startSimulators, type SimulatorEndpoint } from '../../../simulators/run.js';
import { ExitCode, type CommandIo } from '../exit-codes.js';

export const SIMULATE_USAGE = `Usage: shaftgate simulate [--host H] [--port P] [--seed N]

Runs the field-device simulators (for now one KJ safety-monitoring substation, sm-1) until SIGINT
or SIGTERM. Each device gets its own port, counting up from --port. The register map is in
simulators/README.md; config/examples/demo.yaml polls these devices at their default ports.

Options:
      --host H   address to listen on (default ${DEFAULT_HOST})
  -p, --port P   first port (default ${DEFAULT_BASE_PORT}); 0 gives every device a free port
      --seed N   integer seed: the same seed serves the same values at the same time (default ${DEFAULT_SEED})
  -h, --help     this text

Exit codes: 0 stopped cleanly, 1 internal error, 2 usage, 4 start-up failed (e.g. port taken).
`;

interface SimulateOptions {
  host: string;
  basePort: number;
  seed: number;
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
  let simulators;
  try {
    simulators = await startSimulators(parsed);
  } catch (error) {
    if (!(error instanceof PortInUseError)) throw error;
    io.stderr(`shaftgate simulate: ${error.message} (e.g. --port 0)\n`);
    return ExitCode.startupFailed;
  }
  io.stdout(simulators.endpoints.map(describeEndpoint).join(''));
  const signal = await stopRequested(stop);
  io.stderr(`shaftgate simulate: ${signal}: stopping\n`);
  await simulators.stop();
  return ExitCode.ok;
}

export function describeEndpoint(endpoint: SimulatorEndpoint): string {
  return `${endpoint.deviceId}  ${endpoint.system}  modbus-tcp://${endpoint.host}:${endpoint.port} unit ${endpoint.unitId}\n`;
}

function parseSimulateArgs(args: string[]): SimulateOptions | { help: true } | { error: string } {
  let values: { host?: string; port?: string; seed?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args,
      options: { host: { type: 'string' }, port: { type: 'string', short: 'p' }, seed: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    return { error: (error as Error).message };
  }
  if (values.help) return { help: true };
  const basePort = values.port === undefined ? DEFAULT_BASE_PORT : parseInteger(values.port);
  if (basePort === null || basePort < 0 || basePort > 65535) return { error: `--port must be an integer from 0 to 65535, got "${values.port}"` };
  const seed = values.seed === undefined ? DEFAULT_SEED : parseInteger(values.seed);
  if (seed === null || Math.abs(seed) > 0x7fffffff) return { error: `--seed must be an integer (32-bit), got "${values.seed}"` };
  if (values.host === '') return { error: '--host must not be empty' };
  return { host: values.host ?? DEFAULT_HOST, basePort, seed };
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
