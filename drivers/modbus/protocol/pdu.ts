/**
 * Modbus application protocol (PDU) codec, shared by our client drivers and our simulators' server.
 * Transport framing (MBAP for TCP, address + CRC for RTU) lives beside it.
 *
 * Every decoder validates before it trusts: function code, byte count, lengths. A response that
 * does not match its request is a ModbusFramingError and is never decoded into values.
 */

export const FunctionCode = {
  readCoils: 1,
  readDiscreteInputs: 2,
  readHoldingRegisters: 3,
  readInputRegisters: 4,
  writeSingleCoil: 5,
  writeSingleRegister: 6,
  writeMultipleCoils: 15,
  writeMultipleRegisters: 16,
} as const;

export const ExceptionCode = {
  illegalFunction: 1,
  illegalDataAddress: 2,
  illegalDataValue: 3,
  serverDeviceFailure: 4,
  acknowledge: 5,
  serverDeviceBusy: 6,
  gatewayPathUnavailable: 10,
  gatewayTargetFailedToRespond: 11,
} as const;

const EXCEPTION_NAMES: Record<number, string> = {
  1: 'illegal function',
  2: 'illegal data address',
  3: 'illegal data value',
  4: 'server device failure',
  5: 'acknowledge',
  6: 'server device busy',
  8: 'memory parity error',
  10: 'gateway path unavailable',
  11: 'gateway target device failed to respond',
};

export function exceptionName(code: number): string {
  return EXCEPTION_NAMES[code] ?? `exception ${code}`;
}

/** Protocol limits (Modbus Application Protocol v1.1b3, section 6). */
export const LIMITS = {
  maxReadBits: 2000,
  maxReadRegisters: 125,
  maxWriteBits: 1968,
  maxWriteRegisters: 123,
  maxPduLength: 253,
} as const;

export type ReadFunctionCode = 1 | 2 | 3 | 4;

export type ModbusRequest =
  | { fc: ReadFunctionCode; address: number; quantity: number }
  | { fc: 5; address: number; value: boolean }
  | { fc: 6; address: number; value: number }
  | { fc: 15; address: number; values: readonly boolean[] }
  | { fc: 16; address: number; values: readonly number[] };

export type ModbusResponse =
  | { kind: 'bits'; bits: boolean[] }
  | { kind: 'registers'; registers: Uint16Array }
  | { kind: 'written'; address: number; quantity: number }
  | { kind: 'exception'; exceptionCode: number };

/** A frame that cannot be this request's response. Counted and discarded, never decoded. */
export class ModbusFramingError extends Error {
  override readonly name = 'ModbusFramingError';
}

export class ModbusRequestError extends Error {
  override readonly name = 'ModbusRequestError';
}

function checkRange(what: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ModbusRequestError(`${what} must be an integer from ${min} to ${max}, got ${value}`);
  }
}

function checkAddressSpan(address: number, quantity: number): void {
  checkRange('address', address, 0, 0xffff);
  if (address + quantity > 0x10000) {
    throw new ModbusRequestError(`address ${address} + quantity ${quantity} runs past 65535`);
  }
}

export function isReadRequest(req: ModbusRequest): req is Extract<ModbusRequest, { fc: ReadFunctionCode }> {
  return req.fc >= 1 && req.fc <= 4;
}

/** Encodes a request PDU (function code + data). Throws ModbusRequestError on out-of-range fields. */
export function encodeRequest(req: ModbusRequest): Buffer {
  const pdu = Buffer.allocUnsafe(requestLength(req));
  writeRequest(req, pdu, 0);
  return pdu;
}

/** The PDU length of `req` (function code + data), for framing it without a second buffer. */
export function requestLength(req: ModbusRequest): number {
  switch (req.fc) {
    case 15:
      return 6 + Math.ceil(req.values.length / 8);
    case 16:
      return 6 + req.values.length * 2;
    default:
      return 5;
  }
}

/**
 * Writes the request PDU of `req` into `target` at `offset` (requestLength(req) bytes), after the
 * same range checks as encodeRequest. The transports frame it in place: one buffer per request.
 */
