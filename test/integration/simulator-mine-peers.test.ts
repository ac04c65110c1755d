/**
 * The simulated mine against independent peers: mbpoll (libmodbus) and pymodbus read every TCP
 * device and the RTU weather station on its pty, and see the documented maps; a pymodbus write
 * of the broadcast trigger is read back as an activation; text written to the LED board's pty is
 * read back as what the board shows.
 */
import { mkdtempSync, openSync, closeSync, writeSync, readSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEVICE_MAPS } from '../../simulators/devices/maps.js';
import { shippedMine } from '../../simulators/devices/catalog.js';
import { ManualClock } from '../../simulators/scaled-clock.js';
import { startSimulators, type RunningSimulators } from '../../simulators/run.js';
import { parseMbpollValues, runMbpoll, runPythonJson } from '../helpers/peers.js';

const T0 = Date.parse('2024-11-18T08:00:00+08:00');
const clock = new ManualClock(T0);
let sims: RunningSimulators;

beforeAll(async () => {
  sims = await startSimulators({ basePort: 0, seed: 11, clock, serialLines: { dir: mkdtempSync(join(tmpdir(), 'sg-sim-')), weatherIntervalMs: 0 } });
});

afterAll(async () => {
  await sims.stop();
});

const port = (id: string) => sims.endpoints.find((e) => e.deviceId === id)!.port;
const serialPath = (id: string) => sims.serialEndpoints.find((e) => e.deviceId === id)!.path;
const mbpollTcp = (id: string, ...args: string[]) => runMbpoll(['-1', '-0', '-o', '1', '-p', String(port(id)), ...args, '127.0.0.1']);
/** mbpoll writes: the values follow the host. */
const mbpollWrite = (id: string, table: string, address: number, value: string) => runMbpoll(['-0', '-o', '1', '-p', String(port(id)), '-t', table, '-r', String(address), '127.0.0.1', value]);

describe('mbpoll reads every TCP device as documented', () => {
  it('air-1 and water-1: the float32 readings (pinned) and status bits', async () => {
    sims.devices.get('air-1')!.model.set('outlet_pressure', 0.25);
    sims.devices.get('air-1')!.model.set('compressor_running', false);
    const air = parseMbpollValues(await mbpollTcp('air-1', '-t', '3:float', '-B', '-r', '0', '-c', '3'));
    expect([...air.values()]).toEqual(['0.05', '0.25', '0']); // stopped compressor: header bleeds down, flow 0
    expect([...parseMbpollValues(await mbpollTcp('air-1', '-t', '1', '-r', '0', '-c', '2')).values()]).toEqual(['0', '0']);
    sims.devices.get('air-1')!.model.releaseAll();
    sims.devices.get('water-1')!.model.set('tank_level', 3.5);
    expect(parseMbpollValues(await mbpollTcp('water-1', '-t', '3:float', '-B', '-r', '6', '-c', '1')).get(6)).toBe('3.5');
    expect([...parseMbpollValues(await mbpollTcp('water-1', '-t', '4', '-r', '0', '-c', '1')).values()]).toEqual(['30']);
  });

  it('pp-1: the header, an event and a card record', async () => {
    const pp = sims.devices.get('pp-1')!.model;
    const card = shippedMine().roster[0]!.card;
    pp.enter(card);
    const header = parseMbpollValues(await mbpollTcp('pp-1', '-t', '3', '-r', '0', '-c', '14'));
    expect([...header.values()].slice(0, 6)).toEqual([String(shippedMine().roster.length), '8', '4000', '256', '1000', '8']);
    expect(header.get(7)).toBe(String(pp.newestEventSeq));
    const event = parseMbpollValues(await mbpollTcp('pp-1', '-t', '3:int', '-B', '-r', String(1000 + 8 * pp.newestEventSeq), '-c', '3'));
    expect([...event.values()]).toEqual([String(pp.newestEventSeq), String(card), String(T0 / 1000)]);
    const record = parseMbpollValues(await mbpollTcp('pp-1', '-t', '3', '-r', '4002', '-c', '2'));
    expect([...record.values()]).toEqual(['1', '1']); // reader 1 (shaft-head entry), zone 1
  });

  it('comm-1 and out-1: a coil written by mbpoll is recorded', async () => {
    const before = sims.devices.get('comm-1')!.model.totalActivations;
    const written = await mbpollWrite('comm-1', '0', 0, '1');
    expect(written.exitCode, written.stderr).toBe(0);
    expect(sims.devices.get('comm-1')!.model.totalActivations).toBe(before + 1);
    expect((await mbpollWrite('out-1', '0', 2, '1')).exitCode).toBe(0);
    expect(sims.devices.get('out-1')!.model.read('entry_permit')).toBe(true);
    expect((await mbpollWrite('out-1', '0', 2, '0')).exitCode).toBe(0);
    expect(sims.devices.get('out-1')!.model.changes().map((c) => [c.id, c.on])).toEqual([['entry_permit', true], ['entry_permit', false]]);
  });
});

const PY_TCP = String.raw`
import json, sys
from pymodbus.client import ModbusTcpClient
port, plan = int(sys.argv[1]), json.loads(sys.argv[2])
c = ModbusTcpClient('127.0.0.1', port=port, timeout=2, retries=0)
c.connect()
out = []
for table, address, count in plan:
    if table == 'input': r = c.read_input_registers(address, count, slave=1); out.append(list(r.registers) if not r.isError() else str(r))
    elif table == 'holding': r = c.read_holding_registers(address, count, slave=1); out.append(list(r.registers) if not r.isError() else str(r))
    elif table == 'discrete_input': r = c.read_discrete_inputs(address, count, slave=1); out.append(list(r.bits[:count]) if not r.isError() else str(r))
    else: r = c.read_coils(address, count, slave=1); out.append(list(r.bits[:count]) if not r.isError() else str(r))
c.close()
print(json.dumps(out))
`;

