/**
 * zod issues → messages an electrician can act on: what was expected, what was found, and for a
 * typo the key or value that was probably meant. zod's own messages ("Invalid input: expected
 * number, received string") are written for programmers and do not show the value.
 */
import type { z } from 'zod';
import { closestMatch } from './closest-match.js';
import type { ConfigPath } from './issue.js';
import { allowedKeysAt } from './schema-keys.js';

type ZodIssue = z.core.$ZodIssue;

/** Where an explained issue is to be shown, which decides the node the loader points at. */
export type IssueTarget =
  /** at the node holding the offending value */
  | { kind: 'value'; path: ConfigPath; message: string }
  /** a required key is absent: at the mapping that should hold it */
  | { kind: 'missing'; path: ConfigPath; message: string }
  /** a key the schema does not know: at the key itself */
  | { kind: 'unknown-key'; path: ConfigPath; message: string };

export interface IssueContext {
  /** The data zod validated (the YAML content after `${env:…}` substitution). */
  input: unknown;
  schema: z.core.$ZodType;
  /** True for values that came from the environment: they may be secrets and are never echoed. */
  isConcealed: (path: ConfigPath) => boolean;
}

const EXPECTED_NAMES: Record<string, string> = {
  number: 'a number',
  int: 'a whole number',
  string: 'a string',
  boolean: 'true or false',
  object: 'a mapping (key: value)',
  array: 'a list (items starting with "- ")',
  null: 'an empty value',
};

const MAX_SHOWN_LENGTH = 60;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function valueAt(input: unknown, path: ConfigPath): { present: boolean; value: unknown } {
  let value = input;
  for (const segment of path) {
    if (Array.isArray(value) && typeof segment === 'number' && segment < value.length) value = (value as unknown[])[segment];
    else if (isRecord(value) && typeof segment === 'string' && Object.hasOwn(value, segment)) value = value[segment];
    else return { present: false, value: undefined };
  }
  return { present: true, value };
}

/** A value as written in YAML: strings quoted (and shortened), numbers and booleans bare. */
export function showLiteral(value: unknown): string {
  if (typeof value === 'string') {
    return JSON.stringify(value.length > MAX_SHOWN_LENGTH ? `${value.slice(0, MAX_SHOWN_LENGTH - 1)}…` : value);
  }
  return String(value);
}

