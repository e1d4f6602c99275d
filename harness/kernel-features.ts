// What the running kernel offers, found by trying each feature in a scratch namespace: kernels
// differ (these machines lack ip6tnl and IPv6 ESP, distribution kernels have both as modules),
// and a config file or /proc/modules does not tell what a given `ip` command will do.
import { existsSync } from 'node:fs';
import { DeferStack, unwindOnSignals } from './defer.js';
import { CommandError, IpBatchError, ipBatch, nsExec } from './netns.js';

export type KernelFeature = 'netns' | 'veth' | 'bridge' | 'ip6tnl' | 'seg6' | 'seg6local' | 'tun' | 'esp6' | 'ipv6-subtrees' | 'ip6-rule-ipproto' | 'mip6' | 'ip6gre' | 'nft-masquerade';

const HINTS: Record<KernelFeature, string> = {
  netns: 'network namespaces (CONFIG_NET_NS) and root are needed for every testbed',
  veth: 'veth pairs (CONFIG_VETH) connect every testbed node',
  bridge: 'Linux bridges (CONFIG_BRIDGE) form the testbed links',
  ip6tnl: 'no IPv6-in-IPv6 tunnel device (CONFIG_IPV6_TUNNEL); use pmipd\'s data plane auto, seg6 or tun, or a VM with a distribution kernel',
  seg6: 'no seg6 encapsulation (CONFIG_IPV6_SEG6_LWTUNNEL); use pmipd\'s data plane auto, ip6tnl or tun',
  seg6local: 'no seg6local End.DX6 (CONFIG_IPV6_SEG6_LWTUNNEL); use pmipd\'s data plane auto, ip6tnl or tun',
  tun: 'no TUN device (CONFIG_TUN, /dev/net/tun): pmipd\'s user-space data plane (dataplane: tun) needs it',
  esp6: 'no IPv6 ESP (CONFIG_INET6_ESP): IPsec protection of PBU/PBA can only be tested in a VM with a distribution kernel',
  'ipv6-subtrees': 'no source-specific IPv6 routes (CONFIG_IPV6_SUBTREES)',
  'ip6-rule-ipproto': 'no ipproto selector in IPv6 policy rules (CONFIG_IPV6_MULTIPLE_TABLES, Linux >= 4.17)',
  mip6: 'no Mobile IPv6 (CONFIG_IPV6_MIP6): OAI PMIPv6 needs it; run it with --vm (a distribution kernel has it)',
  ip6gre: 'no GRE-in-IPv6 device (CONFIG_IPV6_GRE); pmipd with greKeys uses its user-space GRE engine (tun) instead, or run with --vm',
  'nft-masquerade': 'no nftables NAT (the nft tool, CONFIG_NF_TABLES, CONFIG_NFT_MASQ): pmipd\'s local breakout (RFC 6909 offload) NATs with it; npm run setup installs nftables',
};

export const KERNEL_FEATURES = Object.keys(HINTS) as KernelFeature[];

export class MissingKernelFeature extends Error {
  override readonly name = 'MissingKernelFeature';
  constructor(readonly feature: KernelFeature, readonly needer: string, probeSaid?: string) {
    super(`kernel lacks ${feature} (needed by ${needer}): ${HINTS[feature]}${probeSaid ? ` (probe said: ${probeSaid})` : ''}`);
  }
}

interface Detection { features: Record<KernelFeature, boolean>; probeSaid: Partial<Record<KernelFeature, string>> }

// Every probe uses the documentation prefix; nothing leaves the scratch namespace.
const A = '2001:db8:1::1';
const B = '2001:db8:1::2';
const KEY128 = '0x000102030405060708090a0b0c0d0e0f';
const KEY256 = '0x000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f';

type ProbeResults = Partial<Record<KernelFeature, string | true>>;

/**
 * The link and route probes as one `ip -force -batch` (one spawn, a failing line does not stop
 * the others). Rules need `ip -6`, which a batch line cannot say, and `ip xfrm` exits on error
 * instead of returning to the batch: those two run beside it.
 */
