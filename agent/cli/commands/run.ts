import { parseArgs } from 'node:util';
import { ConfigError, formatIssues, loadConfigFile } from '../../../config/load.js';
import type { Config } from '../../../config/schema.js';
import { systemClock } from '../../model/clock.js';
import { Agent } from '../../runtime/agent.js';
import { createLogger } from '../../runtime/logger.js';
import { armHardExit, waitForStopSignal } from '../../runtime/signals.js';
import { startSystemdSupervision } from '../../runtime/systemd-supervision.js';
import { ExitCode, type CommandIo } from '../exit-codes.js';

export const RUN_USAGE = `Usage: shaftgate run --config FILE [--log-level LEVEL]

Runs the agent: polls the configured devices, keeps the store and forwards to the MQTT broker.
The config is checked first; if it is invalid nothing is opened and the exit code is 3.
SIGTERM or SIGINT stops it cleanly within 5 s (in-flight polls drained, store flushed,
"offline" status published).

Options:
  -c, --config FILE      the YAML config (see config/examples/)
      --log-level LEVEL  override logging.level (fatal, error, warn, info, debug, trace)
  -h, --help             this text

Exit codes: 0 stopped cleanly, 1 internal error, 2 usage, 3 invalid config, 4 start-up failed.
`;

/** The stop budget: systemd's default is 90 s, ours is 5 s end to end; stop() gets most of it. */
const STOP_DEADLINE_MS = 4000;
const HARD_EXIT_MS = 4800;

export function loadConfigOrReport(file: string, io: CommandIo): Config | null {
  try {
    return loadConfigFile(file, io.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      io.stderr(`${formatIssues(error.issues)}\nshaftgate: ${error.issues.length} problem(s) in the config; nothing was started.\n`);
      return null;
    }
    throw error;
  }
}

export interface AgentOptions {
  config?: string;
  logLevel?: string;
}

/**
 * The options `run` and `demo` share. Returns the options, or the exit code when the command is
 * already done (--help printed, or a usage error reported).
 */
export function parseAgentOptions(command: string, args: string[], usage: string, io: CommandIo): AgentOptions | ExitCode {
  try {
    const { values } = parseArgs({
      args,
      options: { config: { type: 'string', short: 'c' }, 'log-level': { type: 'string' }, help: { type: 'boolean', short: 'h' } },
      strict: true,
      allowPositionals: false,
    });
    if (values.help) {
      io.stdout(usage);
      return ExitCode.ok;
    }
    return { config: values.config, logLevel: values['log-level'] };
  } catch (error) {
    io.stderr(`shaftgate ${command}: ${(error as Error).message}\n\n${usage}`);
    return ExitCode.usage;
  }
}

export async function runCommand(args: string[], io: CommandIo): Promise<number> {
  const values = parseAgentOptions('run', args, RUN_USAGE, io);
  if (typeof values === 'number') return values;
  if (!values.config) {
    io.stderr(`shaftgate run: --config FILE is required\n\n${RUN_USAGE}`);
    return ExitCode.usage;
  }
  const config = loadConfigOrReport(values.config, io);
  if (!config) return ExitCode.configInvalid;
  const level = values.logLevel ?? config.logging.level;
  const logger = createLogger(level, { mine: config.gateway.mineId, gateway: config.gateway.gatewayId });
  return runAgentUntilSignal(config, logger, io);
}

/** Starts the agent, waits for SIGTERM/SIGINT, stops it. Shared by `run` and `demo`. */
export async function runAgentUntilSignal(
  config: Config,
  logger: ReturnType<typeof createLogger>,
  io: CommandIo,
  onStarted?: (agent: Agent) => void,
  beforeExit?: () => Promise<void>,
): Promise<number> {
  const agent = new Agent(config, { clock: systemClock, logger });
  const stopSignal = waitForStopSignal((signal) => logger.warn({ signal }, 'second stop signal: exiting immediately'));
  // READY/STATUS/STOPPING and the watchdog for Type=notify; nothing happens outside systemd.
  const systemd = startSystemdSupervision(io.env, logger.child({ component: 'systemd' }));
  try {
    await agent.start();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    logger.fatal({ err: error }, `start-up failed: ${message}`);
    // The log is JSON for the journal; a person at a terminal also gets one plain line.
    io.stderr(`shaftgate: start-up failed: ${message}\n`);
    systemd.failed(message);
    systemd.close();
    await agent.stop(1000).catch(() => undefined);
    await beforeExit?.();
    return ExitCode.startupFailed;
  }
  systemd.ready(agent, config.devices);
  onStarted?.(agent);
  const signal = await stopSignal;
  logger.info({ signal }, 'stop requested');
  systemd.stopping(`stopping (${signal})`);
  armHardExit(HARD_EXIT_MS, ExitCode.internalError, () => logger.error('clean stop did not finish in time; exiting hard'));
  await agent.stop(STOP_DEADLINE_MS);
  systemd.close();
  await beforeExit?.();
  return ExitCode.ok;
}
