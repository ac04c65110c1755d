/**
 * Turns one received text line into a value per configured point. Two small formats cover the
 * devices we meet: "key=value" pairs ("RAIN1H=2.5,RAIN24H=10.0,WIND=3.4,TEMP=-5.1") and a regular
 * expression with named groups for anything else. A field that is missing or not a number gives that
 * point a framing_error — never a guessed value.
 */
import type { LinePointConfig, SerialLineDeviceConfig } from '../../config/schema.js';

export type ParsedField = { ok: true; value: number | string } | { ok: false; reason: string };

export type LineFields = { ok: true; fields: Map<string, string> } | { ok: false; reason: string };

export type CheckedLine = { ok: true; body: string } | { ok: false; reason: string };

const NMEA_TAIL = /\*([0-9A-Fa-f]{2})$/;

/**
 * Verifies a line's checksum and returns the part to parse (without the "*HH" tail). With
 * "nmea-xor" the checksum is the XOR of every byte after a leading "$" (or from the start) up to
 * the "*"; a corrupted line is refused whole, because one flipped digit would still parse.
 */
export function checkLine(line: string, checksum: SerialLineDeviceConfig['checksum']): CheckedLine {
  if (checksum === 'none') return { ok: true, body: line };
  const tail = NMEA_TAIL.exec(line);
  if (!tail) return { ok: false, reason: `line has no "*HH" checksum: ${preview(line)}` };
  const body = line.slice(0, tail.index);
  const start = body.startsWith('$') ? 1 : 0;
  let sum = 0;
  for (let i = start; i < body.length; i++) sum ^= body.charCodeAt(i) & 0xff;
  const expected = Number.parseInt(tail[1]!, 16);
  if (sum !== expected) {
    return { ok: false, reason: `checksum ${tail[1]!.toUpperCase()} does not match the line (computed ${sum.toString(16).toUpperCase().padStart(2, '0')}): ${preview(line)}` };
  }
  return { ok: true, body };
}

export function splitLine(line: string, format: SerialLineDeviceConfig['parse'], regex: RegExp | null): LineFields {
  if (format.format === 'regex') {
    const match = regex?.exec(line);
    if (!match?.groups) return { ok: false, reason: `line does not match the configured pattern: ${preview(line)}` };
    const fields = new Map<string, string>();
    for (const [name, value] of Object.entries(match.groups)) if (value !== undefined) fields.set(name, value);
    return { ok: true, fields };
  }
  const fields = new Map<string, string>();
  for (const pair of line.split(format.pairSeparator)) {
    const at = pair.indexOf(format.keyValueSeparator);
    if (at <= 0) continue; // not a pair (a header word, an empty piece): ignored, not guessed at
    fields.set(pair.slice(0, at).trim(), pair.slice(at + format.keyValueSeparator.length).trim());
  }
  return { ok: true, fields };
}

/** Strict decimal: "12", "-3.5", "+0.25", "1e3"; not "", "12abc", "0x10", "Infinity". */
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

export function fieldValue(point: LinePointConfig, fields: Map<string, string>): ParsedField {
  const name = point.field ?? point.id;
  const text = fields.get(name);
  if (text === undefined) return { ok: false, reason: `field "${name}" is missing from the line` };
  if (point.type === 'string') return { ok: true, value: text };
  if (!DECIMAL.test(text)) return { ok: false, reason: `field "${name}" is "${preview(text)}", not a number` };
  const parsed = Number(text);
  return { ok: true, value: point.scale === 1 && point.offset === 0 ? parsed : parsed * point.scale + point.offset };
}

function preview(text: string): string {
  return text.length > 80 ? `${text.slice(0, 80)}…` : text;
}
