/**
 * JSON Schemas of the published messages, generated from the zod schemas in messages.ts. Written to
 * docs/schemas by gen-message-schemas.ts; a test fails when the committed files are stale.
 */
import { z } from 'zod';
import { commandEnvelopeSchema, commandResponseSchema } from '../commands/command-schema.js';
import { envelopeSchema, evictionEventBodySchema, snapshotBodySchema, statsMessageSchema, statusMessageSchema, telemetryMessageSchema } from './messages.js';

const SCHEMAS = {
  'envelope.schema.json': envelopeSchema,
  'telemetry.schema.json': telemetryMessageSchema,
  'stats.schema.json': statsMessageSchema,
  'status.schema.json': statusMessageSchema,
  'snapshot-body.schema.json': snapshotBodySchema,
  'store-eviction-event-body.schema.json': evictionEventBodySchema,
  'command.schema.json': commandEnvelopeSchema,
  'command-response-body.schema.json': commandResponseSchema,
} as const;

/** File name → file content, ready to write. */
export function messageJsonSchemaFiles(): Map<string, string> {
  const files = new Map<string, string>();
  for (const [file, schema] of Object.entries(SCHEMAS)) {
    // "input" mode: objects stay open (no additionalProperties: false), as the contract says
    // consumers must ignore fields they do not know.
    const json = z.toJSONSchema(schema, { io: 'input', target: 'draft-2020-12' });
    files.set(file, `${JSON.stringify({ $id: `shaftgate/v1/${file}`, ...json }, null, 2)}\n`);
  }
  return files;
}
