/**
 * Turns (point, engineering value) into the Modbus write request, the read that checks it, and the
 * raw words or bits the device must then hold. Pure: every refusal happens here, before anything
 * goes on the wire.
 */
import type { PointConfig } from '../../config/schema.js';
import { analogToEngineering, toRaw } from '../modbus/engineering.js';
import type { ModbusRequest, ReadFunctionCode } from '../modbus/protocol/pdu.js';
import { encodeRegisters, type RegisterValueType } from '../modbus/values.js';
import type { WriteErrorKind, WriteValue } from './write-result.js';

export interface PlannedWrite {
  ok: true;
  request: Extract<ModbusRequest, { fc: 5 | 6 | 15 | 16 }>;
  readBack: { fc: ReadFunctionCode; address: number; quantity: number };
  expected: number[] | boolean[];
}

export type WritePlanResult = PlannedWrite | { ok: false; error: Extract<WriteErrorKind, 'not_output' | 'out_of_range'>; message: string };

const INTEGER_RANGES: Partial<Record<RegisterValueType, [number, number]>> = {
  int16: [-32768, 32767],
  uint16: [0, 65535],
  int32: [-2147483648, 2147483647],
  uint32: [0, 4294967295],
};
const FLOAT32_MAX = 3.4028234663852886e38;

const refuse = (message: string): WritePlanResult => ({ ok: false, error: 'out_of_range', message });

export function planWrite(point: PointConfig, value: WriteValue): WritePlanResult {
  const where = `point ${point.id} (${point.table} ${point.address})`;
  if (!point.output) return { ok: false, error: 'not_output', message: `${where} is not an output: the config must say "output: true" before the gateway writes it` };
  if (point.table === 'coil') return planCoilWrite(point, value, where);
  if (point.table !== 'holding') return { ok: false, error: 'not_output', message: `${where}: only coils and holding registers can be written` };
  if (typeof value !== 'number') return refuse(`${where} is a ${point.type}: write a number, not ${JSON.stringify(value)}`);
  if (point.type === 'bool' || point.type === 'bit' || point.type === 'string') return { ok: false, error: 'not_output', message: `${where}: type ${point.type} cannot be written` };
  const raw = rawFor(point, point.type, value, where);
  if (typeof raw === 'string') return refuse(raw);
  const words = encodeRegisters(raw, point.type, point.byteOrder);
  const multiple = point.writeFunction === 'multiple' || words.length > 1;
  return {
    ok: true,
    request: multiple ? { fc: 16, address: point.address, values: words } : { fc: 6, address: point.address, value: words[0]! },
    readBack: { fc: 3, address: point.address, quantity: words.length },
    expected: words,
  };
}

function planCoilWrite(point: PointConfig, value: WriteValue, where: string): WritePlanResult {
  let state: boolean;
  if (point.type === 'bool') {
    if (typeof value !== 'boolean') return refuse(`${where} is a coil: write true or false, not ${JSON.stringify(value)}`);
    state = value;
  } else {
    const raw = typeof value === 'number' ? toRaw(value, point) : Number.NaN;
    if (raw !== 0 && raw !== 1) return refuse(`${where} is a coil: ${JSON.stringify(value)} does not scale to 0 or 1`);
    state = raw === 1;
  }
  return {
    ok: true,
    request: point.writeFunction === 'multiple' ? { fc: 15, address: point.address, values: [state] } : { fc: 5, address: point.address, value: state },
    readBack: { fc: 1, address: point.address, quantity: 1 },
    expected: [state],
  };
}

/** The raw value to encode, or why the value cannot be written. */
function rawFor(point: PointConfig, type: RegisterValueType, value: number, where: string): number | string {
  if (!Number.isFinite(value)) return `${where}: ${value} is not a number that can be written`;
  if (point.analog) {
    const check = analogToEngineering(toRaw(value, point), point.analog);
    const unit = point.unit ? ` ${point.unit}` : '';
    if (!check.ok) return `${where}: ${value}${unit} is outside the 4–20 mA range ${point.analog.low}–${point.analog.high}${unit}`;
  }
  let raw = toRaw(value, point);
  const range = INTEGER_RANGES[type];
  if (range) {
    const whole = Math.round(raw);
    // Scaling in binary floating point leaves dust (0.29 / 0.01 = 28.999999999999996); more than dust is a real fraction.
    if (Math.abs(raw - whole) > 1e-6 * Math.max(1, Math.abs(raw))) {
      return `${where}: ${value} is not a whole number of raw steps (raw ${raw}); with scale ${point.scale} write a multiple of ${point.scale}`;
    }
    raw = whole;
    if (raw < range[0] || raw > range[1]) return `${where}: ${value} gives raw ${raw}, outside ${type} ${range[0]}–${range[1]}`;
    return raw;
  }
  if (type === 'float32' && Math.abs(raw) > FLOAT32_MAX) return `${where}: ${value} is too large for a float32`;
  return raw;
}
