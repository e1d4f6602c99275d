// Grouping into a Map of lists, the shape most per-key indexes of the trace and the checks take.

/** Appends `v` to the list under `k`, creating it. */
export function pushTo<K, V>(m: Map<K, V[]>, k: K, v: V): void {
  const list = m.get(k);
  if (list === undefined) m.set(k, [v]);
  else list.push(v);
}
