/**
 * Loading the roster from a file: CSV (the positioning vendor's export, as simulators/data/roster.csv)
 * or YAML (a list of people). Every error names the file, the line and what to fix; the whole file
 * is checked and every problem reported at once, since an electrician fixes them in one go.
 */
import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { isMap, isSeq, LineCounter, parseDocument } from 'yaml';
import { z } from 'zod';
import { endOfLocalDate } from './local-time.js';
import { EMPLOYER_TYPES, PERSON_ROLES, type Person } from './person.js';
import { Roster } from './roster.js';

export const ROSTER_CSV_COLUMNS = ['card', 'name', 'role', 'crew', 'employer_type', 'training_valid_until', 'certificates'] as const;

export class RosterFileError extends Error {
  override readonly name = 'RosterFileError';
  constructor(
    readonly file: string,
    readonly problems: string[],
  ) {
    super(`${file}: the roster cannot be used:\n${problems.map((p) => `  ${p}`).join('\n')}`);
  }
}

const rowSchema = z.strictObject({
  card: z.string().regex(/^[A-Za-z0-9_-]{1,32}$/, 'a card number: digits or letters, at most 32'),
  name: z.string().min(1).max(32),
  role: z.enum(PERSON_ROLES),
  crew: z.string().min(1).max(32).nullable(),
  shift: z.string().min(1).max(32).nullable().default(null),
  employer_type: z.enum(EMPLOYER_TYPES),
  training_valid_until: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a date YYYY-MM-DD, or empty when never trained').nullable(),
  certificates: z.array(z.string().regex(/^[a-z_]+$/)).default([]),
});
type RosterRow = z.infer<typeof rowSchema>;

interface NumberedRow {
  line: number;
  value: unknown;
}

/** Reads a .csv, .yaml or .yml roster; `utcOffsetMinutes` turns training dates into instants. */
export function loadRosterFile(path: string, utcOffsetMinutes: number): Roster {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new RosterFileError(path, [`cannot read the file: ${(error as Error).message}`]);
  }
  const extension = extname(path).toLowerCase();
  if (extension === '.csv') return parseRosterCsv(text, path, utcOffsetMinutes);
  if (extension === '.yaml' || extension === '.yml') return parseRosterYaml(text, path, utcOffsetMinutes);
  throw new RosterFileError(path, [`unknown roster format "${extension}": use .csv or .yaml`]);
}

export function parseRosterCsv(text: string, file: string, utcOffsetMinutes: number): Roster {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const header = lines[0]?.trim() ?? '';
  if (header !== ROSTER_CSV_COLUMNS.join(',')) {
    throw new RosterFileError(file, [`line 1: the header must be "${ROSTER_CSV_COLUMNS.join(',')}", found "${header}"`]);
  }
  const rows: NumberedRow[] = [];
  const problems: string[] = [];
  lines.slice(1).forEach((raw, index) => {
    const line = index + 2;
    if (raw.trim() === '') return;
    const cells = raw.split(',').map((cell) => cell.trim());
    if (cells.length !== ROSTER_CSV_COLUMNS.length) {
      problems.push(`line ${line}: ${cells.length} columns, expected ${ROSTER_CSV_COLUMNS.length} (${ROSTER_CSV_COLUMNS.join(',')}); names must not contain commas`);
      return;
    }
    const [card, name, role, crew, employer, training, certificates] = cells as [string, string, string, string, string, string, string];
    rows.push({
      line,
      value: {
        card,
        name,
        role,
        crew: crew === '' ? null : crew,
        employer_type: employer,
        training_valid_until: training === '' ? null : training,
        certificates: certificates === '' ? [] : certificates.split(';'),
      },
    });
  });
  return buildRoster(rows, problems, file, utcOffsetMinutes);
}

/** YAML: a list of people with the CSV's column names as keys (plus an optional `shift`). */
export function parseRosterYaml(text: string, file: string, utcOffsetMinutes: number): Roster {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, uniqueKeys: true });
  if (document.errors.length > 0) {
    throw new RosterFileError(
      file,
      document.errors.map((e) => `line ${lineCounter.linePos(e.pos[0]).line}: ${e.message.split('\n')[0]}`),
    );
  }
  const contents = document.contents;
  const list = isMap(contents) ? contents.get('people', true) : contents;
  if (!isSeq(list)) throw new RosterFileError(file, ['expected a list of people (or a mapping with the key "people")']);
  const rows: NumberedRow[] = list.items.map((item) => {
    const offset = isMap(item) ? (item.range?.[0] ?? 0) : 0;
    const value: unknown = isMap(item) ? item.toJSON() : item;
    const normalized = normalizeYamlRow(value);
    return { line: lineCounter.linePos(offset).line, value: normalized };
  });
  return buildRoster(rows, [], file, utcOffsetMinutes);
}

/** YAML may give card numbers as numbers and dates unquoted; read them as the CSV would. */
function normalizeYamlRow(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value;
  const row = { ...(value as Record<string, unknown>) };
  if (typeof row.card === 'number') row.card = String(row.card);
  if (row.crew === undefined) row.crew = null;
  if (row.training_valid_until === undefined || row.training_valid_until === '') row.training_valid_until = null;
  return row;
}

function buildRoster(rows: NumberedRow[], problems: string[], file: string, utcOffsetMinutes: number): Roster {
  const people: Person[] = [];
  const firstLineOfCard = new Map<string, number>();
  for (const { line, value } of rows) {
    const parsed = rowSchema.safeParse(value);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) problems.push(`line ${line}: ${issue.path.join('.') || 'row'}: ${issue.message}`);
      continue;
    }
    const first = firstLineOfCard.get(parsed.data.card);
    if (first !== undefined) {
      problems.push(`line ${line}: card ${parsed.data.card} is already on line ${first}`);
      continue;
    }
    firstLineOfCard.set(parsed.data.card, line);
    try {
      people.push(toPerson(parsed.data, utcOffsetMinutes));
    } catch (error) {
      problems.push(`line ${line}: training_valid_until: ${(error as Error).message}`);
    }
  }
  if (problems.length > 0) throw new RosterFileError(file, problems);
  return new Roster(people, `file ${file}`);
}

function toPerson(row: RosterRow, utcOffsetMinutes: number): Person {
  return {
    card: row.card,
    name: row.name,
    role: row.role,
    crew: row.crew,
    shift: row.shift,
    employer: row.employer_type,
    // The date is the last day of validity: the person may work until that day's end, local time.
    trainingValidUntil: row.training_valid_until === null ? null : endOfLocalDate(row.training_valid_until, utcOffsetMinutes),
    certificates: row.certificates,
  };
}
