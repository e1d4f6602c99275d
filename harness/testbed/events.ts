// What can be done to a topology that is up, from the facade or from a CLI command in another
// process: move MNs between APs, wait for an MN's address, ping, run commands in nodes. Where an
// MN is plugged in is read from the kernel each time (which AP namespace holds its port, and
// whether that port is up and enslaved), so every process sees the same truth.
//
// An AP port is the AP-side end of the MN's veth: the MN keeps its own end (same interface,
// same ifindex, same MAC) for its whole life. detach = port down (the MN loses carrier);
// attach = port enslaved and up (carrier); handover = port down, moved to the other AP's
// namespace, enslaved, up. Linux does not solicit on a carrier change of a configured interface
// (it only re-sends MLD reports), so to make the MN solicit as a host joining a new link does,
// the testbed then sets the interface's IPv6 token to the MN's own EUI-64 identifier: the kernel
// answers a token change with an immediate RS from the link-local address, and SLAAC addresses
// stay what they were (same identifier).
import { ipBatch, nsExec, type NsExecOptions, type NsExecResult } from '../netns.js';
import { pollUntil, TimeoutError } from '../poll.js';
import { parsePrefix, prefixContains } from '../../wire/index.js';
import { BRIDGE_NAME } from '../topology/load.js';
import { magOfAp, nodesOfKind, primaryAddress, type Topology, type TopologyNode } from '../topology/model.js';
import type { NodeKind } from '../topology/schema.js';
import { apPortLine } from './builder.js';
import { wallClockUs, type EventLog } from './event-log.js';
import { netnsName } from './names.js';

const DEFAULT_TIMEOUT_MS = 5000;
/**
 * Deadline of the testbed's own moves (attach, detach, handover: a few `ip` runs). Not a wait for
 * the IUT, only a guard against a hung command: generous, as under emulation with three cases
 * side by side those runs took over 5 s, failing handover steps the IUTs had no part in.
 */
const MOVE_DEADLINE_MS = 30_000;

/** A node id that is not in the topology, or not of the kind an operation needs. */
export class NodeError extends Error {
  override readonly name = 'NodeError';
}

export interface MnLocation {
  /** The AP the MN is attached to (port up and in the bridge), or null. */
  ap: string | null;
  /** The AP whose namespace holds the MN's port, attached or not; null if the MN was never linked. */
  portIn: string | null;
}

export interface MoveOptions {
  /** Make the MN send an RS after the carrier comes up (default true). */
  solicit?: boolean;
  /** Deadline for the whole operation (default MOVE_DEADLINE_MS, 30 s). */
  timeoutMs?: number;
}

/** `op` with a deadline: a TimeoutError naming the operation instead of a silent hang. */
async function within<T>(what: string, timeoutMs: number | undefined, op: () => Promise<T>): Promise<T> {
  const ms = timeoutMs ?? MOVE_DEADLINE_MS;
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      op(),
      new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new TimeoutError(what, ms)), ms); }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

export interface PingResult { from: string; to: string; address: string; rttMs: number }

interface AddrInfo { family?: string; local: string; prefixlen: number; scope?: string; tentative?: boolean; optimistic?: boolean; dadfailed?: boolean }

export class TopologyControl {
  constructor(readonly topology: Topology, readonly runId: string, readonly log: EventLog, private readonly onActivity: (text: string) => void = () => undefined) {}

  node(id: string, kind?: NodeKind): TopologyNode {
    const n = this.topology.nodes[id];
    if (!n) {
      const ids = Object.keys(this.topology.nodes);
      throw new NodeError(`no node '${id}' in topology ${this.topology.name} (nodes: ${ids.slice(0, 12).join(', ')}${ids.length > 12 ? ', ...' : ''})`);
    }
    if (kind !== undefined && n.kind !== kind) {
      const same = nodesOfKind(this.topology, kind).map((x) => x.id);
      throw new NodeError(`'${id}' is ${n.kind === 'ap' || n.kind === 'mn' ? 'an' : 'a'} ${n.kind}, not ${kind === 'ap' || kind === 'mn' ? 'an' : 'a'} ${kind} (${kind}s: ${same.slice(0, 12).join(', ') || 'none'})`);
    }
    return n;
  }

  netns(id: string): string {
    return netnsName(this.runId, this.node(id).id);
  }

  exec(node: string, cmd: string, args: string[], opts?: NsExecOptions): Promise<NsExecResult> {
    return nsExec(this.netns(node), cmd, args, opts);
  }

  private ip(node: string, lines: string[]): Promise<void> {
    return ipBatch(lines, { netns: this.netns(node) });
  }

  async locate(mn: string): Promise<MnLocation> {
    this.node(mn, 'mn');
    const aps = nodesOfKind(this.topology, 'ap');
    const found = await Promise.all(aps.map(async (ap) => {
      const r = await nsExec(null, 'ip', ['-n', this.netns(ap.id), '-j', 'link', 'show', 'dev', mn], { reject: false });
      if (r.exitCode !== 0) return undefined;
      const [link] = JSON.parse(r.stdout) as { flags: string[]; master?: string }[];
      return { ap: ap.id, attached: !!link && link.flags.includes('UP') && link.master === BRIDGE_NAME };
    }));
    const hit = found.find((f) => f !== undefined);
    return { ap: hit?.attached ? hit.ap : null, portIn: hit?.ap ?? null };
  }

