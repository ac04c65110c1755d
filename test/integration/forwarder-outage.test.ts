import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type IClientOptions, type MqttClient } from 'mqtt';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { mqttSchema } from '../../config/schema.js';
import { systemClock } from '../../agent/model/clock.js';
import type { PollCycle } from '../../agent/model/sample.js';
import { silentLogger } from '../../agent/runtime/logger.js';
import { Store } from '../../agent/store/store.js';
import { Forwarder } from '../../agent/upstream/forwarder.js';
import { envelopeSchema } from '../../agent/upstream/messages.js';
import { startMosquitto, startSubscriber, type MosquittoBroker } from '../helpers/mosquitto.js';

const gateway = { mineId: 'mine-7', gatewayId: 'shaft-1' };
const root = 'shaftgate/v1/mine-7/shaft-1';

let broker: MosquittoBroker;
let dir: string;
beforeAll(async () => {
  broker = await startMosquitto();
  dir = mkdtempSync(join(tmpdir(), 'shaftgate-outage-'));
});
afterAll(async () => {
  await broker.stop();
  rmSync(dir, { recursive: true, force: true });
});

function cycle(value: number): PollCycle {
  const now = Date.now();
  return { deviceId: 'sm-1', startedAt: now - 20, finishedAt: now, samples: [{ deviceId: 'sm-1', pointId: 'ch4', value, quality: 'good', ts: now, mono: 0 }] };
}

/**
 * Lets the test hold the forwarder's next connection until the subscriber is back after a broker
 * restart: otherwise messages could reach the new broker before anyone listens and the test could
 * not tell a loss from a race.
 */
function gatedClients() {
  let open = true;
  const parked: MqttClient[] = [];
  return {
    createClient: (url: string, options: IClientOptions): MqttClient => {
      const client = connect(url, { ...options, manualConnect: true });
      if (open) client.connect();
      else parked.push(client);
      return client;
    },
    close: () => {
      open = false;
    },
    open: () => {
      open = true;
      for (const client of parked.splice(0)) client.connect();
    },
  };
}

it('keeps rows while the broker is down and delivers everything, in order, after it returns', async () => {
  const store = Store.open({ path: join(dir, 'shaftgate.db'), historyRetentionDays: 30, maxPendingCycles: 1000, statsRetentionDays: 365, diskBudgetBytes: 2 ** 31 }, { clock: systemClock, logger: silentLogger() });
  const subscriber = await startSubscriber(broker.url, `${root}/+`);
  const gate = gatedClients();
  const mqtt = mqttSchema.parse({ url: broker.url, clientId: 'fwd-outage', inflightWindow: 4, reconnectMinMs: 100, reconnectMaxMs: 1000 });
  const forwarder = new Forwarder({ mqtt, gateway, outbox: store, clock: systemClock, logger: silentLogger(), createClient: gate.createClient });
  const telemetry = () => subscriber.on(`${root}/telemetry`).map((m) => envelopeSchema.parse(JSON.parse(m.payload)));
  try {
    forwarder.start();
    store.recordCycles(Array.from({ length: 30 }, (_, n) => cycle(n)));
    forwarder.notify();
    // Cut the broker while messages are in flight.
    await vi.waitFor(() => expect(forwarder.stats().acked).toBeGreaterThanOrEqual(8), { interval: 1 });
    gate.close();
    await broker.kill();
    await vi.waitFor(() => expect(forwarder.stats().connected).toBe(false));
    // What the broker had not acknowledged is still in the outbox: the forwarder owes exactly these.
    // (What it had acknowledged was the broker's to deliver; a killed broker without persistence
    // may lose some of it, which is not the forwarder's doing.)
    const owedAtCut = store.peek(0, 1000).map((row) => row.seq);
    expect(owedAtCut.length).toBeGreaterThan(0);

    // The poll goes on while the uplink is down: rows just wait in SQLite.
    store.recordCycles(Array.from({ length: 20 }, (_, n) => cycle(100 + n)));
    forwarder.notify();
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(store.stats().rows).toBe(owedAtCut.length + 20);
    const publishedWhileDown = forwarder.stats().published;

    await broker.restart();
    await subscriber.ready();
    const receivedBeforeRestart = telemetry().length;
    gate.open();
    await vi.waitFor(() => expect(store.stats().rows).toBe(0), { timeout: 10_000 });
    const expectedAfterRestart = [...owedAtCut, ...Array.from({ length: 20 }, (_, n) => 31 + n)];
    await subscriber.waitFor(() => telemetry().length - receivedBeforeRestart >= expectedAfterRestart.length);

    const received = telemetry();
    // After the restart: exactly what was owed, oldest first, each once.
    expect(received.slice(receivedBeforeRestart).map((m) => m.seq)).toEqual(expectedAfterRestart);
    // Duplicates (a message whose PUBACK was lost in the cut) only ever with the same id and content.
    const byId = new Map<string, (typeof received)[number]>();
    for (const message of received) {
      const earlier = byId.get(message.id);
      if (earlier) expect({ ...message, sentAt: 0, late: false }).toEqual({ ...earlier, sentAt: 0, late: false });
      else byId.set(message.id, message);
    }
    const seqById = new Map([...byId.values()].map((m) => [m.id, m.seq]));
    expect(new Set(seqById.values()).size).toBe(seqById.size); // one seq, one id
    expect(forwarder.stats()).toMatchObject({ reconnects: 1, inflight: 0, backlogRows: 0 });
    expect(forwarder.stats().published).toBe(publishedWhileDown + expectedAfterRestart.length);
  } finally {
    await forwarder.stop(1000);
    await subscriber.close();
    store.close();
  }
});
