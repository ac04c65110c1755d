/** mqtt.js options for one connection attempt of the forwarder. */
import type { IClientOptions } from 'mqtt';
import type { MqttConfig } from '../../config/schema.js';

export interface WillMessage {
  topic: string;
  payload: string;
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
    will: { topic: will.topic, payload: Buffer.from(will.payload), qos: 1, retain: true },
  };
  if (config.username !== undefined) options.username = config.username;
  if (config.password !== undefined) options.password = config.password;
  return options;
}
