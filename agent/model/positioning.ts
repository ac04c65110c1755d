/**
 * What one poll of a personnel-positioning substation (人员定位分站) yields besides its point samples:
 * the shaft-head events that are new since the previous poll and, every card-table interval, a
 * snapshot of every card. The driver fills it (drivers/positioning/); the headcount consumes it.
 *
 * Everything here was read from the substation, never made up: a card table that was not read
 * (or not read completely) is `cards: null`, never an empty or partial list, and an event that
 * could not be read is counted in `missedEvents`, never guessed. Times are ms since the epoch on
 * the substation's clock; card numbers are strings, as in the roster (people/person.ts).
 */
import type { Quality } from './sample.js';

export type PositionEventKind = 'entry' | 'exit' | 'emergency_call' | 'emergency_cleared';

export interface PositionEvent {
  /** The substation's event number: consecutive while it runs; restarts at 1 after a restart. */
  seq: number;
  card: string;
  /** Event time, substation clock (whole seconds × 1000). */
  at: number;
  /** The reader that saw it (the shaft-head entry or exit reader for entry/exit). */
  reader: number;
  kind: PositionEventKind;
}

export interface CardReading {
  card: string;
  /** Reader that heard the card last; 0 = not heard since the substation powered up. */
  reader: number;
  /** That reader's zone; 0 = not heard. */
  zone: number;
  /**
   * When the card was last heard (substation clock); null = never. Null rather than 0, so a card
   * never heard cannot be read as "heard in 1970".
   */
  lastSeenAt: number | null;
  /** The substation's own view: entered and not yet exited. */
  underground: boolean;
  emergency: boolean;
  /** Underground and not heard for 5 minutes (the substation's own judgement). */
  signalLost: boolean;
}

/** A record the driver read but refused to use: implausible card, unknown reader, insane time… */
export interface RejectedRecord {
  region: 'event' | 'card';
  /** Event seq, or card-table record index. */
  index: number;
  reason: string;
}

/** The header counters, as the substation states them (for reconciliation and display). */
export interface SubstationHeader {
  cardCount: number;
  newestSeq: number;
  oldestSeq: number;
  cardsUnderground: number;
  emergencyCalls: number;
  /** The substation clock, ms since the epoch (whole seconds). */
  substationTime: number;
}

export interface PositioningRead {
  deviceId: string;
  /** Wall-clock ms when the read finished. */
  at: number;
  /** Monotonic ms when the read finished (orders reads within a run). */
  mono: number;
  /**
   * 'good' only when every read of the cycle succeeded. Otherwise the first failure's quality;
   * `detail` says which read failed and why. Events in `events` are real even when quality is not
   * good (they were read completely before a later read failed) and must still be applied.
   */
  quality: Quality;
  detail: string | null;
  header: SubstationHeader | null;
  /** The whole card table, validated; null when it was not read (completely) this cycle. */
  cards: CardReading[] | null;
  /** Events new since the last read, in seq order; each is delivered exactly once. */
  events: PositionEvent[];
  /** Events known to exist but lost: the FIFO wrapped before they were read, or a seq gap. */
  missedEvents: number;
  /**
   * True when this read does not continue the previous one: the first read after start (no known
   * cursor), a substation restart (seq went back, or the last event seen was replaced), or events
   * lost. A consumer must not assume continuity across a resync; the next card table settles state.
   */
  eventsResynced: boolean;
  /** Records read but not used, with the reason. */
  rejected: RejectedRecord[];
}