  private async hasLinkLocal(mn: TopologyNode): Promise<boolean> {
    return (await this.addresses(mn, 'link')).length > 0;
  }

  private async addresses(mn: TopologyNode, scope: 'global' | 'link'): Promise<AddrInfo[]> {
    const r = await nsExec(this.netns(mn.id), 'ip', ['-6', '-j', 'addr', 'show', 'dev', mn.mn!.ifname, 'scope', scope], { reject: false });
    if (r.exitCode !== 0) return [];
    const [link] = JSON.parse(r.stdout || '[]') as { addr_info?: AddrInfo[] }[];
    // Usable: DAD done, or optimistic (RFC 4429: usable while DAD runs).
    return (link?.addr_info ?? []).filter((a) => a.local !== undefined && (!a.tentative || a.optimistic) && !a.dadfailed);
  }

  /**
   * What a move event says besides the AP: the MN's NAI and MAC and the MAG serving the AP, so
   * the log alone tells a trace whose PBUs to look for (`pmip-testbed analyze --events`).
   */
  private moveDetail(mn: TopologyNode, ap: string, withAp = true): Record<string, unknown> {
    const mag = magOfAp(this.topology, ap);
    return { ...(withAp ? { ap } : {}), mnId: mn.mn!.nai, mac: mn.mn!.mac, ...(mag !== undefined ? { mag } : {}) };
  }

  /** The IPv6 token trick (see the top of this file): the kernel sends an RS at once. */
  private async solicit(mn: TopologyNode): Promise<void> {
    const t = wallClockUs();
    await this.exec(mn.id, 'ip', ['token', 'set', mn.mn!.iid, 'dev', mn.mn!.ifname]);
    this.log.record('solicit', `${mn.id} solicits (RS) on ${mn.mn!.ifname}`, { node: mn.id, timeUs: t });
  }

  async attach(mnId: string, apId: string, opts: MoveOptions = {}): Promise<void> {
    const mn = this.node(mnId, 'mn');
    this.node(apId, 'ap');
    this.onActivity(`attach ${mnId} to ${apId}`);
    return within(`attach ${mnId} to ${apId}`, opts.timeoutMs, () => this.doAttach(mn, apId, opts));
  }

  private async doAttach(mn: TopologyNode, apId: string, opts: MoveOptions): Promise<void> {
    const mnId = mn.id;
    const loc = await this.locate(mnId);
    if (loc.ap === apId) throw new NodeError(`${mnId} is already attached to ${apId}`);
    if (loc.ap !== null) throw new NodeError(`${mnId} is attached to ${loc.ap}: detach it first, or use handover`);
    const hadCarrier = loc.portIn !== null && await this.hasLinkLocal(mn);
    const apNs = this.netns(apId);
    let t: number;
    if (loc.portIn === null) {
      // Never linked: create its link now; its interface inherits the MN's default sysctls.
      await ipBatch([apPortLine(mnId, mn.mn!.ifname, this.netns(mnId), { up: false, mac: mn.mn!.mac })], { netns: apNs });
      await this.ip(mnId, [`link set ${mn.mn!.ifname} up`]);
      t = wallClockUs();
      await this.ip(apId, [`link set ${mnId} up`]);
    } else {
      if (loc.portIn !== apId) await this.ip(loc.portIn, [`link set ${mnId} netns ${apNs}`]);
      t = wallClockUs();
      await this.ip(apId, [`link set ${mnId} master ${BRIDGE_NAME}`, `link set ${mnId} up`]);
    }
    this.log.record('attach', `${mnId} attached to ${apId} (carrier up)`, { node: mnId, timeUs: t, detail: this.moveDetail(mn, apId) });
    if (hadCarrier && opts.solicit !== false) await this.solicit(mn);
  }

  async detach(mnId: string, opts: { timeoutMs?: number } = {}): Promise<void> {
    this.node(mnId, 'mn');
    this.onActivity(`detach ${mnId}`);
    return within(`detach ${mnId}`, opts.timeoutMs, () => this.doDetach(mnId));
  }

  private async doDetach(mnId: string): Promise<void> {
    const loc = await this.locate(mnId);
    if (loc.ap === null) throw new NodeError(`${mnId} is not attached to any AP`);
    const t = wallClockUs();
    await this.ip(loc.ap, [`link set ${mnId} down`, `link set ${mnId} nomaster`]);
    this.log.record('detach', `${mnId} detached from ${loc.ap} (carrier down)`, { node: mnId, timeUs: t, detail: this.moveDetail(this.node(mnId), loc.ap) });
  }

  /** Moves the MN's link from its AP to `toAp`: carrier down, re-plug, carrier up, RS. */
  async handover(mnId: string, toAp: string, opts: MoveOptions = {}): Promise<void> {
    const mn = this.node(mnId, 'mn');
    this.node(toAp, 'ap');
    this.onActivity(`handover ${mnId} to ${toAp}`);
    return within(`handover of ${mnId} to ${toAp}`, opts.timeoutMs, () => this.doHandover(mn, toAp, opts));
  }

