/**
 * After an outage: alarms first, then live data, while the telemetry backlog drains oldest first,
 * paced and flagged late, each part in seq order.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { mqttSchema, storeSchema } from '../../config/schema.js';
import { systemClock } from '../../agent/model/clock.js';
import type { PollCycle } from '../../agent/model/sample.js';
import { silentLogger } from '../../agent/runtime/logger.js';
import { Store } from '../../agent/store/store.js';
import { Forwarder } from '../../agent/upstream/forwarder.js';
import { envelopeSchema } from '../../agent/upstream/messages.js';
import { startMosquitto, startSubscriber, type MosquittoBroker } from '../helpers/mosquitto.js';

let broker: MosquittoBroker;
let dir: string;
beforeAll(async () => {
  broker = await startMosquitto();
  dir = mkdtempSync(join(tmpdir(), 'shaftgate-backlog-'));
});
afterAll(async () => {
  await broker.stop();
  rmSync(dir, { recursive: true, force: true });
});

const cycleAt = (ts: number, value: number): PollCycle => ({ deviceId: 'sm-1', startedAt: ts, finishedAt: ts, samples: [{ deviceId: 'sm-1', pointId: 'ch4', value, quality: 'good', ts, mono: 0 }] });

it('sends alarms, then live data, and paces the late backlog oldest first', async () => {
  const store = Store.open(storeSchema.parse({ path: join(dir, 'b.db') }), { clock: systemClock, logger: silentLogger() });
  const subscriber = await startSubscriber(broker.url, 'shaftgate/v1/m/g/+');
  const mqtt = mqttSchema.parse({ url: broker.url, clientId: 'fwd-backlog', backlogRatePerSecond: 20, inflightWindow: 8 });
  const forwarder = new Forwarder({ mqtt, gateway: { mineId: 'm', gatewayId: 'g' }, outbox: store, clock: systemClock, logger: silentLogger() });
  try {
    const outageStart = Date.now() - 120_000;
    store.recordCycles(Array.from({ length: 60 }, (_, n) => cycleAt(outageStart + n * 1000, n)));
    store.appendAlarm('ch4-high-1', 'raised', { value: 1.3 });
    forwarder.start();
    await expect.poll(() => forwarder.stats().connected).toBe(true);
    store.recordCycles([cycleAt(Date.now(), 1000), cycleAt(Date.now() + 1, 1001)]);
    forwarder.notify();
    await subscriber.waitFor((messages) => messages.filter((m) => m.topic.endsWith('/telemetry')).length === 62, 15_000);

    const parsed = subscriber.messages.filter((m) => !m.topic.endsWith('/status')).map((m) => envelopeSchema.parse(JSON.parse(m.payload)));
    expect(parsed[0]?.stream).toBe('alarms');
    const telemetry = parsed.filter((m) => m.stream === 'telemetry');
    const live = telemetry.filter((m) => m.seq > 60);
    const late = telemetry.filter((m) => m.seq <= 60);
    expect(live.map((m) => m.late)).toEqual([false, false]);
    expect(late.every((m) => m.late)).toBe(true);
    expect(late.map((m) => m.seq)).toEqual(Array.from({ length: 60 }, (_, n) => n + 1));
    // Live data did not wait for the backlog: it arrived before the backlog's last message.
    expect(telemetry.indexOf(live[1]!)).toBeLessThan(telemetry.indexOf(late.at(-1)!));
    // Paced: 60 messages at 20/s (a one-second burst of 20 first) take about two seconds.
    const sentAt = late.map((m) => m.sentAt);
    expect(sentAt.at(-1)! - sentAt[0]!).toBeGreaterThanOrEqual(1500);
  } finally {
    await forwarder.stop(1000);
    await subscriber.close();
    store.close();
  }
});
