/**
 * The canonical encoding a command signature covers: the command object without `signature`,
 * serialized as JSON with object keys sorted (by UTF-16 code units, JavaScript's default sort),
 * no whitespace, strings and numbers as JSON.stringify writes them. For the values commands use
 * (strings, integers, booleans, null, arrays, objects) this is RFC 8785 (JCS), so a platform in
 * any language can produce it with a JCS library. See docs/mqtt-contract.md.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    const json = JSON.stringify(value) as string | undefined;
    if (json === undefined) throw new TypeError(`cannot encode a ${typeof value} canonically`);
    return json;
  }
  if (Array.isArray(value)) return `[${value.map((item) => canonicalJson(item)).join(',')}]`;
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record)
    .filter((key) => record[key] !== undefined)
    .sort();
  return `{${keys.map((key) => `${JSON.stringify(key)}:${canonicalJson(record[key])}`).join(',')}}`;
}

/** The bytes that are signed: the canonical JSON of every field except `signature`, UTF-8. */
export function signedBytes(command: Record<string, unknown>): Buffer {
  const { signature: _signature, ...signed } = command;
  return Buffer.from(canonicalJson(signed), 'utf8');
}
