/**
 * The shape of a config problem as users see it, and how it is printed.
 *
 * Printed as `FILE:LINE:COLUMN: PATH: MESSAGE`, the format compilers use, so terminals and editors
 * can jump to the spot and an electrician can find the line without knowing the schema.
 */

/** One problem found in a config file. */
export interface ConfigIssue {
  /** The file as the user named it. */
  file: string;
  /** 1-based line of the offending node. */
  line: number;
  /** 1-based column of the offending node. */
  column: number;
  /** Where in the config, e.g. `devices[0].points[3].type` or `mqtt.url`; `(root)` for the whole file. */
  path: string;
  /** What was expected and what was found. */
  message: string;
}

/** A path into the config as zod and the YAML document walk produce it. */
export type ConfigPath = readonly PropertyKey[];

const PLAIN_KEY = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** `['devices', 0, 'points', 3, 'type']` → `devices[0].points[3].type`; `[]` → `(root)`. */
export function formatPath(path: ConfigPath): string {
  let text = '';
  for (const segment of path) {
    if (typeof segment === 'number') {
      text += `[${segment}]`;
      continue;
    }
    const key = typeof segment === 'symbol' ? (segment.description ?? '') : segment;
    // Keys that are not plain names (a typo with a space, "<<") are quoted so the path stays unambiguous.
    if (PLAIN_KEY.test(key)) text += text === '' ? key : `.${key}`;
    else text += `[${JSON.stringify(key)}]`;
  }
  return text === '' ? '(root)' : text;
}

/** One line per issue: `FILE:LINE:COLUMN: PATH: MESSAGE`. */
export function formatIssues(issues: readonly ConfigIssue[]): string {
  return issues.map((issue) => `${issue.file}:${issue.line}:${issue.column}: ${issue.path}: ${issue.message}`).join('\n');
}

/** Sorted by position in the file; issues at the same spot keep the order they were found in. */
export function sortIssues(issues: readonly ConfigIssue[]): ConfigIssue[] {
  return [...issues].sort((a, b) => a.line - b.line || a.column - b.column);
}
