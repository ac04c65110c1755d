/**
 * The on-disk format of raw history (table `history`, migration 4): ONE ROW PER POLL CYCLE.
 *
 *   device_id  the cycle's device
 *   ts         the earliest sample ts in the row, last_ts the latest (wall clock ms)
 *   body       the cycle's telemetry body as JSON — the very string the outbox row carries
 *              (`JSON.stringify(telemetryBodyOf(cycle))`), computed once per cycle
 *   special    NULL, or the values JSON cannot carry: a JSON object from the sample's index in
 *              `body.samples` to "-0", "NaN", "Infinity" or "-Infinity" (in the body they are 0 or
 *              null, as the platform receives them)
 *
 * Why this format: a row per sample cost one INSERT and two index updates per sample (~10 000 a
 * second at 100 ms polling) and was the biggest single cost of the agent's main thread. The
 * telemetry JSON already has to be built for the outbox, so reusing it costs nothing more to
 * encode; JSON keeps types apart (true vs 1, "1.0" vs 1) and JSON.stringify writes the shortest text
 * that parses back to the same double, so a number reads back bit for bit — except the four
 * values above, which are rare and marked in `special`. A hand-written serializer (no object per
 * sample) was measured and was not faster than JSON.stringify on a ref-1k cycle (~40 µs a cycle
 * either way on the dev VM; number → text alone is ~22 µs of it), so the telemetry message is
 * still built by telemetryBodyOf. See bench/store-throughput.ts for the write rate.
 *
 * Rows converted from the old per-sample table by migration 4 have the same shape, one row per
 * (device, ts), with numbers as SQLite writes them (up to 17 digits; same doubles) and
 * cycleStartedAt = ts.
 *
 * Reading a point back means finding it inside bodies. Per-point reads are rare (history queries,
 * the statistics rebuild at start-up), writes happen all the time.
 *
 * A row's samples are never more than HISTORY_ROW_MAX_SPAN_MS apart (a cycle that is — a clock
 * step in the middle of it — is written as several rows), so a time-range query knows how far
 * before its start a row holding matching samples can begin.
 */
import type { PollCycle, Quality, Sample, SampleValue } from '../model/sample.js';
import { telemetryBodyOf } from '../upstream/messages.js';

/** Most ms between the earliest and the latest sample of one history row. */
export const HISTORY_ROW_MAX_SPAN_MS = 60_000;

/** What JSON writes as 0 or null, kept in history.special so it reads back exactly. */
type SpecialCode = '-0' | 'NaN' | 'Infinity' | '-Infinity';

/** One history row to insert. */
export interface HistoryRowData {
  deviceId: string;
  firstTs: number;
  lastTs: number;
  body: string;
  special: string | null;
}

/** A sample as read back from a history row (the device is the row's). */
export interface HistorySample {
  pointId: string;
  ts: number;
  value: SampleValue;
  quality: Quality;
  exceptionCode?: number;
}

/** A cycle as the store writes it: its telemetry JSON (for the outbox) and its history rows. */
export interface EncodedCycle {
  /** JSON.stringify(telemetryBodyOf(cycle)): the outbox row's body. */
  telemetryJson: string;
  /** Usually one row whose body is telemetryJson itself; none for a cycle without samples. */
  rows: HistoryRowData[];
}

/**
 * Checks a cycle's samples (the store refuses what it could not read back: a value that is not a
 * number, boolean, string or null, a ts that is not whole ms), measures them in the same pass and
 * builds the telemetry JSON once. It becomes the history row as is, unless the samples must be
 * split (another device id than the cycle's, or further apart than HISTORY_ROW_MAX_SPAN_MS): then
 * each part gets its own body.
 */
