/**
 * The read-plan walk (run-read-plan.ts) over a scripted device: one block after the other or
 * several at once, retries while the failure is retryable, the rest of the cycle skipped once the
 * device is silent, and an "illegal data address" block re-read point by point in the same cycle.
 */
import { describe, expect, it } from 'vitest';
import { systemClock } from '../../agent/model/clock.js';
import { silentLogger } from '../../agent/runtime/logger.js';
import { pointSchema } from '../../config/schema.js';
import { AdaptiveReadPlan } from '../../drivers/modbus/adaptive-read-plan.js';
import type { FailedBlock } from '../../drivers/modbus/block-samples.js';
import { ExceptionCode, type ModbusResponse } from '../../drivers/modbus/protocol/pdu.js';
import { buildReadPlan, type ReadBlock } from '../../drivers/modbus/read-plan.js';
import { runReadPlan, type BlockReader } from '../../drivers/modbus/run-read-plan.js';

class Silence extends Error {}

function plan(blocks: number) {
  const points = Array.from({ length: blocks * 2 }, (_, i) => pointSchema.parse({ id: `p${i}`, table: 'holding', address: Math.floor(i / 2) * 100 + (i % 2) * 2, type: 'float32' }));
  return new AdaptiveReadPlan(buildReadPlan(points, { maxGap: 10, maxRegistersPerRequest: 125, maxBitsPerRequest: 2000 }), 'dev', silentLogger());
}

/** A device scripted per block address: what each attempt at it does. */
function reader(script: (block: ReadBlock, attempt: number) => ModbusResponse | 'silent', retries = 1) {
  const sent: string[] = [];
  const attempts = new Map<string, number>();
  let inFlight = 0;
  let maxInFlight = 0;
  const r: BlockReader = {
    send: async (block) => {
      const key = `${block.address}+${block.quantity}`;
      const attempt = (attempts.get(key) ?? 0) + 1;
      attempts.set(key, attempt);
      sent.push(key);
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await new Promise((resolve) => setTimeout(resolve, 2));
      inFlight--;
      const answer = script(block, attempt);
      if (answer === 'silent') throw new Silence('no answer');
      return answer;
    },
    classify: (error): FailedBlock => ({ kind: 'failed', quality: error instanceof Silence ? 'timeout' : 'comm_error', reason: String(error) }),
    retryable: (failure) => failure.quality === 'timeout',
    retries,
    clock: systemClock,
  };
  return { reader: r, sent, maxInFlight: () => maxInFlight };
}

const registers = (block: ReadBlock): ModbusResponse => ({ kind: 'registers', registers: new Uint16Array(block.quantity) });

describe('read-plan walk', () => {
  it('reads every block once, one at a time at concurrency 1', async () => {
    const device = reader(registers);
    const run = await runReadPlan(plan(3), device.reader, 1);
    expect(device.sent).toEqual(['0+4', '100+4', '200+4']);
    expect(device.maxInFlight()).toBe(1);
    expect(run.silent).toBeNull();
    expect([...run.outcomes.values()].every((o) => o.kind === 'response')).toBe(true);
  });

  it('keeps up to `concurrency` blocks on the wire', async () => {
    const device = reader(registers);
    const run = await runReadPlan(plan(5), device.reader, 3);
    expect(device.maxInFlight()).toBe(3);
    expect(run.outcomes.size).toBe(5);
  });

  it('retries a silent block, then skips the rest of the cycle once the device stays silent', async () => {
    const device = reader((block, attempt) => (block.address === 100 || (block.address === 0 && attempt === 1) ? 'silent' : registers(block)));
    const run = await runReadPlan(plan(3), device.reader, 1);
    expect(device.sent).toEqual(['0+4', '0+4', '100+4', '100+4']); // block 0 cured by its retry; 200 never asked
    expect(run.silent?.quality).toBe('timeout');
    const outcomes = [...run.outcomes.entries()].map(([b, o]) => [b.address, o.kind === 'failed' ? o.reason : 'ok']);
    expect(outcomes).toEqual([
      [0, 'ok'],
      [100, 'Error: no answer'],
      [200, 'skipped: the device did not answer earlier in this cycle'],
    ]);
  });

  it('re-reads an illegal-address block point by point in the same cycle, and remembers it', async () => {
    const p = plan(1);
    const device = reader((block) => (block.quantity > 2 ? { kind: 'exception', exceptionCode: ExceptionCode.illegalDataAddress } : registers(block)));
    const run = await runReadPlan(p, device.reader, 1);
    expect(device.sent).toEqual(['0+4', '0+2', '2+2']);
    expect(p.blocks.map((b) => `${b.address}+${b.quantity}`)).toEqual(['0+2', '2+2']);
    expect([...run.outcomes.keys()]).toEqual([...p.blocks]);
  });
});
