/**
 * Sends the outbox to the MQTT broker. The rules (docs/mqtt-contract.md, PRODUCT "Store and forward"):
 *
 * - QoS 1, at most `inflightWindow` messages published and not yet acknowledged.
 * - A row leaves the outbox only after the broker's PUBACK (deleted in batches by AckBatcher).
 * - Rows go out in lanes (outbox-lanes.ts): the priority streams' backlog, then live rows, then
 *   the bulk backlog paced at mqtt.backlogRatePerSecond; each lane in outbox (= seq) order.
 * - Commands from the platform arrive on …/commands (subscribed on every connect) and are handed
 *   to `onCommand`; its answers go through the outbox like everything else.
 * - mqtt.js never reconnects or queues for us. On every connection loss all in-flight messages count
 *   as not delivered; a fresh client starts again from the lowest unacknowledged row. A message whose
 *   PUBACK was lost is sent twice, with the same id.
 * - Reconnect with capped exponential backoff and full jitter.
 * - Retained "online" status on every connect; the Last Will (retained) says "offline".
 */
import { connect, type IClientOptions, type IConnackPacket, type MqttClient } from 'mqtt';
import type { MqttConfig } from '../../config/schema.js';
import type { Clock } from '../model/clock.js';
import type { Logger } from '../runtime/logger.js';
import { AckBatcher } from './ack-batcher.js';
import { backoffDelayMs } from '../../drivers/backoff.js';
import { clientOptions } from './client-options.js';
import { EnvelopeBuilder } from './envelope.js';
import type { GatewayState } from './messages.js';
import { SessionLanes } from './outbox-lanes.js';
import type { OutboxRow, OutboxSource } from './outbox-source.js';
import { OFFLINE_REASON_CONNECTION_LOST, OFFLINE_REASON_STOPPED, statusPayload } from './status-message.js';
import { TokenBucket } from './token-bucket.js';
import { COMMANDS_TOPIC_LEVEL, TopicCache } from './topics.js';

export interface ForwarderOptions {
  mqtt: MqttConfig;
  gateway: { mineId: string; gatewayId: string };
  outbox: OutboxSource;
  clock: Clock;
  logger: Logger;
  /** Creates one MQTT client per connection attempt. Default: mqtt.js `connect`. Tests wrap it. */
  createClient?: (url: string, options: IClientOptions) => MqttClient;
  /** Source of jitter for reconnect delays, in [0, 1). Default Math.random. */
  random?: () => number;
  /** Acknowledged rows are deleted every `maxDelayMs` or `maxIds`, whichever first. Default 20 ms / 1024. */
  ackBatch?: { maxIds: number; maxDelayMs: number };
  /** A command payload arrived on …/commands. Must not throw; its answer goes to the outbox. */
  onCommand?: (payload: Buffer) => void;
}

export interface ForwarderStats {
  connected: boolean;
  /** Messages published since start, re-sends included. */
  published: number;
  /** Messages the broker acknowledged. */
  acked: number;
  /** Messages published again after a connection loss (possible duplicates, same id). */
  resent: number;
  /** Published, not yet acknowledged. */
  inflight: number;
  /** Successful connections after the first. */
  reconnects: number;
  lastError: string | null;
  /** Rows waiting in the outbox (in flight included). */
  backlogRows: number;
  /** Age of the oldest waiting row, ms; null when the outbox is empty. */
  backlogAgeMs: number | null;
  /** True while the paced backlog of this connection is still being sent. */
  drainingBacklog: boolean;
  /** Command payloads received on …/commands. */
  commandsReceived: number;
}

/** One network connection: a fresh mqtt.js client and what was sent on it. */
interface Session {
  readonly client: MqttClient;
  connected: boolean;
  lost: boolean;
  /** Effective in-flight limit: the config's, lowered to the broker's Receive Maximum (MQTT 5). */
  window: number;
  /** Which rows go next; set when the connection is up. */
  lanes: SessionLanes | null;
  readonly inflight: Set<number>;
}

/**
 * A draining backlog acknowledges ~25 000 messages/s here: 20 ms gathers ~500 deletions per
 * transaction (one commit and fsync each). 1024 bounds one transaction to a few ms of event loop.
 */
