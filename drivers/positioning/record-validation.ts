/**
 * Turns raw event and card records into the model's PositionEvent / CardReading, or says why a
 * record is not plausible. A rejected record is reported by the caller and never used: a wrong
 * card number or reader would put a person in the wrong place, which is worse than a gap that is
 * visible as one.
 */
import type { CardReading, PositionEvent, RejectedRecord } from '../../agent/model/positioning.js';
import { CARD_FLAG, EVENT_KIND_CODES, KNOWN_FLAGS, type RawCardRecord, type RawEventRecord } from './positioning-map.js';

export interface RecordRules {
  cardMin: number;
  cardMax: number;
  /** Reader id → zone id from the layout; null = not configured, only ranges are checked. */
  readerZones: ReadonlyMap<number, number> | null;
}

/** No positioning record predates 2000-01-01; an earlier time is a wrong or unset clock. */
const EARLIEST_PLAUSIBLE_S = 946_684_800;
/**
 * How far a record's time may lie past the substation time read in the same cycle's header. The
 * table is read after the header, so a little ahead is normal; minutes ahead is a broken record.
 */
const MAX_AHEAD_OF_HEADER_S = 300;

type Checked<T> = { ok: true; value: T } | { ok: false; reason: string };

function timeProblem(timeS: number, substationTimeS: number): string | null {
  if (timeS < EARLIEST_PLAUSIBLE_S) return `time ${timeS} s is before 2000`;
  if (timeS > substationTimeS + MAX_AHEAD_OF_HEADER_S) return `time ${timeS} s is ${timeS - substationTimeS} s after the substation clock`;
  return null;
}

function cardProblem(card: number, rules: RecordRules): string | null {
  return card < rules.cardMin || card > rules.cardMax ? `card number ${card} outside ${rules.cardMin}–${rules.cardMax}` : null;
}

function readerProblem(reader: number, zone: number | null, rules: RecordRules): string | null {
  if (rules.readerZones === null) return null;
  const expectedZone = rules.readerZones.get(reader);
  if (expectedZone === undefined) return `reader ${reader} is not in the layout`;
  if (zone !== null && zone !== expectedZone) return `zone ${zone} is not reader ${reader}'s zone (${expectedZone})`;
  return null;
}

export function checkEvent(raw: RawEventRecord, rules: RecordRules, substationTimeS: number): Checked<PositionEvent> {
  const kind = EVENT_KIND_CODES[raw.kindCode as keyof typeof EVENT_KIND_CODES] as PositionEvent['kind'] | undefined;
  if (kind === undefined) return { ok: false, reason: `unknown event kind ${raw.kindCode}` };
  // Entry and exit are heard by a shaft-head reader; an emergency call may come from a card not yet placed.
  const readerNeeded = kind === 'entry' || kind === 'exit';
  const problem =
    cardProblem(raw.card, rules) ??
    (readerNeeded && raw.reader === 0 ? `${kind} event without a reader` : null) ??
    (raw.reader !== 0 ? readerProblem(raw.reader, null, rules) : null) ??
    timeProblem(raw.timeS, substationTimeS);
  if (problem !== null) return { ok: false, reason: problem };
  return { ok: true, value: { seq: raw.seq, card: String(raw.card), at: raw.timeS * 1000, reader: raw.reader, kind } };
}

export function checkCard(raw: RawCardRecord, rules: RecordRules, substationTimeS: number): Checked<CardReading> {
  const underground = (raw.flags & CARD_FLAG.underground) !== 0;
  const signalLost = (raw.flags & CARD_FLAG.signalLost) !== 0;
  const problem =
    cardProblem(raw.card, rules) ??
    (raw.reserved !== 0 ? `reserved word is ${raw.reserved}, not 0 (record misaligned?)` : null) ??
    ((raw.flags & ~KNOWN_FLAGS) !== 0 ? `unknown flag bits 0x${raw.flags.toString(16)}` : null) ??
    (signalLost && !underground ? 'signal lost on a card that is not underground' : null) ??
    ((raw.reader === 0) !== (raw.zone === 0) ? `reader ${raw.reader} with zone ${raw.zone}` : null) ??
    (raw.reader !== 0 ? readerProblem(raw.reader, raw.zone, rules) : null) ??
    (raw.lastSeenS !== 0 ? timeProblem(raw.lastSeenS, substationTimeS) : null);
  if (problem !== null) return { ok: false, reason: problem };
  return {
    ok: true,
    value: {
      card: String(raw.card),
      reader: raw.reader,
      zone: raw.zone,
      lastSeenAt: raw.lastSeenS === 0 ? null : raw.lastSeenS * 1000,
      underground,
      emergency: (raw.flags & CARD_FLAG.emergency) !== 0,
      signalLost,
    },
  };
}

/** Validates a whole table; a card number that appears twice is rejected at every appearance. */
export function checkCardTable(raws: readonly RawCardRecord[], rules: RecordRules, substationTimeS: number): { cards: CardReading[]; rejected: RejectedRecord[] } {
  const appearances = new Map<number, number>();
  for (const raw of raws) appearances.set(raw.card, (appearances.get(raw.card) ?? 0) + 1);
  const cards: CardReading[] = [];
  const rejected: RejectedRecord[] = [];
  raws.forEach((raw, index) => {
    const checked: Checked<CardReading> =
      appearances.get(raw.card)! > 1 ? { ok: false, reason: `card ${raw.card} appears ${appearances.get(raw.card)} times in the table` } : checkCard(raw, rules, substationTimeS);
    if (checked.ok) cards.push(checked.value);
    else rejected.push({ region: 'card', index, reason: checked.reason });
  });
  return { cards, rejected };
}