  private async doHandover(mn: TopologyNode, toAp: string, opts: MoveOptions): Promise<void> {
    const mnId = mn.id;
    const loc = await this.locate(mnId);
    if (loc.ap === null) throw new NodeError(`${mnId} is not attached to any AP: use attach`);
    if (loc.ap === toAp) throw new NodeError(`${mnId} is already attached to ${toAp}`);
    const tDown = wallClockUs();
    await this.ip(loc.ap, [`link set ${mnId} down`, `link set ${mnId} netns ${this.netns(toAp)}`]);
    this.log.record('handover', `${mnId} leaves ${loc.ap} for ${toAp} (carrier down)`, { node: mnId, timeUs: tDown, detail: { from: loc.ap, to: toAp, ...this.moveDetail(mn, toAp, false) } });
    const tUp = wallClockUs();
    await this.ip(toAp, [`link set ${mnId} master ${BRIDGE_NAME}`, `link set ${mnId} up`]);
    this.log.record('attach', `${mnId} attached to ${toAp} (carrier up)`, { node: mnId, timeUs: tUp, detail: { ...this.moveDetail(mn, toAp), handoverFrom: loc.ap } });
    if (opts.solicit !== false) await this.solicit(mn);
  }

  /**
   * Gives carrier to every MN that the topology places on an AP: one batch per AP. Their first
   * RS is the kernel's own (first link-up), so no token is set.
   */
  async attachInitial(): Promise<void> {
    const byAp = new Map<string, string[]>();
    for (const mn of nodesOfKind(this.topology, 'mn')) {
      if (mn.mn!.ap) byAp.set(mn.mn!.ap, [...(byAp.get(mn.mn!.ap) ?? []), mn.id]);
    }
    await Promise.all([...byAp].map(async ([ap, mns]) => {
      const t = wallClockUs();
      await this.ip(ap, mns.map((m) => `link set ${m} up`));
      for (const m of mns) this.log.record('attach', `${m} attached to ${ap} (carrier up)`, { node: m, timeUs: t, detail: this.moveDetail(this.node(m), ap) });
    }));
  }

  /** Waits for a usable global address on the MN (DAD done, or optimistic), in `prefix` if given. */
  async waitForAddress(mnId: string, opts: { prefix?: string; timeoutMs?: number } = {}): Promise<string> {
    const mn = this.node(mnId, 'mn');
    const want = opts.prefix !== undefined ? parsePrefix(opts.prefix) : undefined;
    const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const address = await pollUntil(async () => {
      const addrs = await this.addresses(mn, 'global');
      const hit = addrs.find((a) => !want || prefixContains(want, a.local));
      return hit?.local ?? { pending: addrs.length ? addrs.map((a) => `${a.local}/${a.prefixlen}`).join(', ') : 'no global address' };
    }, { what: `a global address${opts.prefix ? ` in ${opts.prefix}` : ''} on ${mnId} (${mn.mn!.ifname})`, timeoutMs });
    this.log.record('address', `${mnId} has ${address}`, { node: mnId, detail: { address } });
    return address;
  }

  /** An address to reach `target` at: an IPv6 literal, an MN's current global address, a node's first address. */
  async addressOf(target: string): Promise<string> {
    if (target.includes(':')) return target;
    const node = this.node(target);
    if (node.kind === 'mn') {
      const [a] = await this.addresses(node, 'global');
      if (!a) throw new NodeError(`${target} has no global address yet (waitForAddress first)`);
      return a.local;
    }
    const a = primaryAddress(node);
    if (!a) throw new NodeError(`${target} (${node.kind}) has no address`);
    return a;
  }

  /** One echo request answered within the deadline, or an error saying what was tried. */
  async ping(from: string, to: string, opts: { timeoutMs?: number } = {}): Promise<PingResult> {
    const address = await this.addressOf(to);
    const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const seconds = String(Math.max(1, Math.ceil(timeoutMs / 1000)));
    const t = wallClockUs();
    const r = await this.exec(from, 'ping', ['-6', '-n', '-c', '1', '-i', '0.1', '-w', seconds, address], { reject: false, timeoutMs: timeoutMs + 2000 });
    const rtt = /time=([\d.]+) ms/.exec(r.stdout);
    if (r.exitCode !== 0 || !rtt) {
      const summary = r.stdout.split('\n').find((l) => /packet loss|unreachable/i.test(l)) ?? (r.stderr.trim() || `exit code ${r.exitCode}`);
      this.log.record('ping-failed', `ping ${from} -> ${to} (${address}) failed`, { node: from, timeUs: t, detail: { to, address } });
      throw new Error(`ping ${from} -> ${to} (${address}) got no reply within ${timeoutMs} ms: ${summary.trim()}`);
    }
    const result = { from, to, address, rttMs: Number(rtt[1]) };
    this.log.record('ping', `ping ${from} -> ${to} (${address}): ${result.rttMs} ms`, { node: from, timeUs: t, detail: { to, address, rttMs: result.rttMs } });
    return result;
  }
}
