/**
 * The mine's layout as the positioning system sees it, indexed for the questions the headcount and
 * the rules ask on every poll: reader → zone → work location, level, area, risk area. Lookups are
 * O(1) so counting 500 people stays linear.
 */
import type { LayoutConfig } from '../../config/rules-schema.js';

export interface ZonePlace {
  zone: number;
  zoneName: string;
  level: string | null;
  area: string | null;
  workLocation: string | null;
  riskArea: string | null;
  /** The level is a production level (measure 14 counts these). */
  productionLevel: boolean;
}

export class MineLayout {
  readonly entryReaders: ReadonlySet<number>;
  readonly exitReaders: ReadonlySet<number>;
  private readonly zoneOfReader = new Map<number, number>();
  private readonly places = new Map<number, ZonePlace>();
  private readonly names = new Map<string, string>();

  constructor(readonly config: LayoutConfig) {
    this.entryReaders = new Set(config.readers.filter((r) => r.shaftHead === 'entry').map((r) => r.id));
    this.exitReaders = new Set(config.readers.filter((r) => r.shaftHead === 'exit').map((r) => r.id));
    for (const reader of config.readers) this.zoneOfReader.set(reader.id, reader.zone);
    const locations = new Map(config.workLocations.map((w) => [w.id, w]));
    const production = new Set(config.levels.filter((l) => l.production).map((l) => l.id));
    for (const zone of config.zones) {
      const location = zone.workLocation === null ? undefined : locations.get(zone.workLocation);
      const level = zone.level ?? location?.level ?? null;
      this.places.set(zone.id, {
        zone: zone.id,
        zoneName: zone.name,
        level,
        area: zone.area ?? location?.area ?? null,
        workLocation: zone.workLocation,
        riskArea: location?.riskArea ?? null,
        productionLevel: level !== null && production.has(level),
      });
    }
    for (const list of [config.levels, config.areas, config.riskAreas, config.workLocations, config.crews]) {
      for (const item of list) this.names.set(item.id, item.name);
    }
  }

  /** The place a zone stands for; undefined for a zone the layout does not know. */
  place(zone: number): ZonePlace | undefined {
    return this.places.get(zone);
  }

  zoneOf(reader: number): number | undefined {
    return this.zoneOfReader.get(reader);
  }

  /** Human name of a level, area, risk area, work location or crew; the id when unknown. */
  nameOf(id: string): string {
    return this.names.get(id) ?? id;
  }

  get depthM(): number {
    return this.config.mine.depthM;
  }
}
