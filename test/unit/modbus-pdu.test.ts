/**
 * The PDU and MBAP codec against the examples of the Modbus Application Protocol Specification
 * v1.1b3 (section 6) and the Modbus Messaging on TCP/IP Implementation Guide v1.0b: expected
 * bytes are copied from the specification, not from the code.
 */
import { describe, expect, it } from 'vitest';
import { MbapDecoder, encodeMbap, encodeMbapRequest } from '../../drivers/modbus/protocol/mbap.js';
import {
  ExceptionCode,
  ModbusFramingError,
  ModbusRequestError,
  decodeRequest,
  decodeResponse,
  encodeException,
  encodeRequest,
  encodeResponse,
  exceptionName,
  expectedResponseLength,
  type ModbusRequest,
} from '../../drivers/modbus/protocol/pdu.js';

const hex = (text: string) => Buffer.from(text.replace(/\s+/g, ''), 'hex');
const bitsOf = (text: string) => [...text].map((c) => c === '1');

interface SpecExample {
  title: string;
  request: ModbusRequest;
  requestPdu: string;
  response: { bits?: boolean[]; registers?: number[] };
  responsePdu: string;
}

const SPEC_EXAMPLES: SpecExample[] = [
  {
    title: 'FC1 read coils 20–38',
    request: { fc: 1, address: 19, quantity: 19 },
    requestPdu: '01 0013 0013',
    // CD 6B 05: coils 20–27 = 1011 0011 (LSB first), 28–35 = 1101 0110, 36–38 = 101
    response: { bits: bitsOf('1011001111010110101') },
    responsePdu: '01 03 CD 6B 05',
  },
  {
    title: 'FC2 read discrete inputs 197–218',
    request: { fc: 2, address: 196, quantity: 22 },
    requestPdu: '02 00C4 0016',
    // AC DB 35: 0011 0101, 1101 1011, 1010 11 (LSB first)
    response: { bits: bitsOf('0011010111011011101011') },
    responsePdu: '02 03 AC DB 35',
  },
  {
    title: 'FC3 read holding registers 108–110',
    request: { fc: 3, address: 107, quantity: 3 },
    requestPdu: '03 006B 0003',
    response: { registers: [555, 0, 100] },
    responsePdu: '03 06 022B 0000 0064',
  },
  {
    title: 'FC4 read input register 9',
    request: { fc: 4, address: 8, quantity: 1 },
    requestPdu: '04 0008 0001',
    response: { registers: [10] },
    responsePdu: '04 02 000A',
  },
  {
    title: 'FC5 write single coil 173 ON',
    request: { fc: 5, address: 172, value: true },
    requestPdu: '05 00AC FF00',
    response: {},
    responsePdu: '05 00AC FF00',
  },
  {
    title: 'FC6 write single register 2 = 3',
    request: { fc: 6, address: 1, value: 3 },
    requestPdu: '06 0001 0003',
    response: {},
    responsePdu: '06 0001 0003',
  },
  {
    title: 'FC15 write 10 coils from 20',
    request: { fc: 15, address: 19, values: bitsOf('1011001110') },
    requestPdu: '0F 0013 000A 02 CD 01',
    response: {},
    responsePdu: '0F 0013 000A',
  },
  {
    title: 'FC16 write 2 registers from 2',
    request: { fc: 16, address: 1, values: [0x000a, 0x0102] },
    requestPdu: '10 0001 0002 04 000A 0102',
    response: {},
    responsePdu: '10 0001 0002',
  },
];

describe('PDU codec, specification examples', () => {
  for (const example of SPEC_EXAMPLES) {
    describe(example.title, () => {
      it('encodes the request', () => {
        expect(encodeRequest(example.request).toString('hex')).toBe(hex(example.requestPdu).toString('hex'));
      });
      it('decodes the request (server side)', () => {
        expect(decodeRequest(hex(example.requestPdu))).toEqual({ ok: true, request: example.request });
      });
      it('encodes the response (server side)', () => {
        expect(encodeResponse(example.request, example.response).toString('hex')).toBe(hex(example.responsePdu).toString('hex'));
      });
      it('decodes the response', () => {
        const decoded = decodeResponse(example.request, hex(example.responsePdu));
        if (example.response.bits) expect(decoded).toEqual({ kind: 'bits', bits: example.response.bits });
        else if (example.response.registers) expect(decoded).toEqual({ kind: 'registers', registers: Uint16Array.from(example.response.registers) });
        else expect(decoded).toMatchObject({ kind: 'written', address: example.request.address });
      });
      it('knows the response length', () => {
        expect(expectedResponseLength(example.request)).toBe(hex(example.responsePdu).length);
      });
    });
  }

  it('encodes FC5 OFF as 0000', () => {
    expect(encodeRequest({ fc: 5, address: 0, value: false }).toString('hex')).toBe('0500000000');
  });
});

