// Builds, on this machine, the implementations an --iut names that are built from source, so a
// run in a VM finds them in the cache (the VM sees the host's root read-only; what it builds
// itself is lost when it ends). Which adapters an --iut runs is the profile's to say
// (selectionSpecs): one parser of --iut values and files.
import { selectionSpecs } from '../conformance/profile.js';
import type { IutSpec } from '../topology/schema.js';
import { ADAPTERS } from './registry.js';

/** Builds (or finds cached) every implementation an --iut value runs that is built from source. */
export async function prebuildSelection(iut: string, say: (line: string) => void): Promise<void> {
  await prebuildIuts(selectionSpecs(iut), say);
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
