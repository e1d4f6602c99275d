// What a case asks of the PMIPv6 domain (timers, provisioning of MNs), and how each kind of IUT
// is set up to provide it. A profile turns a case's needs into the IUT adapter spec of every node
// that runs the implementation under test, and routes --quirk deviations to the right role.
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { QUIRKS, type QuirkName } from '../../pmipd/quirks.js';
import { oaiProfile } from '../iut/oai-pmipv6/profile.js';
import type { DomainSettings } from '../trace/index.js';
import { DEFAULT_SETTINGS, RFC6543_LINK_LOCAL, RFC6543_MAC } from '../trace/index.js';
import { nodesOfKind, primaryAddress, type Topology, type TopologyNode } from '../topology/model.js';
import type { IutSpec } from '../topology/schema.js';
import { IPV4_HOA_POOL, ipv4ProvisionOf } from '../iut/pmipd-ipv4.js';
import { opmipProfile } from './opmip-profile.js';
import { ADAPTERS } from '../iut/registry.js';
import { capabilityStatementOf, knownImplementations, type CapabilityStatement, type RoleClaim } from './capabilities.js';

export type IutRole = 'lma' | 'mag';

/** An MN the LMA's policy knows besides the topology's MNs. */
export interface MnProvision {
  nai: string;
  mac?: string;
  /** Fixed home network prefixes; none: allocated from the pool. */
  prefixes?: string[];
  /** RFC 5844: 'dynamic' or a fixed a.b.c.d/len IPv4 home address (default none). */
  ipv4?: string;
  /** false: an IPv4-only MN (default true). */
  ipv6?: boolean;
  /** false: known but not entitled to network-based mobility (152). */
  proxyMobility?: boolean;
  /** Node ids of the only MAGs allowed to register it (154 from others). */
  mags?: string[];
}

/** The domain a case runs in (RFC 5213 §9 variables and provisioning); defaults as the RFC's. */
export interface DomainNeeds {
  timestamps?: boolean;
  /** RFC 6543 fixed link-local and link-layer addresses on every access link. */
  fixedMagAddresses?: boolean;
  /** Lifetime a MAG asks for, seconds (multiple of 4). */
  lifetimeS?: number;
  minDelayBeforeBceDeleteMs?: number;
  maxDelayBeforeNewBceAssignMs?: number;
  timestampValidityWindowMs?: number;
  /** MNs beyond the topology's, or different provisioning for one of them (same NAI). */
  extraMobileNodes?: MnProvision[];
  /** The topology's MNs have their topology HNP as a fixed prefix (default: the LMA allocates from its pool). */
  fixedPrefixes?: boolean;
  /** The LMA's pool holds only this many /64s (default: the topology's whole HNP pool). */
  poolSize?: number;
  /** RFC 5844: the LMA's IPv4 home address pool (default 10.64.0.0/16 when an MN has IPv4 service). */
  ipv4Pool?: string;
  /**
   * RFC 5847 Heartbeat on (default off: optional in the RFC). An interval under the RFC's 30 s is
   * for a test that cannot wait: the trace is told, and HB-04 then judges no gap (undecided).
   */
  heartbeat?: { intervalS: number; missingAllowed?: number; onUnreachable?: 'keep' | 'drop-bindings' };
  /** RFC 5846 Binding Revocation on (default off). */
  revocation?: boolean;
  /** RFC 7077 Update Notifications on (default off). */
  updateNotifications?: boolean;
  /** ESP protection of the signalling (RFC 5213 §4): manual keys (made per run) or IKEv2. */
  ipsec?: 'manual' | 'ikev2';
  /** RFC 5845 GRE keys and a GRE data plane (default off). */
  greKeys?: boolean;
  /** The ESP transform (default null-sha256). */
  esp?: 'null-sha256' | 'aes-gcm-128' | 'aes-cbc-sha256';
  /** Stateful address configuration (RFC 5213 §6.11): the MAGs relay DHCPv6 to the server on this topology node. */
  dhcpv6?: { serverNode: string };
  /** RFC 5844 §3.2.3.2: the MAGs as DHCPv4 server or relay, announced by the LMA in option 39 (default: unannounced, the MAGs serve). */
  ipv4Dhcp?: 'server' | 'relay';
  /** ipv4Dhcp relay: the DHCPv4 server's IPv4 address the MAGs relay to. */
  ipv4DhcpServer?: string;
  /** RFC 6909 IPv4 offload: pmipd's `offload:` domain section as is (pmipd/offload-settings.ts). */
  offload?: Record<string, unknown>;
  /**
   * RFC 5844 §4: signalling and data over the IPv4 addresses of the topology's `ipv4` links;
   * AcceptForcedIPv4UDPEncapsulationRequest at the LMA, and the MAGs whose PBUs set (F).
   */
  ipv4Transport?: { acceptForcedUdp?: boolean; forceUdp?: string[] };
}

