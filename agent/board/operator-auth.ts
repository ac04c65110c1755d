/**
 * Operator + PIN check for board actions. An unknown operator name costs the same scrypt work as a
 * known one (checked against a hash nothing matches), so timing does not tell names apart, and the
 * answer to both is the same words.
 */
import type { BoardOperator } from './board-config.js';
import { verifyPin } from './pin-hash.js';

/** Valid format, default cost, zero salt and zero hash: no PIN derives to it. */
const NOTHING_MATCHES = `scrypt$16384$8$1$${Buffer.alloc(16).toString('base64')}$${Buffer.alloc(32).toString('base64')}`;

export class OperatorAuth {
  private readonly byName: Map<string, string>;

  constructor(operators: readonly BoardOperator[]) {
    this.byName = new Map(operators.map((operator) => [operator.name.normalize('NFC'), operator.pinHash]));
  }

  get operatorCount(): number {
    return this.byName.size;
  }

  /** The operator's canonical name when the PIN is theirs; null otherwise. */
  async check(operator: string, pin: string): Promise<string | null> {
    const name = operator.trim().normalize('NFC');
    const stored = this.byName.get(name);
    const matches = await verifyPin(pin, stored ?? NOTHING_MATCHES);
    return matches && stored !== undefined ? name : null;
  }
}
