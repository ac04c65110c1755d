/**
 * Reads a list of input-register blocks through the link, up to its in-flight limit at once, and
 * gives back all of them or the first failure: the callers (event FIFO, card table) use a region
 * only when every block of it arrived, never a partial one.
 */
import type { PositioningLink, ReadFailure } from './positioning-link.js';

export interface BlockRequest {
  address: number;
  quantity: number;
}

export async function readBlocks(link: PositioningLink, requests: readonly BlockRequest[]): Promise<{ ok: true; blocks: Uint16Array[] } | ReadFailure> {
  const blocks: Uint16Array[] = new Array<Uint16Array>(requests.length);
  // A holder, not a `let`: the workers set it, and the type checker does not follow closures.
  const outcome: { failure: ReadFailure | null } = { failure: null };
  let next = 0;
  // Workers take the next request in order; after a failure the rest are not sent (the region is
  // unusable anyway, and a silent device would cost a timeout per block).
  const worker = async () => {
    while (outcome.failure === null && next < requests.length) {
      const index = next++;
      const request = requests[index]!;
      const read = await link.readInputs(request.address, request.quantity);
      if (!read.ok) {
        outcome.failure ??= read;
        return;
      }
      if (read.registers.length !== request.quantity) {
        outcome.failure ??= { ok: false, quality: 'framing_error', reason: `input ${request.address}+${request.quantity}: ${read.registers.length} registers came back` };
        return;
      }
      blocks[index] = read.registers;
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(link.maxInflight, requests.length)) }, worker));
  return outcome.failure ?? { ok: true, blocks };
}
