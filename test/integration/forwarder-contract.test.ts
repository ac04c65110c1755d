/** The JSON Schemas in docs/schemas are generated from agent/upstream/messages.ts and must not go stale. */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { messageJsonSchemaFiles } from '../../agent/upstream/message-json-schemas.js';

const schemasDir = join(import.meta.dirname, '..', '..', 'docs', 'schemas');
const regenerate = 'regenerate them: npm run build && node dist/agent/upstream/gen-message-schemas.js';

describe('docs/schemas', () => {
  for (const [file, expected] of messageJsonSchemaFiles()) {
    it(`${file} matches the zod schema`, () => {
      const path = join(schemasDir, file);
      expect(existsSync(path), `${path} is missing: ${regenerate}`).toBe(true);
      expect(readFileSync(path, 'utf8'), `${path} is stale: ${regenerate}`).toBe(expected);
    });
  }
});