export interface ProfileContext {
  topology: Topology;
  node: string;
  role: IutRole;
  needs: DomainNeeds;
  /** Quirks for this node's role only. */
  quirks: string[];
}

/**
 * How an implementation other than pmipd turns a case's DomainNeeds into the adapter spec of one
 * node: the hook its adapter gives in harness/iut/registry.ts (AdapterEntry.domain). A need the
 * implementation cannot meet throws, naming it: the case is then an ERROR with that cause.
 */
export interface DomainTranslation {
  spec(ctx: ProfileContext): IutSpec | Promise<IutSpec>;
}

export interface IutProfile {
  name: string;
  spec(ctx: ProfileContext): IutSpec | Promise<IutSpec>;
  /** The capability statement of the implementation in each role, where it has one (loadProfile adds it). */
  claims?(): Partial<Record<IutRole, CapabilityStatement>>;
  /** The role a quirk applies to ('both': every IUT node); throws for a quirk the IUT does not have. */
  quirkRole(name: string): IutRole | 'both';
  /** Quirk name -> requirement IDs it is meant to break (for the self-test), when the IUT has quirks. */
  quirks(): Record<string, { role: IutRole | 'both'; breaks: readonly string[] }>;
  /**
   * The domain a run really has when a case asks for `needs`: an implementation that cannot be
   * configured for something (OPMIP has no timestamps) runs with what its code fixes, and the
   * trace is judged against that, for the roles it plays in the run (default both). Absent: the
   * IUT provides whatever a case asks.
   */
  domain?(needs: DomainNeeds, roles?: readonly IutRole[]): DomainNeeds;
}

/** A quirk an IUT does not have. */
export class UnknownQuirk extends Error {
  override readonly name = 'UnknownQuirk';
}

/**
 * TimestampValidityWindow of the domain profile for VMs: under emulation a PBU takes far longer
 * than the RFC's 300 ms between the MAG's stamping and the LMA's reading, and every registration
 * would be refused with 156.
 */
export const VM_TIMESTAMP_VALIDITY_WINDOW_MS = 3000;
/**
 * The shortest MinDelayBeforeBCEDelete in a VM: a case that shortens it (to see downlink dropped
 * during the wait) needs the wait to outlast the harness's own steps, which emulation slows down.
 */
export const VM_MIN_DELAY_BEFORE_BCE_DELETE_MS = 5000;

export interface DomainProfile {
  name: 'default' | 'vm';
  /** What the profile changes, for the report; empty for the default. */
  notes: string[];
  apply(needs: DomainNeeds): DomainNeeds;
}

/**
 * The domain profile for this machine: 'vm' inside `pmip-testbed vm` (a case that sets its own
 * window keeps it), 'default' (the RFC's values) elsewhere.
 */
