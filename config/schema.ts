/**
 * The single source of truth for shaftgate's configuration.
 *
 * Types (`z.infer`), validation, the committed JSON Schema (config/shaftgate.schema.json) and the
 * config reference all come from this file. Every object is strict: an unknown key is an error,
 * because a typo in a safety config must never be silently ignored.
 */
import { z } from 'zod';
import { boardConfigSchema } from '../agent/board/board-config.js';
import { interlocksSchema, pointRefSchema } from './rules-schema.js';
import { SYSTEM_KINDS } from './system-kinds.js';

const identifier = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, 'letters, digits, "_", "." or "-", starting with a letter or digit, at most 64 characters');

/** MQTT topic levels must not contain wildcards or separators. */
const topicLevel = identifier.describe('one MQTT topic level: no "/", "+" or "#"');

/**
 * Cross-field checks run even when other fields already failed, so an electrician sees every
 * problem in one pass. Their code therefore checks the shapes it relies on.
 */
const ALWAYS = { when: () => true } as const;

const port = z.number().int().min(1).max(65535);
const durationMs = (min: number, max: number) => z.number().int().min(min).max(max);

export { SYSTEM_KINDS };
export const systemKind = z.enum(SYSTEM_KINDS).describe('which of the mine systems this device belongs to');

export const REGISTER_TABLES = ['coil', 'discrete_input', 'holding', 'input'] as const;
export const VALUE_TYPES = ['bool', 'bit', 'int16', 'uint16', 'int32', 'uint32', 'float32', 'float64', 'string'] as const;
/** Byte order inside a 16-bit word (AB/BA) and word order across words (ABCD vs CDAB), as the field calls it. */
export const BYTE_ORDERS = ['ABCD', 'CDAB', 'BADC', 'DCBA'] as const;
/** Numeric register types: the ones scale/offset and `analog` apply to. */
const NUMERIC_TYPES: readonly string[] = ['int16', 'uint16', 'int32', 'uint32', 'float32', 'float64'];
/** Registers a string point may span: what one read request can return. */
export const MAX_STRING_REGISTERS = 125;

export const analogInputSchema = z
  .strictObject({
    rawAt4mA: z.number().finite().describe('raw register value at 4 mA, e.g. 4000 (µA) or 0 (counts)'),
    rawAt20mA: z.number().finite().describe('raw register value at 20 mA, e.g. 20000 (µA) or 27648 (counts)'),
    low: z.number().finite().describe('engineering value at 4 mA (bottom of the measuring range)'),
    high: z.number().finite().describe('engineering value at 20 mA (top of the measuring range)'),
  })
  .superRefine((analog, ctx) => {
    if (analog.rawAt4mA === analog.rawAt20mA) {
      ctx.addIssue({ code: 'custom', path: ['rawAt20mA'], message: 'rawAt20mA must differ from rawAt4mA: the two ends of the 4–20 mA loop cannot read the same' });
    }
    if (analog.low === analog.high) {
      ctx.addIssue({ code: 'custom', path: ['high'], message: 'high must differ from low: the measuring range cannot be empty' });
    }
  })
  .describe(
    'raw 4–20 mA input: engineering = low + (raw − rawAt4mA) / (rawAt20mA − rawAt4mA) × (high − low); a loop below 3.8 mA or above 20.5 mA is a sensor fault (no value)',
  );

export const pointSchema = z
  .strictObject({
    id: identifier.describe('point id, unique within its device; used in topics, history and alarms'),
    name: z.string().min(1).max(128).optional().describe('human name shown on the board, e.g. "回风巷甲烷"'),
    table: z.enum(REGISTER_TABLES).describe('Modbus table: coil (FC1), discrete_input (FC2), holding (FC3), input (FC4)'),
    address: z.number().int().min(0).max(65535).describe('zero-based protocol address (register 40001 is holding address 0)'),
    type: z
      .enum(VALUE_TYPES)
      .default('uint16')
      .describe('how the raw registers decode: bool for coils and discrete inputs, bit for one bit of a holding/input register, string for text over `length` registers'),
    byteOrder: z
      .enum(BYTE_ORDERS)
      .default('ABCD')
      .describe('byte/word order of multi-register values: ABCD big-endian, CDAB word-swapped, BADC byte-swapped, DCBA little-endian; strings honour it too'),
    bit: z.number().int().min(0).max(15).optional().describe('type bit only: which bit of the register, 0 = least significant'),
    length: z
      .number()
      .int()
      .min(1)
      .max(MAX_STRING_REGISTERS)
      .optional()
      .describe('type string only: registers the text spans (2 characters each); trailing NULs and spaces are trimmed'),
    scale: z.number().finite().default(1).describe('engineering value = raw × scale + offset; not together with analog'),
    offset: z.number().finite().default(0).describe('engineering value = raw × scale + offset; not together with analog'),
    analog: analogInputSchema.optional(),
    unit: z.string().max(16).optional().describe('engineering unit, e.g. "%CH4", "ppm", "MPa"'),
    deadband: z
      .number()
      .finite()
      .min(0)
      .optional()
      .describe(
        'absolute, in engineering units: a change smaller than this is not reported as an event; every measured sample is still kept in history unchanged',
      ),
    output: z.boolean().default(false).describe('the gateway may write this point (coils and holding registers only); nothing else is ever written'),
    writeFunction: z
      .enum(['single', 'multiple'])
      .optional()
      .describe('outputs: single = FC5/FC6, multiple = FC15/FC16 (for devices without FC5/FC6); default single when the value is one coil or register'),
  })
  .superRefine((point, ctx) => checkPointFields(point, ctx), ALWAYS);

