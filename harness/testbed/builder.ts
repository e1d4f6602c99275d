// Builds a topology from a few processes instead of one process per operation (spawning is
// most of the cost: ~2.4 ms per `ip`). Four stages:
//   1. namespaces: one batch of `netns add` on the host;
//   2. links: every AP builds its bridge and its ports from inside its own namespace (one
//      `ip -n AP -batch` per AP, in parallel: `link add PORT master br0 type veth peer name PEER
//      netns B`), and one batch on the host creates the other veth pairs directly inside their
//      namespaces, so no name ever exists on the host. No ifindex is ever pinned: Linux 6.1
//      (Debian 12) checks a requested index against the namespace the request comes from (the
//      host's eth0 is index 2), and a loaded ip6_tunnel puts ip6tnl0 at index 2 of every new
//      namespace;
//   3. sysctls and link-up in every namespace from one process (ns-configure.ts);
//   4. addresses and static routes: one `ip -batch` per infrastructure node, in parallel.
// MN ports on the APs stay down: an MN gets carrier only when the testbed attaches it, after the
// captures and the IUTs are ready, so its first RS is captured and answered.
import { availableParallelism } from 'node:os';
import { ipBatch } from '../netns.js';
import type { Topology, TopologyNode } from '../topology/model.js';
import { BRIDGE_NAME } from '../topology/load.js';
import { netnsName } from './names.js';
import { configureNamespaces, NamespaceSetupError, type NamespaceJob } from './ns-configure.js';

/** Creates an AP's bridge, run inside the AP's namespace. */
export const BRIDGE_LINE = `link add ${BRIDGE_NAME} up type bridge mcast_snooping 0`;
/**
 * iproute2 keeps a file descriptor open for each `netns NAME` of a batch line until it exits
 * (up to two per veth line): chunks keep a batch far below a 1024 descriptor limit.
 */
export const LINES_PER_HOST_BATCH = 400;

export interface BuildTimings { netnsMs: number; linksMs: number; sysctlsMs: number; addressesMs: number; totalMs: number }

export interface BuildOptions {
  runId: string;
  /** Called once the namespaces may exist, before they are created: register their removal here. */
  onNetnsCreating?: (names: string[]) => void;
}

function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Host batches one after the other (the kernel serialises these operations anyway). */
async function hostBatches(lines: string[]): Promise<void> {
  for (const part of chunks(lines, LINES_PER_HOST_BATCH)) await ipBatch(part);
}

/** The testbed's own sysctls for a node, then the file's. Keys are /proc/sys paths with dots. */
export function nodeSysctls(node: TopologyNode): [string, string][] {
  const ifaces = node.interfaces.filter((i) => i.role !== 'port').map((i) => i.name);
  const perIf = (names: string[], settings: [string, string][]): [string, string][] =>
    names.flatMap((n) => settings.map(([k, v]): [string, string] => [`net.ipv6.conf.${n}.${k}`, v]));
  const out: [string, string][] = [];
  switch (node.kind) {
    case 'ap':
      // A bridge is a switch: no address, no RS, no DAD probe of its own on the segment.
      out.push(['net.ipv6.conf.all.disable_ipv6', '1'], ['net.ipv6.conf.default.disable_ipv6', '1']);
      break;
    case 'mn': {
      const mn = node.mn!;
      const dad: [string, string][] = mn.dad === 'off'
        ? [['accept_dad', '0']]
        : mn.dad === 'optimistic' ? [['accept_dad', '1'], ['optimistic_dad', '1'], ['use_optimistic', '1']] : [['accept_dad', '1']];
      // EUI-64 link-local (some MAGs take the MN's identity from it), RS at once on link-up.
      const settings: [string, string][] = [['accept_ra', '2'], ['addr_gen_mode', '0'], ['router_solicitation_delay', '0'], ...dad];
      out.push(...perIf(['default', ...ifaces], settings));
      break;
    }
    case 'host':
      // A plain host with a static address: no forwarding, no address from RAs, no DAD delay.
      out.push(['net.ipv6.conf.all.forwarding', '0'], ...perIf(['default', ...ifaces], [['accept_ra', '0'], ['accept_dad', '0']]));
      break;
    default: {
      const forwarding = node.kind === 'cn' ? '0' : '1';
      out.push(['net.ipv6.conf.all.forwarding', forwarding], ...perIf(['default', ...ifaces], [['accept_dad', '0']]));
    }
  }
  out.push(...Object.entries(node.sysctls));
  return out;
}

