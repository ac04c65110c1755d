/**
 * The Node options the shipped service runs the agent with: `Environment=NODE_OPTIONS=…` in
 * systemd/shaftgate.service, read from the unit itself so the benchmark cannot drift from it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../../agent/runtime/package-info.js';

export const SERVICE_UNIT = 'systemd/shaftgate.service';

/** The options, split on blanks ([] when the unit sets none). Throws if the unit cannot be read. */
export function serviceNodeOptions(unitPath: string = join(packageRoot(), SERVICE_UNIT)): string[] {
  const text = readFileSync(unitPath, 'utf8');
  let options: string[] = [];
  for (const line of text.split('\n')) {
    const match = /^Environment=(?:"?)NODE_OPTIONS=([^"\n]*)"?\s*$/.exec(line.trim());
    if (match) options = match[1]!.trim().split(/\s+/).filter((o) => o.length > 0);
  }
  return options;
}
