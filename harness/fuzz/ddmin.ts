// Delta debugging (Zeller and Hildebrandt, "Simplifying and Isolating Failure-Inducing Input",
// 2002): the shortest sub-sequence of `items` for which `fails` still holds, 1-minimal (removing
// any one item makes it pass). `fails` is asked about subsets in their original order.

export interface DdminResult<T> { items: T[]; tests: number }

export async function ddmin<T>(items: readonly T[], fails: (subset: T[]) => Promise<boolean>, opts: { maxTests?: number } = {}): Promise<DdminResult<T>> {
  let current = [...items];
  let n = 2;
  let tests = 0;
  const maxTests = opts.maxTests ?? Infinity;
  const test = async (s: T[]) => { tests++; return fails(s); };
  while (current.length >= 2 && tests < maxTests) {
    const chunks = split(current, n);
    let reduced = false;
    // A single chunk that fails on its own ...
    for (const c of chunks) {
      if (tests >= maxTests) break;
      if (await test(c)) { current = c; n = 2; reduced = true; break; }
    }
    // ... else a complement that does.
    if (!reduced && n > 2) {
      for (let i = 0; i < chunks.length && tests < maxTests; i++) {
        const complement = chunks.flatMap((c, j) => (j === i ? [] : c));
        if (await test(complement)) { current = complement; n = Math.max(n - 1, 2); reduced = true; break; }
      }
    }
    if (!reduced) {
      if (n >= current.length) break;
      n = Math.min(current.length, 2 * n);
    }
  }
  return { items: current, tests };
}

function split<T>(items: T[], n: number): T[][] {
  const out: T[][] = [];
  let start = 0;
  for (let i = 0; i < n; i++) {
    const end = start + Math.floor((items.length - start) / (n - i));
    if (end > start) out.push(items.slice(start, end));
    start = end;
  }
  return out;
}
