/**
 * The topic tree: `<topicPrefix>/<mineId>/<gatewayId>/<stream>`. The prefix carries the contract
 * version (default `shaftgate/v1`); see docs/mqtt-contract.md.
 */

/** Streams whose messages go through the outbox (stored first, then forwarded, QoS 1, not retained). */
export const OUTBOX_STREAMS = ['telemetry', 'events', 'alarms'] as const;
export type OutboxStream = (typeof OUTBOX_STREAMS)[number];

/** All streams, including `status` (retained, live state; never stored). */
export const STREAMS = [...OUTBOX_STREAMS, 'status'] as const;
export type Stream = (typeof STREAMS)[number];

export interface TopicRoot {
  topicPrefix: string;
  mineId: string;
  gatewayId: string;
}

export function topicFor(root: TopicRoot, stream: string): string {
  return `${root.topicPrefix}/${root.mineId}/${root.gatewayId}/${stream}`;
}

/** Caches topic strings per stream: the forwarder builds one per message otherwise. */
export class TopicCache {
  private readonly topics = new Map<string, string>();

  constructor(private readonly root: TopicRoot) {}

  topic(stream: string): string {
    let topic = this.topics.get(stream);
    if (topic === undefined) {
      topic = topicFor(this.root, stream);
      this.topics.set(stream, topic);
    }
    return topic;
  }
}
