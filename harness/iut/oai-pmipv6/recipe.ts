// pmip-testbed's build recipe for OAI PMIPv6 (mip6d, UMIP 0.4 based): iut/oai-pmipv6/Makefile runs
// autoreconf, configure and make on an extracted copy of the pristine archive, with flags and a
// shim header instead of patches (why: the Makefile's header).
import { join } from 'node:path';
import { buildFromSource, defaultIutSource, PROJECT_ROOT, type BuildOptions, type BuildRecipe, type BuiltImplementation } from '../source-build.js';

export const DEFAULT_OAI_SOURCE = defaultIutSource('oai-pmipv6-9ff74883.tar.gz');

export const oaiRecipe: BuildRecipe = {
  name: 'oai-pmipv6',
  version: 2,
  recipeDir: join(PROJECT_ROOT, 'iut', 'oai-pmipv6'),
  recipeFiles: ['Makefile', 'shim/sys/sysctl.h'],
  // The daemon's tree, not the freeradius-client beside it in the archive.
  rootMarker: 'src/pmip/pmip.h',
  edits: [],
  makefile: 'Makefile',
  products: ['mip6d'],
  requires: [
    { file: '/usr/bin/autoreconf', package: 'autoconf' },
    { file: '/usr/bin/automake', package: 'automake' },
    { file: '/usr/bin/flex', package: 'flex' },
    { file: '/usr/bin/bison', package: 'bison' },
    { file: '/usr/bin/indent', package: 'indent' },
    { file: '/usr/include/pcap/pcap.h', package: 'libpcap-dev' },
    { file: '/usr/bin/gcc', package: 'gcc' },
    { file: '/usr/bin/make', package: 'make' },
  ],
};

/** mip6d built from `source` (an archive or a directory), from the cache when it is there. */
export function buildOai(source: string = DEFAULT_OAI_SOURCE, opts: Omit<BuildOptions, 'source'> = {}): Promise<BuiltImplementation> {
  return buildFromSource(oaiRecipe, { ...opts, source });
}
