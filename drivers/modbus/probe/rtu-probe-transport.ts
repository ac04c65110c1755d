/**
 * `shaftgate probe --serial`: one read from a Modbus RTU slave through the same SerialBus the agent
 * uses (framing, CRC, address and function checks, t3.5 gap), so what the electrician sees is what
 * the gateway would read.
 */
import { access } from 'node:fs/promises';
import { systemClock } from '../../../agent/model/clock.js';
import { silentLogger } from '../../../agent/runtime/logger.js';
import { SerialConnection, type SerialLineSettings } from '../../serial/serial-connection.js';
import { SerialBus } from '../rtu/serial-bus.js';
import { explainRtuProbeError } from './explain-rtu-probe-error.js';
import type { ProbeTransport } from './probe-transport.js';
import { lineFormat, SerialOpenError, type RtuProbeTarget } from './rtu-probe-target.js';

export function rtuProbeTransport(target: RtuProbeTarget): ProbeTransport {
  const settings: SerialLineSettings = {
    id: 'probe',
    path: target.path,
    baudRate: target.baudRate,
    dataBits: target.dataBits,
    parity: target.parity,
    stopBits: target.stopBits,
  };
  const options = { clock: systemClock, logger: silentLogger(), openTimeoutMs: Math.max(target.timeoutMs, 2000) };
  const connection = new SerialConnection(settings, options);
  const bus = new SerialBus(connection, settings, options);
  const description = `modbus-rtu:${target.path} ${target.baudRate} ${lineFormat(target)} unit ${target.unitId}`;
  return {
    description,
    connect: async () => {
      if (await connection.ensureOpen()) return;
      throw await classifyOpenFailure(target.path, connection.stats().lastError ?? 'unknown error');
    },
    read: (request) => bus.transact(target.unitId, request, target.timeoutMs),
    explain: (error, ctx) => explainRtuProbeError(error, { ...ctx, ...target }),
    close: () => bus.close(),
  };
}

async function classifyOpenFailure(path: string, detail: string): Promise<SerialOpenError> {
  const exists = await access(path).then(
    () => true,
    () => false,
  );
  if (!exists || /ENOENT|No such file/i.test(detail)) return new SerialOpenError('missing', path, detail);
  if (/EACCES|Permission denied/i.test(detail)) return new SerialOpenError('permission', path, detail);
  if (/lock|Resource temporarily unavailable|EBUSY|EAGAIN/i.test(detail)) return new SerialOpenError('busy', path, detail);
  return new SerialOpenError('other', path, detail);
}
