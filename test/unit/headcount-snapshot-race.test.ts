/**
 * The driver reads, in one cycle, the event FIFO and then (every card-table interval) the card
 * table. A person who passes a shaft-head reader between the two reads shows in the table before
 * their event is read; the event arrives with the next cycle. Neither order may turn a normal
 * entry into a re-entry alarm, or a normal exit into "exit without entry".
 */
import { describe, expect, it } from 'vitest';
import { parseHeadcountState } from '../../agent/headcount/headcount-state.js';
import { HeadcountTracker } from '../../agent/headcount/headcount-tracker.js';
import type { CardReading } from '../../agent/headcount/positioning-input.js';
import { MineLayout } from '../../agent/people/mine-layout.js';
import { at, LAYOUT } from './rules-fixture.js';

const layout = new MineLayout(LAYOUT);
const options = { noSignalAfterMs: 10 * 60_000, overtimeGraceMs: 60 * 60_000 };
const noStamp = () => null;
const S = 1000;
const T0 = at('07:30');
const entry = (seq: number, card: string, time: number) => ({ seq, card, at: time, reader: 1, kind: 'entry' as const });
const exit = (seq: number, card: string, time: number) => ({ seq, card, at: time, reader: 2, kind: 'exit' as const });
/** A card the table shows at the entry reader, underground (it has just passed it). */
const atEntry = (card: string, lastSeenAt: number): CardReading => ({ card, reader: 1, zone: 1, lastSeenAt, underground: true, emergency: false, signalLost: false });
/** A card the table shows at the exit reader, no longer underground. */
const atExit = (card: string, lastSeenAt: number): CardReading => ({ card, reader: 2, zone: 1, lastSeenAt, underground: false, emergency: false, signalLost: false });
const at22 = (card: string, lastSeenAt: number): CardReading => ({ card, reader: 22, zone: 22, lastSeenAt, underground: true, emergency: false, signalLost: false });
const types = (events: ReadonlyArray<{ type: string }>) => events.map((e) => e.type);

