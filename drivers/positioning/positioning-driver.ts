/**
 * Driver for a personnel-positioning substation (人员定位分站) on Modbus TCP. Each cycle reads the
 * header (and samples the configured points, most of them from that same read), then the events
 * new since the last one really read, and — every `cardTableIntervalMs`, or at the next cycle
 * after a failed attempt — the whole card table. The cycle's PollCycle carries it all as
 * `positioning` (agent/model/positioning.ts).
 *
 * Unknown is not safe: a read that fails gives a quality that says why, `cards: null` and no
 * events beyond those really read; the event cursor stays on the last event really read, so the
 * next successful cycle resumes there without losing or repeating one.
 */
import type { ModbusTcpDeviceConfig, PositioningReaderConfig } from '../../config/schema.js';
import type { Clock } from '../../agent/model/clock.js';
import type { PositioningRead, RejectedRecord, SubstationHeader } from '../../agent/model/positioning.js';
import type { PollCycle, Quality, Sample } from '../../agent/model/sample.js';
import type { Logger } from '../../agent/runtime/logger.js';
import type { DriverStats } from '../driver.js';
import { readCardTable } from './card-table-reader.js';
import { EventReader, type HeaderSource } from './event-reader.js';
import { HeaderPoints, type HeaderAnswer } from './header-points.js';
import { PositioningLink, type ReadFailure } from './positioning-link.js';
import { HEADER_ADDRESS, HEADER_WORDS, decodeHeader, headerProblem, type RawHeader } from './positioning-map.js';
import type { PollCycleDriver } from '../driver.js';
import type { RecordRules } from './record-validation.js';

export type PositioningDeviceConfig = ModbusTcpDeviceConfig & { positioning: PositioningReaderConfig };

export interface PositioningDriverOptions {
  /** Requests on the wire at once (default 1, as most substations expect). */
  maxInflight?: number;
  reconnectMinMs?: number;
  reconnectMaxMs?: number;
  /** The last event seq the agent applied before a restart (persisted by the caller): resume after it. */
  resumeAfterSeq?: number;
}

/** Counters beyond DriverStats, for diagnostics and the benchmark. */
export interface PositioningStats {
  eventsDelivered: number;
  missedEvents: number;
  resyncs: number;
  rejectedRecords: number;
  cardTableReads: number;
  cardTableFailures: number;
  /** Duration of the last complete card-table read, and the requests it took. */
  lastCardTableReadMs: number | null;
  lastCardTableRequests: number | null;
  /** The last event seq read (the cursor), null before the first read. */
  lastEventSeq: number | null;
}

type HeaderRead = { ok: true; header: RawHeader; answer: HeaderAnswer } | ReadFailure;

export class PositioningDriver implements PollCycleDriver {
  readonly deviceId: string;
  private readonly link: PositioningLink;
  private readonly points: HeaderPoints;
  private readonly events: EventReader;
  private readonly rules: RecordRules;
  private readonly cardTableIntervalMs: number;
  /** Monotonic time the next card-table read is due; 0 = at the first cycle. */
  private cardTableDueAt = 0;
  private lastQuality: Quality = 'good';
  private readonly counters: Omit<PositioningStats, 'lastEventSeq'> = {
    eventsDelivered: 0,
    missedEvents: 0,
    resyncs: 0,
    rejectedRecords: 0,
    cardTableReads: 0,
    cardTableFailures: 0,
    lastCardTableReadMs: null,
    lastCardTableRequests: null,
  };

  constructor(
    device: PositioningDeviceConfig,
    private readonly clock: Clock,
    private readonly logger: Logger,
    options: PositioningDriverOptions = {},
  ) {
    this.deviceId = device.id;
    this.link = new PositioningLink(device, clock, logger, {
      maxInflight: options.maxInflight ?? 1,
      reconnectMinMs: options.reconnectMinMs ?? 500,
      reconnectMaxMs: options.reconnectMaxMs ?? 30_000,
    });
    this.points = new HeaderPoints(device);
    const { cardNumbers, readers, cardTableIntervalMs } = device.positioning;
    this.rules = {
      cardMin: cardNumbers.min,
      cardMax: cardNumbers.max,
      readerZones: readers ? new Map(readers.map((reader) => [reader.id, reader.zone])) : null,
    };
    this.cardTableIntervalMs = cardTableIntervalMs;
    this.events = new EventReader(this.rules, options.resumeAfterSeq);
  }

  /**
   * The configured points only: no events are consumed and no card table is read, so a caller that
   * does not know PollCycle loses nothing (positioning then simply goes stale, visibly).
   */
  async poll(): Promise<Sample[]> {
    const connectFailure = await this.link.connect();
    const headerRead = connectFailure ?? (await this.readHeader());
    const samples = await this.points.samples(this.link, headerRead.ok ? headerRead.answer : headerRead, this.stamp());
    this.link.endCycle(isSilence(headerRead));
    return samples;
  }