describe('exception responses', () => {
  it('encodes function | 0x80 and the code (spec: 81 02 for FC1 illegal data address)', () => {
    expect(encodeException(1, ExceptionCode.illegalDataAddress).toString('hex')).toBe('8102');
    expect(encodeException(16, ExceptionCode.serverDeviceFailure).toString('hex')).toBe('9004');
  });

  it('decodes an exception to any request', () => {
    const requests: ModbusRequest[] = SPEC_EXAMPLES.map((e) => e.request);
    for (const request of requests) {
      const pdu = Buffer.from([request.fc | 0x80, ExceptionCode.gatewayTargetFailedToRespond]);
      expect(decodeResponse(request, pdu)).toEqual({ kind: 'exception', exceptionCode: 11 });
    }
  });

  it('names the codes', () => {
    expect(exceptionName(2)).toBe('illegal data address');
    expect(exceptionName(11)).toBe('gateway target device failed to respond');
    expect(exceptionName(99)).toBe('exception 99');
  });
});

describe('decodeResponse rejects every frame that cannot answer the request', () => {
  const readHolding: ModbusRequest = { fc: 3, address: 107, quantity: 3 };
  const readCoils: ModbusRequest = { fc: 1, address: 19, quantity: 19 };
  const cases: Array<[string, ModbusRequest, string]> = [
    ['an empty PDU', readHolding, ''],
    ['a one-byte PDU', readHolding, '03'],
    ['an exception of 3 bytes', readHolding, '83 02 00'],
    ['an exception for another function', readHolding, '84 02'],
    ['another function code', readHolding, '04 06 022B 0000 0064'],
    ['a register response one byte short', readHolding, '03 06 022B 0000 00'],
    ['a register response one byte long', readHolding, '03 06 022B 0000 0064 00'],
    ['a register byte count that disagrees', readHolding, '03 05 022B 0000 0064'],
    ['a bit response one byte short', readCoils, '01 03 CD 6B'],
    ['a bit byte count that disagrees', readCoils, '01 02 CD 6B 05'],
    ['an FC5 echo of another address', { fc: 5, address: 172, value: true }, '05 00AD FF00'],
    ['an FC5 echo of another value', { fc: 5, address: 172, value: true }, '05 00AC 0000'],
    ['an FC6 echo of another value', { fc: 6, address: 1, value: 3 }, '06 0001 0004'],
    ['an FC6 echo of 4 bytes', { fc: 6, address: 1, value: 3 }, '06 0001 00'],
    ['an FC15 echo of another quantity', { fc: 15, address: 19, values: bitsOf('1011001110') }, '0F 0013 0009'],
    ['an FC16 echo of another address', { fc: 16, address: 1, values: [10, 258] }, '10 0002 0002'],
  ];
  for (const [what, request, pdu] of cases) {
    it(`throws ModbusFramingError for ${what}`, () => {
      expect(() => decodeResponse(request, hex(pdu))).toThrow(ModbusFramingError);
    });
  }
});

describe('decodeRequest answers malformed requests with the prescribed exception', () => {
  const cases: Array<[string, string, number, number]> = [
    ['an unknown function', '07', 7, ExceptionCode.illegalFunction],
    ['FC43 (not served)', '2B 0E 01 00', 0x2b, ExceptionCode.illegalFunction],
    ['a read of 0 registers', '03 0000 0000', 3, ExceptionCode.illegalDataValue],
    ['a read of 126 registers', '04 0000 007E', 4, ExceptionCode.illegalDataValue],
    ['a read of 2001 bits', '02 0000 07D1', 2, ExceptionCode.illegalDataValue],
    ['a read past address 65535', '03 FFFF 0002', 3, ExceptionCode.illegalDataAddress],
    ['a read PDU of the wrong length', '03 0000 0001 00', 3, ExceptionCode.illegalDataValue],
    ['a coil value other than FF00/0000', '05 0000 1234', 5, ExceptionCode.illegalDataValue],
    ['an FC6 PDU of the wrong length', '06 0000 01', 6, ExceptionCode.illegalDataValue],
    ['an FC15 byte count that disagrees', '0F 0013 000A 01 CD', 15, ExceptionCode.illegalDataValue],
    ['an FC15 PDU shorter than its byte count', '0F 0013 000A 02 CD', 15, ExceptionCode.illegalDataValue],
    ['an FC16 byte count that disagrees', '10 0001 0002 02 000A', 16, ExceptionCode.illegalDataValue],
    ['an FC16 of 124 registers', `10 0000 007C F8 ${'0000'.repeat(124)}`, 16, ExceptionCode.illegalDataValue],
    ['an FC16 past address 65535', '10 FFFF 0002 04 0000 0000', 16, ExceptionCode.illegalDataAddress],
  ];
  for (const [what, pdu, fc, exceptionCode] of cases) {
    it(`${what} → exception ${exceptionCode}`, () => {
      expect(decodeRequest(hex(pdu))).toEqual({ ok: false, fc, exceptionCode });
    });
  }
});

