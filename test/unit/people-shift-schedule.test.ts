import { describe, expect, it } from 'vitest';
import { shiftCoverageProblem } from '../../config/rules-schema.js';
import { ShiftSchedule } from '../../agent/people/shift-schedule.js';
import { at } from './rules-fixture.js';

const CROSSING = [
  { id: 'day', name: '白班', start: '06:00', end: '14:00' },
  { id: 'evening', name: '中班', start: '14:00', end: '22:00' },
  { id: 'night', name: '夜班', start: '22:00', end: '06:00' },
];

describe('shift schedule', () => {
  const schedule = new ShiftSchedule(CROSSING, 480);

  it('finds a shift that crosses midnight from either side of midnight, with its own start and end', () => {
    const before = schedule.shiftAt(at('23:30'));
    const after = schedule.shiftAt(at('02:00', 19));
    expect(before).toEqual({ shiftId: 'night', name: '夜班', startsAt: at('22:00'), endsAt: at('06:00', 19) });
    expect(after).toEqual(before);
  });

  it('switches exactly at the boundary', () => {
    expect(schedule.shiftAt(at('05:59', 19)).shiftId).toBe('night');
    expect(schedule.shiftAt(at('06:00', 19))).toMatchObject({ shiftId: 'day', startsAt: at('06:00', 19), endsAt: at('14:00', 19) });
  });

  it('gives an early entry to the next shift (entry lead)', () => {
    const withLead = new ShiftSchedule(CROSSING, 480, 60);
    expect(withLead.shiftForEntry(at('21:15')).shiftId).toBe('night');
    expect(withLead.shiftForEntry(at('20:59')).shiftId).toBe('evening');
    expect(withLead.shiftForEntry(at('21:15')).endsAt).toBe(at('06:00', 19));
  });

  it('finds the occurrence of a rostered shift nearest the entry', () => {
    expect(schedule.occurrenceOf('night', at('21:50'))).toMatchObject({ startsAt: at('22:00'), endsAt: at('06:00', 19) });
    expect(schedule.occurrenceOf('night', at('01:00', 19))).toMatchObject({ startsAt: at('22:00') });
    expect(schedule.occurrenceOf('nope', at('01:00'))).toBeNull();
  });

  it('the config rejects gaps and overlaps in the schedule', () => {
    expect(shiftCoverageProblem(CROSSING)).toBeNull();
    expect(shiftCoverageProblem([{ id: 'a', start: '00:00', end: '12:00' }])).toMatch(/no shift covers 12:00/);
    expect(shiftCoverageProblem([...CROSSING, { id: 'x', start: '05:00', end: '07:00' }])).toMatch(/overlap at 05:00/);
  });
});
