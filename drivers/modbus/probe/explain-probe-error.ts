/**
 * What a failed Modbus TCP probe means, in words an electrician can act on at the device: what
 * failed and what to check next. (RTU: explain-rtu-probe-error.ts.)
 */
import { exceptionName, ModbusFramingError } from '../protocol/pdu.js';
import { ModbusConnectionError, ModbusTimeoutError } from '../tcp/tcp-client.js';

export interface ProbeContext {
  description: string;
  table: string;
  address: number;
  count: number;
  unitId: number;
  timeoutMs: number;
}

export function explainProbeError(error: unknown, ctx: ProbeContext): string {
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof ModbusTimeoutError) {
    return `connected, but unit ${ctx.unitId} did not answer within ${ctx.timeoutMs} ms. Check the unit id (--unit), that the device is powered, and the RS-485 cabling if it sits behind a gateway.`;
  }
  if (error instanceof ModbusConnectionError) {
    if (/ECONNREFUSED/.test(message)) {
      return `connection refused (${message}). Nothing accepts Modbus TCP there: check the IP address, the port (--port, usually 502) and any firewall in between.`;
    }
    if (/no answer within/.test(message)) {
      return `no TCP connection within ${ctx.timeoutMs} ms (${message}). Check the IP address, the network cable and switch, and that the device is powered.`;
    }
    if (/EHOSTUNREACH|ENETUNREACH|ENOTFOUND|EAI_AGAIN/.test(message)) {
      return `cannot reach the host (${message}). Check the IP address or host name and that this gateway is on the device's network.`;
    }
    return `the connection failed (${message}). Check the network and that the device is powered.`;
  }
  if (error instanceof ModbusFramingError) {
    return `the answer did not match the request (${message}). Is this port really a Modbus TCP device, and is only one master talking to it?`;
  }
  return message;
}

export function explainException(code: number, ctx: ProbeContext): string {
  const last = ctx.address + ctx.count - 1;
  const head = `the device answered exception ${code} (${exceptionName(code)})`;
  switch (code) {
    case 1:
      return `${head}: it does not support reading ${ctx.table}. Try another --table (input vs holding is a common mix-up).`;
    case 2:
      return `${head}: ${ctx.table} ${ctx.address}–${last} is not (all) in the device's map. Check the address (zero-based: register 40001 is holding 0, 30001 is input 0), the table and --count.`;
    case 3:
      return `${head}: the device refuses this request, often because --count ${ctx.count} is more than it reads at once. Try a smaller --count.`;
    case 10:
    case 11:
      return `${head}: the gateway is reachable but the device behind it (unit ${ctx.unitId}) did not answer. Check the unit id and the serial cabling behind the gateway.`;
    default:
      return `${head}.`;
  }
}
