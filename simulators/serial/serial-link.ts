/**
 * What a serial-line device simulator talks through: bytes out, bytes in. A pty opened with the
 * serialport package in production, a plain in-memory pair in unit tests.
 */
export interface SerialLink {
  write(bytes: Buffer): void;
  onData(listener: (chunk: Buffer) => void): void;
  close(): Promise<void>;
}

/** Two connected in-memory links (what one writes, the other receives on the next tick). */
export function linkPair(): [SerialLink, SerialLink] {
  const listeners: [Array<(chunk: Buffer) => void>, Array<(chunk: Buffer) => void>] = [[], []];
  const make = (self: 0 | 1): SerialLink => ({
    write: (bytes) => {
      const copy = Buffer.from(bytes);
      queueMicrotask(() => listeners[self === 0 ? 1 : 0].forEach((listener) => listener(copy)));
    },
    onData: (listener) => listeners[self].push(listener),
    close: () => Promise.resolve(),
  });
  return [make(0), make(1)];
}