/** Cross-field rules of one point. Runs even when fields failed, so it checks the shapes it uses. */
function checkPointFields(point: Record<string, unknown>, ctx: z.RefinementCtx): void {
  const { table, type } = point;
  if (typeof table !== 'string' || typeof type !== 'string') return;
  const issue = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message });
  const bitTable = table === 'coil' || table === 'discrete_input';
  if (bitTable && type !== 'bool' && type !== 'uint16') issue('type', `a ${table} is one bit: its type must be "bool", not "${type}"`);
  if (!bitTable && type === 'bool') {
    issue('type', `type "bool" needs table "coil" or "discrete_input"; for one bit of a ${table} register use type "bit" with "bit: 0–15"`);
  }
  if (type === 'bit' && point.bit === undefined) issue('bit', 'type "bit" needs "bit": which bit of the register, 0 (least significant) to 15');
  if (type !== 'bit' && point.bit !== undefined) issue('bit', `"bit" only applies to type "bit", not "${type}"`);
  if (type === 'string' && point.length === undefined) issue('length', 'type "string" needs "length": how many registers the text spans (2 characters each)');
  if (type !== 'string' && point.length !== undefined) issue('length', `"length" only applies to type "string", not "${type}"`);
  // scale and offset default to 1 and 0, so "set" means "not the identity" (which is harmless with analog).
  const scaled = (typeof point.scale === 'number' && point.scale !== 1) || (typeof point.offset === 'number' && point.offset !== 0);
  if (point.analog !== undefined && scaled) {
    issue('analog', 'use either "analog" (4–20 mA range) or "scale"/"offset", not both: both would convert the same raw value');
  }
  if ((scaled || point.analog !== undefined) && !NUMERIC_TYPES.includes(type) && !(bitTable && type === 'uint16')) {
    issue(point.analog !== undefined ? 'analog' : 'scale', `type "${type}" has no numeric value to scale`);
  }
  if (point.deadband !== undefined && !NUMERIC_TYPES.includes(type) && !(bitTable && type === 'uint16')) {
    issue('deadband', `a deadband needs a numeric value; type "${type}" has none`);
  }
  if (point.output === true) {
    if (table !== 'coil' && table !== 'holding') {
      issue('output', `a ${table} is read-only in Modbus: only coils and holding registers can be outputs`);
    } else if (type === 'bit' || type === 'string') {
      issue('output', `type "${type}" cannot be an output: ${type === 'bit' ? 'writing one bit would rewrite the other 15 bits of its register' : 'text outputs are not supported'}`);
    }
  }
  if (point.writeFunction !== undefined && point.output !== true) issue('writeFunction', '"writeFunction" only applies to points with "output: true"');
  if (point.writeFunction === 'single' && table === 'holding' && (type === 'int32' || type === 'uint32' || type === 'float32' || type === 'float64')) {
    issue('writeFunction', `a ${type} spans several registers: it needs writeFunction "multiple" (FC16)`);
  }
}

/** Registers (or bits) a configured point occupies; also used by the read plan. */
export function pointSpan(point: { table: string; type: string; length?: number | undefined }): number {
  if (point.table === 'coil' || point.table === 'discrete_input') return 1;
  switch (point.type) {
    case 'int32':
    case 'uint32':
    case 'float32':
      return 2;
    case 'float64':
      return 4;
    case 'string':
      return point.length ?? 1;
    default:
      return 1;
  }
}

export const prohibitedRangeSchema = z
  .strictObject({
    table: z.enum(REGISTER_TABLES),
    start: z.number().int().min(0).max(65535).describe('first address never to read (zero-based)'),
    end: z.number().int().min(0).max(65535).describe('last address never to read, inclusive'),
  })
  .superRefine((range, ctx) => {
    if (typeof range.start === 'number' && typeof range.end === 'number' && range.end < range.start) {
      ctx.addIssue({ code: 'custom', path: ['end'], message: `end ${range.end} is before start ${range.start}` });
    }
  })
  .describe('addresses a read must never cover (e.g. registers whose read has side effects, or that crash the device)');

/**
 * Device-level read rules shared by every Modbus transport: no point may sit inside a prohibited
 * range (the read plan could not read it without reading the range).
 */
export function checkProhibitedRanges(device: { points?: unknown; prohibitedRanges?: unknown }, ctx: z.RefinementCtx): void {
  if (!Array.isArray(device.points) || !Array.isArray(device.prohibitedRanges)) return;
  const ranges = (device.prohibitedRanges as Array<Partial<ProhibitedRange> | undefined>).filter(
    (r): r is ProhibitedRange => typeof r?.table === 'string' && typeof r.start === 'number' && typeof r.end === 'number',
  );
  (device.points as Array<Partial<PointConfig> | undefined>).forEach((point, index) => {
    if (typeof point?.table !== 'string' || typeof point.address !== 'number' || typeof point.type !== 'string') return;
    const last = point.address + pointSpan({ table: point.table, type: point.type, length: point.length }) - 1;
    const hit = ranges.find((r) => r.table === point.table && point.address! <= r.end && last >= r.start);
    if (hit) {
      ctx.addIssue({
        code: 'custom',
        path: ['points', index, 'address'],
        message: `${point.table} ${point.address}–${last} lies in the prohibited range ${hit.table} ${hit.start}–${hit.end}: it cannot be read; move the point or the range`,
      });
    }
  });
}

