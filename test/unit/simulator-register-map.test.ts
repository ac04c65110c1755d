/**
 * The documented register map (simulators/README.md) and the demo config
 * (config/examples/demo.yaml) must both say exactly what the simulator serves.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadConfigFile } from '../../config/load.js';
import { DEVICE_MAPS } from '../../simulators/devices/maps.js';
import { SAFETY_MONITORING_MAP, SENSORS, loopCurrentScaling } from '../../simulators/devices/safety-monitoring-map.js';
import { DEFAULT_BASE_PORT, DEFAULT_DEVICES } from '../../simulators/run.js';

const README = new URL('../../simulators/README.md', import.meta.url);
const DEMO = new URL('../../config/examples/demo.yaml', import.meta.url);

interface DocumentedRow {
  table: string;
  address: number;
  type: string;
  byteOrder: string;
  unit: string;
  range: string;
  id: string;
  meaning: string;
  nameZh: string;
  access: string;
}

/** The README section between <!-- map:SYSTEM --> and <!-- /map -->. */
function mapSection(markdown: string, system: string): string {
  const start = markdown.indexOf(`<!-- map:${system} -->`);
  if (start === -1) throw new Error(`README has no <!-- map:${system} --> section`);
  return markdown.slice(start, markdown.indexOf('<!-- /map -->', start));
}

