// The data plane of both roles: a bi-directional IPv6-in-IPv6 tunnel between Proxy-CoA and LMAA.
// Three back-ends behind one interface, identical on the wire (next header 41):
//   ip6tnl: a tunnel device (kernels with CONFIG_IPV6_TUNNEL), created with encaplimit none;
//   seg6:   reduced SRv6 encapsulation with one segment (no SRH) and End.DX6 decapsulation, the
//           recipe of platform-notes for kernels without ip6tnl, behind a veth pair that stands
//           in for the tunnel device (see seg6ForwardingHop);
//   tun:    pmipd's own user-space tunnel (tun-tunnel.ts): TUN devices named like ip6tnl's, so
//           the routes and rules are the same, and a C thread encapsulating through a raw socket.
// All route changes go through one long-lived `ip -batch` process.
import type { LmaDataplane } from '../lma/lma-core.js';
import { TUNNEL_OVERHEAD, type MagDataplane, type SessionRoute } from '../mag/mag-core.js';
import type { Logger } from '../log.js';
import type { Prefix } from '../../wire/index.js';
import { IpBatch } from './ip-batch.js';
import { Quirks } from '../quirks.js';
import { readInterfaceFile, setSysctl } from './sysctl.js';
import { TunTunnel, tunUnusableBecause, type GreKeys, type TunCounters } from './tun-tunnel.js';
import { GreTunnels, greUplinkTable, type GreEngine } from './gre-tunnels.js';
import type { Ipv4TunPlan } from '../ipv4/transport.js';
import { GRE_KEYED_HEADER } from '../gre-keys.js';
import { Ipv4Routes } from './ipv4-routes.js';
import { EcnExitRule, probeEcnExit } from './ecn-exit.js';

/** Policy-routing numbers pmipd owns. */
const TABLE_UPLINK = 100;
const TABLE_DECAP = 200;
const TABLE_ENCAP = 300;
const PREF_DECAP = 100;
const PREF_HOP_OUTER = 110;
const PREF_HOP = 120;
const PREF_UPLINK = 200;
/** Packets from a regular host on an access link to an MN of this MAG (after the MNs' own uplink rule). */
const PREF_LOCAL_HOST = 210;
/**
 * Right after the decapsulation rule and before the MAG's uplink rule: an MN's packets to the
 * MAG's own addresses (its Neighbor Advertisements answering the MAG's Neighbor Solicitations,
 * which a Packet Too Big toward the MN waits for) are delivered, not tunnelled to the LMA.
 */
const PREF_LOCAL = 105;
const TUNNEL_DEVICE = 'pmip6tnl';
/** The seg6 back-end's stand-in for a tunnel device: packets leave by HOP_OUT and come in by HOP_IN. */
const HOP_OUT = 'pmip6hop';
const HOP_IN = 'pmip6enc';
const HOP_OUT_ADDRESS = 'fe80::1';
const HOP_IN_ADDRESS = 'fe80::2';

export type BackendName = 'ip6tnl' | 'seg6' | 'tun';
/** The order `dataplane: auto` tries them in: the kernel's own first. */
export const BACKENDS: readonly BackendName[] = ['ip6tnl', 'seg6', 'tun'];

/** A routing table and prefix (RFC 6666 discard) nothing else uses, for the seg6 probe. */
const TABLE_PROBE = 399;
const PROBE_PREFIX = '100::/64';

/**
 * Tries what `backend` needs and removes it again: null when it works, else what the kernel (or
 * the addon) said. seg6 needs both halves: `encap seg6` and `seg6local End.DX6` on `transport`.
 */
