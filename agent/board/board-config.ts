/**
 * The `board` section of the config: who may act from the shaft-head board, and the limits that
 * keep the board from costing the agent anything (live clients, wrong-PIN attempts, body sizes).
 * config/schema.ts plugs it in; everything has a default, so `board: {}` (or no section) is valid
 * and gives a read-only board (no operators → every action is refused).
 */
import { z } from 'zod';
import { parsePinHash } from './pin-hash.js';

const operatorSchema = z
  .object({
    name: z.string().trim().min(1).max(64).describe('operator name as typed on the board, e.g. 王建国'),
    pinHash: z
      .string()
      .refine((text) => parsePinHash(text) !== null, {
        message: 'not a PIN hash shaftgate can check: expected "scrypt$N$r$p$salt$hash" as made by hashPinSync() (agent/board/pin-hash.ts)',
      })
      .describe('scrypt hash of the operator PIN; never the PIN itself'),
  })
  .strict();

const liveSchema = z
  .object({
    maxClients: z.number().int().min(1).max(256).default(16).describe('live (SSE) board connections at once; more are answered 503'),
    heartbeatMs: z.number().int().min(1_000).max(60_000).default(5_000).describe('a heartbeat event this often, so a screen notices a dead stream'),
    maxBufferedBytes: z
      .number()
      .int()
      .min(64 * 1024)
      .max(64 * 1024 * 1024)
      .default(1024 * 1024)
      .describe('a client that has this much unsent data is dropped (it reconnects); it never slows the agent'),
    minIntervalMs: z.number().int().min(0).max(5_000).default(200).describe('changes closer than this are sent as one snapshot'),
  })
  .strict();

const pinAttemptsSchema = z
  .object({
    maxFailures: z.number().int().min(1).max(100).default(5).describe('wrong PINs from one client within the window before it is locked out'),
    windowMs: z.number().int().min(1_000).max(86_400_000).default(300_000).describe('window (and lock-out) length'),
    trackedClients: z.number().int().min(16).max(100_000).default(1_024).describe('clients remembered at once; the oldest is forgotten first'),
  })
  .strict();

export const boardConfigSchema = z
  .object({
    enabled: z.boolean().default(true).describe('serve the board at / on the agent HTTP port'),
    operators: z
      .array(operatorSchema)
      .default([])
      .superRefine((operators, ctx) => {
        const seen = new Set<string>();
        operators.forEach((operator, index) => {
          if (seen.has(operator.name)) ctx.addIssue({ code: 'custom', path: [index, 'name'], message: `operator "${operator.name}" is listed twice` });
          seen.add(operator.name);
        });
      })
      .describe('who may acknowledge alarms and switch the manual ban from the board'),
    live: liveSchema.prefault({}),
    pinAttempts: pinAttemptsSchema.prefault({}),
    maxBodyBytes: z.number().int().min(256).max(65_536).default(4_096).describe('largest accepted POST body'),
  })
  .strict();

export type BoardConfig = z.infer<typeof boardConfigSchema>;
export type BoardOperator = z.infer<typeof operatorSchema>;

/** The defaults, for tests and for an agent whose config has no board section. */
export function defaultBoardConfig(): BoardConfig {
  return boardConfigSchema.parse({});
}
