/**
 * The headcount's change counter (`version`) and the review pass it lets the tracker skip: while
 * neither the state nor the shift-end resolver changed and no deadline came, `review` does not walk
 * everyone underground — and any of the three changing must bring the pass (and its events) back.
 */
import { describe, expect, it } from 'vitest';
import { HeadcountTracker, type ShiftEndOf } from '../../agent/headcount/headcount-tracker.js';
import { MineLayout } from '../../agent/people/mine-layout.js';
import { at, LAYOUT } from './rules-fixture.js';

const layout = new MineLayout(LAYOUT);
const options = { noSignalAfterMs: 10 * 60_000, overtimeGraceMs: 60 * 60_000 };
const noStamp = () => null;
const entry = (seq: number, card: string, time: number) => ({ seq, card, at: time, reader: 1, kind: 'entry' as const });
const reading = (card: string, zone: number, lastSeenAt: number) => ({ card, reader: zone, zone, lastSeenAt, underground: true, emergency: false, signalLost: false });

/** A resolver that counts its calls, so a test can tell a skipped pass from one that found nothing. */
function counting(end: number | null): ShiftEndOf & { calls: number } {
  const resolve = Object.assign(() => {
    resolve.calls++;
    return end;
  }, { calls: 0 });
  return resolve;
}

describe('headcount version', () => {
  it('moves with every apply and with a review that reported something, not with a quiet review', () => {
    const tracker = new HeadcountTracker(layout, options);
    const v0 = tracker.version;
    tracker.applyEvents([entry(1, 'A', at('07:00'))], noStamp);
    const v1 = tracker.version;
    expect(v1).not.toBe(v0);
    tracker.applyEvents([], noStamp);
    expect(tracker.version).toBe(v1);
    tracker.applySnapshot({ readAt: at('07:05'), cards: [reading('A', 12, at('07:04'))] });
    const v2 = tracker.version;
    expect(v2).not.toBe(v1);
    const end = counting(at('16:00'));
    expect(tracker.review(at('07:06'), end)).toEqual([]);
    expect(tracker.version).toBe(v2);
    expect(tracker.review(at('07:20'), end).map((e) => e.type)).toEqual(['no_signal']);
    expect(tracker.version).not.toBe(v2);
  });

  it('serialises the same text as the deep copy', () => {
    const tracker = new HeadcountTracker(layout, options);
    tracker.applyEvents([entry(1, 'A', at('07:00')), entry(2, 'B', at('07:01'))], noStamp);
    tracker.applySnapshot({ readAt: at('07:05'), cards: [reading('A', 12, at('07:04')), reading('C', 13, at('07:04'))] });
    expect(tracker.toJSONText()).toBe(JSON.stringify(tracker.toJSON()));
  });
});

describe('headcount review skipped while nothing can fire', () => {
  it('skips the pass before the earliest deadline, and reports at the deadline', () => {
    const tracker = new HeadcountTracker(layout, options);
    tracker.applyEvents([entry(1, 'A', at('07:00')), entry(2, 'B', at('07:05'))], noStamp);
    const end = counting(at('16:00'));
    expect(tracker.review(at('07:01'), end)).toEqual([]);
    const calls = end.calls;
    expect(tracker.review(at('07:09'), end)).toEqual([]);
    expect(end.calls).toBe(calls); // skipped: A's silence is due after 07:10
    // A at 07:10 + 1 ms; B still silent less than 10 minutes.
    expect(tracker.review(at('07:10') + 1, end)).toEqual([{ type: 'no_signal', card: 'A', at: at('07:10') + 1, lastSeenAt: at('07:00') }]);
    expect(tracker.review(at('07:15') + 1, end)).toEqual([{ type: 'no_signal', card: 'B', at: at('07:15') + 1, lastSeenAt: at('07:05') }]);
    expect(tracker.review(at('17:00') + 1, end).map((e) => [e.type, 'card' in e ? e.card : null])).toEqual([
      ['overtime', 'A'],
      ['overtime', 'B'],
    ]);
    expect(tracker.review(at('18:00'), end)).toEqual([]);
  });

  it('passes again when the state changed (a card heard again is silent again later)', () => {
    const tracker = new HeadcountTracker(layout, options);
    tracker.applyEvents([entry(1, 'A', at('07:00'))], noStamp);
    const end = counting(at('16:00'));
    expect(tracker.review(at('07:11'), end).map((e) => e.type)).toEqual(['no_signal']);
    // Heard at 07:12: the no-signal report is re-armed by the snapshot (a change of state) ...
    tracker.applySnapshot({ readAt: at('07:12'), cards: [reading('A', 12, at('07:12'))] });
    expect(tracker.review(at('07:13'), end)).toEqual([]);
    // ... and a new entry is reviewed at once (never heard: silent from the start).
    tracker.applyEvents([entry(2, 'B', at('06:00'))], noStamp);
    expect(tracker.review(at('07:14'), end)).toEqual([{ type: 'no_signal', card: 'B', at: at('07:14'), lastSeenAt: at('06:00') }]);
    expect(tracker.review(at('07:22') + 1, end)).toEqual([{ type: 'no_signal', card: 'A', at: at('07:22') + 1, lastSeenAt: at('07:12') }]);
  });

  it('passes again when the shift-end resolver changed (a new roster)', () => {
    const tracker = new HeadcountTracker(layout, options);
    tracker.applyEvents([entry(1, 'A', at('07:00'))], noStamp);
    tracker.applySnapshot({ readAt: at('09:00'), cards: [reading('A', 12, at('09:00'))] });
    const late = counting(at('16:00'));
    expect(tracker.review(at('09:01'), late)).toEqual([]);
    // Same state, same time window: the same resolver skips; a new one whose shift ended at 08:00 reports overtime now.
    expect(tracker.review(at('09:02'), late)).toEqual([]);
    const early = counting(at('08:00'));
    expect(tracker.review(at('09:02'), early)).toEqual([{ type: 'overtime', card: 'A', at: at('09:02'), shiftEndedAt: at('08:00') }]);
  });

  it('waits for a shift end that cannot be told, without missing a silence', () => {
    const tracker = new HeadcountTracker(layout, options);
    tracker.applyEvents([entry(1, 'A', at('07:00'))], noStamp);
    const unknown = counting(null);
    expect(tracker.review(at('07:01'), unknown)).toEqual([]);
    expect(tracker.review(at('07:10') + 1, unknown).map((e) => e.type)).toEqual(['no_signal']);
    expect(tracker.review(at('23:00'), unknown)).toEqual([]);
  });
});
