/**
 * Owns one serial port: opens it, notices when it goes away (USB adapter unplugged: the port
 * closes or errors, or its device path vanishes), and reopens it with capped exponential backoff
 * and jitter when asked to. Exactly one object owns a port; the port is opened with an exclusive
 * lock so a second process (or a forgotten probe tool) cannot interleave bytes with ours.
 *
 * It does not frame anything: the RTU bus and the line driver sit on top and receive raw chunks.
 */
import { access } from 'node:fs/promises';
import { SerialPort } from 'serialport';
import type { Clock } from '../../agent/model/clock.js';
import type { Logger } from '../../agent/runtime/logger.js';
import { Backoff } from '../backoff.js';

export interface SerialLineSettings {
  /** Serial port id from the config, for messages. */
  id: string;
  path: string;
  baudRate: number;
  dataBits: 7 | 8;
  parity: 'none' | 'even' | 'odd';
  stopBits: 1 | 2;
}

export interface SerialConnectionOptions {
  clock: Clock;
  logger: Logger;
  reopenMinMs?: number;
  reopenMaxMs?: number;
  /** An open that has not completed in this time is abandoned (a hung USB driver). */
  openTimeoutMs?: number;
}

/** The port is not open (missing, unplugged, refused); the message says what to check. */
export class SerialPortUnavailableError extends Error {
  override readonly name = 'SerialPortUnavailableError';
}

export interface SerialConnectionStats {
  portId: string;
  path: string;
  open: boolean;
  opens: number;
  openFailures: number;
  /** Times the port went away while open (unplugged, closed under us, write failed). */
  losses: number;
  bytesIn: number;
  bytesOut: number;
  lastError: string | null;
}

export class SerialConnection {
  private port: SerialPort | null = null;
  private opening: Promise<boolean> | null = null;
  private nextOpenAttemptAt = 0;
  private readonly backoff: Backoff;
  private dataHandler: (chunk: Buffer) => void = () => undefined;
  private readonly lossHandlers = new Set<(reason: string) => void>();
  private closedForGood = false;
  private readonly counters = { opens: 0, openFailures: 0, losses: 0, bytesIn: 0, bytesOut: 0, lastError: null as string | null };

  constructor(
    readonly settings: SerialLineSettings,
    private readonly options: SerialConnectionOptions,
  ) {
    this.backoff = new Backoff(options.reopenMinMs ?? 500, options.reopenMaxMs ?? 30_000);
  }

  get isOpen(): boolean {
    return this.port !== null && this.port.isOpen;
  }

  /** "serial port rtu-1 (/dev/ttyUSB0)": how every message names the port. */
  get label(): string {
    return `serial port ${this.settings.id} (${this.settings.path})`;
  }

  /** The one consumer of received bytes (the bus or the line driver). */
  onData(handler: (chunk: Buffer) => void): void {
    this.dataHandler = handler;
  }

  /** Called with a reason whenever an open port goes away. */
  onLoss(handler: (reason: string) => void): () => void {
    this.lossHandlers.add(handler);
    return () => this.lossHandlers.delete(handler);
  }

  /**
   * Opens the port if it is closed and the backoff allows an attempt now. Never throws: false
   * means "not available now", and stats().lastError says why.
   */
  ensureOpen(): Promise<boolean> {
    if (this.isOpen) return Promise.resolve(true);
    if (this.closedForGood) return Promise.resolve(false);
    if (this.opening) return this.opening;
    if (this.options.clock.monotonic() < this.nextOpenAttemptAt) return Promise.resolve(false);
    this.opening = this.open().finally(() => {
      this.opening = null;
    });
    return this.opening;
  }

  /** Writes and waits until the bytes left our process. Throws SerialPortUnavailableError. */
  async write(bytes: Buffer): Promise<void> {
    const port = this.port;
    if (!port || !port.isOpen) throw new SerialPortUnavailableError(`${this.label} is not open`);
    this.counters.bytesOut += bytes.length;
    try {
      await new Promise<void>((resolve, reject) => {
        port.write(bytes, (error) => (error ? reject(error) : port.drain((drainError) => (drainError ? reject(drainError) : resolve()))));
      });
    } catch (error) {
      const reason = `write failed: ${(error as Error).message}`;
      this.lose(port, reason);
      throw new SerialPortUnavailableError(`${this.label}: ${reason}`);
    }
  }