/** Rules every Modbus device obeys whatever its transport (TCP and RTU share this one check). */
function checkModbusDevice(device: Record<string, unknown>, ctx: z.RefinementCtx): void {
  checkProhibitedRanges(device, ctx);
  const seen = new Map<string, number>();
  (Array.isArray(device.points) ? (device.points as Array<{ id?: unknown } | undefined>) : []).forEach((point, index) => {
    if (typeof point?.id !== 'string') return;
    const first = seen.get(point.id);
    if (first !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['points', index, 'id'], message: `point id "${point.id}" is already used by points[${first}] of this device` });
    } else {
      seen.set(point.id, index);
    }
  });
  checkDeviceTiming(device, ctx);
}

function checkDeviceTiming(device: Record<string, unknown>, ctx: z.RefinementCtx): void {
  const { timeoutMs, retries, pollIntervalMs } = device;
  if (typeof timeoutMs !== 'number' || typeof retries !== 'number' || typeof pollIntervalMs !== 'number') return;
  if (timeoutMs * (retries + 1) > pollIntervalMs * 10) {
    ctx.addIssue({
      code: 'custom',
      path: ['timeoutMs'],
      message: `timeoutMs × (retries + 1) = ${timeoutMs * (retries + 1)} ms is more than 10 poll intervals (${pollIntervalMs * 10} ms): a dead device would hold its cycle far too long`,
    });
  }
}

const uint32 = z.number().int().min(0).max(0xffff_ffff);
const readerOrZone = z.number().int().min(1).max(65535);

/**
 * How the personnel-positioning reader (drivers/positioning/) reads a substation's event FIFO and
 * card table (register map: simulators/README.md, personnel positioning). Only on a device of
 * system personnel_positioning; its `points` are then read as usual, from the header where they lie in it.
 */
export const positioningReaderSchema = z
  .strictObject({
    cardTableIntervalMs: durationMs(1000, 30_000)
      .default(30_000)
      .describe('how often the whole card table is read; at most 30 s (a headcount snapshot at least every 30 s)'),
    readers: z
      .array(z.strictObject({ id: readerOrZone.describe('reader id as the substation sends it'), zone: readerOrZone.describe("that reader's zone id") }))
      .max(65_535)
      .optional()
      .describe('the layout\'s readers and their zones; when given, a record naming another reader, or a zone that is not its reader\'s, is rejected'),
    cardNumbers: z
      .strictObject({ min: uint32.default(1), max: uint32.default(0xffff_fffe) })
      .default({ min: 1, max: 0xffff_fffe })
      .describe('plausible card numbers; a record outside is rejected (0 and 0xFFFFFFFF are never valid cards)'),
  })
  .superRefine((reader, ctx) => {
    if (reader.cardNumbers.min > reader.cardNumbers.max) ctx.addIssue({ code: 'custom', path: ['cardNumbers'], message: 'min is above max' });
    const seen = new Set<number>();
    (reader.readers ?? []).forEach((r, index) => {
      if (seen.has(r.id)) ctx.addIssue({ code: 'custom', path: ['readers', index, 'id'], message: `reader ${r.id} is listed twice` });
      seen.add(r.id);
    });
  })
  .describe('personnel-positioning substation: event FIFO and card table');

/** The positioning block reads a personnel-positioning substation's map; on any other device it is a mistake. */
function checkPositioningBlock(device: Record<string, unknown>, ctx: z.RefinementCtx): void {
  if (device.positioning === undefined || device.system === 'personnel_positioning') return;
  ctx.addIssue({
    code: 'custom',
    path: ['positioning'],
    message: `positioning is only allowed on a device with system personnel_positioning; this device's system is ${String(device.system)}`,
  });
}

export const modbusTcpDeviceSchema = z
  .strictObject({
    id: identifier.describe('device id, unique in the config'),
    name: z.string().min(1).max(128).optional().describe('human name, e.g. "KJ 监控分站 1"'),
    system: systemKind,
    transport: z.literal('modbus-tcp'),
    host: z.string().min(1).max(253).describe('IP address or host name of the device or gateway'),
    port: port.default(502),
    unitId: z.number().int().min(0).max(255).default(1).describe('Modbus unit id (slave address); 255 or 1 for most TCP devices'),
    pollIntervalMs: durationMs(50, 3_600_000).default(1000).describe('how often all points are read'),
    timeoutMs: durationMs(50, 60_000).default(1000).describe('how long to wait for one response'),
    retries: z.number().int().min(0).max(5).default(1).describe('extra attempts for a block that timed out, within the same cycle'),
    maxGap: z.number().int().min(0).max(100).default(10).describe('registers read in between to merge two points into one request'),
    maxRegistersPerRequest: z.number().int().min(1).max(125).default(125).describe('cap for one read request; lower it for devices that reject long reads'),
    maxBitsPerRequest: z.number().int().min(1).max(2000).default(2000).describe('cap for one coil/discrete-input read request'),
    prohibitedRanges: z.array(prohibitedRangeSchema).max(1000).default([]).describe('address ranges no read request may cover'),
    staleAfterMs: durationMs(100, 86_400_000).optional().describe('a value not refreshed within this time is stale (default 3 × pollIntervalMs)'),
    points: z.array(pointSchema).min(1).max(10_000),
    positioning: positioningReaderSchema.optional(),
  })
  .superRefine(checkModbusDevice, ALWAYS)
  .superRefine(checkPositioningBlock, ALWAYS);

