/**
 * `shaftgate simulate | head`: when whoever reads stdout goes away, a long-running command stops
 * as on Ctrl-C (exit 0, its simulators closed) instead of crashing with an internal error on EPIPE.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const CLI = fileURLToPath(new URL('../../dist/agent/cli/main.js', import.meta.url));

describe('shaftgate with its stdout closed', () => {
  it('simulate stops cleanly when the reader of its output goes away', async () => {
    // A fast scenario keeps printing its timeline, so writes go on after the pipe is closed.
    const child = spawn(process.execPath, [CLI, 'simulate', '--base-port', '0', '--no-serial', '--scenario', 'shift-change', '--time-scale', '600'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? String(signal))));
    const firstLines = await new Promise<string>((resolve) => child.stdout.once('data', (chunk: Buffer) => resolve(chunk.toString())));
    expect(firstLines).toMatch(/modbus-tcp:\/\//);
    child.stdout.destroy(); // like `head` exiting: the next write gets EPIPE

    const timeout = setTimeout(() => child.kill('SIGKILL'), 10_000);
    const code = await exited;
    clearTimeout(timeout);
    expect(stderr).not.toMatch(/internal error|EPIPE/);
    expect(code).toBe(0);
    expect(stderr).toMatch(/stopping/);
  });
});
