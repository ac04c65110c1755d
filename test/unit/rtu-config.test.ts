/** Config checks for serial ports and the modbus-rtu / serial-line devices. */
import { describe, expect, it } from 'vitest';
import { configSchema } from '../../config/schema.js';

const base = {
  version: 1,
  gateway: { mineId: 'mine-1', gatewayId: 'gw-1' },
  store: { path: '/tmp/x.db' },
  mqtt: { url: 'mqtt://127.0.0.1:1883' },
};
const rtu = (id: string, serialPort: string, unitId: number) => ({
  id,
  system: 'safety_monitoring',
  transport: 'modbus-rtu',
  serialPort,
  unitId,
  points: [{ id: 'p', table: 'holding', address: 0 }],
});

function messages(input: unknown): string[] {
  const result = configSchema.safeParse(input);
  return result.success ? [] : result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
}

describe('serial port config', () => {
  it('accepts RTU slaves sharing a port and fills in line defaults', () => {
    const parsed = configSchema.parse({ ...base, serialPorts: [{ id: 'rs485-1', path: '/dev/ttyUSB0', baudRate: 19200 }], devices: [rtu('a', 'rs485-1', 1), rtu('b', 'rs485-1', 2)] });
    expect(parsed.serialPorts[0]).toMatchObject({ dataBits: 8, parity: 'none', stopBits: 1, queueLimit: 64 });
    expect(parsed.devices[0]).toMatchObject({ transport: 'modbus-rtu', timeoutMs: 300, retries: 1, maxGap: 10 });
  });

  it('reports every cross-check at once: unknown port, duplicate address, shared serial-line port, unit id range', () => {
    const found = messages({
      ...base,
      serialPorts: [
        { id: 'rs485-1', path: '/dev/ttyUSB0' },
        { id: 'com2', path: '/dev/ttyS1' },
      ],
      devices: [
        rtu('a', 'rs485-1', 1),
        rtu('b', 'rs485-1', 1),
        rtu('c', 'rs485-9', 2),
        rtu('d', 'com2', 248),
        { id: 'ws', system: 'weather', transport: 'serial-line', serialPort: 'com2', points: [{ id: 'rain' }] },
      ],
    });
    expect(found).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^devices\.1\.unitId: slave address 1 is already used on serial port "rs485-1"/),
        expect.stringMatching(/^devices\.2\.serialPort: no serial port "rs485-9" in serialPorts \(known: rs485-1, com2\)/),
        expect.stringMatching(/^devices\.3\.unitId: /),
        expect.stringMatching(/^devices\.4\.serialPort: serial port "com2" is used by 2 devices, but a serial-line device needs its port to itself/),
      ]),
    );
  });

  it('checks serial-line request mode and regex groups', () => {
    const found = messages({
      ...base,
      serialPorts: [{ id: 'com1', path: '/dev/ttyS0' }],
      devices: [
        {
          id: 'ws',
          system: 'weather',
          transport: 'serial-line',
          serialPort: 'com1',
          mode: 'request',
          parse: { format: 'regex', pattern: '^R(?<rain>[0-9.]+)$' },
          points: [{ id: 'rain' }, { id: 'wind' }],
        },
      ],
    });
    expect(found).toEqual([
      'devices.0.query: mode "request" needs "query": the text that asks the device for a reading',
      'devices.0.points.1.field: the regex has no named group "(?<wind>…)" for this point',
    ]);
  });
});