/**
 * One serial port (RS-485/RS-232 adapter). Every device on it goes through one owner that sends one
 * request at a time; the port is named by id so several RTU slaves can share it.
 */
export const serialPortSchema = z
  .strictObject({
    id: identifier.describe('serial port id, referenced by devices as serialPort'),
    path: z.string().min(1).max(255).describe('device path, e.g. /dev/ttyUSB0; prefer a stable /dev/serial/by-id/… link, which survives re-plugging'),
    baudRate: z.number().int().min(300).max(921_600).default(9600).describe('bits per second, as set on the devices (9600 and 19200 are common)'),
    dataBits: z.union([z.literal(7), z.literal(8)]).default(8).describe('data bits per character; Modbus RTU uses 8'),
    parity: z.enum(['none', 'even', 'odd']).default('none').describe('as set on the devices; the Modbus standard default is even, many devices ship with none'),
    stopBits: z.union([z.literal(1), z.literal(2)]).default(1).describe('1, or 2 when parity is none on strictly standard devices'),
    interFrameGapMs: z
      .number()
      .finite()
      .min(0)
      .max(1000)
      .optional()
      .describe('silence before each request; default 3.5 character times at the baud rate (1.75 ms above 19200 baud); raise it for slow devices'),
    queueLimit: z.number().int().min(1).max(10_000).default(64).describe('requests waiting for the line, at most; more are refused and counted'),
  })
  .describe('a serial port and its line settings');

const {
  transport: _tcpTransport,
  host: _tcpHost,
  port: _tcpPort,
  unitId: _tcpUnitId,
  positioning: _tcpPositioning,
  ...modbusDeviceFields
} = modbusTcpDeviceSchema.shape;

export const modbusRtuDeviceSchema = z
  .strictObject({
    ...modbusDeviceFields,
    transport: z.literal('modbus-rtu'),
    serialPort: identifier.describe('id of the serial port (serialPorts[].id) the slave is wired to'),
    unitId: z.number().int().min(1).max(247).describe('slave address 1–247, as set on the device (DIP switches or its menu); unique on its port'),
    timeoutMs: durationMs(20, 60_000).default(300).describe('how long to wait for one answer; the line is blocked meanwhile, so keep it short'),
    postTimeoutQuietMs: durationMs(0, 60_000)
      .optional()
      .describe(
        'after this slave timed out it is not asked again for this long (default: timeoutMs), so a late answer is discarded instead of being taken for the next request; other slaves on the port are asked meanwhile',
      ),
  })
  .superRefine(checkModbusDevice, ALWAYS)
  .describe('a Modbus RTU slave on a shared serial port');

/** Where a field is found in one received line of a serial-line device. */
export const linePointSchema = z
  .strictObject({
    id: identifier.describe('point id, unique within its device'),
    name: z.string().min(1).max(128).optional().describe('human name shown on the board, e.g. "小时降雨量"'),
    field: z
      .string()
      .min(1)
      .max(64)
      .optional()
      .describe('the key (key-value format) or named group (regex format) that holds the value; default: the point id'),
    type: z.enum(['number', 'string']).default('number').describe('number: parsed as a decimal number (else the sample is a framing error); string: the text as received'),
    scale: z.number().finite().default(1).describe('numbers only: engineering value = parsed × scale + offset'),
    offset: z.number().finite().default(0).describe('numbers only: engineering value = parsed × scale + offset'),
    unit: z.string().max(16).optional().describe('engineering unit, e.g. "mm", "m/s", "°C"'),
  })
  .describe('one value read from the lines a serial device sends');

export const lineFormatSchema = z
  .discriminatedUnion('format', [
    z.strictObject({
      format: z.literal('key-value'),
      pairSeparator: z.string().min(1).max(8).default(',').describe('between pairs, e.g. "," in "RAIN1H=2.5,WIND=3.1"'),
      keyValueSeparator: z.string().min(1).max(8).default('=').describe('between key and value'),
    }),
    z.strictObject({
      format: z.literal('regex'),
      pattern: z.string().min(1).max(1000).describe('JavaScript regular expression with named groups, e.g. "^R(?<rain1h>[0-9.]+) W(?<wind>[0-9.]+)$"'),
    }),
  ])
  .describe('how a received line is split into fields');