export function writeRequest(req: ModbusRequest, target: Buffer, offset: number): void {
  switch (req.fc) {
    case 1:
    case 2:
    case 3:
    case 4: {
      const max = req.fc <= 2 ? LIMITS.maxReadBits : LIMITS.maxReadRegisters;
      checkRange('quantity', req.quantity, 1, max);
      checkAddressSpan(req.address, req.quantity);
      target.writeUInt8(req.fc, offset);
      target.writeUInt16BE(req.address, offset + 1);
      target.writeUInt16BE(req.quantity, offset + 3);
      return;
    }
    case 5: {
      checkAddressSpan(req.address, 1);
      target.writeUInt8(5, offset);
      target.writeUInt16BE(req.address, offset + 1);
      target.writeUInt16BE(req.value ? 0xff00 : 0x0000, offset + 3);
      return;
    }
    case 6: {
      checkAddressSpan(req.address, 1);
      checkRange('register value', req.value, 0, 0xffff);
      target.writeUInt8(6, offset);
      target.writeUInt16BE(req.address, offset + 1);
      target.writeUInt16BE(req.value, offset + 3);
      return;
    }
    case 15: {
      checkRange('quantity', req.values.length, 1, LIMITS.maxWriteBits);
      checkAddressSpan(req.address, req.values.length);
      const byteCount = Math.ceil(req.values.length / 8);
      target.writeUInt8(15, offset);
      target.writeUInt16BE(req.address, offset + 1);
      target.writeUInt16BE(req.values.length, offset + 3);
      target.writeUInt8(byteCount, offset + 5);
      target.fill(0, offset + 6, offset + 6 + byteCount); // packBits only sets bits
      packBits(req.values, target, offset + 6);
      return;
    }
    case 16: {
      checkRange('quantity', req.values.length, 1, LIMITS.maxWriteRegisters);
      checkAddressSpan(req.address, req.values.length);
      target.writeUInt8(16, offset);
      target.writeUInt16BE(req.address, offset + 1);
      target.writeUInt16BE(req.values.length, offset + 3);
      target.writeUInt8(req.values.length * 2, offset + 5);
      req.values.forEach((value, i) => {
        checkRange(`register value [${i}]`, value, 0, 0xffff);
        target.writeUInt16BE(value, offset + 6 + i * 2);
      });
      return;
    }
  }
}

/** The exact PDU length of a normal (non-exception) response to `req`; RTU framing needs it. */
export function expectedResponseLength(req: ModbusRequest): number {
  switch (req.fc) {
    case 1:
    case 2:
      return 2 + Math.ceil(req.quantity / 8);
    case 3:
    case 4:
      return 2 + req.quantity * 2;
    default:
      return 5;
  }
}

/**
 * Decodes a response PDU to `req`. Throws ModbusFramingError when the PDU cannot be the answer to
 * this request (wrong function, byte count, length or echo); such data is never turned into values.
 */
export function decodeResponse(req: ModbusRequest, pdu: Buffer): ModbusResponse {
  if (pdu.length < 2) throw new ModbusFramingError(`response PDU of ${pdu.length} byte(s) is too short`);
  const fc = pdu.readUInt8(0);
  if (fc === (req.fc | 0x80)) {
    if (pdu.length !== 2) throw new ModbusFramingError(`exception response of ${pdu.length} bytes, expected 2`);
    return { kind: 'exception', exceptionCode: pdu.readUInt8(1) };
  }
  if (fc !== req.fc) throw new ModbusFramingError(`response function code ${fc} does not match request function ${req.fc}`);
  const expected = expectedResponseLength(req);
  if (pdu.length !== expected) {
    throw new ModbusFramingError(`response to function ${req.fc} is ${pdu.length} bytes, expected ${expected}`);
  }
  switch (req.fc) {
    case 1:
    case 2: {
      const byteCount = pdu.readUInt8(1);
      if (byteCount !== expected - 2) throw new ModbusFramingError(`byte count ${byteCount}, expected ${expected - 2}`);
      return { kind: 'bits', bits: unpackBits(pdu, 2, req.quantity) };
    }
    case 3:
    case 4: {
      const byteCount = pdu.readUInt8(1);
      if (byteCount !== req.quantity * 2) throw new ModbusFramingError(`byte count ${byteCount}, expected ${req.quantity * 2}`);
      const registers = new Uint16Array(req.quantity);
      for (let i = 0; i < req.quantity; i++) registers[i] = pdu.readUInt16BE(2 + i * 2);
      return { kind: 'registers', registers };
    }
    case 5:
    case 6: {
      const address = pdu.readUInt16BE(1);
      const raw = pdu.readUInt16BE(3);
      const sent = req.fc === 5 ? (req.value ? 0xff00 : 0) : req.value;
      if (address !== req.address || raw !== sent) {
        throw new ModbusFramingError(`write echo ${address}=${raw} does not match request ${req.address}=${sent}`);
      }
      return { kind: 'written', address, quantity: 1 };
    }
    case 15:
    case 16: {
      const address = pdu.readUInt16BE(1);
      const quantity = pdu.readUInt16BE(3);
      if (address !== req.address || quantity !== req.values.length) {
        throw new ModbusFramingError(`write echo ${address}×${quantity} does not match request ${req.address}×${req.values.length}`);
      }
      return { kind: 'written', address, quantity };
    }
  }
}

