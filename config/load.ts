/**
 * Loading shaftgate's YAML config: read, parse, substitute secrets, validate against the zod
 * schema (config/schema.ts), and report every problem with the file, line and column it is at.
 *
 * Rules:
 * - All problems are reported at once, sorted by line: every YAML syntax error (and then nothing
 *   else, since the structure is unknown), or else every schema error. There is no partial result:
 *   a config with any issue is not returned.
 * - Duplicate keys are errors. YAML warnings (e.g. an unknown `!tag`) are errors. Anchors and
 *   aliases are allowed, within MAX_ALIAS_COUNT so an alias bomb cannot exhaust memory; merge keys
 *   (`<<`) are not supported.
 * - Secrets from the environment: any string value may contain `${env:NAME}`, which is replaced by
 *   the variable's value before validation (the result is always a string, so use it for strings:
 *   passwords, user names, host names). An unset variable is an issue at that value's line. `$${`
 *   is a literal `${`; any other `${` is an error. Values that came from the environment are never
 *   echoed in messages, since they may be secrets.
 * - Locations: a wrong value points at the value (at its key when the value is a block list or
 *   mapping), an unknown key at the key, a missing key at the mapping that should hold it.
 */
import { dirname, isAbsolute, resolve as resolvePath } from 'node:path';
import { isAlias, isCollection, isScalar, type Document, type Node } from 'yaml';
import { configSchema, type Config } from './schema.js';
import { expandEnvReferences } from './load/env-substitution.js';
import { formatIssues, formatPath, sortIssues, type ConfigIssue, type ConfigPath } from './load/issue.js';
import { readConfigText } from './load/read-file.js';
import { allowedKeysAt } from './load/schema-keys.js';
import { locate, MAX_ALIAS_COUNT, parseYaml, positionAt, startOf, structureProblems, visitValues, type SourceProblem } from './load/yaml-source.js';
import { explainIssue, type IssueTarget } from './load/zod-issues.js';

export { formatIssues, type ConfigIssue } from './load/issue.js';

/** Thrown by loadConfigFile; the message is the formatted list of issues. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly issues: ConfigIssue[];

  constructor(issues: ConfigIssue[]) {
    super(formatIssues(issues));
    this.issues = issues;
  }
}

export type ParseConfigResult = { ok: true; config: Config } | { ok: false; issues: ConfigIssue[] };

/** Validates config text; `file` is only used to label the issues. */
export function parseConfigText(text: string, file: string, env: NodeJS.ProcessEnv): ParseConfigResult {
  const { document, lineCounter, problems } = parseYaml(text);
  const issueAt = (offset: number, path: ConfigPath, message: string): ConfigIssue => ({
    file,
    ...positionAt(lineCounter, offset),
    path: formatPath(path),
    message,
  });
  const fail = (issues: ConfigIssue[]): ParseConfigResult => ({ ok: false, issues: sortIssues(issues) });
  const fromSource = (found: SourceProblem[]): ConfigIssue[] => found.map((problem) => issueAt(problem.offset, problem.path, problem.message));

  if (problems.length > 0) return fail(fromSource(problems));
  if (document.contents === null) {
    const keys = allowedKeysAt(configSchema, [], {}) ?? [];
    return fail([issueAt(0, [], `the file is empty: expected a mapping with the keys ${keys.join(', ')}`)]);
  }
  const structural = structureProblems(document);
  if (structural.length > 0) return fail(fromSource(structural));

  const substitution = substituteEnv(document, env);
  const input = toPlainData(document);
  if (!input.ok) return fail(fromSource([input.problem]));

  const envIssues = fromSource(substitution.problems);
  const parsed = configSchema.safeParse(input.value);
  if (parsed.success && envIssues.length === 0) return { ok: true, config: parsed.data };

  const nodeIn = (nodes: Set<Node>, path: ConfigPath): boolean => {
    const node = targetNode(document, path);
    return node !== undefined && nodes.has(node);
  };
  const context = { input: input.value, schema: configSchema, isConcealed: (path: ConfigPath) => nodeIn(substitution.concealed, path) };
  const schemaIssues: ConfigIssue[] = [];
  for (const zodIssue of parsed.error?.issues ?? []) {
    for (const target of explainIssue(zodIssue, context)) {
      // A value whose env reference failed is already reported; its leftover text would only add noise.
      if (nodeIn(substitution.failed, target.path)) continue;
      schemaIssues.push(issueAt(offsetOf(document, target), target.path, target.message));
    }
  }
  return fail([...envIssues, ...schemaIssues]);
}

