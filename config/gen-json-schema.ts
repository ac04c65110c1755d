/**
 * The config's JSON Schema, generated from the zod schema (config/schema.ts) and committed as
 * config/shaftgate.schema.json, so editors complete and check shaftgate YAML files
 * (`# yaml-language-server: $schema=…` at the top of a config).
 *
 *     node dist/config/gen-json-schema.js          write config/shaftgate.schema.json
 *     node dist/config/gen-json-schema.js --check  exit 1 if the committed file is out of date
 *
 * (`npm run gen:schema` builds and writes.) The JSON Schema describes the structure; cross-field
 * rules (unique ids, timeout vs poll interval) are only checked by `shaftgate check-config`.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { configSchema } from './schema.js';

/** Where the schema lives, relative to the repository root. */
export const JSON_SCHEMA_PATH = 'config/shaftgate.schema.json';

/**
 * The JSON Schema of a config file as written (zod's input side: keys with defaults are optional).
 * Draft-07, because that is the draft editor tooling (yaml-language-server) supports best.
 */
export function configJsonSchema(): object {
  const generated = z.toJSONSchema(configSchema, { io: 'input', target: 'draft-07', unrepresentable: 'throw' });
  // $schema and title first, so the file reads well; the rest keeps zod's order.
  return { $schema: generated.$schema, title: 'shaftgate configuration', ...generated };
}

/** The file's exact content: 2-space indentation and a trailing newline. */
export function configJsonSchemaText(): string {
  return `${JSON.stringify(configJsonSchema(), null, 2)}\n`;
}

/**
 * The repository root: the nearest folder above `start` whose package.json is shaftgate's. The
 * name is checked so a package.json placed in dist/ (for module type, say) is not taken for it.
 */
export function findRepoRoot(start: string): string {
  for (let folder = start; ; folder = dirname(folder)) {
    const manifest = join(folder, 'package.json');
    if (existsSync(manifest)) {
      const parsed: unknown = JSON.parse(readFileSync(manifest, 'utf8'));
      if (typeof parsed === 'object' && parsed !== null && 'name' in parsed && parsed.name === 'shaftgate') return folder;
    }
    if (dirname(folder) === folder) throw new Error(`no shaftgate package.json in ${start} or any folder above it`);
  }
}

/** Runs the script; returns the process exit code. */
export function main(args: readonly string[], repoRoot: string): number {
  const target = join(repoRoot, JSON_SCHEMA_PATH);
  const expected = configJsonSchemaText();
  if (args.length === 0) {
    writeFileSync(target, expected);
    console.log(`wrote ${JSON_SCHEMA_PATH}`);
    return 0;
  }
  if (args.length === 1 && args[0] === '--check') {
    const actual = existsSync(target) ? readFileSync(target, 'utf8') : undefined;
    if (actual === expected) {
      console.log(`${JSON_SCHEMA_PATH} is up to date`);
      return 0;
    }
    console.error(`${JSON_SCHEMA_PATH} ${actual === undefined ? 'is missing' : 'is out of date with config/schema.ts'}: run npm run gen:schema and commit the result`);
    return 1;
  }
  console.error('usage: node dist/config/gen-json-schema.js [--check]');
  return 2;
}

const scriptPath = fileURLToPath(import.meta.url);
if (process.argv[1] !== undefined && resolve(process.argv[1]) === scriptPath) {
  process.exitCode = main(process.argv.slice(2), findRepoRoot(dirname(scriptPath)));
}
