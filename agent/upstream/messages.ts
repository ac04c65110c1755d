/**
 * The messages shaftgate publishes, as zod schemas: the single source of truth for their types,
 * for the JSON Schemas in docs/schemas (gen-message-schemas.ts) and for the contract tests.
 *
 * Objects are not strict on purpose: consumers must ignore fields they do not know, so that adding
 * a field stays a compatible change within contract version 1 (docs/mqtt-contract.md).
 */
import { z } from 'zod';
import { QUALITIES, type PollCycle } from '../model/sample.js';

export const CONTRACT_VERSION = 1;

const epochMs = z.number().int().min(0).describe('milliseconds since the Unix epoch (UTC)');

export const sampleValueSchema = z
  .union([z.number(), z.boolean(), z.string(), z.null()])
  .describe('engineering value exactly as measured; null whenever quality is not "good"');

export const telemetrySampleSchema = z
  .object({
    point: z.string().min(1).describe('point id, unique within its device'),
    value: sampleValueSchema,
    quality: z.enum(QUALITIES).describe('"good", or why the value could not be taken'),
    ts: epochMs.describe('when the value was received from the device, ms since the Unix epoch'),
    exceptionCode: z.number().int().min(1).max(255).optional().describe('Modbus exception code, present when quality is "exception"'),
  })
  .describe('one reading of one point');

export const telemetryBodySchema = z
  .object({
    device: z.string().min(1).describe('device id from the gateway config'),
    cycleStartedAt: epochMs.describe('when the poll cycle started, ms since the Unix epoch'),
    samples: z.array(telemetrySampleSchema).describe('every point the device produced in this poll cycle'),
  })
  .describe('body of a telemetry message: one poll cycle of one device');

const envelopeFields = {
  v: z.literal(CONTRACT_VERSION).describe('contract version; a breaking change gets a new version and a new topic prefix'),
  mine: z.string().min(1).describe('mine id, as in the topic'),
  gateway: z.string().min(1).describe('gateway id, as in the topic'),
  stream: z.string().min(1).describe('stream name, as the last topic level'),
  seq: z.number().int().min(1).describe('sequence number within (gateway, stream): starts at 1, +1 per message, survives restarts, never repeats'),
  id: z.uuid().describe('unique message id; a message delivered twice (after a lost acknowledgement) carries the same id'),
  recordedAt: epochMs.describe('when the gateway recorded the data (telemetry: when the poll cycle finished)'),
  sentAt: epochMs.describe('when this copy was published'),
  late: z.boolean().describe('true when sentAt - recordedAt exceeded the gateway\'s lateAfterMs: replayed or delayed data'),
};

export const envelopeSchema = z
  .object({ ...envelopeFields, body: z.unknown().describe('the stream\'s message body') })
  .describe('every message on the telemetry, events and alarms streams');

export const telemetryMessageSchema = z
  .object({ ...envelopeFields, stream: z.literal('telemetry'), body: telemetryBodySchema })
  .describe('a message on <topicPrefix>/<mineId>/<gatewayId>/telemetry');

export const statsPointSchema = z
  .object({
    point: z.string().min(1),
    samples: z.number().int().min(0).describe('samples of any quality in the bucket'),
    good: z.number().int().min(0).describe('good numeric samples; min, max and mean are computed from these only'),
    min: z.number().nullable().describe('null when good is 0'),
    minTs: epochMs.nullable().describe('time of the (first) minimum'),
    max: z.number().nullable().describe('null when good is 0'),
    maxTs: epochMs.nullable().describe('time of the (first) maximum'),
    mean: z.number().nullable().describe('arithmetic mean of the good samples; null when good is 0'),
  })
  .describe('statistics of one point over one bucket');

export const statsBodySchema = z
  .object({
    device: z.string().min(1),
    bucketStart: epochMs.describe('start of the bucket (a multiple of bucketMs since the epoch, UTC)'),
    bucketMs: z.literal(300_000).describe('bucket length: 5 minutes'),
    points: z.array(statsPointSchema).describe('numeric points of the device that had samples in the bucket'),
  })
  .describe('body of a stats message: 5-minute statistics of one device, computed on the gateway from measured samples only');

