// pmip-testbed's build recipe for OAI PMIPv6 (mip6d, UMIP 0.4 based): autoreconf, configure and
// make on an extracted copy of the pristine archive, with flags and one shim header for today's
// toolchain (Debian 12: gcc 12, glibc 2.36, OpenSSL 3) instead of patches of their code:
// - --with-builtin-crypto: with OpenSSL 3 present configure would pick libcrypto, whose HMAC_CTX
//   the code puts on the stack (opaque since OpenSSL 1.1);
// - shim/sys/sysctl.h on the include path: glibc dropped <sys/sysctl.h> and sysctl(); the code
//   calls it only when /proc/sys is missing.
// pmgr.c/pmgr.h are generated at build time by GNU indent, hence the tool list.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildFromSource, type BuildRecipe, type BuiltIut } from '../source-build.js';

/** The project's root, from dist/harness/iut/oai-pmipv6/ (the shim header is not compiled, so it stays in the source tree). */
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');
const SHIM = join(ROOT, 'harness', 'iut', 'oai-pmipv6', 'shim');

/**
 * The pristine archive in ../shared/iut-src/ beside the project, or in the directory
 * PMIP_TESTBED_IUT_SRC names (a checkout elsewhere, e.g. a git worktree).
 */
export const DEFAULT_OAI_SOURCE = join(process.env.PMIP_TESTBED_IUT_SRC ?? join(ROOT, '..', 'shared', 'iut-src'), 'oai-pmipv6-9ff74883.tar.gz');

/** The Debian packages the recipe needs (scripts/setup.mjs --iuts installs them). */
export const OAI_BUILD_PACKAGES = ['autoconf', 'automake', 'flex', 'bison', 'indent', 'libpcap-dev', 'gcc', 'make'] as const;

export const oaiRecipe: BuildRecipe = {
  name: 'oai-pmipv6',
  version: 1,
  subdir: 'oai-pmipv6/pmipv6-daemon-umip',
  tools: [
    { program: 'autoreconf', debianPackage: 'autoconf' },
    { program: 'automake', debianPackage: 'automake' },
    { program: 'flex', debianPackage: 'flex' },
    { program: 'bison', debianPackage: 'bison' },
    { program: 'indent', debianPackage: 'indent' },
    { program: 'gcc', debianPackage: 'gcc' },
    { program: 'make', debianPackage: 'make' },
    { program: 'tar', debianPackage: 'tar' },
  ],
  headers: { '/usr/include/pcap/pcap.h': 'libpcap-dev' },
  steps: () => [
    { name: 'autoreconf', cmd: 'autoreconf', args: ['-i'] },
    { name: 'configure', cmd: './configure', args: ['--with-builtin-crypto', `CPPFLAGS=-I${SHIM}`, 'CFLAGS=-O2 -g'] },
    { name: 'make', cmd: 'make', args: ['-j2'] },
  ],
  products: ['src/mip6d'],
};

/** mip6d built from `source` (an archive or a directory), from the cache when it is there. */
export function buildOai(source: string = DEFAULT_OAI_SOURCE, progress?: (line: string) => void): Promise<BuiltIut> {
  return buildFromSource(oaiRecipe, source, progress);
}