export async function probeBackend(ip: IpBatch, backend: BackendName, transport: string): Promise<string | null> {
  const said = (f: { message: string }[]) => (f.length === 0 ? null : f[0]!.message);
  switch (backend) {
    case 'ip6tnl':
      return said(await ip.run(['link add pmipd-probe0 type ip6tnl mode ip6ip6 local ::1 remote ::2', 'link del pmipd-probe0']));
    case 'seg6': {
      const f = await ip.run([
        `route add ${PROBE_PREFIX} encap seg6 mode encap.red segs ::1 dev ${transport} table ${TABLE_PROBE}`,
        `route add 100::1/128 encap seg6local action End.DX6 nh6 :: dev ${transport} table ${TABLE_PROBE}`,
      ]);
      await ip.run([`route flush table ${TABLE_PROBE}`]);
      // End.DX6 ignores the outer ECN field: without the nftables rule doing RFC 6040's exit
      // processing, seg6 would break FWD-07 (ecn-exit.ts).
      return said(f) ?? (await probeEcnExit());
    }
    case 'tun':
      return tunUnusableBecause();
  }
}

/**
 * Tunnel devices get no link-local address, set before they come up (addrconf adds one at the
 * first up). They only carry routed packets, so nothing needs one (no MLD or RS into the tunnel),
 * and without one the kernel sends no ICMPv6 Redirect into the tunnel when the LMA hairpins traffic
 * between two MNs of one MAG (ndisc_send_redirect needs a link-local source): the MAG would have to
 * drop such a packet anyway (link-local source, RFC 4291 §2.5.6).
 */
function noLinkLocal(device: string): string[] {
  return [`link set ${device} addrgenmode none`];
}

/**
 * Whether tunnel exit does RFC 6040 §4.2 (RFC 5213 §5.6.3): an outer CE marks an ECT inner packet
 * CE. Not with quirk ecn-not-propagated: the tun engine then ignores the outer ECN field and seg6
 * goes without its nftables rule (End.DX6 ignores it); ip6tnl always propagates.
 */
export function propagatesEcn(quirks: Quirks): boolean {
  return !quirks.has('ecn-not-propagated');
}

abstract class Base {
  protected readonly undo: string[] = [];
  protected readonly sysctls: [string, string][] = [];
  private tun: TunTunnel | null = null;
  /** RFC 5845 sessions' GRE tunnels (greKeys domains), beside the plain tunnel. */
  protected gre: GreTunnels | null = null;
  /** seg6: RFC 6040 exit processing End.DX6 lacks. */
  private ecnExit: EcnExitRule | null = null;
  /** RFC 5844 §4 (domain ipv4Transport): the tun engine's IPv4 end points for the peers' labels. */
  private ipv4Transport: Ipv4TunPlan | null = null;

  constructor(protected readonly ip: IpBatch, protected readonly log: Logger, protected readonly quirks: Quirks = new Quirks()) {}

  /** Tunnel over IPv4 (call before start; the tun back-end only, chosen for it by the daemon). */
  useIpv4Transport(plan: Ipv4TunPlan): void { this.ipv4Transport = plan; }

  /** Sessions with GRE keys get GRE tunnels of `engine` from `local` (call before start). */
  enableGre(engine: GreEngine, local: string, transport: string): void {
    this.gre = new GreTunnels(this.ip, this.log, engine, local, transport,
      () => Number(readInterfaceFile(transport, 'mtu')), TUNNEL_OVERHEAD + GRE_KEYED_HEADER);
  }

  /**
   * The tun back-end's devices, one per peer, named as ip6tnl's would be: MTU = transport MTU − 40,
   * so the kernel sends Packet Too Big for an oversized inner packet, as into a tunnel device.
   */
  protected async openTun(local: string, peers: { device: string; peer: string }[], transport: string): Promise<void> {
    const v4 = this.ipv4Transport;
    this.tun = v4 === null ? TunTunnel.open(local, peers)
      : TunTunnel.open(v4.local, peers.map(({ device, peer }) => ({ device, peer: v4.peers.get(peer)!.address, udp: v4.peers.get(peer)!.udp })));
    if (!propagatesEcn(this.quirks)) this.tun.ignoreEcnOnExit();
    const mtu = Number(readInterfaceFile(transport, 'mtu')) - TUNNEL_OVERHEAD;
    await this.setup(peers.flatMap(({ device }) => [...noLinkLocal(device), `link set ${device} mtu ${mtu} up`]), []);
  }

  counters(): Record<string, number> { return { ...tunCounterFields(this.tun), ...this.gre?.counters() }; }

  protected sysctl(name: string, value: string | number): void {
    this.sysctls.push([name, setSysctl(name, value)]);
  }

