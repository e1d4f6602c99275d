#!/usr/bin/env node
// Bootstrap run before every npm entry point: it must work on a fresh Debian 12 machine where
// nothing but Node and npm exist yet, so it is plain JavaScript with no dependencies.
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const quiet = process.env.PMIP_SETUP_QUIET === '1';
// --vm: also what `pmip-testbed vm` needs (it calls `setup.mjs --vm --packages-only` itself when
// they are missing, so hosts that never boot a VM never install qemu).
const withVm = process.argv.includes('--vm');
const packagesOnly = process.argv.includes('--packages-only');
// --iuts: what building the third-party implementations under test needs (`pmip-testbed build-iut`,
// on the host: a VM's root is a throwaway overlay). Must match the recipes' `requires`
// (harness/iut/oai-pmipv6/recipe.ts, harness/iut/opmip-build.ts).
const withIuts = process.argv.includes('--iuts');
const say = (msg) => { if (!quiet) process.stderr.write(`setup: ${msg}\n`); };

// Debian package -> a file it installs, so presence is a stat, not a dpkg query.
const debianPackages = {
  iproute2: '/usr/sbin/ip',
  tcpdump: '/usr/bin/tcpdump',
  tshark: '/usr/bin/tshark',
  radvd: '/usr/sbin/radvd',
  procps: '/usr/bin/ps',
  'iputils-ping': '/usr/bin/ping',
  chromium: '/usr/bin/chromium',
  // node-gyp builds the addons pmipd uses: raw-socket (C++) and pmipd-tunnel (C; g++ brings gcc).
  'g++': '/usr/bin/g++',
  make: '/usr/bin/make',
  // python3 also sets up the testbed's namespaces (harness/testbed/ns-configure.ts).
  python3: '/usr/bin/python3',
  // pmipd's seg6 data plane sets CE on tunnel exit with an nftables rule (pmipd/dataplane/ecn-exit.ts).
  nftables: '/usr/sbin/nft',
  // The DHCPv6 server and client of the dhcpv6 case (RFC 5213 §6.11; harness/dhcpv6/services.ts).
  'isc-dhcp-server': '/usr/sbin/dhcpd',
  'isc-dhcp-client': '/sbin/dhclient',
  // NAT44 of pmipd's local breakout (RFC 6909 IPv4 offload; cases/sipto).
  nftables: '/usr/sbin/nft',
  ...(withVm ? {
    'qemu-system-x86': '/usr/bin/qemu-system-x86_64',
    // Static: the guest's initramfs has no libc.
    'busybox-static': '/bin/busybox',
    // setpriv --pdeathsig: qemu dies with the harness.
    'util-linux': '/usr/bin/setpriv',
    // The IKEv2 daemon of the ipsec-ikev2 case (IPv6 ESP exists in the VM's kernel, not on every host).
    'strongswan-charon': '/usr/lib/ipsec/charon',
    'strongswan-swanctl': '/usr/sbin/swanctl',
  } : {}),
  ...(withIuts ? {
    autoconf: '/usr/bin/autoreconf',
    automake: '/usr/bin/automake',
    flex: '/usr/bin/flex',
    bison: '/usr/bin/bison',
    // OAI generates pmgr.c/pmgr.h with GNU indent at build time.
    indent: '/usr/bin/indent',
    'libpcap-dev': '/usr/include/pcap/pcap.h',
    gcc: '/usr/bin/gcc',
    'libboost1.74-dev': '/usr/include/boost/asio.hpp',
    'libboost-system1.74-dev': '/usr/lib/x86_64-linux-gnu/libboost_system.so',
    'libboost-thread1.74-dev': '/usr/lib/x86_64-linux-gnu/libboost_thread.so',
    'libboost-program-options1.74-dev': '/usr/lib/x86_64-linux-gnu/libboost_program_options.so',
  } : {}),
};

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: quiet ? 'pipe' : ['ignore', 'inherit', 'inherit'], ...opts });
  if (r.error) return { ok: false, why: r.error.message };
  return { ok: r.status === 0, why: `${cmd} exited with ${r.status}` };
}

