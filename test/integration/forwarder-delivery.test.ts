import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { mqttSchema } from '../../config/schema.js';
import { systemClock } from '../../agent/model/clock.js';
import type { PollCycle } from '../../agent/model/sample.js';
import { silentLogger } from '../../agent/runtime/logger.js';
import { Store } from '../../agent/store/store.js';
import { Forwarder } from '../../agent/upstream/forwarder.js';
import { envelopeSchema, telemetryMessageSchema } from '../../agent/upstream/messages.js';
import { startMosquitto, startSubscriber, type MosquittoBroker, type Subscriber } from '../helpers/mosquitto.js';

const gateway = { mineId: 'mine-7', gatewayId: 'shaft-1' };
const root = 'shaftgate/v1/mine-7/shaft-1';

function cycle(device: string, value: number, finishedAt = Date.now()): PollCycle {
  return {
    deviceId: device,
    startedAt: finishedAt - 30,
    finishedAt,
    samples: [{ deviceId: device, pointId: 'ch4', value, quality: 'good', ts: finishedAt - 10, mono: 0 }],
  };
}

let broker: MosquittoBroker;
beforeAll(async () => {
  broker = await startMosquitto();
});
afterAll(async () => {
  await broker.stop();
});

describe.each([
  { protocolVersion: 5 as const, name: 'MQTT 5' },
  { protocolVersion: 4 as const, name: 'MQTT 3.1.1' },
])('forwarder over $name', ({ protocolVersion }) => {
  let dir: string;
  let store: Store;
  let subscriber: Subscriber;
  let forwarder: Forwarder | null = null;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'shaftgate-fwd-'));
    store = Store.open({ path: join(dir, 'shaftgate.db'), historyRetentionDays: 30, maxPendingCycles: 100, statsRetentionDays: 365, diskBudgetBytes: 2 ** 31 }, { clock: systemClock, logger: silentLogger() });
    subscriber = await startSubscriber(broker.url, `${root}/+`, { protocolVersion });
  });
  afterEach(async () => {
    await forwarder?.stop(1000);
    forwarder = null;
    await subscriber.close();
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  function startForwarder(overrides: Record<string, unknown> = {}): Forwarder {
    const mqtt = mqttSchema.parse({ url: broker.url, protocolVersion, clientId: `fwd-${protocolVersion}`, reconnectMinMs: 100, reconnectMaxMs: 1000, ...overrides });
    forwarder = new Forwarder({ mqtt, gateway, outbox: store, clock: systemClock, logger: silentLogger() });
    forwarder.start();
    return forwarder;
  }

  it('delivers stored rows in order with the full envelope, then deletes them', async () => {
    store.recordCycles([cycle('sm-1', 0.31), cycle('sm-2', 0.32), cycle('sm-1', 0.33)]);
    store.appendOutbox('events', { kind: 'cage_door_open' });
    const ids = store.peek(0, 10).map((r) => r.msgId);
    const fwd = startForwarder();

    await subscriber.waitFor((all) => all.filter((m) => !m.topic.endsWith('/status')).length >= 4);
    const telemetry = subscriber.on(`${root}/telemetry`).map((m) => telemetryMessageSchema.parse(JSON.parse(m.payload)));
    expect(telemetry.map((m) => [m.seq, m.body.device, m.body.samples[0]?.value])).toEqual([
      [1, 'sm-1', 0.31],
      [2, 'sm-2', 0.32],
      [3, 'sm-1', 0.33],
    ]);
    const first = telemetry[0]!;
    expect(first).toMatchObject({ v: 1, mine: 'mine-7', gateway: 'shaft-1', stream: 'telemetry', id: ids[0], late: false });
    expect(first.sentAt).toBeGreaterThanOrEqual(first.recordedAt);
    expect(Object.keys(first)).toEqual(['v', 'mine', 'gateway', 'stream', 'seq', 'id', 'recordedAt', 'sentAt', 'late', 'body']);
    const [event] = subscriber.on(`${root}/events`);
    expect(event?.retain).toBe(false);
    expect(envelopeSchema.parse(JSON.parse(event?.payload ?? ''))).toMatchObject({ stream: 'events', seq: 1, id: ids[3], body: { kind: 'cage_door_open' } });

    await vi.waitFor(() => expect(store.stats().rows).toBe(0));
    expect(fwd.stats()).toMatchObject({ connected: true, published: 4, acked: 4, inflight: 0, backlogRows: 0, resent: 0 });
  });

  it('flags rows recorded longer ago than lateAfterMs as late', async () => {
    store.recordCycles([cycle('sm-1', 1, Date.now() - 60_000), cycle('sm-1', 2)]);
    startForwarder({ lateAfterMs: 10_000 });
    await subscriber.waitFor((all) => all.filter((m) => m.topic.endsWith('/telemetry')).length >= 2);
    const [old, fresh] = subscriber.on(`${root}/telemetry`).map((m) => telemetryMessageSchema.parse(JSON.parse(m.payload)));
    expect(old?.late).toBe(true);
    expect((old?.sentAt ?? 0) - (old?.recordedAt ?? 0)).toBeGreaterThan(10_000);
    expect(fresh?.late).toBe(false);
  });

  it('keeps at most inflightWindow unacknowledged and deletes nothing before the PUBACK', async () => {
    const fwd = startForwarder({ inflightWindow: 5 });
    await vi.waitFor(() => expect(fwd.stats().connected).toBe(true));
    broker.pause(); // the connection stays open, no PUBACK comes
    try {
      store.recordCycles(Array.from({ length: 20 }, (_, n) => cycle('sm-1', n)));
      fwd.notify();
      await vi.waitFor(() => expect(fwd.stats().published).toBe(5));
      await new Promise((resolve) => setTimeout(resolve, 150));
      expect(fwd.stats()).toMatchObject({ published: 5, inflight: 5, acked: 0 });
      expect(store.stats().rows).toBe(20);
    } finally {
      broker.resume();
    }
    await vi.waitFor(() => expect(store.stats().rows).toBe(0));
    expect(fwd.stats()).toMatchObject({ published: 20, acked: 20, inflight: 0 });
    await subscriber.waitFor((all) => all.filter((m) => m.topic.endsWith('/telemetry')).length >= 20);
  });
});
