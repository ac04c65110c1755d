/**
 * Which keys the schema allows at a place in the config, for "unknown key … (allowed here: …)".
 * zod's unrecognized-keys issue names the bad key but not the good ones, so the schema is walked
 * along the path, using the input to pick the branch of a discriminated union.
 */
import { z } from 'zod';
import type { ConfigPath } from './issue.js';

type Schema = z.core.$ZodType;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Strips wrappers that do not change the shape (optional, default, …) and picks the matching union branch. */
function unwrap(schema: Schema, input: unknown): Schema {
  let current = schema;
  for (;;) {
    if (current instanceof z.ZodOptional || current instanceof z.ZodNullable || current instanceof z.ZodDefault || current instanceof z.ZodPrefault || current instanceof z.ZodReadonly || current instanceof z.ZodCatch || current instanceof z.ZodNonOptional) {
      current = (current.def as { innerType: Schema }).innerType;
    } else if (current instanceof z.ZodPipe) {
      current = (current.def as { in: Schema }).in;
    } else if (current instanceof z.ZodDiscriminatedUnion) {
      const branch = pickBranch(current, input);
      if (branch === undefined) return current;
      current = branch;
    } else {
      return current;
    }
  }
}

function pickBranch(union: z.ZodDiscriminatedUnion, input: unknown): Schema | undefined {
  const discriminator = (union.def as { discriminator: string }).discriminator;
  if (!isRecord(input)) return undefined;
  const wanted = input[discriminator];
  return union.options.find((option) => {
    if (!(option instanceof z.ZodObject)) return false;
    const tag: unknown = option.shape[discriminator];
    return tag instanceof z.ZodLiteral && tag.values.has(wanted as z.core.util.Literal);
  });
}

/** The keys allowed in the object at `path`, in schema order; undefined when the path leads to no object. */
export function allowedKeysAt(schema: Schema, path: ConfigPath, input: unknown): string[] | undefined {
  let current = schema;
  let value = input;
  for (const segment of path) {
    current = unwrap(current, value);
    if (current instanceof z.ZodObject && typeof segment === 'string') {
      const child: unknown = current.shape[segment];
      if (child === undefined) return undefined;
      current = child as Schema;
      value = isRecord(value) ? value[segment] : undefined;
    } else if (current instanceof z.ZodArray && typeof segment === 'number') {
      current = current.element;
      value = Array.isArray(value) ? (value as unknown[])[segment] : undefined;
    } else {
      return undefined;
    }
  }
  current = unwrap(current, value);
  return current instanceof z.ZodObject ? Object.keys(current.shape) : undefined;
}