const DEFAULT_ACK_BATCH = { maxIds: 1024, maxDelayMs: 20 };
/** Every outbox message: QoS 1, not retained. One object, not one per publish (mqtt.js only reads it). */
const PUBLISH_OPTIONS = { qos: 1, retain: false } as const;
/** While the broker stays unreachable, repeat the warning at most this often (the rest go to debug). */
const REPEAT_FAILURE_LOG_MS = 60_000;
/** Ids remembered for the "resent" counter, at most (diagnostics only). */
const MAX_UNCONFIRMED_IDS = 10_000;
/** After a store read failure, try the outbox again after this long. */
const OUTBOX_RETRY_MS = 1000;

export class Forwarder {
  private readonly topics: TopicCache;
  private readonly envelopes: EnvelopeBuilder;
  private readonly acks: AckBatcher;
  private readonly statusTopic: string;
  private readonly createClient: (url: string, options: IClientOptions) => MqttClient;
  private readonly random: () => number;
  private session: Session | null = null;
  private started = false;
  private stopping = false;
  private stopPromise: Promise<void> | null = null;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private pumpTimer: NodeJS.Timeout | null = null;
  private pumpImmediate: NodeJS.Immediate | null = null;
  private pumping = false;
  private failures = 0;
  private everConnected = false;
  private lastFailureLoggedAt = Number.NEGATIVE_INFINITY;
  /** Rows in flight when a connection was lost: publishing one of them again is a resend. Bounded by the window. */
  private unconfirmed = new Set<number>();
  private readonly commandsTopic: string;
  private readonly pacing: TokenBucket;
  private counters = { published: 0, acked: 0, resent: 0, reconnects: 0, commandsReceived: 0 };
  private lastError: string | null = null;

  constructor(private readonly options: ForwarderOptions) {
    const { mqtt, gateway } = options;
    const root = { topicPrefix: mqtt.topicPrefix, mineId: gateway.mineId, gatewayId: gateway.gatewayId };
    this.topics = new TopicCache(root);
    this.statusTopic = this.topics.topic('status');
    this.commandsTopic = this.topics.topic(COMMANDS_TOPIC_LEVEL);
    this.pacing = new TokenBucket(mqtt.backlogRatePerSecond, () => options.clock.monotonic());
    this.envelopes = new EnvelopeBuilder(gateway, mqtt.lateAfterMs);
    this.acks = new AckBatcher(options.outbox, { ...(options.ackBatch ?? DEFAULT_ACK_BATCH), logger: options.logger });
    this.createClient = options.createClient ?? connect;
    this.random = options.random ?? Math.random;
  }

  /** Connects and starts sending. The forwarder reconnects on its own until stop(). */
  start(): void {
    if (this.started) return;
    this.started = true;
    this.openSession();
  }

  /** New rows are waiting in the outbox. Cheap; call it after every store write. */
  notify(): void {
    if (this.pumpImmediate !== null || !this.session?.connected) return;
    this.pumpImmediate = setImmediate(() => {
      this.pumpImmediate = null;
      this.pump();
    });
  }

  /**
   * Stops taking rows, waits (at most `deadlineMs` in total) for the acknowledgements of what is in
   * flight, publishes the retained "offline" status and disconnects cleanly, so the broker does not
   * send the Last Will. Whatever is unacknowledged stays in the outbox for the next start.
   */
  stop(deadlineMs: number): Promise<void> {
    this.stopPromise ??= this.shutDown(deadlineMs);
    return this.stopPromise;
  }

  stats(): ForwarderStats {
    let backlogRows = 0;
    let backlogAgeMs: number | null = null;
    try {
      const outbox = this.options.outbox.stats();
      backlogRows = outbox.rows;
      backlogAgeMs = outbox.oldestRecordedAt === null ? null : Math.max(0, this.options.clock.now() - outbox.oldestRecordedAt);
    } catch {
      // The store is closed or failing; its own errors are reported by the store writer.
    }
    return {
      connected: this.session?.connected ?? false,
      ...this.counters,
      inflight: this.session?.inflight.size ?? 0,
      lastError: this.lastError,
      backlogRows,
      backlogAgeMs,
      drainingBacklog: this.session?.lanes?.drainingBacklog ?? false,
    };
  }

  // ---- connection lifecycle -------------------------------------------------------------------

