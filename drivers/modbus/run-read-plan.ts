/**
 * One poll cycle's walk over the read plan, shared by every Modbus transport: up to `concurrency`
 * blocks on the wire at once (TCP may pipeline; an RTU slave takes one at a time), a block answered
 * with "illegal data address" re-read point by point in the same cycle (the plan remembers the
 * split), and once the device stops answering the rest of the cycle is skipped rather than waited
 * out block by block.
 */
import type { AdaptiveReadPlan } from './adaptive-read-plan.js';
import { isIllegalAddressAnswer, type BlockOutcome, type FailedBlock } from './block-samples.js';
import type { ReadBlock } from './read-plan.js';

export interface PlanRun {
  outcomes: Map<ReadBlock, BlockOutcome>;
  /** The failure that silenced the device this cycle (timeout or lost connection), if any. */
  silent: FailedBlock | null;
}

export async function runReadPlan(plan: AdaptiveReadPlan, readBlock: (block: ReadBlock) => Promise<BlockOutcome>, concurrency: number): Promise<PlanRun> {
  const queue = [...plan.blocks];
  const outcomes = new Map<ReadBlock, BlockOutcome>();
  let silent: FailedBlock | null = null;
  const worker = async () => {
    for (let block = queue.shift(); block !== undefined; block = queue.shift()) {
      if (silent) {
        outcomes.set(block, { kind: 'failed', quality: silent.quality, reason: 'skipped: the device did not answer earlier in this cycle' });
        continue;
      }
      const outcome = await readBlock(block);
      if (isIllegalAddressAnswer(outcome)) {
        const parts = plan.splitAfterIllegalAddress(block);
        if (parts) {
          queue.unshift(...parts); // read the points one by one in this same cycle
          continue;
        }
      }
      outcomes.set(block, outcome);
      if (outcome.kind === 'failed' && (outcome.quality === 'timeout' || outcome.quality === 'comm_error')) silent = outcome;
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, queue.length)) }, worker));
  return { outcomes, silent };
}

/**
 * Reads one block, trying again within the cycle while the failure is one a retry can cure
 * (`retryable`: silence on TCP; silence or a corrupted frame on a serial line).
 */
export async function readBlockWithRetries(
  block: ReadBlock,
  retries: number,
  send: () => Promise<BlockOutcome & { kind: 'response' }>,
  classify: (error: unknown, block: ReadBlock) => FailedBlock,
  retryable: (failure: FailedBlock) => boolean,
): Promise<BlockOutcome> {
  let last: FailedBlock = { kind: 'failed', quality: 'timeout', reason: 'not attempted' };
  for (let attempt = 0; attempt <= retries; attempt++) {
    try {
      return await send();
    } catch (error) {
      last = classify(error, block);
      if (!retryable(last)) return last;
    }
  }
  return last;
}
