/**
 * Who is underground, built from the shaft-head entry/exit events and reconciled with per-card
 * snapshots. The rule it never breaks: a person stays counted until seen leaving (an exit event,
 * or the card table showing the card at an exit reader after the entry). A card missing from one
 * snapshot, a card not heard for a while, a dead substation — none of them takes anybody off the
 * count; they become events and alarms instead.
 *
 * The driver reads the event FIFO before the card table, so a person passing a shaft-head reader
 * between the two reads shows in the table before their event is read (it comes with the next
 * read). A card the table finds underground is counted at once and waits for its entry event; an
 * entry event stamped no later than the table heard the card is that entry, not a re-entry. Likewise
 * an exit event up to the time the table took the card off is that exit, not an exit without entry.
 *
 * No clock and no timers: every method takes the time it runs at.
 */
import type { MineLayout } from '../people/mine-layout.js';
import type { HeadcountEvent } from './headcount-events.js';
import { emptyHeadcountState, type EntryStamp, type HeadcountState, type UndergroundPerson } from './headcount-state.js';
import type { PositioningEvent, PositioningSnapshot } from './positioning-input.js';

export interface TrackerOptions {
  noSignalAfterMs: number;
  overtimeGraceMs: number;
  /**
   * How far an event's time may lie after the card-table time it is matched with (an entry event
   * against the last-seen time of the table that found the card, an exit event against the table
   * that took it off) and still be that same passage. Default DEFAULT_PASSAGE_SKEW_MS.
   */
  passageSkewMs?: number;
}

/**
 * Event times and card last-seen times are both whole seconds of the substation clock, but stamped
 * separately (an event when the reader reports the pass, the card row whenever it is heard).
 */
export const DEFAULT_PASSAGE_SKEW_MS = 5_000;

/** The permit in force at a moment; the engine answers it from its decisions (null before the first). */
export type EntryStamper = (at: number) => EntryStamp | null;

/**
 * When a person's shift ends, for the overtime check; null when it cannot be told. It must be a
 * pure function of the person's record: `review` skips its pass while neither the state nor this
 * function (by identity) changed and no deadline came (a resolver whose answers change, e.g. over
 * a new roster, must be a new function).
 */
export type ShiftEndOf = (person: UndergroundPerson) => number | null;

export class HeadcountTracker {
  private state: HeadcountState;
  private count: number;
  private readonly skewMs: number;
  /** Bumped by every change of the state (see `version`). */
  private changes = 0;
  /** What the last review pass saw, and the earliest moment any of its checks can fire. */
  private reviewed: { version: number; shiftEndOf: ShiftEndOf; dueAt: number } | null = null;

  constructor(
    private readonly layout: MineLayout,
    private readonly options: TrackerOptions,
    initial: HeadcountState = emptyHeadcountState(),
  ) {
    // Fields added since the state was saved get their empty value.
    this.state = { ...emptyHeadcountState(), ...structuredClone(initial) };
    this.count = Object.keys(this.state.underground).length;
    this.skewMs = options.passageSkewMs ?? DEFAULT_PASSAGE_SKEW_MS;
  }

  /**
   * Applies FIFO events in the order given (the driver delivers them in seq order). A jump in seq
   * is reported as missed events; a seq lower than the last one is a substation restart (it counts
   * from 1 again), not a duplicate. Replayed events (the same entry or exit applied twice, e.g.
   * after an agent restart) change nothing.
   */
  applyEvents(events: readonly PositioningEvent[], stampAt: EntryStamper): HeadcountEvent[] {
    const out: HeadcountEvent[] = [];
    if (events.length > 0) this.changes++;
    for (const event of events) {
      if (this.state.lastEventSeq > 0 && event.seq > this.state.lastEventSeq + 1) {
        out.push({ type: 'events_missed', fromSeq: this.state.lastEventSeq + 1, toSeq: event.seq - 1, at: event.at });
      }
      this.state.lastEventSeq = event.seq;
      this.applyEvent(event, stampAt, out);
    }
    return out;
  }

