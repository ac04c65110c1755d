/**
 * How a sample value was stored in the per-sample `samples` table of schema versions 1–3, so that
 * it read back exactly as it was measured: a number stays a double (float32 values arrive already
 * widened to double and are kept bit for bit), a boolean is not confused with 0/1, a string that
 * looks like a number stays a string.
 *
 * Since migration 4 history is one row per poll cycle (history-codec.ts keeps the same promises);
 * migration 4 reads this encoding in SQL. The functions stay for tests that build a version-3
 * database and for bench/store-throughput.ts's reference line of the old layout.
 */
import type { SampleValue } from '../model/sample.js';

/** Stored in samples.value_kind. Never renumber: the numbers are on disk. */
export const ValueKind = { null: 0, number: 1, boolean: 2, string: 3 } as const;
export type ValueKind = (typeof ValueKind)[keyof typeof ValueKind];

export type StoredValue = number | string | null;

export interface EncodedValue {
  kind: ValueKind;
  value: StoredValue;
}

export function encodeValue(value: SampleValue): EncodedValue {
  if (value === null) return { kind: ValueKind.null, value: null };
  switch (typeof value) {
    case 'number':
      return { kind: ValueKind.number, value };
    case 'boolean':
      return { kind: ValueKind.boolean, value: value ? 1 : 0 };
    case 'string':
      return { kind: ValueKind.string, value };
    default:
      throw new TypeError(`a sample value must be a number, boolean, string or null, not ${typeof value}`);
  }
}

export function decodeValue(kind: number, value: StoredValue): SampleValue {
  switch (kind) {
    case ValueKind.null:
      return null;
    case ValueKind.number:
      // SQLite turns NaN into NULL; give it back as NaN rather than inventing a number.
      return value === null ? Number.NaN : Number(value);
    case ValueKind.boolean:
      return value === 1;
    case ValueKind.string:
      return String(value);
    default:
      throw new RangeError(`unknown value_kind ${kind} in the samples table (written by a newer shaftgate?)`);
  }
}
