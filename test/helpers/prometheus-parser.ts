/**
 * A small, strict parser of the Prometheus text exposition format 0.0.4, for tests: it rejects what
 * a Prometheus server would reject (bad names, bad escapes, a TYPE after samples, a family split in
 * two, duplicate series, non-cumulative buckets) and a few things it would merely tolerate
 * (a sample with no TYPE line, a family with no HELP).
 */

export interface ParsedSample {
  /** The full sample name, suffix included (e.g. x_bucket). */
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface ParsedFamily {
  name: string;
  type: 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';
  help: string;
  samples: ParsedSample[];
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*/;
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);

function fail(lineNumber: number, line: string, why: string): never {
  throw new Error(`line ${lineNumber}: ${why}: ${JSON.stringify(line)}`);
}

function parseValue(text: string, lineNumber: number, line: string): number {
  if (text === 'NaN') return Number.NaN;
  if (text === '+Inf') return Number.POSITIVE_INFINITY;
  if (text === '-Inf') return Number.NEGATIVE_INFINITY;
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text)) fail(lineNumber, line, `bad value "${text}"`);
  return Number(text);
}

/** Parses `{a="x",b="y"}` from `text` at `start`; returns the labels and the index after `}`. */
function parseLabels(text: string, start: number, lineNumber: number, line: string): { labels: Record<string, string>; end: number } {
  const labels: Record<string, string> = {};
  let i = start + 1;
  while (text[i] !== '}') {
    const name = LABEL_NAME.exec(text.slice(i))?.[0];
    if (!name) fail(lineNumber, line, 'bad label name');
    if (name in labels) fail(lineNumber, line, `label ${name} twice`);
    i += name.length;
    if (text[i] !== '=' || text[i + 1] !== '"') fail(lineNumber, line, `expected =" after label ${name}`);
    i += 2;
    let value = '';
    for (;;) {
      const c = text[i];
      if (c === undefined) fail(lineNumber, line, 'unterminated label value');
      if (c === '"') break;
      if (c === '\\') {
        const next = text[i + 1];
        if (next === 'n') value += '\n';
        else if (next === '\\' || next === '"') value += next;
        else fail(lineNumber, line, `bad escape \\${next ?? ''}`);
        i += 2;
        continue;
      }
      if (c === '\n') fail(lineNumber, line, 'raw newline in label value');
      value += c;
      i += 1;
    }
    labels[name] = value;
    i += 1;
    if (text[i] === ',') i += 1;
    else if (text[i] !== '}') fail(lineNumber, line, 'expected , or } after a label');
  }
  return { labels, end: i + 1 };
}

function familyOf(sampleName: string, families: Map<string, ParsedFamily>): ParsedFamily | undefined {
  for (const suffix of ['_bucket', '_sum', '_count']) {
    if (sampleName.endsWith(suffix)) {
      const base = families.get(sampleName.slice(0, -suffix.length));
      if (base && (base.type === 'histogram' || base.type === 'summary')) return base;
    }
  }
  return families.get(sampleName);
}

function unescapeHelp(text: string, lineNumber: number, line: string): string {
  return text.replace(/\\(.?)/g, (_, c: string) => {
    if (c === 'n') return '\n';
    if (c === '\\') return '\\';
    return fail(lineNumber, line, `bad escape in HELP \\${c}`);
  });
}

function checkFamily(family: ParsedFamily): void {
  const seen = new Set<string>();
  for (const sample of family.samples) {
    const key = `${sample.name}${JSON.stringify(Object.entries(sample.labels).sort())}`;
    if (seen.has(key)) throw new Error(`${family.name}: duplicate series ${key}`);
    seen.add(key);
  }
  if (family.type === 'histogram') checkHistogram(family);
  if (family.type === 'summary') {
    for (const s of family.samples.filter((x) => x.name === family.name)) {
      if (!('quantile' in s.labels)) throw new Error(`${family.name}: summary sample without quantile label`);
    }
  }
  if (family.type === 'counter') {
    for (const s of family.samples) if (s.value < 0) throw new Error(`${family.name}: negative counter`);
  }
}

