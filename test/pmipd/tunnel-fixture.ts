// Two tunnel end points in namespaces with a host behind each, for the tun engine's tests and
// bench:pmipd's tunnel figures:
//
//   hostA ---------- mag ================ lma ---------- hostB
//   h0 2001:db8:a::2    acc0 a::1             cn0 b::1     h0 2001:db8:b::2
//                       ptb ff::2 ---- pta ff::1
//                       ptun  (IPv6-in-IPv6)  ptun
//
// mag and lma forward; hostA's traffic to 2001:db8:b::/64 goes into mag's tunnel device, hostB's
// to 2001:db8:a::/64 into lma's. The tunnel is one of:
//   tun:    pmipd's user-space engine (TunTunnel, opened in the namespaces from this process);
//   ip6tnl: a kernel tunnel device, encaplimit none;
//   seg6:   encap.red + End.DX6, the platform-notes recipe (no forwarding hop: for speed figures);
//   none:   no tunnel, plain routes across the transport link (the baseline of the figures);
//   tun-gre, ip6gre: GRE-in-IPv6 with a key per direction (RFC 5845: GRE_KEYS), by the user-space
//           engine or the kernel's ip6gre device.
import { ipBatch, nsExec } from '../../harness/netns.js';
import { probeBackend, type BackendName } from '../../pmipd/dataplane/backends.js';
import { IpBatch } from '../../pmipd/dataplane/ip-batch.js';
import { TunTunnel, tunUnusableBecause } from '../../pmipd/dataplane/tun-tunnel.js';
import type { Scratch } from '../testbed/scratch.js';

export type FixtureTunnel = 'tun' | 'ip6tnl' | 'seg6' | 'none' | 'tun-gre' | 'ip6gre' | 'tun-v4' | 'tun-v4-udp';

/** RFC 5844 §4 IPv4 transport (tun-v4, tun-v4-udp): the transport link's IPv4 addresses. */
export const V4_TRANSPORT = { lma: '192.0.2.1', mag: '192.0.2.2' } as const;
/** The GRE keys of the GRE fixtures: `up` from mag to lma, `down` from lma to mag. */
export const GRE_KEYS = { up: 0x0a0b0c0d, down: 0x01020304 } as const;

export const A = { host: '2001:db8:a::2', router: '2001:db8:a::1', prefix: '2001:db8:a::/64' };
export const B = { host: '2001:db8:b::2', router: '2001:db8:b::1', prefix: '2001:db8:b::/64' };
export const TUNNEL_DEVICE = 'ptun';

export interface TunnelFixture {
  ns: { hostA: string; mag: string; lma: string; hostB: string };
  /** Transport addresses and interfaces (the outer header's source and destination). */
  mag: { address: string; ifname: string };
  lma: { address: string; ifname: string };
  /** The user-space engines when the tunnel is `tun`. */
  engines: { mag: TunTunnel; lma: TunTunnel } | null;
  /** Closes the engines (the namespaces go with the Scratch). */
  close(): void;
}

async function hostLink(host: string, router: string, routerIf: string, hostAddr: string, routerAddr: string): Promise<void> {
  await ipBatch([`link add name h0 type veth peer name ${routerIf} netns ${router}`, `addr add ${hostAddr}/64 dev h0 nodad`,
    'link set h0 up', 'link set lo up', `route add default via ${routerAddr}`], { netns: host });
  await ipBatch([`addr add ${routerAddr}/64 dev ${routerIf} nodad`, `link set ${routerIf} up`], { netns: router });
}

async function sysctl(ns: string, ...settings: string[]): Promise<void> {
  await nsExec(ns, 'sysctl', ['-qw', ...settings]);
}

