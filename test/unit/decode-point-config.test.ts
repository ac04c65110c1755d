/** Point definitions in the config: every misconfiguration is refused with the key it is about. */
import { describe, expect, it } from 'vitest';
import { modbusTcpDeviceSchema, pointSchema } from '../../config/schema.js';

/** expect.stringMatching typed as unknown, so lint sees no `any` flowing into the expected object. */
const matching = (pattern: RegExp): unknown => expect.stringMatching(pattern) as unknown;

const base = { id: 'p', table: 'holding', address: 0 };
function issues(p: Record<string, unknown>): Array<{ path: string; message: string }> {
  const result = pointSchema.safeParse({ ...base, ...p });
  return result.success ? [] : result.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
}

describe('point config', () => {
  it('accepts strings, bits, 4–20 mA inputs, deadbands and outputs', () => {
    expect(issues({ type: 'string', length: 8 })).toEqual([]);
    expect(issues({ table: 'input', type: 'bit', bit: 15 })).toEqual([]);
    expect(issues({ table: 'input', type: 'uint16', analog: { rawAt4mA: 4000, rawAt20mA: 20000, low: 0, high: 4 }, deadband: 0.05 })).toEqual([]);
    expect(issues({ type: 'float32', output: true })).toEqual([]);
    expect(issues({ table: 'coil', type: 'bool', output: true, writeFunction: 'multiple' })).toEqual([]);
  });

  it('refuses scale/offset together with analog, naming both', () => {
    const found = issues({ type: 'uint16', scale: 0.00025, analog: { rawAt4mA: 4000, rawAt20mA: 20000, low: 0, high: 4 } });
    expect(found).toEqual([{ path: 'analog', message: matching(/either "analog".*or "scale"\/"offset", not both/) }]);
    expect(issues({ type: 'uint16', offset: -1, analog: { rawAt4mA: 0, rawAt20mA: 27648, low: 0, high: 4 } })).toHaveLength(1);
  });

  it('refuses an empty analog range', () => {
    expect(issues({ analog: { rawAt4mA: 4000, rawAt20mA: 4000, low: 0, high: 4 } }).map((i) => i.path)).toEqual(['analog.rawAt20mA']);
    expect(issues({ analog: { rawAt4mA: 4000, rawAt20mA: 20000, low: 1, high: 1 } }).map((i) => i.path)).toEqual(['analog.high']);
  });

  it('needs bit for type bit (0–15) and length for type string, and only there', () => {
    expect(issues({ type: 'bit' }).map((i) => i.path)).toEqual(['bit']);
    expect(issues({ type: 'bit', bit: 16 }).map((i) => i.path)).toContain('bit');
    expect(issues({ type: 'uint16', bit: 3 }).map((i) => i.path)).toEqual(['bit']);
    expect(issues({ type: 'string' }).map((i) => i.path)).toEqual(['length']);
    expect(issues({ type: 'uint16', length: 3 }).map((i) => i.path)).toEqual(['length']);
  });

  it('points a register bool at type bit', () => {
    expect(issues({ type: 'bool' })[0]!.message).toMatch(/use type "bit"/);
  });

  it('allows outputs only on coils and holding registers, and not for bits or strings', () => {
    expect(issues({ table: 'input', output: true })[0]).toEqual({ path: 'output', message: matching(/only coils and holding registers/) });
    expect(issues({ table: 'discrete_input', type: 'bool', output: true }).map((i) => i.path)).toEqual(['output']);
    expect(issues({ type: 'bit', bit: 2, output: true })[0]!.message).toMatch(/rewrite the other 15 bits/);
    expect(issues({ type: 'string', length: 2, output: true }).map((i) => i.path)).toEqual(['output']);
  });

  it('refuses writeFunction single for a multi-register value, and writeFunction without output', () => {
    expect(issues({ type: 'float32', output: true, writeFunction: 'single' }).map((i) => i.path)).toEqual(['writeFunction']);
    expect(issues({ writeFunction: 'multiple' }).map((i) => i.path)).toEqual(['writeFunction']);
  });

  it('refuses a deadband or scaling on a value that is not a number', () => {
    expect(issues({ type: 'string', length: 2, deadband: 1 }).map((i) => i.path)).toEqual(['deadband']);
    expect(issues({ type: 'bit', bit: 1, scale: 2 }).map((i) => i.path)).toEqual(['scale']);
  });
});

describe('device read rules', () => {
  const device = (extra: Record<string, unknown>, points: unknown[]) =>
    modbusTcpDeviceSchema.safeParse({ id: 'd', system: 'safety_monitoring', transport: 'modbus-tcp', host: '127.0.0.1', points, ...extra });

  it('a point inside a prohibited range is an error at that point\'s address', () => {
    const result = device({ prohibitedRanges: [{ table: 'holding', start: 10, end: 19 }] }, [
      { id: 'ok', table: 'holding', address: 0, type: 'float32' },
      { id: 'bad', table: 'holding', address: 9, type: 'float32' }, // 9–10 touches 10
    ]);
    expect(result.success).toBe(false);
    expect(result.error!.issues.map((i) => [i.path.join('.'), i.message])).toEqual([
      ['points.1.address', matching(/holding 9–10 lies in the prohibited range holding 10–19/)],
    ]);
  });

  it('a range whose end is before its start is refused', () => {
    const result = device({ prohibitedRanges: [{ table: 'holding', start: 10, end: 9 }] }, [{ id: 'a', table: 'holding', address: 0 }]);
    expect(result.error!.issues.map((i) => i.path.join('.'))).toEqual(['prohibitedRanges.0.end']);
  });

  it('maxBitsPerRequest is at most 2000', () => {
    expect(device({ maxBitsPerRequest: 2001 }, [{ id: 'a', table: 'coil', address: 0, type: 'bool' }]).success).toBe(false);
    expect(device({}, [{ id: 'a', table: 'coil', address: 0, type: 'bool' }]).data!.maxBitsPerRequest).toBe(2000);
  });
});
