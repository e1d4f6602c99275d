// How pmip-testbed builds OPMIP (opmip-lma, opmip-mag) from its pristine upstream archive with
// Debian 12's gcc 12 and Boost 1.74: our Makefile and force-included shim header (iut/opmip/), and
// the Boost API changes since the 1.49 OPMIP was written for, which neither a flag nor a shim can
// bridge, as mechanical edits of the extracted copy (each must match exactly once).
//
//   node dist/harness/iut/opmip-build.js [--iut-src ARCHIVE|DIR]     builds (or finds) it, prints the paths
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { buildFromSource, BuildError, PROJECT_ROOT, type BuildOptions, type BuildRecipe, type BuiltImplementation, type SourceEdit } from './source-build.js';

/**
 * The upstream archive the project is tested with (../shared/iut-src/ beside the project), or
 * PMIP_TESTBED_OPMIP_SRC (setup, CI and `pmip-testbed vm` pass the environment on).
 */
export function defaultOpmipSource(): string {
  return process.env.PMIP_TESTBED_OPMIP_SRC ?? join(PROJECT_ROOT, '..', 'shared', 'iut-src', 'opmip-099f6cb0.tar.gz');
}

const MULTIARCH = process.arch === 'arm64' ? 'aarch64-linux-gnu' : 'x86_64-linux-gnu';

export const OPMIP_EDITS: readonly SourceEdit[] = [
  {
    file: 'inc/opmip/sys/ip6_tunnel.hpp',
    find: 'class ip6_tunnel : public boost::asio::basic_io_object<ip6_tunnel_service> {',
    replace: 'class ip6_tunnel : public boost::asio::basic_io_object<ip6_tunnel_service> {\n'
      + '\tservice_type& service = this->get_service();\n\timplementation_type& implementation = this->get_implementation();\n',
    why: 'basic_io_object lost its protected service/implementation members (17 uses): members of those names bound to get_service()/get_implementation()',
  },
  {
    file: 'app/opmip-mag/drivers/dummy.hpp', find: 'boost::asio::strand ', replace: 'boost::asio::io_service::strand ',
    why: 'boost::asio::strand is a template now; io_service::strand is the old class',
  },
  {
    file: 'app/opmip-mag/drivers/icmp.hpp', find: 'boost::asio::strand ', replace: 'boost::asio::io_service::strand ',
    why: 'boost::asio::strand is a template now; io_service::strand is the old class',
  },
  {
    file: 'inc/opmip/plugins/mag.hpp', find: 'namespace boost { namespace asio { class io_service; } }', replace: '',
    why: 'io_service is a typedef of io_context: the forward declaration as a class conflicts (the shim includes the real header)',
  },
  {
    file: 'lib/opmip/pmip/addrconf_server.cpp', find: 'boost::ref(_link_sock.get_io_service())', replace: '_link_sock.get_executor()',
    why: 'sockets lost get_io_service(); a timer is made from the socket\'s executor',
  },
  {
    file: 'lib/opmip/pmip/lma.cpp', find: '_service.get_io_service()', replace: '_service.context()',
    why: 'io_service::strand::get_io_service() is now context()',
  },
  {
    file: 'lib/opmip/pmip/mag.cpp', find: '_service.get_io_service()', replace: '_service.context()',
    why: 'io_service::strand::get_io_service() is now context()',
  },
  {
    file: 'lib/opmip/pmip/mag.cpp', find: 'boost::posix_time::seconds(1.5)', replace: 'boost::posix_time::milliseconds(1500)',
    why: 'Boost.DateTime durations take integer counts only',
  },
  {
    file: 'lib/opmip/pmip/mag.cpp', find: 'boost::posix_time::milliseconds(delay * 1000.f)', replace: 'boost::posix_time::milliseconds(static_cast<long>(delay * 1000.f))',
    why: 'Boost.DateTime durations take integer counts only',
  },
];

export const OPMIP_RECIPE: BuildRecipe = {
  name: 'opmip',
  version: 1,
  recipeDir: join(PROJECT_ROOT, 'iut', 'opmip'),
  rootMarker: 'Jamroot',
  makefile: 'Makefile',
  recipeFiles: ['Makefile', 'opmip-compat.hpp'],
  edits: OPMIP_EDITS,
  products: ['opmip-lma', 'opmip-mag'],
  requires: [
    { file: '/usr/bin/g++', package: 'g++' },
    { file: '/usr/bin/make', package: 'make' },
    { file: '/usr/include/boost/asio.hpp', package: 'libboost1.74-dev' },
    { file: `/usr/lib/${MULTIARCH}/libboost_system.so`, package: 'libboost-system1.74-dev' },
    { file: `/usr/lib/${MULTIARCH}/libboost_thread.so`, package: 'libboost-thread1.74-dev' },
    { file: `/usr/lib/${MULTIARCH}/libboost_program_options.so`, package: 'libboost-program-options1.74-dev' },
  ],
};

/** opmip-lma and opmip-mag from the cache, built from `source` (default the shared archive) when missing. */
export function buildOpmip(source = defaultOpmipSource(), opts: Omit<BuildOptions, 'source'> = {}): Promise<BuiltImplementation> {
  return buildFromSource(OPMIP_RECIPE, { ...opts, source });
}

// As a script: setup and CI build OPMIP on the host before a VM (whose root is a throwaway overlay) runs it.
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { values } = parseArgs({ options: { 'iut-src': { type: 'string' }, help: { type: 'boolean', short: 'h' } } });
  if (values.help) {
    process.stdout.write('usage: node dist/harness/iut/opmip-build.js [--iut-src ARCHIVE|DIR]\nBuilds OPMIP into the IUT cache (or finds it there) and prints where.\n');
    process.exit(0);
  }
  buildOpmip(values['iut-src'], { progress: (l) => process.stderr.write(`${l}\n`) }).then((b) => {
    process.stdout.write(`opmip: ${b.built ? `built in ${b.seconds.toFixed(1)} s` : `cached (${b.seconds.toFixed(2)} s)`}: ${b.dir}\n`);
  }, (err: Error) => {
    process.stderr.write(`${err instanceof BuildError ? err.message : err.stack}\n`);
    process.exit(1);
  });
}