describe('headcount: a card table read between an event and its FIFO read', () => {
  it('an entry event at or before the table that already showed the card underground confirms it: no re-entry', () => {
    const tracker = new HeadcountTracker(layout, options);
    // Cycle 1: the FIFO was empty when read; A passed the entry reader before the card table was read.
    tracker.applyEvents([], noStamp);
    tracker.applySnapshot({ readAt: T0 + 1 * S + 200, cards: [atEntry('A', T0 + 1 * S)] });
    expect(tracker.undergroundCount).toBe(1); // counted at once: unknown is not safe
    // Cycle 2: the entry event, stamped before the table's read.
    const events = tracker.applyEvents([entry(1, 'A', T0 + 1 * S)], noStamp);
    expect(types(events)).not.toContain('entry_while_underground');
    expect(events).toEqual([{ type: 'entered', card: 'A', at: T0 + 1 * S, seq: 1 }]);
    expect(tracker.view().underground.A).toMatchObject({ origin: 'entry', enteredAt: T0 + 1 * S, entrySeq: 1, reentered: false });
    expect(tracker.undergroundCount).toBe(1);
  });

  it('says nothing about "underground without entry" until the next table shows the entry is really missing', () => {
    const tracker = new HeadcountTracker(layout, options);
    expect(tracker.applySnapshot({ readAt: T0 + 200, cards: [atEntry('A', T0), atEntry('B', T0)] })).toEqual([]);
    tracker.applyEvents([entry(1, 'A', T0)], noStamp);
    const next = tracker.applySnapshot({ readAt: T0 + 10 * S, cards: [at22('A', T0 + 10 * S), at22('B', T0 + 10 * S)] });
    expect(next).toEqual([{ type: 'seen_underground_without_entry', card: 'B', at: T0 + 10 * S, zone: 22 }]);
    expect(tracker.applySnapshot({ readAt: T0 + 20 * S, cards: [at22('A', T0 + 20 * S), at22('B', T0 + 20 * S)] })).toEqual([]);
    expect(tracker.undergroundCount).toBe(2);
    // B's entry event turns up late (a slow FIFO read): still the entry that put B there.
    expect(types(tracker.applyEvents([entry(2, 'B', T0)], noStamp))).toEqual(['entered']);
    expect(tracker.view().underground.B).toMatchObject({ origin: 'entry', reentered: false });
  });

  it('an entry after the table already showed the card underground is a re-entry, naming the card', () => {
    const tracker = new HeadcountTracker(layout, options);
    tracker.applySnapshot({ readAt: T0 + 200, cards: [at22('A', T0)] });
    const events = tracker.applyEvents([entry(1, 'A', T0 + 10 * 60 * S)], noStamp);
    expect(events).toEqual([{ type: 'entry_while_underground', card: 'A', at: T0 + 10 * 60 * S, seq: 1 }]);
    expect(tracker.view().underground.A?.reentered).toBe(true);
    expect(tracker.undergroundCount).toBe(1);
  });

  it('a second entry event without an exit between is a re-entry even a second later', () => {
    const tracker = new HeadcountTracker(layout, options);
    tracker.applySnapshot({ readAt: T0 + 200, cards: [atEntry('A', T0)] });
    tracker.applyEvents([entry(1, 'A', T0)], noStamp);
    const events = tracker.applyEvents([entry(2, 'A', T0 + S)], noStamp);
    expect(types(events)).toEqual(['entry_while_underground']);
    expect(tracker.view().underground.A?.reentered).toBe(true);
  });

  it('a confirmed entry is stamped with the permit at its time and the count before it in entry order', () => {
    const tracker = new HeadcountTracker(layout, options);
    tracker.applyEvents([entry(1, 'Z', T0 - 60 * S)], noStamp);
    // The table lists B before A; they entered A first.
    tracker.applySnapshot({ readAt: T0 + 2 * S, cards: [atEntry('B', T0 + S), atEntry('A', T0 + S), at22('Z', T0)] });
    const banned = { permitted: false, banned: true, reasons: ['ban:manual'] };
    tracker.applyEvents([entry(2, 'A', T0), entry(3, 'B', T0 + S)], (t) => (t >= T0 + S ? banned : null));
    expect(tracker.view().underground.A).toMatchObject({ origin: 'entry', countBefore: 1, stamp: null });
    expect(tracker.view().underground.B).toMatchObject({ origin: 'entry', countBefore: 2, stamp: banned });
  });

  it('an exit event after the table showed the card at the exit reader confirms that exit: no exit without entry', () => {
    const tracker = new HeadcountTracker(layout, options);
    tracker.applyEvents([entry(1, 'A', T0)], noStamp);
    // The exit reader still hears the card a second after the exit was stamped.
    const inferred = tracker.applySnapshot({ readAt: T0 + 3 * 60 * S, cards: [atExit('A', T0 + 2 * 60 * S + S)] });
    expect(inferred).toEqual([{ type: 'exited', card: 'A', at: T0 + 2 * 60 * S + S, seq: null, inferred: true }]);
    expect(tracker.applyEvents([exit(2, 'A', T0 + 2 * 60 * S)], noStamp)).toEqual([]);
    expect(tracker.undergroundCount).toBe(0);
    // A stray exit long after is still an anomaly.
    expect(types(tracker.applyEvents([exit(3, 'A', T0 + 30 * 60 * S)], noStamp))).toEqual(['exit_without_entry']);
  });

  it('an exit event after the card vanished from the table is a normal exit (the person was still counted)', () => {
    const tracker = new HeadcountTracker(layout, options);
    tracker.applyEvents([entry(1, 'A', T0), entry(2, 'B', T0)], noStamp);
    const missing = tracker.applySnapshot({ readAt: T0 + 60 * S, cards: [at22('B', T0 + 60 * S)] });
    expect(missing).toEqual([{ type: 'missing_from_snapshot', card: 'A', at: T0 + 60 * S }]);
    expect(tracker.undergroundCount).toBe(2);
    expect(tracker.applyEvents([exit(3, 'A', T0 + 59 * S)], noStamp)).toEqual([{ type: 'exited', card: 'A', at: T0 + 59 * S, seq: 3, inferred: false }]);
    expect(tracker.undergroundCount).toBe(1);
  });

  it('keeps the pending confirmations across a restart, and restores state saved before they existed', () => {
    const tracker = new HeadcountTracker(layout, options);
    tracker.applyEvents([entry(1, 'B', T0 - 60 * S)], noStamp);
    tracker.applySnapshot({ readAt: T0 + 200, cards: [atEntry('A', T0), atExit('B', T0)] });
    const after = new HeadcountTracker(layout, options, parseHeadcountState(JSON.stringify(tracker.toJSON())));
    expect(after.applyEvents([entry(2, 'A', T0), exit(3, 'B', T0 - S)], noStamp)).toEqual([{ type: 'entered', card: 'A', at: T0, seq: 2 }]);
    expect(after.undergroundCount).toBe(1);

    // Version 1 state written before this change: no pending fields at all.
    const old = {
      version: 1,
      underground: {
        C: { card: 'C', enteredAt: null, entrySeq: null, origin: 'snapshot', countBefore: 0, stamp: null, reentered: false, zone: 22, lastSeenAt: T0, emergencyCall: false, reported: { noSignal: false, overtime: false } },
      },
      lastEventSeq: 7,
      lastSnapshotAt: T0,
      lastExitAt: { D: T0 },
    };
    const restored = new HeadcountTracker(layout, options, parseHeadcountState(JSON.stringify(old)));
    expect(restored.undergroundCount).toBe(1);
    expect(restored.applySnapshot({ readAt: T0 + 10 * S, cards: [at22('C', T0 + 10 * S)] })).toEqual([]);
    // Nothing tells when C was found: an entry is judged as before (a re-entry), never silently absorbed.
    expect(types(restored.applyEvents([entry(8, 'C', T0)], noStamp))).toEqual(['entry_while_underground']);
    expect(types(restored.applyEvents([exit(9, 'D', T0 + S)], noStamp))).toEqual(['exit_without_entry']);
  });
});