function checkHistogram(family: ParsedFamily): void {
  const bySeries = new Map<string, ParsedSample[]>();
  for (const s of family.samples) {
    if (s.name === family.name) throw new Error(`${family.name}: histogram sample without _bucket/_sum/_count`);
    const { le, ...rest } = s.labels;
    if (s.name.endsWith('_bucket') && le === undefined) throw new Error(`${family.name}: bucket without le`);
    const key = JSON.stringify(Object.entries(rest).sort());
    bySeries.set(key, [...(bySeries.get(key) ?? []), s]);
  }
  for (const [key, samples] of bySeries) {
    const buckets = samples.filter((s) => s.name.endsWith('_bucket'));
    let previous = -1;
    let previousLe = Number.NEGATIVE_INFINITY;
    for (const bucket of buckets) {
      const le = parseValue(bucket.labels.le!, 0, bucket.labels.le!);
      if (le <= previousLe) throw new Error(`${family.name}${key}: le not increasing`);
      if (bucket.value < previous) throw new Error(`${family.name}${key}: buckets not cumulative`);
      previous = bucket.value;
      previousLe = le;
    }
    const inf = buckets.at(-1);
    if (!inf || inf.labels.le !== '+Inf') throw new Error(`${family.name}${key}: no +Inf bucket`);
    const count = samples.find((s) => s.name === `${family.name}_count`);
    if (!count || count.value !== inf.value) throw new Error(`${family.name}${key}: _count differs from the +Inf bucket`);
    if (!samples.some((s) => s.name === `${family.name}_sum`)) throw new Error(`${family.name}${key}: no _sum`);
  }
}

export function parsePrometheusText(text: string): Map<string, ParsedFamily> {
  if (!text.endsWith('\n')) throw new Error('the exposition must end with a newline');
  const families = new Map<string, ParsedFamily>();
  const closed = new Set<string>();
  let current: ParsedFamily | null = null;
  const lines = text.slice(0, -1).split('\n');
  lines.forEach((line, index) => {
    const lineNumber = index + 1;
    if (line === '') fail(lineNumber, line, 'empty line');
    const meta = /^# (HELP|TYPE) ([^ ]+) ?(.*)$/.exec(line);
    if (meta) {
      const [, keyword, name, rest] = meta as unknown as [string, 'HELP' | 'TYPE', string, string];
      if (METRIC_NAME.exec(name)?.[0] !== name) fail(lineNumber, line, 'bad metric name');
      let family = families.get(name);
      if (family && family !== current) fail(lineNumber, line, `family ${name} appears twice`);
      if (!family) {
        if (current) closed.add(current.name);
        family = { name, type: 'untyped', help: '', samples: [] };
        families.set(name, family);
        current = family;
      }
      if (keyword === 'TYPE') {
        if (!TYPES.has(rest)) fail(lineNumber, line, `unknown type ${rest}`);
        if (family.samples.length > 0) fail(lineNumber, line, 'TYPE after samples');
        family.type = rest as ParsedFamily['type'];
      } else {
        family.help = unescapeHelp(rest, lineNumber, line);
      }
      return;
    }
    if (line.startsWith('#')) return; // a plain comment
    const name = METRIC_NAME.exec(line)?.[0];
    if (!name) fail(lineNumber, line, 'bad sample name');
    let rest = line.slice(name.length);
    let labels: Record<string, string> = {};
    if (rest.startsWith('{')) {
      const parsed = parseLabels(rest, 0, lineNumber, line);
      labels = parsed.labels;
      rest = rest.slice(parsed.end);
    }
    const parts = rest.split(' ');
    if (parts[0] !== '' || parts.length < 2 || parts.length > 3) fail(lineNumber, line, 'expected " value [timestamp]"');
    const value = parseValue(parts[1]!, lineNumber, line);
    const family = familyOf(name, families);
    if (!family) fail(lineNumber, line, `sample of ${name} without a TYPE line`);
    if (family !== current || closed.has(family.name)) fail(lineNumber, line, `sample of ${family.name} outside its family block`);
    if (family.type === 'untyped') fail(lineNumber, line, `family ${family.name} has no TYPE`);
    if (family.help === '') fail(lineNumber, line, `family ${family.name} has no HELP`);
    family.samples.push({ name, labels, value });
  });
  for (const family of families.values()) checkFamily(family);
  return families;
}

/** The one sample of `family` whose labels include `labels`; throws naming what is there otherwise. */
export function sampleValue(families: Map<string, ParsedFamily>, name: string, labels: Record<string, string> = {}, sampleName = name): number {
  const family = families.get(name);
  if (!family) throw new Error(`no metric family ${name}`);
  const matches = family.samples.filter((s) => s.name === sampleName && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  if (matches.length !== 1) throw new Error(`${matches.length} samples of ${sampleName} match ${JSON.stringify(labels)}; have ${JSON.stringify(family.samples)}`);
  return matches[0]!.value;
}