export function encodeCycle(cycle: PollCycle): EncodedCycle {
  const samples = cycle.samples;
  const deviceId = cycle.deviceId;
  let firstTs = Number.POSITIVE_INFINITY;
  let lastTs = Number.NEGATIVE_INFINITY;
  let special: string | null = null;
  let oneDevice = true;
  for (let i = 0; i < samples.length; i++) {
    const sample = samples[i]!;
    checkSample(sample);
    const ts = sample.ts;
    if (ts < firstTs) firstTs = ts;
    if (ts > lastTs) lastTs = ts;
    if (sample.deviceId !== deviceId) oneDevice = false;
    const value = sample.value;
    // v - v is 0 for every finite number; NaN and ±Infinity give NaN. -0 is the one zero with 1/v < 0.
    if (typeof value === 'number' && (value - value !== 0 || (value === 0 && 1 / value < 0))) special = addSpecial(special, i, value);
  }
  const telemetryJson = JSON.stringify(telemetryBodyOf(cycle));
  if (samples.length === 0) return { telemetryJson, rows: [] };
  if (oneDevice && lastTs - firstTs <= HISTORY_ROW_MAX_SPAN_MS) return { telemetryJson, rows: [{ deviceId, firstTs, lastTs, body: telemetryJson, special }] };
  return { telemetryJson, rows: splitRows(cycle) };
}

/** The rare case: one row per sample device and time window, each with its own body. */
function splitRows(cycle: PollCycle): HistoryRowData[] {
  const byDevice = new Map<string, Sample[]>();
  for (const sample of cycle.samples) {
    const list = byDevice.get(sample.deviceId);
    if (list === undefined) byDevice.set(sample.deviceId, [sample]);
    else list.push(sample);
  }
  const rows: HistoryRowData[] = [];
  for (const [deviceId, samples] of byDevice) {
    // Windows by time; within a window the samples keep their order in the cycle.
    const sorted = [...samples].sort((a, b) => a.ts - b.ts);
    let start = 0;
    while (start < sorted.length) {
      const windowStart = sorted[start]!.ts;
      let end = start;
      while (end < sorted.length && sorted[end]!.ts - windowStart <= HISTORY_ROW_MAX_SPAN_MS) end++;
      const inWindow = new Set(sorted.slice(start, end));
      const part: PollCycle = { deviceId, startedAt: cycle.startedAt, finishedAt: cycle.finishedAt, samples: samples.filter((s) => inWindow.has(s)) };
      rows.push(...encodeCycle(part).rows);
      start = end;
    }
  }
  return rows;
}

function checkSample(sample: Sample): void {
  const value = sample.value;
  if (value !== null && typeof value !== 'number' && typeof value !== 'boolean' && typeof value !== 'string') {
    throw new TypeError(`a sample value must be a number, boolean, string or null, not ${typeof value}`);
  }
  if (typeof sample.pointId !== 'string' || typeof sample.quality !== 'string' || typeof sample.deviceId !== 'string') {
    throw new TypeError(`a sample needs a string device id, point id and quality (device ${String(sample.deviceId)}, point ${String(sample.pointId)})`);
  }
  if (!Number.isSafeInteger(sample.ts)) throw new TypeError(`sample ts must be whole milliseconds since the epoch, not ${sample.ts} (device ${sample.deviceId}, point ${sample.pointId})`);
  const code = sample.exceptionCode;
  if (code !== undefined && !Number.isSafeInteger(code)) throw new TypeError(`a Modbus exception code must be an integer, not ${code} (device ${sample.deviceId}, point ${sample.pointId})`);
}

function addSpecial(special: string | null, index: number, value: number): string {
  const code: SpecialCode = value === 0 ? '-0' : Number.isNaN(value) ? 'NaN' : value > 0 ? 'Infinity' : '-Infinity';
  const entry = `"${index}":"${code}"`;
  return special === null ? `{${entry}}` : `${special.slice(0, -1)},${entry}}`;
}

// ---- reading ------------------------------------------------------------------------------------

interface BodySample {
  point: unknown;
  value: unknown;
  quality: unknown;
  ts: unknown;
  exceptionCode?: unknown;
}

