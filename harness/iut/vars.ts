// The topology seen from one node, as plain values: what config templates ({{lma.address}},
// {{#each mns}}) and generated configs draw on. Also written as iut-vars.json next to the
// configs, so the values a template can use are easy to look up.
import { nodesOfKind, primaryAddress, type Topology, type TopologyInterface, type TopologyNode } from '../topology/model.js';
import type { MnFamily } from '../topology/schema.js';

export interface IutInterfaceVars { name: string; prefix: string | null; address: string | null; peer: string; role: TopologyInterface['role'] }
export interface IutPeerVars { id: string; address: string | null }
export interface IutMnVars { id: string; nai: string; mac: string; iid: string; hnp: string; ap: string | null; family?: MnFamily }

export interface IutVars {
  runId: string;
  topology: { name: string; file: string };
  node: { id: string; kind: string; netns: string; address: string | null };
  configDir: string;
  /** For sockets, pid files and other run-time files: a local file system, never beside the reports. */
  runtimeDir: string;
  interfaces: IutInterfaceVars[];
  /** Interfaces toward APs (a MAG's access links). */
  access: IutInterfaceVars[];
  /** Interfaces toward other infrastructure nodes. */
  transport: IutInterfaceVars[];
  /** The first LMA (most topologies have one), and all of them. */
  lma: IutPeerVars | null;
  lmas: IutPeerVars[];
  mags: IutPeerVars[];
  mns: IutMnVars[];
  pool: string;
  hnpPool: string;
}

function ifaceVars(i: TopologyInterface): IutInterfaceVars {
  return { name: i.name, prefix: i.prefix ?? null, address: i.address ?? null, peer: i.peer, role: i.role };
}

function peerVars(n: TopologyNode): IutPeerVars {
  return { id: n.id, address: primaryAddress(n) ?? null };
}

export function iutVars(t: Topology, node: TopologyNode, runId: string, netns: string, configDir: string, runtimeDir: string): IutVars {
  const interfaces = node.interfaces.map(ifaceVars);
  const lmas = nodesOfKind(t, 'lma').map(peerVars);
  return {
    runId,
    topology: { name: t.name, file: t.file },
    node: { id: node.id, kind: node.kind, netns, address: primaryAddress(node) ?? null },
    configDir,
    runtimeDir,
    interfaces,
    access: interfaces.filter((i) => i.role === 'access'),
    transport: interfaces.filter((i) => i.role === 'transport'),
    lma: lmas[0] ?? null,
    lmas,
    mags: nodesOfKind(t, 'mag').map(peerVars),
    mns: nodesOfKind(t, 'mn').map((n) => ({ id: n.id, nai: n.mn!.nai, mac: n.mn!.mac, iid: n.mn!.iid, hnp: n.mn!.hnp, ap: n.mn!.ap, family: n.mn!.family })),
    pool: t.pool,
    hnpPool: t.hnpPool,
  };
}
