/**
 * One owner per RS-485 port. Every RTU request of every slave on the port goes through this queue:
 * strictly one request on the wire at a time, an inter-frame gap before each request, a per-request
 * timeout, and defensive resynchronisation after anything unexpected (drop the partial frame, wait
 * for the line to fall silent, flush the input) so a corrupted or late frame can never be taken for
 * the next request's answer.
 *
 * The queue is keyed by nothing but arrival order — never by unit id: two "locks" for one wire is how
 * other gateways put two masters' frames on top of each other. It is bounded; a request beyond the
 * limit is refused at once and counted. The one exception to arrival order: a slave that just timed
 * out waits out its quiet period (see post-timeout-quiet.ts) while the others go ahead of it; its
 * own requests keep their order.
 */
import type { Clock } from '../../../agent/model/clock.js';
import type { Logger } from '../../../agent/runtime/logger.js';
import { SerialPortUnavailableError, type SerialConnection, type SerialConnectionStats } from '../../serial/serial-connection.js';
import type { ModbusRequest, ModbusResponse } from '../protocol/pdu.js';
import { PostTimeoutQuiet } from './post-timeout-quiet.js';
import { RtuFrameError, RtuResponseReader, encodeRtuRequest, type RtuRejectReason } from './rtu-frame.js';
import { interFrameSilenceMs, type CharacterFormat } from './rtu-timing.js';

export class BusTimeoutError extends Error {
  override readonly name = 'BusTimeoutError';
}

export class BusQueueFullError extends Error {
  override readonly name = 'BusQueueFullError';
}

export interface SerialBusOptions {
  clock: Clock;
  logger: Logger;
  /** Silence before each request; defaults to 3.5 character times (t3.5) at the port's settings. */
  interFrameGapMs?: number;
  /** Requests waiting for the wire, at most. */
  queueLimit?: number;
}

export interface SerialBusStats {
  port: SerialConnectionStats;
  requests: number;
  responses: number;
  timeouts: number;
  /** Responses rejected before decoding, by what was wrong with them. */
  rejectedFrames: Record<RtuRejectReason, number>;
  /** Bytes that arrived while no request was waiting, or after a complete frame: dropped. */
  discardedBytes: number;
  /** Of those, bytes that arrived while no request was outstanding at all (late answers, another master). */
  idleBytes: number;
  /** Late answers: bursts of bytes from a slave after its request timed out, discarded. */
  lateAnswers: number;
  /** Requests that waited for their slave's post-timeout quiet period. */
  quietWaits: number;
  resyncs: number;
  queueDepth: number;
  queueDrops: number;
  interFrameGapMs: number;
}

interface QueuedRequest {
  unitId: number;
  request: ModbusRequest;
  timeoutMs: number;
  quietAfterTimeoutMs: number;
  /** Counted once in quietWaits when first held back for its slave's quiet period. */
  heldBack?: boolean;
  resolve: (response: ModbusResponse) => void;
  reject: (error: Error) => void;
}

type WireOutcome =
  | { kind: 'response'; response: ModbusResponse; trailingBytes: number }
  | { kind: 'rejected'; error: RtuFrameError }
  | { kind: 'timeout' }
  | { kind: 'lost'; error: Error };

interface AwaitingAnswer {
  reader: RtuResponseReader;
  settle: (outcome: WireOutcome) => void;
}

/** Longest we wait for a babbling line to fall silent before sending anyway (and failing on the answer). */
const MAX_RESYNC_WAIT_MS = 250;

export class SerialBus {
  readonly interFrameGapMs: number;
  private readonly silenceMs: number;
  private readonly queueLimit: number;
  private readonly queue: QueuedRequest[] = [];
  private pumping = false;
  private awaiting: AwaitingAnswer | null = null;
  /** Monotonic time of the last byte seen on the line, either way. */
  private lastLineActivity = 0;
  private needsResync = false;
  private readonly quiet = new PostTimeoutQuiet();
  /** Wakes the pump while it sleeps for a quiet period (a new request may be for another slave). */
  private wakePump: (() => void) | null = null;
  private users = 0;
  private closed = false;
  private readonly counters = {
    requests: 0,
    responses: 0,
    timeouts: 0,
    rejectedFrames: { address: 0, function: 0, crc: 0, content: 0 } as Record<RtuRejectReason, number>,
    discardedBytes: 0,
    idleBytes: 0,
    resyncs: 0,
    queueDrops: 0,
  };