  /**
   * Runs `lines` at start-up; `undo` lines (run in reverse at stop) are registered first. Those
   * that delete also run before, quietly: a pmipd that ended without its clean-up (a crash,
   * SIGKILL) left its devices and rules in the namespace, and a restarted one would fail on them
   * ("File exists"). Adding lines do not: `ip rule add` makes a duplicate of an existing rule.
   */
  protected async setup(lines: string[], undo: string[]): Promise<void> {
    const leftovers = undo.filter((l) => /^(link|rule|route|addr) (del|flush)\b/.test(l));
    if (leftovers.length > 0) await this.ip.run(leftovers);
    this.undo.push(...undo);
    await this.ip.runOrThrow(lines);
  }

  /** Moves the local table behind the decapsulation rule, so tunnelled packets to our address hit End.DX6. */
  protected async seg6Decap(local: string, device: string): Promise<void> {
    this.sysctl('net.ipv6.conf.all.seg6_enabled', 1);
    this.sysctl(`net.ipv6.conf.${device}.seg6_enabled`, 1);
    await this.setup([
      `rule add pref ${PREF_LOCAL} table local`,
      `rule add pref ${PREF_DECAP} to ${local}/128 ipproto 41 table ${TABLE_DECAP}`,
      `route add ${local}/128 encap seg6local action End.DX6 nh6 :: dev ${device} table ${TABLE_DECAP}`,
    ], [
      `rule del pref ${PREF_LOCAL} table local`,
      'rule add pref 0 table local',
      `rule del pref ${PREF_DECAP} to ${local}/128 ipproto 41 table ${TABLE_DECAP}`,
      `route flush table ${TABLE_DECAP}`,
    ]);
    // Quietly: a pmipd that crashed has already moved it.
    await this.ip.run(['rule del pref 0 table local']);
    if (propagatesEcn(this.quirks)) {
      this.ecnExit = new EcnExitRule(local);
      await this.ecnExit.start();
    }
  }

  /**
   * seg6 encapsulates on the input path, before the packet is forwarded, so the encapsulating
   * node would not decrement the inner hop limit (RFC 2473 §3.1 has the entry point forward the
   * packet into the tunnel: FWD-05). A veth pair plays the tunnel device: what goes into the
   * tunnel is forwarded out of HOP_OUT (hop limit − 1; Time Exceeded, and Packet Too Big with the
   * tunnel MTU, as from any router) and encapsulated by table TABLE_ENCAP as it comes in at
   * HOP_IN. The encapsulated packet (from `outerSrc`, next header 41) is routed by the main table.
   */
  protected async seg6ForwardingHop(outerSrc: string, transport: string): Promise<void> {
    const mtu = Number(readInterfaceFile(transport, 'mtu')) - TUNNEL_OVERHEAD;
    await this.setup([
      `link add ${HOP_OUT} mtu ${mtu} type veth peer name ${HOP_IN} mtu ${mtu}`,
      `link set ${HOP_OUT} addrgenmode none`,
      `link set ${HOP_IN} addrgenmode none`,
      `addr add ${HOP_OUT_ADDRESS}/64 dev ${HOP_OUT} nodad`,
      `addr add ${HOP_IN_ADDRESS}/64 dev ${HOP_IN} nodad`,
      `link set ${HOP_OUT} up`,
      `link set ${HOP_IN} up`,
      `rule add pref ${PREF_HOP_OUTER} from ${outerSrc}/128 iif ${HOP_IN} ipproto 41 table main`,
      `rule add pref ${PREF_HOP} iif ${HOP_IN} table ${TABLE_ENCAP}`,
      // Neighbour discovery on the pair stays local.
      `route add throw fe80::/10 table ${TABLE_ENCAP}`,
      `route add throw ff00::/8 table ${TABLE_ENCAP}`,
    ], [
      `link del ${HOP_OUT}`,
      `rule del pref ${PREF_HOP_OUTER} from ${outerSrc}/128 iif ${HOP_IN} ipproto 41 table main`,
      `rule del pref ${PREF_HOP} iif ${HOP_IN} table ${TABLE_ENCAP}`,
      `route flush table ${TABLE_ENCAP}`,
    ]);
  }

