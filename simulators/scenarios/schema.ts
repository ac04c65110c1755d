/**
 * The scenario file format (simulators/scenarios/*.yaml). A scenario is a timeline of steps that
 * drive the simulated devices, plus — in words, Chinese and English, and as checkable fields — what
 * the agent is expected to do. Times are offsets from `start` ("90s", "5m", "1h30m").
 */
import { z } from 'zod';
import { EMPLOYER_TYPES, ROLES } from '../data/roster.js';

const DURATION = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/;
export const duration = z
  .string()
  .regex(DURATION, 'a duration like "90s", "5m" or "1h30m"')
  .refine((text) => text !== '', 'a duration must not be empty')
  .transform((text) => {
    const [, h, m, s] = DURATION.exec(text)!;
    return (Number(h ?? 0) * 3600 + Number(m ?? 0) * 60 + Number(s ?? 0)) * 1000;
  });

const bilingual = z.strictObject({ zh: z.string().min(1), en: z.string().min(1) });
const deviceId = z.string().min(1);

/** Who a step moves: explicit cards, or a seeded pick of `count` people matching the filters. */
export const peopleSchema = z.union([
  z.strictObject({ cards: z.array(z.number().int().positive()).min(1).max(1000) }),
  z.strictObject({
    count: z.number().int().min(1).max(1000),
    role: z.enum(ROLES).optional(),
    crew: z.string().min(1).optional(),
    employer: z.enum(EMPLOYER_TYPES).optional().describe('default: own or contractor (never labour_dispatch)'),
    training: z.enum(['valid', 'expired', 'missing']).optional().describe('on the scenario date; default valid'),
  }),
]);

const at = { at: duration };
export const stepSchema = z.union([
  z.strictObject({ ...at, enter: z.strictObject({ people: peopleSchema, to: z.string().min(1).describe('work location id (layout.yaml)'), over: duration.optional() }) }),
  z.strictObject({
    ...at,
    exit: z.strictObject({
      count: z.union([z.number().int().min(1), z.literal('all')]),
      from: z.string().min(1).optional().describe('only people at this work location'),
      role: z.enum(ROLES).optional(),
      crew: z.string().min(1).optional(),
      over: duration.optional(),
    }),
  }),
  z.strictObject({ ...at, emergencyCall: z.strictObject({ count: z.number().int().min(1).max(100), on: z.boolean() }) }),
  z.strictObject({ ...at, set: z.strictObject({ device: deviceId, point: z.string().min(1), value: z.union([z.number(), z.boolean()]) }) }),
  z.strictObject({ ...at, release: z.strictObject({ device: deviceId, point: z.string().min(1) }) }),
  z.strictObject({ ...at, stick: z.strictObject({ device: deviceId, point: z.string().min(1) }) }),
  z.strictObject({ ...at, sensorFault: z.strictObject({ device: deviceId, sensor: z.string().min(1), on: z.boolean() }) }),
  z.strictObject({
    ...at,
    fault: z.strictObject({
      device: deviceId,
      silent: z.boolean().optional(),
      delayMs: z.number().int().min(0).max(60_000).optional(),
      exception: z.number().int().min(1).max(255).nullable().optional(),
      disconnect: z.boolean().optional(),
      corruptFraction: z.number().min(0).max(1).optional(),
    }),
  }),
  z.strictObject({ ...at, clearFaults: z.strictObject({ device: deviceId }) }),
  z.strictObject({ ...at, rain: z.strictObject({ mmPerHour: z.number().min(0).max(500) }) }),
  z.strictObject({ ...at, note: bilingual.describe('what the agent should be doing at this point (logged, changes nothing)') }),
]);
export type ScenarioStep = z.infer<typeof stepSchema>;

export const scenarioSchema = z.strictObject({
  name: z.string().regex(/^[a-z0-9-]+$/),
  title: bilingual,
  summary: bilingual,
  /** Local mine time with offset, e.g. 2024-11-18T07:30:00+08:00: fixes every device-visible time. */
  start: z.iso.datetime({ offset: true }),
  duration,
  timeScale: z.number().positive().max(100_000).default(60).describe('simulated seconds per real second when run live'),
  /** The agent configuration the expectations rely on (quotas, thresholds, modes), in words and numbers. */
  assumes: z.record(z.string(), z.union([z.number(), z.string(), z.boolean()])).default({}),
  expect: z.strictObject({
    zh: z.string().min(1),
    en: z.string().min(1),
    alarms: z.array(z.string().regex(/^[a-z0-9_]+$/)).describe('alarm kinds expected to be active at the end'),
    permit: z.enum(['permitted', 'not_permitted']).describe('entry-permit coil at the end'),
    broadcast: z.boolean().describe('whether the emergency broadcast must have been triggered'),
    ledText: z.array(z.string()).describe('substrings the LED board must show at the end'),
  }),
  steps: z.array(stepSchema).min(1).max(10_000),
});
export type Scenario = z.infer<typeof scenarioSchema>;
