/**
 * Who is underground, built from the shaft-head entry/exit events and reconciled with per-card
 * snapshots. The rule it never breaks: a person stays counted until seen leaving (an exit event,
 * or the card table showing the card at an exit reader after the entry). A card missing from one
 * snapshot, a card not heard for a while, a dead substation — none of them takes anybody off the
 * count; they become events and alarms instead.
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
}

/** The permit in force at a moment; the engine answers it from its decisions (null before the first). */
export type EntryStamper = (at: number) => EntryStamp | null;

/** When a person's shift ends, for the overtime check; null when it cannot be told. */
export type ShiftEndOf = (person: UndergroundPerson) => number | null;

export class HeadcountTracker {
  private state: HeadcountState;
  private count: number;

  constructor(
    private readonly layout: MineLayout,
    private readonly options: TrackerOptions,
    initial: HeadcountState = emptyHeadcountState(),
  ) {
    this.state = structuredClone(initial);
    this.count = Object.keys(this.state.underground).length;
  }

  /**
   * Applies FIFO events in the order given (the driver delivers them in seq order). A jump in seq
   * is reported as missed events; a seq lower than the last one is a substation restart (it counts
   * from 1 again), not a duplicate. Replayed events (the same entry or exit applied twice, e.g.
   * after an agent restart) change nothing.
   */
  applyEvents(events: readonly PositioningEvent[], stampAt: EntryStamper): HeadcountEvent[] {
    const out: HeadcountEvent[] = [];
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
        if (!present && this.state.lastExitAt[event.card] === event.at) return; // replayed
        if (!present) {
          out.push({ type: 'exit_without_entry', card: event.card, at: event.at, seq: event.seq });
          this.state.lastExitAt[event.card] = event.at;
          return;
        }
        this.remove(event.card, event.at);
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
   * underground we never saw enter; takes someone off only when the card sits at an exit reader,
   * heard after the entry (the exit event itself was lost).
   */
  applySnapshot(snapshot: PositioningSnapshot): HeadcountEvent[] {
    const out: HeadcountEvent[] = [];
    const seen = new Set<string>();
    for (const card of snapshot.cards) {
      seen.add(card.card);
      const present = this.state.underground[card.card];
      const heardAfterExit = card.lastSeenAt !== null && card.lastSeenAt > (this.state.lastExitAt[card.card] ?? -Infinity);
      if (present) {
        const newer = card.lastSeenAt !== null && card.lastSeenAt >= (present.lastSeenAt ?? -Infinity);
        if (newer && this.layout.exitReaders.has(card.reader) && !card.underground && card.lastSeenAt! > (present.enteredAt ?? -Infinity)) {
          this.remove(card.card, card.lastSeenAt!);
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
        };
        this.count++;
        out.push({ type: 'seen_underground_without_entry', card: card.card, at: snapshot.readAt, zone: card.zone });
      }
    }
    for (const card of Object.keys(this.state.underground)) {
      // Still counted: only a seen exit takes a person off. The event lets the board show it.
      if (!seen.has(card)) out.push({ type: 'missing_from_snapshot', card, at: snapshot.readAt });
    }
    this.state.lastSnapshotAt = snapshot.readAt;
    return out;
  }

  /** Time-driven anomalies (no signal, overtime), each reported once per stay. */
  review(now: number, shiftEndOf: ShiftEndOf): HeadcountEvent[] {
    const out: HeadcountEvent[] = [];
    for (const person of Object.values(this.state.underground)) {
      const silentSince = person.lastSeenAt ?? person.enteredAt;
      if (!person.reported.noSignal && (silentSince === null || now - silentSince > this.options.noSignalAfterMs)) {
        person.reported.noSignal = true;
        out.push({ type: 'no_signal', card: person.card, at: now, lastSeenAt: person.lastSeenAt });
      }
      const shiftEnd = shiftEndOf(person);
      if (!person.reported.overtime && shiftEnd !== null && now > shiftEnd + this.options.overtimeGraceMs) {
        person.reported.overtime = true;
        out.push({ type: 'overtime', card: person.card, at: now, shiftEndedAt: shiftEnd });
      }
    }
    return out;
  }

  /** A read-only view for the rules; do not keep it across applies. */
  view(): Readonly<HeadcountState> {
    return this.state;
  }

  get undergroundCount(): number {
    return this.count;
  }

  /** A deep copy, JSON-serializable, for persistence. */
  toJSON(): HeadcountState {
    return structuredClone(this.state);
  }

  private remove(card: string, at: number): void {
    delete this.state.underground[card];
    this.state.lastExitAt[card] = at;
    this.count--;
  }
}