/** Every sample of a history row, in the order of the cycle. */
export function decodeHistoryRow(body: string, special: string | null, rowId: number): HistorySample[] {
  const parsed = JSON.parse(body) as { samples?: unknown };
  if (!Array.isArray(parsed.samples)) throw new RangeError(`history row ${rowId} has no samples array (written by a newer shaftgate?)`);
  const samples = parsed.samples as BodySample[];
  const out = samples.map((s) => toHistorySample(s, rowId));
  if (special !== null) {
    for (const [index, code] of Object.entries(JSON.parse(special) as Record<string, unknown>)) {
      const sample = out[Number(index)];
      if (sample === undefined) throw new RangeError(`history row ${rowId}: special value for sample ${index}, which does not exist`);
      sample.value = specialValue(code, rowId);
    }
  }
  return out;
}

/**
 * The samples of one point in a history row whose ts is in [fromTs, toTs), in the order of the
 * cycle. Without special values and for a point id that JSON writes without escapes (every id the
 * config allows), only that point's objects are parsed, found by their text `{"point":"<id>",`:
 * that text cannot occur inside a JSON string (its quotes would be escaped there), so every match
 * is a sample of that point.
 */
export function pointSamplesOf(body: string, special: string | null, rowId: number, pointId: string, fromTs: number, toTs: number): HistorySample[] {
  const out: HistorySample[] = [];
  if (special !== null || !PLAIN_ID.test(pointId)) {
    for (const sample of decodeHistoryRow(body, special, rowId)) {
      if (sample.pointId === pointId && sample.ts >= fromTs && sample.ts < toTs) out.push(sample);
    }
    return out;
  }
  const needle = `{"point":"${pointId}",`;
  let at = body.indexOf(needle);
  while (at !== -1) {
    const end = objectEnd(body, at + needle.length);
    const sample = toHistorySample(JSON.parse(body.slice(at, end)) as BodySample, rowId);
    if (sample.ts >= fromTs && sample.ts < toTs) out.push(sample);
    at = body.indexOf(needle, end);
  }
  return out;
}

/** Printable ASCII without '"' and '\': JSON.stringify and SQLite's json_quote both write it as is. */
const PLAIN_ID = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

/** Index just after the '}' closing the (flat) object whose content starts at `from`. */
function objectEnd(text: string, from: number): number {
  for (let i = from; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      // a string: skip to its closing quote
      for (i++; i < text.length; i++) {
        const d = text.charCodeAt(i);
        if (d === 0x5c) i++;
        else if (d === 0x22) break;
      }
    } else if (c === 0x7d) {
      return i + 1;
    }
  }
  throw new RangeError('history body ends inside a sample (damaged row?)');
}

function toHistorySample(s: BodySample, rowId: number): HistorySample {
  const value = s.value;
  if (typeof s.point !== 'string' || typeof s.quality !== 'string' || typeof s.ts !== 'number') {
    throw new RangeError(`history row ${rowId} has a sample without point, quality or ts (written by a newer shaftgate?)`);
  }
  if (value !== null && typeof value !== 'number' && typeof value !== 'boolean' && typeof value !== 'string') {
    throw new RangeError(`history row ${rowId} has a sample value of type ${typeof value} (written by a newer shaftgate?)`);
  }
  const sample: HistorySample = { pointId: s.point, ts: s.ts, value, quality: s.quality as Quality };
  if (typeof s.exceptionCode === 'number') sample.exceptionCode = s.exceptionCode;
  return sample;
}

function specialValue(code: unknown, rowId: number): number {
  switch (code as SpecialCode) {
    case '-0':
      return -0;
    case 'NaN':
      return Number.NaN;
    case 'Infinity':
      return Number.POSITIVE_INFINITY;
    case '-Infinity':
      return Number.NEGATIVE_INFINITY;
    default:
      throw new RangeError(`history row ${rowId} has an unknown special value ${JSON.stringify(code)} (written by a newer shaftgate?)`);
  }
}