export function domainProfile(inVm: boolean): DomainProfile {
  if (!inVm) return { name: 'default', notes: [], apply: (needs) => needs };
  return {
    name: 'vm',
    notes: [`domain profile vm: TimestampValidityWindow ${VM_TIMESTAMP_VALIDITY_WINDOW_MS} ms instead of the RFC's 300 ms (an emulated machine delays PBUs by more), unless a case sets its own; a MinDelayBeforeBCEDelete a case shortens is at least ${VM_MIN_DELAY_BEFORE_BCE_DELETE_MS} ms`],
    apply: (needs) => ({
      ...needs,
      timestampValidityWindowMs: needs.timestampValidityWindowMs ?? VM_TIMESTAMP_VALIDITY_WINDOW_MS,
      ...(needs.minDelayBeforeBceDeleteMs !== undefined ? { minDelayBeforeBceDeleteMs: Math.max(needs.minDelayBeforeBceDeleteMs, VM_MIN_DELAY_BEFORE_BCE_DELETE_MS) } : {}),
    }),
  };
}

/** The trace's view of the domain a case declared. */
export function traceSettings(needs: DomainNeeds, unentitled: string[]): Partial<DomainSettings> {
  const fixed = needs.fixedMagAddresses === true;
  // Every setting a check reads is given, so no verdict of a testbed run rests on a default: the
  // testbed builds its links with the kernel's 1500-octet MTU, captures on the IUTs' own clock, and
  // its IUTs route no MN traffic locally (pmipd cannot; another IUT runs with the RFC defaults).
  return {
    timestampMode: needs.timestamps ?? true,
    fixedMagLinkLocal: fixed ? RFC6543_LINK_LOCAL : null,
    fixedMagLinkLayer: fixed ? RFC6543_MAC : null,
    minDelayBeforeBceDeleteMs: needs.minDelayBeforeBceDeleteMs ?? 10000,
    maxDelayBeforeNewBceAssignMs: needs.maxDelayBeforeNewBceAssignMs ?? 1500,
    timestampValidityWindowMs: needs.timestampValidityWindowMs ?? 300,
    accessTechnologies: [3],
    enableMagLocalRouting: false,
    maxLinkMtu: 1500,
    clockToleranceMs: DEFAULT_SETTINGS.clockToleranceMs,
    unentitledMns: unentitled,
    heartbeatIntervalMs: (needs.heartbeat?.intervalS ?? 60) * 1000,
  };
}

/** The first `n` /64s of a prefix of length ≤ 64 ("2001:db8:8000::/33" -> ["2001:db8:8000::/64", ...]) as one covering prefix. */
function poolOf(hnpPool: string, n: number): string {
  const bits = Math.max(0, Math.ceil(Math.log2(Math.max(1, n))));
  return `${hnpPool.split('/')[0]}/${64 - bits}`;
}

/** The address of the topology node a case runs its DHCPv6 server on. */
function dhcpv6ServerAddress(topology: Topology, node: string): string {
  const n = topology.nodes[node];
  const a = n === undefined ? undefined : primaryAddress(n);
  if (a === undefined) throw new Error(`the DHCPv6 server node ${node} is not a node with an address in topology ${topology.name}`);
  return a;
}

/** pmipd's ipv4Transport block: each node's IPv4 address is that of its first interface on an `ipv4` link. */
function ipv4TransportOf(topology: Topology, t: NonNullable<DomainNeeds['ipv4Transport']>): Record<string, unknown> {
  const v4 = (n: TopologyNode) => {
    const a = n.interfaces.find((i) => i.ipv4 !== undefined)?.ipv4?.split('/')[0];
    if (a === undefined) throw new Error(`ipv4Transport: ${n.kind} ${n.id} has no interface on a link with an ipv4 subnet in topology ${topology.name}`);
    return a;
  };
  const lma = nodesOfKind(topology, 'lma')[0];
  if (lma === undefined) throw new Error(`ipv4Transport: topology ${topology.name} has no LMA`);
  return {
    lmaAddress: v4(lma), acceptForcedUdp: t.acceptForcedUdp ?? false,
    mags: nodesOfKind(topology, 'mag').map((m) => ({ name: m.id, address: v4(m), forceUdp: (t.forceUdp ?? []).includes(m.id) })),
  };
}

