/**
 * The simulated mine's layout as its personnel-positioning system sees it (simulators/data/
 * layout.yaml): readers → zones → work locations, areas, production levels, risk areas, and which
 * readers are the shaft-head entry and exit. The schema checks every cross-reference, so a
 * scenario or the interlocks can trust a reader id to lead somewhere.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';
import { packageRoot } from '../../agent/runtime/package-info.js';

const code = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$/);
const wireId = z.number().int().min(1).max(65535).describe('number the positioning substation sends on the wire');

export const layoutSchema = z
  .strictObject({
    mine: z.strictObject({ id: code, name: z.string().min(1), kind: z.enum(['metal', 'coal', 'non_metal']), depthM: z.number().positive() }),
    levels: z.array(z.strictObject({ id: code, name: z.string().min(1), elevationM: z.number(), production: z.boolean() })).min(1),
    areas: z.array(z.strictObject({ id: code, name: z.string().min(1) })).min(1),
    riskAreas: z.array(z.strictObject({ id: code, name: z.string().min(1), reason: z.string().min(1) })),
    workLocations: z.array(z.strictObject({ id: code, name: z.string().min(1), level: code, area: code, riskArea: code.nullable() })),
    zones: z.array(z.strictObject({ id: wireId, name: z.string().min(1), level: code.nullable(), area: code.nullable(), workLocation: code.nullable() })).min(1),
    readers: z
      .array(z.strictObject({ id: wireId, code, name: z.string().min(1), zone: wireId, shaftHead: z.enum(['entry', 'exit']).nullable() }))
      .min(2),
    crews: z.array(z.strictObject({ id: code, name: z.string().min(1) })).min(1),
  })
  .superRefine((layout, ctx) => {
    const ids = (items: ReadonlyArray<{ id: string | number }>) => new Set(items.map((item) => item.id));
    const levels = ids(layout.levels);
    const areas = ids(layout.areas);
    const risks = ids(layout.riskAreas);
    const locations = ids(layout.workLocations);
    const zones = ids(layout.zones);
    const check = (ok: boolean, path: (string | number)[], message: string) => {
      if (!ok) ctx.addIssue({ code: 'custom', path, message });
    };
    layout.workLocations.forEach((w, i) => {
      check(levels.has(w.level), ['workLocations', i, 'level'], `unknown level "${w.level}"`);
      check(areas.has(w.area), ['workLocations', i, 'area'], `unknown area "${w.area}"`);
      check(w.riskArea === null || risks.has(w.riskArea), ['workLocations', i, 'riskArea'], `unknown risk area "${w.riskArea}"`);
    });
    layout.zones.forEach((z, i) => {
      check(z.level === null || levels.has(z.level), ['zones', i, 'level'], `unknown level "${z.level}"`);
      check(z.area === null || areas.has(z.area), ['zones', i, 'area'], `unknown area "${z.area}"`);
      check(z.workLocation === null || locations.has(z.workLocation), ['zones', i, 'workLocation'], `unknown work location "${z.workLocation}"`);
    });
    layout.readers.forEach((r, i) => check(zones.has(r.zone), ['readers', i, 'zone'], `unknown zone ${r.zone}`));
    check(layout.readers.some((r) => r.shaftHead === 'entry'), ['readers'], 'no shaft-head entry reader');
    check(layout.readers.some((r) => r.shaftHead === 'exit'), ['readers'], 'no shaft-head exit reader');
    for (const [name, list] of [['levels', layout.levels], ['zones', layout.zones], ['readers', layout.readers], ['workLocations', layout.workLocations]] as const) {
      check(ids(list).size === list.length, [name], `${name} ids must be unique`);
    }
  });

export type MineLayout = z.infer<typeof layoutSchema>;
export type Reader = MineLayout['readers'][number];
export type WorkLocation = MineLayout['workLocations'][number];

export const LAYOUT_PATH = 'simulators/data/layout.yaml';

export function loadLayout(path = join(packageRoot(), LAYOUT_PATH)): MineLayout {
  return layoutSchema.parse(parse(readFileSync(path, 'utf8')));
}

/** Answers the questions a scenario asks of the layout. */
export class LayoutIndex {
  readonly entryReader: Reader;
  readonly exitReader: Reader;

  constructor(readonly layout: MineLayout) {
    this.entryReader = layout.readers.find((r) => r.shaftHead === 'entry')!;
    this.exitReader = layout.readers.find((r) => r.shaftHead === 'exit')!;
  }

  reader(id: number): Reader {
    const reader = this.layout.readers.find((r) => r.id === id);
    if (!reader) throw new Error(`reader ${id} is not in the layout`);
    return reader;
  }

  /** The reader that covers a work location (the first one whose zone belongs to it). */
  readerAt(workLocation: string): Reader {
    const zone = this.layout.zones.find((z) => z.workLocation === workLocation);
    const reader = zone && this.layout.readers.find((r) => r.zone === zone.id);
    if (!reader) throw new Error(`work location "${workLocation}" has no reader in the layout; work locations are ${this.layout.workLocations.map((w) => w.id).join(', ')}`);
    return reader;
  }

  zoneOf(readerId: number): number {
    return this.reader(readerId).zone;
  }

  /** The level station reader on the same level as a work location, passed on the way in and out. */
  stationReaderFor(readerId: number): Reader | null {
    const level = this.layout.zones.find((z) => z.id === this.zoneOf(readerId))?.level;
    const station = this.layout.zones.find((z) => z.level === level && z.workLocation === null);
    return (station && this.layout.readers.find((r) => r.zone === station.id)) ?? null;
  }
}
