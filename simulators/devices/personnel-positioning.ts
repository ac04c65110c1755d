/**
 * Simulated personnel-positioning substation (人员定位分站). Map: personnel-positioning-map.ts.
 *
 * Scenarios and tests move people with `enter`, `exit`, `seen`, `emergencyCall` and `loseSignal`;
 * the substation keeps the card table and the event FIFO as a real one does. A card underground
 * is heard continuously, so its last-seen time is the clock's current second until its signal is
 * lost. Everything is a function of what was done and the injected clock: no timers, no wall clock.
 */
import type { Clock } from '../../agent/model/clock.js';
import { encodeRegisters, registerCount } from '../../drivers/modbus/values.js';
import { ExceptionCode } from '../../drivers/modbus/protocol/pdu.js';
import { RegisterImage, refuse, type BitTableName, type ModbusUnit, type UnitAnswer, type WordTableName } from '../modbus/data-model.js';
import {
  CARD_TABLE_BASE,
  CardFlag,
  EVENT_SLOTS,
  EVENT_TABLE_BASE,
  EventKind,
  MAX_CARDS,
  POSITIONING_HEADER,
  RECORD_WORDS,
  SIGNAL_LOST_AFTER_MS,
  type EventKindName,
} from './personnel-positioning-map.js';

export interface PositioningOptions {
  clock: Clock;
  /** Card numbers in roster order: card i is record i. */
  cards: readonly number[];
  /** Reader id → zone id, from the layout. */
  readerZones: ReadonlyMap<number, number>;
  entryReader: number;
  exitReader: number;
}

export interface CardState {
  card: number;
  reader: number;
  zone: number;
  /** Clock ms of the last time the card was heard (0 = never). */
  lastSeen: number;
  underground: boolean;
  emergencyCall: boolean;
  signalLost: boolean;
}

export interface PositioningEvent {
  seq: number;
  card: number;
  /** Clock ms. */
  at: number;
  reader: number;
  kind: EventKindName;
}

export class PersonnelPositioningSubstation implements ModbusUnit {
  readonly image = new RegisterImage();
  private readonly clock: Clock;
  private readonly states: CardState[];
  private readonly slotOf = new Map<number, number>();
  private readonly readerZones: ReadonlyMap<number, number>;
  private readonly ring: (PositioningEvent | null)[] = Array.from({ length: EVENT_SLOTS }, () => null);
  private newestSeq = 0;
  private refreshedSecond: number | null = null;
  readonly entryReader: number;
  readonly exitReader: number;

  constructor(options: PositioningOptions) {
    if (options.cards.length === 0 || options.cards.length > MAX_CARDS) throw new RangeError(`a substation holds 1–${MAX_CARDS} cards, got ${options.cards.length}`);
    this.clock = options.clock;
    this.readerZones = options.readerZones;
    this.entryReader = options.entryReader;
    this.exitReader = options.exitReader;
    for (const reader of [options.entryReader, options.exitReader]) this.zoneOf(reader);
    this.states = options.cards.map((card, slot) => {
      if (this.slotOf.has(card)) throw new Error(`card ${card} is issued twice`);
      this.slotOf.set(card, slot);
      return { card, reader: 0, zone: 0, lastSeen: 0, underground: false, emergencyCall: false, signalLost: false };
    });
    for (const entry of POSITIONING_HEADER) this.image.defineRegisters('input', entry.address, registerCount(entry.type));
    this.image.defineRegisters('input', EVENT_TABLE_BASE, EVENT_SLOTS * RECORD_WORDS);
    this.image.defineRegisters('input', CARD_TABLE_BASE, this.states.length * RECORD_WORDS);
    this.setHeader();
  }

  /** The card passes the shaft-head entry reader: an entry event, and it counts as underground. */
  enter(card: number): PositioningEvent {
    const state = this.hear(card, this.entryReader);
    state.underground = true;
    return this.record(card, this.entryReader, 'entry');
  }

  /** The card passes the shaft-head exit reader. */
  exit(card: number): PositioningEvent {
    const state = this.hear(card, this.exitReader);
    state.underground = false;
    state.signalLost = false;
    return this.record(card, this.exitReader, 'exit');
  }

  /** An underground reader hears the card (it moved there). No event: the card table shows it. */
  seen(card: number, reader: number): void {
    this.hear(card, reader);
    this.invalidate();
  }

  /** The wearer pressed the emergency button (or it was cleared): a flag and an event. */
  emergencyCall(card: number, on: boolean): PositioningEvent | null {
    const state = this.state(card);
    if (state.emergencyCall === on) return null;
    state.emergencyCall = on;
    return this.record(card, state.reader, on ? 'emergencyCall' : 'emergencyCleared');
  }

  /** The card stops (or resumes) being heard: flat battery, a dead zone. Its last-seen time freezes. */
  loseSignal(card: number, lost: boolean): void {
    const state = this.state(card);
    if (lost && !state.signalLost) state.lastSeen = this.clock.now();
    state.signalLost = lost;
    if (!lost) state.lastSeen = this.clock.now();
    this.invalidate();
  }

