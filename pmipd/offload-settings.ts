// The selective traffic offload part of the domain file (RFC 6909; the seed's SIPTO over WLAN):
//   offload:
//     ipv4:                          # what the LMA authorises, one IPv4 Traffic Offload Selector each
//       - { dst: 198.51.100.0/24, protocol: 17, dstPorts: 5000-5010 }   # every field optional
//     ipv6: [2001:db8:ff::/64]       # destination prefixes every MAG with gateway6 breaks out (a domain
//                                    # policy: RFC 6909 signals IPv4 only)
//     mags:                          # the MAGs with a local breakout link; only they ask for offload
//       mag1: { interface: brk0, address: 100.64.1.2/24, gateway: 100.64.1.1, gateway6: 2001:db8:f1::2 }
// A MAG breaks out the IPv4 flows of the granted selectors (and the IPv6 flows to the domain's
// prefixes) through its breakout link, NATed to its breakout address (its IPv6 address there comes
// from the link); everything else goes through the tunnel. Offloaded flows have no mobility: on a
// handover the new MAG applies the policy it is granted again, with its own breakout address.
import type { FieldPath, YamlReader } from '../harness/yaml-located.js';
import { canonicalAddress, parsePrefix, type Ipv4TrafficSelector, type Prefix } from '../wire/index.js';
import { ipv4String, parseIpv4Prefix, type Ipv4Prefix } from './ipv4/addresses.js';

export const OFFLOAD_FIELDS = ['offload'] as const;

export interface MagBreakout {
  interface: string;
  /** The MAG's own address on the breakout link: the source offloaded flows are NATed to. */
  address: Ipv4Prefix;
  gateway: string;
  /** The IPv6 next hop on the breakout link; absent: this MAG breaks out no IPv6. */
  gateway6?: string;
}

export interface OffloadSettings {
  ipv4: Ipv4TrafficSelector[];
  /** Destination prefixes of the IPv6 flows to break out (domain policy, not signalled). */
  ipv6: Prefix[];
  /** MAG name -> its breakout link. */
  mags: Map<string, MagBreakout>;
}

const IFNAME = /^[a-z][a-z0-9_-]{0,14}$/;

function range(r: YamlReader, path: FieldPath, max: number): [number, number] | undefined {
  const v = r.raw(path);
  if (v === undefined) return undefined;
  const m = /^(\d+)(?:-(\d+))?$/.exec(String(v));
  const a = Number(m?.[1]), z = Number(m?.[2] ?? m?.[1]);
  if (m === null || a > z || z > max) r.fail(path, `must be a number or a range "a-b" within 0..${max}`);
  return [a, z];
}

function readSelector(r: YamlReader, path: FieldPath): Ipv4TrafficSelector {
  r.map(path, ['dst', 'protocol', 'dstPorts']);
  const ts: Ipv4TrafficSelector = {};
  const dst = r.str([...path, 'dst'], undefined);
  if (dst !== undefined) {
    const p = r.parsed([...path, 'dst'], dst, parseIpv4Prefix);
    const size = 2 ** (32 - p.length);
    const first = p.address - (p.address % size);
    ts.startDst = ipv4String(first);
    ts.endDst = ipv4String(first + size - 1);
  }
  const proto = range(r, [...path, 'protocol'], 255);
  if (proto !== undefined) { ts.startProtocol = proto[0]; if (proto[1] !== proto[0]) ts.endProtocol = proto[1]; }
  const ports = range(r, [...path, 'dstPorts'], 65535);
  if (ports !== undefined) { ts.startDstPort = ports[0]; ts.endDstPort = ports[1]; }
  return ts;
}

/** null: no offload in this domain (no MAG asks, the LMA grants nothing). */
export function readOffload(r: YamlReader): OffloadSettings | null {
  const p = ['offload'];
  if (!r.map(p, ['ipv4', 'ipv6', 'mags'], false)) return null;
  const n = r.list([...p, 'ipv4']);
  const ipv6 = r.strings([...p, 'ipv6']).map((t, i) => r.parsed([...p, 'ipv6', i], t, parsePrefix));
  const ipv4 = Array.from({ length: n }, (_, i) => readSelector(r, [...p, 'ipv4', i]));
  const mags = new Map<string, MagBreakout>();
  const raw = r.raw([...p, 'mags']);
  if (raw !== undefined && (raw === null || typeof raw !== 'object' || Array.isArray(raw))) r.fail([...p, 'mags'], 'must be a mapping of MAG name to its breakout link');
  for (const name of Object.keys((raw ?? {}) as object)) {
    const q = [...p, 'mags', name];
    r.map(q, ['interface', 'address', 'gateway', 'gateway6']);
    const iface = r.str([...q, 'interface']);
    if (!IFNAME.test(iface)) r.fail([...q, 'interface'], `"${iface}" is not an interface name`);
    const address = r.parsed([...q, 'address'], r.str([...q, 'address']), parseIpv4Prefix);
    const gateway = r.parsed([...q, 'gateway'], r.str([...q, 'gateway']), (t) => ipv4String(parseIpv4Prefix(`${t}/32`).address));
    const g6 = r.str([...q, 'gateway6'], undefined);
    const gateway6 = g6 === undefined ? undefined : r.parsed([...q, 'gateway6'], g6, (t) => {
      try { return canonicalAddress(t); } catch { throw new Error(`"${t}" is not an IPv6 address`); }
    });
    mags.set(name, { interface: iface, address, gateway, ...(gateway6 !== undefined ? { gateway6 } : {}) });
  }
  return { ipv4, ipv6, mags };
}