  private applyEvent(event: PositioningEvent, stampAt: EntryStamper, out: HeadcountEvent[]): void {
    const present = this.state.underground[event.card];
    switch (event.kind) {
      case 'entry': {
        if (present && present.entrySeq === event.seq && present.enteredAt === event.at) return; // replayed
        delete this.state.tableExitAt[event.card];
        if (present?.awaitingEntry && event.at <= present.awaitingEntry.heardBy + this.skewMs) {
          // The card table saw the card underground before this event was read: its entry, not a second one.
          this.confirmEntry(present, event, stampAt);
          out.push({ type: 'entered', card: event.card, at: event.at, seq: event.seq });
          return;
        }
        if (present) {
          // Counted once: a second entry is a passback or a missed exit, and it is a violation.
          present.reentered = true;
          present.lastSeenAt = Math.max(present.lastSeenAt ?? 0, event.at);
          out.push({ type: 'entry_while_underground', card: event.card, at: event.at, seq: event.seq });
          return;
        }
        this.state.underground[event.card] = {
          card: event.card,
          enteredAt: event.at,
          entrySeq: event.seq,
          origin: 'entry',
          countBefore: this.count,
          stamp: stampAt(event.at),
          reentered: false,
          zone: this.layout.zoneOf(event.reader) ?? null,
          lastSeenAt: event.at,
          emergencyCall: false,
          reported: { noSignal: false, overtime: false },
        };
        this.count++;
        out.push({ type: 'entered', card: event.card, at: event.at, seq: event.seq });
        return;
      }
      case 'exit': {
        if (!present) {
          const tableExit = this.state.tableExitAt[event.card];
          // The card table already took the card off at the exit reader: this is that exit, read late (or replayed).
          if (tableExit !== undefined && event.at <= tableExit + this.skewMs) return;
          if (this.state.lastExitAt[event.card] === event.at) return; // replayed
          out.push({ type: 'exit_without_entry', card: event.card, at: event.at, seq: event.seq });
          this.state.lastExitAt[event.card] = event.at;
          return;
        }
        this.remove(event.card, event.at, false);
        out.push({ type: 'exited', card: event.card, at: event.at, seq: event.seq, inferred: false });
        return;
      }
      case 'emergency_call':
      case 'emergency_cleared': {
        const active = event.kind === 'emergency_call';
        if (present) present.emergencyCall = active;
        out.push({ type: 'emergency_call', card: event.card, at: event.at, active });
        return;
      }
    }
  }

  /**
   * Reconciles with the card table. Moves people to the zone they were last heard in; finds people
   * underground we never saw enter (counted at once, reported as seen without entry only when the
   * next table still finds no entry event for them); takes someone off only when the card sits at
   * an exit reader, heard after the entry (the exit event was lost, or is not read yet).
   */
  applySnapshot(snapshot: PositioningSnapshot): HeadcountEvent[] {
    const out: HeadcountEvent[] = [];
    this.changes++;
    const seen = new Set<string>();
    for (const card of snapshot.cards) {
      seen.add(card.card);
      const present = this.state.underground[card.card];
      const heardAfterExit = card.lastSeenAt !== null && card.lastSeenAt > (this.state.lastExitAt[card.card] ?? -Infinity);
      if (present) {
        const newer = card.lastSeenAt !== null && card.lastSeenAt >= (present.lastSeenAt ?? -Infinity);
        if (newer && this.layout.exitReaders.has(card.reader) && !card.underground && card.lastSeenAt! > (present.enteredAt ?? -Infinity)) {
          this.remove(card.card, card.lastSeenAt!, true);
          out.push({ type: 'exited', card: card.card, at: card.lastSeenAt!, seq: null, inferred: true });
          continue;
        }
        if (newer) {
          present.lastSeenAt = card.lastSeenAt;
          present.zone = card.zone === 0 ? present.zone : card.zone;
          if (present.reported.noSignal) present.reported.noSignal = false;
        }
        if (card.emergency !== present.emergencyCall) {
          present.emergencyCall = card.emergency;
          out.push({ type: 'emergency_call', card: card.card, at: snapshot.readAt, active: card.emergency });
        }
        if (present.awaitingEntry && !present.awaitingEntry.reported) {
          // A whole event read since the table that found it, and still no entry: now it is an anomaly.
          present.awaitingEntry.reported = true;
          out.push({ type: 'seen_underground_without_entry', card: card.card, at: snapshot.readAt, zone: card.zone });
        }
        continue;
      }
      const atUndergroundReader = card.reader !== 0 && !this.layout.exitReaders.has(card.reader) && !this.layout.entryReaders.has(card.reader);
      if ((card.underground || atUndergroundReader) && heardAfterExit) {
        this.state.underground[card.card] = {
          card: card.card,
          enteredAt: null,
          entrySeq: null,
          origin: 'snapshot',
          countBefore: this.count,
          stamp: null,
          reentered: false,
          zone: card.zone === 0 ? null : card.zone,
          lastSeenAt: card.lastSeenAt,
          emergencyCall: card.emergency,
          reported: { noSignal: false, overtime: false },
          // Its entry event may not have been read yet: reported only if the next table still lacks it.
          awaitingEntry: { heardBy: card.lastSeenAt ?? snapshot.readAt, reported: false },
        };
        delete this.state.tableExitAt[card.card];
        this.count++;
      }
    }
    for (const card of Object.keys(this.state.underground)) {
      // Still counted: only a seen exit takes a person off. The event lets the board show it.
      if (!seen.has(card)) out.push({ type: 'missing_from_snapshot', card, at: snapshot.readAt });
    }
    this.state.lastSnapshotAt = snapshot.readAt;
    return out;
  }

