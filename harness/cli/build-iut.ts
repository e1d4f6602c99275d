// `pmip-testbed build-iut`: builds the implementations under test that are built from source
// (OAI PMIPv6) into their cache, on this machine; `run --vm` does it by itself, CI calls this
// before the VM part (the VM's own writes are lost when it ends).
import { parseCommandArgs, UsageError } from './args.js';
import { ADAPTERS } from '../iut/registry.js';

const HELP = `usage: pmip-testbed build-iut NAME|FILE... [--iut-src PATH]

Builds each named implementation (an adapter built from source, or every such adapter of an
--iut YAML file's lma:/mag: specs) from its pristine source into the cache
(/var/cache/pmip-testbed/iut/<name>-<hash>/, PMIP_TESTBED_IUT_CACHE overrides), or finds it
there. A failed build is one line naming its log.

adapters built from source: ${Object.entries(ADAPTERS).filter(([, a]) => a.build !== undefined).map(([n]) => n).join(', ')}

options:
  --iut-src PATH      the source archive or directory (default: the adapter's, in ../shared/iut-src/)
  -h, --help          this text
`;

export async function main(argv: string[]): Promise<number> {
  const args = parseCommandArgs(argv, { 'iut-src': { type: 'string' } }, HELP);
  if (!args) return 0;
  if (args.positionals.length === 0) throw new UsageError('name an implementation (e.g. oai-pmipv6) or an --iut YAML file', HELP);
  const { prebuildIuts } = await import('../iut/prebuild.js');
  const { IutSelectionError, selectionSpecs } = await import('../conformance/profile.js');
  const src = args.values['iut-src'];
  for (const name of args.positionals) {
    let specs;
    try { specs = selectionSpecs(name); } catch (err) { if (err instanceof IutSelectionError) throw new UsageError(err.message, HELP); throw err; }
    if (specs.every((s) => ADAPTERS[s.adapter]?.build === undefined)) throw new UsageError(`'${name}' runs no implementation built from source (those: ${Object.entries(ADAPTERS).filter(([, a]) => a.build !== undefined).map(([n]) => n).join(', ')})`, HELP);
    const t = Date.now();
    await prebuildIuts(specs.map((s) => (src !== undefined ? { ...s, options: { ...s.options, source: src } } : s)), (l) => process.stderr.write(`build-iut: ${l}\n`));
    process.stdout.write(`build-iut: ${name} ready (${Date.now() - t} ms)\n`);
  }
  return 0;
}
