/**
 * What a failed RTU probe means at the RS-485 terminal block: the port, the line settings, the
 * slave address or the wiring — each message names what to check next.
 */
import { SerialPortUnavailableError } from '../../serial/serial-connection.js';
import { BusTimeoutError } from '../rtu/serial-bus.js';
import { RtuFrameError } from '../rtu/rtu-frame.js';
import type { ProbeContext } from './explain-probe-error.js';
import { lineFormat, SerialOpenError, type RtuProbeTarget } from './rtu-probe-target.js';

export type RtuProbeContext = ProbeContext & RtuProbeTarget;

export function explainRtuProbeError(error: unknown, ctx: RtuProbeContext): string {
  const line = `${ctx.baudRate} baud ${lineFormat(ctx)}`;
  if (error instanceof SerialOpenError) {
    switch (error.problem) {
      case 'missing':
        return `serial port ${ctx.path} does not exist. Check that the USB/RS-485 adapter is plugged in (dmesg shows it), and use its stable name: ls /dev/serial/by-id/`;
      case 'permission':
        return `no permission to open ${ctx.path}. Add this user to the dialout group (sudo usermod -aG dialout $USER, then log in again), or run as the shaftgate service user.`;
      case 'busy':
        return `${ctx.path} is in use by another program (${error.message}). Stop it first — usually the shaftgate service (systemctl stop shaftgate) or another Modbus tool — only one master may own the line.`;
      case 'other':
        return `cannot open ${ctx.path} (${error.message}). Check the adapter and its cable; unplug and replug it if it stopped responding.`;
    }
  }
  if (error instanceof BusTimeoutError) {
    return `no answer from slave ${ctx.unitId} within ${ctx.timeoutMs} ms at ${line}. Check: the slave address (--unit, as set on the device), that --baud and --parity match the device's settings, the A/B wires (try swapping them), termination on a long line, and that the device is powered.`;
  }
  if (error instanceof RtuFrameError) {
    if (error.reason === 'address') {
      return `an answer came from another slave address (${error.message}). Two devices may share address ${ctx.unitId}: give each slave on the line its own address.`;
    }
    return `the answer was corrupted (${error.message}). Check that --baud ${ctx.baudRate} and --parity ${ctx.parity} match the device, the A/B wires and shield, and the 120 Ω termination at both ends of the line.`;
  }
  if (error instanceof SerialPortUnavailableError) {
    return `${error.message}. Check the USB/RS-485 adapter and its cable.`;
  }
  return error instanceof Error ? error.message : String(error);
}
