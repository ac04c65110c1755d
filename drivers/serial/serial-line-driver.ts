/**
 * Line-framed serial driver for ASCII devices: the weather station (rainfall hourly/24 h, wind,
 * temperature) and the LED headcount board at the shaft head.
 *
 * - listen mode: the device sends lines by itself; each poll takes the newest line received since
 *   the previous poll (older unread ones are counted as superseded), or waits up to timeoutMs for one.
 *   A value is never reported twice: no fresh line means timeout samples, not the old value again.
 * - request mode: each poll sends `query` + delimiter and takes the next line as the answer.
 * - writeLine(): sends one line of text (the LED board), refusing text that would break the framing.
 *
 * The port belongs to this driver alone (the config checks it), so no bus queue is needed.
 */
import type { SerialLineDeviceConfig } from '../../config/schema.js';
import type { Clock } from '../../agent/model/clock.js';
import type { Quality, Sample } from '../../agent/model/sample.js';
import type { Logger } from '../../agent/runtime/logger.js';
import type { Driver, DriverStats } from '../driver.js';
import { RoundTripWindow } from '../round-trip-stats.js';
import { checkLine, fieldValue, splitLine } from './line-parser.js';
import { LineSplitter } from './line-splitter.js';
import { SerialPortUnavailableError, type SerialConnection } from './serial-connection.js';

interface ReceivedLine {
  text: string;
  ts: number;
  mono: number;
}

type LineWait = { kind: 'line'; line: ReceivedLine } | { kind: 'timeout' } | { kind: 'lost'; reason: string };

export type LineWriteOutcome = { ok: true } | { ok: false; quality: Quality; reason: string };

export class SerialLineDriver implements Driver {
  readonly deviceId: string;
  private readonly splitter: LineSplitter;
  private readonly regex: RegExp | null;
  private readonly delimiter: Buffer;
  private readonly roundTrips = new RoundTripWindow();
  /** Listen mode: the newest line not yet taken by a poll. */
  private unread: ReceivedLine | null = null;
  private waiter: ((outcome: LineWait) => void) | null = null;
  private closed = false;
  private readonly counters = {
    requests: 0,
    responses: 0,
    linesReceived: 0,
    /** Listen mode: lines replaced by a newer one before any poll took them. */
    supersededLines: 0,
    /** Request mode: lines that arrived while no query was waiting. */
    unsolicitedLines: 0,
    unparsableLines: 0,
    errors: { timeout: 0, exception: 0, framing: 0, connection: 0, exceptionsByCode: {} as Record<string, number> },
    writes: { requests: 0, confirmed: 0, failed: 0, readBackMismatches: 0 },
    lastSuccessAt: null as number | null,
    lastError: null as string | null,
  };

