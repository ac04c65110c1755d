/**
 * The config sections of the interlocks (headcount, rules, alarms, permit, annunciation), as zod
 * schemas. config/schema.ts plugs `interlocksSchema` in as the `interlocks` key; types come from
 * here (`z.infer`), so the rules never keep a second copy of a shape.
 *
 * Defaults are the ones PRODUCT.md and the measures give (定员 from the platform or here, ≤ 10 per
 * work location while suspended, rainfall ≥ 50 mm / 24 h, rainstorm blue or above, 4 production
 * levels, CO ≥ 24 ppm, O2 < 20 %, CO2 > 0.5 %, CH4 ≥ 1.0 %, air outlet 0.1–0.3 MPa).
 */
import { z } from 'zod';
import { SYSTEM_KINDS } from './system-kinds.js';
import { SUSPENSION_MAX_PER_WORK_LOCATION, WEATHER_COLOURS, WEATHER_TYPES } from '../agent/commands/command-schema.js';

const id = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, 'letters, digits, "_", "." or "-", starting with a letter or digit');
const count = z.number().int().min(0).max(100_000);
const minutes = (max: number) => z.number().int().min(0).max(max);
const clockTime = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'a time of day "HH:MM", 24-hour clock');

export const SEVERITIES = ['critical', 'high', 'medium', 'low'] as const;
export const severitySchema = z.enum(SEVERITIES).describe('alarm priority (ISA-18.2): critical > high > medium > low');

/** Where a value is read: a configured device and one of its points. */
export const pointRefSchema = z.strictObject({
  device: id.describe('devices[].id'),
  point: id.describe('points[].id of that device'),
});

// ---------------------------------------------------------------------------------------------
// Mine layout (as the personnel-positioning system sees it) — the format of simulators/data/layout.yaml.

const code = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$/, 'letters, digits, "_" or "-", at most 32 characters');
const wireId = z.number().int().min(1).max(65535).describe('number the positioning substation sends on the wire');

export const layoutSchema = z
  .strictObject({
    mine: z.strictObject({
      id: code,
      name: z.string().min(1),
      kind: z.enum(['metal', 'coal', 'non_metal']),
      depthM: z.number().positive().describe('deepest working depth; ≥ 800 m makes online ground-pressure monitoring mandatory (measure 27)'),
    }),
    levels: z.array(z.strictObject({ id: code, name: z.string().min(1), elevationM: z.number(), production: z.boolean() })).min(1),
    areas: z.array(z.strictObject({ id: code, name: z.string().min(1) })).min(1),
    riskAreas: z.array(z.strictObject({ id: code, name: z.string().min(1), reason: z.string().min(1) })).default([]),
    workLocations: z.array(z.strictObject({ id: code, name: z.string().min(1), level: code, area: code, riskArea: code.nullable() })),
    zones: z
      .array(z.strictObject({ id: wireId, name: z.string().min(1), level: code.nullable(), area: code.nullable(), workLocation: code.nullable() }))
      .min(1),
    readers: z
      .array(z.strictObject({ id: wireId, code, name: z.string().min(1), zone: wireId, shaftHead: z.enum(['entry', 'exit']).nullable() }))
      .min(2),
    crews: z.array(z.strictObject({ id: code, name: z.string().min(1) })).default([]),
  })
  .superRefine((layout, ctx) => {
    const ids = (items: ReadonlyArray<{ id: string | number }>) => new Set(items.map((item) => item.id));
    const check = (ok: boolean, path: (string | number)[], message: string) => {
      if (!ok) ctx.addIssue({ code: 'custom', path, message });
    };
    const levels = ids(layout.levels);
    const areas = ids(layout.areas);
    const risks = ids(layout.riskAreas);
    const locations = ids(layout.workLocations);
    const zones = ids(layout.zones);
    layout.workLocations.forEach((w, i) => {
      check(levels.has(w.level), ['workLocations', i, 'level'], `unknown level "${w.level}"`);
      check(areas.has(w.area), ['workLocations', i, 'area'], `unknown area "${w.area}"`);
      check(w.riskArea === null || risks.has(w.riskArea), ['workLocations', i, 'riskArea'], `unknown risk area "${w.riskArea}"`);
    });
    layout.zones.forEach((zone, i) => {
      check(zone.level === null || levels.has(zone.level), ['zones', i, 'level'], `unknown level "${zone.level}"`);
      check(zone.area === null || areas.has(zone.area), ['zones', i, 'area'], `unknown area "${zone.area}"`);
      check(zone.workLocation === null || locations.has(zone.workLocation), ['zones', i, 'workLocation'], `unknown work location "${zone.workLocation}"`);
    });
    layout.readers.forEach((r, i) => check(zones.has(r.zone), ['readers', i, 'zone'], `unknown zone ${r.zone}`));
    check(layout.readers.some((r) => r.shaftHead === 'entry'), ['readers'], 'no shaft-head entry reader (shaftHead: entry)');
    check(layout.readers.some((r) => r.shaftHead === 'exit'), ['readers'], 'no shaft-head exit reader (shaftHead: exit)');
    for (const [name, list] of [
      ['levels', layout.levels],
      ['areas', layout.areas],
      ['zones', layout.zones],
      ['readers', layout.readers],
      ['workLocations', layout.workLocations],
    ] as const) {
      check(ids(list).size === list.length, [name], `${name} ids must be unique`);
    }
  });

