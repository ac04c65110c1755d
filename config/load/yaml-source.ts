/**
 * The YAML side of config loading: parsing with source positions kept, finding the node a config
 * path points at, and the structural checks the schema cannot make (aliases, key shapes).
 */
import { isAlias, isCollection, isMap, isNode, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node, type YAMLError } from 'yaml';
import type { ConfigPath } from './issue.js';

/**
 * Budget for alias expansion (yaml counts alias uses weighted by the aliased node's size). A config
 * legitimately reuses a few blocks; an "alias bomb" (nested aliases that expand exponentially) is
 * stopped here instead of eating the gateway's memory. yaml's default is the same; it is set
 * explicitly so an upgrade of yaml cannot silently remove the limit.
 */
export const MAX_ALIAS_COUNT = 100;

/** A problem at a character offset in the source; the loader turns it into a ConfigIssue. */
export interface SourceProblem {
  offset: number;
  path: ConfigPath;
  message: string;
}

export interface ParsedYaml {
  document: Document.Parsed;
  lineCounter: LineCounter;
  /** Syntax errors and warnings, in source order. When there are any, the content must not be used. */
  problems: SourceProblem[];
}

export function parseYaml(text: string): ParsedYaml {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, {
    lineCounter,
    prettyErrors: false, // positions are reported by the loader, in its own format
    uniqueKeys: true, // a key given twice is an error, never "the last one wins"
    merge: false, // `<<` stays an ordinary key, which the strict schema then rejects
    logLevel: 'error', // nothing goes to the console; everything is reported as an issue
  });
  // yaml reports unclosed quotes and brackets at the end of the file, innermost first; where each
  // was opened is where the fix goes.
  let unclosedIndex = 0;
  // Warnings (e.g. an unknown tag like `!foo`, silently read as a string) are errors here: in a
  // safety config, a value that is not read as written is a fault.
  const problems = [...document.errors, ...document.warnings].map((error) => {
    // A second document is about the file, not about a place in the first document.
    const { path, key } = error.code === 'MULTIPLE_DOCS' ? { path: [], key: undefined } : pathAtOffset(document, error.pos[0]);
    const atEnd = error.pos[0] >= text.trimEnd().length;
    const opened = atEnd ? unclosedNodesOnPath(document, path, error.pos[0])[unclosedIndex++] : undefined;
    if (opened !== undefined) return { ...opened, message: describeYamlError(error, undefined) };
    // A duplicate key is reported at its second occurrence: name it in the path and the message.
    const fullPath = error.code === 'DUPLICATE_KEY' && key !== undefined ? [...path, key] : path;
    return { offset: error.pos[0], path: fullPath, message: describeYamlError(error, key) };
  });
  return { document, lineCounter, problems: problems.sort((a, b) => a.offset - b.offset) };
}

/**
 * The quoted scalars and flow collections (`"…"`, `[…]`, `{…}`) that hold `offset`, innermost
 * first: the collections along `path`, and before them a quoted value directly inside the last one.
 */
function unclosedNodesOnPath(document: Document.Parsed, path: ConfigPath, offset: number): { offset: number; path: ConfigPath }[] {
  const found: { offset: number; path: ConfigPath }[] = [];
  const isQuoted = (node: unknown): node is Node =>
    isScalar(node) && (node.type === 'QUOTE_DOUBLE' || node.type === 'QUOTE_SINGLE') && !!node.range && node.range[0] <= offset && offset <= node.range[2];
  const innermost = locate(document, path);
  if (innermost.depth === path.length && isMap(innermost.node)) {
    const pair = innermost.node.items.find((item) => isQuoted(item.value));
    if (pair !== undefined && isQuoted(pair.value)) found.push({ offset: startOf(pair.value), path: [...path, keyName(pair.key) ?? '?'] });
  } else if (innermost.depth === path.length && isSeq(innermost.node)) {
    const index = innermost.node.items.findIndex(isQuoted);
    if (index !== -1) found.push({ offset: startOf(innermost.node.items[index] as Node), path: [...path, index] });
  }
  for (let depth = path.length; depth >= 0; depth--) {
    const prefix = path.slice(0, depth);
    const { node, depth: reached } = locate(document, prefix);
    if (reached === depth && isCollection(node) && node.flow === true) found.push({ offset: startOf(node), path: prefix });
  }
  return found;
}

function describeYamlError(error: YAMLError, key: string | undefined): string {
  switch (error.code) {
    case 'DUPLICATE_KEY':
      return `duplicate key${key === undefined ? '' : ` ${JSON.stringify(key)}`}: each key may appear only once in a mapping`;
    case 'MULTIPLE_DOCS':
      return 'a config file holds exactly one YAML document; this "---" starts a second one';
    default:
      return `invalid YAML: ${error.message}`;
  }
}

/** Character offset → 1-based line and column. */
export function positionAt(lineCounter: LineCounter, offset: number): { line: number; column: number } {
  const { line, col } = lineCounter.linePos(offset);
  return { line, column: col };
}

