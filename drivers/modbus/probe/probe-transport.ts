/**
 * How `shaftgate probe` reaches a device. One implementation per transport: TCP here, RTU in
 * rtu-probe-transport.ts. Each explains its own failures, because what to check differs (IP and
 * port vs. serial adapter, baud rate, parity and A/B wiring).
 */
import type { ModbusResponse, ReadFunctionCode } from '../protocol/pdu.js';
import { ModbusTcpClient } from '../tcp/tcp-client.js';
import { explainProbeError, type ProbeContext } from './explain-probe-error.js';

export interface ProbeRead {
  fc: ReadFunctionCode;
  address: number;
  quantity: number;
}

export interface ProbeTransport {
  /** e.g. "modbus-tcp://10.0.0.5:502 unit 1", for the report header and error messages. */
  readonly description: string;
  connect(): Promise<void>;
  /** One read; throws the client's typed errors (timeout, connection, framing). */
  read(request: ProbeRead): Promise<ModbusResponse>;
  /** What a failure of connect() or read() means, and what to check. */
  explain(error: unknown, ctx: ProbeContext): string;
  close(): Promise<void>;
}

export interface TcpProbeTarget {
  host: string;
  port: number;
  unitId: number;
  timeoutMs: number;
}

export function tcpProbeTransport(target: TcpProbeTarget): ProbeTransport {
  const client = new ModbusTcpClient({ host: target.host, port: target.port, connectTimeoutMs: target.timeoutMs, maxInflight: 1 });
  return {
    description: `modbus-tcp://${target.host}:${target.port} unit ${target.unitId}`,
    connect: () => client.connect(),
    read: (request) => client.request(target.unitId, request, target.timeoutMs),
    explain: explainProbeError,
    close: () => {
      client.close();
      return Promise.resolve();
    },
  };
}
