/**
 * `shaftgate check-config FILE [FILE...]`: validates config files the way `run` would load them,
 * and starts nothing — no device, socket or database is opened, so it is safe to run on a live
 * gateway before a restart, or in CI over every shipped example.
 */
import { ConfigError, formatIssues, loadConfigFile } from '../../../config/load.js';
import type { Config } from '../../../config/schema.js';
import { ExitCode, type CommandIo } from '../exit-codes.js';

export const CHECK_CONFIG_USAGE = `Usage: shaftgate check-config FILE [FILE...]

Checks shaftgate config files without starting anything: YAML syntax, every key and value
against the schema, and \${env:NAME} references against the current environment. No device,
socket or database is opened.

For a valid file it prints "FILE: OK (N devices, M points)" to stdout. For an invalid one it
prints every problem to stderr, one per line, as "FILE:LINE:COLUMN: PATH: MESSAGE".

Options:
  -h, --help   show this help
  --           treat the arguments after it as files, even if they start with "-"

Exit codes:
  0  every file is valid
  2  usage error (no file given, unknown option)
  3  at least one file is missing, unreadable or invalid
`;

type ParsedArgs = { kind: 'help' } | { kind: 'files'; files: string[] } | { kind: 'usage-error'; message: string };

function parseArgs(args: readonly string[]): ParsedArgs {
  const files: string[] = [];
  let optionsEnded = false;
  for (const arg of args) {
    if (optionsEnded || !arg.startsWith('-')) files.push(arg);
    else if (arg === '--') optionsEnded = true;
    else if (arg === '--help' || arg === '-h') return { kind: 'help' };
    else return { kind: 'usage-error', message: `unknown option "${arg}"` };
  }
  return files.length === 0 ? { kind: 'usage-error', message: 'no config file given' } : { kind: 'files', files };
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

function summary(config: Config): string {
  const points = config.devices.reduce((sum, device) => sum + device.points.length, 0);
  return `${count(config.devices.length, 'device')}, ${count(points, 'point')}`;
}

/** Checks one file and reports it; true when it is valid. */
function checkFile(file: string, io: CommandIo): boolean {
  try {
    const config = loadConfigFile(file, io.env);
    io.stdout(`${file}: OK (${summary(config)})\n`);
    return true;
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    io.stderr(`${formatIssues(error.issues)}\n${file}: INVALID (${count(error.issues.length, 'problem')})\n`);
    return false;
  }
}

function run(args: readonly string[], io: CommandIo): number {
  const parsed = parseArgs(args);
  if (parsed.kind === 'help') {
    io.stdout(CHECK_CONFIG_USAGE);
    return ExitCode.ok;
  }
  if (parsed.kind === 'usage-error') {
    io.stderr(`shaftgate check-config: ${parsed.message}\n\n${CHECK_CONFIG_USAGE}`);
    return ExitCode.usage;
  }
  // Every file is checked, even after an invalid one, so one run shows all that needs fixing.
  let allValid = true;
  for (const file of parsed.files) allValid = checkFile(file, io) && allValid;
  return allValid ? ExitCode.ok : ExitCode.configInvalid;
}

/**
 * The work is synchronous; the Promise is the signature all commands share. Built with the Promise
 * constructor so an unexpected throw becomes a rejection, which main reports as an internal error.
 */
export function checkConfigCommand(args: string[], io: CommandIo): Promise<number> {
  return new Promise((resolve) => resolve(run(args, io)));
}