/** Where a node starts in the source; 0 for a node without a range (never the case for parsed nodes). */
export function startOf(node: Node | null | undefined): number {
  return node?.range?.[0] ?? 0;
}

function follow(document: Document.Parsed, node: unknown): Node | undefined {
  if (isAlias(node)) return node.resolve(document);
  return isNode(node) ? node : undefined;
}

function keyName(key: unknown): string | undefined {
  return isScalar(key) ? String(key.value) : undefined;
}

/** What a config path leads to in the document; `depth` < path length when it ends early. */
export interface Located {
  /** The deepest node reached: the target itself when `depth === path.length`. */
  node: Node | undefined;
  /** The key node of the last mapping step taken, if the last step was a mapping key. */
  keyNode: Node | undefined;
  /** How many path segments were followed. */
  depth: number;
}

/** Follows a zod-style path through mappings, sequences and aliases. */
export function locate(document: Document.Parsed, path: ConfigPath): Located {
  let node = follow(document, document.contents);
  let keyNode: Node | undefined;
  let depth = 0;
  for (const segment of path) {
    let next: { value: unknown; key: Node | undefined } | undefined;
    if (isMap(node)) {
      const pair = node.items.find((item) => keyName(item.key) === String(segment));
      if (pair !== undefined) next = { value: pair.value, key: isNode(pair.key) ? pair.key : undefined };
    } else if (isSeq(node) && typeof segment === 'number') {
      if (segment < node.items.length) next = { value: node.items[segment], key: undefined };
    }
    if (next === undefined) break;
    // An empty value (`host:`) may have no node; the key then stands for it.
    const target = follow(document, next.value) ?? next.key;
    if (target === undefined) break;
    node = target;
    keyNode = next.key;
    depth += 1;
  }
  return { node, keyNode, depth };
}

/**
 * Where a syntax error is, for its path: the innermost list or mapping holding `offset`, and the
 * key there when the offset is on one. Scalars are not descended into: with broken syntax, a plain
 * value often swallows the lines after it, and naming it would send the reader to the wrong key.
 */
export function pathAtOffset(document: Document.Parsed, offset: number): { path: ConfigPath; key: string | undefined } {
  const path: PropertyKey[] = [];
  const contains = (node: unknown): boolean => isNode(node) && !!node.range && node.range[0] <= offset && offset <= node.range[2];
  let node: unknown = document.contents;
  for (;;) {
    if (isMap(node)) {
      const onKey = node.items.find((item) => contains(item.key));
      if (onKey !== undefined) return { path, key: keyName(onKey.key) };
      const pair = node.items.find((item) => isCollection(item.value) && contains(item.value));
      const name = pair === undefined ? undefined : keyName(pair.key);
      if (pair === undefined || name === undefined) break;
      path.push(name);
      node = pair.value;
    } else if (isSeq(node)) {
      const index = node.items.findIndex((item) => isCollection(item) && contains(item));
      if (index === -1) break;
      path.push(index);
      node = node.items[index];
    } else {
      break;
    }
  }
  return { path, key: undefined };
}

/** Calls `visit` for every value node (not keys), depth first, without following aliases. */
export function visitValues(document: Document.Parsed, visit: (node: Node, path: ConfigPath, ancestors: readonly Node[]) => void): void {
  const walk = (node: unknown, path: ConfigPath, ancestors: readonly Node[]): void => {
    if (!isNode(node)) return;
    visit(node, path, ancestors);
    const inner = [...ancestors, node];
    if (isMap(node)) {
      for (const pair of node.items) walk(pair.value, [...path, keyName(pair.key) ?? '?'], inner);
    } else if (isSeq(node)) {
      node.items.forEach((item, index) => walk(item, [...path, index], inner));
    }
  };
  walk(document.contents, [], []);
}

/**
 * What YAML allows but a config must not contain: aliases without an anchor or inside the node
 * they name (an endless loop), and keys that are lists, mappings or aliases instead of names.
 */
export function structureProblems(document: Document.Parsed): SourceProblem[] {
  const problems: SourceProblem[] = [];
  visitValues(document, (node, path, ancestors) => {
    if (isAlias(node)) {
      const target = node.resolve(document);
      if (target === undefined) {
        problems.push({ offset: startOf(node), path, message: `alias "*${node.source}" has no anchor "&${node.source}" before it` });
      } else if (ancestors.includes(target)) {
        problems.push({ offset: startOf(node), path, message: `alias "*${node.source}" is inside the node it refers to; that would repeat without end` });
      }
    }
    if (isMap(node)) {
      for (const pair of node.items) {
        if (isScalar(pair.key)) continue;
        const offset = isNode(pair.key) ? startOf(pair.key) : startOf(isNode(pair.value) ? pair.value : node);
        const found = isAlias(pair.key) ? 'an alias' : isCollection(pair.key) ? 'a list or mapping' : 'nothing';
        problems.push({ offset, path, message: `a key must be a plain name, got ${found}` });
      }
    }
  });
  return problems;
}