describe('encodeRequest refuses what it cannot send', () => {
  const cases: Array<[string, ModbusRequest]> = [
    ['quantity 0', { fc: 3, address: 0, quantity: 0 }],
    ['126 registers', { fc: 4, address: 0, quantity: 126 }],
    ['2001 bits', { fc: 1, address: 0, quantity: 2001 }],
    ['a span past 65535', { fc: 3, address: 65535, quantity: 2 }],
    ['a negative address', { fc: 3, address: -1, quantity: 1 }],
    ['a register value over 0xFFFF', { fc: 6, address: 0, value: 0x10000 }],
    ['an empty FC16', { fc: 16, address: 0, values: [] }],
    ['124 registers in FC16', { fc: 16, address: 0, values: new Array<number>(124).fill(0) }],
    ['1969 coils in FC15', { fc: 15, address: 0, values: new Array<boolean>(1969).fill(false) }],
  ];
  for (const [what, request] of cases) {
    it(`throws ModbusRequestError for ${what}`, () => {
      expect(() => encodeRequest(request)).toThrow(ModbusRequestError);
    });
  }
});

describe('MBAP framing', () => {
  // Implementation guide example: transaction 1, unit 0x11 (17), read holding 108–110.
  const specFrame = hex('0001 0000 0006 11 03 006B 0003');

  it('encodes the header: transaction, protocol 0, length = unit + PDU, unit', () => {
    expect(encodeMbap(1, 0x11, hex('03 006B 0003')).toString('hex')).toBe(specFrame.toString('hex'));
  });

  it('decodes one whole frame', () => {
    expect(new MbapDecoder().push(specFrame)).toEqual([{ transactionId: 1, unitId: 0x11, pdu: hex('03 006B 0003') }]);
  });

  it('reassembles a frame split into single bytes', () => {
    const decoder = new MbapDecoder();
    const frames = [];
    for (let i = 0; i < specFrame.length; i++) {
      frames.push(...decoder.push(specFrame.subarray(i, i + 1)));
      if (i < specFrame.length - 1) expect(decoder.pending).toBe(i + 1);
    }
    expect(frames).toEqual([{ transactionId: 1, unitId: 0x11, pdu: hex('03 006B 0003') }]);
    expect(decoder.pending).toBe(0);
  });

  it('splits joined frames and keeps the partial tail for the next chunk', () => {
    const second = encodeMbap(2, 1, hex('04 0000 000E'));
    const third = encodeMbap(0xffff, 255, hex('10 0001 0002 04 000A 0102'));
    const stream = Buffer.concat([specFrame, second, third]);
    const decoder = new MbapDecoder();
    const cut = specFrame.length + second.length + 5;
    const first = decoder.push(stream.subarray(0, cut));
    expect(first.map((f) => f.transactionId)).toEqual([1, 2]);
    expect(decoder.pending).toBe(5);
    const rest = decoder.push(stream.subarray(cut));
    expect(rest).toEqual([{ transactionId: 0xffff, unitId: 255, pdu: hex('10 0001 0002 04 000A 0102') }]);
  });

  it('does not keep a reference to bytes it already decoded', () => {
    const chunk = Buffer.from(specFrame);
    const [frame] = new MbapDecoder().push(chunk);
    chunk.fill(0);
    expect(frame!.pdu).toEqual(hex('03 006B 0003'));
  });

  const badHeaders: Array<[string, string]> = [
    ['protocol id 1', '0001 0001 0006 11 03 006B 0003'],
    ['length 0', '0001 0000 0000 11'],
    ['length 1 (unit id, no function)', '0001 0000 0001 11'],
    ['length 255 (PDU over 253 bytes)', '0001 0000 00FF 11'],
    ['HTTP instead of Modbus', Buffer.from('GET / HTTP/1.1\r\n').toString('hex')],
  ];
  for (const [what, bytes] of badHeaders) {
    it(`rejects ${what} with ModbusFramingError and drops what it held`, () => {
      const decoder = new MbapDecoder();
      expect(() => decoder.push(hex(bytes))).toThrow(ModbusFramingError);
      expect(decoder.pending).toBe(0);
    });
  }

  it('rejects a bad header that follows a good frame in the same chunk', () => {
    const decoder = new MbapDecoder();
    expect(() => decoder.push(Buffer.concat([specFrame, hex('0002 0007 0006 11 03 006B 0003')]))).toThrow(ModbusFramingError);
  });

  it('accepts the longest legal frame (length 254)', () => {
    const pdu = Buffer.alloc(253, 0);
    pdu[0] = 0x10;
    expect(new MbapDecoder().push(encodeMbap(7, 1, pdu))).toHaveLength(1);
  });
});

