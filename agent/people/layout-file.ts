/** Loading the mine layout from its YAML file, with errors that name the file, line and key. */
import { readFileSync } from 'node:fs';
import { LineCounter, parseDocument } from 'yaml';
import { layoutSchema } from '../../config/rules-schema.js';
import { MineLayout } from './mine-layout.js';

export class LayoutFileError extends Error {
  override readonly name = 'LayoutFileError';
  constructor(
    readonly file: string,
    readonly problems: string[],
  ) {
    super(`${file}: the mine layout cannot be used:\n${problems.map((p) => `  ${p}`).join('\n')}`);
  }
}

export function loadLayoutFile(path: string): MineLayout {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new LayoutFileError(path, [`cannot read the file: ${(error as Error).message}`]);
  }
  return parseLayoutYaml(text, path);
}

export function parseLayoutYaml(text: string, file: string): MineLayout {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, uniqueKeys: true });
  if (document.errors.length > 0) {
    throw new LayoutFileError(file, document.errors.map((e) => `line ${lineCounter.linePos(e.pos[0]).line}: ${e.message.split('\n')[0]}`));
  }
  const parsed = layoutSchema.safeParse(document.toJS());
  if (parsed.success) return new MineLayout(parsed.data);
  throw new LayoutFileError(
    file,
    parsed.error.issues.map((issue) => {
      const node = document.getIn(issue.path as (string | number)[], true) as { range?: [number, number, number] } | undefined;
      const where = node?.range ? `line ${lineCounter.linePos(node.range[0]).line}: ` : '';
      return `${where}${issue.path.join('.') || '(top)'}: ${issue.message}`;
    }),
  );
}