  async pollCycle(): Promise<PollCycle> {
    const startedAt = this.clock.now();
    const startedMono = this.clock.monotonic();
    const connectFailure = await this.link.connect();
    const headerRead = connectFailure ?? (await this.readHeader());
    const samples = await this.points.samples(this.link, headerRead.ok ? headerRead.answer : headerRead, this.stamp());
    const positioning = headerRead.ok ? await this.readTables(headerRead.header, startedMono) : this.failedRead(headerRead);
    this.link.endCycle(positioning.quality === 'timeout' || positioning.quality === 'comm_error');
    this.count(positioning);
    return { deviceId: this.deviceId, startedAt, finishedAt: this.clock.now(), samples, positioning };
  }

  async close(): Promise<void> {
    this.link.close();
    return Promise.resolve();
  }

  stats(): DriverStats {
    return this.link.stats();
  }

  positioningStats(): PositioningStats {
    return { ...this.counters, lastEventSeq: this.events.lastSeq };
  }

  private async readTables(header: RawHeader, startedMono: number): Promise<PositioningRead> {
    const problem = headerProblem(header);
    if (problem !== null) return this.failedRead({ ok: false, quality: 'config_error', reason: `${this.deviceId} header: ${problem}` }, header);
    let latest = header;
    const rereadHeader: HeaderSource = async () => {
      const read = await this.readHeader();
      if (!read.ok) return read;
      const again = headerProblem(read.header);
      if (again !== null) return { ok: false, quality: 'config_error', reason: `${this.deviceId} header: ${again}` };
      latest = read.header;
      return read;
    };
    const events = await this.events.read(this.link, header, rereadHeader);
    const rejected: RejectedRecord[] = [...events.rejected];
    let failure = events.failure;
    let cards: PositioningRead['cards'] = null;
    // A device that just went silent would cost a timeout per block: leave the table for a later cycle.
    if (failure === null && this.clock.monotonic() >= this.cardTableDueAt) {
      const started = this.clock.monotonic();
      const table = await readCardTable(this.link, latest, this.rules);
      if (table.ok) {
        cards = table.cards;
        rejected.push(...table.rejected);
        this.cardTableDueAt = startedMono + this.cardTableIntervalMs;
        this.counters.cardTableReads++;
        this.counters.lastCardTableReadMs = this.clock.monotonic() - started;
        this.counters.lastCardTableRequests = table.requests;
      } else {
        failure = table;
        this.counters.cardTableFailures++;
      }
    }
    if (rejected.length > 0) this.logger.warn({ device: this.deviceId, rejected: rejected.slice(0, 5), count: rejected.length }, 'positioning records rejected');
    return {
      ...this.stampRead(failure?.quality ?? 'good', failure?.reason ?? null),
      header: substationHeader(latest),
      cards,
      events: events.events,
      missedEvents: events.missed,
      eventsResynced: events.resynced,
      rejected,
    };
  }

  private async readHeader(): Promise<HeaderRead> {
    const read = await this.link.readInputs(HEADER_ADDRESS, HEADER_WORDS);
    if (!read.ok) return read;
    if (read.registers.length !== HEADER_WORDS) return { ok: false, quality: 'framing_error', reason: `${this.deviceId} header: ${read.registers.length} registers` };
    return { ok: true, header: decodeHeader(read.registers), answer: read };
  }

  private failedRead(failure: ReadFailure, header: RawHeader | null = null): PositioningRead {
    return {
      ...this.stampRead(failure.quality, failure.reason),
      header: header ? substationHeader(header) : null,
      cards: null,
      events: [],
      missedEvents: 0,
      eventsResynced: false,
      rejected: [],
    };
  }

  private stampRead(quality: Quality, detail: string | null): Pick<PositioningRead, 'deviceId' | 'at' | 'mono' | 'quality' | 'detail'> {
    return { deviceId: this.deviceId, at: this.clock.now(), mono: this.clock.monotonic(), quality, detail };
  }

  private stamp(): { ts: number; mono: number } {
    return { ts: this.clock.now(), mono: this.clock.monotonic() };
  }

  private count(read: PositioningRead): void {
    this.counters.eventsDelivered += read.events.length;
    this.counters.missedEvents += read.missedEvents;
    if (read.eventsResynced) this.counters.resyncs++;
    this.counters.rejectedRecords += read.rejected.length;
    // Log changes of state, not every failing cycle (a dead substation would flood the journal).
    if (read.quality === this.lastQuality) return;
    if (read.quality === 'good') this.logger.info({ device: this.deviceId, was: this.lastQuality }, 'positioning reads good again');
    else this.logger.warn({ device: this.deviceId, quality: read.quality }, read.detail ?? 'positioning read failed');
    this.lastQuality = read.quality;
  }
}

function isSilence(read: HeaderRead | ReadFailure): boolean {
  return !read.ok && (read.quality === 'timeout' || read.quality === 'comm_error');
}

function substationHeader(header: RawHeader): SubstationHeader {
  return {
    cardCount: header.cardCount,
    newestSeq: header.newestSeq,
    oldestSeq: header.oldestSeq,
    cardsUnderground: header.cardsUnderground,
    emergencyCalls: header.emergencyCalls,
    substationTime: header.substationTimeS * 1000,
  };
}
