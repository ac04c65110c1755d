/**
 * TLS with a client certificate against a real Mosquitto TLS listener. The CA, server and client
 * certificates are made by openssl (Debian package openssl) in a temp folder for this test.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { mqttSchema, storeSchema } from '../../config/schema.js';
import { systemClock } from '../../agent/model/clock.js';
import { silentLogger } from '../../agent/runtime/logger.js';
import { Store } from '../../agent/store/store.js';
import { Forwarder } from '../../agent/upstream/forwarder.js';
import { freePort } from '../helpers/free-port.js';
import { startMosquitto, startSubscriber, type MosquittoBroker } from '../helpers/mosquitto.js';

let dir: string;
let broker: MosquittoBroker;
let tlsPort: number;
const file = (name: string) => join(dir, name);
const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'shaftgate-tls-'));
  openssl('version');
  makeCertificatesWithExtensions();
  tlsPort = await freePort();
  broker = await startMosquitto({
    extraConfig: [`listener ${tlsPort} 127.0.0.1`, `cafile ${file('ca.crt')}`, `certfile ${file('server.crt')}`, `keyfile ${file('server.key')}`, 'require_certificate true'],
  });
});
afterAll(async () => {
  await broker.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** openssl x509 -extfile needs a file; write the extension lines next to the keys. */
function makeCertificatesWithExtensions(): void {
  openssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=shaftgate test CA');
  const extensions: Record<string, string> = { server: 'subjectAltName=IP:127.0.0.1,DNS:localhost', client: 'extendedKeyUsage=clientAuth' };
  for (const [name, ext] of Object.entries(extensions)) {
    execFileSync('sh', ['-c', `printf '%s\\n' '${ext}' > ${name}.ext`], { cwd: dir });
    openssl('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`);
    openssl('x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${name}.crt`, '-days', '2', '-extfile', `${name}.ext`);
  }
}

function forwarderWith(tls: Record<string, string>, store: Store): Forwarder {
  const mqtt = mqttSchema.parse({ url: `mqtts://127.0.0.1:${tlsPort}`, clientId: `tls-${Math.random()}`, reconnectMinMs: 100, reconnectMaxMs: 1000, tls });
  return new Forwarder({ mqtt, gateway: { mineId: 'm', gatewayId: 'g' }, outbox: store, clock: systemClock, logger: silentLogger() });
}

it('connects over TLS with CA and client certificate and delivers the outbox', async () => {
  const store = Store.open(storeSchema.parse({ path: file('tls.db') }), { clock: systemClock, logger: silentLogger() });
  const subscriber = await startSubscriber(broker.url, 'shaftgate/v1/m/g/telemetry');
  const forwarder = forwarderWith({ caFile: file('ca.crt'), certFile: file('client.crt'), keyFile: file('client.key') }, store);
  try {
    const now = Date.now();
    store.recordCycles([{ deviceId: 'd', startedAt: now, finishedAt: now, samples: [{ deviceId: 'd', pointId: 'p', value: 1.5, quality: 'good', ts: now, mono: 0 }] }]);
    forwarder.start();
    await subscriber.waitFor((messages) => messages.length === 1);
    expect(JSON.parse(subscriber.messages[0]!.payload)).toMatchObject({ stream: 'telemetry', body: { samples: [{ value: 1.5 }] } });
  } finally {
    await forwarder.stop(1000);
    await subscriber.close();
    store.close();
  }
});

it('does not connect without the client certificate, and says why', async () => {
  const store = Store.open(storeSchema.parse({ path: file('tls2.db') }), { clock: systemClock, logger: silentLogger() });
  const forwarder = forwarderWith({ caFile: file('ca.crt') }, store);
  try {
    forwarder.start();
    await expect.poll(() => forwarder.stats().lastError, { timeout: 5000 }).toBeTruthy();
    expect(forwarder.stats().connected).toBe(false);
  } finally {
    await forwarder.stop(500);
    store.close();
  }
});

it('names the missing file when a TLS file cannot be read', async () => {
  const store = Store.open(storeSchema.parse({ path: file('tls3.db') }), { clock: systemClock, logger: silentLogger() });
  const forwarder = forwarderWith({ caFile: file('missing-ca.crt') }, store);
  try {
    forwarder.start();
    await expect.poll(() => forwarder.stats().lastError, { timeout: 5000 }).toMatch(/mqtt\.tls\.caFile .*missing-ca\.crt/);
  } finally {
    await forwarder.stop(500);
    store.close();
  }
});