export const pmipdProfile = {
  name: 'pmipd',
  claims: () => statementsFor('pmipd'),
  spec({ topology, role, needs, quirks }: ProfileContext): IutSpec {
    const lma: Record<string, unknown> = {};
    if (needs.minDelayBeforeBceDeleteMs !== undefined) lma.minDelayBeforeBCEDelete = needs.minDelayBeforeBceDeleteMs;
    if (needs.maxDelayBeforeNewBceAssignMs !== undefined) lma.maxDelayBeforeNewBCEAssign = needs.maxDelayBeforeNewBceAssignMs;
    if (needs.timestampValidityWindowMs !== undefined) lma.timestampValidityWindow = needs.timestampValidityWindowMs;
    if (needs.poolSize !== undefined) lma.prefixPool = [poolOf(topology.hnpPool, needs.poolSize)];
    const mag: Record<string, unknown> = {};
    if (needs.lifetimeS !== undefined) mag.lifetime = needs.lifetimeS;
    const domain: Record<string, unknown> = {
      timestamps: needs.timestamps ?? true,
      fixedMagAddresses: needs.fixedMagAddresses ?? false,
      lma, mag,
      ...(needs.heartbeat !== undefined ? {
        heartbeat: {
          interval: needs.heartbeat.intervalS,
          ...(needs.heartbeat.missingAllowed !== undefined ? { missingAllowed: needs.heartbeat.missingAllowed } : {}),
          ...(needs.heartbeat.onUnreachable !== undefined ? { onUnreachable: needs.heartbeat.onUnreachable } : {}),
        },
      } : {}),
      ...(needs.revocation === true ? { revocation: true } : {}),
      ...(needs.updateNotifications === true ? { updateNotifications: true } : {}),
      ...(needs.ipsec !== undefined ? { ipsec: needs.ipsec, esp: needs.esp ?? 'null-sha256' } : {}),
      ...(needs.greKeys === true ? { greKeys: true } : {}),
      ...(needs.dhcpv6 !== undefined ? { addressConfig: 'dhcpv6', dhcpv6Server: dhcpv6ServerAddress(topology, needs.dhcpv6.serverNode) } : {}),
      ...(needs.ipv4Dhcp !== undefined ? { ipv4Dhcp: needs.ipv4Dhcp } : {}),
      ...(needs.ipv4DhcpServer !== undefined ? { ipv4DhcpServer: needs.ipv4DhcpServer } : {}),
      ...(needs.offload !== undefined ? { offload: needs.offload } : {}),
      ...(needs.ipv4Transport !== undefined ? { ipv4Transport: ipv4TransportOf(topology, needs.ipv4Transport) } : {}),
    };
    // The adapter's default gives every MN its topology HNP as a fixed prefix; catalog §E.1 has the
    // MAG ask for ::/0 and the LMA allocate, so that is the default here.
    const extra = new Map((needs.extraMobileNodes ?? []).map((m) => [m.nai, m]));
    const entry = (m: MnProvision) => ({
      nai: m.nai, ...(m.mac !== undefined ? { mac: m.mac } : {}), ...(m.prefixes ? { prefixes: m.prefixes } : {}),
      ...(m.proxyMobility === false ? { proxyMobility: false } : {}), ...(m.mags ? { mags: m.mags } : {}),
      ...(m.ipv4 !== undefined ? { ipv4: m.ipv4 } : {}), ...(m.ipv6 === false ? { ipv6: false } : {}),
    });
    const fromTopology = nodesOfKind(topology, 'mn').map((n) => entry({
      nai: n.mn!.nai, mac: n.mn!.mac, ...(needs.fixedPrefixes === true ? { prefixes: [n.mn!.hnp] } : {}), ...ipv4ProvisionOf(n.mn!.family), ...extra.get(n.mn!.nai),
    }));
    const known = new Set(fromTopology.map((m) => m.nai));
    domain.mobileNodes = [...fromTopology, ...[...extra.values()].filter((m) => !known.has(m.nai)).map(entry)];
    if ((domain.mobileNodes as MnProvision[]).some((m) => m.ipv4 !== undefined)) lma.ipv4Pool = needs.ipv4Pool ?? IPV4_HOA_POOL;
    return { adapter: 'pmipd', options: { domain, ...(quirks.length > 0 ? { quirks } : {}), logLevel: role === 'lma' ? 'debug' : 'info' } };
  },
  quirkRole(name: string): IutRole | 'both' {
    const q = QUIRKS[name as QuirkName];
    if (q === undefined) throw new UnknownQuirk(`pmipd has no quirk "${name}" (pmipd --list-quirks shows them)`);
    return q.role;
  },
  quirks(): Record<string, { role: IutRole | 'both'; breaks: readonly string[] }> {
    return Object.fromEntries(Object.entries(QUIRKS).map(([n, q]) => [n, { role: q.role, breaks: q.breaks }]));
  },
} satisfies IutProfile;

