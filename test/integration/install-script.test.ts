/**
 * systemd/install.sh run into a scratch root (--root): the layout documented in
 * docs/operations.en.md, a unit that `systemd-analyze verify` accepts, an install that runs from
 * its production dependencies alone, upgrades that keep config and data, an upgrade refused when
 * the new release rejects the config, and an uninstall that keeps data unless --purge.
 */
import { execFile } from 'node:child_process';
import { appendFileSync, existsSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireBuild, tempDir } from '../helpers/agent-process.js';

const run = promisify(execFile);
const REPO = fileURLToPath(new URL('../..', import.meta.url));
const INSTALL = join(REPO, 'systemd/install.sh');

interface ScriptResult {
  code: number;
  output: string;
}

async function installer(...args: string[]): Promise<ScriptResult> {
  try {
    const { stdout, stderr } = await run('bash', [INSTALL, ...args], { cwd: REPO, maxBuffer: 10_000_000 });
    return { code: 0, output: stdout + stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, output: failed.stdout + failed.stderr };
  }
}

async function expectOk(result: Promise<ScriptResult>): Promise<string> {
  const { code, output } = await result;
  expect(code, output).toBe(0);
  return output;
}

const mode = (path: string) => (statSync(path).mode & 0o777).toString(8);

let root: string;
beforeAll(() => {
  requireBuild();
  root = tempDir('install-root');
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('install.sh into a scratch root', () => {
  it('lays out release, config, data, unit and CLI as documented; systemd-analyze verify accepts the unit', async () => {
    const output = await expectOk(installer('install', '--root', root));
    expect(output).toMatch(/scratch root: not creating the system user 'shaftgate'/);
    expect(output).toMatch(/systemctl was not called/);
    expect(output).toMatch(/installed the example config/);

    const opt = join(root, 'opt/shaftgate');
    for (const file of ['dist/agent/cli/main.js', 'package.json', 'config/examples/minimal.yaml', 'systemd/shaftgate.service', 'systemd/install.sh']) {
      expect(existsSync(join(opt, file)), file).toBe(true);
    }
    // Production dependencies only.
    for (const runtime of ['better-sqlite3', 'mqtt', 'pino', 'zod', 'serialport']) expect(existsSync(join(opt, 'node_modules', runtime)), runtime).toBe(true);
    for (const devOnly of ['vitest', 'typescript', 'eslint', 'playwright-core']) expect(existsSync(join(opt, 'node_modules', devOnly)), devOnly).toBe(false);

    const config = join(root, 'etc/shaftgate/shaftgate.yaml');
    expect(readFileSync(config, 'utf8')).toMatch(/^ {2}path: \/var\/lib\/shaftgate\/shaftgate\.db/m);
    expect(mode(config)).toBe('640');
    expect(mode(join(root, 'etc/shaftgate/shaftgate.env'))).toBe('640');
    expect(mode(join(root, 'var/lib/shaftgate'))).toBe('750');

    const unit = join(root, 'etc/systemd/system/shaftgate.service');
    const unitText = readFileSync(unit, 'utf8');
    expect(unitText).toMatch(/^Type=notify$/m);
    expect(unitText).toMatch(/^WatchdogSec=\d+s$/m);
    const execStart = /^ExecStart=(\S+) (\S+) run --config (\S+)$/m.exec(unitText)!;
    expect(execStart, unitText).not.toBeNull();
    expect(existsSync(join(root, execStart[2]!))).toBe(true); // the installed main.js
    expect(execStart[3]).toBe('/etc/shaftgate/shaftgate.yaml');
    expect(readlinkSync(join(root, 'etc/systemd/system/multi-user.target.wants/shaftgate.service'))).toBe('/etc/systemd/system/shaftgate.service');
    // verify checks syntax, directives and that ExecStart's node exists on this machine.
    const verify = await run('systemd-analyze', ['verify', unit]);
    expect(verify.stdout + verify.stderr).toBe('');

    expect(readFileSync(join(root, 'usr/local/bin/shaftgate'), 'utf8')).toMatch(/exec \S+node \/opt\/shaftgate\/dist\/agent\/cli\/main\.js "\$@"/);
    // The installed release runs from its own node_modules.
    const check = await run(process.execPath, [join(opt, 'dist/agent/cli/main.js'), 'check-config', config], { cwd: root });
    expect(check.stdout).toMatch(/OK/);
  });

  it('installing again changes nothing it should keep; upgrade keeps config and data and keeps the old release', async () => {
    const config = join(root, 'etc/shaftgate/shaftgate.yaml');
    appendFileSync(config, '# edited by the electrician\n');
    const edited = readFileSync(config, 'utf8');
    writeFileSync(join(root, 'var/lib/shaftgate/shaftgate.db'), 'pretend database');

    const again = await expectOk(installer('install', '--root', root));
    expect(again).toMatch(/kept the existing config/);
    const upgrade = await expectOk(installer('upgrade', '--root', root));
    expect(upgrade).toMatch(/kept the existing config/);
    expect(readFileSync(config, 'utf8')).toBe(edited);
    expect(readFileSync(join(root, 'var/lib/shaftgate/shaftgate.db'), 'utf8')).toBe('pretend database');
    expect(existsSync(join(root, 'opt/shaftgate.old/dist/agent/cli/main.js'))).toBe(true);
    expect(existsSync(join(root, 'opt/shaftgate.new'))).toBe(false);
  });

  it('refuses an upgrade the new release cannot run with this config, and replaces nothing', async () => {
    const config = join(root, 'etc/shaftgate/shaftgate.yaml');
    const good = readFileSync(config, 'utf8');
    writeFileSync(config, good.replace('port: 502', 'port: 70000'));
    const marker = join(root, 'opt/shaftgate/still-the-old-release');
    writeFileSync(marker, '');
    const { code, output } = await installer('upgrade', '--root', root);
    expect(code).toBe(1);
    expect(output).toMatch(/devices\[0\]\.port/);
    expect(output).toMatch(/the new release rejects .*shaftgate\.yaml.*Nothing was replaced/);
    expect(existsSync(marker)).toBe(true);
    writeFileSync(config, good);
  });

  it('upgrade without an installation says what to do', async () => {
    const empty = tempDir('install-empty');
    const { code, output } = await installer('upgrade', '--root', empty);
    expect(code).toBe(1);
    expect(output).toMatch(/nothing to upgrade: .* does not exist \(use 'install'\)/);
    rmSync(empty, { recursive: true, force: true });
  });

  it('uninstall keeps config and data; --purge removes them', async () => {
    const kept = await expectOk(installer('uninstall', '--root', root));
    expect(kept).toMatch(/kept the config/);
    expect(existsSync(join(root, 'opt/shaftgate'))).toBe(false);
    expect(existsSync(join(root, 'etc/systemd/system/shaftgate.service'))).toBe(false);
    expect(existsSync(join(root, 'etc/systemd/system/multi-user.target.wants/shaftgate.service'))).toBe(false);
    expect(existsSync(join(root, 'usr/local/bin/shaftgate'))).toBe(false);
    expect(existsSync(join(root, 'etc/shaftgate/shaftgate.yaml'))).toBe(true);
    expect(readFileSync(join(root, 'var/lib/shaftgate/shaftgate.db'), 'utf8')).toBe('pretend database');

    await expectOk(installer('uninstall', '--root', root, '--purge'));
    expect(existsSync(join(root, 'etc/shaftgate'))).toBe(false);
    expect(existsSync(join(root, 'var/lib/shaftgate'))).toBe(false);
  });

  it('the unit in the repository passes systemd-analyze verify as it is', async () => {
    const verify = await run('systemd-analyze', ['verify', join(REPO, 'systemd/shaftgate.service')]);
    expect(verify.stdout + verify.stderr).toBe('');
  });
});