async function probe(ns: string): Promise<ProbeResults> {
  const batch: [KernelFeature | null, string][] = [
    [null, 'link set lo up'],
    ['veth', 'link add name pv0 type veth peer name pv1'],
    ['bridge', 'link add name pb0 type bridge'],
    // "Unknown device type." without CONFIG_IPV6_TUNNEL.
    ['ip6tnl', `link add name pt0 type ip6tnl mode ip6ip6 local ${A} remote ${B}`],
    ['seg6', `route add 2001:db8:99::/64 encap seg6 mode encap.red segs ${B} dev lo`],
    ['seg6local', `route add ${A}/128 encap seg6local action End.DX6 nh6 :: dev lo`],
    // The TUNSETIFF ioctl on /dev/net/tun, as pmipd's tun back-end does it; `link add type tun`
    // (rtnetlink) fails on kernels where the ioctl works.
    ['tun', 'tuntap add name ptun0 mode tun'],
    ['ipv6-subtrees', 'route add unreachable 2001:db8:97::/64 from 2001:db8:aa::/64'],
    // "Unknown device type." without CONFIG_IPV6_GRE (RFC 5845 data plane, keys per direction).
    ['ip6gre', `link add name pg0 type ip6gre local ${A} remote ${B} okey 1 ikey 2`],
  ];
  const results: ProbeResults = {};
  const single = (f: KernelFeature, args: string[]) => nsExec(null, 'ip', ['-n', ns, ...args]).then(
    () => { results[f] = true; },
    (err: Error) => { results[f] = err instanceof CommandError ? `ip ${args.join(' ')}: ${err.stderr.trim()}` : err.message; },
  );
  await Promise.all([
    ipBatch(batch.map(([, line]) => line), { netns: ns, force: true }).then(
      () => { for (const [f] of batch) if (f) results[f] = true; },
      (err: Error) => {
        // With -force, a line not named did its job; a batch failing without naming lines proves nothing.
        const failed = err instanceof IpBatchError ? new Map(err.failures.map((x) => [x.line, `ip ${x.command}: ${x.message}`])) : undefined;
        for (const [i, [f]] of batch.entries()) if (f) results[f] = failed ? failed.get(i + 1) ?? true : err.message;
      },
    ),
    single('ip6-rule-ipproto', ['-6', 'rule', 'add', 'pref', '100', 'to', `${A}/128`, 'ipproto', '41', 'table', '200']),
    // The kernel looks the ESP type up per address family: without CONFIG_INET6_ESP this fails
    // with "Requested type not found." although the algorithms are in /proc/crypto.
    single('esp6', ['xfrm', 'state', 'add', 'src', A, 'dst', B, 'proto', 'esp', 'spi', '0x1000', 'mode', 'transport',
      'auth', 'hmac(sha256)', KEY256, 'enc', 'cbc(aes)', KEY128]),
    // The type 2 routing header's XFRM type is registered by the kernel's Mobile IPv6 (mip6.ko,
    // loaded on demand): "Requested type not found." without CONFIG_IPV6_MIP6.
    single('mip6', ['xfrm', 'state', 'add', 'src', A, 'dst', B, 'proto', 'route2', 'mode', 'ro', 'coa', '2001:db8:1::3']),
    // The NAT44 of pmipd's offload breakout (pmipd/dataplane/offload-rules.ts): the tool and the kernel's masquerade.
    nsExec(null, 'ip', ['netns', 'exec', ns, 'nft', 'add table ip pprobe; add chain ip pprobe post { type nat hook postrouting priority srcnat; }; add rule ip pprobe post masquerade']).then(
      () => { results['nft-masquerade'] = true; },
      (err: Error) => { results['nft-masquerade'] = err instanceof CommandError ? `nft: ${err.stderr.trim()}` : err.message; },
    ),
  ]);
  // The data plane recipe sets this sysctl; kernels older than 4.10 do not have it.
  if (results.seg6 === true && !existsSync('/proc/sys/net/ipv6/conf/all/seg6_enabled')) results.seg6 = 'no net.ipv6.conf.all.seg6_enabled sysctl';
  return results;
}

let scratchCount = 0;

async function detect(): Promise<Detection> {
  const features = Object.fromEntries(KERNEL_FEATURES.map((f) => [f, false])) as Record<KernelFeature, boolean>;
  const probeSaid: Partial<Record<KernelFeature, string>> = {};
  const ns = `pt-kprobe-${process.pid}-${scratchCount++}`;
  const cleanup = new DeferStack();
  const stopWatching = unwindOnSignals(cleanup);
  try {
    try {
      await nsExec(null, 'ip', ['netns', 'add', ns]);
      cleanup.defer(`delete netns ${ns}`, () => nsExec(null, 'ip', ['netns', 'del', ns]).then(() => undefined));
      features.netns = true;
    } catch (err) {
      probeSaid.netns = (err as Error).message;
      for (const f of KERNEL_FEATURES) if (f !== 'netns') probeSaid[f] = 'not probed: no scratch network namespace';
      return { features, probeSaid };
    }
    for (const [f, r] of Object.entries(await probe(ns)) as [KernelFeature, string | true][]) {
      if (r === true) features[f] = true;
      else probeSaid[f] = r;
    }
    return { features, probeSaid };
  } finally {
    const failures = await cleanup.unwind();
    stopWatching();
    if (failures.length > 0) throw new Error(`kernel feature probe could not clean up: ${failures.join('; ')}`);
  }
}

let cached: Promise<Detection> | undefined;

function detection(): Promise<Detection> {
  cached ??= detect().catch((err) => {
    cached = undefined;
    throw err;
  });
  return cached;
}

/** Probed once per process, in a scratch namespace that is always removed. */
export async function detectKernelFeatures(): Promise<Record<KernelFeature, boolean>> {
  return { ...(await detection()).features };
}

/** Throws MissingKernelFeature for the first of `features` the kernel lacks. */
export async function requireKernelFeatures(features: KernelFeature[], needer: string): Promise<void> {
  const { features: have, probeSaid } = await detection();
  const missing = features.find((f) => !have[f]);
  if (missing !== undefined) throw new MissingKernelFeature(missing, needer, probeSaid[missing]);
}