type IutFile = { name?: string; lma?: IutSpec; mag?: IutSpec; domain?: DomainNeeds };

/** An --iut YAML file (see fileProfile), its lma:/mag: specs checked to name an adapter. */
function readIutFile(file: string): IutFile {
  const doc = parse(readFileSync(file, 'utf8')) as IutFile | null;
  if (doc === null || typeof doc !== 'object' || (doc.lma === undefined && doc.mag === undefined)) {
    throw new Error(`${file}: an IUT file gives "lma:" and/or "mag:" adapter specs ({ adapter, options })`);
  }
  for (const role of ['lma', 'mag'] as const) {
    const s = doc[role];
    if (s !== undefined && (s === null || typeof s !== 'object' || typeof s.adapter !== 'string')) throw new Error(`${file}: "${role}:" must be an adapter spec ({ adapter: NAME, options })`);
  }
  return doc;
}

/**
 * Any other implementation: a YAML file giving the adapter spec per role, e.g.
 *   lma: { adapter: command, options: { command: /usr/sbin/my-lma, ... } }
 *   mag: { adapter: command, options: { ... } }
 *   domain: { timestamps: false }        # optional: what the IUTs are configured for
 * The case's timers and provisioning cannot be applied to other adapters: configure the IUT to
 * the RFC defaults. A spec naming an adapter that has a profile (pmipd, opmip) gets that profile's
 * spec for the case's domain, with the file's options merged over its options key by key, so mixed
 * pairs follow each case's needs; the run's domain is the case's as each such profile (and
 * `domain:`) fixes it.
 */
export function fileProfile(file: string): IutProfile {
  const doc = readIutFile(file);
  const profiled = (s: IutSpec | undefined) => (s !== undefined ? PROFILES[s.adapter] : undefined);
  return {
    name: doc.name ?? file,
    claims: () => ({}),
    async spec(ctx) {
      const s = doc[ctx.role];
      if (s === undefined) throw new Error(`${file} has no "${ctx.role}:" spec, and this case runs the IUT as ${ctx.role.toUpperCase()}`);
      const p = await profiled(s)?.spec(ctx);
      return p === undefined ? s : { ...p, options: { ...p.options, ...s.options } };
    },
    domain(needs) {
      let out = { ...needs, ...doc.domain };
      for (const role of ['mag', 'lma'] as const) {
        const p = profiled(doc[role]);
        if (p?.domain) out = p.domain(out, [role]);
      }
      return out;
    },
    quirkRole(name) { throw new UnknownQuirk(`${file} declares no quirks (asked for "${name}")`); },
    quirks() { return {}; },
  };
}