// ---------------------------------------------------------------------------------------------
// People: roster, shifts, layout.

export const shiftSchema = z.strictObject({
  id: id.describe('shift id, e.g. "night", "day", "evening"'),
  name: z.string().min(1).max(32).describe('shown on the board, e.g. "夜班"'),
  start: clockTime.describe('start, local time; a shift whose end is not after its start crosses midnight'),
  end: clockTime.describe('end, local time'),
});

export const DEFAULT_SHIFTS = [
  { id: 'night', name: '夜班', start: '00:00', end: '08:00' },
  { id: 'day', name: '早班', start: '08:00', end: '16:00' },
  { id: 'evening', name: '中班', start: '16:00', end: '00:00' },
];

export const peopleSchema = z
  .strictObject({
    rosterFile: z
      .string()
      .min(1)
      .optional()
      .describe('roster file, .csv (header card,name,role,crew,employer_type,training_valid_until,certificates) or .yaml; a platform roster_update replaces it'),
    layoutFile: z.string().min(1).optional().describe('mine layout YAML (readers → zones → work locations, levels, areas, risk areas)'),
    layout: layoutSchema.optional().describe('or: the layout inline'),
    utcOffsetMinutes: z.number().int().min(-720).max(840).default(480).describe('local time of the mine (shift times, training dates); China: 480'),
    shifts: z
      .array(shiftSchema)
      .min(1)
      .max(6)
      .default(DEFAULT_SHIFTS)
      .describe('the shift schedule; together the shifts must cover the whole day without overlap'),
    entryLeadMinutes: minutes(240)
      .default(60)
      .describe('people entering this long before a shift starts belong to that shift (they go down before the handover)'),
    overtimeGraceMinutes: minutes(720).default(60).describe('underground this long past the end of the shift → overtime event and alarm'),
    noSignalAfterMs: z
      .number()
      .int()
      .min(10_000)
      .max(86_400_000)
      .default(600_000)
      .describe('an underground card not heard for this long → no-signal event and alarm (the person stays counted)'),
  })
  .superRefine((people, ctx) => {
    if (people.layoutFile !== undefined && people.layout !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['layout'], message: 'give either layoutFile or layout, not both' });
    }
    if (people.layoutFile === undefined && people.layout === undefined) {
      ctx.addIssue({ code: 'custom', path: ['layoutFile'], message: 'the interlocks need the mine layout: give layoutFile or layout' });
    }
    const seen = new Set<string>();
    (Array.isArray(people.shifts) ? people.shifts : []).forEach((shift, index) => {
      if (seen.has(shift.id)) ctx.addIssue({ code: 'custom', path: ['shifts', index, 'id'], message: `shift id "${shift.id}" is used twice` });
      seen.add(shift.id);
    });
    const coverage = shiftCoverageProblem(Array.isArray(people.shifts) ? people.shifts : []);
    if (coverage) ctx.addIssue({ code: 'custom', path: ['shifts'], message: coverage });
  });