export const serialLineDeviceSchema = z
  .strictObject({
    id: identifier.describe('device id, unique in the config'),
    name: z.string().min(1).max(128).optional().describe('human name, e.g. "井口气象站" or "井口 LED 人数屏"'),
    system: systemKind,
    transport: z.literal('serial-line'),
    serialPort: identifier.describe('id of the serial port (serialPorts[].id); a serial-line device has its port to itself'),
    mode: z
      .enum(['listen', 'request'])
      .default('listen')
      .describe('listen: the device sends lines by itself and each poll takes the newest; request: each poll sends `query` and reads one answer line'),
    query: z.string().min(1).max(256).optional().describe('request mode: the text sent each poll (the delimiter is appended)'),
    delimiter: z.string().min(1).max(8).default('\n').describe('end of a line, e.g. "\\n" or "\\r\\n"; a trailing "\\r" is always dropped'),
    maxLineLength: z.number().int().min(8).max(65_536).default(512).describe('bytes; a longer line is dropped and counted (a device stuck sending garbage)'),
    encoding: z.enum(['ascii', 'utf8', 'latin1']).default('ascii').describe('text encoding of lines, both ways'),
    checksum: z
      .enum(['none', 'nmea-xor'])
      .default('none')
      .describe('nmea-xor: the line ends in "*HH", the XOR of every byte after a leading "$" (or from the start) up to "*"; a line without a matching checksum is a framing error and is never parsed. Use it whenever the device sends one: line noise must not become a value'),
    parse: lineFormatSchema.default({ format: 'key-value', pairSeparator: ',', keyValueSeparator: '=' }),
    pollIntervalMs: durationMs(50, 3_600_000).default(1000).describe('how often the device is read'),
    timeoutMs: durationMs(20, 60_000).default(1000).describe('request mode: wait for the answer line; listen mode: wait for a fresh line'),
    retries: z.number().int().min(0).max(5).default(0).describe('request mode: extra attempts when no answer came'),
    staleAfterMs: durationMs(100, 86_400_000).optional().describe('a value not refreshed within this time is stale (default 3 × pollIntervalMs)'),
    points: z.array(linePointSchema).max(1000).default([]).describe('values read from each line; none for a display that is only written to'),
  })
  .superRefine((device, ctx) => {
    checkDeviceTiming(device, ctx);
    if (device.mode === 'request' && device.query === undefined) {
      ctx.addIssue({ code: 'custom', path: ['query'], message: 'mode "request" needs "query": the text that asks the device for a reading' });
    }
    const parse = device.parse as { format?: unknown; pattern?: unknown } | undefined;
    let groups: Set<string> | null = null;
    if (parse?.format === 'regex' && typeof parse.pattern === 'string') {
      try {
        groups = new Set([...parse.pattern.matchAll(/\(\?<([A-Za-z_$][\w$]*)>/g)].map((m) => m[1]!));
        new RegExp(parse.pattern);
      } catch (error) {
        ctx.addIssue({ code: 'custom', path: ['parse', 'pattern'], message: `not a valid regular expression: ${(error as Error).message}` });
        groups = null;
      }
    }
    const seen = new Map<string, number>();
    (Array.isArray(device.points) ? device.points : []).forEach((point, index) => {
      if (typeof point?.id !== 'string') return;
      const first = seen.get(point.id);
      if (first !== undefined) {
        ctx.addIssue({ code: 'custom', path: ['points', index, 'id'], message: `point id "${point.id}" is already used by points[${first}] of this device` });
      } else {
        seen.set(point.id, index);
      }
      const field = point.field ?? point.id;
      if (groups && !groups.has(field)) {
        ctx.addIssue({ code: 'custom', path: ['points', index, 'field'], message: `the regex has no named group "(?<${field}>…)" for this point` });
      }
    });
  }, ALWAYS)
  .describe('an ASCII device on a serial line (weather station, LED board): one text line per reading');

/** Cross-checks between devices and serial ports. Runs alongside other errors, so it checks shapes. */
function checkSerialPortUse(config: { serialPorts?: unknown; devices?: unknown }, ctx: z.RefinementCtx): void {
  const ports = Array.isArray(config.serialPorts) ? (config.serialPorts as Array<{ id?: unknown; path?: unknown } | undefined>) : [];
  const portIndex = new Map<string, number>();
  const pathIndex = new Map<string, number>();
  ports.forEach((port, index) => {
    if (typeof port?.id === 'string') {
      const first = portIndex.get(port.id);
      if (first !== undefined) ctx.addIssue({ code: 'custom', path: ['serialPorts', index, 'id'], message: `serial port id "${port.id}" is already used by serialPorts[${first}]` });
      else portIndex.set(port.id, index);
    }
    if (typeof port?.path === 'string') {
      const first = pathIndex.get(port.path);
      if (first !== undefined) {
        ctx.addIssue({ code: 'custom', path: ['serialPorts', index, 'path'], message: `${port.path} is already serialPorts[${first}]: one port, one owner — put all its slaves on that entry` });
      } else pathIndex.set(port.path, index);
    }
  });
  const devices = Array.isArray(config.devices) ? (config.devices as Array<Record<string, unknown> | undefined>) : [];
  const usersByPort = new Map<string, Array<{ index: number; transport: unknown; unitId: unknown }>>();
  devices.forEach((device, index) => {
    if (typeof device?.serialPort !== 'string') return;
    if (!portIndex.has(device.serialPort)) {
      const known = [...portIndex.keys()];
      ctx.addIssue({
        code: 'custom',
        path: ['devices', index, 'serialPort'],
        message: `no serial port "${device.serialPort}" in serialPorts (${known.length ? `known: ${known.join(', ')}` : 'none is configured'})`,
      });
      return;
    }
    const users = usersByPort.get(device.serialPort) ?? [];
    users.push({ index, transport: device.transport, unitId: device.unitId });
    usersByPort.set(device.serialPort, users);
  });
  for (const [portId, users] of usersByPort) {
    const line = users.find((user) => user.transport === 'serial-line');
    if (line && users.length > 1) {
      ctx.addIssue({
        code: 'custom',
        path: ['devices', line.index, 'serialPort'],
        message: `serial port "${portId}" is used by ${users.length} devices, but a serial-line device needs its port to itself`,
      });
    }
    const units = new Map<number, number>();
    for (const user of users) {
      if (typeof user.unitId !== 'number') continue;
      const first = units.get(user.unitId);
      if (first !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['devices', user.index, 'unitId'],
          message: `slave address ${user.unitId} is already used on serial port "${portId}" by devices[${first}]: two slaves cannot share an address on one line`,
        });
      } else units.set(user.unitId, user.index);
    }
  }
}

