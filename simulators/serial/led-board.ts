/**
 * The shaft-head LED headcount board (井口LED人数显示屏) on a serial text line. The agent writes
 * UTF-8 lines; the board answers each one:
 *
 *   TEXT <row> <text>\r\n   show <text> on row 1–4 (at most 32 characters; "" clears the row) → OK
 *   CLEAR\r\n               blank every row → OK
 *   anything else           → ERR <reason>, and nothing changes
 *
 * The board keeps what it shows (`rows`, `text()`) and a bounded history of changes, which tests
 * read back. Faults: silent (the board hangs: no answer, nothing shown changes).
 */
import type { Clock } from '../../agent/model/clock.js';
import { UnitFaults } from '../modbus/faults.js';
import { LineBuffer } from './line-buffer.js';
import type { SerialLink } from './serial-link.js';

export const LED_ROWS = 4;
export const LED_COLUMNS = 32;
const MAX_KEPT_CHANGES = 1000;

export interface BoardChange {
  at: number;
  rows: readonly string[];
}

export class LedBoard {
  readonly faults = new UnitFaults();
  private shown: string[] = Array.from({ length: LED_ROWS }, () => '');
  private readonly kept: BoardChange[] = [];
  private readonly lines = new LineBuffer(512);
  private link: SerialLink | null = null;
  commands = 0;
  rejected = 0;

  constructor(private readonly clock: Clock) {}

  /** Listens on a serial link (the board's end of a pty). */
  attach(link: SerialLink): void {
    this.link = link;
    link.onData((chunk) => {
      for (const line of this.lines.push(chunk)) {
        const reply = this.execute(line);
        if (reply !== null) link.write(Buffer.from(`${reply}\r\n`, 'utf8'));
      }
    });
  }

  /** The rows as shown now. */
  get rows(): readonly string[] {
    return this.shown;
  }

  /** The rows joined with "\n", trailing blank rows dropped. */
  text(): string {
    return this.shown.join('\n').replace(/\n+$/, '');
  }

  changes(): readonly BoardChange[] {
    return this.kept;
  }

  /** Executes one command line; returns the reply, or null when the board is silent. */
  execute(line: string): string | null {
    if (this.faults.silent || this.faults.disconnect) return null;
    this.commands++;
    const reply = this.apply(line);
    if (reply !== 'OK') this.rejected++;
    return reply;
  }

  async close(): Promise<void> {
    await this.link?.close();
  }

  private apply(line: string): string {
    if (line === 'CLEAR') return this.show(this.shown.map(() => ''));
    const match = /^TEXT ([0-9]+) ?(.*)$/u.exec(line);
    if (!match) return 'ERR unknown command (TEXT <row> <text> or CLEAR)';
    const row = Number(match[1]);
    const text = match[2]!;
    if (row < 1 || row > LED_ROWS) return `ERR row must be 1–${LED_ROWS}`;
    if ([...text].length > LED_COLUMNS) return `ERR text longer than ${LED_COLUMNS} characters`;
    return this.show(this.shown.map((current, i) => (i === row - 1 ? text : current)));
  }

  private show(rows: string[]): 'OK' {
    if (rows.some((row, i) => row !== this.shown[i])) {
      this.shown = rows;
      this.kept.push({ at: this.clock.now(), rows });
      if (this.kept.length > MAX_KEPT_CHANGES) this.kept.shift();
    }
    return 'OK';
  }
}
