/**
 * The board's files, served from agent/board/assets in the package (the same folder whether the
 * agent runs from the sources or from dist/, found through packageRoot()). Only plain file names
 * inside that one folder with a known type are served: no sub-folders, no dot-files, no "..",
 * no encoded separators, no symlinks out.
 */
import { createHash } from 'node:crypto';
import { readFileSync, realpathSync, statSync } from 'node:fs';
import { extname, join, sep } from 'node:path';
import { packageRoot } from '../runtime/package-info.js';

export const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
};

/** One path segment: starts with a letter or digit, then letters, digits, ".", "_" or "-". */
const SAFE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

export interface Asset {
  body: Buffer;
  contentType: string;
  etag: string;
}

export function boardAssetsDir(): string {
  return join(packageRoot(), 'agent', 'board', 'assets');
}

/**
 * The file name an asset URL path names, or null when it is not a name we would ever serve.
 * Takes the raw (still percent-encoded) part after /board/assets/.
 */
export function safeAssetName(rawName: string): string | null {
  let name: string;
  try {
    name = decodeURIComponent(rawName);
  } catch {
    return null;
  }
  if (!SAFE_NAME.test(name) || name.includes('..')) return null;
  return Object.hasOwn(CONTENT_TYPES, extname(name).toLowerCase()) ? name : null;
}

/**
 * Reads the files on demand and keeps them, revalidated by size and mtime, so an upgrade that
 * replaces the files is picked up without a restart while a steady board costs one stat per request.
 */
export class AssetStore {
  private readonly cache = new Map<string, Asset & { size: number; mtimeMs: number }>();
  private readonly root: string;

  constructor(dir: string = boardAssetsDir()) {
    this.root = realpathSync(dir);
  }

  /** The asset, or null if there is no such servable file. */
  get(rawName: string): Asset | null {
    const name = safeAssetName(rawName);
    if (name === null) return null;
    const path = join(this.root, name);
    try {
      // A symlink pointing out of the folder is refused like a "..".
      if (!realpathSync(path).startsWith(this.root + sep)) return null;
      const stat = statSync(path);
      if (!stat.isFile()) return null;
      const cached = this.cache.get(name);
      if (cached && cached.size === stat.size && cached.mtimeMs === stat.mtimeMs) return cached;
      const body = readFileSync(path);
      const asset = {
        body,
        contentType: CONTENT_TYPES[extname(name).toLowerCase()]!,
        etag: `"${createHash('sha1').update(body).digest('base64url')}"`,
        size: stat.size,
        mtimeMs: stat.mtimeMs,
      };
      this.cache.set(name, asset);
      return asset;
    } catch {
      return null;
    }
  }
}
