/**
 * Server-Sent Events for the board: a full snapshot on connect and after every change (changes
 * closer than minIntervalMs are sent as one), and a heartbeat so a screen can tell a quiet board
 * from a dead stream. The agent never waits for a screen: frames are handed to the socket and a
 * client whose unsent data passes maxBufferedBytes is dropped (its browser reconnects by itself).
 *
 * A screen that asks for it (`delta` mode; the page does, with `?delta=people`) gets the full
 * snapshot on connect and then patches: the snapshot without its people list, plus the list's
 * changes (people-delta.ts). With 500 people underground that is a few KB instead of ~115 KB per
 * update (measured at ref-1k: ~3 KB), to encode and to send. Every delta client always holds the same list — the one last
 * sent — so one patch serves them all; a screen that connects between two updates first brings
 * the others up to date (a patch), then starts from the same list. A screen that does not ask (an
 * older page still open across an upgrade) keeps getting full snapshots and never a patch it
 * would not understand.
 *
 * Every frame is built once per update for all clients, as one buffer.
 */
import { byCard, diffPeople, type Keyed } from './people-delta.js';

export interface LiveClient {
  /** Queue a frame on the socket; must not block. A Buffer frame is shared by every client: never change it. */
  write(frame: string | Buffer): void;
  /** Bytes queued but not yet sent. */
  buffered(): number;
  /** End the connection. */
  close(): void;
  /** Called once when the connection ends, whoever ended it. */
  onClose(listener: () => void): void;
}

/** `full`: a snapshot per update; `delta`: a snapshot on connect, then patches. */
export type LiveMode = 'full' | 'delta';

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
  patchesSent: number;
}

/** What the stream carries: a JSON-serializable snapshot with a people list keyed by card. */
export interface LiveSnapshot {
  people: readonly Keyed[];
}

/** How long a browser waits before reconnecting (EventSource "retry" field). */
const RECONNECT_MS = 2_000;

export class LiveUpdates<S extends LiveSnapshot = LiveSnapshot> {
  private readonly clients = new Map<LiveClient, LiveMode>();
  private deltaClients = 0;
  /** The people list every delta client holds, by card; null while there is none. */
  private base: Map<string, Keyed> | null = null;
  private readonly counters = { accepted: 0, refused: 0, dropped: 0, snapshotsSent: 0, patchesSent: 0 };
  private readonly heartbeat: NodeJS.Timeout;
  private flushTimer: NodeJS.Timeout | null = null;
  private lastFlushMono = -Infinity;
  private closed = false;

  /**
   * @param snapshot builds the current snapshot; called once per update (and per connect), not per client.
   * @param onError told when building a snapshot fails (the clients keep the previous one).
   */
  constructor(
    private readonly snapshot: () => S,
    private readonly options: LiveUpdatesOptions,
    private readonly onError: (error: unknown) => void = () => {},
  ) {
    this.heartbeat = setInterval(() => this.sendHeartbeat(), options.heartbeatMs);
    this.heartbeat.unref();
  }

  /** Takes a new client; false when the board is full (or closed) and the caller must refuse it. */
  accept(client: LiveClient, mode: LiveMode = 'full'): boolean {
    if (this.closed || this.clients.size >= this.options.maxClients) {
      this.counters.refused += 1;
      return false;
    }
    let snapshot: S;
    try {
      snapshot = this.snapshot();
    } catch (error) {
      this.onError(error);
      return false;
    }
    if (mode === 'delta') {
      // The delta clients already here catch up to this snapshot, so that all of them hold its list.
      if (this.deltaClients > 0) this.sendPatch(snapshot);
      this.base = byCard(snapshot.people); // (again: sending may have dropped the last of them)
      this.deltaClients += 1;
    }
    this.clients.set(client, mode);
    this.counters.accepted += 1;
    client.onClose(() => this.forget(client));
    this.send(client, `retry: ${RECONNECT_MS}\nevent: hello\ndata: ${JSON.stringify({ heartbeatMs: this.options.heartbeatMs })}\n\n`);
    this.send(client, frame('snapshot', JSON.stringify(snapshot)));
    this.counters.snapshotsSent += 1;
    return true;
  }

  /** Something changed: send an update soon (coalesced). Cheap; safe to call from any listener. */
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
    for (const client of [...this.clients.keys()]) client.close();
    this.clients.clear();
    this.deltaClients = 0;
    this.base = null;
  }

  private flush(): void {
    this.flushTimer = null;
    this.lastFlushMono = performance.now();
    if (this.clients.size === 0) return;
    let snapshot: S;
    try {
      snapshot = this.snapshot();
    } catch (error) {
      this.onError(error);
      return;
    }
    if (this.clients.size > this.deltaClients) {
      const full = frame('snapshot', JSON.stringify(snapshot));
      for (const [client, mode] of [...this.clients]) {
        if (mode !== 'full') continue;
        this.send(client, full);
        this.counters.snapshotsSent += 1;
      }
    }
    if (this.deltaClients > 0) this.sendPatch(snapshot);
  }

  /** The change from the list the delta clients hold to `snapshot`'s, to all of them; it becomes their list. */
  private sendPatch(snapshot: S): void {
    this.base ??= new Map<string, Keyed>();
    const delta = diffPeople(this.base, snapshot.people);
    const { people: _people, ...rest } = snapshot;
    const patch = frame('patch', JSON.stringify({ ...rest, peopleDelta: delta }));
    for (const [client, mode] of [...this.clients]) {
      if (mode !== 'delta') continue;
      this.send(client, patch);
      this.counters.patchesSent += 1;
    }
  }

  private sendHeartbeat(): void {
    const heartbeat = `event: heartbeat\ndata: ${JSON.stringify({ at: Date.now() })}\n\n`;
    for (const client of [...this.clients.keys()]) this.send(client, heartbeat);
  }

  private send(client: LiveClient, data: string | Buffer): void {
    try {
      client.write(data);
    } catch {
      this.drop(client);
      return;
    }
    if (client.buffered() > this.options.maxBufferedBytes) this.drop(client);
  }

  private drop(client: LiveClient): void {
    if (!this.forget(client)) return;
    this.counters.dropped += 1;
    client.close();
  }

  /** Removes the client; false when it was gone already. */
  private forget(client: LiveClient): boolean {
    const mode = this.clients.get(client);
    if (mode === undefined) return false;
    this.clients.delete(client);
    if (mode === 'delta') {
      this.deltaClients -= 1;
      if (this.deltaClients === 0) this.base = null;
    }
    return true;
  }
}

const SNAPSHOT_HEAD = Buffer.from('event: snapshot\ndata: ');
const PATCH_HEAD = Buffer.from('event: patch\ndata: ');
const FRAME_END = 0x0a; // "\n", twice

/**
 * One SSE event as one buffer, encoded once and written to every client as is. JSON has no raw
 * newlines, so the data fits one line. The JSON of a full snapshot is ~100 KB with 500 people
 * underground (two bytes a character in memory once a name is Chinese); spliced into a string it
 * was copied once more to flatten the splice, and encoded once per client.
 */
function frame(event: 'snapshot' | 'patch', json: string): Buffer {
  const head = event === 'snapshot' ? SNAPSHOT_HEAD : PATCH_HEAD;
  const bytes = Buffer.allocUnsafe(head.length + Buffer.byteLength(json) + 2);
  head.copy(bytes, 0);
  const end = head.length + bytes.write(json, head.length);
  bytes[end] = FRAME_END;
  bytes[end + 1] = FRAME_END;
  return bytes;
}
