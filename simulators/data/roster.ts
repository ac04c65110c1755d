/**
 * The simulated mine's roster (simulators/data/roster.csv): one person per line, UTF-8, comma
 * separated, no quoting needed (names and codes contain no commas). Columns:
 *
 *   card, name, role, crew, employer_type, training_valid_until, certificates
 *
 * role: leader | worker | special_operator; employer_type: own | contractor | labour_dispatch;
 * training_valid_until: ISO date, empty = never trained; certificates: ";"-separated codes.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { packageRoot } from '../../agent/runtime/package-info.js';

export const ROSTER_COLUMNS = ['card', 'name', 'role', 'crew', 'employer_type', 'training_valid_until', 'certificates'] as const;
export const ROLES = ['leader', 'worker', 'special_operator'] as const;
export const EMPLOYER_TYPES = ['own', 'contractor', 'labour_dispatch'] as const;

export const personSchema = z.strictObject({
  card: z.number().int().min(1).max(0xffff_ffff),
  name: z.string().min(2).max(16),
  role: z.enum(ROLES),
  crew: z.string().min(1),
  employerType: z.enum(EMPLOYER_TYPES),
  /** ISO date (YYYY-MM-DD), or null when the person was never trained. */
  trainingValidUntil: z.string().regex(/^\d{4}-\d{2}-\d{2}$/).nullable(),
  certificates: z.array(z.string().regex(/^[a-z_]+$/)),
});
export type Person = z.infer<typeof personSchema>;

export const ROSTER_PATH = 'simulators/data/roster.csv';

export function formatRoster(people: readonly Person[]): string {
  const lines = people.map((p) => [p.card, p.name, p.role, p.crew, p.employerType, p.trainingValidUntil ?? '', p.certificates.join(';')].join(','));
  return [ROSTER_COLUMNS.join(','), ...lines].join('\n') + '\n';
}

/** Parses roster CSV; an error names the line and what is wrong with it. */
export function parseRoster(text: string): Person[] {
  const lines = text.split(/\r?\n/).filter((line) => line.trim() !== '');
  if (lines[0] !== ROSTER_COLUMNS.join(',')) throw new Error(`roster: the first line must be the header "${ROSTER_COLUMNS.join(',')}"`);
  const seen = new Set<number>();
  return lines.slice(1).map((line, index) => {
    const cells = line.split(',');
    if (cells.length !== ROSTER_COLUMNS.length) throw new Error(`roster line ${index + 2}: ${cells.length} columns, expected ${ROSTER_COLUMNS.length}`);
    const [card, name, role, crew, employerType, training, certificates] = cells as [string, string, string, string, string, string, string];
    const parsed = personSchema.safeParse({
      card: /^\d+$/.test(card) ? Number(card) : card,
      name,
      role,
      crew,
      employerType,
      trainingValidUntil: training === '' ? null : training,
      certificates: certificates === '' ? [] : certificates.split(';'),
    });
    if (!parsed.success) throw new Error(`roster line ${index + 2}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    if (seen.has(parsed.data.card)) throw new Error(`roster line ${index + 2}: card ${parsed.data.card} appears twice`);
    seen.add(parsed.data.card);
    return parsed.data;
  });
}

export function loadRoster(path = join(packageRoot(), ROSTER_PATH)): Person[] {
  return parseRoster(readFileSync(path, 'utf8'));
}

/** Training is valid on `date` (YYYY-MM-DD) when it runs until that day or later. */
export function trainingValidOn(person: Person, date: string): boolean {
  return person.trainingValidUntil !== null && person.trainingValidUntil >= date;
}
