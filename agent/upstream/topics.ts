/**
 * The topic tree: `<topicPrefix>/<mineId>/<gatewayId>/<stream>`. The prefix carries the contract
 * version (default `shaftgate/v1`); see docs/mqtt-contract.md.
 */

/** Streams whose messages go through the outbox (stored first, then forwarded, QoS 1, not retained). */
export const OUTBOX_STREAMS = ['telemetry', 'stats', 'events', 'alarms', 'audit', 'snapshot', 'command_responses'] as const;
export type OutboxStream = (typeof OUTBOX_STREAMS)[number];

/**
 * Streams the forwarder sends ahead of any backlog and never paces: the shaft head's alarms and
 * events, the audit trail and answers to the platform's commands. Their order is never mixed with
 * the paced backlog, so each of them stays in seq order.
 */
export const PRIORITY_STREAMS = ['alarms', 'events', 'audit', 'command_responses'] as const satisfies readonly OutboxStream[];

/** All streams, including `status` (retained, live state; never stored). */
export const STREAMS = [...OUTBOX_STREAMS, 'status'] as const;
export type Stream = (typeof STREAMS)[number];

/** Where a stream's topic differs from its name (below <topicPrefix>/<mineId>/<gatewayId>/). */
const TOPIC_LEVELS: Readonly<Record<string, string>> = { command_responses: 'commands/response' };

/** The topic the platform publishes commands on; the gateway subscribes to it. */
export const COMMANDS_TOPIC_LEVEL = 'commands';

export interface TopicRoot {
  topicPrefix: string;
  mineId: string;
  gatewayId: string;
}

export function topicFor(root: TopicRoot, stream: string): string {
  return `${root.topicPrefix}/${root.mineId}/${root.gatewayId}/${TOPIC_LEVELS[stream] ?? stream}`;
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