  /**
   * Time-driven anomalies (no signal, overtime), each reported once per stay.
   *
   * Runs at every decision, so it remembers the earliest deadline of its last pass: while the state
   * and `shiftEndOf` are the same and that deadline has not come, no check can fire and the pass
   * over everyone underground is skipped.
   */
  review(now: number, shiftEndOf: ShiftEndOf): HeadcountEvent[] {
    const last = this.reviewed;
    // 1 ms short of the deadline: the comparisons below subtract where this adds (no rounding doubt).
    if (last !== null && last.version === this.changes && last.shiftEndOf === shiftEndOf && now < last.dueAt - 1) return [];
    const out: HeadcountEvent[] = [];
    let dueAt = Number.POSITIVE_INFINITY;
    for (const person of Object.values(this.state.underground)) {
      if (!person.reported.noSignal) {
        const silentSince = person.lastSeenAt ?? person.enteredAt;
        if (silentSince === null || now - silentSince > this.options.noSignalAfterMs) {
          person.reported.noSignal = true;
          out.push({ type: 'no_signal', card: person.card, at: now, lastSeenAt: person.lastSeenAt });
        } else {
          dueAt = Math.min(dueAt, silentSince + this.options.noSignalAfterMs);
        }
      }
      if (!person.reported.overtime) {
        const shiftEnd = shiftEndOf(person);
        if (shiftEnd !== null && now > shiftEnd + this.options.overtimeGraceMs) {
          person.reported.overtime = true;
          out.push({ type: 'overtime', card: person.card, at: now, shiftEndedAt: shiftEnd });
        } else if (shiftEnd !== null) {
          dueAt = Math.min(dueAt, shiftEnd + this.options.overtimeGraceMs);
        }
      }
    }
    if (out.length > 0) this.changes++;
    this.reviewed = { version: this.changes, shiftEndOf, dueAt };
    return out;
  }

  /** A read-only view for the rules; do not keep it across applies. */
  view(): Readonly<HeadcountState> {
    return this.state;
  }

  /**
   * Changes whenever the state changes (every apply, and a review that reported something): a cache
   * of anything derived from `view()` is valid while this stays the same.
   */
  get version(): number {
    return this.changes;
  }

  get undergroundCount(): number {
    return this.count;
  }

  /** A deep copy, JSON-serializable, for persistence. */
  toJSON(): HeadcountState {
    return structuredClone(this.state);
  }

  /** The state as JSON text, for persistence: the same text as JSON.stringify(toJSON()) without the copy. */
  toJSONText(): string {
    return JSON.stringify(this.state);
  }

  /** `byTable`: the card table took the person off (seen at the exit reader); the exit event may follow. */
  private remove(card: string, at: number, byTable: boolean): void {
    delete this.state.underground[card];
    this.state.lastExitAt[card] = at;
    if (byTable) this.state.tableExitAt[card] = at;
    else delete this.state.tableExitAt[card];
    this.count--;
  }

  /** A person the card table found underground, now with the entry event that put them there. */
  private confirmEntry(person: UndergroundPerson, event: PositioningEvent, stampAt: EntryStamper): void {
    delete person.awaitingEntry;
    person.origin = 'entry';
    person.enteredAt = event.at;
    person.entrySeq = event.seq;
    person.stamp = stampAt(event.at);
    person.countBefore = this.countBefore(person.card, event);
    person.zone ??= this.layout.zoneOf(event.reader) ?? null;
    person.lastSeenAt = Math.max(person.lastSeenAt ?? event.at, event.at);
  }

  /**
   * People underground just before an entry that is applied late (the card was already counted):
   * those who entered before it, and those found underground earlier than it. Others still waiting
   * for their entry event entered after it (events come in order) or their entry is unknown.
   */
  private countBefore(card: string, event: PositioningEvent): number {
    let before = 0;
    for (const other of Object.values(this.state.underground)) {
      if (other.card === card) continue;
      if (other.enteredAt !== null) {
        if (other.enteredAt < event.at || (other.enteredAt === event.at && (other.entrySeq ?? 0) < event.seq)) before++;
      } else if (other.awaitingEntry === undefined || other.awaitingEntry.heardBy < event.at) {
        before++;
      }
    }
    return before;
  }
}
