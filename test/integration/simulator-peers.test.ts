/**
 * Our simulator against independent Modbus masters: Debian's mbpoll (libmodbus) and pymodbus.
 * Values are pinned with set() first, and chosen exact in float32, so the peers must read exactly
 * what the simulator serves.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Clock } from '../../agent/model/clock.js';
import { ExceptionCode } from '../../drivers/modbus/protocol/pdu.js';
import { SENSORS, loopCurrentMicroamps, type SensorId } from '../../simulators/devices/safety-monitoring-map.js';
import { startSimulators, type DeviceOf, type RunningSimulators } from '../../simulators/run.js';
import { parseMbpollValues, runMbpoll, runPythonJson } from '../helpers/peers.js';

const fixedClock: Clock = { now: () => Date.UTC(2024, 6, 1, 8, 0, 0), monotonic: () => 0 };

const PINNED: Record<SensorId, number> = {
  ch4: 0.5,
  co: 12,
  o2: 20.75,
  co2: 0.125,
  temperature: 22.5,
  wind_speed: 2.25,
  ground_pressure: 12.5,
};

let simulators: RunningSimulators;
let device: DeviceOf<'safety_monitoring'>;
let port: number;

beforeAll(async () => {
  simulators = await startSimulators({ basePort: 0, seed: 7, clock: fixedClock });
  device = simulators.devices.get('sm-1')!;
  port = device.endpoint.port;
});

afterAll(async () => {
  await simulators.stop();
});

afterEach(() => {
  device.faults.clear();
  for (const sensor of SENSORS) {
    device.model.release(sensor.id);
    device.model.sensorFault(sensor.id, false);
  }
  device.model.release('main_fan_running');
});

function pinAll(): void {
  for (const sensor of SENSORS) device.model.set(sensor.id, PINNED[sensor.id]);
}

const mbpoll = (...args: string[]) => runMbpoll(['-1', '-o', '0.5', '-p', String(port), ...args, '127.0.0.1']);

describe('mbpoll (libmodbus) reads the substation', () => {
  it('reads the seven float32 ABCD input registers (-t 3:float -B, 0-based -0)', async () => {
    pinAll();
    const values = parseMbpollValues(await mbpoll('-0', '-t', '3:float', '-B', '-r', '0', '-c', '7'));
    expect([...values.entries()]).toEqual(SENSORS.map((sensor, i) => [2 * i, String(PINNED[sensor.id])]));
  });

  it('reads the loop currents with 1-based references (reference 101 is protocol address 100)', async () => {
    pinAll();
    const values = parseMbpollValues(await mbpoll('-t', '3', '-r', '101', '-c', '7'));
    const expected = SENSORS.map((sensor, i) => [101 + i, String(loopCurrentMicroamps(sensor, PINNED[sensor.id]))]);
    expect([...values.entries()]).toEqual(expected);
    expect(values.get(101)).toBe('6000'); // 0.5 %CH4 on a 0–4 % sensor: 4 mA + 16 mA × 0.125
  });

  it('reads fan state, alarm bits and fault flags as discrete inputs', async () => {
    pinAll();
    device.model.set('main_fan_running', false);
    device.model.sensorFault('co', true);
    const status = parseMbpollValues(await mbpoll('-0', '-t', '1', '-r', '0', '-c', '6'));
    // main fan off, local fan on, mains on, CH4 0.5 < 1.0 no alarm, no power cut, CO faulted so no CO alarm
    expect([...status.values()]).toEqual(['0', '1', '1', '0', '0', '0']);
    const faults = parseMbpollValues(await mbpoll('-0', '-t', '1', '-r', '8', '-c', '7'));
    expect([...faults.values()]).toEqual(['0', '1', '0', '0', '0', '0', '0']);
  });

  it('gets "illegal data address" for a read that crosses the gap in the map', async () => {
    const result = await mbpoll('-0', '-t', '1', '-r', '0', '-c', '15');
    expect(result.exitCode).not.toBe(0);
    expect(result.stderr + result.stdout).toMatch(/illegal data address/i);
  });

  it('times out against a silent unit', async () => {
    device.faults.silent = true;
    const result = await mbpoll('-0', '-t', '3', '-r', '100', '-c', '1');
    expect(result.exitCode).not.toBe(0);
    expect(result.stderr + result.stdout).toMatch(/timed out/i);
  });

  it('sees the exception a faulted unit answers', async () => {
    device.faults.exception = ExceptionCode.serverDeviceFailure;
    const result = await mbpoll('-0', '-t', '3', '-r', '100', '-c', '1');
    expect(result.exitCode).not.toBe(0);
    expect(result.stderr + result.stdout).toMatch(/slave device or server failure/i);
  });
});

/** A pymodbus client that runs a list of operations and prints their outcomes as one JSON line. */
const PYMODBUS_CLIENT = String.raw`
import json, math, sys
from pymodbus.client import ModbusTcpClient
from pymodbus.constants import Endian
from pymodbus.payload import BinaryPayloadDecoder
from pymodbus.pdu import ExceptionResponse

port, unit, timeout, ops = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]), json.loads(sys.argv[4])
client = ModbusTcpClient('127.0.0.1', port=port, timeout=timeout, retries=0)
if not client.connect():
    print(json.dumps([{'error': 'connect failed'}]))
    sys.exit(0)

def float32(words):
    value = BinaryPayloadDecoder.fromRegisters(words, byteorder=Endian.Big, wordorder=Endian.Big).decode_32bit_float()
    return 'NaN' if math.isnan(value) else value

def run(op):
    kind, address = op['op'], op['address']
    if kind == 'read_input_float32':
        r = client.read_input_registers(address, 2 * op['count'], slave=unit)
        value = lambda r: [float32(r.registers[2 * i:2 * i + 2]) for i in range(op['count'])]
    elif kind == 'read_input':
        r = client.read_input_registers(address, op['count'], slave=unit)
        value = lambda r: list(r.registers)
    elif kind == 'read_holding':
        r = client.read_holding_registers(address, op['count'], slave=unit)
        value = lambda r: list(r.registers)
    elif kind == 'read_discrete':
        r = client.read_discrete_inputs(address, op['count'], slave=unit)
        value = lambda r: list(r.bits[:op['count']])
    elif kind == 'read_coils':
        r = client.read_coils(address, op['count'], slave=unit)
        value = lambda r: list(r.bits[:op['count']])
    elif kind == 'write_register':
        r = client.write_register(address, op['value'], slave=unit)
        value = lambda r: 'ok'
    elif kind == 'write_coil':
        r = client.write_coil(address, op['value'], slave=unit)
        value = lambda r: 'ok'
    else:
        return {'error': 'unknown op ' + kind}
    if isinstance(r, ExceptionResponse):
        return {'exception': r.exception_code}
    if r.isError():
        return {'error': str(r)}
    return {'value': value(r)}

results = []
for op in ops:
    try:
        results.append(run(op))
    except Exception as e:
        results.append({'error': type(e).__name__ + ': ' + str(e)})
client.close()
print(json.dumps(results))
`;