  /** `afterFailedStart`: undo lines of steps that never ran fail as expected, so quietly. */
  async stop(afterFailedStart = false): Promise<void> {
    await this.gre?.close();
    const ecn = await this.ecnExit?.stop();
    if (ecn) this.log.warn('dataplane-undo-failed', { command: 'nft delete table ip6 pmipd_ecn', why: ecn });
    const lines = this.undo.splice(0).reverse();
    const failures = await this.ip.run(lines);
    for (const f of failures) this.log.log(afterFailedStart ? 'debug' : 'warn', 'dataplane-undo-failed', { command: f.command, why: f.message });
    // The TUN devices go with their descriptors, and the routes through them with the devices.
    this.tun?.close();
    this.tun = null;
    for (const [name, old] of this.sysctls.splice(0).reverse()) {
      try { setSysctl(name, old); } catch { /* the interface may be gone */ }
    }
  }
}

/** The user-space tunnel's counters under the names of pmipd's `counters` command. */
function tunCounterFields(t: TunTunnel | null): Record<string, number> {
  if (t === null) return {};
  const c: TunCounters = t.counters();
  return {
    tun_encapsulated: c.encapsulated, tun_decapsulated: c.decapsulated, tun_dropped_unknown_peer: c.droppedUnknownPeer,
    tun_dropped_ecn: c.droppedEcn, tun_dropped_not_ipv6: c.droppedNotIpv6, tun_errors: c.errors,
  };
}

export interface LmaBackend extends LmaDataplane { name: BackendName; stop(afterFailedStart?: boolean): Promise<void>; counters(): Record<string, number> }
export interface MagBackend extends MagDataplane { name: BackendName | 'none'; stop(afterFailedStart?: boolean): Promise<void>; counters(): Record<string, number> }

/** LMA: routes per HNP toward the MAG; changes within one event-loop turn share one batch. */
export class LmaTunnelDataplane extends Base implements LmaBackend {
  private readonly tunnels = new Map<string, string>();
  private readonly greKeys = new Map<string, GreKeys>();
  private readonly ipv4: Ipv4Routes;

  constructor(ip: IpBatch, log: Logger, readonly name: BackendName, private readonly lmaa: string,
    private readonly transport: string, mags: readonly string[], quirks: Quirks = new Quirks()) {
    super(ip, log, quirks);
    mags.forEach((m, i) => this.tunnels.set(m, `${TUNNEL_DEVICE}${i}`));
    this.ipv4 = new Ipv4Routes(ip, log, name === 'tun', TABLE_UPLINK, PREF_UPLINK);
  }

  /** A GRE-keyed session's IPv4 HoA rides the tunnel of its HNPs (routed first), else the MAG's plain one. */
  routeIpv4(address: string, proxyCoa: string, hnps: readonly Prefix[] = []): void {
    const gre = hnps.map((h) => this.gre?.deviceOf(h.text)).find((d) => d !== undefined);
    if (gre === undefined) { void this.ipv4.routeHoa(address, this.tunnels.get(proxyCoa) ?? TUNNEL_DEVICE); return; }
    // The device is made (and set up) by lines just queued on the IPv6 batch; an IPv4 route through
    // a device not yet up is refused (ENETDOWN): route once they ran, and acknowledge after that.
    const before = this.inFlight;
    this.inFlight = Promise.all([before, before.then(() => this.ipv4.routeHoa(address, gre))]);
  }
  removeIpv4(address: string): void { void this.ipv4.removeHoa(address); }

  override async stop(afterFailedStart = false): Promise<void> {
    await this.ipv4.stop();
    await super.stop(afterFailedStart);
  }