export const PROFILES: Record<string, IutProfile> = {
  pmipd: pmipdProfile,
  // Getters: those modules import this one too (UnknownQuirk, the pmipd profile), and may be loaded first.
  get 'oai-pmipv6'() { return oaiProfile; },
  get opmip() { return opmipProfile; },
};

const statements = new Map<string, Partial<Record<IutRole, CapabilityStatement>>>();
/** The statement of an implementation by role, read once per process. */
function statementsFor(implementation: string): Partial<Record<IutRole, CapabilityStatement>> {
  let byRole = statements.get(implementation);
  if (byRole === undefined) {
    const s = capabilityStatementOf(implementation);
    statements.set(implementation, byRole = s === undefined ? {} : Object.fromEntries(s.roles.map((r) => [r, s])));
  }
  return byRole;
}

/**
 * An implementation run through its adapter's DomainNeeds translation. An implementation whose
 * adapter is not registered yet, or has no translation, makes every case that runs it an ERROR
 * saying so (never a pass).
 */
export function adapterProfile(name: string): IutProfile {
  return {
    name,
    claims: () => statementsFor(name),
    async spec(ctx) {
      const entry = ADAPTERS[name];
      if (entry === undefined) throw new Error(`${name} cannot run: no adapter named ${name} is registered (harness/iut/registry.ts)`);
      if (entry.domain === undefined) throw new Error(`${name} cannot run: its adapter gives no DomainNeeds translation (AdapterEntry.domain in harness/iut/registry.ts)`);
      return (await entry.domain()).spec(ctx);
    },
    quirkRole(q) { throw new UnknownQuirk(`${name} has no quirk "${q}" (only pmipd has deliberate deviations)`); },
    quirks() { return {}; },
  };
}

/** A MAG of one implementation with an LMA of another: each role's needs go to its own profile. */
export function pairProfile(mag: IutProfile, lma: IutProfile): IutProfile {
  const by: Record<IutRole, IutProfile> = { mag, lma };
  return {
    name: mag.name === lma.name ? mag.name : `mag=${mag.name},lma=${lma.name}`,
    claims: () => {
      const m = mag.claims?.().mag, l = lma.claims?.().lma;
      return { ...(m ? { mag: m } : {}), ...(l ? { lma: l } : {}) };
    },
    spec: (ctx) => by[ctx.role].spec(ctx),
    domain(needs) {
      let out = needs;
      for (const role of ['mag', 'lma'] as const) out = by[role].domain?.(out, [role]) ?? out;
      return out;
    },
    quirkRole(q) {
      const found: string[] = [];
      for (const role of ['mag', 'lma'] as const) {
        try {
          const r = by[role].quirkRole(q);
          if (r === role || r === 'both') return role;
          found.push(`${by[role].name} has it as ${r.toUpperCase()} quirk, but the ${r.toUpperCase()} is ${by[r].name}`);
        } catch (err) { if (!(err instanceof UnknownQuirk)) throw err; }
      }
      throw new UnknownQuirk(`no implementation of this pair has quirk "${q}" in its role${found.length > 0 ? ` (${found.join('; ')})` : ''}`);
    },
    quirks() {
      return Object.fromEntries((['mag', 'lma'] as const).flatMap((role) => Object.entries(by[role].quirks()).filter(([, q]) => q.role === role || q.role === 'both').map(([n, q]) => [n, { ...q, role }])));
    },
  };
}

/** The implementations in each role a case runs as IUT, for applyCapabilities. */
export function roleClaims(profile: IutProfile, roles: Iterable<IutRole>): RoleClaim[] {
  const claims = profile.claims?.() ?? {};
  return [...new Set(roles)].flatMap((role) => claims[role] !== undefined ? [{ role, statement: claims[role] }] : []);
}

/**
 * The case's needs with the ordering the implementations taking part can do: a case that does
 * not ask for timestamps runs with sequence numbers when one of them claims only those.
 */
