/** mqtt.js options for one connection attempt of the forwarder. */
import { readFileSync } from 'node:fs';
import type { IClientOptions } from 'mqtt';
import type { MqttConfig } from '../../config/schema.js';

export interface WillMessage {
  topic: string;
  payload: string;
}

const NO_LOG = (): void => {};

/** Whether DEBUG (the `debug` package's switch) asks for mqtt.js's own log: "mqttjs*", "mqttjs:client", "*", … */
export function mqttDebugWanted(debug: string | undefined): boolean {
  return (debug ?? '')
    .split(/[\s,]+/)
    .some((pattern) => pattern !== '' && !pattern.startsWith('-') && new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*?')}$`).test('mqttjs:client'));
}

export function defaultClientId(gateway: { mineId: string; gatewayId: string }): string {
  return `shaftgate-${gateway.mineId}-${gateway.gatewayId}`;
}

export function clientOptions(config: MqttConfig, gateway: { mineId: string; gatewayId: string }, will: WillMessage): IClientOptions {
  const options: IClientOptions = {
    protocolVersion: config.protocolVersion,
    clientId: config.clientId ?? defaultClientId(gateway),
    keepalive: config.keepaliveSeconds,
    connectTimeout: config.connectTimeoutMs,
    // The forwarder reconnects itself, on a fresh client, from what SQLite says is unacknowledged.
    // mqtt.js's own reconnect would resend from its in-memory store and queue publishes made while
    // offline: a second, unbounded copy of the outbox we must not rely on.
    reconnectPeriod: 0,
    clean: true,
    queueQoSZero: false,
    resubscribe: false,
    // mqtt-packet's default number cache is 65 536 two-byte Buffers built at the first packet
    // (~6.5 MiB of RSS for the agent's lifetime) to save allocating the 2-byte message id of a
    // publish: a poor trade at a few hundred messages a second. The cache is process-wide and the
    // forwarder is the only MQTT client in the agent.
    writeCache: false,
    will: { topic: will.topic, payload: Buffer.from(will.payload), qos: 1, retain: true },
  };
  // mqtt.js logs through `debug` around every packet (~10 calls per publish and acknowledgement);
  // disabled, each call still gathers its arguments into an array first: at 10 Hz polling that was
  // ~3 % of all the agent allocated. A plain no-op costs nothing; DEBUG=mqttjs* still turns it on.
  if (!mqttDebugWanted(process.env.DEBUG)) options.log = NO_LOG;
  if (config.username !== undefined) options.username = config.username;
  if (config.password !== undefined) options.password = config.password;
  if (config.tls !== undefined) Object.assign(options, tlsOptions(config.tls));
  return options;
}

/**
 * TLS files are read at every connection attempt, so a renewed certificate is used without a
 * restart. A file that cannot be read throws, naming the config key: the forwarder reports it and
 * keeps retrying (the file may be put in place later).
 */
function tlsOptions(tls: NonNullable<MqttConfig['tls']>): Partial<IClientOptions> {
  const read = (key: string, path: string | undefined): Buffer | undefined => {
    if (path === undefined) return undefined;
    try {
      return readFileSync(path);
    } catch (error) {
      throw new Error(`cannot read mqtt.tls.${key} ${path} (${error instanceof Error ? error.message : String(error)}): check the path and that the shaftgate user may read it`);
    }
  };
  const options: Partial<IClientOptions> = { rejectUnauthorized: true };
  const ca = read('caFile', tls.caFile);
  const cert = read('certFile', tls.certFile);
  const key = read('keyFile', tls.keyFile);
  if (ca !== undefined) options.ca = ca;
  if (cert !== undefined) options.cert = cert;
  if (key !== undefined) options.key = key;
  if (tls.serverName !== undefined) options.servername = tls.serverName;
  return options;
}