  constructor(
    readonly connection: SerialConnection,
    format: CharacterFormat,
    private readonly options: SerialBusOptions,
  ) {
    this.silenceMs = interFrameSilenceMs(format);
    this.interFrameGapMs = Math.max(options.interFrameGapMs ?? this.silenceMs, 0);
    this.queueLimit = options.queueLimit ?? 64;
    connection.onData((chunk) => this.onBytes(chunk));
    connection.onLoss((reason) => this.awaiting?.settle({ kind: 'lost', error: new SerialPortUnavailableError(reason) }));
  }

  get label(): string {
    return this.connection.label;
  }

  get isOpen(): boolean {
    return this.connection.isOpen;
  }

  /** Opens the port if it is closed and its reopen backoff allows; false when it is not available. */
  ensureOpen(): Promise<boolean> {
    return this.connection.ensureOpen();
  }

  /** A driver registers itself; the port closes when the last one detaches. */
  attach(): void {
    this.users++;
  }

  async detach(): Promise<void> {
    this.users = Math.max(0, this.users - 1);
    if (this.users === 0) await this.close();
  }

  /**
   * Queues one request and resolves with its validated response (possibly a Modbus exception).
   * Rejects with BusTimeoutError, RtuFrameError (a ModbusFramingError), SerialPortUnavailableError,
   * or BusQueueFullError. After a timeout the slave is not asked again for `quietAfterTimeoutMs`
   * (default: `timeoutMs`), so its late answer cannot be taken for the next one.
   */
  transact(unitId: number, request: ModbusRequest, timeoutMs: number, quietAfterTimeoutMs = timeoutMs): Promise<ModbusResponse> {
    if (this.closed) return Promise.reject(new SerialPortUnavailableError(`${this.label} is closed`));
    if (this.queue.length >= this.queueLimit) {
      this.counters.queueDrops++;
      return Promise.reject(
        new BusQueueFullError(`${this.label}: ${this.queueLimit} requests already waiting; the poll intervals ask for more than the line can carry`),
      );
    }
    return new Promise<ModbusResponse>((resolve, reject) => {
      this.queue.push({ unitId, request, timeoutMs, quietAfterTimeoutMs, resolve, reject });
      this.wakePump?.();
      this.pump();
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const item of this.queue.splice(0)) item.reject(new SerialPortUnavailableError(`${this.label} is closed`));
    this.wakePump?.();
    await this.connection.close();
  }

  /** Late answers from one slave, discarded (its driver reports them as discardedResponses). */
  lateAnswersFrom(unitId: number): number {
    return this.quiet.lateAnswersFrom(unitId);
  }

  stats(): SerialBusStats {
    const { rejectedFrames, ...rest } = this.counters;
    return {
      port: this.connection.stats(),
      ...rest,
      lateAnswers: this.quiet.lateAnswers,
      quietWaits: this.quiet.waits,
      rejectedFrames: { ...rejectedFrames },
      queueDepth: this.queue.length,
      interFrameGapMs: this.interFrameGapMs,
    };
  }

  private pump(): void {
    if (this.pumping) return;
    this.pumping = true;
    void (async () => {
      try {
        while (this.queue.length > 0) {
          const item = this.takeNextReady();
          if (!item) {
            await this.sleepUntilASlaveMayBeAsked();
            continue;
          }
          try {
            await this.execute(item);
          } catch (error) {
            // execute settles every request itself; this only guards the loop against a bug.
            item.reject(error instanceof Error ? error : new Error(String(error)));
          }
        }
      } finally {
        this.pumping = false;
      }
    })();
  }

  /** The first queued request whose slave is not in its post-timeout quiet period. */
  private takeNextReady(): QueuedRequest | undefined {
    const now = this.options.clock.monotonic();
    const index = this.queue.findIndex((item) => !this.quiet.isQuiet(item.unitId, now));
    this.markHeldBack(index === -1 ? this.queue : this.queue.slice(0, index));
    if (index === -1) return undefined;
    return this.queue.splice(index, 1)[0];
  }

  /** Every queued request is for a quiet slave: sleep until the first quiet period ends, or a new request arrives. */
  private async sleepUntilASlaveMayBeAsked(): Promise<void> {
    const until = this.quiet.earliestEnd(this.queue.map((item) => item.unitId));
    if (until === null) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(wake, Math.max(0, until - this.options.clock.monotonic()));
      function wake() {
        clearTimeout(timer);
        resolve();
      }
      this.wakePump = wake;
    });
    this.wakePump = null;
  }

  private markHeldBack(items: readonly QueuedRequest[]): void {
    for (const item of items) {
      if (item.heldBack) continue;
      item.heldBack = true;
      this.quiet.waits++;
    }
  }

  private async execute(item: QueuedRequest): Promise<void> {
    if (!(await this.connection.ensureOpen())) {
      item.reject(new SerialPortUnavailableError(this.connection.stats().lastError ?? `${this.label} is not open`));
      return;
    }
    const frame = encodeRtuRequest(item.unitId, item.request);
    // A slave back from its quiet period: whatever it sent late must not be in the input buffer.
    if (this.quiet.takeFlush(item.unitId)) this.needsResync = true;
    if (this.needsResync) await this.resync();
    await this.waitForGap();
    this.counters.requests++;
    this.quiet.exchangeStarted();
    const outcome = await this.exchange(frame, new RtuResponseReader(item.unitId, item.request), item.timeoutMs);
    switch (outcome.kind) {
      case 'response':
        this.counters.responses++;
        if (outcome.trailingBytes > 0) {
          this.counters.discardedBytes += outcome.trailingBytes;
          this.needsResync = true;
        }
        item.resolve(outcome.response);
        return;
      case 'rejected':
        this.counters.rejectedFrames[outcome.error.reason]++;
        this.needsResync = true;
        item.reject(outcome.error);
        return;
      case 'timeout': {
        this.counters.timeouts++;
        this.needsResync = true; // a late answer may still be on its way
        if (!(await this.connection.checkStillPresent())) {
          item.reject(new SerialPortUnavailableError(this.connection.stats().lastError ?? `${this.label} disappeared`));
          return;
        }
        this.quiet.start(item.unitId, this.options.clock.monotonic(), item.quietAfterTimeoutMs);
        item.reject(
          new BusTimeoutError(`no answer from slave ${item.unitId} on ${this.label} within ${item.timeoutMs} ms (check its address, power, A/B wiring, baud rate and parity)`),
        );
        return;
      }
      case 'lost':
        item.reject(outcome.error);
        return;
    }
  }

  /** Writes the frame and waits for its answer, its rejection, the timeout, or the port going away. */
  private exchange(frame: Buffer, reader: RtuResponseReader, timeoutMs: number): Promise<WireOutcome> {
    return new Promise<WireOutcome>((resolve) => {
      let timer: NodeJS.Timeout | null = null;
      let settled = false;
      const settle = (outcome: WireOutcome) => {
        if (settled) return;
        settled = true;
        if (timer) clearTimeout(timer);
        this.awaiting = null;
        resolve(outcome);
      };
      this.awaiting = { reader, settle };
      this.connection.write(frame).then(
        () => {
          this.lastLineActivity = this.options.clock.monotonic();
          // The answer can arrive before the write callback (a pty is instant); then there is nothing to time.
          if (!settled) timer = setTimeout(() => settle({ kind: 'timeout' }), timeoutMs);
        },
        (error: Error) => settle({ kind: 'lost', error }),
      );
    });
  }

  private onBytes(chunk: Buffer): void {
    this.lastLineActivity = this.options.clock.monotonic();
    const awaiting = this.awaiting;
    if (!awaiting) {
      // Nobody asked: the rest of a rejected frame, a late answer, or another master on the line.
      this.counters.discardedBytes += chunk.length;
      this.counters.idleBytes += chunk.length;
      this.quiet.strayBytes(this.lastLineActivity);
      this.needsResync = true;
      return;
    }
    try {
      const state = awaiting.reader.push(chunk);
      if (state.done) awaiting.settle({ kind: 'response', response: state.response, trailingBytes: state.trailingBytes });
    } catch (error) {
      if (error instanceof RtuFrameError) awaiting.settle({ kind: 'rejected', error });
      else throw error;
    }
  }

  /** Waits until the line has been silent for t3.5 (bounded), then drops whatever is buffered. */
  private async resync(): Promise<void> {
    const { clock } = this.options;
    const silence = Math.max(this.silenceMs, this.interFrameGapMs);
    const giveUpAt = clock.monotonic() + Math.max(MAX_RESYNC_WAIT_MS, silence * 20);
    for (;;) {
      const quietFor = clock.monotonic() - this.lastLineActivity;
      if (quietFor >= silence || clock.monotonic() >= giveUpAt) break;
      await sleep(silence - quietFor);
    }
    await this.connection.flushInput();
    this.needsResync = false;
    this.counters.resyncs++;
  }

  private async waitForGap(): Promise<void> {
    const wait = this.lastLineActivity + this.interFrameGapMs - this.options.clock.monotonic();
    if (wait > 0) await sleep(wait);
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