describe('pymodbus reads every mapped point of every TCP device', () => {
  for (const id of ['sm-1', 'pp-1', 'comm-1', 'air-1', 'water-1', 'out-1']) {
    it(`${id}: each point answers, with the value the simulator serves`, async () => {
      const device = sims.devices.get(id)!;
      const map = DEVICE_MAPS[device.system];
      const plan = map.map((e) => [e.table, e.address, e.type === 'float32' || e.type === 'uint32' ? 2 : 1] as const);
      const results = await runPythonJson<Array<number[] | boolean[] | string>>(PY_TCP, [String(port(id)), JSON.stringify(plan)]);
      map.forEach((entry, i) => {
        const result = results[i]!;
        expect(Array.isArray(result), `${id}.${entry.id}: ${String(result)}`).toBe(true);
        if (entry.table === 'coil' || entry.table === 'discrete_input') {
          if ('read' in device.model && device.system !== 'personnel_positioning') expect((result as boolean[])[0], `${id}.${entry.id}`).toBe(device.model.read(entry.id));
        } else if (entry.type === 'uint16' && device.system !== 'personnel_positioning' && 'read' in device.model && device.system !== 'safety_monitoring') {
          expect((result as number[])[0], `${id}.${entry.id}`).toBe(device.model.read(entry.id));
        }
      });
    });
  }
});

describe('the weather station on its RTU pty', () => {
  it('pymodbus (serial client, RTU framer) reads the documented floats', async () => {
    sims.weather.model.rain(30);
    clock.set(T0 + 100 * 60_000);
    const script = String.raw`
import json, sys
from pymodbus.client import ModbusSerialClient
from pymodbus.constants import Endian
from pymodbus.payload import BinaryPayloadDecoder
c = ModbusSerialClient(sys.argv[1], baudrate=19200, timeout=2, retries=0)
c.connect()
r = c.read_input_registers(0, 11, slave=1)
if r.isError():
    print(json.dumps({'error': str(r)}))
else:
    d = BinaryPayloadDecoder.fromRegisters(r.registers[:10], byteorder=Endian.Big, wordorder=Endian.Big)
    print(json.dumps({'floats': [d.decode_32bit_float() for _ in range(5)], 'status': r.registers[10]}))
c.close()
`;
    const result = await runPythonJson<{ floats?: number[]; status?: number; error?: string }>(script, [serialPath('wx-1')]);
    expect(result.error).toBeUndefined();
    expect(result.floats![0]).toBeCloseTo(30, 3);
    expect(result.floats![1]).toBeCloseTo(50, 3);
    expect(result.floats![2]).toBeCloseTo(sims.weather.model.read('wind_speed') as number, 5);
    expect(result.status).toBe(0);
  });

  it('mbpoll -m rtu reads it too, and sees CRC trouble under line noise', async () => {
    const rtu = (...args: string[]) => runMbpoll(['-m', 'rtu', '-b', '19200', '-P', 'none', '-a', '1', '-1', '-0', '-o', '1', ...args, serialPath('wx-1')]);
    const values = parseMbpollValues(await rtu('-t', '3:float', '-B', '-r', '2', '-c', '1'));
    expect(Number(values.get(2))).toBeCloseTo(50, 3);
    sims.weather.faults.corruptFraction = 1;
    const noisy = await rtu('-t', '3', '-r', '10', '-c', '1');
    sims.weather.faults.clear();
    expect(noisy.exitCode).not.toBe(0);
    expect(sims.serial!.rtu.stats().corruptedBytes).toBeGreaterThan(0);
  });
});

describe('the LED board and the broadcast trigger read back', () => {
  it('text written to the board pty is what the board shows, and it answers OK/ERR', async () => {
    const fd = openSync(serialPath('led-1'), 'r+');
    try {
      writeSync(fd, 'TEXT 1 井下人数 61/60\r\nTEXT 9 x\r\n');
      const deadline = Date.now() + 2000;
      while (sims.ledBoard.commands < 2 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
      const reply = Buffer.alloc(256);
      const n = readSync(fd, reply);
      expect(reply.subarray(0, n).toString('utf8')).toMatch(/^OK\r\nERR row/);
    } finally {
      closeSync(fd);
    }
    expect(sims.ledBoard.rows[0]).toBe('井下人数 61/60');
  });

  it('a pymodbus write of the broadcast coil is an activation with the clock time', async () => {
    const comm = sims.devices.get('comm-1')!.model;
    const script = String.raw`
import json, sys
from pymodbus.client import ModbusTcpClient
c = ModbusTcpClient('127.0.0.1', port=int(sys.argv[1]), timeout=2, retries=0)
c.connect()
a = c.write_coil(0, False, slave=1); b = c.write_coil(0, True, slave=1)
print(json.dumps([a.isError(), b.isError()]))
`;
    const before = comm.totalActivations;
    expect(await runPythonJson<boolean[]>(script, [String(port('comm-1'))])).toEqual([false, false]);
    expect(comm.activations().at(-1)).toEqual({ at: clock.now(), count: before + 1 });
  });
});
