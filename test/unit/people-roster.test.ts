import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadRosterFile, parseRosterCsv, parseRosterYaml, RosterFileError } from '../../agent/people/roster-file.js';
import { rosterFromPlatform } from '../../agent/people/roster.js';
import { trainingValidAt } from '../../agent/people/person.js';
import { at } from './rules-fixture.js';

const HEADER = 'card,name,role,crew,employer_type,training_valid_until,certificates';
const UTC8 = 480;

describe('roster file', () => {
  it('reads the CSV the positioning vendor exports, training valid through the last day, local time', () => {
    const roster = parseRosterCsv(`${HEADER}\n100001,潘奇政,leader,C01,own,2024-11-18,safety_management;blaster\n100002,丁亮,worker,C01,labour_dispatch,,\n`, 'r.csv', UTC8);
    const leader = roster.get('100001')!;
    expect(leader).toMatchObject({ name: '潘奇政', role: 'leader', crew: 'C01', employer: 'own', certificates: ['safety_management', 'blaster'] });
    expect(trainingValidAt(leader, at('23:59'))).toBe(true);
    expect(trainingValidAt(leader, at('00:00', 19))).toBe(false);
    expect(roster.get('100002')).toMatchObject({ employer: 'labour_dispatch', trainingValidUntil: null, certificates: [] });
  });

  it('reports every bad line with its number and what is wrong, and no roster', () => {
    const text = `${HEADER}\n100001,甲,boss,C01,own,2025-01-01,\n100002,乙,worker,C01,own,2025-02-30,\n100003,丙,worker,C01\n100004,丁,worker,C01,own,,\n100004,戊,worker,C01,own,,\n`;
    const error = (() => {
      try {
        parseRosterCsv(text, 'roster.csv', UTC8);
      } catch (e) {
        return e as RosterFileError;
      }
      throw new Error('expected an error');
    })();
    expect(error).toBeInstanceOf(RosterFileError);
    expect(error.message).toContain('roster.csv');
    expect(error.problems).toEqual([
      expect.stringMatching(/^line 4: 4 columns, expected 7/),
      expect.stringMatching(/^line 2: role:/),
      expect.stringMatching(/^line 3: training_valid_until: "2025-02-30" is not a calendar date/),
      'line 6: card 100004 is already on line 5',
    ]);
  });

  it('rejects a wrong header', () => {
    expect(() => parseRosterCsv('card,name\n1,a\n', 'r.csv', UTC8)).toThrow(/line 1: the header must be/);
  });

  it('reads YAML with numeric cards and names the line of a bad entry', () => {
    const roster = parseRosterYaml('people:\n  - { card: 7, name: 王五, role: worker, crew: C02, shift: day, employer_type: contractor, training_valid_until: "2025-01-01" }\n', 'r.yaml', UTC8);
    expect(roster.get('7')).toMatchObject({ name: '王五', shift: 'day', employer: 'contractor' });
    expect(() => parseRosterYaml('- { card: 7, name: 王五, role: worker, employer_type: own }\n- { card: 8, name: x, role: nobody, employer_type: own }\n', 'r.yaml', UTC8)).toThrow(
      /line 2: role:/,
    );
  });

  it('loads the simulated mine roster by file extension, and refuses other formats', () => {
    const roster = loadRosterFile('simulators/data/roster.csv', UTC8);
    expect(roster.size).toBeGreaterThan(500);
    const dir = mkdtempSync(join(tmpdir(), 'roster-'));
    writeFileSync(join(dir, 'r.txt'), '');
    expect(() => loadRosterFile(join(dir, 'r.txt'), UTC8)).toThrow(/unknown roster format ".txt"/);
    expect(() => loadRosterFile(join(dir, 'missing.csv'), UTC8)).toThrow(/cannot read the file/);
  });

  it('turns a platform roster into people (dispatch → labour_dispatch, no crew)', () => {
    const roster = rosterFromPlatform({
      version: 3,
      updatedAt: 1,
      people: [{ cardId: 'A1', name: '赵六', role: 'leader', shift: 'night', employment: 'dispatch', trainingValidUntil: null }],
    });
    expect(roster.get('A1')).toMatchObject({ role: 'leader', employer: 'labour_dispatch', crew: null, shift: 'night' });
    expect(roster.source).toBe('platform roster v3');
  });
});
