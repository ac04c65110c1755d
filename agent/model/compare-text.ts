/**
 * Orders strings by UTF-16 code unit, the same on every gateway. Deliberately not localeCompare:
 * that runs ICU collation, which is locale-dependent and maps about 10 MiB of ICU data into the
 * agent's memory (bench/footprint) for orderings nobody reads as dictionary order.
 */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
