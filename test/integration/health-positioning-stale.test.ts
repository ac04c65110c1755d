/**
 * Real parts: the simulated mine (Modbus TCP) and the built CLI. When the personnel-positioning
 * substation goes silent, /health must turn 503 within its staleness deadline and say why in
 * words a shift leader understands; /metrics must parse as Prometheus text and show the device stale.
 */
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startSimulators, type RunningSimulators } from '../../simulators/run.js';
import { runCli, tempDir, waitFor, writeTempFile, type AgentProcess } from '../helpers/agent-process.js';
import { parsePrometheusText, sampleValue } from '../helpers/prometheus-parser.js';

const POLL_MS = 200;
const STALE_AFTER_MS = 1000;

function agentConfig(smPort: number, ppPort: number, dir: string): string {
  return `version: 1
gateway: { mineId: mine-health, gatewayId: gw-health }
logging: { level: info } # the start line carries the HTTP URL (port 0 picks a free one)
store: { path: ${join(dir, 'store.db')} }
mqtt: { url: "mqtt://127.0.0.1:1" }
http: { host: 127.0.0.1, port: 0 }
devices:
  - id: sm-1
    system: safety_monitoring
    transport: modbus-tcp
    host: 127.0.0.1
    port: ${smPort}
    pollIntervalMs: ${POLL_MS}
    timeoutMs: 150
    retries: 0
    points:
      - { id: ch4, table: input, address: 0, type: float32 }
  - id: pp-1
    system: personnel_positioning
    transport: modbus-tcp
    host: 127.0.0.1
    port: ${ppPort}
    pollIntervalMs: ${POLL_MS}
    timeoutMs: 150
    retries: 0
    staleAfterMs: ${STALE_AFTER_MS}
    points:
      - { id: card_count, table: input, address: 0, type: uint16 }
      - { id: cards_underground, table: input, address: 10, type: uint16 }
`;
}

interface Health {
  live: boolean;
  ready: boolean;
  reasons: string[];
}

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function httpUrlOf(agent: AgentProcess): Promise<string> {
  return waitFor('the "agent started" log line', () => /"http":"(http:\/\/[^"]+)"/.exec(agent.output())?.[1], 15_000).catch((error: Error) => {
    throw new Error(`${error.message}\nagent output:\n${agent.output()}`);
  });
}

async function health(url: string): Promise<{ status: number; body: Health }> {
  const response = await fetch(`${url}/health`);
  return { status: response.status, body: (await response.json()) as Health };
}

describe('health and metrics of the running agent', () => {
  it('turns not-ready within the staleness deadline when personnel positioning goes silent, and ready again after', async () => {
    const simulators: RunningSimulators = await startSimulators({ basePort: 0, seed: 3 });
    cleanups.push(() => simulators.stop());
    const sm = simulators.devices.get('sm-1')!;
    const pp = simulators.devices.get('pp-1')!;
    const dir = tempDir('health');
    const config = writeTempFile(dir, 'agent.yaml', agentConfig(sm.endpoint.port, pp.endpoint.port, dir));
    const agent = runCli(['run', '--config', config]);
    cleanups.push(async () => {
      if (agent.child.exitCode === null) agent.child.kill('SIGKILL');
      await agent.exited;
    });
    const url = await httpUrlOf(agent);

    await waitFor('ready', async () => (await health(url)).status === 200, 10_000);

    pp.faults.silent = true;
    const silencedAt = Date.now();
    const notReady = await waitFor('503 from /health', async () => {
      const report = await health(url);
      return report.status === 503 ? report : null;
    }, STALE_AFTER_MS * 4);
    const tookMs = Date.now() - silencedAt;
    // The deadline plus one poll and our own polling of /health.
    expect(tookMs).toBeLessThanOrEqual(STALE_AFTER_MS + POLL_MS + 500);
    expect(notReady.body.live).toBe(true); // the agent itself is fine; it is the data that is not
    expect(notReady.body.ready).toBe(false);
    const reason = notReady.body.reasons.find((r) => r.includes('pp-1'));
    expect(reason).toMatch(/device pp-1 \(personnel_positioning\) has not answered for \d+ ms \(deadline 1000 ms\)/);
    expect(reason).toMatch(/人员定位.*who is underground is unknown/);
    expect(notReady.body.reasons.some((r) => r.includes('sm-1'))).toBe(false);
    // Liveness is not readiness: systemd and a load balancer must not restart a healthy agent over a dead device.
    expect((await fetch(`${url}/health/live`)).status).toBe(200);

    const metricsResponse = await fetch(`${url}/metrics`);
    expect(metricsResponse.status).toBe(200);
    expect(metricsResponse.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const families = parsePrometheusText(await metricsResponse.text());
    expect(sampleValue(families, 'shaftgate_ready')).toBe(0);
    expect(sampleValue(families, 'shaftgate_device_stale', { device: 'pp-1', system: 'personnel_positioning' })).toBe(1);
    expect(sampleValue(families, 'shaftgate_device_stale', { device: 'sm-1' })).toBe(0);
    expect(sampleValue(families, 'shaftgate_device_errors_total', { device: 'pp-1', kind: 'timeout' })).toBeGreaterThan(0);
    expect(sampleValue(families, 'shaftgate_poll_cycles_total', { device: 'sm-1' })).toBeGreaterThan(3);
    expect(sampleValue(families, 'shaftgate_uplink_connected')).toBe(0);
    expect(sampleValue(families, 'shaftgate_poll_cycle_duration_seconds', { device: 'sm-1', le: '+Inf' }, 'shaftgate_poll_cycle_duration_seconds_bucket')).toBeGreaterThan(3);

    pp.faults.silent = false;
    await waitFor('ready again', async () => (await health(url)).status === 200, 5_000);

    agent.child.kill('SIGTERM');
    expect(await agent.exited).toBe(0);
  });
});
