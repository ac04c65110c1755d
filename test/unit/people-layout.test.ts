import { describe, expect, it } from 'vitest';
import { loadLayoutFile, parseLayoutYaml } from '../../agent/people/layout-file.js';

describe('mine layout', () => {
  it('loads the simulated mine and answers reader → zone → work location, level, area, risk area', () => {
    const layout = loadLayoutFile('simulators/data/layout.yaml');
    expect([...layout.entryReaders]).toEqual([1]);
    expect([...layout.exitReaders]).toEqual([2]);
    expect(layout.zoneOf(42)).toBe(42);
    expect(layout.place(42)).toMatchObject({ level: 'L-350', area: 'east', workLocation: 'WL-350E', riskArea: 'RA-350E', productionLevel: true });
    expect(layout.place(10)).toMatchObject({ level: 'L-200', workLocation: null, productionLevel: false });
    expect(layout.nameOf('C13')).toBe('支护队(外委)');
  });

  it('names the line and key of a broken cross-reference', () => {
    const text = [
      'mine: { id: m, name: 矿, kind: metal, depthM: 900 }',
      'levels: [{ id: L1, name: a, elevationM: -1, production: true }]',
      'areas: [{ id: east, name: 东 }]',
      'workLocations: []',
      'zones:',
      '  - { id: 1, name: 井口, level: null, area: null, workLocation: null }',
      '  - { id: 2, name: x, level: L9, area: east, workLocation: null }',
      'readers:',
      '  - { id: 1, code: R1, name: in, zone: 1, shaftHead: entry }',
      '  - { id: 2, code: R2, name: out, zone: 1, shaftHead: exit }',
    ].join('\n');
    expect(() => parseLayoutYaml(text, 'layout.yaml')).toThrow(/layout.yaml[\s\S]*line 7: zones.1.level: unknown level "L9"/);
  });
});

describe('people model from config', () => {
  it('loads layout and roster files relative to the config folder', async () => {
    const { loadPeopleModel } = await import('../../agent/people/people-model.js');
    const { peopleSchema } = await import('../../config/rules-schema.js');
    const model = loadPeopleModel(peopleSchema.parse({ layoutFile: 'data/layout.yaml', rosterFile: 'data/roster.csv' }), 'simulators');
    expect(model.layout.depthM).toBe(450);
    expect(model.fileRoster?.get('100036')?.employer).toBe('labour_dispatch');
    expect(model.schedule.shiftAt(Date.parse('2024-11-18T09:00:00+08:00')).shiftId).toBe('day');
    expect(() => peopleSchema.parse({})).toThrow(/layoutFile or layout/);
  });
});
