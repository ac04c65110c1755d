/**
 * Write, then read back and compare — transport-free, so TCP and RTU drivers share it. The driver
 * supplies `send` (one request, one validated response; throws on timeout, framing or connection
 * errors). A write is confirmed only when the read-back holds exactly the raw words or bits sent.
 */
import type { PointConfig } from '../../config/schema.js';
import { exceptionName, type ModbusRequest, type ModbusResponse } from '../modbus/protocol/pdu.js';
import { planWrite } from './plan-write.js';
import type { WriteResult, WriteValue } from './write-result.js';

export interface WriteTarget {
  deviceId: string;
  /** The device's points by id. */
  points: ReadonlyMap<string, PointConfig>;
  send: (request: ModbusRequest) => Promise<ModbusResponse>;
}

export async function executeWrite(target: WriteTarget, pointId: string, value: WriteValue): Promise<WriteResult> {
  const { deviceId } = target;
  const fail = (error: Extract<WriteResult, { ok: false }>['error'], message: string, exceptionCode?: number): WriteResult =>
    exceptionCode === undefined ? { ok: false, deviceId, pointId, error, message } : { ok: false, deviceId, pointId, error, message, exceptionCode };
  const point = target.points.get(pointId);
  if (!point) return fail('unknown_point', `device ${deviceId} has no point "${pointId}"`);
  const planned = planWrite(point, value);
  if (!planned.ok) return fail(planned.error, `device ${deviceId}: ${planned.message}`);
  const where = `device ${deviceId} point ${pointId} (${point.table} ${point.address})`;

  let written: ModbusResponse;
  try {
    written = await target.send(planned.request);
  } catch (error) {
    return fail('device_error', `${where}: write (function ${planned.request.fc}) failed: ${(error as Error).message}`);
  }
  if (written.kind === 'exception') {
    const code = written.exceptionCode;
    return fail('device_error', `${where}: the device refused the write with exception ${code} (${exceptionName(code)})`, code);
  }

  let readBack: ModbusResponse;
  try {
    readBack = await target.send(planned.readBack);
  } catch (error) {
    return fail('device_error', `${where}: written, but the read-back failed: ${(error as Error).message}; the output state is unconfirmed`);
  }
  if (readBack.kind === 'exception') {
    const code = readBack.exceptionCode;
    return fail('device_error', `${where}: written, but the read-back got exception ${code} (${exceptionName(code)}); the output state is unconfirmed`, code);
  }
  const held: ReadonlyArray<number | boolean> = readBack.kind === 'bits' ? readBack.bits : readBack.kind === 'registers' ? Array.from(readBack.registers) : [];
  const matches = held.length === planned.expected.length && planned.expected.every((expected, i) => held[i] === expected);
  if (!matches) {
    return fail('read_back_mismatch', `${where}: wrote ${formatRaw(planned.expected)} but the device holds ${formatRaw(held)}: the write did not take effect as sent`);
  }
  return { ok: true, deviceId, pointId, value, fc: planned.request.fc, raw: held };
}

function formatRaw(values: ReadonlyArray<number | boolean>): string {
  return `[${values.map((v) => (typeof v === 'boolean' ? String(v) : `0x${v.toString(16).padStart(4, '0')}`)).join(' ')}]`;
}
