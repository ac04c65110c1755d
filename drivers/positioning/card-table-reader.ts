/**
 * Reads the whole card table (one 8-register record per issued card) in blocks of whole records,
 * at most 125 registers each, and validates it. The table is used only when every block arrived:
 * a partial table would make the people in the missing blocks look absent.
 */
import type { CardReading, RejectedRecord } from '../../agent/model/positioning.js';
import { readBlocks, type BlockRequest } from './block-reads.js';
import type { PositioningLink, ReadFailure } from './positioning-link.js';
import { RECORD_WORDS, RECORDS_PER_READ, decodeCardRecord, type RawCardRecord, type RawHeader } from './positioning-map.js';
import { checkCardTable, type RecordRules } from './record-validation.js';

export interface CardTableRead {
  ok: true;
  cards: CardReading[];
  rejected: RejectedRecord[];
  requests: number;
}

/** The block reads that cover `cardCount` records from `base`. */
export function cardTableBlocks(base: number, cardCount: number): BlockRequest[] {
  const blocks: BlockRequest[] = [];
  for (let first = 0; first < cardCount; first += RECORDS_PER_READ) {
    const records = Math.min(RECORDS_PER_READ, cardCount - first);
    blocks.push({ address: base + first * RECORD_WORDS, quantity: records * RECORD_WORDS });
  }
  return blocks;
}

export async function readCardTable(link: PositioningLink, header: RawHeader, rules: RecordRules): Promise<CardTableRead | ReadFailure> {
  const requests = cardTableBlocks(header.cardTableBase, header.cardCount);
  const read = await readBlocks(link, requests);
  if (!read.ok) return read;
  const raws: RawCardRecord[] = [];
  for (const block of read.blocks) {
    for (let at = 0; at < block.length; at += RECORD_WORDS) raws.push(decodeCardRecord(block, at));
  }
  return { ok: true, ...checkCardTable(raws, rules, header.substationTimeS), requests: requests.length };
}
