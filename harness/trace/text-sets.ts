// Lists of texts (a session's prefixes, an RA's PIOs) compared and shown as sets.

/** Equal as sets (order and duplicates ignored). */
export function sameSet(a: readonly string[], b: readonly string[]): boolean {
  // Short lists (a session's few prefixes) need no sets.
  if (a.length <= 8 && b.length <= 8) return a.every((x) => b.includes(x)) && b.every((x) => a.includes(x));
  const sa = new Set(a), sb = new Set(b);
  if (sa.size !== sb.size) return false;
  for (const x of sa) if (!sb.has(x)) return false;
  return true;
}

export function setText(a: readonly string[]): string {
  return a.length === 0 ? '(none)' : [...new Set(a)].sort().join(', ');
}
