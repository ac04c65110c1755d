import { mkdtempSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { simulateCommand } from '../../agent/cli/commands/simulate.js';
import { ExitCode, type CommandIo } from '../../agent/cli/exit-codes.js';
import { ModbusTcpServer } from '../../simulators/modbus/tcp-server.js';

function captureIo(): CommandIo & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, stdout: (text) => out.push(text), stderr: (text) => err.push(text), env: {} };
}

async function until(condition: () => boolean, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

const canConnect = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = net.connect({ port, host: '127.0.0.1' }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });

describe('shaftgate simulate', () => {
  it('--help prints the usage and exits 0', async () => {
    const io = captureIo();
    expect(await simulateCommand(['--help'], io)).toBe(ExitCode.ok);
    expect(io.out.join('')).toMatch(/^Usage: shaftgate simulate \[--scenario NAME\] \[--seed N\] \[--time-scale X\] \[--host H\] \[--base-port P\]/);
    expect(io.out.join('')).toContain('storm');
  });

  const usageErrors: Array<[string[], RegExp]> = [
    [['--port', 'abc'], /--base-port must be an integer from 0 to 65535, got "abc"/],
    [['--base-port', '70000'], /--base-port must be an integer/],
    [['--time-scale', '0'], /--time-scale must be a number above 0/],
    [['--scenario', 'flood'], /no scenario "flood"; scenarios are: device-offline/],
    [['--no-serial', '--serial-dir', '/tmp/x'], /exclude each other/],
    [['--seed', '1.5'], /--seed must be an integer/],
    [['--host', ''], /--host must not be empty/],
    [['--verbose'], /Unknown option '--verbose'/],
    [['extra'], /Unexpected argument 'extra'/],
  ];
  for (const [args, message] of usageErrors) {
    it(`${args.join(' ')} is a usage error`, async () => {
      const io = captureIo();
      expect(await simulateCommand(args, io)).toBe(ExitCode.usage);
      expect(io.err.join('')).toMatch(message);
      expect(io.err.join('')).toContain('Usage: shaftgate simulate');
    });
  }

  it('prints each endpoint, serves until stopped, then closes everything and exits 0', async () => {
    const signalListeners = () => process.listenerCount('SIGINT') + process.listenerCount('SIGTERM');
    const listenersBefore = signalListeners();
    const io = captureIo();
    const stop = new AbortController();
    const finished = simulateCommand(['--base-port', '0', '--seed', '42', '--no-serial'], io, stop.signal);
    await until(() => io.out.length > 0);
    const line = io.out.join('');
    expect(line.split('\n').map((l) => l.split('  ').slice(0, 2).join(' '))).toEqual([
      'sm-1 safety_monitoring', 'pp-1 personnel_positioning', 'comm-1 communication', 'air-1 compressed_air', 'water-1 water_supply', 'out-1 outputs', '',
    ]);
    expect(line).toMatch(/^sm-1 {2}safety_monitoring {2}modbus-tcp:\/\/127\.0\.0\.1:\d+ unit 1\n/);
    const port = Number(/:(\d+) unit/.exec(line)![1]);
    expect(await canConnect(port)).toBe(true);
    stop.abort();
    expect(await finished).toBe(ExitCode.ok);
    expect(await canConnect(port)).toBe(false);
    expect(signalListeners()).toBe(listenersBefore);
  });

  it('opens the serial lines on ptys and plays a scenario, printing its timeline', async () => {
    const io = captureIo();
    const stop = new AbortController();
    const dir = mkdtempSync(join(tmpdir(), 'sg-cli-'));
    const finished = simulateCommand(['--base-port', '0', '--serial-dir', dir, '--scenario', 'over-quota', '--time-scale', '20000'], io, stop.signal);
    await until(() => io.out.join('').includes('finished'), 10_000);
    stop.abort();
    expect(await finished).toBe(ExitCode.ok);
    const out = io.out.join('');
    expect(out).toContain(`wx-1  weather  ${dir}/wx-1-rtu (/dev/pts/`);
    expect(out).toMatch(/led-1 {2}outputs {2}.*led-board 19200 8N1/);
    expect(out).toMatch(/scenario over-quota: 超定员 \/ Over quota \(seed 1, ×20000\)/);
    expect(out.match(/pp-1 {2}entry card=/g)).toHaveLength(61);
  });

  it('exits 4 naming the port when it is taken', async () => {
    const blocker = new ModbusTcpServer();
    const port = await blocker.listen(0);
    try {
      const io = captureIo();
      expect(await simulateCommand(['--port', String(port), '--no-serial'], io)).toBe(ExitCode.startupFailed);
      expect(io.err.join('')).toContain(`port ${port} on 127.0.0.1 is already in use`);
    } finally {
      await blocker.close();
    }
  });
});
