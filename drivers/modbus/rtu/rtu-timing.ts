/**
 * Character and inter-frame timing of an RTU line. Modbus over Serial Line v1.02, 2.5.1.1: frames
 * are separated by at least 3.5 character times of silence; above 19200 baud a fixed 1.75 ms is
 * recommended, because the 3.5-character time gets shorter than UARTs and OS timers can honour.
 */

export interface CharacterFormat {
  baudRate: number;
  dataBits: number;
  parity: 'none' | 'even' | 'odd';
  stopBits: number;
}

/** Bits one character takes on the wire: start bit + data + parity + stop. */
export function bitsPerCharacter(format: CharacterFormat): number {
  return 1 + format.dataBits + (format.parity === 'none' ? 0 : 1) + format.stopBits;
}

export function characterTimeMs(format: CharacterFormat): number {
  return (bitsPerCharacter(format) * 1000) / format.baudRate;
}

/** The minimum silence between two frames (t3.5), in milliseconds. */
export function interFrameSilenceMs(format: CharacterFormat): number {
  return format.baudRate > 19200 ? 1.75 : 3.5 * characterTimeMs(format);
}

/** Time `byteCount` bytes take on the wire. */
export function transmissionTimeMs(byteCount: number, format: CharacterFormat): number {
  return byteCount * characterTimeMs(format);
}
