/**
 * `shaftgate probe --serial` as an electrician runs it: the built CLI reading an independent RTU
 * slave (pymodbus) on a socat pty pair, and the failures met at the terminal block. Needs
 * `npm run build` first.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/agent-process.js';
import { startPtyPair, type PtyPair } from '../helpers/pty.js';
import { startPymodbusRtuServer, type PymodbusRtuServer } from '../helpers/pymodbus-rtu-server.js';

const BAUD = 19200;
let pty: PtyPair;
let server: PymodbusRtuServer;

beforeAll(async () => {
  pty = await startPtyPair('probe-rtu');
  server = await startPymodbusRtuServer(pty.b, BAUD, {
    3: {
      typed: [{ table: 'holding', address: 0, type: 'float32', order: 'CDAB', value: 21.5 }],
      input: { '10': [0x4865, 0x6c6c, 0x6f21] },
      coils: { '0': [true, false, true] },
    },
  });
});

afterAll(async () => {
  await server?.stop();
  await pty?.dispose();
});

async function probe(...args: string[]): Promise<{ code: number | string; output: string }> {
  const run = runCli(['probe', ...args]);
  const code = await run.exited;
  return { code, output: run.output() };
}
const line = () => ['--serial', pty.a, '--baud', String(BAUD), '--parity', 'none', '--data-bits', '8', '--stop-bits', '1'];

describe('shaftgate probe over Modbus RTU', () => {
  it('prints raw registers and float32 in all four byte orders; the CDAB column holds the value pymodbus serves', async () => {
    const { code, output } = await probe(...line(), '--unit', '3', '--table', 'holding', '--address', '0', '--count', '2', '--type', 'float32', '--order', 'CDAB');
    expect(code, output).toBe(0);
    expect(output).toContain(`modbus-rtu:${pty.a} 19200 8N1 unit 3`);
    // 21.5 = 0x41AC0000, word-swapped (CDAB): 0x0000 0x41ac
    expect(output).toMatch(/^\s+0\s+0\s+0x0000/m);
    expect(output).toMatch(/^\s+1\s+16812\s+0x41ac/m);
    expect(output).toMatch(/ABCD\s+CDAB\*\s+BADC\s+DCBA/);
    const cells = output.split('\n').find((l) => l.startsWith('0–1'))!.trim().split(/\s+/);
    expect(cells).toHaveLength(5);
    expect(cells[2]).toBe('21.5');
  });

  it('decodes strings and reads coils', async () => {
    const text = await probe(...line(), '--unit', '3', '--table', 'input', '--address', '10', '--count', '3', '--type', 'string');
    expect(text.code, text.output).toBe(0);
    expect(text.output).toContain('"Hello!"');
    const coils = await probe(...line(), '--unit', '3', '--table', 'coil', '--address', '0', '--count', '3');
    expect(coils.code, coils.output).toBe(0);
    expect(coils.output).toMatch(/^\s+0\s+1\n\s+1\s+0\n\s+2\s+1$/m);
  });

  it('a slave that does not answer: check the unit id, baud, parity and A/B wiring (exit 4)', async () => {
    const { code, output } = await probe(...line(), '--unit', '9', '--table', 'holding', '--address', '0', '--timeout', '200');
    expect(code).toBe(4);
    expect(output).toMatch(/no answer from slave 9 within 200 ms at 19200 baud 8N1/);
    expect(output).toMatch(/--unit.*--baud.*--parity.*A\/B wires/);
  });

  it('an exception from the slave is explained like over TCP', async () => {
    const { code, output } = await probe(...line(), '--unit', '3', '--table', 'holding', '--address', '500', '--count', '2');
    expect(code).toBe(4);
    expect(output).toMatch(/exception 2 \(illegal data address\): holding 500–501 is not \(all\) in the device's map/);
  });

  it('a missing port says to check the adapter and ls /dev/serial/by-id', async () => {
    const { code, output } = await probe('--serial', '/dev/ttyUSB-shaftgate-missing', '--unit', '1', '--table', 'holding', '--address', '0');
    expect(code).toBe(4);
    expect(output).toMatch(/serial port \/dev\/ttyUSB-shaftgate-missing does not exist.*adapter is plugged in.*ls \/dev\/serial\/by-id/);
  });

  it('usage: --serial and --host exclude each other; line options need --serial; RTU addresses are 1–247', async () => {
    const both = await probe('--host', '127.0.0.1', '--serial', pty.a, '--table', 'holding', '--address', '0');
    expect(both.code).toBe(2);
    expect(both.output).toMatch(/--host \(Modbus TCP\) or --serial \(Modbus RTU\), not both/);
    const baudOverTcp = await probe('--host', '127.0.0.1', '--baud', '9600', '--table', 'holding', '--address', '0');
    expect(baudOverTcp.code).toBe(2);
    expect(baudOverTcp.output).toMatch(/--baud applies to Modbus RTU \(--serial\) only/);
    const badParity = await probe(...line().slice(0, 4), '--parity', 'mark', '--table', 'holding', '--address', '0');
    expect(badParity.output).toMatch(/--parity must be one of none, even, odd, not "mark"/);
    const unit0 = await probe(...line(), '--unit', '0', '--table', 'holding', '--address', '0');
    expect(unit0.code).toBe(2);
    expect(unit0.output).toMatch(/--unit must be a whole number from 1 to 247/);
  });
});
