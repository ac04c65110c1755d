/** Every way a command can be rejected, and one that passes: pure, no I/O. */
import { generateKeyPairSync, randomUUID, sign, type KeyObject } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { canonicalJson, signedBytes } from '../../agent/commands/canonical-json.js';
import { validateCommand, type ValidationContext } from '../../agent/commands/validate-command.js';

const NOW = Date.UTC(2025, 5, 1, 8);
const platform = generateKeyPairSync('ed25519');
const other = generateKeyPairSync('ed25519');

function command(overrides: Record<string, unknown> = {}, key: KeyObject = platform.privateKey): Record<string, unknown> {
  const unsigned = {
    v: 1,
    id: randomUUID(),
    type: 'set_quota',
    issuedAt: NOW - 1000,
    expiresAt: NOW + 60_000,
    nonce: 'n0nce-0123456789abcdef',
    keyId: 'platform-1',
    params: { scope: 'mine', limit: 120 },
    ...overrides,
  };
  return { ...unsigned, signature: sign(null, signedBytes(unsigned), key).toString('base64') };
}

function context(extra: Partial<ValidationContext> = {}): ValidationContext {
  return { keys: new Map([['platform-1', platform.publicKey]]), now: NOW, clockSkewMs: 30_000, maxValidityMs: 3_600_000, isReplay: () => false, ...extra };
}

const bytes = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value));

describe('canonicalJson', () => {
  it('sorts keys at every level and leaves out whitespace', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, 'x', null, true], c: 'é' } })).toBe('{"a":{"c":"é","d":[1,"x",null,true]},"b":1}');
  });
  it('signs every field except signature', () => {
    expect(signedBytes({ z: 1, signature: 'abc', a: 2 }).toString()).toBe('{"a":2,"z":1}');
  });
});

describe('validateCommand', () => {
  it('accepts a well-signed, current command and returns its typed params', () => {
    const result = validateCommand(bytes(command()), context());
    expect(result).toMatchObject({ ok: true, command: { type: 'set_quota', params: { scope: 'mine', limit: 120 } } });
  });

  const rejections: Array<[string, () => [Buffer, Partial<ValidationContext>?]]> = [
    ['too_large', () => [Buffer.alloc(1_048_577, 0x20)]],
    ['malformed', () => [bytes('{not json')]],
    ['malformed', () => [bytes({ ...command(), nonce: undefined })]],
    ['malformed', () => [bytes({ ...command(), extra: 1 })]],
    ['unsupported_version', () => [bytes(command({ v: 2 }))]],
    ['unknown_key', () => [bytes(command({ keyId: 'someone-else' }))]],
    ['bad_signature', () => [bytes(command({}, other.privateKey))]],
    ['bad_signature', () => [bytes({ ...command(), params: { scope: 'mine', limit: 9999 } })]],
    ['not_yet_valid', () => [bytes(command({ issuedAt: NOW + 31_000, expiresAt: NOW + 90_000 }))]],
    ['expired', () => [bytes(command({ issuedAt: NOW - 120_000, expiresAt: NOW - 31_000 }))]],
    ['validity_too_long', () => [bytes(command({ expiresAt: NOW + 2 * 3_600_000 }))]],
    ['validity_too_long', () => [bytes(command({ issuedAt: NOW, expiresAt: NOW }))]],
    ['replayed', () => [bytes(command()), { isReplay: (keyId, nonce) => keyId === 'platform-1' && nonce === 'n0nce-0123456789abcdef' }]],
    ['unknown_type', () => [bytes(command({ type: 'open_all_gates' }))]],
    ['invalid_params', () => [bytes(command({ params: { scope: 'area', limit: 10 } }))]],
    ['invalid_params', () => [bytes(command({ type: 'set_suspension', params: { orderRef: 'X-1', maxPerShift: 30, maxPerWorkLocation: 11 } }))]],
    ['invalid_params', () => [bytes(command({ type: 'weather_alert', params: { alertId: 'a', type: 'rainstorm', colour: 'purple', validFrom: NOW, validUntil: NOW + 1 } }))]],
    ['invalid_params', () => [bytes(command({ type: 'request_snapshot', params: { points: 'all' } }))]],
  ];
  for (const [reason, make] of rejections) {
    it(`rejects with ${reason}`, () => {
      const [payload, extra] = make();
      const result = validateCommand(payload, context(extra));
      expect(result.ok).toBe(false);
      if (result.ok) return;
      expect(result.reason).toBe(reason);
      expect(result.detail.length).toBeGreaterThan(10);
    });
  }

  it('keeps the command id of a readable but malformed command, for the response', () => {
    const id = randomUUID();
    const result = validateCommand(bytes({ id, type: 'set_quota' }), context());
    expect(result).toMatchObject({ ok: false, reason: 'malformed', commandId: id, type: 'set_quota', verified: null });
  });

  it('marks a rejection as verified only after the signature checked out', () => {
    const bad = validateCommand(bytes(command({}, other.privateKey)), context());
    const expired = validateCommand(bytes(command({ issuedAt: NOW - 120_000, expiresAt: NOW - 60_000 })), context());
    expect(bad.ok === false && bad.verified).toBe(null);
    expect(expired.ok === false && expired.verified !== null).toBe(true);
  });

  it('accepts within the clock skew allowance on both ends', () => {
    expect(validateCommand(bytes(command({ issuedAt: NOW + 29_000, expiresAt: NOW + 90_000 })), context()).ok).toBe(true);
    expect(validateCommand(bytes(command({ issuedAt: NOW - 100_000, expiresAt: NOW - 29_000 })), context()).ok).toBe(true);
  });
});
