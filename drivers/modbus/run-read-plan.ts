/**
 * One poll cycle's walk over the read plan, shared by every Modbus transport: up to `concurrency`
 * blocks on the wire at once (TCP may pipeline; an RTU slave takes one at a time), a block answered
 * with "illegal data address" re-read point by point in the same cycle (the plan remembers the
 * split), and once the device stops answering the rest of the cycle is skipped rather than waited
 * out block by block.
 *
 * This runs for every request of every device: the walk and the retries are plain functions over
 * objects the drivers build once (BlockReader), so a request costs no closures and as few promises
 * as its awaits need.
 */
import type { Clock } from '../../agent/model/clock.js';
import type { AdaptiveReadPlan } from './adaptive-read-plan.js';
import { isIllegalAddressAnswer, type BlockOutcome, type FailedBlock } from './block-samples.js';
import type { ModbusResponse } from './protocol/pdu.js';
import type { ReadBlock } from './read-plan.js';

export interface PlanRun {
  outcomes: Map<ReadBlock, BlockOutcome>;
  /** The failure that silenced the device this cycle (timeout or lost connection), if any. */
  silent: FailedBlock | null;
}

/** How a driver reads one block; built once per driver. */
export interface BlockReader {
  /** Sends the block's read request (a ReadBlock is its own request: fc, address, quantity); throws the transport's typed errors. */
  send(block: ReadBlock): Promise<ModbusResponse>;
  /** Turns what send() threw into a failed block (and counts it). */
  classify(error: unknown, block: ReadBlock): FailedBlock;
  /** Whether trying again within the cycle can cure the failure (silence on TCP; silence or a corrupted frame on a serial line). */
  retryable(failure: FailedBlock): boolean;
  /** Tries per block after the first. */
  readonly retries: number;
  /** Stamps the answer (receivedAt, mono). */
  readonly clock: Clock;
}

const SKIPPED_REASON = 'skipped: the device did not answer earlier in this cycle';

export async function runReadPlan(plan: AdaptiveReadPlan, reader: BlockReader, concurrency: number): Promise<PlanRun> {
  const queue = [...plan.blocks];
  const run: PlanRun = { outcomes: new Map<ReadBlock, BlockOutcome>(), silent: null };
  const workers = Math.max(1, Math.min(concurrency, queue.length));
  if (workers === 1) {
    await walk(plan, reader, queue, run); // RTU, and TCP at maxInflight 1 (the default)
  } else {
    const all: Array<Promise<void>> = [];
    for (let i = 0; i < workers; i++) all.push(walk(plan, reader, queue, run));
    await Promise.all(all);
  }
  return run;
}

/** One worker: takes the next block off the shared queue until it is empty. */
async function walk(plan: AdaptiveReadPlan, reader: BlockReader, queue: ReadBlock[], run: PlanRun): Promise<void> {
  for (let block = queue.shift(); block !== undefined; block = queue.shift()) {
    if (run.silent) {
      run.outcomes.set(block, { kind: 'failed', quality: run.silent.quality, reason: SKIPPED_REASON });
      continue;
    }
    const outcome = await readBlockWithRetries(block, reader);
    if (isIllegalAddressAnswer(outcome)) {
      const parts = plan.splitAfterIllegalAddress(block);
      if (parts) {
        queue.unshift(...parts); // read the points one by one in this same cycle
        continue;
      }
    }
    run.outcomes.set(block, outcome);
    if (outcome.kind === 'failed' && (outcome.quality === 'timeout' || outcome.quality === 'comm_error')) run.silent = outcome;
  }
}

/**
 * Reads one block, trying again within the cycle while the failure is one a retry can cure
 * (`reader.retryable`).
 */
export async function readBlockWithRetries(block: ReadBlock, reader: BlockReader): Promise<BlockOutcome> {
  let last: FailedBlock = { kind: 'failed', quality: 'timeout', reason: 'not attempted' };
  for (let attempt = 0; attempt <= reader.retries; attempt++) {
    try {
      const response = await reader.send(block);
      return { kind: 'response', response, receivedAt: reader.clock.now(), mono: reader.clock.monotonic() };
    } catch (error) {
      last = reader.classify(error, block);
      if (!reader.retryable(last)) return last;
    }
  }
  return last;
}
