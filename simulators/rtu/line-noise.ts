/**
 * Line noise on a simulated serial line: flips one bit in a seeded fraction of the bytes sent.
 * Seeded, so a test that sees a CRC error at byte n sees it again on the next run.
 */
import { Prng } from '../devices/prng.js';

export class LineNoise {
  private readonly prng: Prng;
  corruptedBytes = 0;

  constructor(seed: number) {
    this.prng = new Prng(seed);
  }

  /** A copy of `bytes` with noise applied (the input is not changed). */
  apply(bytes: Buffer, fraction: number): Buffer {
    if (fraction <= 0) return bytes;
    const noisy = Buffer.from(bytes);
    for (let i = 0; i < noisy.length; i++) {
      if (this.prng.next() < fraction) {
        noisy[i] = noisy[i]! ^ (1 << this.prng.int(0, 7));
        this.corruptedBytes++;
      }
    }
    return noisy;
  }
}
