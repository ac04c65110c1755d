/**
 * Splits a byte stream into lines at a delimiter, with a hard cap on line length so a device that
 * babbles without ever sending the delimiter cannot grow our memory: an overlong line is dropped
 * (counted) up to the next delimiter. A trailing "\r" is removed, so "\n" also handles "\r\n".
 */
export class LineSplitter {
  private pending: Buffer = Buffer.alloc(0);
  /** True while skipping the rest of an overlong line. */
  private discarding = false;
  overlongLines = 0;

  constructor(
    private readonly delimiter: Buffer,
    private readonly maxLineLength: number,
  ) {
    if (delimiter.length === 0) throw new RangeError('line delimiter must not be empty');
  }

  /** Returns the complete lines in this chunk (raw bytes, without the delimiter). */
  push(chunk: Buffer): Buffer[] {
    const lines: Buffer[] = [];
    let data = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    for (let at = data.indexOf(this.delimiter); at >= 0; at = data.indexOf(this.delimiter)) {
      const line = data.subarray(0, at);
      data = data.subarray(at + this.delimiter.length);
      if (this.discarding) {
        this.discarding = false; // the overlong line ends here
      } else if (line.length > this.maxLineLength) {
        this.overlongLines++;
      } else {
        lines.push(stripCarriageReturn(line));
      }
    }
    // Keep a possible partial delimiter at the end, but never more than the cap allows.
    if (data.length > this.maxLineLength + this.delimiter.length) {
      if (!this.discarding) this.overlongLines++;
      this.discarding = true;
      data = data.subarray(data.length - (this.delimiter.length - 1));
    }
    this.pending = Buffer.from(data);
    return lines;
  }

  reset(): void {
    this.pending = Buffer.alloc(0);
    this.discarding = false;
  }
}

function stripCarriageReturn(line: Buffer): Buffer {
  return line.length > 0 && line[line.length - 1] === 0x0d ? line.subarray(0, line.length - 1) : line;
}
