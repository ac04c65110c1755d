/**
 * Writes to outputs (sirens, lamps, permit signals, setpoints). Only points the config declares
 * `output: true` are ever written, and every write is read back and compared: a write is only
 * reported done when the device holds what was sent. Every Modbus transport offers this API.
 */
import type { Driver } from '../driver.js';

/** What went wrong, for code to act on; `message` says it for people. */
export type WriteErrorKind =
  | 'unknown_point' // no such point on this device
  | 'not_output' // the config does not declare the point an output
  | 'out_of_range' // the value does not fit the point's type, scaling or loop range
  | 'device_error' // timeout, connection, framing, or a Modbus exception (see exceptionCode)
  | 'read_back_mismatch'; // the write was acknowledged but the device holds something else

export type WriteValue = number | boolean;

export type WriteResult =
  | {
      ok: true;
      deviceId: string;
      pointId: string;
      value: WriteValue;
      /** The function code used (5, 6, 15 or 16). */
      fc: 5 | 6 | 15 | 16;
      /** Registers or coil states written, as read back. */
      raw: ReadonlyArray<number | boolean>;
    }
  | {
      ok: false;
      deviceId: string;
      pointId: string;
      error: WriteErrorKind;
      message: string;
      exceptionCode?: number;
    };

/** A driver that can write its output points. Never throws: every failure is a WriteResult. */
export interface WritableDriver extends Driver {
  write(pointId: string, value: WriteValue): Promise<WriteResult>;
}
