/**
 * Writes docs/schemas/*.schema.json from the zod message schemas.
 * Run from the repository root: `npm run build && node dist/agent/upstream/gen-message-schemas.js [outDir]`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { messageJsonSchemaFiles } from './message-json-schemas.js';

const outDir = resolve(process.argv[2] ?? 'docs/schemas');
mkdirSync(outDir, { recursive: true });
for (const [file, content] of messageJsonSchemaFiles()) {
  writeFileSync(join(outDir, file), content);
  console.log(`wrote ${join(outDir, file)}`);
}
