/**
 * Turns a validated block response into one sample value per planned point. Shared by every Modbus
 * transport: the transports differ in framing, never in what a register means.
 */
import type { Quality } from '../../agent/model/sample.js';
import type { PointConfig } from '../../config/schema.js';
import { toEngineering, toEngineeringValue } from './engineering.js';
import type { ModbusResponse } from './protocol/pdu.js';
import type { PlannedPoint } from './read-plan.js';
import { decodeBit, decodeRegisters, decodeString, type RegisterValueType } from './values.js';

export type DecodedPoint = { ok: true; value: number | boolean | string } | { ok: false; quality: Quality; reason: string };

export function decodePlannedPoint(planned: PlannedPoint, response: ModbusResponse): DecodedPoint {
  const { point, offset } = planned;
  if (response.kind === 'bits') {
    const bit = response.bits[offset];
    if (bit === undefined) return { ok: false, quality: 'config_error', reason: `bit ${offset} missing from the response` };
    return point.type === 'bool' ? { ok: true, value: bit } : numeric(bit ? 1 : 0, point);
  }
  if (response.kind === 'registers') return decodeFromRegisters(response.registers, offset, point);
  return { ok: false, quality: 'framing_error', reason: `unexpected ${response.kind} response to a read` };
}

/** A number read from 1, 2 or 4 registers (not bool, bit or string): numericValue() decodes it. */
export function isNumericRegisterPoint(point: PointConfig): point is PointConfig & { type: RegisterValueType } {
  switch (point.type) {
    case 'int16':
    case 'uint16':
    case 'int32':
    case 'uint32':
    case 'float32':
    case 'float64':
      return true;
    default:
      return false;
  }
}

/**
 * The engineering value of a numeric register point, without the result object decodePlannedPoint
 * builds: this runs for every point of every cycle (block-samples.ts). NaN when the point has no
 * valid reading — the raw value is NaN or infinite, or the 4–20 mA loop is out of its band — which
 * decodePlannedPoint reports as sensor_fault with the reason; the same rules, in the same order.
 */
export function numericValue(registers: Uint16Array, offset: number, point: PointConfig & { type: RegisterValueType }): number {
  const raw = decodeRegisters(registers, offset, point.type, point.byteOrder);
  return Number.isFinite(raw) ? toEngineeringValue(raw, point) : Number.NaN;
}

function decodeFromRegisters(registers: Uint16Array, offset: number, point: PointConfig): DecodedPoint {
  switch (point.type) {
    case 'bool':
      return { ok: false, quality: 'config_error', reason: 'type bool needs a coil or discrete input' };
    case 'bit':
      return { ok: true, value: decodeBit(registers, offset, point.bit ?? 0, point.byteOrder) };
    case 'string':
      return { ok: true, value: decodeString(registers, offset, point.length ?? 1, point.byteOrder) };
    default: {
      const raw = decodeRegisters(registers, offset, point.type, point.byteOrder);
      // A device that reports NaN or infinity is telling us its sensor has no valid reading.
      if (!Number.isFinite(raw)) return { ok: false, quality: 'sensor_fault', reason: `register value decodes to ${raw}` };
      return numeric(raw, point);
    }
  }
}

function numeric(raw: number, point: PointConfig): DecodedPoint {
  const engineering = toEngineering(raw, point);
  return engineering.ok ? engineering : { ok: false, quality: 'sensor_fault', reason: engineering.reason };
}
