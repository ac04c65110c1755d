/**
 * A clean stop under load loses nothing: SIGTERM while the broker is not acknowledging, then a
 * restart. Every sample in the store was published or was still in the outbox, and is published
 * after the restart; any duplicate carries the same id and the same content.
 */
import Database from 'better-sqlite3';
import mqtt from 'mqtt';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SENSORS, STATUS_BITS } from '../../simulators/devices/safety-monitoring-map.js';
import { startSimulators } from '../../simulators/run.js';
import { runCli, tempDir, waitFor, writeTempFile, type AgentProcess } from '../helpers/agent-process.js';
import { startMosquitto } from '../helpers/mosquitto.js';

const DEVICES = 10;
const POLL_MS = 50;

interface Envelope {
  stream: string;
  seq: number;
  id: string;
  late: boolean;
  body: { device: string; samples: Array<{ point: string; ts: number; value: unknown; quality: string }> };
}

function pointsYaml(): string {
  const lines: string[] = [];
  SENSORS.forEach((sensor, i) => {
    lines.push(`      - { id: ${sensor.id}, table: input, address: ${i * 2}, type: float32 }`);
    lines.push(`      - { id: ${sensor.id}_current, table: input, address: ${100 + i}, type: uint16 }`);
  });
  for (const bit of STATUS_BITS) lines.push(`      - { id: ${bit.id}, table: discrete_input, address: ${bit.address}, type: bool }`);
  return lines.join('\n');
}

function config(ports: number[], brokerUrl: string, dir: string): string {
  const devices = ports
    .map(
      (port, i) => `  - id: sm-${i + 1}
    system: safety_monitoring
    transport: modbus-tcp
    host: 127.0.0.1
    port: ${port}
    pollIntervalMs: ${POLL_MS}
    timeoutMs: 200
    points:
${pointsYaml()}`,
    )
    .join('\n');
  return `version: 1
gateway: { mineId: mine-load, gatewayId: gw-load }
logging: { level: warn }
store: { path: ${join(dir, 'store.db')} }
mqtt: { url: "${brokerUrl}", inflightWindow: 32, reconnectMinMs: 100, reconnectMaxMs: 1000 }
http: { host: 127.0.0.1, port: 0 }
devices:
${devices}
`;
}

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

function startAgent(configFile: string): AgentProcess {
  const agent = runCli(['run', '--config', configFile]);
  cleanups.push(async () => {
    if (agent.child.exitCode === null && agent.child.signalCode === null) agent.child.kill('SIGKILL');
    await agent.exited;
  });
  return agent;
}

const sampleKey = (device: string, point: string, ts: number) => `${device}|${point}|${ts}`;

