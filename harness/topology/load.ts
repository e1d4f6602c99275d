// Topology files in, resolved topologies out. Order of work: YAML (syntax errors with their
// position), the JSON Schema (types, names, unknown keys), then what a schema cannot say:
// references between nodes and links, one AP per MN, unique names, the addressing plan.
// Every complaint names file:line:column and the field; all of them are reported at once.
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { eui64InterfaceId, hostAddress, parsePrefix, prefixesOverlap, subprefix, subprefixCount, type Prefix } from '../../wire/index.js';
import { closest, SchemaValidator, type JsonPath } from './json-schema.js';
import type { CapturePoint, StaticRoute, Topology, TopologyInterface, TopologyLink, TopologyNode } from './model.js';
import { NODE_ID_PATTERN, topologySchema, type LinkSpecObject, type NodeKind, type NodeSettings, type TopologyFile } from './schema.js';
import { YamlSource, type SourceIssue } from './yaml-source.js';

export { TopologyError } from './yaml-source.js';

export const DEFAULT_POOL = '2001:db8::/48';
export const DEFAULT_HNP_POOL = '2001:db8:8000::/33';
/** An AP's bridge; AP ports are named after the node plugged in, so no node may be called this. */
export const BRIDGE_NAME = 'br0';
const RESERVED_IDS = new Set(['lo', BRIDGE_NAME]);
const INFRA: ReadonlySet<NodeKind> = new Set(['mag', 'lma', 'cn', 'router']);
/** A Linux bridge numbers its ports 1..1023 (BR_MAX_PORTS - 1). */
const MAX_BRIDGE_PORTS = 1023;

export interface LoadOptions {
  /** Overrides of the file's `parameters`, e.g. { mns: 1000 }. */
  params?: Record<string, number>;
}

const validator = new SchemaValidator(topologySchema);

