/** Loads the platform's Ed25519 command keys from the config (inline PEM or a file). */
import { createPublicKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { CommandKeyConfig } from '../../config/schema.js';

export class CommandKeyError extends Error {
  override readonly name = 'CommandKeyError';
}

/** Throws CommandKeyError naming the key and what to check; the agent does not start with a bad key. */
export function loadCommandKeys(keys: readonly CommandKeyConfig[]): Map<string, KeyObject> {
  const loaded = new Map<string, KeyObject>();
  for (const key of keys) {
    if (loaded.has(key.id)) throw new CommandKeyError(`platform.commandKeys: key id "${key.id}" is listed twice`);
    const where = key.publicKeyFile === undefined ? `platform.commandKeys "${key.id}" (publicKeyPem)` : `platform.commandKeys "${key.id}" file ${key.publicKeyFile}`;
    let pem: string;
    try {
      pem = key.publicKeyPem ?? readFileSync(key.publicKeyFile ?? '', 'utf8');
    } catch (error) {
      throw new CommandKeyError(`${where}: cannot read the key file (${error instanceof Error ? error.message : String(error)}); check the path and that the shaftgate user may read it`);
    }
    let publicKey: KeyObject;
    try {
      publicKey = createPublicKey(pem);
    } catch (error) {
      throw new CommandKeyError(`${where}: not a PEM public key (${error instanceof Error ? error.message : String(error)}); expected "-----BEGIN PUBLIC KEY-----"`);
    }
    if (publicKey.asymmetricKeyType !== 'ed25519') {
      throw new CommandKeyError(`${where}: is a ${publicKey.asymmetricKeyType ?? 'unknown'} key; command keys must be Ed25519`);
    }
    loaded.set(key.id, publicKey);
  }
  return loaded;
}
