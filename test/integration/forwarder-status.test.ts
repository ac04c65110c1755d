import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type IClientOptions, type MqttClient } from 'mqtt';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { mqttSchema } from '../../config/schema.js';
import { systemClock } from '../../agent/model/clock.js';
import { silentLogger } from '../../agent/runtime/logger.js';
import { Store } from '../../agent/store/store.js';
import { Forwarder } from '../../agent/upstream/forwarder.js';
import { statusMessageSchema, type StatusMessage } from '../../agent/upstream/messages.js';
import { startMosquitto, startSubscriber, type MosquittoBroker, type ReceivedMessage, type Subscriber } from '../helpers/mosquitto.js';

const gateway = { mineId: 'mine-7', gatewayId: 'shaft-1' };
const statusTopic = 'shaftgate/v1/mine-7/shaft-1/status';

let broker: MosquittoBroker;
beforeAll(async () => {
  broker = await startMosquitto();
});
afterAll(async () => {
  await broker.stop();
});

const statuses = (messages: readonly ReceivedMessage[]): StatusMessage[] =>
  messages.filter((m) => m.topic === statusTopic).map((m) => statusMessageSchema.parse(JSON.parse(m.payload)));
/** Status messages published while the watcher listened (a retained one from an earlier test comes with retain set). */
const liveStatuses = (messages: readonly ReceivedMessage[]): StatusMessage[] => statuses(messages.filter((m) => !m.retain));

describe.each([{ protocolVersion: 5 as const }, { protocolVersion: 4 as const }])('gateway status over MQTT protocol level $protocolVersion', ({ protocolVersion }) => {
  let dir: string;
  let store: Store;
  let watcher: Subscriber;
  let forwarder: Forwarder;
  let clients: MqttClient[];

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'shaftgate-status-'));
    store = Store.open({ path: join(dir, 'shaftgate.db'), historyRetentionDays: 30, maxPendingCycles: 100, statsRetentionDays: 365, diskBudgetBytes: 2 ** 31 }, { clock: systemClock, logger: silentLogger() });
    watcher = await startSubscriber(broker.url, statusTopic, { protocolVersion });
    clients = [];
    const mqtt = mqttSchema.parse({ url: broker.url, protocolVersion, clientId: `fwd-status-${protocolVersion}`, reconnectMinMs: 100, reconnectMaxMs: 1000 });
    forwarder = new Forwarder({
      mqtt,
      gateway,
      outbox: store,
      clock: systemClock,
      logger: silentLogger(),
      createClient: (url: string, options: IClientOptions) => {
        const client = connect(url, options);
        clients.push(client);
        return client;
      },
    });
  });
  afterEach(async () => {
    await forwarder.stop(1000);
    await watcher.close();
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('publishes a retained "online" status on connect', async () => {
    forwarder.start();
    await watcher.waitFor((all) => liveStatuses(all).some((s) => s.state === 'online'));
    const late = await startSubscriber(broker.url, statusTopic, { protocolVersion });
    try {
      await late.waitFor((all) => all.length > 0);
      expect(late.messages[0]?.retain).toBe(true);
      expect(statuses(late.messages)[0]).toMatchObject({ v: 1, mine: 'mine-7', gateway: 'shaft-1', state: 'online' });
    } finally {
      await late.close();
    }
  });

  it('the broker announces "offline" (Last Will) when the socket dies, and "online" again after the reconnect', async () => {
    forwarder.start();
    await vi.waitFor(() => expect(forwarder.stats().connected).toBe(true));
    await watcher.waitFor((all) => liveStatuses(all).some((s) => s.state === 'online'));
    clients[0]?.stream.destroy(); // as if the cable was pulled: no DISCONNECT packet
    await watcher.waitFor((all) => liveStatuses(all).filter((s) => s.state === 'online').length >= 2);
    expect(liveStatuses(watcher.messages).map((s) => [s.state, s.reason])).toEqual([
      ['online', undefined],
      ['offline', 'connection lost'],
      ['online', undefined],
    ]);
    expect(forwarder.stats().reconnects).toBe(1);
    expect(clients).toHaveLength(2); // a fresh client for the new connection
  });

  it('a clean stop publishes a retained "offline: stopped" and no Last Will', async () => {
    forwarder.start();
    await watcher.waitFor((all) => liveStatuses(all).some((s) => s.state === 'online'));
    await forwarder.stop(2000);
    await watcher.waitFor((all) => liveStatuses(all).some((s) => s.state === 'offline'));
    await new Promise((resolve) => setTimeout(resolve, 200)); // a Will would arrive by now
    expect(liveStatuses(watcher.messages).map((s) => [s.state, s.reason])).toEqual([
      ['online', undefined],
      ['offline', 'stopped'],
    ]);
    const late = await startSubscriber(broker.url, statusTopic, { protocolVersion });
    try {
      await late.waitFor((all) => all.length > 0);
      expect(late.messages[0]?.retain).toBe(true);
      expect(statuses(late.messages)[0]).toMatchObject({ state: 'offline', reason: 'stopped' });
    } finally {
      await late.close();
    }
  });
});
