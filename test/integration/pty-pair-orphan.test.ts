/**
 * A simulator killed with SIGKILL (no exit handler runs) must not leave its socat pty pairs
 * behind: socat runs under `setpriv --pdeathsig SIGTERM`, so the kernel stops it with its parent.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

const PTY_PAIR_JS = new URL('../../dist/simulators/serial/pty-pair.js', import.meta.url).href;
const dirs: string[] = [];

afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** Pids of the direct children of `parent` whose command name is `comm`. */
function childrenNamed(parent: number, comm: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const afterName = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      if (name === comm && Number(afterName[1]) === parent) found.push(Number(entry));
    } catch {
      // the process ended while we looked
    }
  }
  return found;
}

const alive = (pid: number) => existsSync(`/proc/${pid}`) && !/^\S+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));

async function waitFor(condition: () => boolean, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (condition()) return true;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return condition();
}

describe('pty pair', () => {
  it('socat stops when the simulator process is killed with SIGKILL', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'shaftgate-pty-orphan-'));
    dirs.push(dir);
    const device = join(dir, 'device');
    const client = join(dir, 'client');
    const script = `import { createPtyPair } from ${JSON.stringify(PTY_PAIR_JS)};
      await createPtyPair(${JSON.stringify(device)}, ${JSON.stringify(client)});
      process.stdout.write('ready\\n');
      setInterval(() => {}, 1000);`;
    const holder = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    const ready = await new Promise<boolean>((resolve) => {
      holder.stdout.on('data', (chunk: Buffer) => resolve(chunk.toString().includes('ready')));
      holder.once('exit', () => resolve(false));
    });
    expect(ready).toBe(true);
    const socats = childrenNamed(holder.pid!, 'socat');
    expect(socats).toHaveLength(1);
    const socat = socats[0]!;
    expect(existsSync(client)).toBe(true);

    holder.kill('SIGKILL');
    expect(await waitFor(() => !alive(socat), 3000)).toBe(true);
    // socat removes its link= symlinks when it is stopped by a signal
    expect(await waitFor(() => !existsSync(client) && !existsSync(device), 2000)).toBe(true);
  });
});
