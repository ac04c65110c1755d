/**
 * The personnel-positioning substation's register map as this driver relies on it (documented in
 * simulators/README.md, "personnel-positioning substation"). All input registers (FC4), uint32 as
 * two registers high word first. The header states the geometry of the two tables; the driver
 * reads it every cycle and refuses a geometry it cannot read safely rather than guessing.
 */
import { LIMITS } from '../modbus/protocol/pdu.js';

export const HEADER_ADDRESS = 0;
export const HEADER_WORDS = 14;
/** Card and event records alike: 8 registers. The decoders below depend on this layout. */
export const RECORD_WORDS = 8;
/** Whole records per read request: 15 × 8 = 120 of the 125 registers one read may return. */
export const RECORDS_PER_READ = Math.floor(LIMITS.maxReadRegisters / RECORD_WORDS);

export const EVENT_KIND_CODES = { 1: 'entry', 2: 'exit', 3: 'emergency_call', 4: 'emergency_cleared' } as const;
export const CARD_FLAG = { underground: 1, emergency: 2, signalLost: 4 } as const;
export const KNOWN_FLAGS = CARD_FLAG.underground | CARD_FLAG.emergency | CARD_FLAG.signalLost;

export interface RawHeader {
  cardCount: number;
  recordWords: number;
  cardTableBase: number;
  eventSlots: number;
  eventTableBase: number;
  eventRecordWords: number;
  /** 0 = no event yet. */
  newestSeq: number;
  /** 0 = no event yet. */
  oldestSeq: number;
  cardsUnderground: number;
  emergencyCalls: number;
  substationTimeS: number;
}

/** An event record exactly as read, before validation. */
export interface RawEventRecord {
  seq: number;
  card: number;
  timeS: number;
  reader: number;
  kindCode: number;
}

/** A card record exactly as read, before validation. */
export interface RawCardRecord {
  card: number;
  reader: number;
  zone: number;
  lastSeenS: number;
  flags: number;
  reserved: number;
}

function uint32(registers: ArrayLike<number>, at: number): number {
  return registers[at]! * 0x10000 + registers[at + 1]!;
}

export function decodeHeader(registers: ArrayLike<number>): RawHeader {
  return {
    cardCount: registers[0]!,
    recordWords: registers[1]!,
    cardTableBase: registers[2]!,
    eventSlots: registers[3]!,
    eventTableBase: registers[4]!,
    eventRecordWords: registers[5]!,
    newestSeq: uint32(registers, 6),
    oldestSeq: uint32(registers, 8),
    cardsUnderground: registers[10]!,
    emergencyCalls: registers[11]!,
    substationTimeS: uint32(registers, 12),
  };
}

/** Why this header cannot be read safely, or null when its geometry and counters are coherent. */
export function headerProblem(header: RawHeader): string | null {
  if (header.recordWords !== RECORD_WORDS || header.eventRecordWords !== RECORD_WORDS) {
    return `records of ${header.recordWords}/${header.eventRecordWords} registers; this driver reads the documented ${RECORD_WORDS}-register records only`;
  }
  if (header.eventSlots === 0) return 'an event FIFO of 0 slots';
  const tables = [
    { name: 'event FIFO', base: header.eventTableBase, words: header.eventSlots * RECORD_WORDS },
    { name: 'card table', base: header.cardTableBase, words: header.cardCount * RECORD_WORDS },
  ];
  for (const table of tables) {
    if (table.base < HEADER_WORDS || table.base + table.words > 0x10000) return `the ${table.name} (${table.base}+${table.words}) overlaps the header or runs past register 65535`;
  }
  const [fifo, cards] = tables as [(typeof tables)[0], (typeof tables)[0]];
  if (fifo.base < cards.base + cards.words && cards.base < fifo.base + fifo.words) return 'the event FIFO and the card table overlap';
  const noEvents = header.newestSeq === 0 && header.oldestSeq === 0;
  const coherentRing = header.oldestSeq >= 1 && header.oldestSeq <= header.newestSeq && header.newestSeq - header.oldestSeq < header.eventSlots;
  if (!noEvents && !coherentRing) return `event seq oldest ${header.oldestSeq} / newest ${header.newestSeq} do not fit a ring of ${header.eventSlots}`;
  return null;
}

export function decodeEventRecord(registers: ArrayLike<number>, at: number): RawEventRecord {
  return {
    seq: uint32(registers, at),
    card: uint32(registers, at + 2),
    timeS: uint32(registers, at + 4),
    reader: registers[at + 6]!,
    kindCode: registers[at + 7]!,
  };
}

export function decodeCardRecord(registers: ArrayLike<number>, at: number): RawCardRecord {
  return {
    card: uint32(registers, at),
    reader: registers[at + 2]!,
    zone: registers[at + 3]!,
    lastSeenS: uint32(registers, at + 4),
    flags: registers[at + 6]!,
    reserved: registers[at + 7]!,
  };
}