export const statsMessageSchema = z
  .object({ ...envelopeFields, stream: z.literal('stats'), body: statsBodySchema })
  .describe('a message on <topicPrefix>/<mineId>/<gatewayId>/stats');

export const EVICTION_CLASSES = ['telemetry', 'stats', 'events'] as const;

export const evictionEventBodySchema = z
  .object({
    kind: z.literal('store_eviction'),
    class: z.enum(EVICTION_CLASSES).describe('telemetry (raw history, telemetry and snapshot messages) goes first, then stats; events (events, alarms, audit, command answers) last'),
    rows: z.number().int().min(0).describe('rows deleted in this eviction (history rows and messages)'),
    unsentMessages: z.number().int().min(0).describe('of those, messages that had not reached the broker: lost upstream'),
    unsentSamples: z.number().int().min(0).describe('samples inside the unsent telemetry messages'),
    firstSeq: z.number().int().nullable().describe('lowest seq of the unsent messages evicted (per class stream), null if none'),
    lastSeq: z.number().int().nullable(),
    totals: z.record(z.string(), z.object({ rows: z.number().int(), unsent: z.number().int(), samples: z.number().int() })).describe('running totals per class since the database was created'),
    usedBytes: z.number().int(),
    budgetBytes: z.number().int(),
  })
  .describe('event body: the disk budget was reached and the oldest data of a class was deleted');

export const snapshotBodySchema = z
  .object({
    requestedBy: z.string().describe('id of the request_snapshot command'),
    takenAt: epochMs,
    points: z.array(
      z.object({
        deviceId: z.string(),
        pointId: z.string(),
        name: z.string().nullable(),
        unit: z.string().nullable(),
        value: sampleValueSchema,
        quality: z.enum(QUALITIES),
        ts: epochMs.nullable(),
        lastGoodAt: epochMs.nullable(),
        staleAfterMs: z.number().int(),
      }),
    ),
  })
  .describe('body of a snapshot message: the current point table, on request');

export const GATEWAY_STATES = ['online', 'offline'] as const;

export const statusMessageSchema = z
  .object({
    v: z.literal(CONTRACT_VERSION),
    mine: z.string().min(1),
    gateway: z.string().min(1),
    state: z.enum(GATEWAY_STATES),
    ts: epochMs.describe('when the gateway composed the message; for the Last Will that is when the connection was opened, the broker sends it later'),
    reason: z.string().min(1).optional().describe('why the gateway is offline: "connection lost" (Last Will), "stopped" (clean shutdown)'),
  })
  .describe('retained message on <topicPrefix>/<mineId>/<gatewayId>/status');

export type TelemetrySample = z.infer<typeof telemetrySampleSchema>;
export type TelemetryBody = z.infer<typeof telemetryBodySchema>;
export type Envelope = z.infer<typeof envelopeSchema>;
export type TelemetryMessage = z.infer<typeof telemetryMessageSchema>;
export type GatewayState = (typeof GATEWAY_STATES)[number];
export type StatusMessage = z.infer<typeof statusMessageSchema>;
export type StatsBody = z.infer<typeof statsBodySchema>;
export type EvictionEventBody = z.infer<typeof evictionEventBodySchema>;
export type EvictionClass = (typeof EVICTION_CLASSES)[number];

/** The telemetry body of one poll cycle. Values pass through untouched (safety principle 2). */
export function telemetryBodyOf(cycle: PollCycle): TelemetryBody {
  return {
    device: cycle.deviceId,
    cycleStartedAt: cycle.startedAt,
    samples: cycle.samples.map((sample) => {
      const out: TelemetrySample = { point: sample.pointId, value: sample.value, quality: sample.quality, ts: sample.ts };
      if (sample.exceptionCode !== undefined) out.exceptionCode = sample.exceptionCode;
      return out;
    }),
  };
}
