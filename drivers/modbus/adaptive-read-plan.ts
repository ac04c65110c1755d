/**
 * The read plan as a device has taught us: starts as the coalesced plan and splits a block into
 * per-point reads once the device rejects it with "illegal data address" (a hole in its map that the
 * config did not know about). The split is remembered, so later cycles do not repeat the failing
 * read, and it is logged once — not every cycle.
 */
import type { Logger } from '../../agent/runtime/logger.js';
import { splitBlockPerPoint, type ReadBlock } from './read-plan.js';

export class AdaptiveReadPlan {
  private plan: ReadBlock[];
  private splitCount = 0;

  constructor(
    initial: readonly ReadBlock[],
    private readonly deviceId: string,
    private readonly logger: Logger,
  ) {
    this.plan = [...initial];
  }

  get blocks(): readonly ReadBlock[] {
    return this.plan;
  }

  /** Blocks split so far (for stats). */
  get splits(): number {
    return this.splitCount;
  }

  /**
   * Replaces `block` by one read per point and returns those reads, or null when the block already
   * is a single point's read (nothing smaller to fall back to).
   */
  splitAfterIllegalAddress(block: ReadBlock): ReadBlock[] | null {
    const index = this.plan.indexOf(block);
    if (index === -1) return null;
    const parts = splitBlockPerPoint(block);
    if (parts.length < 2) return null;
    this.plan.splice(index, 1, ...parts);
    this.splitCount++;
    this.logger.warn(
      {
        device: this.deviceId,
        table: block.table,
        address: block.address,
        quantity: block.quantity,
        points: block.points.map((p) => p.point.id),
      },
      `device answered "illegal data address" to ${block.table} ${block.address}+${block.quantity}; reading its ${parts.length} points one by one from now on (check the device's register map, or set prohibitedRanges / a smaller maxGap)`,
    );
    return parts;
  }
}
