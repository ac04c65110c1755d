/**
 * Local wall-clock arithmetic at a fixed UTC offset. Mines in China keep one offset all year (no
 * daylight saving), so a fixed offset is exact and needs no time-zone database on the gateway.
 */
export const MINUTE_MS = 60_000;
export const DAY_MS = 86_400_000;

/** Minutes since local midnight of the instant `at`. */
export function localMinuteOfDay(at: number, utcOffsetMinutes: number): number {
  const local = at + utcOffsetMinutes * MINUTE_MS;
  return Math.floor((((local % DAY_MS) + DAY_MS) % DAY_MS) / MINUTE_MS);
}

/** The instant of local midnight that starts the local day containing `at`. */
export function localMidnightBefore(at: number, utcOffsetMinutes: number): number {
  const offsetMs = utcOffsetMinutes * MINUTE_MS;
  const local = at + offsetMs;
  return local - (((local % DAY_MS) + DAY_MS) % DAY_MS) - offsetMs;
}

/** The end (exclusive) of a local calendar date "YYYY-MM-DD": local midnight of the next day. */
export function endOfLocalDate(date: string, utcOffsetMinutes: number): number {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!match) throw new Error(`"${date}" is not a date YYYY-MM-DD`);
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const utc = Date.UTC(year, month - 1, day + 1);
  const check = new Date(Date.UTC(year, month - 1, day));
  if (check.getUTCFullYear() !== year || check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day) {
    throw new Error(`"${date}" is not a calendar date`);
  }
  return utc - utcOffsetMinutes * MINUTE_MS;
}
