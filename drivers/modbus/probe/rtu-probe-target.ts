/** What `shaftgate probe --serial` talks to, and how a failure to open its port is told apart. */

export interface RtuProbeTarget {
  path: string;
  baudRate: number;
  parity: 'none' | 'even' | 'odd';
  dataBits: 7 | 8;
  stopBits: 1 | 2;
  unitId: number;
  timeoutMs: number;
}

/** Why the serial port could not be opened, sorted into what the electrician should check. */
export type SerialOpenProblem = 'missing' | 'permission' | 'busy' | 'other';

export class SerialOpenError extends Error {
  override readonly name = 'SerialOpenError';
  constructor(
    readonly problem: SerialOpenProblem,
    readonly path: string,
    message: string,
  ) {
    super(message);
  }
}

/** "8N1", "8E1", ...: how line settings are written on device labels and in manuals. */
export function lineFormat(target: Pick<RtuProbeTarget, 'dataBits' | 'parity' | 'stopBits'>): string {
  return `${target.dataBits}${target.parity[0]!.toUpperCase()}${target.stopBits}`;
}