export async function tunnelFixture(scratch: Scratch, tunnel: FixtureTunnel): Promise<TunnelFixture> {
  const ns = { hostA: await scratch.netns(), mag: await scratch.netns(), lma: await scratch.netns(), hostB: await scratch.netns() };
  const transport = await scratch.vethPair(ns.lma, ns.mag);
  const mag = { address: transport.addrB, ifname: transport.ifB };
  const lma = { address: transport.addrA, ifname: transport.ifA };
  await hostLink(ns.hostA, ns.mag, 'acc0', A.host, A.router);
  await hostLink(ns.hostB, ns.lma, 'cn0', B.host, B.router);
  for (const r of [ns.mag, ns.lma]) {
    await sysctl(r, 'net.ipv6.conf.all.forwarding=1');
    await ipBatch(['link set lo up'], { netns: r });
  }
  const ends = [
    { netns: ns.mag, self: mag, peer: lma, far: B.prefix },
    { netns: ns.lma, self: lma, peer: mag, far: A.prefix },
  ];
  let engines: TunnelFixture['engines'] = null;
  if (tunnel === 'tun') {
    engines = {
      mag: TunTunnel.open(mag.address, [{ device: TUNNEL_DEVICE, peer: lma.address }], ns.mag),
      lma: TunTunnel.open(lma.address, [{ device: TUNNEL_DEVICE, peer: mag.address }], ns.lma),
    };
  } else if (tunnel === 'tun-v4' || tunnel === 'tun-v4-udp') {
    const udp = tunnel === 'tun-v4-udp';
    await ipBatch([`addr add ${V4_TRANSPORT.lma}/24 dev ${lma.ifname}`], { netns: ns.lma });
    await ipBatch([`addr add ${V4_TRANSPORT.mag}/24 dev ${mag.ifname}`], { netns: ns.mag });
    engines = {
      mag: TunTunnel.open(V4_TRANSPORT.mag, [{ device: TUNNEL_DEVICE, peer: V4_TRANSPORT.lma, udp }], ns.mag),
      lma: TunTunnel.open(V4_TRANSPORT.lma, [{ device: TUNNEL_DEVICE, peer: V4_TRANSPORT.mag, udp }], ns.lma),
    };
  } else if (tunnel === 'tun-gre') {
    engines = {
      mag: TunTunnel.open(mag.address, [{ device: TUNNEL_DEVICE, peer: lma.address, gre: { outKey: GRE_KEYS.up, inKey: GRE_KEYS.down } }], ns.mag),
      lma: TunTunnel.open(lma.address, [{ device: TUNNEL_DEVICE, peer: mag.address, gre: { outKey: GRE_KEYS.down, inKey: GRE_KEYS.up } }], ns.lma),
    };
  }
  const fixture: TunnelFixture = {
    ns, mag, lma, engines,
    close() {
      engines?.mag.close();
      engines?.lma.close();
      engines = null;
      fixture.engines = null;
    },
  };
  try {
    for (const e of ends) {
      switch (tunnel) {
        case 'none':
          await ipBatch([`route add ${e.far} via ${e.peer.address}`], { netns: e.netns });
          break;
        case 'tun':
        case 'tun-v4':
        case 'tun-v4-udp':
        case 'tun-gre':
        case 'ip6gre':
        case 'ip6tnl': {
          const [okey, ikey] = e.netns === ns.mag ? [GRE_KEYS.up, GRE_KEYS.down] : [GRE_KEYS.down, GRE_KEYS.up];
          const create = tunnel === 'ip6tnl'
            ? [`link add ${TUNNEL_DEVICE} type ip6tnl mode ip6ip6 local ${e.self.address} remote ${e.peer.address} encaplimit none dev ${e.self.ifname}`]
            : tunnel === 'ip6gre'
              ? [`link add ${TUNNEL_DEVICE} type ip6gre local ${e.self.address} remote ${e.peer.address} okey ${okey} ikey ${ikey} encaplimit none dev ${e.self.ifname}`]
              : [];
          await ipBatch([...create, `link set ${TUNNEL_DEVICE} addrgenmode none mtu ${tunnel === 'tun-gre' || tunnel === 'ip6gre' ? 1452 : 1460} up`, `route add ${e.far} dev ${TUNNEL_DEVICE}`], { netns: e.netns });
          break;
        }
        case 'seg6':
          await sysctl(e.netns, 'net.ipv6.conf.all.seg6_enabled=1', `net.ipv6.conf.${e.self.ifname}.seg6_enabled=1`);
          await ipBatch([
            `route add ${e.far} encap seg6 mode encap.red segs ${e.peer.address} dev ${e.self.ifname}`,
            `route add ${e.self.address}/128 encap seg6local action End.DX6 nh6 :: dev ${e.self.ifname} table 200`,
          ], { netns: e.netns });
          for (const rule of [`add pref 100 to ${e.self.address}/128 ipproto 41 table 200`, 'add pref 1000 table local', 'del pref 0 table local']) {
            await nsExec(e.netns, 'ip', ['-6', 'rule', ...rule.split(' ')]);
          }
          break;
      }
    }
  } catch (err) {
    fixture.close();
    throw err;
  }
  return fixture;
}

/**
 * What pmipd's own probe says of `backend` on this kernel (null: it works), tried in a scratch
 * namespace: tests over a back-end the kernel lacks are skipped with this as the reason.
 */
export async function backendUnavailable(scratch: Scratch, backend: BackendName): Promise<string | null> {
  const ns = await scratch.netns();
  await ipBatch(['link set lo up'], { netns: ns });
  if (backend === 'tun') return tunUnusableBecause(ns);
  const ip = new IpBatch(ns);
  try {
    return await probeBackend(ip, backend, 'lo');
  } finally {
    await ip.close();
  }
}
