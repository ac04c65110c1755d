/**
 * `shaftgate demo` as a person runs it: every simulated device of config/examples/demo.yaml is
 * polled without a single error, the health URL it prints answers ready, and Ctrl-C stops it.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { runCli, tempDir, waitFor, type AgentProcess } from '../helpers/agent-process.js';

const RUN_MS = 20_000;

interface DeviceHealth {
  deviceId: string;
  requests: number;
  responses: number;
  errors: { timeout: number; exception: number; framing: number; connection: number };
}

let demo: AgentProcess | null = null;
afterEach(async () => {
  if (demo && demo.child.exitCode === null && demo.child.signalCode === null) demo.child.kill('SIGKILL');
  await demo?.exited;
  demo = null;
});

describe('shaftgate demo', () => {
  it(`polls every demo device for ${RUN_MS / 1000} s without an error and stops on SIGINT`, async () => {
    demo = runCli(['demo'], {}, tempDir('demo'));
    const running = demo;
    const healthUrl = await waitFor('the demo banner', () => /health\s+(http:\/\/\S+\/health)/.exec(running.output())?.[1], 15_000).catch((error: Error) => {
      throw new Error(`${error.message}\n${running.output()}`);
    });
    expect(running.output()).toMatch(/mosquitto_sub -h 127\.0\.0\.1 -p \d+ -t 'shaftgate\/v1\/hlj-demo-mine\/shaft-head-1\/#' -v/);
    await new Promise((resolve) => setTimeout(resolve, RUN_MS));

    const response = await fetch(healthUrl);
    const health = (await response.json()) as { ready: boolean; reasons: string[]; devices: DeviceHealth[] };
    expect(health.reasons).toEqual([]);
    expect(response.status).toBe(200);
    expect(health.devices.map((d) => d.deviceId).sort()).toEqual(['air-1', 'comm-1', 'led-1', 'out-1', 'pp-1', 'sm-1', 'water-1', 'wx-1', 'wx-1-ascii']);
    // Every point of every device that has points to read (the LED board is write-only) reads good.
    const state = (await (await fetch(healthUrl.replace('/health', '/api/state'))).json()) as { points: Array<{ deviceId: string; pointId: string; quality: string }> };
    const notGood = state.points.filter((p) => p.quality !== 'good').map((p) => `${p.deviceId}/${p.pointId}: ${p.quality}`);
    expect(notGood).toEqual([]);
    expect(new Set(state.points.map((p) => p.deviceId)).size).toBe(8);
    for (const device of health.devices) {
      expect(device.errors, device.deviceId).toEqual(expect.objectContaining({ timeout: 0, exception: 0, framing: 0, connection: 0 }));
      // Modbus devices answer every request (no errors above); the ASCII weather line talks by
      // itself (no requests). /health may be read while a cycle's requests are on the wire: a few
      // may still be unanswered, never more answers than requests.
      if (device.requests > 0) {
        expect(device.responses, device.deviceId).toBeLessThanOrEqual(device.requests);
        expect(device.responses, device.deviceId).toBeGreaterThanOrEqual(device.requests - 4);
      }
    }

    running.child.kill('SIGINT');
    expect(await running.exited).toBe(0);
  });
});