function describeFound(value: unknown, concealed: boolean): string {
  if (concealed) return 'a value from the environment (not shown)';
  if (value === null || value === undefined) return 'an empty value';
  if (typeof value === 'string') return `the string ${showLiteral(value)}`;
  if (typeof value === 'number') return `the number ${value}`;
  if (typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return 'a list';
  return 'a mapping';
}

function oneOf(values: readonly unknown[]): string {
  return values.length === 1 ? showLiteral(values[0]) : `one of ${values.map(showLiteral).join(', ')}`;
}

function plural(count: number | bigint, noun: string): string {
  return `${count} ${noun}${Number(count) === 1 ? '' : 's'}`;
}

function typeMessage(expected: string, value: unknown, concealed: boolean): string {
  let message = `expected ${EXPECTED_NAMES[expected] ?? expected}, got ${describeFound(value, concealed)}`;
  if ((expected === 'number' || expected === 'int') && typeof value === 'string') {
    message += concealed
      ? '; a value read from the environment is always a string'
      : value.trim() !== '' && Number.isFinite(Number(value))
        ? '; remove the quotes'
        : '';
  }
  return message;
}

function choiceMessage(allowed: readonly unknown[], value: unknown, concealed: boolean): string {
  let message = `expected ${oneOf(allowed)}, got ${describeFound(value, concealed)}`;
  if (!concealed && typeof value === 'string') {
    const suggestion = closestMatch(value, allowed.filter((item): item is string => typeof item === 'string'));
    if (suggestion !== undefined && suggestion !== value) message += `; did you mean ${showLiteral(suggestion)}?`;
  }
  return message;
}

function rangeMessage(issue: z.core.$ZodIssueTooBig | z.core.$ZodIssueTooSmall, value: unknown, concealed: boolean): string {
  const big = issue.code === 'too_big';
  const bound = big ? issue.maximum : issue.minimum;
  const inclusive = issue.inclusive !== false;
  switch (issue.origin) {
    case 'number':
    case 'int':
    case 'bigint': {
      const limit = big ? (inclusive ? 'at most' : 'less than') : inclusive ? 'at least' : 'more than';
      return `must be ${limit} ${bound}${concealed ? '' : `, got ${showLiteral(value)}`}`;
    }
    case 'string': {
      if (!big && Number(bound) === 1) return 'must not be empty';
      const length = typeof value === 'string' ? value.length : 0;
      return `must be ${big ? 'at most' : 'at least'} ${plural(bound, 'character')} long, got ${length}`;
    }
    case 'array':
    case 'set': {
      const count = Array.isArray(value) ? value.length : 0;
      return `must have ${big ? 'at most' : 'at least'} ${plural(bound, 'item')}, got ${count === 0 ? 'none' : count}`;
    }
    default:
      return issue.message;
  }
}

/** Values a union of literals accepts (e.g. `protocolVersion: 5 | 4`), or undefined for other unions. */
function unionLiterals(issue: z.core.$ZodIssueInvalidUnion): unknown[] | undefined {
  if (issue.discriminator !== undefined && 'options' in issue && issue.options !== undefined) return issue.options;
  if (issue.errors.length === 0) return undefined;
  const values: unknown[] = [];
  for (const branch of issue.errors) {
    const [only, ...rest] = branch;
    if (only?.code !== 'invalid_value' || rest.length > 0 || only.path.length > 0) return undefined;
    values.push(...only.values);
  }
  return values;
}

/** Values that would have satisfied the issue, for "required key … is missing (one of …)". */
function acceptedValues(issue: ZodIssue): unknown[] | undefined {
  if (issue.code === 'invalid_value') return issue.values;
  if (issue.code === 'invalid_union') return unionLiterals(issue);
  return undefined;
}

function valueMessage(issue: ZodIssue, value: unknown, concealed: boolean): string {
  switch (issue.code) {
    case 'invalid_type':
      return typeMessage(issue.expected, value, concealed);
    case 'too_big':
    case 'too_small':
      return rangeMessage(issue, value, concealed);
    case 'invalid_value':
      return choiceMessage(issue.values, value, concealed);
    case 'invalid_union': {
      const literals = unionLiterals(issue);
      return literals === undefined ? `does not match any allowed form, got ${describeFound(value, concealed)}` : choiceMessage(literals, value, concealed);
    }
    case 'invalid_format': {
      // The schema gives its patterns a readable description; zod's default one starts with "Invalid".
      const expected = issue.message.startsWith('Invalid') ? `text matching ${issue.pattern ?? issue.format}` : issue.message;
      return `expected ${expected}, got ${describeFound(value, concealed)}`;
    }
    default:
      // custom (the schema's own cross-field rules) and kinds the schema does not produce
      return issue.message;
  }
}

function unknownKeyMessage(key: string, allowed: readonly string[]): string {
  if (key === '<<') return 'merge keys ("<<") are not supported: write the keys out';
  const suggestion = closestMatch(key, allowed);
  let message = `unknown key ${showLiteral(key)}`;
  if (suggestion !== undefined) message += `, did you mean ${showLiteral(suggestion)}?`;
  if (allowed.length > 0) message += ` (allowed here: ${allowed.join(', ')})`;
  return message;
}

/** One zod issue → one or more located messages (an unrecognized-keys issue names several keys). */
export function explainIssue(issue: ZodIssue, context: IssueContext): IssueTarget[] {
  const path = issue.path;

  if (issue.code === 'unrecognized_keys') {
    const allowed = allowedKeysAt(context.schema, path, context.input) ?? [];
    return issue.keys.map((key) => ({ kind: 'unknown-key', path: [...path, key], message: unknownKeyMessage(key, allowed) }));
  }

  const found = valueAt(context.input, path);
  const last = path.at(-1);
  const parent = valueAt(context.input, path.slice(0, -1));
  const keyAbsent = typeof last === 'string' && parent.present && isRecord(parent.value) && !found.present;
  // Only a failed type or value check means "missing"; a cross-field rule about a defaulted key
  // (e.g. timeoutMs left at its default) is about the value, not its absence.
  if (keyAbsent && (issue.code === 'invalid_type' || issue.code === 'invalid_value' || issue.code === 'invalid_union')) {
    const accepted = acceptedValues(issue);
    const hint = accepted === undefined ? '' : ` (expected ${oneOf(accepted)})`;
    return [{ kind: 'missing', path, message: `required key ${showLiteral(last)} is missing${hint}` }];
  }

  return [{ kind: 'value', path, message: valueMessage(issue, found.value, context.isConcealed(path)) }];
}
