/**
 * The single source of truth for shaftgate's configuration.
 *
 * Types (`z.infer`), validation, the committed JSON Schema (config/shaftgate.schema.json) and the
 * config reference all come from this file. Every object is strict: an unknown key is an error,
 * because a typo in a safety config must never be silently ignored.
 */
import { z } from 'zod';

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

export const SYSTEM_KINDS = [
  'personnel_positioning', // 人员定位
  'safety_monitoring', // 安全监测监控
  'communication', // 通信联络
  'compressed_air', // 压风自救
  'water_supply', // 供水施救
  'weather', // 气象
  'outputs', // 井口输出 (sirens, lamps, permit, LED board)
] as const;
export const systemKind = z.enum(SYSTEM_KINDS).describe('which of the mine systems this device belongs to');

export const REGISTER_TABLES = ['coil', 'discrete_input', 'holding', 'input'] as const;
export const VALUE_TYPES = ['bool', 'int16', 'uint16', 'int32', 'uint32', 'float32', 'float64'] as const;
/** Byte order inside a 16-bit word (AB/BA) and word order across words (ABCD vs CDAB), as the field calls it. */
export const BYTE_ORDERS = ['ABCD', 'CDAB', 'BADC', 'DCBA'] as const;

export const pointSchema = z
  .strictObject({
    id: identifier.describe('point id, unique within its device; used in topics, history and alarms'),
    name: z.string().min(1).max(128).optional().describe('human name shown on the board, e.g. "回风巷甲烷"'),
    table: z.enum(REGISTER_TABLES).describe('Modbus table: coil (FC1), discrete_input (FC2), holding (FC3), input (FC4)'),
    address: z.number().int().min(0).max(65535).describe('zero-based protocol address (register 40001 is holding address 0)'),
    type: z.enum(VALUE_TYPES).default('uint16').describe('how the raw registers decode; coils and discrete inputs are always bool'),
    byteOrder: z.enum(BYTE_ORDERS).default('ABCD').describe('byte/word order of multi-register values: ABCD big-endian, CDAB word-swapped, BADC byte-swapped, DCBA little-endian'),
    scale: z.number().finite().default(1).describe('engineering value = raw × scale + offset'),
    offset: z.number().finite().default(0).describe('engineering value = raw × scale + offset'),
    unit: z.string().max(16).optional().describe('engineering unit, e.g. "%CH4", "ppm", "MPa"'),
  })
  .superRefine((point, ctx) => {
    if (typeof point.table !== 'string' || typeof point.type !== 'string') return;
    const bitTable = point.table === 'coil' || point.table === 'discrete_input';
    if (bitTable && point.type !== 'bool' && point.type !== 'uint16') {
      ctx.addIssue({ code: 'custom', path: ['type'], message: `a ${point.table} is one bit: its type must be "bool", not "${point.type}"` });
    }
    if (!bitTable && point.type === 'bool') {
      ctx.addIssue({ code: 'custom', path: ['type'], message: `type "bool" needs table "coil" or "discrete_input"; a ${point.table} register is a number` });
    }
  }, ALWAYS);

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
    staleAfterMs: durationMs(100, 86_400_000).optional().describe('a value not refreshed within this time is stale (default 3 × pollIntervalMs)'),
    points: z.array(pointSchema).min(1).max(10_000),
  })
  .superRefine((device, ctx) => {
    const seen = new Map<string, number>();
    (Array.isArray(device.points) ? device.points : []).forEach((point, index) => {
      if (typeof point?.id !== 'string') return;
      const first = seen.get(point.id);
      if (first !== undefined) {
        ctx.addIssue({ code: 'custom', path: ['points', index, 'id'], message: `point id "${point.id}" is already used by points[${first}] of this device` });
      } else {
        seen.set(point.id, index);
      }
    });
    const timing = [device.timeoutMs, device.retries, device.pollIntervalMs];
    if (timing.every((n) => typeof n === 'number') && device.timeoutMs * (device.retries + 1) > device.pollIntervalMs * 10) {
      ctx.addIssue({
        code: 'custom',
        path: ['timeoutMs'],
        message: `timeoutMs × (retries + 1) = ${device.timeoutMs * (device.retries + 1)} ms is more than 10 poll intervals (${device.pollIntervalMs * 10} ms): a dead device would hold its cycle far too long`,
      });
    }
  }, ALWAYS);

export const deviceSchema = z.discriminatedUnion('transport', [modbusTcpDeviceSchema]);

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
});

export const storeSchema = z.strictObject({
  path: z.string().min(1).describe('SQLite database file; its folder must be writable (e.g. /var/lib/shaftgate/shaftgate.db)'),
  historyRetentionDays: z.number().int().min(1).max(3650).default(30).describe('raw samples older than this are deleted from history'),
  maxPendingCycles: z.number().int().min(10).max(1_000_000).default(10_000).describe('poll cycles waiting for the store, at most; beyond this the oldest are dropped and counted'),
});

export const httpSchema = z.strictObject({
  host: z.string().min(1).default('127.0.0.1').describe('address the health endpoint (and later the board) listens on'),
  port: z.number().int().min(0).max(65535).default(8080).describe('0 picks a free port (tests)'),
});

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
    devices: z.array(deviceSchema).min(1).max(256),
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
  .describe('shaftgate gateway configuration');

export type Config = z.infer<typeof configSchema>;
export type DeviceConfig = z.infer<typeof deviceSchema>;
export type ModbusTcpDeviceConfig = z.infer<typeof modbusTcpDeviceSchema>;
export type PointConfig = z.infer<typeof pointSchema>;
export type MqttConfig = z.infer<typeof mqttSchema>;
export type StoreConfig = z.infer<typeof storeSchema>;
export type SystemKind = (typeof SYSTEM_KINDS)[number];
export type RegisterTable = (typeof REGISTER_TABLES)[number];
export type ValueType = (typeof VALUE_TYPES)[number];
export type ByteOrder = (typeof BYTE_ORDERS)[number];
