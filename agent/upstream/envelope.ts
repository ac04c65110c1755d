/**
 * Builds the message envelope at publish time. The body is stored as JSON text and spliced in
 * as is: parsing and re-serializing every stored message during a 7-day replay would cost CPU for
 * nothing and could alter numbers (safety principle 2). Field order matches messages.ts.
 */
import { CONTRACT_VERSION } from './messages.js';
import type { OutboxRow } from './outbox-source.js';

export class EnvelopeBuilder {
  private readonly prefix: string;
  /** Everything before the seq, per stream (a handful of streams: bounded). */
  private readonly heads = new Map<string, string>();

  constructor(
    gateway: { mineId: string; gatewayId: string },
    private readonly lateAfterMs: number,
  ) {
    this.prefix = `{"v":${CONTRACT_VERSION},"mine":${JSON.stringify(gateway.mineId)},"gateway":${JSON.stringify(gateway.gatewayId)},"stream":`;
  }

  build(row: OutboxRow, sentAt: number): string {
    const late = sentAt - row.recordedAt > this.lateAfterMs;
    return `${this.head(row.stream)}${row.seq},"id":${JSON.stringify(row.msgId)},"recordedAt":${row.recordedAt},"sentAt":${sentAt},"late":${late},"body":${row.body}}`;
  }

  private head(stream: string): string {
    let head = this.heads.get(stream);
    if (head === undefined) {
      head = `${this.prefix}${JSON.stringify(stream)},"seq":`;
      this.heads.set(stream, head);
    }
    return head;
  }
}
