/**
 * The platform side: one mqtt.js client subscribed with QoS 1 to the gateway's whole topic tree,
 * consuming everything and counting it — messages per stream, telemetry samples, late messages —
 * which proves the load ran end to end (agent → store → forwarder → Mosquitto → here).
 */
import { connect, type MqttClient } from 'mqtt';

export interface SubscriberCounts {
  messages: number;
  bytes: number;
  byStream: Record<string, number>;
  telemetrySamples: number;
  lateMessages: number;
  malformed: number;
}

export class PlatformSubscriber {
  readonly counts: SubscriberCounts = { messages: 0, bytes: 0, byStream: {}, telemetrySamples: 0, lateMessages: 0, malformed: 0 };

  private constructor(private readonly client: MqttClient) {}

  static async start(url: string, gateway: { mineId: string; gatewayId: string }): Promise<PlatformSubscriber> {
    const client = connect(url, { clientId: 'footprint-platform', protocolVersion: 4, clean: true, reconnectPeriod: 100, connectTimeout: 3000 });
    client.on('error', () => {}); // reconnects on its own
    const subscriber = new PlatformSubscriber(client);
    const prefix = `shaftgate/v1/${gateway.mineId}/${gateway.gatewayId}/`;
    client.on('message', (topic, payload) => subscriber.receive(topic.slice(prefix.length), payload));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the platform subscriber could not connect to ${url}`)), 5000);
      client.once('connect', () => {
        client.subscribe(`${prefix}#`, { qos: 1 }, (error) => {
          clearTimeout(timer);
          if (error) reject(error);
          else resolve();
        });
      });
    });
    return subscriber;
  }

  snapshot(): SubscriberCounts {
    return { ...this.counts, byStream: { ...this.counts.byStream } };
  }

  close(): Promise<void> {
    return this.client.endAsync(true);
  }

  private receive(subtopic: string, payload: Buffer): void {
    const counts = this.counts;
    counts.messages++;
    counts.bytes += payload.length;
    if (subtopic === 'status' || subtopic === 'commands') {
      counts.byStream[subtopic] = (counts.byStream[subtopic] ?? 0) + 1;
      return;
    }
    try {
      const message = JSON.parse(payload.toString('utf8')) as { stream?: string; late?: boolean; body?: { samples?: unknown[] } };
      const stream = typeof message.stream === 'string' ? message.stream : subtopic;
      counts.byStream[stream] = (counts.byStream[stream] ?? 0) + 1;
      if (message.late === true) counts.lateMessages++;
      if (stream === 'telemetry' && Array.isArray(message.body?.samples)) counts.telemetrySamples += message.body.samples.length;
    } catch {
      counts.malformed++;
    }
  }
}
