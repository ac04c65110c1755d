/**
 * Register map of the simulated personnel-positioning substation (人员定位分站). Three regions of
 * input registers (FC4), all big-endian, uint32 as two registers high word first (ABCD):
 *
 * - a header (0–13, contiguous: one read) with the table geometry, the event sequence numbers and a few counts;
 * - an event FIFO (ring) of entry/exit at the shaft-head readers and emergency calls, at
 *   EVENT_TABLE_BASE: event number `seq` sits in slot `seq mod EVENT_SLOTS`; every record carries
 *   its seq, so a master that reads "events since N" can tell an overwritten slot from a new one
 *   and knows it missed events when N < event_seq_oldest − 1;
 * - a card table at CARD_TABLE_BASE: one fixed-size record per card, in roster order, so a full
 *   snapshot is ⌈cards × 8 / 120⌉ block reads of 120 registers (15 records each).
 */
import { intInput, type MapEntry } from './register-map.js';

export const RECORD_WORDS = 8;
export const EVENT_SLOTS = 256;
export const EVENT_TABLE_BASE = 1000;
export const CARD_TABLE_BASE = 4000;
/** The card table must fit below address 65536. */
export const MAX_CARDS = Math.floor((0x10000 - CARD_TABLE_BASE) / RECORD_WORDS);
/** Whole records per read: 120 of the 125 registers a read may return. */
export const RECORDS_PER_READ = Math.floor(125 / RECORD_WORDS);
/** An underground card not heard for this long is flagged "signal lost". */
export const SIGNAL_LOST_AFTER_MS = 5 * 60_000;

export const EventKind = { entry: 1, exit: 2, emergencyCall: 3, emergencyCleared: 4 } as const;
export type EventKindName = keyof typeof EventKind;

export const CardFlag = { underground: 1, emergencyCall: 2, signalLost: 4 } as const;

export const POSITIONING_HEADER: readonly MapEntry[] = [
  intInput('uint16', { address: 0, id: 'card_count', nameZh: '定位卡数', meaning: 'records in the card table (one per issued card)' }),
  intInput('uint16', { address: 1, id: 'record_words', nameZh: '记录长度', range: '8', meaning: 'registers per record, card table and event FIFO alike' }),
  intInput('uint16', { address: 2, id: 'card_table_base', nameZh: '卡表起始地址', range: String(CARD_TABLE_BASE), meaning: 'input register of card record 0' }),
  intInput('uint16', { address: 3, id: 'event_slots', nameZh: '事件缓冲容量', range: String(EVENT_SLOTS), meaning: 'slots in the event FIFO ring' }),
  intInput('uint16', { address: 4, id: 'event_table_base', nameZh: '事件表起始地址', range: String(EVENT_TABLE_BASE), meaning: 'input register of event slot 0' }),
  intInput('uint16', { address: 5, id: 'event_record_words', nameZh: '事件记录长度', range: '8', meaning: 'registers per event record' }),
  intInput('uint32', { address: 6, id: 'event_seq_newest', nameZh: '最新事件序号', meaning: 'seq of the newest event (1 for the first; 0 = none yet)' }),
  intInput('uint32', { address: 8, id: 'event_seq_oldest', nameZh: '最早事件序号', meaning: 'seq of the oldest event still in the FIFO (0 = none yet)' }),
  intInput('uint16', { address: 10, id: 'cards_underground', nameZh: '井下人数(分站)', meaning: 'cards that entered and have not exited, as the substation counts them' }),
  intInput('uint16', { address: 11, id: 'emergency_calls', nameZh: '紧急呼叫数', meaning: 'cards with the emergency call flag set' }),
  intInput('uint32', { address: 12, id: 'substation_time', nameZh: '分站时间', unit: 's', meaning: 'the substation clock, Unix time (s)' }),
];

/** A record's fields: word offset, type, meaning — documented in the README from this list. */
export interface RecordField {
  offset: number;
  id: string;
  type: 'uint16' | 'uint32';
  meaning: string;
  nameZh: string;
}

export const CARD_RECORD: readonly RecordField[] = [
  { offset: 0, id: 'card', type: 'uint32', nameZh: '卡号', meaning: 'card number (as in the roster)' },
  { offset: 2, id: 'reader', type: 'uint16', nameZh: '读卡器', meaning: 'reader that saw the card last (layout.yaml readers[].id); 0 = not seen since power-up' },
  { offset: 3, id: 'zone', type: 'uint16', nameZh: '区域', meaning: "that reader's zone (layout.yaml zones[].id); 0 = not seen" },
  { offset: 4, id: 'last_seen', type: 'uint32', nameZh: '最后识别时间', meaning: 'Unix time (s) the card was last heard; 0 = never' },
  { offset: 6, id: 'flags', type: 'uint16', nameZh: '状态', meaning: 'bit 0 underground (entered, not exited), bit 1 emergency call, bit 2 signal lost (underground, not heard for 5 min)' },
  { offset: 7, id: 'reserved', type: 'uint16', nameZh: '保留', meaning: 'always 0' },
];

export const EVENT_RECORD: readonly RecordField[] = [
  { offset: 0, id: 'seq', type: 'uint32', nameZh: '事件序号', meaning: 'event number; 0 = slot never written' },
  { offset: 2, id: 'card', type: 'uint32', nameZh: '卡号', meaning: 'card number' },
  { offset: 4, id: 'time', type: 'uint32', nameZh: '时间', meaning: 'Unix time (s) of the event' },
  { offset: 6, id: 'reader', type: 'uint16', nameZh: '读卡器', meaning: 'reader (the shaft-head entry/exit reader for entry/exit)' },
  { offset: 7, id: 'kind', type: 'uint16', nameZh: '类型', meaning: '1 entry 下井, 2 exit 升井, 3 emergency call 紧急呼叫, 4 emergency call cleared 呼叫解除' },
];
