/** Finds and validates scenario files; errors name the file and the key. */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { packageRoot } from '../../agent/runtime/package-info.js';
import { scenarioSchema, type Scenario } from './schema.js';

export const scenarioDir = (): string => join(packageRoot(), 'simulators/scenarios');

export function listScenarios(dir = scenarioDir()): string[] {
  return readdirSync(dir)
    .filter((file) => file.endsWith('.yaml'))
    .map((file) => file.replace(/\.yaml$/, ''))
    .sort();
}

export function loadScenario(name: string, dir = scenarioDir()): Scenario {
  const known = listScenarios(dir);
  if (!known.includes(name)) throw new Error(`no scenario "${name}"; scenarios are: ${known.join(', ')}`);
  const file = join(dir, `${name}.yaml`);
  const parsed = scenarioSchema.safeParse(parse(readFileSync(file, 'utf8')));
  if (!parsed.success) {
    throw new Error(`${file}: ${parsed.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`).join('; ')}`);
  }
  if (parsed.data.name !== name) throw new Error(`${file}: name "${parsed.data.name}" must match the file name "${name}"`);
  return parsed.data;
}
