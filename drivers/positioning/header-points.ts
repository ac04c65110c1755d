/**
 * The device's configured points, sampled like any Modbus device's. Points that lie in the header
 * are decoded from the header read the cycle makes anyway (the same answer, not a second request);
 * others are read in their own blocks.
 */
import type { ModbusTcpDeviceConfig } from '../../config/schema.js';
import type { Sample } from '../../agent/model/sample.js';
import { allFailed, blockSamples, type BlockOutcome } from '../modbus/block-samples.js';
import { buildReadPlan, type ReadBlock } from '../modbus/read-plan.js';
import type { PositioningLink, ReadFailure } from './positioning-link.js';
import { HEADER_ADDRESS, HEADER_WORDS } from './positioning-map.js';

export interface HeaderAnswer {
  ok: true;
  registers: Uint16Array;
  receivedAt: number;
  mono: number;
}

export class HeaderPoints {
  private readonly blocks: readonly ReadBlock[];
  private readonly pointIds: readonly string[];

  constructor(private readonly device: ModbusTcpDeviceConfig) {
    this.blocks = buildReadPlan(device.points, {
      maxGap: device.maxGap,
      maxRegistersPerRequest: device.maxRegistersPerRequest,
      maxBitsPerRequest: device.maxBitsPerRequest,
      prohibitedRanges: device.prohibitedRanges,
    });
    this.pointIds = device.points.map((point) => point.id);
  }

  /** One sample per configured point; when the header read failed, every point carries its failure. */
  async samples(link: PositioningLink, headerRead: HeaderAnswer | ReadFailure, now: { ts: number; mono: number }): Promise<Sample[]> {
    if (!headerRead.ok) return allFailed(this.device.id, this.pointIds, headerRead.quality, now);
    const outcomes = new Map<ReadBlock, BlockOutcome>();
    for (const block of this.blocks) {
      outcomes.set(block, this.insideHeader(block) ? this.fromHeader(block, headerRead) : await this.readBlock(link, block));
    }
    return blockSamples(this.device.id, this.blocks, outcomes, now);
  }

  private insideHeader(block: ReadBlock): boolean {
    return block.table === 'input' && block.address >= HEADER_ADDRESS && block.address + block.quantity <= HEADER_ADDRESS + HEADER_WORDS;
  }

  private fromHeader(block: ReadBlock, headerRead: HeaderAnswer): BlockOutcome {
    const start = block.address - HEADER_ADDRESS;
    const registers = headerRead.registers.slice(start, start + block.quantity);
    return { kind: 'response', response: { kind: 'registers', registers }, receivedAt: headerRead.receivedAt, mono: headerRead.mono };
  }

  private async readBlock(link: PositioningLink, block: ReadBlock): Promise<BlockOutcome> {
    const answer = await link.read(block.fc, block.address, block.quantity);
    return answer.ok ? { kind: 'response', response: answer.response, receivedAt: answer.receivedAt, mono: answer.mono } : { kind: 'failed', quality: answer.quality, reason: answer.reason };
  }
}