  async start(): Promise<void> {
    this.sysctl('net.ipv6.conf.all.forwarding', 1);
    if (this.name === 'seg6') {
      await this.seg6Decap(this.lmaa, this.transport);
      await this.seg6ForwardingHop(this.lmaa, this.transport);
      return;
    }
    if (this.name === 'tun') {
      await this.openTun(this.lmaa, [...this.tunnels].map(([peer, device]) => ({ device, peer })), this.transport);
      return;
    }
    // Static tunnels, one per authorised MAG (FWD-08 allows them); decapsulation is the device's.
    for (const [mag, dev] of this.tunnels) {
      await this.setup([
        `link add ${dev} type ip6tnl mode ip6ip6 local ${this.lmaa} remote ${mag} encaplimit none dev ${this.transport}`,
        ...noLinkLocal(dev),
        `link set ${dev} up`,
      ], [`link del ${dev}`]);
    }
  }

  private inFlight: Promise<unknown> = Promise.resolve();

  private apply(line: string): void {
    const done = this.ip.run([line]).then((f) => {
      for (const x of f) this.log.error('dataplane-failed', { command: x.command, why: x.message });
    }, (err: Error) => this.log.error('dataplane-failed', { command: line, why: err.message }));
    this.inFlight = Promise.all([this.inFlight, done]);
  }

  async applied(): Promise<void> { await this.inFlight; }

  routePrefix(hnp: Prefix, proxyCoa: string): void {
    // RFC 5213 §5.6.2: the LMA attracts the HNP's traffic with this route (FWD-04).
    if (this.quirks.has('lma-no-hnp-route')) return;
    if (this.name === 'seg6') {
      // The encapsulating route first: a packet sent round the pair before it is there would come
      // back to the main table and circle until its hop limit runs out.
      this.apply(`route replace ${hnp.text} encap seg6 mode encap.red segs ${proxyCoa} dev ${this.transport} table ${TABLE_ENCAP}`);
      this.apply(`route replace ${hnp.text} via ${HOP_IN_ADDRESS} dev ${HOP_OUT}`);
    } else {
      const keys = this.greKeys.get(hnp.text);
      const device = keys !== undefined && this.gre !== null ? this.gre.acquire(hnp.text, proxyCoa, keys) : this.tunnels.get(proxyCoa) ?? TUNNEL_DEVICE;
      this.apply(`route replace ${hnp.text} dev ${device}`);
    }
  }

  setGreKeys(hnp: Prefix, keys: GreKeys | null): void {
    if (keys === null) this.greKeys.delete(hnp.text);
    else this.greKeys.set(hnp.text, keys);
  }

  blackholePrefix(hnp: Prefix): void { this.apply(`route replace blackhole ${hnp.text}`); }

  removePrefix(hnp: Prefix): void {
    this.apply(`route del ${hnp.text}`);
    if (this.name === 'seg6') this.apply(`route del ${hnp.text} table ${TABLE_ENCAP}`);
    this.gre?.release(hnp.text);
  }
}

/**
 * RFC 5213 §6.10.5 with EnableMAGLocalRouting 0 (pmipd has no other setting): a packet from a
 * locally connected node that is not an MN (no uplink rule of its own) to an MN's prefix goes to
 * the LMA through the tunnel, like an MN's to another MN of this MAG (FWD-12, FWD-13).
 */
function localHostRule(op: 'add' | 'del', hnp: Prefix, iface: string, uplink: number): string {
  return `rule ${op} pref ${PREF_LOCAL_HOST} to ${hnp.text} iif ${iface} table ${uplink}`;
}

/**
 * MAG: source routing of MN traffic into the tunnel, HNP routes onto the access link, the session LLA.
 * Without a tunnel ('none') the access-link half still runs: the MN keeps its router's session
 * address (RAs, presence probes) and its traffic is refused rather than routed outside a tunnel.
 */
export class MagTunnelDataplane extends Base implements MagBackend {
  private readonly llaUsers = new Map<string, number>();
  private readonly ipv4: Ipv4Routes;

  constructor(ip: IpBatch, log: Logger, readonly name: BackendName | 'none', private readonly proxyCoa: string,
    private readonly lmaa: string, private readonly transport: string, private readonly fixedLinkLocal: { address: string; mac: string } | null,
    private readonly accessInterfaces: readonly string[], quirks: Quirks = new Quirks()) {
    super(ip, log, quirks);
    this.ipv4 = new Ipv4Routes(ip, log, name === 'tun', TABLE_UPLINK, PREF_UPLINK);
  }

