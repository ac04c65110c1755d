/**
 * Server-Sent Events for the board: a full snapshot on connect and after every change (changes
 * closer than minIntervalMs are sent as one), and a heartbeat so a screen can tell a quiet board
 * from a dead stream. The agent never waits for a screen: frames are handed to the socket and a
 * client whose unsent data passes maxBufferedBytes is dropped (its browser reconnects by itself).
 */
export interface LiveClient {
  /** Queue a frame on the socket; must not block. */
  write(frame: string): void;
  /** Bytes queued but not yet sent. */
  buffered(): number;
  /** End the connection. */
  close(): void;
  /** Called once when the connection ends, whoever ended it. */
  onClose(listener: () => void): void;
}

export interface LiveUpdatesOptions {
  maxClients: number;
  heartbeatMs: number;
  maxBufferedBytes: number;
  minIntervalMs: number;
}

export interface LiveUpdatesStats {
  clients: number;
  accepted: number;
  /** Turned away because maxClients were connected. */
  refused: number;
  /** Dropped for not reading fast enough. */
  dropped: number;
  snapshotsSent: number;
}

/** How long a browser waits before reconnecting (EventSource "retry" field). */
const RECONNECT_MS = 2_000;

export class LiveUpdates {
  private readonly clients = new Set<LiveClient>();
  private readonly counters = { accepted: 0, refused: 0, dropped: 0, snapshotsSent: 0 };
  private readonly heartbeat: NodeJS.Timeout;
  private flushTimer: NodeJS.Timeout | null = null;
  private lastFlushMono = -Infinity;
  private closed = false;

  /**
   * @param snapshotJson builds the current snapshot as JSON text; called once per flush, not per client.
   * @param onError told when building a snapshot fails (the clients keep the previous one).
   */
  constructor(
    private readonly snapshotJson: () => string,
    private readonly options: LiveUpdatesOptions,
    private readonly onError: (error: unknown) => void = () => {},
  ) {
    this.heartbeat = setInterval(() => this.sendHeartbeat(), options.heartbeatMs);
    this.heartbeat.unref();
  }

  /** Takes a new client; false when the board is full (or closed) and the caller must refuse it. */
  accept(client: LiveClient): boolean {
    if (this.closed || this.clients.size >= this.options.maxClients) {
      this.counters.refused += 1;
      return false;
    }
    let json: string;
    try {
      json = this.snapshotJson();
    } catch (error) {
      this.onError(error);
      return false;
    }
    this.clients.add(client);
    this.counters.accepted += 1;
    client.onClose(() => this.clients.delete(client));
    this.send(client, `retry: ${RECONNECT_MS}\nevent: hello\ndata: ${JSON.stringify({ heartbeatMs: this.options.heartbeatMs })}\n\n`);
    this.send(client, snapshotFrame(json));
    this.counters.snapshotsSent += 1;
    return true;
  }

  /** Something changed: send a snapshot soon (coalesced). Cheap; safe to call from any listener. */
  notifyChange(): void {
    if (this.closed || this.flushTimer !== null) return;
    const wait = Math.max(0, this.lastFlushMono + this.options.minIntervalMs - performance.now());
    this.flushTimer = setTimeout(() => this.flush(), wait);
    this.flushTimer.unref();
  }

  stats(): LiveUpdatesStats {
    return { clients: this.clients.size, ...this.counters };
  }

  close(): void {
    this.closed = true;
    clearInterval(this.heartbeat);
    if (this.flushTimer !== null) clearTimeout(this.flushTimer);
    for (const client of [...this.clients]) client.close();
    this.clients.clear();
  }

  private flush(): void {
    this.flushTimer = null;
    this.lastFlushMono = performance.now();
    if (this.clients.size === 0) return;
    let frame: string;
    try {
      frame = snapshotFrame(this.snapshotJson());
    } catch (error) {
      this.onError(error);
      return;
    }
    for (const client of [...this.clients]) {
      this.send(client, frame);
      this.counters.snapshotsSent += 1;
    }
  }

  private sendHeartbeat(): void {
    const frame = `event: heartbeat\ndata: ${JSON.stringify({ at: Date.now() })}\n\n`;
    for (const client of [...this.clients]) this.send(client, frame);
  }

  private send(client: LiveClient, frame: string): void {
    try {
      client.write(frame);
    } catch {
      this.drop(client);
      return;
    }
    if (client.buffered() > this.options.maxBufferedBytes) this.drop(client);
  }

  private drop(client: LiveClient): void {
    if (!this.clients.delete(client)) return;
    this.counters.dropped += 1;
    client.close();
  }
}

/** JSON has no raw newlines, so the snapshot fits one data line. */
function snapshotFrame(json: string): string {
  return `event: snapshot\ndata: ${json}\n\n`;
}