  card(card: number): Readonly<CardState> {
    this.refreshLastSeen();
    return { ...this.state(card) };
  }

  /** Cards the substation counts underground now, in roster order. */
  underground(): number[] {
    return this.states.filter((s) => s.underground).map((s) => s.card);
  }

  /** Events still in the FIFO, oldest first. */
  events(): PositioningEvent[] {
    const oldest = Math.max(1, this.newestSeq - EVENT_SLOTS + 1);
    const kept: PositioningEvent[] = [];
    for (let seq = oldest; seq <= this.newestSeq; seq++) kept.push(this.ring[seq % EVENT_SLOTS]!);
    return kept;
  }

  get newestEventSeq(): number {
    return this.newestSeq;
  }

  readRegisters(table: WordTableName, address: number, quantity: number): UnitAnswer<ArrayLike<number>> {
    this.refreshLastSeen();
    return this.image.readRegisters(table, address, quantity);
  }

  readBits(table: BitTableName, address: number, quantity: number): UnitAnswer<readonly boolean[]> {
    return this.image.readBits(table, address, quantity);
  }

  /** Nothing is writable: the positioning system belongs to its vendor; shaftgate only reads it. */
  writeCoils(): UnitAnswer<void> {
    return refuse(ExceptionCode.illegalDataAddress);
  }

  writeRegisters(): UnitAnswer<void> {
    return refuse(ExceptionCode.illegalDataAddress);
  }

  private state(card: number): CardState {
    const slot = this.slotOf.get(card);
    if (slot === undefined) throw new Error(`card ${card} is not issued by this substation (not in the roster)`);
    return this.states[slot]!;
  }

  private zoneOf(reader: number): number {
    const zone = this.readerZones.get(reader);
    if (zone === undefined) throw new Error(`reader ${reader} is not in the layout`);
    return zone;
  }

  private hear(card: number, reader: number): CardState {
    const state = this.state(card);
    state.reader = reader;
    state.zone = this.zoneOf(reader);
    state.lastSeen = this.clock.now();
    state.signalLost = false;
    return state;
  }

  private record(card: number, reader: number, kind: EventKindName): PositioningEvent {
    const event: PositioningEvent = { seq: ++this.newestSeq, card, at: this.clock.now(), reader, kind };
    this.ring[event.seq % EVENT_SLOTS] = event;
    const words = [
      ...encodeRegisters(event.seq, 'uint32', 'ABCD'),
      ...encodeRegisters(card, 'uint32', 'ABCD'),
      ...encodeRegisters(Math.floor(event.at / 1000), 'uint32', 'ABCD'),
      reader,
      EventKind[kind],
    ];
    this.image.setRegisters('input', EVENT_TABLE_BASE + (event.seq % EVENT_SLOTS) * RECORD_WORDS, words);
    this.invalidate();
    return event;
  }

  private invalidate(): void {
    this.refreshedSecond = null;
  }

  /** Rewrites the card table and header at most once per clock second (or after a change). */
  private refreshLastSeen(): void {
    const now = this.clock.now();
    const second = Math.floor(now / 1000);
    if (second === this.refreshedSecond) return;
    this.refreshedSecond = second;
    this.states.forEach((state, slot) => {
      const heardNow = state.underground && !state.signalLost;
      const lastSeen = heardNow ? now : state.lastSeen;
      const silentTooLong = state.underground && now - lastSeen >= SIGNAL_LOST_AFTER_MS;
      const flags = (state.underground ? CardFlag.underground : 0) | (state.emergencyCall ? CardFlag.emergencyCall : 0) | (silentTooLong ? CardFlag.signalLost : 0);
      this.image.setRegisters('input', CARD_TABLE_BASE + slot * RECORD_WORDS, [
        ...encodeRegisters(state.card, 'uint32', 'ABCD'),
        state.reader,
        state.zone,
        ...encodeRegisters(Math.floor(lastSeen / 1000), 'uint32', 'ABCD'),
        flags,
        0,
      ]);
    });
    this.setHeader();
  }

  private setHeader(): void {
    const oldest = this.newestSeq === 0 ? 0 : Math.max(1, this.newestSeq - EVENT_SLOTS + 1);
    const values: Record<string, number> = {
      card_count: this.states.length,
      record_words: RECORD_WORDS,
      card_table_base: CARD_TABLE_BASE,
      event_slots: EVENT_SLOTS,
      event_table_base: EVENT_TABLE_BASE,
      event_record_words: RECORD_WORDS,
      event_seq_newest: this.newestSeq,
      event_seq_oldest: oldest,
      cards_underground: this.states.filter((s) => s.underground).length,
      emergency_calls: this.states.filter((s) => s.emergencyCall).length,
      substation_time: Math.floor(this.clock.now() / 1000),
    };
    for (const entry of POSITIONING_HEADER) {
      this.image.setRegisters('input', entry.address, encodeRegisters(values[entry.id]!, entry.type as 'uint16' | 'uint32', 'ABCD'));
    }
  }
}