  override async stop(afterFailedStart = false): Promise<void> {
    await this.ipv4.stop();
    await super.stop(afterFailedStart);
  }

  async start(): Promise<void> {
    this.sysctl('net.ipv6.conf.all.forwarding', 1);
    for (const a of this.accessInterfaces) {
      // The MAG is the MN's only router: no RAs of its own kernel, no redirects away from the tunnel.
      this.sysctl(`net.ipv6.conf.${a}.accept_ra`, 0);
      this.sysctl(`net.ipv6.conf.${a}.forwarding`, 1);
    }
    if (this.name === 'seg6') {
      await this.seg6Decap(this.proxyCoa, this.transport);
      await this.seg6ForwardingHop(this.proxyCoa, this.transport);
      await this.setup([
        `route add default via ${HOP_IN_ADDRESS} dev ${HOP_OUT} table ${TABLE_UPLINK}`,
        `route add default encap seg6 mode encap.red segs ${this.lmaa} dev ${this.transport} table ${TABLE_ENCAP}`,
      ], [`route flush table ${TABLE_UPLINK}`]);
    } else if (this.name === 'none') {
      await this.setup([`route add prohibit default table ${TABLE_UPLINK}`], [`route flush table ${TABLE_UPLINK}`]);
    } else {
      if (this.name === 'tun') {
        await this.openTun(this.proxyCoa, [{ device: TUNNEL_DEVICE, peer: this.lmaa }], this.transport);
      } else {
        await this.setup([
          `link add ${TUNNEL_DEVICE} type ip6tnl mode ip6ip6 local ${this.proxyCoa} remote ${this.lmaa} encaplimit none dev ${this.transport}`,
          ...noLinkLocal(TUNNEL_DEVICE),
          `link set ${TUNNEL_DEVICE} up`,
        ], [`link del ${TUNNEL_DEVICE}`]);
      }
      await this.setup([`route add default dev ${TUNNEL_DEVICE} table ${TABLE_UPLINK}`], [`route flush table ${TABLE_UPLINK}`]);
      await this.ipv4.startMag(TUNNEL_DEVICE);
    }
    // Link-local and multicast destinations from the MN stay on the link (ND, MLD, pings to the router).
    await this.setup([`route add throw fe80::/10 table ${TABLE_UPLINK}`, `route add throw ff00::/8 table ${TABLE_UPLINK}`], []);
    if (this.fixedLinkLocal !== null) {
      const fixed = this.fixedLinkLocal;
      for (const a of this.accessInterfaces) await this.setup(this.fixedAddressLines(a), [`addr del ${fixed.address}/64 dev ${a}`]);
    }
  }

  /**
   * RFC 6543: the same MAC and link-local address on every access link of every MAG. The kernel's
   * own link-local address goes (FIX-01): it would be the source of the kernel's Neighbor
   * Solicitations for the MNs' addresses.
   */
  fixedAddressLines(iface: string): string[] {
    if (this.fixedLinkLocal === null) return [];
    const dropOwn = this.quirks.has('mag-own-link-local') ? [] : [`link set dev ${iface} addrgenmode none`, `addr flush dev ${iface} scope link`];
    return [...dropOwn, `link set dev ${iface} address ${this.fixedLinkLocal.mac}`, `addr add ${this.fixedLinkLocal.address}/64 dev ${iface} nodad`];
  }

  /** A GRE session's uplink table (its tunnel as default route), made with its tunnel. */
  private greUplink(s: SessionRoute): number {
    if (s.gre === undefined || this.gre === null) return TABLE_UPLINK;
    const device = this.gre.acquire(sessionUser(s), s.lma, s.gre);
    const table = greUplinkTable(device);
    this.ip.run([`route replace default dev ${device} table ${table}`, `route replace throw fe80::/10 table ${table}`, `route replace throw ff00::/8 table ${table}`])
      .then((f) => { for (const x of f) this.log.error('dataplane-failed', { command: x.command, why: x.message }); }, () => undefined);
    return table;
  }

