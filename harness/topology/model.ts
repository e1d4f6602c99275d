// A topology after loading: groups expanded, defaults applied, every interface named, every
// prefix and address decided. The builder, the IUT adapters and the events read only this.
import type { JsonPath } from './json-schema.js';
import type { DadMode, IutSpec, MnFamily, NodeKind } from './schema.js';

export interface MnIdentity {
  mac: string;
  nai: string;
  /** The MN's home network prefix, a /64, for the LMA's configuration. */
  hnp: string;
  dad: DadMode;
  /** RFC 5844 home address service. */
  family: MnFamily;
  /** The modified EUI-64 interface identifier of the MAC ("::a:b:c:d"). */
  iid: string;
  /** The MN's one interface (the endpoint name of its link, or eth0). */
  ifname: string;
  /** The AP it is plugged into when the testbed comes up; null: starts detached. */
  ap: string | null;
}

export interface TopologyInterface {
  name: string;
  link: number;
  peer: string;
  peerKind: NodeKind;
  /** The link's /64, when the link has one (not on MN links). */
  prefix?: string;
  /** This interface's address in `prefix`, without length; absent when not auto-addressed. */
  address?: string;
  /** RFC 5844 §4: its IPv4 address with the subnet length (a.b.c.d/len), on a link with `ipv4`. */
  ipv4?: string;
  /**
   * access: toward an AP (a MAG's access link); transport: between infrastructure nodes; port: an
   * AP's bridge port; mn: an MN's interface; host: a host's, on a MAG's access link.
   */
  role: 'access' | 'transport' | 'port' | 'mn' | 'host';
}

export interface StaticRoute { prefix: string; via: string; dev: string }

export interface TopologyNode {
  id: string;
  kind: NodeKind;
  /** Where the node is defined in the file, for messages about it. */
  path: JsonPath;
  interfaces: TopologyInterface[];
  /** Extra sysctls from the file (the testbed's own per-kind sysctls are added by the builder). */
  sysctls: Record<string, string>;
  mn?: MnIdentity;
  iut?: IutSpec & { path: JsonPath };
  /** APs: the capture point on the bridge. */
  capture?: string;
  routes: StaticRoute[];
}

export interface TopologyLink {
  index: number;
  ends: [{ node: string; ifname: string }, { node: string; ifname: string }];
  prefix?: string;
  path: JsonPath;
}

export interface CapturePoint {
  name: string;
  node: string;
  ifname: string;
}

export interface Topology {
  name: string;
  description?: string;
  /** Absolute path of the file it came from. */
  file: string;
  params: Record<string, number>;
  pool: string;
  hnpPool: string;
  routing: 'static' | 'none';
  /** In file order (groups expanded in place). */
  nodes: Record<string, TopologyNode>;
  links: TopologyLink[];
  captures: CapturePoint[];
}

export function nodesOfKind(t: Topology, kind: NodeKind): TopologyNode[] {
  return Object.values(t.nodes).filter((n) => n.kind === kind);
}

/** A node's first address on a transport link: its address in the domain (LMAA, Proxy-CoA). */
export function primaryAddress(node: TopologyNode): string | undefined {
  return node.interfaces.find((i) => i.role === 'transport' && i.address)?.address
    ?? node.interfaces.find((i) => i.address)?.address;
}

/** The Proxy-CoA of the MAG whose access link goes to `ap`, if one does. */
export function magOfAp(t: Topology, ap: string): string | undefined {
  for (const n of Object.values(t.nodes)) {
    if (n.kind !== 'mag') continue;
    if (n.interfaces.some((i) => i.role === 'access' && i.peer === ap)) return primaryAddress(n);
  }
  return undefined;
}
