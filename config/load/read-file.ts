/**
 * Reading a config file into text, with every failure turned into a message that says what to check.
 */
import { readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';

/** Far above any real config (thousands of points are a few hundred kB), far below a memory problem. */
export const MAX_CONFIG_BYTES = 32 * 1024 * 1024;

export type ReadResult = { ok: true; text: string } | { ok: false; offset: number; text: string | undefined; message: string };

function errorCode(error: unknown): string | undefined {
  return error instanceof Error && 'code' in error && typeof error.code === 'string' ? error.code : undefined;
}

function describeReadError(file: string, error: unknown): string {
  switch (errorCode(error)) {
    case 'ENOENT':
    case 'ENOTDIR':
      return `cannot read the config: there is no file ${resolve(file)}; check the path`;
    case 'EACCES':
    case 'EPERM':
      return "cannot read the config: permission denied; check the file's owner and mode and the folders above it";
    default:
      return `cannot read the config: ${error instanceof Error ? error.message : String(error)}`;
  }
}

/**
 * The file's text. Text that is not UTF-8 (a file saved as GBK by a Windows editor, for instance)
 * is refused rather than read with replacement characters in device names; the result then carries
 * the text decoded loosely, so the caller can point at the line of the first bad byte.
 */
export function readConfigText(file: string): ReadResult {
  let bytes: Buffer;
  try {
    const stats = statSync(file);
    if (stats.isDirectory()) return { ok: false, offset: 0, text: undefined, message: `cannot read the config: ${resolve(file)} is a folder, not a file` };
    if (!stats.isFile()) return { ok: false, offset: 0, text: undefined, message: `cannot read the config: ${resolve(file)} is not a regular file` };
    if (stats.size > MAX_CONFIG_BYTES) {
      return { ok: false, offset: 0, text: undefined, message: `the file is too large for a config (${stats.size} bytes, at most ${MAX_CONFIG_BYTES})` };
    }
    bytes = readFileSync(file);
  } catch (error) {
    return { ok: false, offset: 0, text: undefined, message: describeReadError(file, error) };
  }
  try {
    return { ok: true, text: new TextDecoder('utf-8', { fatal: true }).decode(bytes) };
  } catch {
    const loose = new TextDecoder('utf-8').decode(bytes);
    return {
      ok: false,
      offset: Math.max(0, loose.indexOf('\uFFFD')),
      text: loose,
      message: 'the file is not UTF-8 text (was it saved as GBK or another encoding?); save it as UTF-8',
    };
  }
}