  private openSession(): void {
    this.reconnectTimer = null;
    if (this.stopping) return;
    const will = { topic: this.statusTopic, payload: this.status('offline', OFFLINE_REASON_CONNECTION_LOST) };
    let client: MqttClient;
    try {
      client = this.createClient(this.options.mqtt.url, clientOptions(this.options.mqtt, this.options.gateway, will));
    } catch (error) {
      // e.g. an URL mqtt.js cannot handle; keep trying so a fixed DNS/config reload can recover.
      this.onConnectionFailed(error, false);
      return;
    }
    const session: Session = { client, connected: false, lost: false, window: this.options.mqtt.inflightWindow, lanes: null, inflight: new Set() };
    this.session = session;
    client.on('connect', (connack: IConnackPacket) => this.onConnected(session, connack));
    client.on('error', (error: Error) => this.onSessionLost(session, error));
    client.on('close', () => this.onSessionLost(session, new Error('connection closed')));
    client.on('message', (topic, payload) => this.onMessage(session, topic, payload));
    client.on('disconnect', (packet) => {
      const reason = packet.reasonCode === undefined ? 'no reason given' : `reason code ${packet.reasonCode}`;
      this.onSessionLost(session, new Error(`the broker disconnected us (${reason})`));
    });
  }

  private onConnected(session: Session, connack: IConnackPacket): void {
    if (session !== this.session || session.lost) return;
    session.connected = true;
    const receiveMaximum = connack.properties?.receiveMaximum;
    // One slot stays free for the status message, which also needs a PUBACK.
    if (receiveMaximum !== undefined) session.window = Math.max(1, Math.min(session.window, receiveMaximum - 1));
    if (this.everConnected) this.counters.reconnects += 1;
    this.everConnected = true;
    this.failures = 0;
    this.lastFailureLoggedAt = Number.NEGATIVE_INFINITY;
    this.lastError = null;
    session.lanes = new SessionLanes(this.options.outbox, this.backlogEnd(), this.pacing, session.window);
    this.options.logger.info(
      { url: this.options.mqtt.url, window: session.window, backlogRows: this.backlogRowsSafe(), backlogEnd: session.lanes.backlogEnd },
      `connected to MQTT broker ${this.options.mqtt.url}`,
    );
    this.publishStatus(session, 'online');
    if (this.options.onCommand !== undefined) this.subscribeCommands(session);
    this.pump();
  }

  /** The last outbox id of the backlog (0: none): everything waiting, if the oldest row is already late. */
  private backlogEnd(): number {
    try {
      const { oldestRecordedAt } = this.options.outbox.stats();
      if (oldestRecordedAt === null || this.options.clock.now() - oldestRecordedAt <= this.options.mqtt.lateAfterMs) return 0;
      return this.options.outbox.maxOutboxId();
    } catch {
      return 0; // the store is failing: pump() reports it when it peeks
    }
  }

  private subscribeCommands(session: Session): void {
    session.client.subscribe(this.commandsTopic, { qos: 1 }, (error, granted) => {
      if (session !== this.session || session.lost) return;
      const refused = granted?.some((grant) => grant.qos >= 128) ?? false;
      if (error || refused) {
        this.options.logger.error(
          { err: error, topic: this.commandsTopic },
          `could not subscribe to ${this.commandsTopic}${error ? `: ${error.message}` : ' (the broker refused it)'}; the platform cannot send commands. Check the broker ACL`,
        );
      }
    });
  }

  private onMessage(session: Session, topic: string, payload: Buffer): void {
    if (session !== this.session || session.lost || topic !== this.commandsTopic) return;
    this.counters.commandsReceived += 1;
    try {
      this.options.onCommand?.(payload);
    } catch (error) {
      this.options.logger.error({ err: error }, 'the command handler threw; the command was not answered');
    }
  }

  /** Any error or close of a session ends it: nothing in flight counts as delivered. */
  private onSessionLost(session: Session, error: Error): void {
    if (session.lost) return;
    session.lost = true;
    const wasConnected = session.connected;
    session.connected = false;
    // Bounded: rows evicted by the disk budget are never published again, so forget them eventually.
    if (this.unconfirmed.size > MAX_UNCONFIRMED_IDS) this.unconfirmed.clear();
    for (const id of session.inflight) this.unconfirmed.add(id);
    session.inflight.clear();
    // Our listeners stay attached (they ignore a lost session) so a late 'error' is never unhandled.
    session.client.end(true);
    // Delete what was acknowledged before the next session peeks, so it is not sent again.
    this.acks.flush();
    if (session !== this.session) return;
    this.session = null;
    if (this.stopping) return;
    this.onConnectionFailed(error, wasConnected);
  }

