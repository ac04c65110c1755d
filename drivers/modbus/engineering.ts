/**
 * Raw register value ⇄ engineering value, for scale/offset and for raw 4–20 mA inputs. Pure, shared
 * by reads (decode-point.ts) and writes (the exact inverse), and by every Modbus transport.
 */
import type { AnalogInputConfig, PointConfig } from '../../config/schema.js';

/** NAMUR NE 43 measuring band: a loop current outside it is a broken or shorted loop, never a value. */
export const LOOP_FAULT_BELOW_MA = 3.8;
export const LOOP_FAULT_ABOVE_MA = 20.5;

export type EngineeringResult = { ok: true; value: number } | { ok: false; reason: string };

type Scaling = Pick<PointConfig, 'scale' | 'offset' | 'analog'>;

/** raw → engineering: the analog map, or raw × scale + offset (raw untouched when that is the identity). */
export function toEngineering(raw: number, point: Scaling): EngineeringResult {
  if (point.analog) return analogToEngineering(raw, point.analog);
  return { ok: true, value: scaled(raw, point) };
}

/**
 * toEngineering without a result object, for the per-point poll path (block-samples.ts): NaN when
 * the loop current is outside its band (the caller gives the sample quality sensor_fault). A
 * finite raw value never maps to NaN otherwise (scale, offset and the analog span are finite and
 * the span is not zero), so NaN cannot be mistaken for a reading.
 */
export function toEngineeringValue(raw: number, point: Scaling): number {
  const analog = point.analog;
  if (!analog) return scaled(raw, point);
  return loopOutOfBand(raw, analog) ? Number.NaN : analogValue(raw, analog);
}

/** raw × scale + offset; raw untouched when that is the identity. */
function scaled(raw: number, point: Scaling): number {
  return point.scale === 1 && point.offset === 0 ? raw : raw * point.scale + point.offset;
}

/**
 * The loop check is done on the raw scale with multiplications only, so a reading exactly at
 * 3.8 mA or 20.5 mA is judged exactly (no rounding from a division first):
 *   mA = 4 + 16 × d / span, with d = raw − rawAt4mA and span = rawAt20mA − rawAt4mA;
 *   mA < 3.8  ⇔ 80 × d < −span (span > 0),   mA > 20.5 ⇔ 32 × d > 33 × span (span > 0).
 * A negative span (an inverted transmitter) flips both sides.
 */
export function analogToEngineering(raw: number, analog: AnalogInputConfig): EngineeringResult {
  if (loopOutOfBand(raw, analog)) {
    const mA = 4 + (16 * (raw - analog.rawAt4mA)) / (analog.rawAt20mA - analog.rawAt4mA);
    return {
      ok: false,
      reason: `loop current ${mA.toFixed(2)} mA (raw ${raw}) is outside ${LOOP_FAULT_BELOW_MA}–${LOOP_FAULT_ABOVE_MA} mA: broken wire, short or failed transmitter`,
    };
  }
  return { ok: true, value: analogValue(raw, analog) };
}

/** True when the loop current of `raw` is below 3.8 mA or above 20.5 mA (the band check above). */
function loopOutOfBand(raw: number, analog: AnalogInputConfig): boolean {
  const span = analog.rawAt20mA - analog.rawAt4mA;
  const d = (raw - analog.rawAt4mA) * Math.sign(span);
  const absSpan = Math.abs(span);
  return 80 * d < -absSpan || 32 * d > 33 * absSpan;
}

function analogValue(raw: number, analog: AnalogInputConfig): number {
  return analog.low + ((raw - analog.rawAt4mA) / (analog.rawAt20mA - analog.rawAt4mA)) * (analog.high - analog.low);
}

/** engineering → raw, the inverse of toEngineering (for writes). Not rounded: the caller checks it fits its type. */
export function toRaw(value: number, point: Scaling): number {
  if (point.analog) {
    const { rawAt4mA, rawAt20mA, low, high } = point.analog;
    return rawAt4mA + ((value - low) / (high - low)) * (rawAt20mA - rawAt4mA);
  }
  return point.scale === 1 && point.offset === 0 ? value : (value - point.offset) / point.scale;
}
