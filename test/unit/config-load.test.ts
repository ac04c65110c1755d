import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, formatIssues, loadConfigFile, parseConfigText, type ConfigIssue } from '../../config/load.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/config/', import.meta.url));
const EXAMPLES = fileURLToPath(new URL('../../config/examples/', import.meta.url));

/** The issues loading a fixture raises, as `LINE:COLUMN PATH: MESSAGE`; fails the test if it loads. */
function issuesOf(fixture: string, env: NodeJS.ProcessEnv = {}): string[] {
  return briefly(errorOf(() => loadConfigFile(join(FIXTURES, fixture), env)).issues);
}

function errorOf(load: () => unknown): ConfigError {
  try {
    load();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError, but the config loaded');
}

function briefly(issues: readonly ConfigIssue[]): string[] {
  return issues.map((issue) => `${issue.line}:${issue.column} ${issue.path}: ${issue.message}`);
}

/** Issues for inline YAML text. */
function issuesOfText(text: string, env: NodeJS.ProcessEnv = {}): string[] {
  const result = parseConfigText(text, 'inline.yaml', env);
  if (result.ok) throw new Error('expected issues, but the config is valid');
  return briefly(result.issues);
}

/** A valid config; tests append to it or replace parts of it. */
const VALID = `version: 1
gateway:
  mineId: m1
  gatewayId: g1
store:
  path: ./var/test.db
mqtt:
  url: mqtt://127.0.0.1:1883
devices:
  - id: d1
    system: safety_monitoring
    transport: modbus-tcp
    host: 127.0.0.1
    points:
      - { id: p1, table: holding, address: 0 }
`;

describe('example configs', () => {
  const examples = readdirSync(EXAMPLES).filter((name) => name.endsWith('.yaml'));

  it('include minimal.yaml', () => {
    expect(examples).toContain('minimal.yaml');
  });

  // Examples may show `${env:NAME}` for secrets; any name reads as a placeholder value here.
  const anyVariable = new Proxy<NodeJS.ProcessEnv>({}, { get: (_target, name) => (typeof name === 'string' ? `example-${name}` : undefined) });

  it.each(examples)('%s loads without issues', (name) => {
    const result = parseConfigText(readFileSync(join(EXAMPLES, name), 'utf8'), name, anyVariable);
    expect(result.ok ? [] : formatIssues(result.issues).split('\n')).toEqual([]);
  });

  it('minimal.yaml has one Modbus TCP device, a few points and a store under ./var/', () => {
    const config = loadConfigFile(join(EXAMPLES, 'minimal.yaml'), {});
    expect(config.devices).toHaveLength(1);
    expect(config.devices[0]?.transport).toBe('modbus-tcp');
    expect(config.devices[0]?.points.length).toBeGreaterThanOrEqual(2);
    expect(config.store.path.startsWith('./var/')).toBe(true);
  });
});

describe('YAML syntax', () => {
  it('reports every syntax error with its line and column, and does not check the schema', () => {
    expect(issuesOf('syntax-errors.yaml')).toEqual([
      '5:1 gateway: invalid YAML: Tabs are not allowed as indentation',
      '7:9 store.path: invalid YAML: Nested mappings are not allowed in compact mappings',
      '9:8 mqtt.url: invalid YAML: Flow sequence in block collection must be sufficiently indented and end with a ]',
    ]);
  });

  it('points at the opening quote of an unclosed string, not at the end of the file', () => {
    expect(issuesOf('unclosed-quote.yaml')).toEqual(['4:14 gateway.gatewayId: invalid YAML: Missing closing "quote']);
  });

  it('rejects a duplicate key at its second occurrence', () => {
    expect(issuesOf('duplicate-key.yaml')).toEqual(['5:3 gateway.mineId: duplicate key "mineId": each key may appear only once in a mapping']);
  });

  it('rejects a second document', () => {
    expect(issuesOfText(`${VALID}---\nversion: 1\n`)).toEqual(['16:1 (root): a config file holds exactly one YAML document; this "---" starts a second one']);
  });

  it('treats a YAML warning (unknown tag) as an error', () => {
    expect(issuesOfText(VALID.replace('host: 127.0.0.1', 'host: !ip 127.0.0.1'))).toEqual(['13:11 devices[0]: invalid YAML: Unresolved tag: !ip']);
  });

  it('reports an empty file', () => {
    expect(issuesOfText('# nothing yet\n')).toEqual([
      '1:1 (root): the file is empty: expected a mapping with the keys version, gateway, logging, store, mqtt, http, platform, serialPorts, devices, interlocks, board',
    ]);
  });

  it('reports a file that is a list instead of a mapping at (root)', () => {
    expect(issuesOfText('- a\n- b\n')).toEqual(['1:1 (root): expected a mapping (key: value), got a list']);
  });
});

describe('schema errors', () => {
  it('a wrong type says what was expected and what was found', () => {
    expect(issuesOf('wrong-type.yaml')).toEqual(['14:21 devices[0].pollIntervalMs: expected a number, got the string "abc"']);
  });

  it('a missing required key is reported at the mapping that should hold it', () => {
    expect(issuesOf('missing-key.yaml')).toEqual(['10:5 devices[0].host: required key "host" is missing']);
  });

  it('an unknown key is reported at the key itself, with the likely intended key and the allowed ones', () => {
    const [issue, ...rest] = issuesOf('unknown-key.yaml');
    expect(rest).toEqual([]);
    expect(issue).toMatch(/^14:5 devices\[0\]\.pollIntervall: unknown key "pollIntervall", did you mean "pollIntervalMs"\? \(allowed here: id, name, system, transport, host, port, /);
  });

  it('an unknown key with nothing close is listed without a suggestion', () => {
    expect(issuesOfText(VALID.replace('  gatewayId: g1\n', '  gatewayId: g1\n  colour: red\n'))).toEqual([
      '5:3 gateway.colour: unknown key "colour" (allowed here: mineId, gatewayId, name)',
    ]);
  });

  it('an out-of-range value names the limit and the value', () => {
    expect(issuesOf('out-of-range.yaml')).toEqual(['14:11 devices[0].port: must be at most 65535, got 70000']);
  });

  it('reports all errors of a file at once, in line order', () => {
    expect(issuesOf('several-errors.yaml')).toEqual([
      '6:3 gateway.colour: unknown key "colour" (allowed here: mineId, gatewayId, name)',
      '9:25 store.historyRetentionDays: must be at least 1, got 0',
      '11:8 mqtt.url: expected a URL like mqtt://host:1883 or mqtts://host:8883, got the string "http://broker:1883"',
      '18:26 devices[0].points[0].table: expected one of "coil", "discrete_input", "holding", "input", got the string "holdng"; did you mean "holding"?',
      '19:42 devices[0].points[1].address: expected a number, got the string "7"; remove the quotes',
    ]);
  });

  it('reports cross-field problems (duplicate ids, coil types) in the same pass as other errors', () => {
    expect(issuesOf('cross-field-with-other-errors.yaml')).toEqual([
      '4:57 mqtt.keepaliveSeconds: expected a number, got the string "x"',
      '10:54 devices[0].points[0].type: a coil is one bit: its type must be "bool", not "float32"',
      '10:71 devices[0].points[1].id: point id "p" is already used by points[0] of this device',
      '11:9 devices[1].id: device id "a" is already used by devices[0]',
    ]);
  });

  it('rejects duplicate device ids at the second one', () => {
    expect(issuesOf('duplicate-device-ids.yaml')).toEqual(['16:9 devices[1].id: device id "substation" is already used by devices[0]']);
  });

  it('a value that is a block list or mapping is reported at its key', () => {
    expect(issuesOfText(VALID.replace('  path: ./var/test.db', '  path:\n    - ./var/test.db'))).toEqual([
      '6:3 store.path: expected a string, got a list',
    ]);
  });

  it('a missing discriminator names the accepted values', () => {
    expect(issuesOfText(VALID.replace('    transport: modbus-tcp\n', ''))).toEqual([
      '10:5 devices[0].transport: required key "transport" is missing (expected one of "modbus-tcp", "modbus-rtu", "serial-line")',
    ]);
  });

  it('merge keys are refused with a clear message', () => {
    const text = VALID.replace('  gatewayId: g1\n', '  gatewayId: g1\n  <<: { name: x }\n');
    expect(issuesOfText(text)).toEqual(['5:3 gateway["<<"]: merge keys ("<<") are not supported: write the keys out']);
  });

  it('returns no config when there is any issue', () => {
    const result = parseConfigText(VALID.replace('address: 0', 'address: -1'), 'x.yaml', {});
    expect(result).toEqual({ ok: false, issues: [expect.objectContaining({ line: 15, path: 'devices[0].points[0].address' })] });
    expect('config' in result).toBe(false);
  });
});

describe('aliases', () => {
  it('are allowed', () => {
    const config = loadConfigFile(join(FIXTURES, 'aliases.yaml'), {});
    expect(config.devices.map((device) => device.points.map((point) => point.id))).toEqual([
      ['ch4', 'co'],
      ['ch4', 'co'],
    ]);
  });

  it('cannot expand into an alias bomb', () => {
    expect(issuesOf('alias-bomb.yaml')).toEqual(['3:8 b[0]: the aliases ("*name") in this file expand to too much data (limit 100); write the values out instead']);
  });

  it('without an anchor are an error at the alias', () => {
    expect(issuesOfText(VALID.replace('host: 127.0.0.1', 'host: *nowhere'))).toEqual(['13:11 devices[0].host: alias "*nowhere" has no anchor "&nowhere" before it']);
  });

  it('inside the node they refer to are an error', () => {
    expect(issuesOfText(VALID.replace('host: 127.0.0.1', 'host: &loop [*loop]'))).toEqual([
      '13:18 devices[0].host[0]: alias "*loop" is inside the node it refers to; that would repeat without end',
    ]);
  });
});

describe('environment references', () => {
  const secrets = { SHAFTGATE_TEST_USER: 'gateway-7', SHAFTGATE_TEST_PASSWORD: 'pa$$w0rd ${x}' };

  it('are replaced by the variables, and $${ is a literal ${', () => {
    const config = loadConfigFile(join(FIXTURES, 'env-references.yaml'), secrets);
    expect(config.mqtt.username).toBe('gateway-7');
    expect(config.mqtt.password).toBe('pa$$w0rd ${x}');
    expect(config.gateway.name).toBe('costs ${env:NOT_A_REFERENCE}');
  });

  it('to an unset variable are issues at their lines', () => {
    expect(issuesOf('env-references.yaml', { SHAFTGATE_TEST_USER: 'gateway-7' })).toEqual([
      '12:13 mqtt.password: environment variable "SHAFTGATE_TEST_PASSWORD" is not set',
    ]);
    expect(issuesOf('env-references.yaml')).toEqual([
      '11:13 mqtt.username: environment variable "SHAFTGATE_TEST_USER" is not set',
      '12:13 mqtt.password: environment variable "SHAFTGATE_TEST_PASSWORD" is not set',
    ]);
  });

  it('that are malformed are issues rather than literal text', () => {
    expect(issuesOfText(VALID.replace('host: 127.0.0.1', 'host: ${ENV:HOST}'), { HOST: 'h' })).toEqual([
      '13:11 devices[0].host: "${ENV:HOST}" is not a valid reference: write ${env:NAME} to read an environment variable, or $${ for a literal "${"',
    ]);
  });

  it('never echo the value in a message, since it may be a secret', () => {
    const issues = issuesOfText(VALID.replace('  url: mqtt://127.0.0.1:1883', '  url: ${env:BROKER}'), { BROKER: 'http://user:hunter2@broker' });
    expect(issues).toEqual(['8:8 mqtt.url: expected a URL like mqtt://host:1883 or mqtts://host:8883, got a value from the environment (not shown)']);
  });
});

describe('reading files', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'shaftgate-config-'));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it('a missing file is one issue at line 1 that names the full path', () => {
    const file = join(scratch, 'nope.yaml');
    expect(briefly(errorOf(() => loadConfigFile(file, {})).issues)).toEqual([`1:1 (root): cannot read the config: there is no file ${file}; check the path`]);
  });

  it('a folder is not a config file', () => {
    expect(briefly(errorOf(() => loadConfigFile(scratch, {})).issues)).toEqual([`1:1 (root): cannot read the config: ${scratch} is a folder, not a file`]);
  });

  it('text that is not UTF-8 is refused at the line of the first bad byte', () => {
    const file = join(scratch, 'gbk.yaml');
    // "回风" in GBK, as a Windows editor might save it
    writeFileSync(file, Buffer.concat([Buffer.from('version: 1\ngateway:\n  name: "'), Buffer.from([0xbb, 0xd8, 0xb7, 0xe7]), Buffer.from('"\n')]));
    expect(briefly(errorOf(() => loadConfigFile(file, {})).issues)).toEqual([
      '3:10 (root): the file is not UTF-8 text (was it saved as GBK or another encoding?); save it as UTF-8',
    ]);
  });
});

describe('formatIssues and ConfigError', () => {
  it('prints FILE:LINE:COLUMN: PATH: MESSAGE, one line per issue, and the error message is that list', () => {
    const error = errorOf(() => loadConfigFile(join(FIXTURES, 'several-errors.yaml'), {}));
    const lines = formatIssues(error.issues).split('\n');
    expect(lines).toHaveLength(5);
    expect(lines[0]).toBe(`${join(FIXTURES, 'several-errors.yaml')}:6:3: gateway.colour: unknown key "colour" (allowed here: mineId, gatewayId, name)`);
    expect(error.message).toBe(lines.join('\n'));
    expect(error.name).toBe('ConfigError');
  });
});
