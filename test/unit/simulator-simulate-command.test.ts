import net from 'node:net';
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
    expect(io.out.join('')).toMatch(/^Usage: shaftgate simulate \[--host H\] \[--port P\] \[--seed N\]/);
  });

  const usageErrors: Array<[string[], RegExp]> = [
    [['--port', 'abc'], /--port must be an integer from 0 to 65535, got "abc"/],
    [['--port', '70000'], /--port must be an integer/],
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
    const finished = simulateCommand(['--port', '0', '--seed', '42'], io, stop.signal);
    await until(() => io.out.length > 0);
    const line = io.out.join('');
    expect(line).toMatch(/^sm-1 {2}safety_monitoring {2}modbus-tcp:\/\/127\.0\.0\.1:\d+ unit 1\n$/);
    const port = Number(/:(\d+) unit/.exec(line)![1]);
    expect(await canConnect(port)).toBe(true);
    stop.abort();
    expect(await finished).toBe(ExitCode.ok);
    expect(await canConnect(port)).toBe(false);
    expect(signalListeners()).toBe(listenersBefore);
  });

  it('exits 4 naming the port when it is taken', async () => {
    const blocker = new ModbusTcpServer();
    const port = await blocker.listen(0);
    try {
      const io = captureIo();
      expect(await simulateCommand(['--port', String(port)], io)).toBe(ExitCode.startupFailed);
      expect(io.err.join('')).toContain(`port ${port} on 127.0.0.1 is already in use`);
    } finally {
      await blocker.close();
    }
  });
});