export function neededOrdering(needs: DomainNeeds, claims: readonly RoleClaim[]): DomainNeeds {
  if (needs.timestamps !== undefined) return needs;
  const seqOnly = claims.some((c) => !c.statement.features.timestamps && c.statement.features['sequence-numbers']);
  return seqOnly ? { ...needs, timestamps: false } : needs;
}

/** A bad --iut: says which part and why. */
export class IutSelectionError extends Error {
  override readonly name = 'IutSelectionError';
}

/** Implementations --iut may name: pmipd and every one with a capability statement. */
export function implementationNames(): string[] {
  return [...new Set(['pmipd', ...knownImplementations()])].sort();
}

export type IutSelection = { file: string } | { mag: string; lma: string };

/**
 * --iut: NAME (both roles), a YAML FILE (*.yaml, *.yml) of adapter specs, or ROLE=NAME pairs
 * separated by commas ("mag=oai-pmipv6,lma=pmipd"); a role not given runs pmipd.
 */
export function parseIutSelection(text: string, known = implementationNames()): IutSelection {
  const bad = (what: string) => new IutSelectionError(`--iut ${JSON.stringify(text)}: ${what}`);
  const name = (n: string, part: string): string => {
    if (!known.includes(n)) throw bad(`unknown implementation "${n}"${part !== n ? ` in "${part}"` : ''} (known: ${known.join(', ')}; or a YAML file)`);
    return n;
  };
  if (/\.ya?ml$/.test(text)) return { file: text };
  if (!text.includes('=') && !text.includes(',')) return { mag: name(text, text), lma: name(text, text) };
  const roles: Partial<Record<IutRole, string>> = {};
  for (const part of text.split(',')) {
    const m = /^([^=]*)=(.*)$/.exec(part);
    if (m === null) throw bad(`"${part}" is not ROLE=NAME (roles: mag, lma)`);
    const [, role, impl] = m as unknown as [string, string, string];
    if (role !== 'mag' && role !== 'lma') throw bad(`unknown role "${role}" in "${part}" (roles: mag, lma)`);
    if (roles[role] !== undefined) throw bad(`the ${role} is given twice ("${role}=${roles[role]}" and "${part}")`);
    if (impl === '') throw bad(`"${part}" names no implementation`);
    roles[role] = name(impl, part);
  }
  return { mag: roles.mag ?? 'pmipd', lma: roles.lma ?? 'pmipd' };
}

/** An implementation's own profile (pmipd, oai-pmipv6, opmip), else its adapter's translation; with its statement. */
function implementationProfile(name: string): IutProfile {
  const own = PROFILES[name];
  return own === undefined ? adapterProfile(name) : { ...own, claims: () => statementsFor(name) };
}

/**
 * The adapter specs an --iut selection runs, as far as they are known before a case shapes them
 * (adapter and options of a file's specs; the adapter of each named implementation that has one):
 * what `run --vm` and build-iut build ahead. Throws IutSelectionError when the selection is bad.
 */
export function selectionSpecs(iut: string): IutSpec[] {
  const sel = parseIutSelection(iut);
  if ('file' in sel) {
    const doc = readIutFile(sel.file);
    return [doc.mag, doc.lma].filter((s): s is IutSpec => s !== undefined);
  }
  return [...new Set([sel.mag, sel.lma])].filter((n) => ADAPTERS[n] !== undefined).map((adapter) => ({ adapter }));
}

/** The profile of an --iut selection (see parseIutSelection); throws IutSelectionError when it is bad. */
export function loadProfile(iut: string): IutProfile {
  const sel = parseIutSelection(iut);
  if ('file' in sel) return fileProfile(sel.file);
  return sel.mag === sel.lma ? implementationProfile(sel.mag) : pairProfile(implementationProfile(sel.mag), implementationProfile(sel.lma));
}
