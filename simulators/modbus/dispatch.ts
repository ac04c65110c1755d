/**
 * Executes one request PDU against a unit and returns the response PDU (normal or exception).
 * Transport-free, so a future RTU simulator can reuse it unchanged.
 */
import {
  decodeRequest,
  encodeException,
  encodeResponse,
  ExceptionCode,
  type ModbusRequest,
} from '../../drivers/modbus/protocol/pdu.js';
import type { ModbusUnit, UnitAnswer } from './data-model.js';

export function executeRequest(unit: ModbusUnit, requestPdu: Buffer): Buffer {
  const decoded = decodeRequest(requestPdu);
  if (!decoded.ok) return encodeException(decoded.fc, decoded.exceptionCode);
  const request = decoded.request;
  try {
    return respond(unit, request);
  } catch {
    // A bug in a device model must not take the server down; a real device would report the same.
    return encodeException(request.fc, ExceptionCode.serverDeviceFailure);
  }
}

function respond(unit: ModbusUnit, request: ModbusRequest): Buffer {
  switch (request.fc) {
    case 1:
    case 2: {
      const result = unit.readBits(request.fc === 1 ? 'coil' : 'discrete_input', request.address, request.quantity);
      return result.ok ? encodeResponse(request, { bits: result.value }) : encodeException(request.fc, result.exceptionCode);
    }
    case 3:
    case 4: {
      const result = unit.readRegisters(request.fc === 3 ? 'holding' : 'input', request.address, request.quantity);
      return result.ok ? encodeResponse(request, { registers: result.value }) : encodeException(request.fc, result.exceptionCode);
    }
    case 5:
      return afterWrite(request, unit.writeCoils(request.address, [request.value]));
    case 15:
      return afterWrite(request, unit.writeCoils(request.address, request.values));
    case 6:
      return afterWrite(request, unit.writeRegisters(request.address, [request.value]));
    case 16:
      return afterWrite(request, unit.writeRegisters(request.address, request.values));
  }
}

function afterWrite(request: ModbusRequest, result: UnitAnswer<void>): Buffer {
  return result.ok ? encodeResponse(request, {}) : encodeException(request.fc, result.exceptionCode);
}
