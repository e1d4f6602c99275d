// Binary search over time-ordered lists: "the state at time t" lookups of checks and reports.

/** The first index in [0, length) for which `before(i)` is false; `before` must be true then false along the list. */
export function partitionPoint(length: number, before: (i: number) => boolean): number {
  let lo = 0, hi = length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (before(mid)) lo = mid + 1; else hi = mid;
  }
  return lo;
}
