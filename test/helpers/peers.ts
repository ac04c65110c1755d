/**
 * Runs the independent peers (Debian's mbpoll and python3 with pymodbus) with a timeout and
 * captures their output. A missing tool is an error that says which package to install: tests
 * against peers must fail loudly, never skip.
 */
import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';

export const MBPOLL = '/usr/bin/mbpoll';
export const PYTHON = '/usr/bin/python3';

export interface ToolResult {
  exitCode: number | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

/** Output beyond this is cut: a runaway peer must not eat the test runner's memory. */
const MAX_OUTPUT_BYTES = 1_000_000;

export function requireTool(path: string, debianPackage: string): void {
  try {
    accessSync(path, constants.X_OK);
  } catch {
    throw new Error(`${path} is missing or not executable: install Debian package ${debianPackage} (apt-get install ${debianPackage})`);
  }
}

export function runTool(path: string, args: readonly string[], timeoutMs: number, debianPackage: string): Promise<ToolResult> {
  requireTool(path, debianPackage);
  return new Promise((resolve, reject) => {
    const child = spawn(path, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    let captured = 0;
    const collect = (into: Buffer[]) => (chunk: Buffer) => {
      if (captured >= MAX_OUTPUT_BYTES) return;
      captured += chunk.length;
      into.push(chunk);
    };
    child.stdout.on('data', collect(stdout));
    child.stderr.on('data', collect(stderr));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(new Error(`could not run ${path}: ${error.message} (Debian package ${debianPackage})`));
    });
    child.on('close', (exitCode) => {
      clearTimeout(timer);
      resolve({ exitCode, stdout: Buffer.concat(stdout).toString('utf8'), stderr: Buffer.concat(stderr).toString('utf8'), timedOut });
    });
  });
}

export function runMbpoll(args: readonly string[], timeoutMs = 10_000): Promise<ToolResult> {
  return runTool(MBPOLL, args, timeoutMs, 'mbpoll');
}

/**
 * mbpoll prints one "[reference]: value" line per value; returns them by reference.
 * Throws with mbpoll's own words when it failed, so a test failure shows why.
 */
export function parseMbpollValues(result: ToolResult): Map<number, string> {
  if (result.exitCode !== 0 || result.timedOut) {
    throw new Error(`mbpoll failed (exit ${result.exitCode}${result.timedOut ? ', timed out' : ''}): ${result.stderr.trim() || result.stdout.trim()}`);
  }
  const values = new Map<number, string>();
  for (const match of result.stdout.matchAll(/^\[(\d+)\]:\s+(\S+)\s*$/gm)) values.set(Number(match[1]), match[2]!);
  return values;
}

/**
 * Runs a Python script (passed with -c) and parses the JSON its last stdout line holds.
 * A missing pymodbus is reported as the Debian package to install.
 */
export async function runPythonJson<T>(script: string, args: readonly string[], timeoutMs = 15_000): Promise<T> {
  const result = await runTool(PYTHON, ['-c', script, ...args], timeoutMs, 'python3');
  if (/No module named '?pymodbus/.test(result.stderr)) {
    throw new Error('python3 cannot import pymodbus: install Debian package python3-pymodbus');
  }
  if (result.exitCode !== 0 || result.timedOut) {
    throw new Error(`python3 script failed (exit ${result.exitCode}${result.timedOut ? ', timed out' : ''}):\n${result.stderr}${result.stdout}`);
  }
  const lastLine = result.stdout.trim().split('\n').at(-1) ?? '';
  try {
    return JSON.parse(lastLine) as T;
  } catch {
    throw new Error(`python3 script did not end with a JSON line:\n${result.stdout}\n${result.stderr}`);
  }
}
