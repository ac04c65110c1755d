import { describe, expect, it } from 'vitest';
import { checkLine } from '../../drivers/serial/line-parser.js';

describe('line checksum (nmea-xor)', () => {
  it('accepts the NMEA standard example and returns the part before "*"', () => {
    // A well-known GPS sentence, checksum 31 as published for it.
    expect(checkLine('$GPGLL,4916.45,N,12311.12,W,225444,A*31', 'nmea-xor')).toEqual({ ok: true, body: '$GPGLL,4916.45,N,12311.12,W,225444,A' });
    expect(checkLine('$WXQ*5E', 'nmea-xor')).toEqual({ ok: true, body: '$WXQ' });
    expect(checkLine('$wxq*7e', 'nmea-xor')).toEqual({ ok: true, body: '$wxq' }); // lower-case hex digits accepted
  });

  it('refuses a line where one digit was flipped, so noise never becomes a value', () => {
    const result = checkLine('$GPGLL,4916.46,N,12311.12,W,225444,A*31', 'nmea-xor');
    expect(result.ok).toBe(false);
    expect(result.ok ? '' : result.reason).toMatch(/checksum 31 does not match/);
  });

  it('refuses a line without a checksum tail', () => {
    const result = checkLine('$WX,rain1h=0.0', 'nmea-xor');
    expect(result.ok).toBe(false);
    expect(result.ok ? '' : result.reason).toMatch(/no "\*HH" checksum/);
  });

  it('passes lines through untouched when the device has no checksum', () => {
    expect(checkLine('RAIN1H=2.5*XX', 'none')).toEqual({ ok: true, body: 'RAIN1H=2.5*XX' });
  });
});