describe('one-buffer framing and zero-copy decoding (the client\'s per-request path)', () => {
  const requests: ModbusRequest[] = [
    { fc: 1, address: 19, quantity: 19 },
    { fc: 2, address: 0, quantity: 2000 },
    { fc: 3, address: 107, quantity: 3 },
    { fc: 4, address: 65530, quantity: 6 },
    { fc: 5, address: 172, value: true },
    { fc: 6, address: 1, value: 3 },
    { fc: 15, address: 19, values: [true, false, true, true, false, false, true, true, true, false] },
    { fc: 16, address: 1, values: [0x000a, 0x0102] },
  ];
  for (const request of requests) {
    it(`frames function ${request.fc} exactly as encodeMbap(encodeRequest(…)) does`, () => {
      // A dirty pool must not leak into the frame (function 15 packs bits into zeroed bytes).
      Buffer.allocUnsafe(64).fill(0xff);
      expect(encodeMbapRequest(0x1234, 17, request).toString('hex')).toBe(encodeMbap(0x1234, 17, encodeRequest(request)).toString('hex'));
    });
  }

  it('refuses a bad request before framing it, as encodeRequest does', () => {
    expect(() => encodeMbapRequest(1, 1, { fc: 3, address: 0, quantity: 126 })).toThrow(ModbusRequestError);
    expect(() => encodeMbapRequest(1, 1, { fc: 16, address: 65535, values: [1, 2] })).toThrow(ModbusRequestError);
  });

  it('each() hands over the same frames as push(), the PDU as a view into the bytes received', () => {
    const stream = Buffer.concat([encodeMbap(1, 1, hex('03 04 0001 0002')), encodeMbap(2, 9, hex('83 02')), encodeMbap(3, 1, hex('03 02 00ff'))]);
    const viaPush = new MbapDecoder().push(Buffer.from(stream));
    const viaEach: Array<{ transactionId: number; unitId: number; pdu: Buffer }> = [];
    const decoder = new MbapDecoder();
    const cut = 9;
    for (const chunk of [stream.subarray(0, cut), stream.subarray(cut)]) {
      decoder.each(chunk, (transactionId, unitId, pdu) => viaEach.push({ transactionId, unitId, pdu: Buffer.from(pdu) }));
    }
    expect(viaEach).toEqual(viaPush);
    let view: Buffer | null = null;
    new MbapDecoder().each(stream, (_t, _u, pdu) => (view ??= pdu));
    expect(view!.buffer).toBe(stream.buffer); // no copy: the decoder hands out the received bytes
  });

  it('stops at once when the handler resets the decoder (a dropped connection), keeping nothing', () => {
    const stream = Buffer.concat([encodeMbap(1, 1, hex('03 02 0001')), encodeMbap(2, 1, hex('03 02 0002')), encodeMbap(3, 1, hex('03 02 0003')).subarray(0, 5)]);
    const decoder = new MbapDecoder();
    const seen: number[] = [];
    decoder.each(stream, (transactionId) => {
      seen.push(transactionId);
      decoder.reset();
    });
    expect(seen).toEqual([1]);
    expect(decoder.pending).toBe(0);
  });

  it('a handler that throws leaves the decoder after its frame', () => {
    const stream = Buffer.concat([encodeMbap(1, 1, hex('03 02 0001')), encodeMbap(2, 1, hex('03 02 0002'))]);
    const decoder = new MbapDecoder();
    expect(() =>
      decoder.each(stream, () => {
        throw new Error('handler bug');
      }),
    ).toThrow('handler bug');
    expect(decoder.push(Buffer.alloc(0)).map((f) => f.transactionId)).toEqual([2]);
  });
});