type PyOp =
  | { op: 'read_input_float32' | 'read_input' | 'read_holding' | 'read_discrete' | 'read_coils'; address: number; count: number }
  | { op: 'write_register'; address: number; value: number }
  | { op: 'write_coil'; address: number; value: boolean };
type PyOutcome = { value: unknown } | { exception: number } | { error: string };

const pymodbus = (ops: PyOp[], timeoutSeconds = 1) =>
  runPythonJson<PyOutcome[]>(PYMODBUS_CLIENT, [String(port), String(device.endpoint.unitId), String(timeoutSeconds), JSON.stringify(ops)]);

describe('pymodbus reads and writes the substation', () => {
  it('reads the float32 values, the loop currents and the discrete inputs', async () => {
    pinAll();
    device.model.sensorFault('ground_pressure', true);
    const [floats, currents, bits] = await pymodbus([
      { op: 'read_input_float32', address: 0, count: 7 },
      { op: 'read_input', address: 100, count: 7 },
      { op: 'read_discrete', address: 8, count: 7 },
    ]);
    expect(floats).toEqual({ value: [0.5, 12, 20.75, 0.125, 22.5, 2.25, 'NaN'] });
    expect(currents).toEqual({ value: [6000, 4192, 17280, 4400, 13000, 6400, 3000] });
    expect(bits).toEqual({ value: [false, false, false, false, false, false, true] });
  });

  it('writes a holding register and a coil, which the simulator then holds', async () => {
    pinAll();
    device.model.set('ch4', 1.25);
    const outcomes = await pymodbus([
      { op: 'write_register', address: 10, value: 120 }, // CH4 alarm limit 1.20 %
      { op: 'write_coil', address: 0, value: true }, // alarm mute
      { op: 'read_holding', address: 10, count: 3 },
      { op: 'read_coils', address: 0, count: 2 },
      { op: 'read_discrete', address: 3, count: 2 },
    ]);
    expect(outcomes).toEqual([
      { value: 'ok' },
      { value: 'ok' },
      { value: [120, 150, 24] },
      { value: [true, false] },
      { value: [true, false] }, // 1.25 ≥ 1.20 alarms; below the 1.50 power-cut limit
    ]);
    expect(device.model.read('ch4_alarm_limit')).toBe(120);
    expect(device.model.read('alarm_mute')).toBe(true);
  });

  it('gets "illegal data value" for a setting out of range, and the setting is unchanged', async () => {
    const before = device.model.read('co_alarm_limit');
    const [outcome] = await pymodbus([{ op: 'write_register', address: 12, value: 5000 }]);
    expect(outcome).toEqual({ exception: ExceptionCode.illegalDataValue });
    expect(device.model.read('co_alarm_limit')).toBe(before);
  });

  it('times out against a silent unit', async () => {
    device.faults.silent = true;
    // Whole seconds: pymodbus 3.0.0rc1 fails to connect with a fractional timeout ("Operation now in progress").
    const [outcome] = await pymodbus([{ op: 'read_input', address: 100, count: 1 }], 1);
    expect(outcome).toMatchObject({ error: expect.stringMatching(/no response/i) as unknown });
  });

  it('sees the exception code a faulted unit answers', async () => {
    device.faults.exception = ExceptionCode.serverDeviceBusy;
    const outcomes = await pymodbus([
      { op: 'read_input', address: 100, count: 1 },
      { op: 'write_coil', address: 1, value: true },
    ]);
    expect(outcomes).toEqual([{ exception: 6 }, { exception: 6 }]);
    expect(device.model.read('self_test')).toBe(false); // a refused write changes nothing
  });
});
