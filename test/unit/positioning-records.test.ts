/**
 * Record validation and header geometry of the positioning driver, and the config block that
 * turns it on: a bad record is refused with a reason, never used.
 */
import { describe, expect, it } from 'vitest';
import { modbusRtuDeviceSchema, modbusTcpDeviceSchema } from '../../config/schema.js';
import { cardTableBlocks } from '../../drivers/positioning/card-table-reader.js';
import { decodeHeader, headerProblem, type RawCardRecord, type RawEventRecord } from '../../drivers/positioning/positioning-map.js';
import { checkCard, checkCardTable, checkEvent, type RecordRules } from '../../drivers/positioning/record-validation.js';

const NOW_S = 1_750_000_000;
const rules: RecordRules = { cardMin: 1, cardMax: 0xffff_fffe, readerZones: new Map([[1, 1], [2, 1], [32, 32]]) };
const event = (over: Partial<RawEventRecord> = {}): RawEventRecord => ({ seq: 1, card: 100_001, timeS: NOW_S, reader: 1, kindCode: 1, ...over });
const card = (over: Partial<RawCardRecord> = {}): RawCardRecord => ({ card: 100_001, reader: 32, zone: 32, lastSeenS: NOW_S, flags: 1, reserved: 0, ...over });

describe('event records', () => {
  it('turns a plausible record into an event with ms time and a string card', () => {
    expect(checkEvent(event(), rules, NOW_S)).toEqual({ ok: true, value: { seq: 1, card: '100001', at: NOW_S * 1000, reader: 1, kind: 'entry' } });
    expect(checkEvent(event({ kindCode: 3, reader: 0 }), rules, NOW_S)).toMatchObject({ ok: true, value: { kind: 'emergency_call', reader: 0 } });
  });

  it.each([
    ['unknown kind', event({ kindCode: 9 }), /unknown event kind 9/],
    ['card 0', event({ card: 0 }), /card number 0/],
    ['card 0xFFFFFFFF', event({ card: 0xffff_ffff }), /card number 4294967295/],
    ['entry without reader', event({ reader: 0 }), /entry event without a reader/],
    ['reader not in layout', event({ reader: 77 }), /reader 77 is not in the layout/],
    ['time before 2000', event({ timeS: 5 }), /before 2000/],
    ['time far ahead of the substation clock', event({ timeS: NOW_S + 3600 }), /3600 s after/],
  ])('refuses %s', (_name, raw, reason) => {
    const checked = checkEvent(raw, rules, NOW_S);
    expect(checked.ok).toBe(false);
    if (!checked.ok) expect(checked.reason).toMatch(reason);
  });
});