/** Reads and validates a config file; throws ConfigError (never a partial config) on any problem. */
export function loadConfigFile(file: string, env: NodeJS.ProcessEnv = process.env): Config {
  const read = readConfigText(file);
  if (!read.ok) {
    const position = read.text === undefined ? { line: 1, column: 1 } : lineAndColumn(read.text, read.offset);
    throw new ConfigError([{ file, ...position, path: formatPath([]), message: read.message }]);
  }
  const result = parseConfigText(read.text, file, env);
  if (!result.ok) throw new ConfigError(result.issues);
  return resolveConfigRelativePaths(result.config, dirname(resolvePath(file)));
}

/**
 * The interlocks' layout and roster files are written relative to the config file (the electrician
 * keeps them beside it); made absolute here so the agent finds them whatever its working directory.
 */
export function resolveConfigRelativePaths(config: Config, configDir: string): Config {
  const people = config.interlocks?.people;
  if (!config.interlocks || !people) return config;
  const absolute = (path: string | undefined) => (path === undefined || isAbsolute(path) ? path : resolvePath(configDir, path));
  const resolved = { ...people };
  if (people.layoutFile !== undefined) resolved.layoutFile = absolute(people.layoutFile);
  if (people.rosterFile !== undefined) resolved.rosterFile = absolute(people.rosterFile);
  return { ...config, interlocks: { ...config.interlocks, people: resolved } };
}

interface EnvSubstitution {
  problems: SourceProblem[];
  /** Scalars whose value came (partly) from the environment. */
  concealed: Set<Node>;
  /** Scalars with a reference that could not be resolved. */
  failed: Set<Node>;
}

/** Replaces `${env:NAME}` in every string value, in place, before the document becomes data. */
function substituteEnv(document: Document.Parsed, env: NodeJS.ProcessEnv): EnvSubstitution {
  const result: EnvSubstitution = { problems: [], concealed: new Set(), failed: new Set() };
  visitValues(document, (node, path) => {
    if (!isScalar(node) || typeof node.value !== 'string') return;
    const expansion = expandEnvReferences(node.value, env);
    if (!expansion.ok) {
      result.failed.add(node);
      for (const message of expansion.problems) result.problems.push({ offset: startOf(node), path, message });
      return;
    }
    node.value = expansion.value;
    if (expansion.substituted) result.concealed.add(node);
  });
  return result;
}

function toPlainData(document: Document.Parsed): { ok: true; value: unknown } | { ok: false; problem: SourceProblem } {
  try {
    return { ok: true, value: document.toJS({ maxAliasCount: MAX_ALIAS_COUNT }) as unknown };
  } catch (error) {
    // yaml throws a ReferenceError when alias expansion exceeds maxAliasCount.
    if (!(error instanceof ReferenceError)) throw error;
    let firstAlias: { node: Node; path: ConfigPath } | undefined;
    visitValues(document, (node, path) => {
      if (firstAlias === undefined && isAlias(node)) firstAlias = { node, path };
    });
    const message = `the aliases ("*name") in this file expand to too much data (limit ${MAX_ALIAS_COUNT}); write the values out instead`;
    return { ok: false, problem: { offset: startOf(firstAlias?.node), path: firstAlias?.path ?? [], message } };
  }
}

/** The node a path leads to, or undefined when it does not lead all the way. */
function targetNode(document: Document.Parsed, path: ConfigPath): Node | undefined {
  const located = locate(document, path);
  return located.depth === path.length ? located.node : undefined;
}

/** The source offset to report an explained issue at (see the file comment, "Locations"). */
function offsetOf(document: Document.Parsed, target: IssueTarget): number {
  const located = locate(document, target.path);
  const complete = located.depth === target.path.length;
  if (!complete) return startOf(located.node); // a missing key: the mapping that should hold it
  if (target.kind === 'unknown-key') return startOf(located.keyNode ?? located.node);
  if (isCollection(located.node) && located.keyNode !== undefined) return startOf(located.keyNode);
  return startOf(located.node);
}

/** 1-based line and column of a character offset, for text that yaml did not parse. */
function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const lineStart = before.lastIndexOf('\n') + 1;
  return { line: before.split('\n').length, column: offset - lineStart + 1 };
}
