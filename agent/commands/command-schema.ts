/**
 * Commands from the central platform, as zod schemas: the single source of truth for their types,
 * for validation (validate-command.ts) and for the JSON Schemas in docs/schemas.
 *
 * Unlike the messages we publish, commands are strict: an unknown field in a signed safety order
 * is rejected (malformed / invalid_params), never ignored, so a newer platform cannot believe a
 * field took effect when this gateway did not understand it.
 */
import { z } from 'zod';

export const COMMAND_VERSION = 1;

const epochMs = z.number().int().min(0).describe('milliseconds since the Unix epoch (UTC)');
const nonNegativeCount = z.number().int().min(0).max(100_000);
const label = z.string().min(1).max(128);

export const COMMAND_TYPES = ['set_quota', 'set_suspension', 'lift_suspension', 'weather_alert', 'roster_update', 'ack_alarm', 'request_snapshot'] as const;
export type CommandType = (typeof COMMAND_TYPES)[number];

/** Machine-readable reasons a command is rejected (the `reason` of a response). */
export const REJECT_REASONS = [
  'too_large', // the payload is over MAX_COMMAND_BYTES
  'malformed', // not JSON, or the envelope fields are missing / of the wrong type
  'unsupported_version', // v is not a version this gateway knows
  'unknown_key', // keyId names no key in platform.commandKeys
  'bad_signature', // the Ed25519 signature does not verify over the canonical encoding
  'not_yet_valid', // issuedAt is in the future beyond the allowed clock skew
  'expired', // expiresAt has passed (beyond the allowed clock skew)
  'validity_too_long', // expiresAt − issuedAt exceeds platform.maxCommandValidityMs, or expiresAt ≤ issuedAt
  'replayed', // this nonce was already used with this key
  'unknown_type', // type is not one of COMMAND_TYPES
  'invalid_params', // params do not match the type's schema
  'stale_version', // roster_update with a version not newer than the gateway's
  'not_suspended', // lift_suspension while no suspension is active
  'unknown_alarm', // ack_alarm for an alarm this gateway does not have
  'internal_error', // the gateway could not store the result; nothing was changed
] as const;
export type RejectReason = (typeof REJECT_REASONS)[number];

/** Largest command payload accepted, in bytes: a 5 000-person roster fits with room to spare. */
export const MAX_COMMAND_BYTES = 1_048_576;

export const commandEnvelopeSchema = z
  .strictObject({
    v: z.number().int().describe('command format version; this gateway knows 1'),
    id: z.uuid().describe('unique command id, echoed in the response'),
    type: z.string().min(1).max(64).describe(`one of ${COMMAND_TYPES.join(', ')}`),
    issuedAt: epochMs.describe('when the platform issued the command'),
    expiresAt: epochMs.describe('after this the gateway rejects the command (expired)'),
    nonce: z
      .string()
      .regex(/^[A-Za-z0-9_-]{16,128}$/, '16–128 characters of base64url or hex')
      .describe('random, never reused with the same key; the gateway rejects a repeat (replayed)'),
    keyId: z.string().min(1).max(64).describe('id of the platform key that signed the command'),
    params: z.record(z.string(), z.unknown()).describe('parameters of the command type'),
    signature: z
      .string()
      .regex(/^[A-Za-z0-9+/]{86}==$/, 'base64 of the 64-byte Ed25519 signature')
      .describe('Ed25519 signature (base64) over the canonical encoding of every other field (docs/mqtt-contract.md)'),
  })
  .describe('a command on <topicPrefix>/<mineId>/<gatewayId>/commands');

export const QUOTA_SCOPES = ['mine', 'shift', 'area', 'level'] as const;
export const WEATHER_TYPES = ['rainstorm', 'typhoon', 'thunderstorm', 'gale', 'blizzard', 'cold_wave', 'heat', 'fog', 'hail', 'sandstorm', 'other'] as const;
export const WEATHER_COLOURS = ['blue', 'yellow', 'orange', 'red'] as const;
export const EMPLOYMENT_KINDS = ['direct', 'dispatch'] as const;
export const ROSTER_ROLES = ['worker', 'leader', 'visitor'] as const;
/** Measure 25: at most 10 people at one work location while suspended. A command cannot raise it. */
export const SUSPENSION_MAX_PER_WORK_LOCATION = 10;

export const setQuotaParamsSchema = z
  .strictObject({
    scope: z.enum(QUOTA_SCOPES).describe('mine: whole mine; shift: per shift; area / level: one area or production level (target names it)'),
    target: label.optional().describe('area or level id; required for scope area and level, absent otherwise'),
    limit: nonNegativeCount.describe('most people allowed (定员)'),
  })
  .superRefine((p, ctx) => {
    const needsTarget = p.scope === 'area' || p.scope === 'level';
    if (needsTarget && p.target === undefined) ctx.addIssue({ code: 'custom', path: ['target'], message: `scope ${p.scope} needs a target` });
    if (!needsTarget && p.target !== undefined) ctx.addIssue({ code: 'custom', path: ['target'], message: `scope ${p.scope} takes no target` });
  });

