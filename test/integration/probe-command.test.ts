/**
 * `shaftgate probe` as an electrician runs it: the built CLI against our simulator (values pinned by
 * a fixed clock), and the failures they meet in the field. Needs `npm run build` first.
 */
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Clock } from '../../agent/model/clock.js';
import { startSimulators, type RunningSimulators } from '../../simulators/run.js';
import { runCli, waitFor } from '../helpers/agent-process.js';

const clock: Clock = { now: () => Date.UTC(2025, 0, 15, 8, 0, 0), monotonic: () => performance.now() };
let sims: RunningSimulators;
let port: number;

beforeAll(async () => {
  sims = await startSimulators({ basePort: 0, seed: 3, clock });
  port = sims.endpoints[0]!.port;
});
afterAll(() => sims.stop());

async function probe(...args: string[]): Promise<{ code: number | string; output: string }> {
  const run = runCli(['probe', ...args]);
  const code = await run.exited;
  return { code, output: run.output() };
}
const target = () => ['--host', '127.0.0.1', '--port', String(port), '--unit', '1'];

describe('shaftgate probe', () => {
  it('prints raw registers and float32 in all four byte orders; the ABCD column is the simulator\'s value', async () => {
    const sm1 = sims.devices.get('sm-1')!;
    sm1.model.set('ch4', 0.75);
    const { code, output } = await probe(...target(), '--table', 'input', '--address', '0', '--count', '4', '--type', 'float32', '--order', 'ABCD');
    expect(code, output).toBe(0);
    // 0.75 = 0x3F400000
    expect(output).toMatch(/^\s+0\s+16192\s+0x3f40/m);
    expect(output).toMatch(/^\s+1\s+0\s+0x0000/m);
    expect(output).toMatch(/ABCD\*\s+CDAB\s+BADC\s+DCBA/);
    const row = output.split('\n').find((line) => line.startsWith('0–1'))!;
    const cells = row.trim().split(/\s+/);
    expect(cells[1]).toBe('0.75');
    expect(cells).toHaveLength(5);
    const co = Number(output.split('\n').find((line) => line.startsWith('2–3'))!.trim().split(/\s+/)[1]);
    expect(co).toBeCloseTo(sm1.model.read('co') as number, 4);
  });

  it('reads bits from discrete inputs', async () => {
    const { code, output } = await probe(...target(), '--table', 'discrete_input', '--address', '0', '--count', '3');
    expect(code, output).toBe(0);
    expect(output).toMatch(/^\s+0\s+1$/m);
  });

  it('exception 2 says the address is not in the device\'s map (exit 4)', async () => {
    const { code, output } = await probe(...target(), '--table', 'holding', '--address', '7', '--count', '2');
    expect(code).toBe(4);
    expect(output).toMatch(/exception 2 \(illegal data address\): holding 7–8 is not \(all\) in the device's map/);
  });

  it('a unit that does not answer: check unit id, cabling, power', async () => {
    const { code, output } = await probe('--host', '127.0.0.1', '--port', String(port), '--unit', '9', '--table', 'holding', '--address', '0', '--timeout', '200');
    expect(code).toBe(4);
    expect(output).toMatch(/unit 9 did not answer within 200 ms\. Check the unit id/);
  });

  it('connection refused: check IP, port, firewall', async () => {
    const closed = net.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const freePort = (closed.address() as net.AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const { code, output } = await probe('--host', '127.0.0.1', '--port', String(freePort), '--table', 'holding', '--address', '0');
    expect(code).toBe(4);
    expect(output).toMatch(/connection refused.*check the IP address, the port/);
  });

  it('usage errors exit 2 with the usage text; --help exits 0', async () => {
    const bad = await probe(...target(), '--table', 'registers', '--address', '0');
    expect(bad.code).toBe(2);
    expect(bad.output).toMatch(/--table must be one of coil, discrete_input, holding, input, not "registers"/);
    expect((await probe(...target(), '--table', 'holding', '--address', '0', '--type', 'float32')).output).toMatch(/needs --count 2/);
    const help = await probe('--help');
    expect(help.code).toBe(0);
    expect(help.output).toMatch(/all four byte orders/);
  });

  it('--watch reads every second until Ctrl-C, then exits 0', async () => {
    const run = runCli(['probe', ...target(), '--table', 'holding', '--address', '10', '--count', '3', '--watch']);
    await waitFor('two reads', () => (run.output().match(/^--- /gm) ?? []).length >= 2, 5000);
    run.child.kill('SIGINT');
    expect(await run.exited).toBe(0);
    expect(run.output()).toMatch(/^\s+10\s+100\s+0x0064/m); // ch4_alarm_limit default 100
  });
});