export async function loadTopology(file: string, opts: LoadOptions = {}): Promise<Topology> {
  const abs = resolve(file);
  let text: string;
  try {
    text = await readFile(abs, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new Error(`cannot read topology ${file}: ${code === 'ENOENT' ? 'no such file' : (err as Error).message}`);
  }
  return parseTopology(text, abs, opts);
}

export function parseTopology(text: string, file: string, opts: LoadOptions = {}): Topology {
  const src = new YamlSource(file, text);
  const schemaIssues = validator.validate(src.value);
  if (schemaIssues.length > 0) src.fail(schemaIssues);
  return new Resolver(src, src.value as TopologyFile, opts).resolve();
}

interface Endpoint { node: string; ifname?: string; path: JsonPath }
interface PendingLink { ends: [Endpoint, Endpoint]; spec: LinkSpecObject; path: JsonPath }

class Resolver {
  private readonly issues: SourceIssue[] = [];
  private readonly nodes: Record<string, TopologyNode> = {};
  private readonly settings = new Map<string, NodeSettings>();
  private readonly groups = new Map<string, string[]>();
  private readonly params: Record<string, number>;

  constructor(private readonly src: YamlSource, private readonly raw: TopologyFile, opts: LoadOptions) {
    this.params = { ...(raw.parameters ?? {}) };
    for (const [k, v] of Object.entries(opts.params ?? {})) {
      if (!(k in this.params)) {
        const known = Object.keys(this.params);
        throw new Error(`topology ${src.file} has no parameter '${k}' (${known.length ? `parameters: ${known.join(', ')}` : 'it has none'})`);
      }
      if (!Number.isInteger(v) || v < 0) throw new Error(`parameter ${k} of ${src.file} must be a non-negative integer (got ${v})`);
      this.params[k] = v;
    }
  }

  private issue(path: JsonPath, message: string, atKey = false): void {
    this.issues.push({ path, message, atKey });
  }

  resolve(): Topology {
    this.expandNodes();
    const pending = this.expandLinks();
    this.nameInterfaces(pending);
    const pool = this.prefixSetting(['addressing', 'pool'], this.raw.addressing?.pool ?? DEFAULT_POOL, 64);
    const hnpPool = this.prefixSetting(['addressing', 'hnpPool'], this.raw.addressing?.hnpPool ?? DEFAULT_HNP_POOL, 64);
    if (pool && hnpPool && prefixesOverlap(pool, hnpPool)) this.issue(['addressing', 'hnpPool'], `overlaps addressing.pool ${pool.text}`);
    const links = this.issues.length === 0 && pool ? this.addressLinks(pending, pool) : [];
    if (links.length > 0) this.addressHosts();
    if (hnpPool) this.identifyMns(pending, hnpPool);
    const captures = this.capturePoints(pending);
    if (this.issues.length > 0) this.src.fail(this.issues);
    const routing = this.raw.routing ?? 'static';
    if (routing === 'static') computeStaticRoutes(Object.values(this.nodes), hnpPool!);
    return {
      name: this.raw.name,
      ...(this.raw.description !== undefined ? { description: this.raw.description } : {}),
      file: this.src.file,
      params: this.params,
      pool: pool!.text,
      hnpPool: hnpPool!.text,
      routing,
      nodes: this.nodes,
      links,
      captures,
    };
  }

  private prefixSetting(path: JsonPath, text: string, maxLen: number): Prefix | undefined {
    try {
      const p = parsePrefix(text);
      if (p.length > maxLen) throw new Error(`must be /${maxLen} or shorter to hold /64 prefixes (got /${p.length})`);
      return p;
    } catch (err) {
      this.issue(path, (err as Error).message);
      return undefined;
    }
  }

  private expandNodes(): void {
    const defaults = this.raw.defaults ?? {};
    const definedAt = new Map<string, string>();
    for (const [id, spec] of Object.entries(this.raw.nodes)) {
      const path: JsonPath = ['nodes', id];
      if (RESERVED_IDS.has(id)) this.issue(path, `node id '${id}' is reserved (an interface name inside nodes)`, true);
      const settings: NodeSettings = { ...(defaults[spec.kind] ?? {}), ...spec };
      let ids = [id];
      if (spec.count !== undefined) {
        const n = this.count(spec.count, [...path, 'count']);
        for (const field of ['mac', 'nai', 'hnp'] as const) {
          if (spec[field] !== undefined) this.issue([...path, field], `cannot be set on a group of MNs (count): each member needs its own; leave it out to have one generated`, true);
        }
        ids = Array.from({ length: n ?? 0 }, (_, i) => `${id}${i + 1}`);
        const tooLong = ids.find((m) => !new RegExp(NODE_ID_PATTERN).test(m));
        if (tooLong) {
          this.issue([...path, 'count'], `makes node ids up to '${tooLong}', longer than 15 characters; use a shorter group id`);
          ids = [];
        }
        this.groups.set(id, ids);
      }
      for (const member of ids) {
        const earlier = definedAt.get(member);
        if (earlier !== undefined) {
          this.issue(path, `node id '${member}' ${member === id ? '' : `(made by count) `}is already defined by ${earlier}`, true);
          continue;
        }
        definedAt.set(member, member === id ? `nodes.${id}` : `group nodes.${id}`);
        this.settings.set(member, settings);
        this.nodes[member] = {
          id: member,
          kind: spec.kind,
          path,
          interfaces: [],
          sysctls: Object.fromEntries(Object.entries(settings.sysctls ?? {}).map(([k, v]) => [k, String(v)])),
          routes: [],
          ...(settings.iut ? { iut: { ...settings.iut, path: spec.iut ? [...path, 'iut'] : ['defaults', spec.kind, 'iut'] } } : {}),
          ...(settings.capture !== undefined ? { capture: settings.capture } : {}),
        };
      }
    }
  }

  private count(value: number | string, path: JsonPath): number | undefined {
    if (typeof value === 'number') return value;
    const name = value.slice(2, -1);
    if (!(name in this.params)) {
      const known = Object.keys(this.params);
      this.issue(path, `unknown parameter '${name}' (${known.length ? `parameters: ${known.join(', ')}` : 'declare it under parameters'})`);
      return undefined;
    }
    return this.params[name];
  }

  private parseEndpoint(text: string, path: JsonPath): Endpoint {
    const [node, ifname] = text.split(':') as [string, string | undefined];
    return { node, path, ...(ifname !== undefined ? { ifname } : {}) };
  }

  /** Links as objects, group endpoints expanded to one link per member. */
  private expandLinks(): PendingLink[] {
    const out: PendingLink[] = [];
    for (const [i, link] of (this.raw.links ?? []).entries()) {
      const path: JsonPath = ['links', i];
      const spec: LinkSpecObject = Array.isArray(link) ? { endpoints: link } : link;
      const epPath = (j: number): JsonPath => (Array.isArray(link) ? [...path, j] : [...path, 'endpoints', j]);
      const ends = spec.endpoints.map((e, j) => this.parseEndpoint(e, epPath(j))) as [Endpoint, Endpoint];
      let ok = true;
      for (const e of ends) {
        if (!this.nodes[e.node] && !this.groups.has(e.node)) {
          this.issue(e.path, `unknown node '${e.node}'${suggest(e.node, [...Object.keys(this.nodes), ...this.groups.keys()])}`);
          ok = false;
        }
      }
      if (!ok) continue;
      if (ends[0].node === ends[1].node) {
        this.issue(epPath(1), `links node '${ends[0].node}' to itself`);
        continue;
      }
      const groupEnd = ends.findIndex((e) => this.groups.has(e.node));
      if (groupEnd >= 0) {
        const group = ends[groupEnd]!;
        const other = ends[1 - groupEnd]!;
        if (this.groups.has(other.node) || this.kindOf(other.node) !== 'ap') {
          this.issue(other.path, `a group of MNs ('${group.node}') can only be linked to an AP, not to '${other.node}'`);
          continue;
        }
        if (spec.capture !== undefined || spec.prefix !== undefined) this.issue(path, 'a link of a group of MNs can have neither capture nor prefix');
        for (const member of this.groups.get(group.node)!) {
          const memberEnd = { ...group, node: member };
          const otherEnd = { ...other };
          out.push({ ends: (groupEnd === 0 ? [memberEnd, otherEnd] : [otherEnd, memberEnd]) as [Endpoint, Endpoint], spec, path });
        }
        continue;
      }
      out.push({ ends, spec, path });
    }
    return out;
  }

  private kindOf(id: string): NodeKind {
    return this.nodes[id]!.kind;
  }

  /** Kind rules, explicit and default interface names, one AP per MN. */
  private nameInterfaces(links: PendingLink[]): void {
    const used = new Map<string, Map<string, JsonPath>>();
    const use = (node: string, name: string, path: JsonPath): boolean => {
      const names = used.get(node) ?? new Map<string, JsonPath>();
      used.set(node, names);
      if (names.has(name)) return false;
      names.set(name, path);
      return true;
    };
    const mnLink = new Map<string, JsonPath>();
    for (const link of links) {
      const kinds = link.ends.map((e) => this.kindOf(e.node));
      if (kinds[0] === 'ap' && kinds[1] === 'ap') this.issue(link.ends[1].path, `two APs ('${link.ends[0].node}', '${link.ends[1].node}') cannot be linked directly`);
      for (const [j, e] of link.ends.entries()) {
        const other = link.ends[1 - j]!;
        const otherKind = kinds[1 - j]!;
        if (kinds[j] === 'mn') {
          if (otherKind !== 'ap') this.issue(other.path, `an MN attaches to an AP, and '${other.node}' is ${otherKind === 'mn' ? 'an' : 'a'} ${otherKind}`);
          const before = mnLink.get(e.node);
          if (before) this.issue(e.path, `MN '${e.node}' is already on an AP (line ${this.src.position(before).line}); an MN is on one AP at a time: move it with handover`);
          mnLink.set(e.node, e.path);
          if (link.spec.prefix !== undefined) this.issue([...link.path, 'prefix'], 'an MN\'s link has no prefix: MNs get theirs from router advertisements');
        }
        if (kinds[j] === 'host' && otherKind !== 'ap') this.issue(other.path, `a host sits on a MAG's access link: link it to an AP, not to '${other.node}'`);
        if (kinds[j] === 'ap') {
          if (e.ifname !== undefined) this.issue(e.path, `an AP's port is named after the node plugged into it: write '${e.node}', not '${e.node}:${e.ifname}'`);
          else if (!use(e.node, other.node, e.path)) this.issue(e.path, `'${other.node}' is linked to AP '${e.node}' twice`);
          e.ifname = other.node;
        } else if (e.ifname !== undefined) {
          if (e.ifname === 'lo') this.issue(e.path, `'lo' is the loopback interface; choose another name`);
          else if (!use(e.node, e.ifname, e.path)) this.issue(e.path, `interface '${e.ifname}' of node '${e.node}' is used by two links`);
        }
      }
    }
    for (const [node, names] of used) {
      if (this.kindOf(node) === 'ap' && names.size > MAX_BRIDGE_PORTS) {
        this.issue(this.nodes[node]!.path, `AP '${node}' has ${names.size} ports; a Linux bridge takes at most ${MAX_BRIDGE_PORTS}: spread the MNs over more APs`, true);
      }
    }
    for (const link of links) {
      for (const e of link.ends) {
        if (e.ifname !== undefined) continue;
        let k = 0;
        while (!use(e.node, `eth${k}`, e.path)) k++;
        e.ifname = `eth${k}`;
      }
    }
  }

  private addressLinks(pending: PendingLink[], pool: Prefix): TopologyLink[] {
    const explicit: { prefix: Prefix; path: JsonPath }[] = [];
    for (const link of pending) {
      if (link.spec.prefix === undefined) continue;
      const path = [...link.path, 'prefix'];
      try {
        const p = parsePrefix(link.spec.prefix);
        if (p.length !== 64) throw new Error(`must be a /64 (got /${p.length})`);
        const clash = explicit.find((x) => prefixesOverlap(x.prefix, p));
        if (clash) throw new Error(`overlaps the prefix of ${this.src.locate([{ path: clash.path, message: '' }])[0]!.path}`);
        explicit.push({ prefix: p, path });
      } catch (err) {
        this.issue(path, (err as Error).message);
      }
    }
    let next = 0;
    const freshPrefix = (): Prefix | undefined => {
      for (;;) {
        if (BigInt(next) >= subprefixCount(pool, 64)) {
          this.issue(['addressing', 'pool'], `${pool.text} has too few /64 prefixes for the links`);
          return undefined;
        }
        const p = subprefix(pool, 64, next++);
        if (!explicit.some((x) => prefixesOverlap(x.prefix, p))) return p;
      }
    };
    return pending.map((link, index) => {
      const kinds = link.ends.map((e) => this.kindOf(e.node));
      // MNs configure themselves from RAs; a host takes an address from its MAG's access link (addressHosts).
      const hasMn = kinds.includes('mn') || kinds.includes('host');
      const prefix = hasMn ? undefined : link.spec.prefix !== undefined ? parsePrefix(link.spec.prefix) : freshPrefix();
      const autoAddress = link.spec.autoAddress ?? true;
      let host = 1, ipv4Next = 1;
      for (const [j, e] of link.ends.entries()) {
        const other = link.ends[1 - j]!;
        const kind = kinds[j]!;
        const iface: TopologyInterface = {
          name: e.ifname!,
          link: index,
          peer: other.node,
          peerKind: kinds[1 - j]!,
          role: kind === 'ap' ? 'port' : kind === 'mn' || kind === 'host' ? kind : kinds[1 - j] === 'ap' ? 'access' : 'transport',
          ...(prefix ? { prefix: prefix.text } : {}),
        };
        if (prefix && autoAddress && INFRA.has(kind)) iface.address = hostAddress(prefix, host++);
        if (link.spec.ipv4 !== undefined && INFRA.has(kind)) {
          const v4 = ipv4Host(link.spec.ipv4, ipv4Next++);
          if (typeof v4 === 'string') iface.ipv4 = v4; else this.issue([...link.path, 'ipv4'], v4.problem);
        }
        this.nodes[e.node]!.interfaces.push(iface);
      }
      return {
        index,
        ends: link.ends.map((e) => ({ node: e.node, ifname: e.ifname! })) as TopologyLink['ends'],
        ...(prefix ? { prefix: prefix.text } : {}),
        path: link.path,
      };
    });
  }

  /**
   * Each host gets an address in the access link prefix of the MAG on its AP (from ::100 on, in
   * node order) and that MAG as its default router: a regular node on the MAG's link, to which the
   * MAG is the router of the link prefix, not an MN's home link (RFC 5213 §6.10.5).
   */
  private addressHosts(): void {
    const used = new Map<string, number>();
    for (const host of Object.values(this.nodes)) {
      if (host.kind !== 'host') continue;
      const iface = host.interfaces[0];
      if (iface === undefined) { this.issue(host.path, `host '${host.id}' is on no AP: link it to the AP of a MAG's access link`, true); continue; }
      const mag = Object.values(this.nodes).flatMap((n) => (n.kind === 'mag' ? n.interfaces : []))
        .find((i) => i.role === 'access' && i.peer === iface.peer && i.prefix !== undefined && i.address !== undefined);
      if (mag === undefined) { this.issue(host.path, `host '${host.id}' is on AP '${iface.peer}', where no MAG has an addressed access link to take an address from`, true); continue; }
      const n = used.get(mag.prefix!) ?? 0x100;
      used.set(mag.prefix!, n + 1);
      iface.prefix = mag.prefix!;
      iface.address = hostAddress(parsePrefix(mag.prefix!), n);
      host.routes = [{ prefix: '::/0', via: mag.address!, dev: iface.name }];
    }
  }

  private identifyMns(pending: PendingLink[], hnpPool: Prefix): void {
    const apOf = new Map<string, string>();
    for (const link of pending) {
      const [a, b] = link.ends;
      if (this.kindOf(a.node) === 'mn') apOf.set(a.node, b.node);
      if (this.kindOf(b.node) === 'mn') apOf.set(b.node, a.node);
    }
    const mns = Object.values(this.nodes).filter((n) => n.kind === 'mn');
    const usedMacs = new Map<string, string>();
    const usedHnps: Prefix[] = [];
    for (const mn of mns) {
      const s = this.settings.get(mn.id)!;
      if (s.mac !== undefined) {
        const mac = s.mac.toLowerCase();
        if (parseInt(mac.slice(0, 2), 16) & 1) this.issue([...mn.path, 'mac'], `${s.mac} is a multicast address (lowest bit of the first byte set)`);
        else if (usedMacs.has(mac)) this.issue([...mn.path, 'mac'], `${s.mac} is also the MAC of ${usedMacs.get(mac)}`);
        usedMacs.set(mac, mn.id);
      }
      if (s.hnp !== undefined) {
        try {
          const p = parsePrefix(s.hnp);
          if (p.length !== 64) throw new Error(`must be a /64 (got /${p.length})`);
          usedHnps.push(p);
        } catch (err) {
          this.issue([...mn.path, 'hnp'], (err as Error).message);
        }
      }
    }
    let ordinal = 0;
    let hnpIndex = 0;
    for (const mn of mns) {
      const s = this.settings.get(mn.id)!;
      let mac = s.mac?.toLowerCase();
      while (mac === undefined || (!s.mac && usedMacs.has(mac))) {
        ordinal++;
        mac = `02:70:6d:${hex2(ordinal >> 16)}:${hex2(ordinal >> 8)}:${hex2(ordinal)}`;
      }
      usedMacs.set(mac, mn.id);
      let hnp = s.hnp;
      while (hnp === undefined) {
        if (BigInt(hnpIndex) >= subprefixCount(hnpPool, 64)) {
          this.issue(['addressing', 'hnpPool'], `${hnpPool.text} has too few /64 prefixes for ${mns.length} MNs`);
          return;
        }
        const p = subprefix(hnpPool, 64, hnpIndex++);
        if (!usedHnps.some((u) => prefixesOverlap(u, p))) hnp = p.text;
      }
      mn.mn = {
        mac,
        nai: s.nai ?? `${mn.id}@example.org`,
        hnp,
        dad: s.dad ?? 'off',
        family: s.family ?? 'ipv6',
        iid: eui64InterfaceId(mac),
        ifname: mn.interfaces[0]?.name ?? 'eth0',
        ap: apOf.get(mn.id) ?? null,
      };
    }
  }

  private capturePoints(pending: PendingLink[]): CapturePoint[] {
    const points: CapturePoint[] = [];
    const seen = new Map<string, JsonPath>();
    const add = (name: string, node: string, ifname: string, path: JsonPath) => {
      if (seen.has(name)) {
        this.issue(path, `capture point '${name}' is already defined (${this.src.locate([{ path: seen.get(name)!, message: '' }])[0]!.path})`);
        return;
      }
      seen.set(name, path);
      points.push({ name, node, ifname });
    };
    for (const node of Object.values(this.nodes)) {
      if (node.capture !== undefined) add(node.capture, node.id, BRIDGE_NAME, [...node.path, 'capture']);
    }
    const done = new Set<JsonPath>();
    for (const link of pending) {
      const c = link.spec.capture;
      if (c === undefined || done.has(link.path)) continue;
      done.add(link.path);
      const path = [...link.path, 'capture'];
      const name = typeof c === 'string' ? c : c.name;
      const at = typeof c === 'string' ? undefined : c.at;
      const end = at !== undefined ? link.ends.find((e) => e.node === at) : link.ends.find((e) => this.kindOf(e.node) !== 'ap');
      if (!end) {
        this.issue(at !== undefined ? [...path, 'at'] : path, at !== undefined ? `'${at}' is not an endpoint of this link` : 'a link between two APs has nowhere to capture');
        continue;
      }
      if (this.kindOf(end.node) === 'ap') {
        this.issue([...path, 'at'], `an AP's port moves with handovers: capture at the other end, or on the AP itself (nodes.${end.node}.capture)`);
        continue;
      }
      add(name, end.node, end.ifname!, path);
    }
    return points;
  }
}

function hex2(n: number): string {
  return (n & 0xff).toString(16).padStart(2, '0');
}

function suggest(word: string, known: string[]): string {
  const near = closest(word, known);
  if (near !== undefined) return ` (did you mean '${near}'?)`;
  return known.length ? ` (nodes: ${known.slice(0, 12).join(', ')}${known.length > 12 ? ', ...' : ''})` : '';
}

/**
 * Static routes so that every infrastructure node reaches every link prefix: for each node, a
 * breadth-first search over transport links finds the nearest node on each prefix and the first
 * hop toward it. Access segments are not transit. The HNP pool is anchored at the LMA: CNs and
 * routers route it toward the nearest LMA (MAGs and LMAs leave it to the implementation).
 */
export function computeStaticRoutes(nodes: TopologyNode[], hnpPool: Prefix): void {
  const infra = nodes.filter((n) => INFRA.has(n.kind));
  const byId = new Map(infra.map((n) => [n.id, n]));
  for (const start of infra) {
    const connected = new Set(start.interfaces.filter((i) => i.address && i.prefix).map((i) => i.prefix!));
    const firstHop = new Map<string, { via: string; dev: string }>([[start.id, { via: '', dev: '' }]]);
    const queue = [start];
    const routes = new Map<string, StaticRoute>();
    let hnpRoute: StaticRoute | undefined;
    while (queue.length > 0) {
      const node = queue.shift()!;
      const hop = firstHop.get(node.id)!;
      if (node !== start) {
        for (const i of node.interfaces) {
          if (i.address && i.prefix && !connected.has(i.prefix) && !routes.has(i.prefix)) routes.set(i.prefix, { prefix: i.prefix, ...hop });
        }
        if (node.kind === 'lma' && !hnpRoute) hnpRoute = { prefix: hnpPool.text, ...hop };
      }
      for (const i of node.interfaces) {
        if (i.role !== 'transport' || !i.address || firstHop.has(i.peer)) continue;
        const peer = byId.get(i.peer);
        const peerIf = peer?.interfaces.find((p) => p.link === i.link);
        if (!peer || !peerIf?.address) continue;
        firstHop.set(peer.id, node === start ? { via: peerIf.address, dev: i.name } : hop);
        queue.push(peer);
      }
    }
    start.routes = [...routes.values()];
    if (hnpRoute && (start.kind === 'cn' || start.kind === 'router')) start.routes.push(hnpRoute);
  }
}

/** The `n`th host of an IPv4 subnet "a.b.c.d/len" as "host/len", or what is wrong with the subnet. */
function ipv4Host(subnet: string, n: number): string | { problem: string } {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(subnet);
  const octets = m?.slice(1, 5).map(Number);
  const len = Number(m?.[5]);
  if (!m || octets!.some((o) => o > 255) || len > 30) return { problem: `"${subnet}" is not an IPv4 subnet with room for two hosts (a.b.c.d/len, len 30 at most)` };
  const base = (((octets![0]! << 24) | (octets![1]! << 16) | (octets![2]! << 8) | octets![3]!) >>> 0) & (len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0);
  const a = (base + n) >>> 0;
  return `${a >>> 24}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}/${len}`;
}