  private onConnectionFailed(error: unknown, wasConnected: boolean): void {
    const delay = backoffDelayMs(this.failures, this.options.mqtt.reconnectMinMs, this.options.mqtt.reconnectMaxMs, this.random);
    this.failures += 1;
    this.lastError = describeMqttError(error, this.options.mqtt.url);
    const now = this.options.clock.monotonic();
    const fields = { url: this.options.mqtt.url, failures: this.failures, retryInMs: delay, backlogRows: this.backlogRowsSafe() };
    if (wasConnected || now - this.lastFailureLoggedAt >= REPEAT_FAILURE_LOG_MS) {
      this.lastFailureLoggedAt = now;
      this.options.logger.warn(fields, `${wasConnected ? 'lost the connection' : 'cannot connect'}: ${this.lastError}; retrying in ${delay} ms. Data waits in the store.`);
    } else {
      this.options.logger.debug(fields, `still cannot connect: ${this.lastError}`);
    }
    this.reconnectTimer = setTimeout(() => this.openSession(), delay);
  }

  private async shutDown(deadlineMs: number): Promise<void> {
    const { clock } = this.options;
    const deadline = clock.monotonic() + deadlineMs;
    this.stopping = true;
    this.clearTimers();
    const session = this.session;
    if (session?.connected) {
      await waitUntil(() => session.inflight.size === 0 || !session.connected, deadline, clock);
      this.acks.flush();
      if (session.connected) {
        const offline = this.status('offline', OFFLINE_REASON_STOPPED);
        const published = await publishAndWait(session.client, this.statusTopic, offline, deadline, clock);
        if (!published) this.options.logger.warn(`could not publish the "offline" status before the stop deadline; the broker will send the Last Will instead`);
        session.lost = true;
        session.connected = false;
        await endClient(session.client, published, deadline, clock);
      }
    }
    if (session !== null && !session.lost) {
      session.lost = true;
      session.connected = false;
      session.client.end(true);
    }
    this.session = null;
    this.acks.flush();
    this.acks.dispose();
    this.options.logger.info({ ...this.counters, backlogRows: this.backlogRowsSafe() }, 'forwarder stopped');
  }

  private clearTimers(): void {
    if (this.reconnectTimer !== null) clearTimeout(this.reconnectTimer);
    if (this.pumpTimer !== null) clearTimeout(this.pumpTimer);
    if (this.pumpImmediate !== null) clearImmediate(this.pumpImmediate);
    this.reconnectTimer = null;
    this.pumpTimer = null;
    this.pumpImmediate = null;
  }

  // ---- sending --------------------------------------------------------------------------------

  /**
   * Fills the in-flight window from the outbox, lane by lane (outbox-lanes.ts). Every free slot is
   * refilled at once, from rows the lanes read ahead (one query per window, not per row). Waiting
   * for half the window to free up before refilling was tried: against a broker that does not set
   * TCP_NODELAY (Mosquitto's default) its PUBACKs then sit in Nagle's buffer until our delayed
   * ACK, and the drain ran at half the speed with half the CPU.
   */
  private pump(): void {
    const session = this.session;
    if (this.pumping || this.stopping || session === null || !session.connected || session.lanes === null) return;
    const inflight = session.inflight;
    this.pumping = true;
    try {
      while (session.connected && inflight.size < session.window) {
        const batch = this.next(session.lanes, session.window - inflight.size);
        if (batch === null) break;
        if (batch.rows.length === 0) {
          if (batch.waitMs > 0) this.pumpLater(batch.waitMs);
          break;
        }
        // One time for the batch: its messages are published in this same turn of the event loop.
        const sentAt = this.options.clock.now();
        for (const row of batch.rows) {
          if (this.acks.has(row.id)) continue; // acknowledged already, deletion pending
          this.publishRow(session, row, sentAt);
          if (!session.connected) break;
        }
      }
    } finally {
      this.pumping = false;
    }
  }

  private pumpLater(delayMs: number): void {
    this.pumpTimer ??= setTimeout(() => {
      this.pumpTimer = null;
      this.pump();
    }, delayMs);
  }

  private next(lanes: SessionLanes, limit: number): { rows: OutboxRow[]; waitMs: number } | null {
    try {
      return lanes.next(limit);
    } catch (error) {
      this.lastError = `cannot read the outbox: ${error instanceof Error ? error.message : String(error)}`;
      this.options.logger.error({ err: error }, `${this.lastError}; trying again in ${OUTBOX_RETRY_MS} ms`);
      this.pumpTimer ??= setTimeout(() => {
        this.pumpTimer = null;
        this.pump();
      }, OUTBOX_RETRY_MS);
      return null;
    }
  }