  /** Drops whatever the OS has buffered on the receive side (after a framing error). */
  async flushInput(): Promise<void> {
    const port = this.port;
    if (!port || !port.isOpen) return;
    await new Promise<void>((resolve) => port.flush(() => resolve()));
  }

  /**
   * A pty or USB adapter can vanish without the open descriptor reporting it at once; a request that
   * timed out is the moment to look whether the device path is still there.
   */
  async checkStillPresent(): Promise<boolean> {
    const port = this.port;
    if (!port) return false;
    try {
      await access(this.settings.path);
      return true;
    } catch {
      this.lose(port, `device path ${this.settings.path} disappeared`);
      return false;
    }
  }

  async close(): Promise<void> {
    this.closedForGood = true;
    const port = this.port;
    this.port = null;
    if (port?.isOpen) await new Promise<void>((resolve) => port.close(() => resolve()));
  }

  stats(): SerialConnectionStats {
    return { portId: this.settings.id, path: this.settings.path, open: this.isOpen, ...this.counters };
  }

  private async open(): Promise<boolean> {
    const { path, baudRate, dataBits, parity, stopBits } = this.settings;
    const port = new SerialPort({ path, baudRate, dataBits, parity, stopBits, autoOpen: false, lock: true });
    const timeoutMs = this.options.openTimeoutMs ?? 5000;
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`open did not complete in ${timeoutMs} ms`)), timeoutMs);
        port.open((error) => {
          clearTimeout(timer);
          if (error) reject(error);
          else resolve();
        });
      });
    } catch (error) {
      port.on('error', () => undefined);
      if (port.isOpen) port.close(() => undefined);
      const delay = this.backoff.nextDelay();
      this.nextOpenAttemptAt = this.options.clock.monotonic() + delay;
      this.counters.openFailures++;
      this.counters.lastError = `cannot open ${this.label}: ${(error as Error).message} — check that the adapter is plugged in, the path is right and the service user is in the dialout group; next attempt in ${delay} ms`;
      const failures = this.backoff.consecutiveFailures;
      if (failures === 1 || failures % 20 === 0) this.options.logger.warn({ port: this.settings.id, path, failures }, this.counters.lastError);
      return false;
    }
    if (this.closedForGood) {
      port.close(() => undefined);
      return false;
    }
    this.port = port;
    this.counters.opens++;
    this.backoff.reset();
    port.on('data', (chunk: Buffer) => {
      if (this.port !== port) return;
      this.counters.bytesIn += chunk.length;
      this.dataHandler(chunk);
    });
    port.on('error', (error: Error) => this.lose(port, error.message));
    port.on('close', (error: (Error & { disconnected?: boolean }) | null) => {
      this.lose(port, error?.disconnected ? 'adapter disconnected' : 'port closed');
    });
    this.options.logger.info({ port: this.settings.id, path, baudRate }, `opened ${this.label}`);
    return true;
  }

  private lose(port: SerialPort, reason: string): void {
    if (this.port !== port) return;
    this.port = null;
    port.removeAllListeners('data');
    port.on('error', () => undefined); // a late error on an abandoned port must not crash the process
    if (port.isOpen) port.close(() => undefined);
    if (this.closedForGood) return;
    this.counters.losses++;
    const message = `${this.label} lost: ${reason} — check the USB/RS-485 adapter and its cable; reopening with backoff`;
    this.counters.lastError = message;
    this.nextOpenAttemptAt = this.options.clock.monotonic() + this.backoff.nextDelay();
    this.options.logger.warn({ port: this.settings.id, path: this.settings.path }, message);
    for (const handler of this.lossHandlers) handler(message);
  }
}