/** Every minute of the day must belong to exactly one shift, so no entry is without a shift. */
export function shiftCoverageProblem(shifts: ReadonlyArray<{ id: string; start: string; end: string }>): string | null {
  const toMinute = (time: string) => Number(time.slice(0, 2)) * 60 + Number(time.slice(3, 5));
  const owner = new Array<string | null>(1440).fill(null);
  for (const shift of shifts) {
    const start = toMinute(shift.start);
    const end = toMinute(shift.end);
    const length = end > start ? end - start : end + 1440 - start;
    for (let m = 0; m < length; m++) {
      const minute = (start + m) % 1440;
      const other = owner[minute];
      if (other !== null && other !== undefined) return `shifts "${other}" and "${shift.id}" overlap at ${formatMinute(minute)}`;
      owner[minute] = shift.id;
    }
  }
  const gap = owner.indexOf(null);
  return gap === -1 ? null : `no shift covers ${formatMinute(gap)}: the shifts must cover the whole day`;
}

function formatMinute(minute: number): string {
  return `${String(Math.floor(minute / 60)).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}`;
}

// ---------------------------------------------------------------------------------------------
// Rules.

export const quotasSchema = z
  .strictObject({
    mine: count.optional().describe('定员: most people underground in the whole mine'),
    shift: count.optional().describe('most people of one shift underground (单班下井人数)'),
    areas: z.record(code, count).default({}).describe('most people in one area, by area id'),
    levels: z.record(code, count).default({}).describe('most people on one level, by level id'),
  })
  .describe('local quotas (measure 36); a platform set_quota for the same scope and target takes precedence');

export const suspensionSchema = z
  .strictObject({
    active: z.boolean().default(false).describe('local switch: the mine is suspended (停工停产整改) even without a platform order'),
    orderRef: z.string().min(1).max(128).optional().describe('reference of the local order, shown with the alarms'),
    maxPerShift: count.optional().describe('single-shift cap while suspended (locally switched); a platform order brings its own'),
    maxPerWorkLocation: z
      .number()
      .int()
      .min(0)
      .max(SUSPENSION_MAX_PER_WORK_LOCATION)
      .default(SUSPENSION_MAX_PER_WORK_LOCATION)
      .describe('at most this many at one work location while suspended (measure 25: ≤ 10)'),
  })
  .superRefine((s, ctx) => {
    if (s.active && s.maxPerShift === undefined) {
      ctx.addIssue({ code: 'custom', path: ['maxPerShift'], message: 'a locally switched suspension needs its single-shift cap (maxPerShift)' });
    }
  });

export const weatherAlertRuleSchema = z.strictObject({
  type: z.enum(WEATHER_TYPES),
  minColour: z.enum(WEATHER_COLOURS).describe('this colour or above bans entry: blue < yellow < orange < red'),
});

export const weatherSchema = z
  .strictObject({
    rain24h: z
      .strictObject({
        ...pointRefSchema.shape,
        banAtMm: z.number().positive().default(50).describe('24-hour rainfall at or above this bans entry'),
        liftBelowMm: z.number().positive().optional().describe('the ban lifts when rainfall falls below this (default banAtMm)'),
      })
      .optional()
      .describe('the local weather station point with the 24-hour rainfall'),
    alertPolicy: z
      .array(weatherAlertRuleSchema)
      .max(32)
      .default([{ type: 'rainstorm', minColour: 'blue' }])
      .describe('upstream alerts (type × colour) that ban entry'),
    onUnknown: z
      .enum(['fault', 'ban'])
      .default('fault')
      .describe('rainfall unreadable or stale: fault = system-fault alarm only; ban = also ban entry'),
  })
  .superRefine((w, ctx) => {
    const r = w.rain24h;
    if (r?.liftBelowMm !== undefined && r.liftBelowMm > r.banAtMm) {
      ctx.addIssue({ code: 'custom', path: ['rain24h', 'liftBelowMm'], message: `liftBelowMm ${r.liftBelowMm} is above banAtMm ${r.banAtMm}: the ban would lift while it should hold` });
    }
  });

export const leaderSchema = z.strictObject({
  required: z.boolean().default(true).describe('领导带班: workers underground need a leader of their shift underground'),
  scope: z.enum(['shift', 'crew']).default('shift').describe('whose leader: of the same shift, or of the same crew'),
});

