/**
 * Operator PINs are stored only as scrypt hashes: "scrypt$N$r$p$salt$hash" (salt and hash base64).
 * Checking runs on libuv's thread pool (async scrypt), so a PIN check never stalls the agent's
 * event loop, where the interlocks run.
 */
import { randomBytes, scrypt, scryptSync, timingSafeEqual, type ScryptOptions } from 'node:crypto';

const PREFIX = 'scrypt';
const KEY_LENGTH = 32;
const SALT_BYTES = 16;
/** About 30–60 ms per check on a gateway CPU: slow for a guesser, unnoticeable for an operator. */
const DEFAULT_COST = { N: 16_384, r: 8, p: 1 } as const;
/** Refuse hashes whose cost would eat the gateway's memory (128·N·r bytes) or CPU. */
const MAX_N = 1 << 17;
const MAX_R = 16;
const MAX_P = 4;

export const PIN_HASH_PATTERN = /^scrypt\$\d+\$\d+\$\d+\$[A-Za-z0-9+/]+=*\$[A-Za-z0-9+/]+=*$/;

export const MIN_PIN_LENGTH = 4;
export const MAX_PIN_LENGTH = 32;

interface ParsedHash {
  options: ScryptOptions;
  salt: Buffer;
  hash: Buffer;
}

function checkPinShape(pin: string): void {
  if (pin.length < MIN_PIN_LENGTH || pin.length > MAX_PIN_LENGTH) {
    throw new Error(`a PIN must be ${MIN_PIN_LENGTH} to ${MAX_PIN_LENGTH} characters long`);
  }
}

function memoryFor(options: { N: number; r: number; p: number }): number {
  // Node refuses scrypt when 128·N·r·p reaches maxmem (32 MiB by default): give it headroom.
  return 256 * options.N * options.r * options.p;
}

/** Hash a PIN for the config file (`board.operators[].pinHash`). Blocking: for set-up, not for requests. */
export function hashPinSync(pin: string): string {
  checkPinShape(pin);
  const salt = randomBytes(SALT_BYTES);
  const { N, r, p } = DEFAULT_COST;
  const hash = scryptSync(pin.normalize('NFC'), salt, KEY_LENGTH, { N, r, p, maxmem: memoryFor(DEFAULT_COST) });
  return [PREFIX, N, r, p, salt.toString('base64'), hash.toString('base64')].join('$');
}

/** Parses a stored hash; null when it is not one this code wrote (the config schema reports it). */
export function parsePinHash(text: string): ParsedHash | null {
  if (!PIN_HASH_PATTERN.test(text)) return null;
  const [, n, r, p, salt, hash] = text.split('$');
  const options = { N: Number(n), r: Number(r), p: Number(p) };
  const powerOfTwo = options.N > 1 && (options.N & (options.N - 1)) === 0;
  if (!powerOfTwo || options.N > MAX_N || options.r < 1 || options.r > MAX_R || options.p < 1 || options.p > MAX_P) return null;
  const hashBytes = Buffer.from(hash!, 'base64');
  if (hashBytes.length < 16) return null;
  return { options: { ...options, maxmem: memoryFor(options) }, salt: Buffer.from(salt!, 'base64'), hash: hashBytes };
}

function scryptAsync(pin: string, salt: Buffer, length: number, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(pin, salt, length, options, (error, key) => (error ? reject(error) : resolve(key)));
  });
}

/** True only when the PIN matches; a malformed hash never matches. Constant time in the comparison. */
export async function verifyPin(pin: string, stored: string): Promise<boolean> {
  const parsed = parsePinHash(stored);
  if (parsed === null || pin.length === 0 || pin.length > MAX_PIN_LENGTH) return false;
  const derived = await scryptAsync(pin.normalize('NFC'), parsed.salt, parsed.hash.length, parsed.options);
  return timingSafeEqual(derived, parsed.hash);
}
