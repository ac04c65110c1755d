/** What `shaftgate probe --serial` tells the electrician for each failure (the CLI test covers the ones a test can cause). */
import { describe, expect, it } from 'vitest';
import { explainRtuProbeError, type RtuProbeContext } from '../../drivers/modbus/probe/explain-rtu-probe-error.js';
import { SerialOpenError } from '../../drivers/modbus/probe/rtu-probe-target.js';
import { BusTimeoutError } from '../../drivers/modbus/rtu/serial-bus.js';
import { RtuFrameError } from '../../drivers/modbus/rtu/rtu-frame.js';

const ctx: RtuProbeContext = {
  description: 'modbus-rtu:/dev/ttyUSB0 19200 8E1 unit 3',
  table: 'holding',
  address: 0,
  count: 2,
  unitId: 3,
  timeoutMs: 500,
  path: '/dev/ttyUSB0',
  baudRate: 19200,
  parity: 'even',
  dataBits: 8,
  stopBits: 1,
};

describe('RTU probe errors', () => {
  it('port missing: the adapter and /dev/serial/by-id', () => {
    const text = explainRtuProbeError(new SerialOpenError('missing', '/dev/ttyUSB0', 'No such file or directory'), ctx);
    expect(text).toMatch(/\/dev\/ttyUSB0 does not exist.*plugged in.*ls \/dev\/serial\/by-id/);
  });

  it('permission denied: the dialout group', () => {
    const text = explainRtuProbeError(new SerialOpenError('permission', '/dev/ttyUSB0', 'Permission denied, cannot open /dev/ttyUSB0'), ctx);
    expect(text).toMatch(/no permission to open \/dev\/ttyUSB0.*dialout group/);
  });

  it('port locked by another program: stop the service first', () => {
    const text = explainRtuProbeError(new SerialOpenError('busy', '/dev/ttyUSB0', 'Error Resource temporarily unavailable Cannot lock port'), ctx);
    expect(text).toMatch(/in use by another program.*systemctl stop shaftgate/);
  });

  it('timeout: unit id, baud, parity, A/B wiring, with the line settings used', () => {
    const text = explainRtuProbeError(new BusTimeoutError('no answer'), ctx);
    expect(text).toMatch(/no answer from slave 3 within 500 ms at 19200 baud 8E1/);
    expect(text).toMatch(/--unit.*--baud.*--parity.*A\/B wires/);
  });

  it('CRC error: line settings and wiring; wrong address: two slaves share it', () => {
    expect(explainRtuProbeError(new RtuFrameError('crc', 'CRC mismatch'), ctx)).toMatch(/corrupted.*--baud 19200.*--parity even.*termination/);
    expect(explainRtuProbeError(new RtuFrameError('address', 'answer from slave address 4'), ctx)).toMatch(/Two devices may share address 3/);
  });
});
