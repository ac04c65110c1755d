/**
 * How `shaftgate probe` reaches a device. One implementation per transport: TCP here; the RTU
 * transport (serial port, baud, parity) adds its own beside it and a case in the probe command.
 */
import type { ModbusResponse, ReadFunctionCode } from '../protocol/pdu.js';
import { ModbusTcpClient } from '../tcp/tcp-client.js';

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
  close(): void;
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
    close: () => client.close(),
  };
}
