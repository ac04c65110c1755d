/**
 * The shift schedule: which shift a moment belongs to, and when that shift starts and ends, for
 * shifts that cross midnight too (a 22:00–06:00 night shift that began yesterday ends today).
 *
 * People go down before their shift starts (the handover happens underground), so an entry up to
 * `entryLeadMinutes` before a shift's start belongs to that shift.
 */
import type { ShiftConfig } from '../../config/rules-schema.js';
import { DAY_MS, localMidnightBefore, localMinuteOfDay, MINUTE_MS } from './local-time.js';

export interface ShiftOccurrence {
  shiftId: string;
  name: string;
  /** Start and end of this occurrence, ms since the epoch. */
  startsAt: number;
  endsAt: number;
}

interface ShiftWindow {
  shift: ShiftConfig;
  startMinute: number;
  lengthMinutes: number;
}

export class ShiftSchedule {
  private readonly windows: ShiftWindow[];

  constructor(
    shifts: readonly ShiftConfig[],
    private readonly utcOffsetMinutes: number,
    private readonly entryLeadMinutes = 0,
  ) {
    if (shifts.length === 0) throw new Error('the shift schedule needs at least one shift');
    this.windows = shifts.map((shift) => {
      const startMinute = toMinute(shift.start);
      const endMinute = toMinute(shift.end);
      const lengthMinutes = endMinute > startMinute ? endMinute - startMinute : endMinute + 1440 - startMinute;
      return { shift, startMinute, lengthMinutes };
    });
  }

  /** The shift occurrence running at `at` (by the clock, no entry lead). */
  shiftAt(at: number): ShiftOccurrence {
    const minute = localMinuteOfDay(at, this.utcOffsetMinutes);
    for (const window of this.windows) {
      const sinceStart = (minute - window.startMinute + 1440) % 1440;
      if (sinceStart < window.lengthMinutes) {
        const startsAt = localMidnightBefore(at, this.utcOffsetMinutes) + window.startMinute * MINUTE_MS - (minute < window.startMinute ? DAY_MS : 0);
        return { shiftId: window.shift.id, name: window.shift.name, startsAt, endsAt: startsAt + window.lengthMinutes * MINUTE_MS };
      }
    }
    // The config schema rejects schedules with gaps; a hand-built one with a gap is a programming error.
    throw new Error(`no shift covers ${new Date(at).toISOString()}`);
  }

  /** The shift a person entering at `at` works: the one running `entryLeadMinutes` later. */
  shiftForEntry(at: number): ShiftOccurrence {
    return this.shiftAt(at + this.entryLeadMinutes * MINUTE_MS);
  }

  /** The occurrence of `shiftId` that a person entering at `at` works (a roster that fixes the shift). */
  occurrenceOf(shiftId: string, at: number): ShiftOccurrence | null {
    const window = this.windows.find((w) => w.shift.id === shiftId);
    if (!window) return null;
    const lead = at + this.entryLeadMinutes * MINUTE_MS;
    // The occurrence whose start is nearest the (lead-adjusted) entry: yesterday's, today's or tomorrow's.
    const midnight = localMidnightBefore(lead, this.utcOffsetMinutes);
    let best: number | null = null;
    for (const day of [-1, 0, 1]) {
      const startsAt = midnight + day * DAY_MS + window.startMinute * MINUTE_MS;
      if (best === null || Math.abs(startsAt - lead) < Math.abs(best - lead)) best = startsAt;
    }
    const startsAt = best!;
    return { shiftId, name: window.shift.name, startsAt, endsAt: startsAt + window.lengthMinutes * MINUTE_MS };
  }

  name(shiftId: string): string {
    return this.windows.find((w) => w.shift.id === shiftId)?.shift.name ?? shiftId;
  }
}

function toMinute(time: string): number {
  return Number(time.slice(0, 2)) * 60 + Number(time.slice(3, 5));
}