export const setSuspensionParamsSchema = z.strictObject({
  orderRef: label.describe('reference of the suspension order (停工停产整改 notice)'),
  maxPerShift: nonNegativeCount.describe('cap on single-shift headcount while suspended'),
  maxPerWorkLocation: z.number().int().min(0).max(SUSPENSION_MAX_PER_WORK_LOCATION).describe('cap at one work location, at most 10 (measure 25)'),
});

export const liftSuspensionParamsSchema = z.strictObject({
  orderRef: label.describe('reference of the order lifting the suspension'),
});

export const weatherAlertParamsSchema = z
  .strictObject({
    alertId: label.describe('id of the alert; a later command with the same id replaces it'),
    type: z.enum(WEATHER_TYPES),
    colour: z.enum(WEATHER_COLOURS).describe('warning level: blue < yellow < orange < red'),
    validFrom: epochMs,
    validUntil: epochMs,
    cancelled: z.boolean().default(false).describe('true withdraws the alert'),
  })
  .refine((p) => p.validUntil > p.validFrom, { path: ['validUntil'], message: 'validUntil must be after validFrom' });

export const rosterPersonSchema = z.strictObject({
  cardId: label.describe('positioning card id'),
  name: label,
  role: z.enum(ROSTER_ROLES),
  shift: label.optional(),
  employment: z.enum(EMPLOYMENT_KINDS).describe('dispatch (劳务派遣) workers may not go underground (measures 24, 36)'),
  trainingValidUntil: epochMs.nullable().describe('safety training valid until; null when missing (measure 35)'),
});

export const rosterUpdateParamsSchema = z
  .strictObject({
    version: z.number().int().min(1).describe('roster version; must be higher than the one the gateway has'),
    people: z.array(rosterPersonSchema).max(10_000),
  })
  .superRefine((p, ctx) => {
    const seen = new Set<string>();
    p.people.forEach((person, index) => {
      if (seen.has(person.cardId)) ctx.addIssue({ code: 'custom', path: ['people', index, 'cardId'], message: `card ${person.cardId} is listed twice` });
      seen.add(person.cardId);
    });
  });

export const ackAlarmParamsSchema = z.strictObject({
  alarmId: label,
  by: label.describe('who acknowledged it at the platform'),
  note: z.string().max(1024).optional(),
});

export const requestSnapshotParamsSchema = z.strictObject({});

export const COMMAND_PARAMS_SCHEMAS = {
  set_quota: setQuotaParamsSchema,
  set_suspension: setSuspensionParamsSchema,
  lift_suspension: liftSuspensionParamsSchema,
  weather_alert: weatherAlertParamsSchema,
  roster_update: rosterUpdateParamsSchema,
  ack_alarm: ackAlarmParamsSchema,
  request_snapshot: requestSnapshotParamsSchema,
} as const satisfies Record<CommandType, z.ZodType>;

export type CommandEnvelope = z.infer<typeof commandEnvelopeSchema>;
export type CommandParams = { [T in CommandType]: z.infer<(typeof COMMAND_PARAMS_SCHEMAS)[T]> };
export type SetQuotaParams = CommandParams['set_quota'];
export type SetSuspensionParams = CommandParams['set_suspension'];
export type WeatherAlertParams = CommandParams['weather_alert'];
export type RosterUpdateParams = CommandParams['roster_update'];
export type RosterPerson = z.infer<typeof rosterPersonSchema>;
export type AckAlarmParams = CommandParams['ack_alarm'];

/** A command whose envelope, signature, times, nonce and params all checked out. */
export type VerifiedCommand = {
  [T in CommandType]: Omit<CommandEnvelope, 'type' | 'params'> & { type: T; params: CommandParams[T] };
}[CommandType];

export const commandResponseSchema = z
  .object({
    commandId: z.string().nullable().describe('the command id, or null when the payload was not readable'),
    type: z.string().nullable().describe('the command type as sent, or null'),
    status: z.enum(['accepted', 'rejected']),
    reason: z.enum(REJECT_REASONS).optional().describe('present when rejected: machine-readable'),
    detail: z.string().optional().describe('present when rejected: what exactly was wrong, for the platform engineer'),
    result: z.record(z.string(), z.unknown()).optional().describe('present when accepted: what the command changed'),
    receivedAt: epochMs.describe('when the gateway received the command'),
  })
  .describe('body of a message on <topicPrefix>/<mineId>/<gatewayId>/commands/response');

export type CommandResponse = z.infer<typeof commandResponseSchema>;
