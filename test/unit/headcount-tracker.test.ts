import { describe, expect, it } from 'vitest';
import { parseHeadcountState } from '../../agent/headcount/headcount-state.js';
import { HeadcountTracker } from '../../agent/headcount/headcount-tracker.js';
import { MineLayout } from '../../agent/people/mine-layout.js';
import { at, LAYOUT } from './rules-fixture.js';

const layout = new MineLayout(LAYOUT);
const options = { noSignalAfterMs: 10 * 60_000, overtimeGraceMs: 60 * 60_000 };
const noStamp = () => null;
const entry = (seq: number, card: string, time: number) => ({ seq, card, at: time, reader: 1, kind: 'entry' as const });
const exit = (seq: number, card: string, time: number) => ({ seq, card, at: time, reader: 2, kind: 'exit' as const });
const reading = (card: string, zone: number, lastSeenAt: number, underground = true) => ({ card, reader: zone, zone, lastSeenAt, underground, emergency: false, signalLost: false });

describe('headcount tracker', () => {
  it('counts from entry and exit events; a replayed event changes nothing', () => {
    const tracker = new HeadcountTracker(layout, options);
    const events = [entry(1, 'A', at('07:00')), entry(2, 'B', at('07:01'))];
    expect(tracker.applyEvents(events, noStamp).map((e) => e.type)).toEqual(['entered', 'entered']);
    expect(tracker.applyEvents(events, noStamp)).toEqual([]);
    tracker.applyEvents([exit(3, 'A', at('09:00'))], noStamp);
    expect(tracker.undergroundCount).toBe(1);
    expect(Object.keys(tracker.view().underground)).toEqual(['B']);
  });

  it('keeps counting a person a snapshot misses for one cycle (and says so)', () => {
    const tracker = new HeadcountTracker(layout, options);
    tracker.applyEvents([entry(1, 'A', at('07:00')), entry(2, 'B', at('07:00'))], noStamp);
    tracker.applySnapshot({ readAt: at('07:10'), cards: [reading('A', 12, at('07:09')), reading('B', 13, at('07:09'))] });
    const events = tracker.applySnapshot({ readAt: at('07:11'), cards: [reading('A', 12, at('07:10'))] });
    expect(events).toEqual([{ type: 'missing_from_snapshot', card: 'B', at: at('07:11') }]);
    expect(tracker.undergroundCount).toBe(2);
    tracker.applySnapshot({ readAt: at('07:12'), cards: [reading('A', 12, at('07:11')), reading('B', 13, at('07:11'))] });
    expect(tracker.view().underground.B?.zone).toBe(13);
  });

  it('does not take anybody off for a card table that says "not underground" without an exit', () => {
    const tracker = new HeadcountTracker(layout, options);
    tracker.applyEvents([entry(1, 'A', at('07:00'))], noStamp);
    tracker.applySnapshot({ readAt: at('08:00'), cards: [reading('A', 12, at('07:59'), false)] });
    expect(tracker.undergroundCount).toBe(1);
  });

  it('takes a person off when the card sits at the exit reader after the entry (exit event lost)', () => {
    const tracker = new HeadcountTracker(layout, options);
    tracker.applyEvents([entry(1, 'A', at('07:00'))], noStamp);
    const events = tracker.applySnapshot({ readAt: at('15:00'), cards: [{ card: 'A', reader: 2, zone: 1, lastSeenAt: at('14:58'), underground: false, emergency: false, signalLost: false }] });
    expect(events).toEqual([{ type: 'exited', card: 'A', at: at('14:58'), seq: null, inferred: true }]);
    expect(tracker.undergroundCount).toBe(0);
  });

  it('reports exit without entry, entry while underground (counted once) and missed events', () => {
    const tracker = new HeadcountTracker(layout, options);
    tracker.applyEvents([entry(1, 'A', at('07:00'))], noStamp);
    const events = tracker.applyEvents([entry(2, 'A', at('07:05')), exit(5, 'Z', at('07:06'))], noStamp);
    expect(events).toEqual([
      { type: 'entry_while_underground', card: 'A', at: at('07:05'), seq: 2 },
      { type: 'events_missed', fromSeq: 3, toSeq: 4, at: at('07:06') },
      { type: 'exit_without_entry', card: 'Z', at: at('07:06'), seq: 5 },
    ]);
    expect(tracker.undergroundCount).toBe(1);
    expect(tracker.view().underground.A?.reentered).toBe(true);
  });

  it('finds a person underground without an entry, but not one whose card row predates their exit', () => {
    const tracker = new HeadcountTracker(layout, options);
    tracker.applyEvents([entry(1, 'B', at('06:00')), exit(2, 'B', at('07:00'))], noStamp);
    // Counted at once; reported once the next table (after one more event read) still has no entry for it.
    expect(tracker.applySnapshot({ readAt: at('07:30'), cards: [reading('A', 22, at('07:29')), reading('B', 22, at('06:30'))] })).toEqual([]);
    expect(tracker.view().underground.A).toMatchObject({ origin: 'snapshot', enteredAt: null, zone: 22 });
    expect(tracker.undergroundCount).toBe(1);
    const events = tracker.applySnapshot({ readAt: at('07:31'), cards: [reading('A', 23, at('07:30')), reading('B', 22, at('06:30'))] });
    expect(events).toEqual([{ type: 'seen_underground_without_entry', card: 'A', at: at('07:31'), zone: 23 }]);
    expect(tracker.applySnapshot({ readAt: at('07:32'), cards: [reading('A', 23, at('07:31'))] })).toEqual([]); // once
    expect(tracker.undergroundCount).toBe(1);
  });

  it('takes a seq that goes back as a substation restart, not as duplicates', () => {
    const tracker = new HeadcountTracker(layout, options);
    tracker.applyEvents([entry(41, 'A', at('07:00')), entry(42, 'B', at('07:01'))], noStamp);
    const events = tracker.applyEvents([entry(1, 'C', at('07:30')), exit(2, 'A', at('07:31'))], noStamp);
    expect(events.map((e) => e.type)).toEqual(['entered', 'exited']);
    expect(Object.keys(tracker.view().underground).sort()).toEqual(['B', 'C']);
  });

  it('stamps each entry with the permit in force and the count before it', () => {
    const tracker = new HeadcountTracker(layout, options);
    const stamp = { permitted: false, banned: true, reasons: ['ban:manual'] };
    tracker.applyEvents([entry(1, 'A', at('07:00')), entry(2, 'B', at('07:00'))], (t) => (t >= at('07:00') ? stamp : null));
    expect(tracker.view().underground.B).toMatchObject({ countBefore: 1, stamp });
  });

  it('reports no signal and overtime once per stay', () => {
    const tracker = new HeadcountTracker(layout, options);
    tracker.applyEvents([entry(1, 'A', at('07:00'))], noStamp);
    const shiftEnd = () => at('16:00');
    expect(tracker.review(at('07:10'), shiftEnd)).toEqual([]);
    expect(tracker.review(at('07:11'), shiftEnd)).toEqual([{ type: 'no_signal', card: 'A', at: at('07:11'), lastSeenAt: at('07:00') }]);
    expect(tracker.review(at('07:12'), shiftEnd)).toEqual([]);
    expect(tracker.review(at('17:01'), shiftEnd)).toEqual([{ type: 'overtime', card: 'A', at: at('17:01'), shiftEndedAt: at('16:00') }]);
    expect(tracker.review(at('17:02'), shiftEnd)).toEqual([]);
  });

  it('survives a restart: persisted, restored unconfirmed, reconciled by the next snapshot', () => {
    const tracker = new HeadcountTracker(layout, options);
    tracker.applyEvents([entry(1, 'A', at('07:00')), entry(2, 'B', at('07:00'))], noStamp);
    tracker.applySnapshot({ readAt: at('07:05'), cards: [reading('A', 12, at('07:04')), reading('B', 13, at('07:04'))] });
    const restored = parseHeadcountState(JSON.stringify(tracker.toJSON()));
    expect(restored.lastSnapshotAt).toBeNull();
    const after = new HeadcountTracker(layout, options, restored);
    expect(after.undergroundCount).toBe(2);
    expect(after.applyEvents([entry(2, 'B', at('07:00')), exit(3, 'A', at('08:00'))], noStamp).map((e) => e.type)).toEqual(['exited']);
    after.applySnapshot({ readAt: at('08:01'), cards: [reading('B', 13, at('08:00')), reading('C', 23, at('08:00'))] });
    expect(Object.keys(after.view().underground).sort()).toEqual(['B', 'C']);
    expect(after.view().lastSnapshotAt).toBe(at('08:01'));
    expect(() => parseHeadcountState('{"version":2}')).toThrow(/not version 1/);
  });
});