  private publishRow(session: Session, row: OutboxRow, sentAt: number): void {
    // A string, not a Buffer built here: mqtt.js flattens it once in the young generation (gone at
    // the next scavenge); a Buffer per message of a few KB was a malloc each, and draining a backlog
    // left the agent's RSS ~12 MB higher (bench/backlog-drain.ts).
    const payload = this.envelopes.build(row, sentAt);
    const { id, stream, seq } = row; // the callback keeps these, not the row and its body
    session.inflight.add(id);
    this.counters.published += 1;
    if (this.unconfirmed.delete(id)) this.counters.resent += 1;
    const topic = this.topics.topic(stream);
    session.client.publish(topic, payload, PUBLISH_OPTIONS, (error) => this.onPublished(session, id, stream, seq, topic, error));
  }

  private onPublished(session: Session, id: number, stream: string, seq: number, topic: string, error: Error | null | undefined): void {
    if (session !== this.session || session.lost) return; // a late callback of a dead session: the row is re-sent
    // mqtt.js passes null (not undefined, as its types say) on success.
    if (error) {
      // The broker refused the message (MQTT 5 reason code) or the client could not send it. The row
      // stays; dropping it would lose data, so start over on a new connection and keep saying why.
      const reason = `the broker did not accept message seq ${seq} on ${topic}: ${error.message}. Check the broker's ACL and its message size limit`;
      this.options.logger.error({ outboxId: id, stream, seq, err: error }, reason);
      this.onSessionLost(session, new Error(reason));
      return;
    }
    session.inflight.delete(id);
    this.unconfirmed.delete(id);
    this.counters.acked += 1;
    this.acks.add(id);
    this.pump();
  }

  private publishStatus(session: Session, state: GatewayState): void {
    session.client.publish(this.statusTopic, this.status(state), { qos: 1, retain: true }, (error) => {
      if (error && session === this.session && !session.lost) {
        this.options.logger.warn({ err: error, topic: this.statusTopic }, `the broker did not accept the "${state}" status on ${this.statusTopic}: ${error.message}`);
      }
    });
  }

  private status(state: GatewayState, reason?: string): string {
    return statusPayload(this.options.gateway, state, this.options.clock.now(), reason);
  }

  private backlogRowsSafe(): number | null {
    try {
      return this.options.outbox.stats().rows;
    } catch {
      return null;
    }
  }
}

/** An error message that says which broker and what to check. */
export function describeMqttError(error: unknown, url: string): string {
  const message = error instanceof Error ? error.message : String(error);
  const code = typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : '';
  if (code === 'ECONNREFUSED') return `broker ${url} refused the connection (${message}): is the broker running and is the port right?`;
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return `broker host of ${url} not found (${message}): check the host name and the gateway's DNS`;
  if (code === 'ETIMEDOUT' || code === 'EHOSTUNREACH' || code === 'ENETUNREACH') return `broker ${url} unreachable (${message}): check the network link and firewall`;
  if (/connack timeout/i.test(message)) return `broker ${url} did not answer the MQTT CONNECT in time: check the port is an MQTT port and TLS (mqtts://) matches the broker`;
  if (/bad user ?name or password|not authorized/i.test(message)) return `broker ${url} refused the login (${message}): check mqtt.username and mqtt.password`;
  if (/certificate|self.signed|TLS|SSL/i.test(message)) return `TLS with broker ${url} failed (${message}): check the broker certificate and the gateway's clock`;
  return `MQTT connection to ${url}: ${message}`;
}

async function waitUntil(condition: () => boolean, deadline: number, clock: Clock): Promise<void> {
  while (!condition() && clock.monotonic() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

function publishAndWait(client: MqttClient, topic: string, payload: string, deadline: number, clock: Clock): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), Math.max(0, deadline - clock.monotonic()));
    client.publish(topic, payload, { qos: 1, retain: true }, (error) => {
      clearTimeout(timer);
      resolve(!error);
    });
  });
}

/** A clean DISCONNECT (no Last Will) when `graceful`, else just drop the socket (the Will then tells the truth). */
function endClient(client: MqttClient, graceful: boolean, deadline: number, clock: Clock): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      client.end(true);
      resolve();
    }, Math.max(0, deadline - clock.monotonic()));
    client.end(!graceful, () => {
      clearTimeout(timer);
      resolve();
    });
  });
}
