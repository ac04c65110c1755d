/**
 * One path end to end, with real parts: the safety-monitoring simulator (Modbus TCP) → the agent
 * process (driver, scheduler, state, SQLite, forwarder) → a real Mosquitto → a subscriber.
 */
import mqtt from 'mqtt';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startSimulators, type RunningSimulators } from '../../simulators/run.js';
import { runCli, tempDir, waitFor, writeTempFile, type AgentProcess } from '../helpers/agent-process.js';
import { startMosquitto, type MosquittoBroker } from '../helpers/mosquitto.js';

const POLL_MS = 250;
const TOPIC_ROOT = 'shaftgate/v1/mine-e2e/gw-e2e';

interface ReceivedSample {
  device: string;
  point: string;
  value: unknown;
  quality: string;
  ts: number;
  receivedAt: number;
}

function agentConfig(simPort: number, brokerUrl: string, dir: string, protocolVersion: 4 | 5 = 5): string {
  return `version: 1
gateway: { mineId: mine-e2e, gatewayId: gw-e2e }
logging: { level: info }
store: { path: ${join(dir, 'store.db')} }
mqtt: { url: "${brokerUrl}", protocolVersion: ${protocolVersion} }
http: { host: 127.0.0.1, port: 0 }
devices:
  - id: sm-1
    system: safety_monitoring
    transport: modbus-tcp
    host: 127.0.0.1
    port: ${simPort}
    unitId: 1
    pollIntervalMs: ${POLL_MS}
    timeoutMs: 200
    points:
      - { id: ch4, table: input, address: 0, type: float32, unit: "%CH4" }
      - { id: co, table: input, address: 2, type: float32, unit: ppm }
      - { id: ch4_current, table: input, address: 100, type: uint16, unit: uA }
      - { id: main_fan_running, table: discrete_input, address: 0, type: bool }
`;
}

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function setup(protocolVersion: 4 | 5 = 5) {
  const simulators: RunningSimulators = await startSimulators({ basePort: 0, seed: 7 });
  cleanups.push(() => simulators.stop());
  const broker: MosquittoBroker = await startMosquitto();
  cleanups.push(() => broker.stop());
  const device = simulators.devices.get('sm-1')!;
  if (device.system !== 'safety_monitoring') throw new Error('sm-1 is not a safety-monitoring substation');
  const substation = device.model;

  const received: ReceivedSample[] = [];
  const statuses: Array<{ state: string; retain: boolean }> = [];
  const subscriber = mqtt.connect(broker.url, { protocolVersion: 5, clientId: `e2e-sub-${process.pid}` });
  cleanups.push(() => subscriber.endAsync(true));
  subscriber.on('message', (topic, payload, packet) => {
    const message = JSON.parse(payload.toString()) as { stream: string; body: { device?: string; samples?: Array<Omit<ReceivedSample, 'device' | 'receivedAt'>> }; state?: string };
    if (topic.endsWith('/telemetry')) {
      for (const sample of message.body.samples ?? []) received.push({ ...sample, device: message.body.device!, receivedAt: Date.now() });
    } else if (topic.endsWith('/status')) {
      statuses.push({ state: (message as unknown as { state: string }).state ?? (message.body as { state?: string }).state!, retain: packet.retain });
    }
  });
  await subscriber.subscribeAsync(`${TOPIC_ROOT}/#`, { qos: 1 });

  const dir = tempDir('e2e');
  const configFile = writeTempFile(dir, 'agent.yaml', agentConfig(device.endpoint.port, broker.url, dir, protocolVersion));
  const agent: AgentProcess = runCli(['run', '--config', configFile]);
  cleanups.push(async () => {
    if (agent.child.exitCode === null) agent.child.kill('SIGKILL');
    await agent.exited;
  });
  return { substation, faults: device.faults, received, statuses, agent, broker };
}

describe('agent end to end against a real Mosquitto', () => {
  for (const protocolVersion of [5, 4] as const) {
    it(`values a subscriber receives equal the values the simulator serves, within one poll interval (MQTT ${protocolVersion === 5 ? '5' : '3.1.1'})`, async () => {
      const { substation, received, statuses, agent } = await setup(protocolVersion);
      substation.set('ch4', 0.42);
      substation.set('main_fan_running', true);

      await waitFor('the first ch4 sample', () => received.some((s) => s.point === 'ch4' && s.value === Math.fround(0.42)), 15_000).catch((error: Error) => {
        throw new Error(`${error.message}\nagent output:\n${agent.output()}`);
      });
      expect(statuses.some((s) => s.state === 'online')).toBe(true);
      const fan = received.find((s) => s.point === 'main_fan_running');
      expect(fan).toMatchObject({ value: true, quality: 'good' });
      const current = received.find((s) => s.point === 'ch4_current')!;
      expect(current.quality).toBe('good');
      expect(current.value).toBe(substation.read('ch4_current'));

      // Change the served value; the new value must be in a sample taken within one poll interval.
      const changedAt = Date.now();
      substation.set('ch4', 0.77);
      const first = await waitFor('the changed ch4 value', () => received.find((s) => s.point === 'ch4' && s.value === Math.fround(0.77)), 5_000);
      expect(first.ts - changedAt).toBeLessThanOrEqual(POLL_MS + 100);
      expect(first.receivedAt - changedAt).toBeLessThanOrEqual(POLL_MS + 500);
      // Nothing but the served values ever arrives: every good ch4 sample is one of the two.
      const ch4Values = new Set(received.filter((s) => s.point === 'ch4').map((s) => s.value));
      expect([...ch4Values].every((v) => v === Math.fround(0.42) || v === Math.fround(0.77))).toBe(true);
      // Samples taken before the change carry the old value.
      expect(received.filter((s) => s.point === 'ch4' && s.ts < changedAt).every((s) => s.value === Math.fround(0.42))).toBe(true);

      agent.child.kill('SIGTERM');
      const started = Date.now();
      expect(await agent.exited).toBe(0);
      expect(Date.now() - started).toBeLessThan(5000);
      await waitFor('the offline status', () => statuses.some((s) => s.state === 'offline'), 3000);
    });
  }

  it('a device that goes silent yields timeout samples with value null, then good values again', async () => {
    const { substation, faults, received, agent } = await setup();
    substation.set('ch4', 0.31);
    await waitFor('a good ch4 sample', () => received.some((s) => s.point === 'ch4' && s.quality === 'good'), 15_000).catch((error: Error) => {
      throw new Error(`${error.message}\nagent output:\n${agent.output()}`);
    });
    faults.silent = true;
    const silentAt = Date.now();
    await waitFor('timeout samples', () => received.some((s) => s.point === 'ch4' && s.quality === 'timeout' && s.ts > silentAt), 5_000);
    faults.silent = false;
    substation.set('ch4', 0.55);
    await waitFor('good values after the fault', () => received.some((s) => s.point === 'ch4' && s.value === Math.fround(0.55)), 10_000);
    // Unknown is never shown as a value: a sample has a value exactly when it is good.
    expect(received.every((s) => (s.quality === 'good') === (s.value !== null))).toBe(true);
    expect(received.filter((s) => s.quality === 'timeout').every((s) => s.value === null)).toBe(true);
  });
});
