/**
 * Checks one command payload from the platform: size, JSON, envelope, key, Ed25519 signature,
 * validity window, type, params and nonce. Pure: no I/O, no clock; the caller passes the keys,
 * the time and a nonce lookup. The first failing check decides the reason, in this order, so a
 * forged or garbled payload is told "bad_signature" before anything about its contents.
 */
import { verify, type KeyObject } from 'node:crypto';
import type { z } from 'zod';
import { signedBytes } from './canonical-json.js';
import {
  COMMAND_PARAMS_SCHEMAS,
  COMMAND_TYPES,
  COMMAND_VERSION,
  commandEnvelopeSchema,
  MAX_COMMAND_BYTES,
  type CommandEnvelope,
  type CommandType,
  type RejectReason,
  type VerifiedCommand,
} from './command-schema.js';

export interface ValidationContext {
  /** Platform keys by id (Ed25519 public keys). */
  keys: ReadonlyMap<string, KeyObject>;
  now: number;
  clockSkewMs: number;
  maxValidityMs: number;
  /** True when this nonce was already used with this key. */
  isReplay: (keyId: string, nonce: string) => boolean;
}

export interface Rejection {
  ok: false;
  reason: RejectReason;
  detail: string;
  /** What could be read of the command, for the response and the audit log. */
  commandId: string | null;
  type: string | null;
  /** Set when the signature verified: the nonce is then burnt too, so a replay stays a replay. */
  verified: CommandEnvelope | null;
}

export type ValidationResult = { ok: true; command: VerifiedCommand } | Rejection;

export function validateCommand(payload: Uint8Array, ctx: ValidationContext): ValidationResult {
  if (payload.byteLength > MAX_COMMAND_BYTES) {
    return reject('too_large', `the command is ${payload.byteLength} bytes; at most ${MAX_COMMAND_BYTES} are accepted`);
  }
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength).toString('utf8'));
  } catch (error) {
    return reject('malformed', `not valid JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  const readable = readableIds(json);
  const envelope = commandEnvelopeSchema.safeParse(json);
  if (!envelope.success) return reject('malformed', describeIssues(envelope.error), readable);
  const command = envelope.data;
  const ids = { commandId: command.id, type: command.type };
  if (command.v !== COMMAND_VERSION) return reject('unsupported_version', `command version ${command.v} is not supported; this gateway knows version ${COMMAND_VERSION}`, ids);

  const key = ctx.keys.get(command.keyId);
  if (key === undefined) {
    const known = [...ctx.keys.keys()];
    return reject('unknown_key', `key "${command.keyId}" is not configured on this gateway (platform.commandKeys has ${known.length === 0 ? 'no keys' : known.map((k) => `"${k}"`).join(', ')})`, ids);
  }
  if (!signatureVerifies(json as Record<string, unknown>, command.signature, key)) {
    return reject('bad_signature', `the signature does not verify with key "${command.keyId}" over the canonical encoding (sorted-key JSON of every field but signature)`, ids);
  }
  const verified = { ...ids, verified: command };

  if (command.issuedAt > ctx.now + ctx.clockSkewMs) {
    return reject('not_yet_valid', `issuedAt ${iso(command.issuedAt)} is ${command.issuedAt - ctx.now} ms ahead of the gateway clock ${iso(ctx.now)} (allowed skew ${ctx.clockSkewMs} ms): check both clocks (NTP)`, verified);
  }
  if (command.expiresAt <= command.issuedAt || command.expiresAt - command.issuedAt > ctx.maxValidityMs) {
    return reject('validity_too_long', `expiresAt − issuedAt is ${command.expiresAt - command.issuedAt} ms; it must be positive and at most ${ctx.maxValidityMs} ms (platform.maxCommandValidityMs)`, verified);
  }
  if (command.expiresAt < ctx.now - ctx.clockSkewMs) {
    return reject('expired', `the command expired at ${iso(command.expiresAt)}; gateway time is ${iso(ctx.now)} (allowed skew ${ctx.clockSkewMs} ms)`, verified);
  }
  if (ctx.isReplay(command.keyId, command.nonce)) {
    return reject('replayed', `nonce "${command.nonce}" was already used with key "${command.keyId}": each command needs a fresh nonce`, verified);
  }
  if (!isCommandType(command.type)) return reject('unknown_type', `unknown command type "${command.type}"; known: ${COMMAND_TYPES.join(', ')}`, verified);

  const params = COMMAND_PARAMS_SCHEMAS[command.type].safeParse(command.params);
  if (!params.success) return reject('invalid_params', `params of ${command.type}: ${describeIssues(params.error)}`, verified);
  return { ok: true, command: { ...command, type: command.type, params: params.data } as VerifiedCommand };
}

function isCommandType(type: string): type is CommandType {
  return (COMMAND_TYPES as readonly string[]).includes(type);
}

function signatureVerifies(command: Record<string, unknown>, signature: string, key: KeyObject): boolean {
  try {
    return verify(null, signedBytes(command), key, Buffer.from(signature, 'base64'));
  } catch {
    return false; // e.g. a key that is not Ed25519: it cannot have signed this
  }
}

function reject(
  reason: RejectReason,
  detail: string,
  known: { commandId: string | null; type: string | null; verified?: CommandEnvelope } = { commandId: null, type: null },
): Rejection {
  return { ok: false, reason, detail, commandId: known.commandId, type: known.type, verified: known.verified ?? null };
}

/** The id and type, if present as strings, so even a malformed command gets a response the platform can match. */
function readableIds(json: unknown): { commandId: string | null; type: string | null } {
  if (typeof json !== 'object' || json === null) return { commandId: null, type: null };
  const { id, type } = json as Record<string, unknown>;
  return { commandId: typeof id === 'string' ? id.slice(0, 64) : null, type: typeof type === 'string' ? type.slice(0, 64) : null };
}

function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => `${issue.path.length === 0 ? '(command)' : issue.path.join('.')}: ${issue.message}`)
    .join('; ');
}

function iso(ms: number): string {
  return Number.isFinite(ms) && Math.abs(ms) < 8.64e15 ? new Date(ms).toISOString() : String(ms);
}
