// How pmip-testbed builds OPMIP (opmip-lma, opmip-mag) from its pristine upstream archive with
// Debian 12's gcc 12 and Boost 1.74: our Makefile and force-included shim header (iut/opmip/), and
// the Boost API changes since the 1.49 OPMIP was written for, which neither a flag nor a shim can
// bridge, as mechanical edits of the extracted copy (each must match exactly once).
import { join } from 'node:path';
import { buildFromSource, defaultIutSource, PROJECT_ROOT, type BuildOptions, type BuildRecipe, type BuiltImplementation, type SourceEdit } from './source-build.js';


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
export function buildOpmip(source = defaultIutSource('opmip-099f6cb0.tar.gz'), opts: Omit<BuildOptions, 'source'> = {}): Promise<BuiltImplementation> {
  return buildFromSource(OPMIP_RECIPE, { ...opts, source });
}

