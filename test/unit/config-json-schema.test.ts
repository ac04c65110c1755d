import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { configJsonSchema, configJsonSchemaText, findRepoRoot, JSON_SCHEMA_PATH, main } from '../../config/gen-json-schema.js';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** A JSON Schema node, as far as these tests look into one. */
interface SchemaNode {
  $schema?: string;
  title?: string;
  description?: string;
  type?: string;
  properties?: Record<string, SchemaNode>;
  required?: string[];
  additionalProperties?: boolean;
  items?: SchemaNode;
  oneOf?: SchemaNode[];
  anyOf?: SchemaNode[];
}

const schema = configJsonSchema() as SchemaNode;

function property(node: SchemaNode | undefined, name: string): SchemaNode {
  const child = node?.properties?.[name];
  if (child === undefined) throw new Error(`schema has no property "${name}"`);
  return child;
}

/** The modbus-tcp device object inside `devices.items` (a discriminated union). */
function modbusTcpDevice(): SchemaNode {
  const items = property(schema, 'devices').items;
  const branches = items?.oneOf ?? items?.anyOf ?? (items === undefined ? [] : [items]);
  const device = branches.find((branch) => branch.properties?.transport !== undefined);
  if (device === undefined) throw new Error('no device branch in devices.items');
  return device;
}

describe('the committed JSON Schema', () => {
  it('is up to date with config/schema.ts', () => {
    const committed = readFileSync(join(REPO_ROOT, JSON_SCHEMA_PATH), 'utf8');
    expect(committed, `${JSON_SCHEMA_PATH} is stale: run npm run gen:schema and commit the result`).toBe(configJsonSchemaText());
  });

  it('is pretty-printed with 2 spaces and ends with a newline', () => {
    const text = configJsonSchemaText();
    expect(text).toBe(`${JSON.stringify(JSON.parse(text), null, 2)}\n`);
  });
});

describe('configJsonSchema', () => {
  it('names its draft, and has a title and a description', () => {
    expect(schema.$schema).toMatch(/^https?:\/\/json-schema\.org\//);
    expect(schema.title).toBe('shaftgate configuration');
    expect(schema.description).toBe('shaftgate gateway configuration');
    expect(Object.keys(schema).slice(0, 2)).toEqual(['$schema', 'title']);
  });

  it('disallows unknown keys, like the zod schema', () => {
    expect(schema.additionalProperties).toBe(false);
    expect(property(schema, 'gateway').additionalProperties).toBe(false);
    expect(property(schema, 'mqtt').additionalProperties).toBe(false);
    expect(modbusTcpDevice().additionalProperties).toBe(false);
    expect(property(modbusTcpDevice(), 'points').items?.additionalProperties).toBe(false);
  });

  it('describes the input side: keys with defaults are optional', () => {
    expect(schema.required).toEqual(expect.arrayContaining(['version', 'gateway', 'store', 'mqtt', 'devices']));
    expect(schema.required).not.toContain('logging');
    expect(schema.required).not.toContain('http');
    expect(modbusTcpDevice().required).toContain('host');
    expect(modbusTcpDevice().required).not.toContain('port');
  });

  it('carries the field descriptions for editor hints', () => {
    expect(property(modbusTcpDevice(), 'host').description).toBe('IP address or host name of the device or gateway');
  });
});

describe('the generator script', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'shaftgate-schema-'));
  mkdirSync(join(scratch, 'config'));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));
  afterEach(() => vi.restoreAllMocks());

  function quietly(): { log: ReturnType<typeof vi.spyOn>; error: ReturnType<typeof vi.spyOn> } {
    return { log: vi.spyOn(console, 'log').mockImplementation(() => undefined), error: vi.spyOn(console, 'error').mockImplementation(() => undefined) };
  }

  it('finds the repository root from its own folder', () => {
    expect(findRepoRoot(join(REPO_ROOT, 'config'))).toBe(resolve(REPO_ROOT));
  });

  it('writes the file, then --check passes; a changed or missing file fails --check and says how to fix it', () => {
    const console_ = quietly();
    const target = join(scratch, JSON_SCHEMA_PATH);

    expect(main(['--check'], scratch)).toBe(1);
    expect(main([], scratch)).toBe(0);
    expect(readFileSync(target, 'utf8')).toBe(configJsonSchemaText());
    expect(main(['--check'], scratch)).toBe(0);

    writeFileSync(target, '{}\n');
    expect(main(['--check'], scratch)).toBe(1);
    expect(console_.error).toHaveBeenLastCalledWith(expect.stringContaining('run npm run gen:schema'));
  });

  it('rejects unknown arguments with exit code 2', () => {
    quietly();
    expect(main(['--frobnicate'], scratch)).toBe(2);
  });
});
