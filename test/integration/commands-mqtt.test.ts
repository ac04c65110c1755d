/**
 * Signed commands over a real Mosquitto: the platform publishes on …/commands, the gateway answers
 * on …/commands/response. A good command is applied, audited and answered; every bad one is
 * rejected with its reason and changes nothing; a nonce stays used across a restart.
 */
import { generateKeyPairSync, randomUUID, sign } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type MqttClient } from 'mqtt';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { mqttSchema, platformSchema, storeSchema } from '../../config/schema.js';
import { NoAlarms } from '../../agent/commands/alarm-acknowledger.js';
import { signedBytes } from '../../agent/commands/canonical-json.js';
import { commandResponseSchema, type CommandResponse } from '../../agent/commands/command-schema.js';
import { CommandService } from '../../agent/commands/command-service.js';
import { RuntimeSettings } from '../../agent/commands/runtime-settings.js';
import { systemClock } from '../../agent/model/clock.js';
import { silentLogger } from '../../agent/runtime/logger.js';
import { Store } from '../../agent/store/store.js';
import { Forwarder } from '../../agent/upstream/forwarder.js';
import { envelopeSchema } from '../../agent/upstream/messages.js';
import { startMosquitto, startSubscriber, type MosquittoBroker, type Subscriber } from '../helpers/mosquitto.js';

const gateway = { mineId: 'mine-7', gatewayId: 'shaft-1' };
const root = 'shaftgate/v1/mine-7/shaft-1';
const platformKey = generateKeyPairSync('ed25519');
const strangerKey = generateKeyPairSync('ed25519');
const platform = platformSchema.parse({ commandKeys: [] });

let broker: MosquittoBroker;
let dir: string;
let publisher: MqttClient;
beforeAll(async () => {
  broker = await startMosquitto();
  dir = mkdtempSync(join(tmpdir(), 'shaftgate-commands-'));
  publisher = connect(broker.url, { clientId: 'platform-test' });
  await new Promise((resolve) => publisher.once('connect', resolve));
});
afterAll(async () => {
  await publisher.endAsync(true);
  await broker.stop();
  rmSync(dir, { recursive: true, force: true });
});

function signed(type: string, params: object, overrides: Record<string, unknown> = {}, key = platformKey.privateKey): Record<string, unknown> {
  const now = Date.now();
  const unsigned = { v: 1, id: randomUUID(), type, issuedAt: now, expiresAt: now + 60_000, nonce: randomUUID().replaceAll('-', ''), keyId: 'platform-1', params, ...overrides };
  return { ...unsigned, signature: sign(null, signedBytes(unsigned), key).toString('base64') };
}

function startGateway(path: string) {
  const store = Store.open(storeSchema.parse({ path }), { clock: systemClock, logger: silentLogger() });
  const settings = RuntimeSettings.fromStored(store.commandLedger.settings());
  let forwarder: Forwarder | null = null;
  const service = new CommandService({
    store,
    settings,
    keys: new Map([['platform-1', platformKey.publicKey]]),
    platform,
    alarms: new NoAlarms(),
    snapshot: () => [{ deviceId: 'sm-1', pointId: 'ch4', name: null, unit: '%CH4', value: 0.4, quality: 'good', ts: 1, lastGoodAt: 1, staleAfterMs: 3000 }],
    clock: systemClock,
    logger: silentLogger(),
    onOutbox: () => forwarder?.notify(),
  });
  const mqtt = mqttSchema.parse({ url: broker.url, clientId: `gw-${randomUUID()}`, reconnectMinMs: 100 });
  forwarder = new Forwarder({ mqtt, gateway, outbox: store, clock: systemClock, logger: silentLogger(), onCommand: (payload) => service.handle(payload) });
  forwarder.start();
  const fwd = forwarder;
  return {
    store,
    settings,
    service,
    forwarder: fwd,
    stop: async () => {
      await fwd.stop(1000);
      store.close();
    },
  };
}

