/**
 * Drives the shaft-head outputs from the interlock decisions: coils (siren, alarm lamp, ban lamp,
 * entry permit, emergency broadcast) through the outputs device's `write()` (declared outputs only,
 * read back), the LED board's four rows through `writeLine("TEXT <row> <text>")`.
 *
 * Never blocks the poll path: `apply()` only starts writes (fire and track) and returns. One write
 * per output at a time; a newer wish waits for the one on the wire and then goes out. Only changes
 * are written, except that every output is written again every `reassertMs` so a module that
 * restarted (everything off) converges. A failed write is reported (`faults()`) and retried after
 * `retryMs`; the fault clears on the next confirmed write.
 */
import type { InterlockOutputsConfig } from '../../config/schema.js';
import type { Driver } from '../../drivers/driver.js';
import type { WriteResult } from '../../drivers/writes/write-result.js';
import type { ShaftHeadOutputs } from '../annunciation/annunciation.js';
import type { Logger } from '../runtime/logger.js';

export const COIL_OUTPUTS = ['siren', 'alarmLamp', 'banLamp', 'permit', 'broadcast'] as const;
export type CoilOutput = (typeof COIL_OUTPUTS)[number];

interface CoilWriter {
  write(pointId: string, value: boolean): Promise<WriteResult>;
}
interface LineWriter {
  writeLine(text: string): Promise<{ ok: true } | { ok: false; reason: string }>;
}

interface Channel {
  /** "permit", "led:2", … */
  name: string;
  deviceId: string;
  target: string;
  send: (value: boolean | string) => Promise<string | null>;
  desired: boolean | string | null;
  /** Last value the device confirmed; null = unknown (never written, or a write failed). */
  confirmed: boolean | string | null;
  inFlight: boolean;
  error: string | null;
  failures: number;
  /** Monotonic times. */
  retryAt: number;
  reassertAt: number;
  writes: number;
}

export interface OutputFault {
  output: string;
  deviceId: string;
  target: string;
  error: string;
  failures: number;
}

export interface OutputChannelState {
  output: string;
  deviceId: string;
  target: string;
  desired: boolean | string | null;
  confirmed: boolean | string | null;
  inFlight: boolean;
  error: string | null;
  writes: number;
}

export class OutputWriter {
  private readonly channels: Channel[] = [];
  private readonly byName = new Map<string, Channel>();
  private readonly pending = new Set<Promise<unknown>>();

  constructor(
    private readonly config: InterlockOutputsConfig,
    driverOf: (deviceId: string) => Driver | undefined,
    private readonly monotonic: () => number,
    private readonly logger: Logger,
    private readonly onSettled: () => void = () => {},
  ) {
    for (const name of COIL_OUTPUTS) {
      const ref = config[name];
      if (!ref) continue;
      const driver: (Driver & Partial<CoilWriter>) | undefined = driverOf(ref.device);
      if (typeof driver?.write !== 'function') throw new Error(`interlocks.outputs.${name}: device ${ref.device} cannot be written (no Modbus output driver)`);
      const writer = driver as Driver & CoilWriter;
      this.add(name, ref.device, ref.point, async (value) => {
        const result = await writer.write(ref.point, value as boolean);
        return result.ok ? null : `${result.error}: ${result.message}`;
      });
    }
    if (config.ledBoard) {
      const device = config.ledBoard.device;
      const driver: (Driver & Partial<LineWriter>) | undefined = driverOf(device);
      if (typeof driver?.writeLine !== 'function') throw new Error(`interlocks.outputs.ledBoard: device ${device} cannot take text lines`);
      const writer = driver as Driver & LineWriter;
      for (let row = 1; row <= 4; row++) {
        this.add(`led:${row}`, device, `row ${row}`, async (value) => {
          const text = String(value);
          const result = await writer.writeLine(text === '' ? `TEXT ${row}` : `TEXT ${row} ${text}`);
          return result.ok ? null : result.reason;
        });
      }
    }
  }