  constructor(
    private readonly device: SerialLineDeviceConfig,
    private readonly connection: SerialConnection,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {
    this.deviceId = device.id;
    this.delimiter = Buffer.from(device.delimiter, device.encoding);
    this.splitter = new LineSplitter(this.delimiter, device.maxLineLength);
    this.regex = device.parse.format === 'regex' ? new RegExp(device.parse.pattern) : null;
    connection.onData((chunk) => this.onBytes(chunk));
    connection.onLoss((reason) => {
      this.splitter.reset();
      this.settle({ kind: 'lost', reason });
    });
  }

  async poll(): Promise<Sample[]> {
    if (this.closed) return this.failAll('comm_error');
    if (!(await this.connection.ensureOpen())) {
      this.counters.errors.connection++;
      this.counters.lastError = this.connection.stats().lastError ?? `${this.connection.label} is not open`;
      return this.failAll('comm_error');
    }
    if (this.device.points.length === 0) return [];
    const outcome = this.device.mode === 'request' ? await this.query() : await this.nextHeardLine();
    if (outcome.kind === 'line') return this.samplesFrom(outcome.line);
    if (outcome.kind === 'lost') {
      this.counters.errors.connection++;
      this.counters.lastError = `${this.deviceId}: ${outcome.reason}`;
      return this.failAll('comm_error');
    }
    this.counters.errors.timeout++;
    if (!(await this.connection.checkStillPresent())) return this.failAll('comm_error');
    this.counters.lastError =
      this.device.mode === 'request'
        ? `${this.deviceId} on ${this.connection.label}: no answer to "${this.device.query ?? ''}" within ${this.device.timeoutMs} ms (check wiring, baud rate and the query text)`
        : `${this.deviceId} on ${this.connection.label}: no line received within ${this.device.timeoutMs} ms (check wiring, baud rate, and that the device is set to send)`;
    return this.failAll('timeout');
  }

  /** Sends one line of text, e.g. the headcount to the LED board. Never throws. */
  async writeLine(text: string): Promise<LineWriteOutcome> {
    this.counters.writes.requests++;
    const refuse = (quality: Quality, reason: string): LineWriteOutcome => {
      this.counters.writes.failed++;
      return { ok: false, quality, reason: `${this.deviceId}: ${reason}` };
    };
    const bytes = Buffer.from(text, this.device.encoding);
    if (bytes.includes(this.delimiter)) return refuse('config_error', 'text contains the line delimiter; it would be taken for two lines');
    if (bytes.length > this.device.maxLineLength) return refuse('config_error', `text is ${bytes.length} bytes, more than maxLineLength ${this.device.maxLineLength}`);
    if (this.closed || !(await this.connection.ensureOpen())) {
      return refuse('comm_error', this.connection.stats().lastError ?? `${this.connection.label} is not open`);
    }
    try {
      await this.connection.write(Buffer.concat([bytes, this.delimiter]));
      return { ok: true };
    } catch (error) {
      return refuse('comm_error', (error as Error).message);
    }
  }

  close(): Promise<void> {
    this.closed = true;
    this.settle({ kind: 'lost', reason: 'driver closed' });
    return this.connection.close();
  }

  stats(): DriverStats & { linesReceived: number; supersededLines: number; unsolicitedLines: number; overlongLines: number; unparsableLines: number } {
    const { errors, writes, requests, responses, lastSuccessAt, lastError, linesReceived, supersededLines, unsolicitedLines, unparsableLines } = this.counters;
    return {
      deviceId: this.deviceId,
      endpoint: this.connection.label,
      connected: this.connection.isOpen,
      requests,
      responses,
      errors: { ...errors, exceptionsByCode: {} },
      blocksSplit: 0,
      writes: { ...writes },
      discardedResponses: supersededLines + unsolicitedLines + this.splitter.overlongLines,
      reconnects: Math.max(0, this.connection.stats().opens - 1),
      lastSuccessAt,
      lastError,
      roundTripMs: this.roundTrips.percentiles(),
      linesReceived,
      supersededLines,
      unsolicitedLines,
      overlongLines: this.splitter.overlongLines,
      unparsableLines,
    };
  }

  private async query(): Promise<LineWait> {
    const query = Buffer.concat([Buffer.from(this.device.query ?? '', this.device.encoding), this.delimiter]);
    let outcome: LineWait = { kind: 'timeout' };
    for (let attempt = 0; attempt <= this.device.retries; attempt++) {
      this.counters.requests++;
      const started = this.clock.monotonic();
      const answer = this.waitForLine();
      try {
        await this.connection.write(query);
      } catch (error) {
        this.settle({ kind: 'lost', reason: error instanceof SerialPortUnavailableError ? error.message : String(error) });
      }
      outcome = await answer;
      if (outcome.kind === 'line') this.roundTrips.add(outcome.line.mono - started);
      if (outcome.kind !== 'timeout') return outcome;
    }
    return outcome;
  }

  private nextHeardLine(): Promise<LineWait> {
    const line = this.unread;
    if (line) {
      this.unread = null;
      return Promise.resolve({ kind: 'line', line });
    }
    return this.waitForLine();
  }

  private waitForLine(): Promise<LineWait> {
    this.settle({ kind: 'timeout' }); // at most one waiter; a stale one (cannot normally exist) gives up
    return new Promise<LineWait>((resolve) => {
      const timer = setTimeout(() => this.settle({ kind: 'timeout' }), this.device.timeoutMs);
      this.waiter = (outcome) => {
        clearTimeout(timer);
        resolve(outcome);
      };
    });
  }

  private settle(outcome: LineWait): void {
    const waiter = this.waiter;
    this.waiter = null;
    waiter?.(outcome);
  }

  private onBytes(chunk: Buffer): void {
    for (const raw of this.splitter.push(chunk)) {
      this.counters.linesReceived++;
      const line: ReceivedLine = { text: raw.toString(this.device.encoding), ts: this.clock.now(), mono: this.clock.monotonic() };
      if (this.waiter) {
        this.settle({ kind: 'line', line });
      } else if (this.device.mode === 'listen') {
        if (this.unread) this.counters.supersededLines++;
        this.unread = line;
      } else {
        this.counters.unsolicitedLines++; // e.g. a late answer after a timeout: never taken for the next one
      }
    }
  }

  private samplesFrom(line: ReceivedLine): Sample[] {
    const checked = checkLine(line.text, this.device.checksum);
    const split = checked.ok ? splitLine(checked.body, this.device.parse, this.regex) : checked;
    if (!split.ok) {
      this.counters.unparsableLines++;
      this.counters.errors.framing++;
      this.counters.lastError = `${this.deviceId} on ${this.connection.label}: ${split.reason}`;
      if (this.counters.unparsableLines === 1 || this.counters.unparsableLines % 100 === 0) {
        this.logger.warn({ device: this.deviceId, unparsable: this.counters.unparsableLines }, this.counters.lastError);
      }
      return this.failAll('framing_error', line);
    }
    this.counters.responses++;
    this.counters.lastSuccessAt = line.ts;
    return this.device.points.map((point) => {
      const parsed = fieldValue(point, split.fields);
      const base = { deviceId: this.deviceId, pointId: point.id, ts: line.ts, mono: line.mono };
      if (parsed.ok) return { ...base, value: parsed.value, quality: 'good' as const };
      this.counters.errors.framing++;
      this.counters.lastError = `${this.deviceId} point ${point.id}: ${parsed.reason}`;
      return { ...base, value: null, quality: 'framing_error' as const };
    });
  }

  private failAll(quality: Quality, at?: ReceivedLine): Sample[] {
    const ts = at?.ts ?? this.clock.now();
    const mono = at?.mono ?? this.clock.monotonic();
    return this.device.points.map((point) => ({ deviceId: this.deviceId, pointId: point.id, value: null, quality, ts, mono }));
  }
}
