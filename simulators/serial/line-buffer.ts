/**
 * Splits a serial byte stream into text lines (LF, with an optional CR before it). Bounded: a
 * line longer than `maxLineBytes` is discarded up to its end and counted, so a babbling master
 * cannot grow memory.
 */
export class LineBuffer {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private discarding = false;
  overlongLines = 0;

  constructor(private readonly maxLineBytes = 256) {}

  push(chunk: Buffer): string[] {
    const lines: string[] = [];
    let start = 0;
    for (let newline = chunk.indexOf(0x0a); newline !== -1; newline = chunk.indexOf(0x0a, start)) {
      this.append(chunk.subarray(start, newline));
      if (!this.discarding) lines.push(Buffer.concat(this.pending).toString('utf8').replace(/\r$/, ''));
      this.pending = [];
      this.pendingBytes = 0;
      this.discarding = false;
      start = newline + 1;
    }
    this.append(chunk.subarray(start));
    return lines;
  }

  private append(part: Buffer): void {
    if (this.discarding || part.length === 0) return;
    if (this.pendingBytes + part.length > this.maxLineBytes) {
      this.overlongLines++;
      this.discarding = true;
      this.pending = [];
      this.pendingBytes = 0;
      return;
    }
    this.pending.push(Buffer.from(part));
    this.pendingBytes += part.length;
  }
}
