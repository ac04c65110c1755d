/**
 * `shaftgate probe`: read a range from a device once (or every second) and show the raw registers
 * and what they decode to in all four byte orders. Modbus TCP (--host) or RTU on a serial port
 * (--serial). For electricians at the device, so every error says what failed and what to check.
 */
import { parseArgs } from 'node:util';
import { BYTE_ORDERS, REGISTER_TABLES, type ByteOrder, type RegisterTable } from '../../../config/schema.js';
import { explainException, type ProbeContext } from '../../../drivers/modbus/probe/explain-probe-error.js';
import { formatBits, formatDecoded, formatRegisters, minimumCount, PROBE_TYPES, type ProbeType } from '../../../drivers/modbus/probe/probe-report.js';
import { tcpProbeTransport, type ProbeTransport } from '../../../drivers/modbus/probe/probe-transport.js';
import { rtuProbeTransport } from '../../../drivers/modbus/probe/rtu-probe-transport.js';
import { MAX_UNIT_ID, MIN_UNIT_ID } from '../../../drivers/modbus/rtu/rtu-frame.js';
import { FunctionCode, LIMITS, type ReadFunctionCode } from '../../../drivers/modbus/protocol/pdu.js';
import { ExitCode, type CommandIo } from '../exit-codes.js';

export const PROBE_USAGE = `Usage: shaftgate probe --host HOST [--port 502] --unit N --table TABLE --address A --count C
                       [--type TYPE] [--order ORDER] [--timeout MS] [--watch]
       shaftgate probe --serial PATH [--baud 9600] [--parity none] [--data-bits 8] [--stop-bits 1]
                       --unit N --table TABLE --address A --count C [--type TYPE] ...

Reads a range from a Modbus TCP device, or a Modbus RTU slave on a serial port, once and prints
the raw registers (decimal, hex, bits) and, with --type, the values they decode to
in all four byte orders side by side.

Modbus TCP:
      --host HOST      IP address or host name of the device or gateway
      --port PORT      TCP port (default 502)
Modbus RTU (stop the shaftgate service first: only one program may own the port):
      --serial PATH    serial port, e.g. /dev/ttyUSB0 or /dev/serial/by-id/...
      --baud N         baud rate as set on the device (default 9600; 19200 is common)
      --parity P       none, even or odd, as set on the device (default none)
      --data-bits N    7 or 8 (default 8)
      --stop-bits N    1 or 2 (default 1)

Options:
      --unit N         Modbus unit id / slave address: 0–255 over TCP, 1–247 on RTU (default 1)
      --table TABLE    holding (FC3), input (FC4), coil (FC1) or discrete_input (FC2)
      --address A      first zero-based protocol address (register 40001 is holding 0,
                       30001 is input 0); decimal or 0x hex
      --count C        registers (1–125) or bits (1–2000) to read (default 1)
      --type TYPE      decode registers as ${PROBE_TYPES.join(', ')}
      --order ORDER    the byte order you expect (${BYTE_ORDERS.join(', ')}); marked with * in the table
      --timeout MS     wait this long for the connection and the answer (default 1000)
      --watch          read again every second until Ctrl-C
  -h, --help           this text

Examples:
  shaftgate probe --host 10.0.0.5 --unit 1 --table input --address 0 --count 4 --type float32
  shaftgate probe --host 10.0.0.5 --unit 1 --table holding --address 10 --count 2 --watch
  shaftgate probe --serial /dev/ttyUSB0 --baud 19200 --parity even --unit 3 --table holding --address 0 --count 2 --type float32

Exit codes: 0 read (or --watch stopped with Ctrl-C), 2 usage, 4 the device could not be read.
`;

const TABLE_FUNCTION: Record<RegisterTable, ReadFunctionCode> = {
  coil: FunctionCode.readCoils,
  discrete_input: FunctionCode.readDiscreteInputs,
  holding: FunctionCode.readHoldingRegisters,
  input: FunctionCode.readInputRegisters,
};

