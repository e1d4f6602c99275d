// Builds, on this machine, the implementations an --iut names that are built from source, so a
// run in a VM finds them in the cache (the VM sees the host's root read-only; what it builds
// itself is lost when it ends). An --iut is a profile name (an adapter of that name, if it is
// built from source) or a YAML file of lma:/mag: adapter specs.
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import type { IutSpec } from '../topology/schema.js';
import { ADAPTERS } from './registry.js';

/** The adapter specs an --iut value runs. */
export function iutSpecs(iut: string): IutSpec[] {
  if (/\.ya?ml$/.test(iut)) {
    const doc = parse(readFileSync(iut, 'utf8')) as { lma?: IutSpec; mag?: IutSpec } | null;
    return [doc?.lma, doc?.mag].filter((s): s is IutSpec => s !== undefined && typeof s === 'object' && typeof s.adapter === 'string');
  }
  return ADAPTERS[iut] !== undefined ? [{ adapter: iut }] : [];
}

/** Builds (or finds cached) every implementation of `specs` that is built from source. */
export async function prebuildIuts(specs: readonly IutSpec[], say: (line: string) => void): Promise<void> {
  const seen = new Set<string>();
  for (const spec of specs) {
    const build = ADAPTERS[spec.adapter]?.build;
    const key = JSON.stringify([spec.adapter, spec.options?.source]);
    if (build === undefined || seen.has(key)) continue;
    seen.add(key);
    say(`${spec.adapter}: building on this machine unless its cache has it`);
    await build(spec.options);
  }
}