export const deviceSchema = z.discriminatedUnion('transport', [modbusTcpDeviceSchema, modbusRtuDeviceSchema, serialLineDeviceSchema]);

export const mqttSchema = z.strictObject({
  url: z
    .string()
    .regex(/^(mqtts?|tcp|tls|ssl):\/\/[^\s/]+(:\d+)?$/, 'a URL like mqtt://host:1883 or mqtts://host:8883')
    .describe('broker URL; mqtts:// for TLS'),
  protocolVersion: z.union([z.literal(5), z.literal(4)]).default(5).describe('5 for MQTT 5, 4 for MQTT 3.1.1'),
  clientId: z.string().min(1).max(128).optional().describe('defaults to shaftgate-<mineId>-<gatewayId>'),
  username: z.string().min(1).optional().describe('broker user; "${env:NAME}" reads it from the environment'),
  password: z.string().min(1).optional().describe('broker password; use "${env:NAME}" so the secret stays out of the file'),
  topicPrefix: z
    .string()
    .regex(/^[^#+\s]+[^/#+\s]$/, 'topic levels without "+", "#", spaces or a trailing "/"')
    .default('shaftgate/v1')
    .describe('every topic starts with <topicPrefix>/<mineId>/<gatewayId>/'),
  keepaliveSeconds: z.number().int().min(5).max(600).default(30),
  connectTimeoutMs: durationMs(500, 120_000).default(10_000),
  reconnectMinMs: durationMs(100, 60_000).default(500).describe('first reconnect delay; doubles per failure, with jitter'),
  reconnectMaxMs: durationMs(1000, 600_000).default(30_000).describe('cap of the reconnect delay'),
  inflightWindow: z.number().int().min(1).max(1000).default(64).describe('QoS 1 messages published and not yet acknowledged, at most'),
  lateAfterMs: durationMs(1000, 86_400_000).default(10_000).describe('a message published this long after it was recorded is flagged late'),
  backlogRatePerSecond: z
    .number()
    .int()
    .min(1)
    .max(100_000)
    .default(200)
    .describe('messages per second at most for the backlog after an outage (oldest first, flagged late); live data, alarms, events and command answers go first and are not paced'),
  tls: z
    .strictObject({
      caFile: z.string().min(1).optional().describe('PEM file of the CA that signed the broker certificate (default: the system CAs)'),
      certFile: z.string().min(1).optional().describe('PEM client certificate, for brokers that require one (with keyFile)'),
      keyFile: z.string().min(1).optional().describe('PEM private key of the client certificate (keep it readable by the shaftgate user only)'),
      serverName: z.string().min(1).optional().describe('host name to check the broker certificate against, if it differs from the URL host'),
    })
    .superRefine((tls, ctx) => {
      if ((tls.certFile === undefined) !== (tls.keyFile === undefined)) {
        ctx.addIssue({ code: 'custom', path: [tls.certFile === undefined ? 'certFile' : 'keyFile'], message: 'certFile and keyFile go together: a client certificate needs its key' });
      }
    }, ALWAYS)
    .optional()
    .describe('TLS settings for mqtts:// URLs; files are read at every connection attempt, so renewed certificates are picked up'),
});

export const storeSchema = z.strictObject({
  path: z.string().min(1).describe('SQLite database file; its folder must be writable (e.g. /var/lib/shaftgate/shaftgate.db)'),
  historyRetentionDays: z.number().int().min(1).max(3650).default(30).describe('raw samples older than this are deleted from history'),
  maxPendingCycles: z.number().int().min(10).max(1_000_000).default(10_000).describe('poll cycles waiting for the store, at most; beyond this the oldest are dropped and counted'),
  flushIntervalMs: z
    .number()
    .int()
    .min(0)
    .max(5000)
    .default(250)
    .describe(
      'poll cycles arriving within this many ms are written in one transaction (one disk sync); 0 writes every event-loop turn. The interlocks never wait for it; at most this much of the newest data is not yet on disk (a clean stop writes it)',
    ),
  statsRetentionDays: z.number().int().min(1).max(3650).default(365).describe('5-minute statistics (min, max, mean per point) older than this are deleted; kept longer than raw history'),
  diskBudgetBytes: z
    .number()
    .int()
    .min(1_048_576)
    .default(2_147_483_648)
    .describe(
      'most bytes the database may use (the WAL adds up to 64 MiB on top). When full: oldest telemetry goes first, then statistics; events, alarms and the audit log last. Every eviction is counted and reported upstream',
    ),
});

export const commandKeySchema = z
  .strictObject({
    id: identifier.describe('key id; a command names the key it was signed with in keyId'),
    publicKeyPem: z.string().min(1).optional().describe('the Ed25519 public key, PEM ("-----BEGIN PUBLIC KEY-----…")'),
    publicKeyFile: z.string().min(1).optional().describe('or: path of a PEM file holding it'),
  })
  .superRefine((key, ctx) => {
    if ((key.publicKeyPem === undefined) === (key.publicKeyFile === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['publicKeyPem'], message: 'give exactly one of publicKeyPem or publicKeyFile' });
    }
  }, ALWAYS)
  .describe('a platform key that may sign commands to this gateway');

export const platformSchema = z
  .strictObject({
    commandKeys: z.array(commandKeySchema).max(16).default([]).describe('Ed25519 keys the platform signs commands with; with none, every command is rejected (unknown_key)'),
    clockSkewMs: durationMs(0, 600_000).default(30_000).describe('tolerated difference between the platform clock and ours when checking issuedAt/expiresAt'),
    maxCommandValidityMs: durationMs(1000, 7 * 86_400_000).default(3_600_000).describe('a command valid longer than this (expiresAt − issuedAt) is rejected; bounds how long nonces are kept'),
  })
  .describe('commands from the central platform');

export const httpSchema = z.strictObject({
  host: z.string().min(1).default('127.0.0.1').describe('address the health endpoint (and later the board) listens on'),
  port: z.number().int().min(0).max(65535).default(8080).describe('0 picks a free port (tests)'),
});

/**
 * Where the interlocks drive the shaft head. Each output is optional (a mine without a siren on the
 * gateway leaves it out); each named point must be a configured `output: true` coil, each LED board
 * a serial-line device. Only these are ever written (safety principle 3).
 */
export const interlockOutputsSchema = z
  .strictObject({
    siren: pointRefSchema.optional().describe('siren/beacon coil (声光报警器): on while an unacknowledged alarm of a sounding severity is active'),
    alarmLamp: pointRefSchema.optional().describe('alarm lamp coil (报警灯): on while an alarm of a lit severity is active'),
    banLamp: pointRefSchema.optional().describe('"no entry" lamp coil (禁止入井指示灯): on while an entry ban is in force'),
    permit: pointRefSchema.optional().describe('entry-permit coil (允许入井) to the cage/gate/turnstile controller: 1 permitted, 0 not permitted'),
    broadcast: pointRefSchema.optional().describe('emergency-broadcast trigger coil (应急广播触发), measure 28'),
    ledBoard: z
      .strictObject({ device: identifier.describe('devices[].id of a serial-line LED board taking "TEXT <row> <text>" lines') })
      .optional()
      .describe('LED headcount board (井口LED人数屏): four rows, headcount/quota, duty leader, entry state, alarms'),
    reassertMs: durationMs(1000, 600_000)
      .default(10_000)
      .describe('every output is written again this often, so an output module that restarted (all off) converges'),
    retryMs: durationMs(100, 60_000).default(1000).describe('a failed output write is retried after this long (and raises an output fault meanwhile)'),
  })
  .describe('the shaft-head outputs the interlocks drive');

export const interlocksSectionSchema = interlocksSchema
  .extend({
    outputs: interlockOutputsSchema.default({ reassertMs: 10_000, retryMs: 1000 }),
    persistIntervalMs: durationMs(200, 600_000)
      .default(2000)
      .describe('headcount and alarm state are saved to the store at most this often when they changed (and at stop), and restored at start'),
  })
  .describe('headcount, interlocks, alarms and annunciation (the rules of the 2024 Heilongjiang measures); without this section the agent polls and forwards only');

/** The interlocks name devices and points: every one must exist, outputs must be outputs. */
function checkInterlockReferences(config: { devices?: unknown; interlocks?: unknown }, ctx: z.RefinementCtx): void {
  const interlocks = config.interlocks as Record<string, unknown> | undefined;
  if (interlocks === undefined || interlocks === null || typeof interlocks !== 'object') return;
  const devices = Array.isArray(config.devices) ? (config.devices as Array<Record<string, unknown> | undefined>) : [];
  const byId = new Map<string, Record<string, unknown>>();
  for (const device of devices) if (typeof device?.id === 'string') byId.set(device.id, device);
  const issue = (path: (string | number)[], message: string) => ctx.addIssue({ code: 'custom', path: ['interlocks', ...path], message });
  const pointOf = (ref: unknown, path: (string | number)[]): Record<string, unknown> | null => {
    const r = ref as { device?: unknown; point?: unknown } | undefined;
    if (typeof r?.device !== 'string' || typeof r.point !== 'string') return null;
    const device = byId.get(r.device);
    if (!device) {
      issue([...path, 'device'], `no device "${r.device}" in devices (known: ${[...byId.keys()].join(', ') || 'none'})`);
      return null;
    }
    const points = Array.isArray(device.points) ? (device.points as Array<{ id?: unknown } | undefined>) : [];
    const point = points.find((p) => p?.id === r.point) as Record<string, unknown> | undefined;
    if (!point) {
      issue([...path, 'point'], `device "${r.device}" has no point "${r.point}"`);
      return null;
    }
    return point;
  };
  const analog = Array.isArray(interlocks.analog) ? interlocks.analog : [];
  analog.forEach((ref, index) => pointOf(ref, ['analog', index]));
  const weather = interlocks.weather as { rain24h?: unknown } | undefined;
  if (weather?.rain24h !== undefined) pointOf(weather.rain24h, ['weather', 'rain24h']);
  const systems = interlocks.systems as { groundPressure?: unknown } | undefined;
  (Array.isArray(systems?.groundPressure) ? systems.groundPressure : []).forEach((ref, index) => pointOf(ref, ['systems', 'groundPressure', index]));
  const outputs = (interlocks.outputs ?? {}) as Record<string, unknown>;
  for (const name of ['siren', 'alarmLamp', 'banLamp', 'permit', 'broadcast']) {
    if (outputs[name] === undefined) continue;
    const point = pointOf(outputs[name], ['outputs', name]);
    if (!point) continue;
    if (point.output !== true) issue(['outputs', name, 'point'], `point "${String((outputs[name] as { point: string }).point)}" is not declared "output: true": the gateway never writes anything else`);
    else if (point.table !== 'coil') issue(['outputs', name, 'point'], `the ${name} output must be a coil (on/off), not a ${String(point.table)}`);
  }
  const led = outputs.ledBoard as { device?: unknown } | undefined;
  if (typeof led?.device === 'string') {
    const device = byId.get(led.device);
    if (!device) issue(['outputs', 'ledBoard', 'device'], `no device "${led.device}" in devices`);
    else if (device.transport !== 'serial-line') issue(['outputs', 'ledBoard', 'device'], `the LED board "${led.device}" must be a serial-line device, not ${String(device.transport)}`);
    else if (device.encoding !== 'utf8') issue(['outputs', 'ledBoard', 'device'], `the LED board "${led.device}" shows Chinese text (井下人数, 带班, 禁止入井): give the device "encoding: utf8", not ${typeof device.encoding === 'string' ? device.encoding : 'ascii'}`);
  }
  if (!devices.some((d) => d?.system === 'personnel_positioning' && d.positioning !== undefined)) {
    issue([], 'the interlocks need the headcount: add a personnel_positioning device with a "positioning" block (event FIFO and card table)');
  }
}

export const configSchema = z
  .strictObject({
    version: z.literal(1).describe('config format version'),
    gateway: z.strictObject({
      mineId: topicLevel.describe('the mine, as the central platform knows it'),
      gatewayId: topicLevel.describe('this gateway, unique within the mine'),
      name: z.string().min(1).max(128).optional().describe('e.g. "主井井口"'),
    }),
    logging: z
      .strictObject({
        level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace']).default('info'),
      })
      .default({ level: 'info' }),
    store: storeSchema,
    mqtt: mqttSchema,
    http: httpSchema.default({ host: '127.0.0.1', port: 8080 }),
    platform: platformSchema.default({ commandKeys: [], clockSkewMs: 30_000, maxCommandValidityMs: 3_600_000 }),
    serialPorts: z.array(serialPortSchema).max(64).default([]).describe('serial ports (RS-485/RS-232) that modbus-rtu and serial-line devices use'),
    devices: z.array(deviceSchema).min(1).max(256),
    interlocks: interlocksSectionSchema.optional(),
    board: boardConfigSchema.prefault({}).describe('the shaft-head board (井口看板) on the agent HTTP port: operators who may acknowledge alarms and switch the manual ban'),
  })
  .superRefine((config, ctx) => {
    const seen = new Map<string, number>();
    (Array.isArray(config.devices) ? config.devices : []).forEach((device, index) => {
      if (typeof device?.id !== 'string') return;
      const first = seen.get(device.id);
      if (first !== undefined) {
        ctx.addIssue({ code: 'custom', path: ['devices', index, 'id'], message: `device id "${device.id}" is already used by devices[${first}]` });
      } else {
        seen.set(device.id, index);
      }
    });
  }, ALWAYS)
  .superRefine(checkSerialPortUse, ALWAYS)
  .superRefine(checkInterlockReferences, ALWAYS)
  .describe('shaftgate gateway configuration');

export type Config = z.infer<typeof configSchema>;
export type DeviceConfig = z.infer<typeof deviceSchema>;
export type InterlocksSectionConfig = z.infer<typeof interlocksSectionSchema>;
export type InterlockOutputsConfig = z.infer<typeof interlockOutputsSchema>;
export type ModbusTcpDeviceConfig = z.infer<typeof modbusTcpDeviceSchema>;
export type PositioningReaderConfig = z.infer<typeof positioningReaderSchema>;
export type ModbusRtuDeviceConfig = z.infer<typeof modbusRtuDeviceSchema>;
export type SerialLineDeviceConfig = z.infer<typeof serialLineDeviceSchema>;
export type LinePointConfig = z.infer<typeof linePointSchema>;
export type SerialPortConfig = z.infer<typeof serialPortSchema>;
export type PointConfig = z.infer<typeof pointSchema>;
export type AnalogInputConfig = z.infer<typeof analogInputSchema>;
export type ProhibitedRange = z.infer<typeof prohibitedRangeSchema>;
export type MqttConfig = z.infer<typeof mqttSchema>;
export type StoreConfig = z.infer<typeof storeSchema>;
export type PlatformConfig = z.infer<typeof platformSchema>;
export type CommandKeyConfig = z.infer<typeof commandKeySchema>;
export type SystemKind = (typeof SYSTEM_KINDS)[number];
export type RegisterTable = (typeof REGISTER_TABLES)[number];
export type ValueType = (typeof VALUE_TYPES)[number];
export type ByteOrder = (typeof BYTE_ORDERS)[number];
