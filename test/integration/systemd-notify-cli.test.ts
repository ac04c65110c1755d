/**
 * The built CLI under a fake systemd: NOTIFY_SOCKET and WATCHDOG_USEC set as systemd sets them for
 * Type=notify with WatchdogSec. READY=1 must come once the agent is up, WATCHDOG=1 at half the
 * budget while it polls, STOPPING=1 on SIGTERM, and a clean exit.
 */
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startSimulators } from '../../simulators/run.js';
import { runCli, tempDir, waitFor, writeTempFile } from '../helpers/agent-process.js';
import { startFakeNotifySocket } from '../helpers/fake-notify-socket.js';

const WATCHDOG_MS = 1000;

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

describe('shaftgate run under systemd (fake notify socket)', () => {
  for (const abstract of [true, false]) {
    it(`reports READY, feeds the watchdog and says STOPPING (${abstract ? 'abstract' : 'path'} socket)`, async () => {
      const simulators = await startSimulators({ basePort: 0, seed: 5 });
      cleanups.push(() => simulators.stop());
      const socket = await startFakeNotifySocket({ abstract });
      cleanups.push(() => socket.close());
      const dir = tempDir('notify-cli');
      const config = writeTempFile(
        dir,
        'agent.yaml',
        `version: 1
gateway: { mineId: mine-notify, gatewayId: gw-notify }
store: { path: ${join(dir, 'store.db')} }
mqtt: { url: "mqtt://127.0.0.1:1" }
http: { host: 127.0.0.1, port: 0 }
devices:
  - id: sm-1
    system: safety_monitoring
    transport: modbus-tcp
    host: 127.0.0.1
    port: ${simulators.devices.get('sm-1')!.endpoint.port}
    pollIntervalMs: 100
    timeoutMs: 100
    retries: 0
    points:
      - { id: ch4, table: input, address: 0, type: float32 }
`,
      );
      const startedAt = Date.now();
      const agent = runCli(['run', '--config', config], { NOTIFY_SOCKET: socket.address, WATCHDOG_USEC: String(WATCHDOG_MS * 1000) });
      cleanups.push(async () => {
        if (agent.child.exitCode === null) agent.child.kill('SIGKILL');
        await agent.exited;
      });
      const fail = (error: Error) => {
        throw new Error(`${error.message}\nagent output:\n${agent.output()}`);
      };

      const ready = await waitFor('READY=1', () => socket.with('READY')[0], 15_000).catch(fail);
      expect(ready.fields.READY).toBe('1');
      expect(ready.fields.STATUS).toMatch(/polling 1 device|NOT READY: device sm-1 \(safety_monitoring\) has not answered yet/);
      // Pings at half the budget: in 2.2 budgets at least 3.
      await new Promise((resolve) => setTimeout(resolve, WATCHDOG_MS * 2.2));
      const pings = socket.with('WATCHDOG').filter((m) => m.at >= ready.at);
      expect(pings.length).toBeGreaterThanOrEqual(3);
      for (let i = 1; i < pings.length; i++) expect(pings[i]!.at - pings[i - 1]!.at).toBeLessThan(WATCHDOG_MS);
      expect(agent.output()).toMatch(/systemd watchdog armed/);
      expect(ready.at - startedAt).toBeLessThan(15_000);

      agent.child.kill('SIGTERM');
      expect(await agent.exited).toBe(0);
      const stopping = socket.with('STOPPING');
      expect(stopping).toHaveLength(1);
      expect(stopping[0]!.fields.STATUS).toBe('stopping (SIGTERM)');
      // No ping after STOPPING: systemd no longer expects them.
      expect(socket.with('WATCHDOG').every((m) => m.at <= stopping[0]!.at)).toBe(true);
    });
  }

  it('without NOTIFY_SOCKET nothing is sent and the agent runs as before', async () => {
    const dir = tempDir('notify-none');
    const config = writeTempFile(dir, 'bad.yaml', 'version: 1\n');
    const agent = runCli(['run', '--config', config], { NOTIFY_SOCKET: '' });
    expect(await agent.exited).toBe(3); // config error exits before any notify; RestartPreventExitStatus=3
  });
});
