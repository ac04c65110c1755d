/**
 * A noisy RS-485 line for tests: two socat pty pairs with a Node relay in between that flips one
 * random bit in about `corruptRatio` of the bytes passing either way. Seeded, so a failing run can be
 * repeated. The master opens `masterPath`, the slave (pymodbus) opens `slavePath`:
 *
 *   master ⇄ [pty pair 1] ⇄ relay (bit flips) ⇄ [pty pair 2] ⇄ slave
 */
import { SerialPort } from 'serialport';
import { startPtyPair, type PtyPair } from './pty.js';

export interface NoisyLine {
  masterPath: string;
  slavePath: string;
  /** Bytes relayed and bytes corrupted so far, both directions. */
  readonly stats: { bytes: number; corrupted: number };
  stop(): Promise<void>;
}

/** mulberry32: small, fast, good enough to scatter bit flips reproducibly. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function openRaw(path: string): Promise<SerialPort> {
  const port = new SerialPort({ path, baudRate: 19200, autoOpen: false, lock: false });
  await new Promise<void>((resolve, reject) => port.open((error) => (error ? reject(error) : resolve())));
  port.on('error', () => undefined);
  return port;
}

export async function startNoisyLine(options: { seed: number; corruptRatio: number }): Promise<NoisyLine> {
  const random = seededRandom(options.seed);
  const stats = { bytes: 0, corrupted: 0 };
  const masterSide: PtyPair = await startPtyPair('noisy-master');
  const slaveSide: PtyPair = await startPtyPair('noisy-slave');
  const towardMaster = await openRaw(masterSide.b);
  const towardSlave = await openRaw(slaveSide.a);
  const relay = (from: SerialPort, to: SerialPort) =>
    from.on('data', (chunk: Buffer) => {
      const copy = Buffer.from(chunk);
      for (let i = 0; i < copy.length; i++) {
        stats.bytes++;
        if (random() < options.corruptRatio) {
          copy[i] = copy[i]! ^ (1 << Math.floor(random() * 8));
          stats.corrupted++;
        }
      }
      to.write(copy);
    });
  relay(towardMaster, towardSlave);
  relay(towardSlave, towardMaster);
  return {
    masterPath: masterSide.a,
    slavePath: slaveSide.b,
    stats,
    stop: async () => {
      await Promise.all([towardMaster, towardSlave].map((port) => new Promise<void>((resolve) => (port.isOpen ? port.close(() => resolve()) : resolve()))));
      await masterSide.dispose();
      await slaveSide.dispose();
    },
  };
}
