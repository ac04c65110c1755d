/**
 * Faults on demand for one simulated unit. Tests and scenarios flip these at run time
 * (`faults.silent = true`); the TCP server reads them on every request, so a change applies to the
 * very next request. Precedence: disconnect, then silent, then exception; delayMs applies to
 * whatever answer is sent.
 */
export class UnitFaults {
  /** Receive every request and never answer it (a hung device): the client times out. */
  silent = false;
  /** Answer this many milliseconds late (a slow device or link). The request is executed on receipt. */
  delayMs = 0;
  /** Answer every request with this Modbus exception code (e.g. 4 server device failure); null = off. */
  exception: number | null = null;
  /**
   * Serial lines only (RTU, ASCII): the fraction (0–1) of answer bytes that line noise corrupts,
   * each by one flipped bit chosen by the line's seeded generator. The TCP server ignores it (TCP
   * has its own checksums; noise there shows up as a reset, use `disconnect`).
   */
  corruptFraction = 0;
  private disconnected = false;

  /** `onDisconnect` lets the server drop the open connections the moment the fault is set. */
  constructor(private readonly onDisconnect: () => void = () => {}) {}

  /**
   * The device's network link is down: open connections are closed at once and new ones are closed
   * as soon as they are accepted, until this is cleared. A port is one link, so on a port that
   * serves several units (a gateway) this takes all of them down.
   */
  get disconnect(): boolean {
    return this.disconnected;
  }

  set disconnect(on: boolean) {
    this.disconnected = on;
    if (on) this.onDisconnect();
  }

  clear(): void {
    this.silent = false;
    this.delayMs = 0;
    this.exception = null;
    this.corruptFraction = 0;
    this.disconnected = false;
  }
}