describe('clean stop under load', () => {
  it('every stored sample is published or still in the outbox, and is published after a restart', async () => {
    const simulators = await startSimulators({
      basePort: 0,
      devices: Array.from({ length: DEVICES }, (_, i) => ({ id: `sm-${i + 1}`, system: 'safety_monitoring' as const })),
    });
    cleanups.push(() => simulators.stop());
    const broker = await startMosquitto();
    cleanups.push(() => broker.stop());

    const received = new Map<string, string>(); // message id → payload
    const receivedSamples = new Set<string>();
    const telemetrySeqs = new Set<number>();
    const subscriber = mqtt.connect(broker.url, { clientId: `sigterm-sub-${process.pid}`, protocolVersion: 5 });
    cleanups.push(() => subscriber.endAsync(true));
    const conflicts: string[] = [];
    subscriber.on('message', (topic, payload) => {
      if (!topic.endsWith('/telemetry')) return;
      const text = payload.toString();
      const message = JSON.parse(text) as Envelope;
      // A duplicate is allowed only as the same message: same id, same content (sentAt/late aside).
      const content = JSON.stringify({ seq: message.seq, body: message.body });
      const earlier = received.get(message.id);
      if (earlier !== undefined && earlier !== content) conflicts.push(message.id);
      received.set(message.id, content);
      telemetrySeqs.add(message.seq);
      for (const s of message.body.samples) receivedSamples.add(sampleKey(message.body.device, s.point, s.ts));
    });
    await subscriber.subscribeAsync('shaftgate/v1/mine-load/gw-load/#', { qos: 1 });

    const dir = tempDir('sigterm');
    const dbPath = join(dir, 'store.db');
    const configFile = writeTempFile(dir, 'agent.yaml', config(simulators.endpoints.map((e) => e.port), broker.url, dir));

    // Run 1: traffic flows, then the broker stops acknowledging and the agent is stopped.
    const first = startAgent(configFile);
    await waitFor('telemetry from the first run', () => received.size > 100, 20_000).catch((error: Error) => {
      throw new Error(`${error.message}\n${first.output()}`);
    });
    broker.pause();
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const stopRequested = Date.now();
    first.child.kill('SIGTERM');
    expect(await first.exited, first.output()).toBe(0);
    expect(Date.now() - stopRequested).toBeLessThan(5000);
    broker.resume();

    // What the store holds after the clean stop.
    const db = new Database(dbPath, { readonly: true });
    // Raw history: one row per poll cycle, its body the telemetry JSON (agent/store/history-codec.ts).
    const stored = db.prepare("SELECT h.device_id AS d, s.value ->> 'point' AS p, s.value ->> 'ts' AS ts FROM history AS h, json_each(h.body, '$.samples') AS s").all() as Array<{ d: string; p: string; ts: number }>;
    const outbox = db.prepare("SELECT msg_id AS id, body FROM outbox WHERE stream = 'telemetry'").all() as Array<{ id: string; body: string }>;
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    db.close();
    expect(stored.length).toBeGreaterThan(DEVICES * 20 * 10);
    expect(outbox.length, 'the pause should have left a backlog; otherwise this test proves little').toBeGreaterThan(0);

    await new Promise((resolve) => setTimeout(resolve, 300)); // let frames already on the wire arrive
    const inOutbox = new Set<string>();
    for (const row of outbox) {
      const body = JSON.parse(row.body) as Envelope['body'];
      for (const s of body.samples) inOutbox.add(sampleKey(body.device, s.point, s.ts));
    }
    const unaccounted = stored.filter((s) => !receivedSamples.has(sampleKey(s.d, s.p, s.ts)) && !inOutbox.has(sampleKey(s.d, s.p, s.ts)));
    expect(unaccounted, 'samples neither published nor in the outbox').toEqual([]);

    // Run 2: the backlog is published after the restart.
    const second = startAgent(configFile);
    const backlogIds = outbox.map((row) => row.id);
    await waitFor('the first run\'s backlog to be published', () => backlogIds.every((id) => received.has(id)), 20_000).catch((error: Error) => {
      throw new Error(`${error.message}: ${backlogIds.filter((id) => !received.has(id)).length} of ${backlogIds.length} missing\n${second.output()}`);
    });
    second.child.kill('SIGTERM');
    expect(await second.exited, second.output()).toBe(0);

    const missing = stored.filter((s) => !receivedSamples.has(sampleKey(s.d, s.p, s.ts)));
    expect(missing, 'stored samples never published').toEqual([]);
    expect(conflicts, 'message ids reused for different content').toEqual([]);
    // Sequence numbers of the telemetry stream have no gaps: nothing recorded went missing upstream.
    const maxSeq = Math.max(...telemetrySeqs);
    const gaps = Array.from({ length: maxSeq }, (_, i) => i + 1).filter((seq) => !telemetrySeqs.has(seq));
    const finalDb = new Database(dbPath, { readonly: true });
    const stillQueued = new Set((finalDb.prepare("SELECT seq FROM outbox WHERE stream = 'telemetry'").all() as Array<{ seq: number }>).map((r) => r.seq));
    finalDb.close();
    expect(gaps.filter((seq) => !stillQueued.has(seq))).toEqual([]);
  });
});