describe('card records', () => {
  it('reads flags and keeps "never heard" as null, not 1970', () => {
    expect(checkCard(card({ flags: 7 }), rules, NOW_S)).toEqual({
      ok: true,
      value: { card: '100001', reader: 32, zone: 32, lastSeenAt: NOW_S * 1000, underground: true, emergency: true, signalLost: true },
    });
    expect(checkCard(card({ reader: 0, zone: 0, lastSeenS: 0, flags: 0 }), rules, NOW_S)).toMatchObject({ ok: true, value: { lastSeenAt: null, underground: false } });
  });

  it.each([
    ['zone not the reader’s', card({ zone: 5 }), /zone 5 is not reader 32's zone/],
    ['reader without zone', card({ zone: 0 }), /reader 32 with zone 0/],
    ['unknown flag bits', card({ flags: 0x11 }), /unknown flag bits/],
    ['signal lost above ground', card({ flags: 4 }), /not underground/],
    ['reserved word set', card({ reserved: 3 }), /reserved word/],
    ['last seen in the future', card({ lastSeenS: NOW_S + 1000 }), /after the substation clock/],
  ])('refuses %s', (_name, raw, reason) => {
    const checked = checkCard(raw, rules, NOW_S);
    expect(checked.ok).toBe(false);
    if (!checked.ok) expect(checked.reason).toMatch(reason);
  });

  it('refuses a card number that appears twice, at both places, and keeps the rest', () => {
    const { cards, rejected } = checkCardTable([card(), card({ card: 100_002 }), card()], rules, NOW_S);
    expect(cards.map((c) => c.card)).toEqual(['100002']);
    expect(rejected.map((r) => [r.region, r.index])).toEqual([
      ['card', 0],
      ['card', 2],
    ]);
  });

  it('checks only ranges when the layout readers are not configured', () => {
    expect(checkCard(card({ reader: 900, zone: 901 }), { ...rules, readerZones: null }, NOW_S).ok).toBe(true);
  });
});

describe('header geometry', () => {
  const words = (over: Record<number, number> = {}) => {
    const regs = [624, 8, 4000, 256, 1000, 8, 0, 300, 0, 45, 3, 0, 0x6850, 0x4e80];
    for (const [at, value] of Object.entries(over)) regs[Number(at)] = value;
    return regs;
  };

  it('decodes the documented header and finds it coherent', () => {
    const header = decodeHeader(words());
    expect(header).toMatchObject({ cardCount: 624, newestSeq: 300, oldestSeq: 45, cardsUnderground: 3, substationTimeS: 0x68504e80 });
    expect(headerProblem(header)).toBeNull();
    expect(headerProblem(decodeHeader(words({ 7: 0, 9: 0 })))).toBeNull();
  });

  it.each([
    ['other record sizes', { 1: 10 }, /records of 10/],
    ['a card table running past 65535', { 0: 8000 }, /card table/],
    ['overlapping tables', { 2: 1000 }, /overlap/],
    ['a ring holding more than its slots', { 9: 1 }, /do not fit a ring of 256/],
    ['oldest above newest', { 9: 400 }, /do not fit/],
  ])('refuses %s', (_name, over, reason) => {
    expect(headerProblem(decodeHeader(words(over)))).toMatch(reason);
  });

  it('reads 624 cards in 42 blocks of whole records, none over 125 registers', () => {
    const blocks = cardTableBlocks(4000, 624);
    expect(blocks).toHaveLength(42);
    expect(Math.max(...blocks.map((b) => b.quantity))).toBe(120);
    expect(blocks.at(-1)).toEqual({ address: 4000 + 615 * 8, quantity: 9 * 8 });
  });
});

describe('config: the positioning block', () => {
  const base = { id: 'pp-1', transport: 'modbus-tcp', host: '127.0.0.1', points: [{ id: 'card_count', table: 'input', address: 0, type: 'uint16' }] };

  it('is accepted on a personnel_positioning device, with defaults', () => {
    const parsed = modbusTcpDeviceSchema.parse({ ...base, system: 'personnel_positioning', positioning: {} });
    expect(parsed.positioning).toEqual({ cardTableIntervalMs: 30_000, cardNumbers: { min: 1, max: 0xffff_fffe } });
  });

  it('is refused on any other system, with a clear reason', () => {
    const result = modbusTcpDeviceSchema.safeParse({ ...base, system: 'safety_monitoring', positioning: {} });
    expect(result.success).toBe(false);
    expect(result.error?.issues).toEqual([
      expect.objectContaining({ path: ['positioning'], message: expect.stringMatching(/only allowed on a device with system personnel_positioning; this device's system is safety_monitoring/) as unknown }),
    ]);
  });

  it('refuses a card-table interval above 30 s, duplicate readers and an empty card range', () => {
    const result = modbusTcpDeviceSchema.safeParse({
      ...base,
      system: 'personnel_positioning',
      positioning: { cardTableIntervalMs: 60_000, readers: [{ id: 1, zone: 1 }, { id: 1, zone: 2 }], cardNumbers: { min: 10, max: 5 } },
    });
    expect(result.error?.issues.map((issue) => issue.path.join('.')).sort()).toEqual(['positioning.cardNumbers', 'positioning.cardTableIntervalMs', 'positioning.readers.1.id']);
  });

  it('does not leak onto RTU devices', () => {
    const rtu = { ...base, transport: 'modbus-rtu', serialPort: 'p1', unitId: 1, system: 'personnel_positioning', host: undefined };
    expect(modbusRtuDeviceSchema.safeParse({ ...rtu, positioning: {} }).success).toBe(false);
  });
});
