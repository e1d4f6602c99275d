// The IUT adapters a topology may name. Each entry gives the schema of its options (for the
// topology schema and the loader) and loads its implementation only when a run needs it.
// A new adapter (pmipd, OAI PMIPv6, OPMIP) is one more line here and one module.
import type { DomainTranslation } from '../conformance/profile.js';
import type { JsonSchema } from '../topology/json-schema.js';
import type { IutAdapter } from './adapter.js';
import { commandOptionsSchema } from './command-options.js';
import { oaiOptionsSchema, type OaiOptions } from './oai-pmipv6-options.js';
import { opmipOptionsSchema } from './opmip-options.js';
import { pmipdOptionsSchema } from './pmipd-options.js';

interface AdapterEntry {
  summary: string;
  optionsSchema: JsonSchema;
  load: () => Promise<IutAdapter>;
  /**
   * For implementations built from source: builds (or finds in the cache) what a spec with these
   * options runs. `run --vm` calls it on the host before the VM boots: the VM's root is a
   * throwaway overlay, so a build made inside it would be lost with every VM.
   */
  build?: (options: Record<string, unknown> | undefined) => Promise<void>;
  /**
   * How a conformance case's DomainNeeds (timers, MN provisioning, timestamps, fixed MAG
   * addresses) become this adapter's spec for a node, for `run --iut NAME`. pmipd's lives in
   * harness/conformance/profile.ts; without one, a case run on this implementation is an ERROR.
   */
  domain?: () => Promise<DomainTranslation>;
}

export const ADAPTERS: Record<string, AdapterEntry> = {
  command: {
    summary: 'any implementation: a command-line template and config-file templates filled from the topology',
    optionsSchema: commandOptionsSchema,
    load: async () => (await import('./command.js')).commandAdapter,
  },
  pmipd: {
    summary: 'pmipd, the testbed\'s own PMIPv6 LMA and MAG (with --quirk deviations for self-tests)',
    optionsSchema: pmipdOptionsSchema,
    load: async () => (await import('./pmipd-adapter.js')).pmipdAdapter,
  },
  'oai-pmipv6': {
    summary: 'OpenAirInterface PMIPv6 (mip6d, UMIP 0.4), MAG or LMA, built from its pristine source (needs ip6tnl and MIP6: --vm)',
    optionsSchema: oaiOptionsSchema,
    load: async () => (await import('./oai-pmipv6-adapter.js')).oaiAdapter,
    build: async (o) => { await (await import('./oai-pmipv6/recipe.js')).buildOai((o as OaiOptions | undefined)?.source); },
  },
  opmip: {
    summary: 'OPMIP (ATNoG, C++/Boost.Asio) LMA or MAG, built from its upstream source by our recipe; needs ip6tnl (run it with --vm)',
    optionsSchema: opmipOptionsSchema,
    load: async () => (await import('./opmip-adapter.js')).opmipAdapter,
    build: async (o) => { await (await import('./opmip-build.js')).buildOpmip((o as { source?: string } | undefined)?.source); },
  },
};

export async function loadAdapter(name: string): Promise<IutAdapter> {
  const entry = ADAPTERS[name];
  if (!entry) throw new Error(`unknown IUT adapter '${name}' (known: ${Object.keys(ADAPTERS).join(', ')})`);
  return entry.load();
}