/** Server side: decodes a request PDU, or says which exception to answer with. */
export function decodeRequest(pdu: Buffer): { ok: true; request: ModbusRequest } | { ok: false; fc: number; exceptionCode: number } {
  const fc = pdu.length > 0 ? pdu.readUInt8(0) : 0;
  const bad = (exceptionCode: number) => ({ ok: false as const, fc, exceptionCode });
  switch (fc) {
    case 1:
    case 2:
    case 3:
    case 4: {
      if (pdu.length !== 5) return bad(ExceptionCode.illegalDataValue);
      const address = pdu.readUInt16BE(1);
      const quantity = pdu.readUInt16BE(3);
      const max = fc <= 2 ? LIMITS.maxReadBits : LIMITS.maxReadRegisters;
      if (quantity < 1 || quantity > max) return bad(ExceptionCode.illegalDataValue);
      if (address + quantity > 0x10000) return bad(ExceptionCode.illegalDataAddress);
      return { ok: true, request: { fc, address, quantity } };
    }
    case 5: {
      if (pdu.length !== 5) return bad(ExceptionCode.illegalDataValue);
      const raw = pdu.readUInt16BE(3);
      if (raw !== 0xff00 && raw !== 0) return bad(ExceptionCode.illegalDataValue);
      return { ok: true, request: { fc: 5, address: pdu.readUInt16BE(1), value: raw === 0xff00 } };
    }
    case 6: {
      if (pdu.length !== 5) return bad(ExceptionCode.illegalDataValue);
      return { ok: true, request: { fc: 6, address: pdu.readUInt16BE(1), value: pdu.readUInt16BE(3) } };
    }
    case 15: {
      if (pdu.length < 6) return bad(ExceptionCode.illegalDataValue);
      const address = pdu.readUInt16BE(1);
      const quantity = pdu.readUInt16BE(3);
      const byteCount = pdu.readUInt8(5);
      if (quantity < 1 || quantity > LIMITS.maxWriteBits || byteCount !== Math.ceil(quantity / 8) || pdu.length !== 6 + byteCount) {
        return bad(ExceptionCode.illegalDataValue);
      }
      if (address + quantity > 0x10000) return bad(ExceptionCode.illegalDataAddress);
      return { ok: true, request: { fc: 15, address, values: unpackBits(pdu, 6, quantity) } };
    }
    case 16: {
      if (pdu.length < 6) return bad(ExceptionCode.illegalDataValue);
      const address = pdu.readUInt16BE(1);
      const quantity = pdu.readUInt16BE(3);
      const byteCount = pdu.readUInt8(5);
      if (quantity < 1 || quantity > LIMITS.maxWriteRegisters || byteCount !== quantity * 2 || pdu.length !== 6 + byteCount) {
        return bad(ExceptionCode.illegalDataValue);
      }
      if (address + quantity > 0x10000) return bad(ExceptionCode.illegalDataAddress);
      const values: number[] = [];
      for (let i = 0; i < quantity; i++) values.push(pdu.readUInt16BE(6 + i * 2));
      return { ok: true, request: { fc: 16, address, values } };
    }
    default:
      return bad(ExceptionCode.illegalFunction);
  }
}

/** Server side: encodes the normal response to a request. */
export function encodeResponse(
  req: ModbusRequest,
  result: { bits?: readonly boolean[]; registers?: ArrayLike<number> },
): Buffer {
  switch (req.fc) {
    case 1:
    case 2: {
      const bits = result.bits;
      if (!bits || bits.length !== req.quantity) throw new ModbusRequestError(`need ${req.quantity} bits for the response`);
      const byteCount = Math.ceil(req.quantity / 8);
      const pdu = Buffer.alloc(2 + byteCount);
      pdu.writeUInt8(req.fc, 0);
      pdu.writeUInt8(byteCount, 1);
      packBits(bits, pdu, 2);
      return pdu;
    }
    case 3:
    case 4: {
      const registers = result.registers;
      if (!registers || registers.length !== req.quantity) throw new ModbusRequestError(`need ${req.quantity} registers for the response`);
      const pdu = Buffer.allocUnsafe(2 + req.quantity * 2);
      pdu.writeUInt8(req.fc, 0);
      pdu.writeUInt8(req.quantity * 2, 1);
      for (let i = 0; i < req.quantity; i++) pdu.writeUInt16BE(registers[i]! & 0xffff, 2 + i * 2);
      return pdu;
    }
    case 5:
    case 6:
      return encodeRequest(req); // a single write is answered by its echo
    case 15:
    case 16: {
      const pdu = Buffer.allocUnsafe(5);
      pdu.writeUInt8(req.fc, 0);
      pdu.writeUInt16BE(req.address, 1);
      pdu.writeUInt16BE(req.values.length, 3);
      return pdu;
    }
  }
}

export function encodeException(fc: number, exceptionCode: number): Buffer {
  return Buffer.from([(fc | 0x80) & 0xff, exceptionCode & 0xff]);
}

function packBits(bits: readonly boolean[], target: Buffer, offset: number): void {
  for (let i = 0; i < bits.length; i++) {
    if (bits[i]) {
      const index = offset + (i >> 3);
      target.writeUInt8(target.readUInt8(index) | (1 << (i & 7)), index);
    }
  }
}

function unpackBits(source: Buffer, offset: number, count: number): boolean[] {
  const bits = new Array<boolean>(count);
  for (let i = 0; i < count; i++) bits[i] = (source.readUInt8(offset + (i >> 3)) & (1 << (i & 7))) !== 0;
  return bits;
}