interface ProbeRequest {
  table: RegisterTable;
  address: number;
  count: number;
  type: ProbeType | undefined;
  order: ByteOrder | undefined;
  timeoutMs: number;
  unitId: number;
  watch: boolean;
}

class UsageError extends Error {}

const OPTIONS = {
  host: { type: 'string' },
  port: { type: 'string' },
  unit: { type: 'string' },
  table: { type: 'string' },
  address: { type: 'string' },
  count: { type: 'string' },
  type: { type: 'string' },
  order: { type: 'string' },
  timeout: { type: 'string' },
  watch: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  serial: { type: 'string' },
  baud: { type: 'string' },
  parity: { type: 'string' },
  'data-bits': { type: 'string' },
  'stop-bits': { type: 'string' },
} as const;

const TCP_ONLY = ['port'] as const;
const RTU_ONLY = ['baud', 'parity', 'data-bits', 'stop-bits'] as const;
const PARITIES = ['none', 'even', 'odd'] as const;

type ProbeValues = { [K in keyof typeof OPTIONS]?: (typeof OPTIONS)[K]['type'] extends 'boolean' ? boolean : string };

export async function probeCommand(args: string[], io: CommandIo): Promise<number> {
  let parsed: { request: ProbeRequest; transport: ProbeTransport } | 'help';
  try {
    parsed = parseProbeArgs(args);
  } catch (error) {
    io.stderr(`shaftgate probe: ${(error as Error).message}\n\n${PROBE_USAGE}`);
    return ExitCode.usage;
  }
  if (parsed === 'help') {
    io.stdout(PROBE_USAGE);
    return ExitCode.ok;
  }
  const { request, transport } = parsed;
  try {
    if (!request.watch) return (await readOnce(transport, request, io)) ? ExitCode.ok : ExitCode.startupFailed;
    await watch(transport, request, io);
    return ExitCode.ok;
  } finally {
    await transport.close();
  }
}

