import { describe, expect, it } from 'vitest';
import { boardConfigSchema } from '../../agent/board/board-config.js';
import { OperatorAuth } from '../../agent/board/operator-auth.js';
import { hashPinSync, parsePinHash, verifyPin } from '../../agent/board/pin-hash.js';

describe('operator PINs (scrypt)', () => {
  const hash = hashPinSync('2468');

  it('stores a salted scrypt hash, never the PIN', () => {
    expect(hash).toMatch(/^scrypt\$16384\$8\$1\$/);
    expect(hash).not.toContain('2468');
    expect(hashPinSync('2468')).not.toBe(hash); // fresh salt each time
  });

  it('verifies the right PIN and refuses a wrong, empty or over-long one', async () => {
    expect(await verifyPin('2468', hash)).toBe(true);
    expect(await verifyPin('2469', hash)).toBe(false);
    expect(await verifyPin('', hash)).toBe(false);
    expect(await verifyPin('2'.repeat(33), hash)).toBe(false);
  });

  it('never matches a malformed hash, or one whose cost would exhaust the gateway', async () => {
    expect(await verifyPin('2468', 'plain-2468')).toBe(false);
    expect(parsePinHash(hash.replace('$16384$', '$16385$'))).toBeNull(); // N must be a power of two
    expect(parsePinHash(hash.replace('$16384$', '$1048576$'))).toBeNull(); // 1 GiB of memory
  });

  it('refuses to hash a PIN that is too short', () => {
    expect(() => hashPinSync('12')).toThrow(/4 to 32/);
  });

  it('checks the operator and the PIN together; an unknown operator is just refused', async () => {
    const auth = new OperatorAuth([{ name: '王建国', pinHash: hash }]);
    expect(await auth.check(' 王建国 ', '2468')).toBe('王建国');
    expect(await auth.check('王建国', '1357')).toBeNull();
    expect(await auth.check('李四', '2468')).toBeNull();
  });

  it('config: operators need a real hash and unique names; defaults fill the rest', () => {
    const config = boardConfigSchema.parse({ operators: [{ name: '王建国', pinHash: hash }] });
    expect(config).toMatchObject({ enabled: true, live: { maxClients: 16, heartbeatMs: 5_000 }, pinAttempts: { maxFailures: 5 }, maxBodyBytes: 4_096 });
    expect(boardConfigSchema.safeParse({ operators: [{ name: '王建国', pinHash: '2468' }] }).success).toBe(false);
    const twice = boardConfigSchema.safeParse({ operators: [{ name: 'a', pinHash: hash }, { name: 'a', pinHash: hash }] });
    expect(twice.success).toBe(false);
    expect(twice.error?.issues[0]?.message).toMatch(/listed twice/);
    expect(boardConfigSchema.safeParse({ operators: [], pin: '1234' }).success).toBe(false); // unknown keys are errors
  });
});