export const eligibilitySchema = z.strictObject({
  training: z.boolean().default(true).describe('training missing or expired at entry → violation (measure 35)'),
  labourDispatch: z.boolean().default(true).describe('labour-dispatch worker entering → violation (measures 24, 36)'),
  unknownCard: z.boolean().default(true).describe('a card not on the roster entering → violation'),
  reentry: z.boolean().default(true).describe('a card already underground entering again → violation'),
  trainingExpiringUnderground: z
    .enum(['warn', 'ignore'])
    .default('warn')
    .describe('training that runs out while the person is underground: a low-priority alarm, or nothing'),
});

export const systemsSchema = z.strictObject({
  required: z
    .array(z.enum(SYSTEM_KINDS))
    .default(['personnel_positioning', 'safety_monitoring', 'communication', 'compressed_air', 'water_supply'])
    .describe('systems that must be configured, answering and fresh (measure 14)'),
  staleAfterPolls: z.number().min(1).max(100).default(3).describe('a device without a good cycle for this many poll intervals is stale'),
  staleAfterPollsBySystem: z
    .partialRecord(z.enum(SYSTEM_KINDS), z.number().min(1).max(100))
    .default({})
    .describe('per system, e.g. personnel_positioning: 3 (30 s snapshots → stale after 90 s)'),
  mineDepthM: z.number().positive().optional().describe('overrides the layout depth for the ground-pressure requirement'),
  groundPressure: z.array(pointRefSchema).max(64).default([]).describe('online ground-pressure points; required (good and fresh) when the mine is ≥ 800 m deep (measure 27)'),
});

export const ANALOG_PRESETS = ['ch4', 'co', 'o2', 'co2', 'air_outlet_low', 'air_outlet_high', 'water_pressure_low', 'custom'] as const;
export const COMPARISONS = ['ge', 'gt', 'le', 'lt'] as const;

export const analogPointSchema = z
  .strictObject({
    ...pointRefSchema.shape,
    preset: z.enum(ANALOG_PRESETS).describe('starting values (PRODUCT.md defaults); the fields below override them'),
    compare: z.enum(COMPARISONS).optional().describe('ge: value ≥ alarmAt alarms; gt: >; le: ≤; lt: <'),
    alarmAt: z.number().finite().optional(),
    restoreAt: z.number().finite().optional().describe('hysteresis: the alarm clears only once the value is back past this level'),
    onDelayMs: z.number().int().min(0).max(3_600_000).optional().describe('the condition must hold this long before the alarm is raised'),
    severity: severitySchema.optional(),
    label: z.strictObject({ zh: z.string().min(1), en: z.string().min(1) }).optional(),
  })
  .superRefine((p, ctx) => {
    if ((p.preset === 'custom' || p.preset === 'water_pressure_low') && p.alarmAt === undefined) {
      ctx.addIssue({ code: 'custom', path: ['alarmAt'], message: `preset "${p.preset}" has no default level: give alarmAt (e.g. the design minimum pressure)` });
    }
    if (p.preset === 'custom' && (p.compare === undefined || p.label === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['compare'], message: 'preset "custom" needs compare and label' });
    }
  });

export const evacuationSchema = z.strictObject({
  triggerKinds: z
    .array(z.string().regex(/^[a-z0-9_]+$/))
    .default(['ch4_high', 'co_high', 'o2_low'])
    .describe('alarm kinds that start the emergency broadcast and show the evacuation list (measure 28)'),
});

const severityOutputsSchema = z.strictObject({ siren: z.boolean(), lamp: z.boolean() });

