import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { checkConfigCommand } from '../../agent/cli/commands/check-config.js';
import { ExitCode, type CommandIo } from '../../agent/cli/exit-codes.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/config/', import.meta.url));
const MINIMAL = fileURLToPath(new URL('../../config/examples/minimal.yaml', import.meta.url));

async function check(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io: CommandIo = { stdout: (text) => (stdout += text), stderr: (text) => (stderr += text), env: {} };
  const code = await checkConfigCommand(args, io);
  return { code, stdout, stderr };
}

describe('shaftgate check-config', () => {
  it('prints FILE: OK with the device and point counts for a valid file', async () => {
    expect(await check([MINIMAL])).toEqual({ code: ExitCode.ok, stdout: `${MINIMAL}: OK (1 device, 3 points)\n`, stderr: '' });
  });

  it('prints every issue of an invalid file to stderr and exits 3', async () => {
    const file = join(FIXTURES, 'several-errors.yaml');
    const result = await check([file]);
    expect(result.code).toBe(ExitCode.configInvalid);
    expect(result.stdout).toBe('');
    const lines = result.stderr.trimEnd().split('\n');
    expect(lines.slice(0, 5).every((line) => line.startsWith(`${file}:`))).toBe(true);
    expect(lines[1]).toBe(`${file}:9:25: store.historyRetentionDays: must be at least 1, got 0`);
    expect(lines[5]).toBe(`${file}: INVALID (5 problems)`);
  });

  it('checks every file, and exits 3 when any is invalid', async () => {
    const missing = join(FIXTURES, 'does-not-exist.yaml');
    const result = await check([missing, MINIMAL]);
    expect(result.code).toBe(ExitCode.configInvalid);
    expect(result.stdout).toBe(`${MINIMAL}: OK (1 device, 3 points)\n`);
    expect(result.stderr).toContain(`${missing}:1:1: (root): cannot read the config: there is no file`);
  });

  it('exits 2 with the usage when no file is given', async () => {
    const result = await check([]);
    expect(result.code).toBe(ExitCode.usage);
    expect(result.stderr).toMatch(/^shaftgate check-config: no config file given\n\nUsage: shaftgate check-config FILE/);
  });

  it('exits 2 on an unknown option', async () => {
    const result = await check(['--strict', MINIMAL]);
    expect(result.code).toBe(ExitCode.usage);
    expect(result.stderr).toContain('unknown option "--strict"');
    expect(result.stdout).toBe('');
  });

  it('--help prints what it does and the exit codes', async () => {
    const result = await check(['--help']);
    expect(result.code).toBe(ExitCode.ok);
    expect(result.stdout).toContain('Usage: shaftgate check-config FILE [FILE...]');
    expect(result.stdout).toMatch(/0 {2}every file is valid\n {2}2 {2}usage error.*\n {2}3 {2}at least one file/);
  });

  it('after --, an argument starting with "-" is a file', async () => {
    const result = await check(['--', '-not-an-option.yaml']);
    expect(result.code).toBe(ExitCode.configInvalid);
    expect(result.stderr).toContain('-not-an-option.yaml:1:1: (root): cannot read the config');
  });
});
