/**
 * The `shaftgate` command as a person (or systemd) runs it: the built CLI in a child process.
 */
import { existsSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli, tempDir, writeTempFile } from '../helpers/agent-process.js';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function run(args: string[]): Promise<{ code: number | string; output: string }> {
  const cli = runCli(args);
  const code = await cli.exited;
  return { code, output: cli.output() };
}

describe('shaftgate CLI', () => {
  it('prints its usage with --help (exit 0) and for every command', async () => {
    const main = await run(['--help']);
    expect(main.code).toBe(0);
    for (const command of ['run', 'check-config', 'demo', 'simulate']) expect(main.output).toContain(command);
    for (const command of ['run', 'check-config', 'demo', 'simulate']) {
      const help = await run([command, '--help']);
      expect(help.code, command).toBe(0);
      expect(help.output, command).toMatch(/Usage: shaftgate/);
      expect(help.output, command).toMatch(/Exit codes|exit codes/i);
    }
  });

  it('exits 2 on an unknown command, an unknown option and a missing --config', async () => {
    expect((await run(['frobnicate'])).code).toBe(2);
    expect((await run(['run', '--config-file', 'x.yaml'])).code).toBe(2);
    const missing = await run(['run']);
    expect(missing.code).toBe(2);
    expect(missing.output).toContain('--config FILE is required');
  });

  it('prints its version', async () => {
    const version = await run(['--version']);
    expect(version.code).toBe(0);
    expect(version.output).toMatch(/^shaftgate \d+\.\d+\.\d+/);
  });

  it('a config error stops `run` with exit 3 before any device, socket or file is opened', async () => {
    // A device that would notice a connection, and a broker port that would too.
    let connections = 0;
    const listener = net.createServer((socket) => {
      connections++;
      socket.destroy();
    });
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise<void>((resolve) => listener.close(() => resolve())));
    const port = (listener.address() as net.AddressInfo).port;
    const dir = tempDir('cli-bad');
    const storePath = join(dir, 'state', 'store.db');
    const file = writeTempFile(
      dir,
      'bad.yaml',
      `version: 1
gateway: { mineId: m, gatewayId: g }
store: { path: ${storePath} }
mqtt: { url: "mqtt://127.0.0.1:${port}" }
http: { port: 0 }
devices:
  - id: sm-1
    system: safety_monitoring
    transport: modbus-tcp
    host: 127.0.0.1
    port: ${port}
    pollIntervalMs: 1000
    points:
      - { id: ch4, table: input, address: 0, type: float32, byteOrdr: ABCD }
`,
    );
    const result = await run(['run', '--config', file]);
    expect(result.code).toBe(3);
    expect(result.output).toContain(`${file}:14:`);
    expect(result.output).toContain('devices[0].points[0]');
    expect(result.output).toContain('byteOrdr');
    expect(result.output).toContain('nothing was started');
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(connections).toBe(0);
    expect(existsSync(join(dir, 'state'))).toBe(false);
  });

  it('a store that cannot be opened is a start-up failure (exit 4) with the path in the message', async () => {
    const dir = tempDir('cli-store');
    const blocker = writeTempFile(dir, 'not-a-folder', 'x');
    const file = writeTempFile(
      dir,
      'agent.yaml',
      `version: 1
gateway: { mineId: m, gatewayId: g }
store: { path: ${join(blocker, 'store.db')} }
mqtt: { url: "mqtt://127.0.0.1:1" }
http: { port: 0 }
devices:
  - { id: sm-1, system: safety_monitoring, transport: modbus-tcp, host: 127.0.0.1, port: 1, points: [{ id: ch4, table: input, address: 0 }] }
`,
    );
    const result = await run(['run', '--config', file]);
    expect(result.code).toBe(4);
    expect(result.output).toContain(blocker);
  });
});
