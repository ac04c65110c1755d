/**
 * Every simulated device's register map by system, and the markdown table the README shows for
 * it — so the README is written from the same lists the simulators serve (a test compares them).
 */
import type { SimulatedSystem } from './catalog.js';
import { COMMUNICATION_MAP } from './communication-map.js';
import { COMPRESSED_AIR_MAP } from './compressed-air-map.js';
import { CARD_RECORD, EVENT_RECORD, POSITIONING_HEADER, type RecordField } from './personnel-positioning-map.js';
import { isBitTable, type MapEntry } from './register-map.js';
import { SAFETY_MONITORING_MAP } from './safety-monitoring-map.js';
import { SHAFT_OUTPUTS_MAP } from './shaft-outputs-map.js';
import { WATER_SUPPLY_MAP } from './water-supply-map.js';
import { WEATHER_MAP } from './weather-map.js';

export const DEVICE_MAPS: Record<SimulatedSystem, readonly MapEntry[]> = {
  safety_monitoring: SAFETY_MONITORING_MAP,
  personnel_positioning: POSITIONING_HEADER,
  communication: COMMUNICATION_MAP,
  compressed_air: COMPRESSED_AIR_MAP,
  water_supply: WATER_SUPPLY_MAP,
  outputs: SHAFT_OUTPUTS_MAP,
  weather: WEATHER_MAP,
};

export const MAP_TABLE_HEADER = '| table | address | type | byte order | unit | range | point id | meaning | 中文名 | access |';

/** The documented row of one entry, cell by cell (what the README holds and the test parses). */
export function documentedCells(entry: MapEntry): string[] {
  const bit = isBitTable(entry.table);
  return [entry.table, String(entry.address), entry.type, bit ? '—' : entry.byteOrder, entry.unit || '—', entry.range, `\`${entry.id}\``, entry.meaning, entry.nameZh, entry.writable ? 'rw' : 'r'];
}

export function mapTable(map: readonly MapEntry[]): string {
  const rows = map.map((entry) => `| ${documentedCells(entry).join(' | ')} |`);
  return [MAP_TABLE_HEADER, '|---|---|---|---|---|---|---|---|---|---|', ...rows].join('\n');
}

export function recordTable(fields: readonly RecordField[]): string {
  const rows = fields.map((f) => `| +${f.offset} | ${f.type} | \`${f.id}\` | ${f.meaning} | ${f.nameZh} |`);
  return ['| offset | type | field | meaning | 中文名 |', '|---|---|---|---|---|', ...rows].join('\n');
}

export const POSITIONING_RECORDS = { card: CARD_RECORD, event: EVENT_RECORD };