/** What stage 3 does in a node: its sysctls, then lo and its own interfaces up (AP ports excepted). */
export function namespaceJob(node: TopologyNode, runId: string): NamespaceJob {
  return {
    netns: netnsName(runId, node.id),
    sysctls: nodeSysctls(node),
    up: node.kind === 'ap' ? [] : ['lo', ...node.interfaces.map((i) => i.name)],
  };
}

/** Stage 4 in a node: `ip -batch` lines for its addresses and static routes. */
export function nodeIpLines(node: TopologyNode): string[] {
  const lines: string[] = [];
  for (const i of node.interfaces) if (i.address) lines.push(`addr add ${i.address}/64 dev ${i.name} nodad`);
  for (const i of node.interfaces) if (i.ipv4) lines.push(`addr add ${i.ipv4} dev ${i.name}`);
  for (const r of node.routes) lines.push(`route add ${r.prefix} via ${r.via} dev ${r.dev}`);
  return lines;
}

/**
 * The line, run inside an AP's namespace, that creates the AP port `port` enslaved to its bridge
 * and its peer `peer` in namespace `peerNs` (with `mac`, for an MN). An MN's port stays down.
 */
export function apPortLine(port: string, peer: string, peerNs: string, o: { up: boolean; mac?: string }): string {
  return `link add ${port}${o.up ? ' up' : ''} master ${BRIDGE_NAME} type veth peer name ${peer}${o.mac !== undefined ? ` address ${o.mac}` : ''} netns ${peerNs}`;
}

export interface LinkLines {
  /** Links between two non-AP nodes, for the host batch. */
  host: string[];
  /** AP namespace -> its batch: the bridge first, then its ports. */
  aps: Map<string, string[]>;
}

/** Batch lines creating every bridge and link; MN ports are left down (detached). */
export function linkLines(t: Topology, runId: string): LinkLines {
  const ns = (id: string) => netnsName(runId, id);
  const out: LinkLines = { host: [], aps: new Map() };
  for (const n of Object.values(t.nodes)) if (n.kind === 'ap') out.aps.set(ns(n.id), [BRIDGE_LINE]);
  for (const link of t.links) {
    const [a, b] = link.ends;
    const apEnd = [a, b].find((e) => t.nodes[e.node]!.kind === 'ap');
    if (!apEnd) {
      out.host.push(`link add ${a.ifname} netns ${ns(a.node)} type veth peer name ${b.ifname} netns ${ns(b.node)}`);
      continue;
    }
    const other = apEnd === a ? b : a;
    const mn = t.nodes[other.node]!.mn;
    out.aps.get(ns(apEnd.node))!.push(apPortLine(apEnd.ifname, other.ifname, ns(other.node), { up: !mn, ...(mn ? { mac: mn.mac } : {}) }));
  }
  return out;
}

/** Builds every namespace, link and node setting of `t`. Undo is the caller's (see onNetnsCreating). */
export async function buildTopology(t: Topology, opts: BuildOptions): Promise<BuildTimings> {
  const nodes = Object.values(t.nodes);
  const names = nodes.map((n) => netnsName(opts.runId, n.id));
  const t0 = performance.now();
  opts.onNetnsCreating?.(names);
  await hostBatches(names.map((n) => `netns add ${n}`));
  const t1 = performance.now();
  const links = linkLines(t, opts.runId);
  await Promise.all([...links.aps].map(async ([netns, lines]) => {
    for (const part of chunks(lines, LINES_PER_HOST_BATCH)) await ipBatch(part, { netns });
  }));
  await hostBatches(links.host);
  const t2 = performance.now();
  const jobs = nodes.map((n) => namespaceJob(n, opts.runId));
  try {
    await configureNamespaces(jobs, jobs.length > 200 ? Math.max(2, availableParallelism()) : 1);
  } catch (err) {
    if (err instanceof NamespaceSetupError) throw new Error(`setting up node ${nodes[jobs.indexOf(err.job)]!.id} failed: ${err.message}`);
    throw err;
  }
  const t3 = performance.now();
  await Promise.all(nodes.map(async (n) => {
    const lines = nodeIpLines(n);
    if (lines.length > 0) await ipBatch(lines, { netns: netnsName(opts.runId, n.id) });
  }));
  const t4 = performance.now();
  return { netnsMs: t1 - t0, linksMs: t2 - t1, sysctlsMs: t3 - t2, addressesMs: t4 - t3, totalMs: t4 - t0 };
}