  /** Sets what the outputs should show and starts the writes that are due. Returns how many started. */
  apply(outputs: ShaftHeadOutputs, options: { permitOnly?: boolean } = {}): number {
    for (const name of COIL_OUTPUTS) {
      const channel = this.byName.get(name);
      if (channel && (!options.permitOnly || name === 'permit')) channel.desired = outputs[name];
    }
    outputs.led.forEach((text, i) => {
      const channel = this.byName.get(`led:${i + 1}`);
      if (channel) channel.desired = text;
    });
    return this.pump();
  }

  /** Starts every write that is due: a change, a retry whose time has come, a re-assertion. */
  pump(): number {
    const now = this.monotonic();
    let started = 0;
    for (const channel of this.channels) {
      if (channel.inFlight || channel.desired === null) continue;
      const changed = channel.desired !== channel.confirmed;
      const due = changed ? channel.error === null || now >= channel.retryAt : now >= channel.reassertAt;
      if (!due) continue;
      this.start(channel, channel.desired);
      started++;
    }
    return started;
  }

  faults(): OutputFault[] {
    return this.channels
      .filter((c) => c.error !== null)
      .map((c) => ({ output: c.name, deviceId: c.deviceId, target: c.target, error: c.error!, failures: c.failures }));
  }

  state(): OutputChannelState[] {
    return this.channels.map((c) => ({ output: c.name, deviceId: c.deviceId, target: c.target, desired: c.desired, confirmed: c.confirmed, inFlight: c.inFlight, error: c.error, writes: c.writes }));
  }

  get configuredOutputs(): string[] {
    return this.channels.map((c) => c.name);
  }

  /** Writes one coil now and waits (bounded) for it: the permit to "not permitted" at stop. */
  async force(name: CoilOutput, value: boolean, deadlineMs: number): Promise<boolean> {
    const channel = this.byName.get(name);
    if (!channel) return true;
    channel.desired = value;
    const write = channel.send(value).then(
      (error) => error === null,
      () => false,
    );
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), deadlineMs);
    });
    const ok = await Promise.race([write, timeout]);
    clearTimeout(timer);
    return ok;
  }

  /** Waits (bounded) for the writes on the wire. */
  async settle(deadlineMs: number): Promise<void> {
    if (this.pending.size === 0) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.allSettled([...this.pending]), new Promise((resolve) => (timer = setTimeout(resolve, deadlineMs)))]);
    clearTimeout(timer);
  }

  private add(name: string, deviceId: string, target: string, send: Channel['send']): void {
    const channel: Channel = { name, deviceId, target, send, desired: null, confirmed: null, inFlight: false, error: null, failures: 0, retryAt: 0, reassertAt: 0, writes: 0 };
    this.channels.push(channel);
    this.byName.set(name, channel);
  }

  private start(channel: Channel, value: boolean | string): void {
    channel.inFlight = true;
    channel.writes++;
    const done = (error: string | null) => {
      channel.inFlight = false;
      const after = this.monotonic();
      if (error === null) {
        if (channel.error !== null) this.logger.info({ output: channel.name, device: channel.deviceId }, `output ${channel.name} written again after ${channel.failures} failure(s)`);
        channel.confirmed = value;
        channel.error = null;
        channel.failures = 0;
        channel.reassertAt = after + this.config.reassertMs;
      } else {
        // Unknown is not safe: after a failure we no longer know what the output holds.
        channel.confirmed = null;
        channel.failures++;
        channel.retryAt = after + this.config.retryMs;
        if (channel.error === null) this.logger.error({ output: channel.name, device: channel.deviceId, target: channel.target }, `writing output ${channel.name} (${channel.deviceId} ${channel.target}) failed: ${error}; retrying every ${this.config.retryMs} ms`);
        channel.error = error;
      }
      // A newer wish may have come while this write was on the wire: send it now.
      this.pump();
      this.onSettled();
    };
    const promise = channel.send(value).then(done, (thrown: unknown) => done(thrown instanceof Error ? thrown.message : String(thrown)));
    this.pending.add(promise);
    void promise.finally(() => this.pending.delete(promise));
  }
}
