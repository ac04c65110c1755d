#!/usr/bin/env node
/**
 * The one command, `shaftgate`. Each subcommand lives in its own file and returns an exit code;
 * this file only dispatches and turns crashes into a logged exit 1 (systemd restarts the agent).
 */
import { packageVersion } from '../runtime/package-info.js';
import { ExitCode, type CommandIo } from './exit-codes.js';

type Command = (args: string[], io: CommandIo) => Promise<number>;

/**
 * Each command is loaded only when it runs: the agent on a gateway (`run`) never loads the demo's
 * broker, the simulators or the probe, which keeps its memory down.
 */
const COMMANDS: Record<string, { load: () => Promise<Command>; summary: string }> = {
  run: { load: async () => (await import('./commands/run.js')).runCommand, summary: 'run the agent with a config file' },
  'check-config': {
    load: async () => (await import('./commands/check-config.js')).checkConfigCommand,
    summary: 'validate config files; exit 3 if any is invalid',
  },
  demo: { load: async () => (await import('./commands/demo.js')).demoCommand, summary: 'simulators + embedded broker + agent on this machine' },
  simulate: { load: async () => (await import('./commands/simulate.js')).simulateCommand, summary: 'run the field-device simulators' },
  probe: {
    load: async () => (await import('./commands/probe.js')).probeCommand,
    summary: 'read a range from a Modbus device: raw registers, decoded in all byte orders',
  },
};

export const MAIN_USAGE = `Usage: shaftgate <command> [options]

Commands:
${Object.entries(COMMANDS)
  .map(([name, c]) => `  ${name.padEnd(14)}${c.summary}`)
  .join('\n')}

Run "shaftgate <command> --help" for a command's options.

Exit codes: 0 ok, 1 internal error, 2 usage, 3 invalid config, 4 start-up failed.
`;

export async function main(argv: string[], io: CommandIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    (name === undefined ? io.stderr : io.stdout)(MAIN_USAGE);
    return name === undefined ? ExitCode.usage : ExitCode.ok;
  }
  if (name === '--version' || name === '-V') {
    io.stdout(`shaftgate ${packageVersion()}\n`);
    return ExitCode.ok;
  }
  const command = COMMANDS[name];
  if (!command) {
    io.stderr(`shaftgate: unknown command "${name}"\n\n${MAIN_USAGE}`);
    return ExitCode.usage;
  }
  return (await command.load())(rest, io);
}

/** Set once stdout's reader went away (EPIPE); later output is dropped. */
let stdoutClosed = false;
const io: CommandIo = {
  stdout: (text) => {
    if (!stdoutClosed) process.stdout.write(text);
  },
  stderr: (text) => process.stderr.write(text),
  env: process.env,
};

// `shaftgate simulate | head`: when the reader of stdout is gone, a long-running command stops as
// on Ctrl-C instead of crashing on EPIPE. The agent itself (`run`) keeps running: losing whoever
// reads its stdout must never stop the interlocks.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE') throw error;
  if (stdoutClosed) return;
  stdoutClosed = true;
  if (process.argv[2] !== 'run') process.kill(process.pid, 'SIGTERM');
});

process.on('uncaughtException', (error) => {
  process.stderr.write(`shaftgate: internal error: ${error.stack ?? String(error)}\n`);
  process.exit(ExitCode.internalError);
});
process.on('unhandledRejection', (reason) => {
  process.stderr.write(`shaftgate: internal error (unhandled rejection): ${reason instanceof Error ? (reason.stack ?? reason.message) : String(reason)}\n`);
  process.exit(ExitCode.internalError);
});

main(process.argv.slice(2), io).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`shaftgate: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(ExitCode.internalError);
  },
);