function fail(msg) {
  process.stderr.write(`setup: ${msg}\n`);
  process.exit(1);
}

const missing = Object.entries(debianPackages).filter(([, file]) => !existsSync(file)).map(([name]) => name);
if (missing.length > 0) {
  if (process.getuid?.() !== 0) fail(`missing Debian packages: ${missing.join(' ')}; run as root (sudo) so setup can install them`);
  say(`installing Debian packages: ${missing.join(' ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  let r = run('apt-get', ['install', '-y', '--no-install-recommends', ...missing], { env });
  if (!r.ok) {
    run('apt-get', ['update'], { env });
    r = run('apt-get', ['install', '-y', '--no-install-recommends', ...missing], { env });
  }
  if (!r.ok) fail(`could not install ${missing.join(' ')} (${r.why})`);
}

if (packagesOnly) process.exit(0);

const lock = join(root, 'package-lock.json');
const installed = join(root, 'node_modules', '.package-lock.json');
if (!existsSync(installed) || statSync(installed).mtimeMs < statSync(lock).mtimeMs) {
  say('installing npm dependencies (npm ci)');
  const r = run('npm', ['ci', '--no-audit', '--no-fund']);
  if (!r.ok) fail(`npm ci failed (${r.why})`);
}

// pmipd's raw sockets come from a native addon that npm builds with node-gyp during the install;
// npm 11 can skip install scripts, so the built file itself is checked and rebuilt once if absent.
const rawNode = join(root, 'node_modules', 'raw-socket', 'build', 'Release', 'raw.node');
if (existsSync(join(root, 'node_modules', 'raw-socket')) && !existsSync(rawNode)) {
  say('building the raw-socket addon (npm rebuild raw-socket)');
  run('npm', ['rebuild', 'raw-socket', '--foreground-scripts']);
  if (!existsSync(rawNode)) {
    fail('node_modules/raw-socket/build/Release/raw.node is missing: node-gyp could not build the raw-socket addon '
      + '(pmipd needs it for its raw IPv6 sockets); check that g++, make and python3 are installed, then run `npm rebuild raw-socket`');
  }
}

// pmipd's user-space tunnel (the `tun` data plane) is its own addon, pmipd/native, linked as the
// file: dependency pmipd-tunnel and built the same way.
const tunnelNode = join(root, 'pmipd', 'native', 'build', 'Release', 'pmipd_tunnel.node');
// Rebuilt too when its source changed since (a copied build from before a change lacks functions).
const tunnelSource = join(root, 'pmipd', 'native', 'src', 'tunnel.c');
if (!existsSync(tunnelNode) || statSync(tunnelNode).mtimeMs < statSync(tunnelSource).mtimeMs) {
  say('building the pmipd-tunnel addon (npm rebuild pmipd-tunnel)');
  run('npm', ['rebuild', 'pmipd-tunnel', '--foreground-scripts']);
  if (!existsSync(tunnelNode)) {
    fail('pmipd/native/build/Release/pmipd_tunnel.node is missing: node-gyp could not build the pmipd-tunnel addon '
      + '(pmipd\'s tun data plane); check that gcc, make and python3 are installed, then run `npm rebuild pmipd-tunnel`');
  }
}

say('building (tsc)');
const tsc = run(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json']);
if (!tsc.ok) fail(`TypeScript build failed (${tsc.why})`);

// tsc does not keep the executable bit; `npx pmip-testbed` runs the bin through its shebang.
// npm links the bins of dependencies into node_modules/.bin but never the project's own, and npx
// looks only there (then in the registry, which has no pmip-testbed): link them here.
const binDir = join(root, 'node_modules', '.bin');
mkdirSync(binDir, { recursive: true });
for (const [name, bin] of Object.entries(pkg.bin)) {
  if (!existsSync(join(root, bin))) continue;
  chmodSync(join(root, bin), 0o755);
  const link = join(binDir, name);
  rmSync(link, { force: true });
  symlinkSync(relative(binDir, join(root, bin)), link);
}