function parseProbeArgs(args: string[]): { request: ProbeRequest; transport: ProbeTransport } | 'help' {
  let values: ProbeValues;
  try {
    ({ values } = parseArgs({ args, options: OPTIONS, strict: true, allowPositionals: false }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (values.help) return 'help';
  if (values.host && values.serial) throw new UsageError('give --host (Modbus TCP) or --serial (Modbus RTU), not both');
  if (!values.host && !values.serial) throw new UsageError('--host HOST (Modbus TCP) or --serial PATH (Modbus RTU) is required');
  const misplaced = values.serial ? TCP_ONLY.find((flag) => values[flag] !== undefined) : RTU_ONLY.find((flag) => values[flag] !== undefined);
  if (misplaced) throw new UsageError(`--${misplaced} applies to ${values.serial ? 'Modbus TCP (--host)' : 'Modbus RTU (--serial)'} only`);
  const table = oneOf('--table', values.table, REGISTER_TABLES);
  if (!table) throw new UsageError(`--table is required: one of ${REGISTER_TABLES.join(', ')}`);
  const bitTable = table === 'coil' || table === 'discrete_input';
  const type = oneOf('--type', values.type, PROBE_TYPES);
  if (type && bitTable) throw new UsageError(`--type applies to registers; a ${table} is read as bits`);
  const address = integer('--address', values.address, 0, 65535);
  if (address === undefined) throw new UsageError('--address A is required (zero-based: register 40001 is holding address 0)');
  const count = integer('--count', values.count, 1, bitTable ? LIMITS.maxReadBits : LIMITS.maxReadRegisters) ?? 1;
  if (address + count > 65536) throw new UsageError(`--address ${address} + --count ${count} runs past address 65535`);
  if (type && count < minimumCount(type)) throw new UsageError(`a ${type} needs --count ${minimumCount(type)} or more registers`);
  const request: ProbeRequest = {
    table,
    address,
    count,
    type,
    order: oneOf('--order', values.order, BYTE_ORDERS),
    timeoutMs: integer('--timeout', values.timeout, 50, 60_000) ?? 1000,
    unitId: values.serial ? (integer('--unit', values.unit, MIN_UNIT_ID, MAX_UNIT_ID) ?? 1) : (integer('--unit', values.unit, 0, 255) ?? 1),
    watch: values.watch === true,
  };
  return { request, transport: values.serial ? rtuTransport(values.serial, values, request) : tcpTransport(values.host ?? '', values, request) };
}

function tcpTransport(host: string, values: ProbeValues, request: ProbeRequest): ProbeTransport {
  const port = integer('--port', values.port, 1, 65535) ?? 502;
  return tcpProbeTransport({ host, port, unitId: request.unitId, timeoutMs: request.timeoutMs });
}

function rtuTransport(path: string, values: ProbeValues, request: ProbeRequest): ProbeTransport {
  return rtuProbeTransport({
    path,
    baudRate: integer('--baud', values.baud, 300, 921_600) ?? 9600,
    parity: oneOf('--parity', values.parity, PARITIES) ?? 'none',
    dataBits: integer('--data-bits', values['data-bits'], 7, 8) === 7 ? 7 : 8,
    stopBits: integer('--stop-bits', values['stop-bits'], 1, 2) === 2 ? 2 : 1,
    unitId: request.unitId,
    timeoutMs: request.timeoutMs,
  });
}

function oneOf<T extends string>(flag: string, value: string | undefined, allowed: readonly T[]): T | undefined {
  if (value === undefined) return undefined;
  const found = allowed.find((a) => a.toLowerCase() === value.toLowerCase());
  if (!found) throw new UsageError(`${flag} must be one of ${allowed.join(', ')}, not "${value}"`);
  return found;
}

function integer(flag: string, value: string | undefined, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  const n = /^0x[0-9a-f]+$/i.test(value) ? Number.parseInt(value, 16) : /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`${flag} must be a whole number from ${min} to ${max}, not "${value}"`);
  return n;
}

/** Reads and prints once; false (with the reason on stderr) when the device could not be read. */
async function readOnce(transport: ProbeTransport, request: ProbeRequest, io: CommandIo): Promise<boolean> {
  const ctx: ProbeContext = { description: transport.description, table: request.table, address: request.address, count: request.count, unitId: request.unitId, timeoutMs: request.timeoutMs };
  const started = performance.now();
  try {
    await transport.connect();
    const response = await transport.read({ fc: TABLE_FUNCTION[request.table], address: request.address, quantity: request.count });
    const ms = (performance.now() - started).toFixed(1);
    const head = `${transport.description}  ${request.table} ${request.address}+${request.count}  (${ms} ms)`;
    if (response.kind === 'exception') {
      io.stderr(`shaftgate probe: ${transport.description}: ${explainException(response.exceptionCode, ctx)}\n`);
      return false;
    }
    if (response.kind === 'bits') {
      io.stdout(`${head}\n${formatBits(request.address, response.bits)}\n`);
      return true;
    }
    if (response.kind !== 'registers') throw new Error(`unexpected ${response.kind} answer to a read`);
    const decoded = request.type ? `\n\n${formatDecoded(request.address, response.registers, request.type, request.order)}` : '\n\n(add --type float32, int32, string, ... to decode)';
    io.stdout(`${head}\n${formatRegisters(request.address, response.registers)}${decoded}\n`);
    return true;
  } catch (error) {
    io.stderr(`shaftgate probe: ${transport.description}: ${transport.explain(error, ctx)}\n`);
    return false;
  }
}

/** Reads every second until SIGINT/SIGTERM; a failed read is reported and the next one tried. */
async function watch(transport: ProbeTransport, request: ProbeRequest, io: CommandIo): Promise<void> {
  let stopped = false;
  let wake: () => void = () => undefined;
  const stop = () => {
    stopped = true;
    wake();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    while (!stopped) {
      io.stdout(`--- ${new Date().toISOString()}\n`);
      await readOnce(transport, request, io);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 1000);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}