  async addSession(s: SessionRoute): Promise<void> {
    const uplink = this.greUplink(s);
    const lines: string[] = [];
    if (s.lla !== null && this.fixedLinkLocal === null) {
      const key = `${s.iface} ${s.lla}`;
      const n = this.llaUsers.get(key) ?? 0;
      this.llaUsers.set(key, n + 1);
      if (n === 0) lines.push(`addr replace ${s.lla}/64 dev ${s.iface} nodad`);
    }
    for (const h of s.hnps) {
      lines.push(`route replace ${h.text} dev ${s.iface}`);
      lines.push(`rule add pref ${PREF_UPLINK} from ${h.text} iif ${s.iface} table ${uplink}`);
      if (!this.quirks.has('local-host-routed-locally')) lines.push(localHostRule('add', h, s.iface, uplink));
    }
    await this.ip.runOrThrow(lines);
    const greDevice = uplink !== TABLE_UPLINK ? this.gre?.deviceOf(sessionUser(s)) : undefined;
    if (s.ipv4) await this.ipv4.addMnSession(s.iface, s.ipv4, s.ipv4AnySource === true, greDevice !== undefined ? { table: uplink, device: greDevice } : undefined);
  }

  async removeSession(s: SessionRoute): Promise<void> {
    const lines: string[] = [];
    const device = s.gre !== undefined ? this.gre?.deviceOf(sessionUser(s)) : undefined;
    const uplink = device !== undefined ? greUplinkTable(device) : TABLE_UPLINK;
    for (const h of s.hnps) {
      lines.push(`rule del pref ${PREF_UPLINK} from ${h.text} iif ${s.iface} table ${uplink}`);
      if (!this.quirks.has('local-host-routed-locally')) lines.push(localHostRule('del', h, s.iface, uplink));
      lines.push(`route del ${h.text} dev ${s.iface}`);
    }
    if (s.lla !== null && this.fixedLinkLocal === null) {
      const key = `${s.iface} ${s.lla}`;
      const n = (this.llaUsers.get(key) ?? 1) - 1;
      if (n <= 0) { this.llaUsers.delete(key); lines.push(`addr del ${s.lla}/64 dev ${s.iface}`); } else this.llaUsers.set(key, n);
    }
    if (device !== undefined) lines.push(`route flush table ${uplink}`);
    const done = this.ip.run(lines);
    // After those lines: the tunnel (and with a TUN device its routes) goes last.
    if (device !== undefined) this.gre!.release(sessionUser(s));
    const failures = await done;
    for (const f of failures) this.log.warn('dataplane-remove-failed', { command: f.command, why: f.message });
    if (s.ipv4) await this.ipv4.removeMnSession(s.iface, s.ipv4);
  }

  async transportMtuChanged(mtu: number): Promise<void> {
    if (this.name === 'none') return;
    // A tunnel device (or seg6's stand-in for one) keeps the MTU it was created with.
    const devices = this.name === 'seg6' ? [HOP_OUT, HOP_IN] : [TUNNEL_DEVICE];
    await this.ip.runOrThrow([...devices.map((d) => `link set ${d} mtu ${mtu - TUNNEL_OVERHEAD}`), ...this.gre?.mtuLines(mtu) ?? []]);
  }
}

/** Who holds a MAG session's GRE tunnel: the session's link and prefixes. */
function sessionUser(s: SessionRoute): string {
  return `${s.iface} ${s.hnps.map((h) => h.text).join(',')}`;
}

/** The LMA's `dataplane: none`: signalling only; every call is logged at debug level. */
export class NullDataplane implements LmaDataplane {
  readonly name = 'none';
  constructor(private readonly log: Logger) {}
  routePrefix(hnp: Prefix, proxyCoa: string): void { this.log.debug('dataplane-none', { route: hnp.text, via: proxyCoa }); }
  blackholePrefix(hnp: Prefix): void { this.log.debug('dataplane-none', { blackhole: hnp.text }); }
  removePrefix(hnp: Prefix): void { this.log.debug('dataplane-none', { remove: hnp.text }); }
  counters(): Record<string, number> { return {}; }
  async stop(): Promise<void> { /* nothing installed */ }
}
