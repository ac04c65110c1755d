/**
 * The environment the shipped service runs the agent with: every `Environment=NAME=value` line in
 * systemd/shaftgate.service (NODE_OPTIONS, MALLOC_ARENA_MAX, …), read from the unit itself so the
 * benchmark cannot drift from it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../../agent/runtime/package-info.js';

export const SERVICE_UNIT = 'systemd/shaftgate.service';

export interface ServiceEnvironment {
  /** NODE_OPTIONS split on blanks ([] when the unit sets none); given to node as flags. */
  nodeOptions: string[];
  /** Every other variable, e.g. { MALLOC_ARENA_MAX: '1' }. */
  variables: Record<string, string>;
}

/** Throws if the unit cannot be read. A later line for the same name wins, as in systemd. */
export function serviceEnvironment(unitPath: string = join(packageRoot(), SERVICE_UNIT)): ServiceEnvironment {
  const text = readFileSync(unitPath, 'utf8');
  const variables: Record<string, string> = {};
  for (const line of text.split('\n')) {
    // One assignment per line, optionally quoted as a whole ("NAME=value with blanks").
    const match = /^Environment=(?:"([A-Za-z_][A-Za-z0-9_]*)=([^"\n]*)"|([A-Za-z_][A-Za-z0-9_]*)=(\S*))\s*$/.exec(line.trim());
    if (match) variables[match[1] ?? match[3]!] = (match[2] ?? match[4]!).trim();
  }
  const nodeOptions = (variables.NODE_OPTIONS ?? '').split(/\s+/).filter((o) => o.length > 0);
  delete variables.NODE_OPTIONS;
  return { nodeOptions, variables };
}
