import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AssetStore, boardAssetsDir, safeAssetName } from '../../agent/board/static-assets.js';

describe('board static files', () => {
  it('accepts plain file names of known types only', () => {
    expect(safeAssetName('board.js')).toBe('board.js');
    expect(safeAssetName('board.css')).toBe('board.css');
    for (const bad of ['../package.json', '..%2Fpackage.json', '%2e%2e/x.js', 'sub/x.js', 'sub%2Fx.js', '.hidden.js', 'x.js%00.png', '%E0%A4%A', 'board.ts', 'README', 'a..js', '', 'x\\y.js']) {
      expect(safeAssetName(bad), bad).toBeNull();
    }
  });

  it('serves the shipped page with the right types and a stable ETag', () => {
    const store = new AssetStore();
    const page = store.get('index.html');
    expect(page?.contentType).toBe('text/html; charset=utf-8');
    expect(page?.body.toString()).toContain('/board/assets/board.js');
    expect(store.get('board.js')?.contentType).toBe('text/javascript; charset=utf-8');
    expect(store.get('board.css')?.contentType).toBe('text/css; charset=utf-8');
    expect(store.get('board.js')?.etag).toBe(store.get('board.js')?.etag);
    expect(boardAssetsDir()).toMatch(/agent\/board\/assets$/);
  });

  it('refuses folders, missing files and symlinks that lead out of the folder', () => {
    const root = mkdtempSync(join(tmpdir(), 'board-assets-'));
    const dir = join(root, 'assets');
    mkdirSync(dir);
    mkdirSync(join(dir, 'folder.js'));
    writeFileSync(join(root, 'secret.js'), 'secret');
    symlinkSync(join(root, 'secret.js'), join(dir, 'link.js'));
    writeFileSync(join(dir, 'ok.js'), 'ok');
    const store = new AssetStore(dir);
    expect(store.get('ok.js')?.body.toString()).toBe('ok');
    expect(store.get('folder.js')).toBeNull();
    expect(store.get('missing.js')).toBeNull();
    expect(store.get('link.js')).toBeNull();
  });
});