/** Rows of every markdown table whose header starts "| table | address |". */
function documentedRows(markdown: string): DocumentedRow[] {
  const rows: DocumentedRow[] = [];
  let inMap = false;
  for (const line of markdown.split('\n')) {
    if (line.startsWith('| table | address |')) {
      inMap = true;
      continue;
    }
    if (!line.startsWith('|')) {
      inMap = false;
      continue;
    }
    if (!inMap || line.startsWith('|---')) continue;
    const cells = line.split('|').slice(1, -1).map((cell) => cell.trim());
    const [table, address, type, byteOrder, unit, range, id, meaning, nameZh, access] = cells;
    rows.push({ table: table!, address: Number(address), type: type!, byteOrder: byteOrder!, unit: unit!, range: range!, id: id!.replace(/`/g, ''), meaning: meaning!, nameZh: nameZh!, access: access! });
  }
  return rows;
}

describe('simulators/README.md register map', () => {
  const readme = readFileSync(README, 'utf8');
  const rows = documentedRows(mapSection(readme, 'safety_monitoring'));

  for (const [system, map] of Object.entries(DEVICE_MAPS)) {
    it(`documents the ${system} map exactly`, () => {
      const expected = map.map((entry) => {
        const bit = entry.table === 'coil' || entry.table === 'discrete_input';
        return { table: entry.table, address: entry.address, type: entry.type, byteOrder: bit ? '—' : entry.byteOrder, unit: entry.unit || '—', range: entry.range, id: entry.id, meaning: entry.meaning, nameZh: entry.nameZh, access: entry.writable ? 'rw' : 'r' };
      });
      expect(documentedRows(mapSection(readme, system))).toEqual(expected);
    });
  }

  it('lists every point the substation serves, and nothing else, with the same fields', () => {
    const expected = SAFETY_MONITORING_MAP.map((entry) => {
      const bit = entry.table === 'coil' || entry.table === 'discrete_input';
      return {
        table: entry.table,
        address: entry.address,
        type: entry.type,
        byteOrder: bit ? '—' : entry.byteOrder,
        unit: entry.unit || '—',
        range: entry.range,
        id: entry.id,
        meaning: entry.meaning,
        nameZh: entry.nameZh,
        access: entry.writable ? 'rw' : 'r',
      };
    });
    expect(rows).toEqual(expected);
  });

  it('documents the seven sensors as float32 ABCD and as 4–20 mA currents', () => {
    for (const sensor of SENSORS) {
      expect(rows.find((r) => r.id === sensor.id)).toMatchObject({ table: 'input', type: 'float32', byteOrder: 'ABCD', unit: sensor.unit });
      expect(rows.find((r) => r.id === `${sensor.id}_current`)).toMatchObject({ table: 'input', type: 'uint16', unit: 'µA', range: '4000–20000' });
      expect(rows.find((r) => r.id === `${sensor.id}_current`)!.meaning).toContain(`20 mA = ${sensor.rangeHigh} ${sensor.unit}`);
    }
  });
});

describe('config/examples/demo.yaml', () => {
  const config = loadConfigFile(fileURLToPath(DEMO), {});

  it('is a valid config with the demo identity', () => {
    expect(config.version).toBe(1);
    expect(config.gateway).toMatchObject({ mineId: 'hlj-demo-mine', gatewayId: 'shaft-head-1' });
    expect(config.store.path).toBe('./var/demo/shaftgate.db');
    expect(config.mqtt.url).toBe('mqtt://127.0.0.1:1883');
    expect(config.http).toEqual({ host: '127.0.0.1', port: 8080 });
    // The simulated TCP devices, then the serial ones the demo serves on ptys.
    expect(config.devices.map((d) => d.id)).toEqual([...DEFAULT_DEVICES.map((d) => d.id), 'wx-1', 'wx-1-ascii', 'led-1']);
    expect(config.devices[0]).toMatchObject({
      id: 'sm-1',
      system: 'safety_monitoring',
      transport: 'modbus-tcp',
      host: '127.0.0.1',
      port: 15020,
      unitId: 1,
      pollIntervalMs: 1000,
    });
  });

  it('maps every documented point exactly, with its Chinese name', () => {
    const points = config.devices[0]!.points;
    expect(points.map((p) => p.id).sort()).toEqual(SAFETY_MONITORING_MAP.map((e) => e.id).sort());
    for (const entry of SAFETY_MONITORING_MAP) {
      const point = points.find((p) => p.id === entry.id)!;
      expect(point, entry.id).toMatchObject({ table: entry.table, address: entry.address, type: entry.type, byteOrder: entry.byteOrder });
      expect(point.name, entry.id).toMatch(/[\u4e00-\u9fff]/);
      expect(point.name, entry.id).toContain(entry.id.endsWith('_current') ? entry.nameZh.replace(/电流$/, '') : entry.nameZh);
    }
  });

  it('scales each loop current to its sensor’s engineering unit', () => {
    const points = config.devices[0]!.points;
    for (const sensor of SENSORS) {
      const point = points.find((p) => p.id === `${sensor.id}_current`)!;
      const { scale, offset } = loopCurrentScaling(sensor);
      expect(point.scale, sensor.id).toBeCloseTo(scale, 12);
      expect(point.offset, sensor.id).toBeCloseTo(offset, 9);
      expect(point.unit, sensor.id).toBe(sensor.unit);
      // 4 mA and 20 mA land on the ends of the measuring range.
      expect(4000 * point.scale + point.offset).toBeCloseTo(sensor.rangeLow, 9);
      expect(20000 * point.scale + point.offset).toBeCloseTo(sensor.rangeHigh, 9);
      expect(points.find((p) => p.id === sensor.id)!.unit).toBe(sensor.unit);
    }
  });

  it('never merges reads across the gaps in the map', () => {
    for (const device of config.devices) if (device.transport !== 'serial-line') expect(device.maxGap, device.id).toBe(0);
  });

  it('maps every simulated TCP device at its default port, point by point', () => {
    DEFAULT_DEVICES.forEach((spec, index) => {
      const device = config.devices.find((d) => d.id === spec.id)!;
      expect(device, spec.id).toMatchObject({ system: spec.system, transport: 'modbus-tcp', host: '127.0.0.1', port: DEFAULT_BASE_PORT + index, unitId: spec.unitId ?? 1 });
      const map = DEVICE_MAPS[spec.system];
      expect(device.points.map((p) => p.id).sort(), spec.id).toEqual(map.map((e) => e.id).sort());
      for (const entry of map) {
        const point = device.points.find((p) => p.id === entry.id)!;
        expect(point, `${spec.id}.${entry.id}`).toMatchObject({ table: entry.table, address: entry.address, type: entry.type });
        if (entry.scale !== undefined) expect(point.scale, `${spec.id}.${entry.id}`).toBe(entry.scale);
        if (spec.system !== 'safety_monitoring') expect(point.name, entry.id).toBe(entry.nameZh);
      }
    });
  });
});