async function send(subscriber: Subscriber, payload: Record<string, unknown> | string): Promise<CommandResponse> {
  const before = subscriber.on(`${root}/commands/response`).length;
  await publisher.publishAsync(`${root}/commands`, typeof payload === 'string' ? payload : JSON.stringify(payload), { qos: 1 });
  await subscriber.waitFor(() => subscriber.on(`${root}/commands/response`).length > before, 5000);
  const message = envelopeSchema.parse(JSON.parse(subscriber.on(`${root}/commands/response`)[before]!.payload));
  return commandResponseSchema.parse(message.body);
}

it('applies, audits and answers a good command; rejects every bad one without changing state', async () => {
  const path = join(dir, 'gw.db');
  const subscriber = await startSubscriber(broker.url, `${root}/#`);
  let gw = startGateway(path);
  try {
    await expect.poll(() => gw.forwarder.stats().connected).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 100)); // let the SUBSCRIBE reach the broker

    const good = signed('set_quota', { scope: 'mine', limit: 120 });
    expect(await send(subscriber, good)).toMatchObject({ commandId: good.id, status: 'accepted', result: { quota: 'mine', limit: 120 } });
    expect(gw.settings.quotas()).toMatchObject([{ scope: 'mine', limit: 120 }]);
    const settingsAfterGood = JSON.stringify(gw.settings.snapshot);

    const bad: Array<[string, Record<string, unknown> | string]> = [
      ['malformed', '{"id":"x"'],
      ['bad_signature', signed('set_quota', { scope: 'mine', limit: 999 }, {}, strangerKey.privateKey)],
      ['unknown_key', signed('set_quota', { scope: 'mine', limit: 999 }, { keyId: 'nobody' })],
      ['expired', signed('set_quota', { scope: 'mine', limit: 999 }, { issuedAt: Date.now() - 600_000, expiresAt: Date.now() - 120_000 })],
      ['not_yet_valid', signed('set_quota', { scope: 'mine', limit: 999 }, { issuedAt: Date.now() + 120_000, expiresAt: Date.now() + 180_000 })],
      ['replayed', good],
      ['unknown_type', signed('open_all_gates', {})],
      ['invalid_params', signed('set_suspension', { orderRef: 'X', maxPerShift: 30, maxPerWorkLocation: 50 })],
      ['not_suspended', signed('lift_suspension', { orderRef: 'X' })],
      ['unknown_alarm', signed('ack_alarm', { alarmId: 'ch4-high-7', by: 'dispatcher Wang' })],
    ];
    for (const [reason, payload] of bad) {
      const response = await send(subscriber, payload);
      expect(response, reason).toMatchObject({ status: 'rejected', reason });
      expect(JSON.stringify(gw.settings.snapshot), `${reason} changed the settings`).toBe(settingsAfterGood);
    }

    const snapshot = signed('request_snapshot', {});
    expect(await send(subscriber, snapshot)).toMatchObject({ status: 'accepted', result: { stream: 'snapshot', points: 1 } });
    await subscriber.waitFor(() => subscriber.on(`${root}/snapshot`).length === 1);
    expect(JSON.parse(subscriber.on(`${root}/snapshot`)[0]!.payload)).toMatchObject({ stream: 'snapshot', body: { requestedBy: snapshot.id, points: [{ pointId: 'ch4' }] } });

    const audit = gw.store.commandLedger.recentAudit(100);
    expect(audit).toHaveLength(bad.length + 2);
    expect(audit.filter((row) => row.result === 'accepted').map((row) => row.type).sort()).toEqual(['request_snapshot', 'set_quota']);
    await subscriber.waitFor(() => subscriber.on(`${root}/audit`).length === bad.length + 2);

    // Restart: the settings come back from SQLite and the used nonce is still used.
    await gw.stop();
    gw = startGateway(path);
    await expect.poll(() => gw.forwarder.stats().connected).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(gw.settings.quotas()).toMatchObject([{ scope: 'mine', limit: 120 }]);
    expect(await send(subscriber, good)).toMatchObject({ status: 'rejected', reason: 'replayed' });
  } finally {
    await gw.stop();
    await subscriber.close();
  }
});