export const alarmsSchema = z.strictObject({
  historyLimit: z.number().int().min(10).max(100_000).default(1000).describe('transitions kept in memory; older ones are dropped and counted'),
  outputs: z
    .strictObject({ critical: severityOutputsSchema, high: severityOutputsSchema, medium: severityOutputsSchema, low: severityOutputsSchema })
    .default({ critical: { siren: true, lamp: true }, high: { siren: true, lamp: true }, medium: { siren: false, lamp: true }, low: { siren: false, lamp: false } })
    .describe('per severity: an unacknowledged alarm sounds the siren, an active one lights the lamp'),
  latchedKinds: z
    .array(z.string().regex(/^[a-z0-9_]+$/))
    .default(['entry_during_ban', 'entry_without_permit', 'untrained_entry', 'labour_dispatch_entry', 'unknown_card', 'entry_while_underground', 'ch4_high', 'co_high'])
    .describe('alarms that stay until acknowledged even after the condition clears'),
  shelvableSeverities: z.array(severitySchema).default(['medium', 'low']).describe('severities an operator may shelve'),
  maxShelveMs: z.number().int().min(60_000).max(7 * 86_400_000).default(8 * 3_600_000).describe('longest shelving; every shelve expires'),
  severityByKind: z.record(z.string().regex(/^[a-z0-9_]+$/), severitySchema).default({}).describe('overrides the built-in severity of an alarm kind'),
});

export const interlocksSchema = z
  .strictObject({
    people: peopleSchema,
    quotas: quotasSchema.default({ areas: {}, levels: {} }),
    suspension: suspensionSchema.default({ active: false, maxPerWorkLocation: SUSPENSION_MAX_PER_WORK_LOCATION }),
    weather: weatherSchema.default({ alertPolicy: [{ type: 'rainstorm', minColour: 'blue' }], onUnknown: 'fault' }),
    leader: leaderSchema.default({ required: true, scope: 'shift' }),
    eligibility: eligibilitySchema.default({ training: true, labourDispatch: true, unknownCard: true, reentry: true, trainingExpiringUnderground: 'warn' }),
    riskAreas: z.strictObject({ maxCrews: z.number().int().min(1).max(10).default(1) }).default({ maxCrews: 1 }).describe('no parallel work: crews allowed at once in one risk area'),
    productionLevels: z
      .strictObject({ max: z.number().int().min(1).max(50).default(4).describe('alarm when people work on this many production levels or more (measure 14)') })
      .default({ max: 4 }),
    systems: systemsSchema.default({
      required: ['personnel_positioning', 'safety_monitoring', 'communication', 'compressed_air', 'water_supply'],
      staleAfterPolls: 3,
      staleAfterPollsBySystem: {},
      groundPressure: [],
    }),
    analog: z.array(analogPointSchema).max(1000).default([]).describe('analog thresholds with hysteresis and on-delay'),
    evacuation: evacuationSchema.default({ triggerKinds: ['ch4_high', 'co_high', 'o2_low'] }),
    alarms: alarmsSchema.default({
      historyLimit: 1000,
      outputs: { critical: { siren: true, lamp: true }, high: { siren: true, lamp: true }, medium: { siren: false, lamp: true }, low: { siren: false, lamp: false } },
      latchedKinds: ['entry_during_ban', 'entry_without_permit', 'untrained_entry', 'labour_dispatch_entry', 'unknown_card', 'entry_while_underground', 'ch4_high', 'co_high'],
      shelvableSeverities: ['medium', 'low'],
      maxShelveMs: 8 * 3_600_000,
      severityByKind: {},
    }),
  })
  .describe('headcount, interlocks, alarms and annunciation (the rules of the 2024 Heilongjiang measures)');

export type InterlocksConfig = z.infer<typeof interlocksSchema>;
export type LayoutConfig = z.infer<typeof layoutSchema>;
export type PeopleConfig = z.infer<typeof peopleSchema>;
export type ShiftConfig = z.infer<typeof shiftSchema>;
export type QuotasConfig = z.infer<typeof quotasSchema>;
export type SuspensionConfig = z.infer<typeof suspensionSchema>;
export type WeatherConfig = z.infer<typeof weatherSchema>;
export type LeaderConfig = z.infer<typeof leaderSchema>;
export type EligibilityConfig = z.infer<typeof eligibilitySchema>;
export type SystemsConfig = z.infer<typeof systemsSchema>;
export type AnalogPointConfig = z.infer<typeof analogPointSchema>;
export type EvacuationConfig = z.infer<typeof evacuationSchema>;
export type AlarmsConfig = z.infer<typeof alarmsSchema>;
export type Severity = (typeof SEVERITIES)[number];
export type PointRef = z.infer<typeof pointRefSchema>;
