// Pure-logic fixtures for pmipd: a domain config, an LMA and a MAG core in virtual time, with
// their output captured as bytes and decoded, and data-plane calls recorded.
import {
  decodeIcmpv6, decodeMobilityHeader, encodeMobilityHeader, parseIpv6, timestampFromDate,
  type BindingAck, type BindingUpdate, type Icmpv6Message, type MobilityHeader, type MobilityHeaderSpec,
  type MobilityOptionSpec, type Prefix,
} from '../../wire/index.js';
import { VirtualClock } from '../../pmipd/clock.js';
import { readDomainConfig, type DomainConfig } from '../../pmipd/config.js';
import { Counters, Logger } from '../../pmipd/log.js';
import { LmaCore, type LmaDataplane } from '../../pmipd/lma/lma-core.js';
import { PolicyStore } from '../../pmipd/lma/policy.js';
import { MagCore, type HandoverKnowledge, type MagDataplane, type SessionRoute } from '../../pmipd/mag/mag-core.js';
import { Quirks } from '../../pmipd/quirks.js';
import type { RestartState } from '../../pmipd/restart-state.js';
import { YamlSource } from '../../harness/yaml-located.js';

export const LMAA = '2001:db8:1::1';
export const MAG1 = '2001:db8:1::11';
export const MAG2 = '2001:db8:1::12';
export const ROGUE = '2001:db8:1::99';

export const DOMAIN_YAML = `
timestamps: true
dataplane: none
lma:
  name: lma1
  address: ${LMAA}
  prefixPool: [2001:db8:a000::/62]
  maxLifetime: 3600
mag:
  lifetime: 400
  routerAdvertisementInterval: 5000
  presenceInterval: 0
mags:
  - { name: mag1, address: ${MAG1}, accessInterfaces: [acc1] }
  - { name: mag2, address: ${MAG2}, accessInterfaces: [acc2] }
mobileNodes:
  - { nai: mn1@pmip.example, mac: "02:00:00:00:01:01" }
  - { nai: mn2@pmip.example, mac: "02:00:00:00:01:02" }
  - { nai: mn3@pmip.example, mac: "02:00:00:00:01:03", prefixes: [2001:db8:f00d::/64] }
  - { nai: off@pmip.example, mac: "02:00:00:00:01:04", proxyMobility: false }
  - { nai: only2@pmip.example, mac: "02:00:00:00:01:05", mags: [mag2] }
`;

export function domain(patch: (yaml: string) => string = (y) => y): DomainConfig {
  return readDomainConfig(YamlSource.fromText(patch(DOMAIN_YAML), 'test-domain.yaml'));
}

export const silentLog = (clock: VirtualClock, role: string): Logger => new Logger(clock, role, 'error', () => undefined);

export class RecordingLmaDataplane implements LmaDataplane {
  readonly ops: string[] = [];
  routePrefix(hnp: Prefix, proxyCoa: string): void { this.ops.push(`route ${hnp.text} via ${proxyCoa}`); }
  blackholePrefix(hnp: Prefix): void { this.ops.push(`blackhole ${hnp.text}`); }
  removePrefix(hnp: Prefix): void { this.ops.push(`remove ${hnp.text}`); }
}

export interface Sent { bytes: Uint8Array; dst: string; msg: MobilityHeader }

export class LmaHarness {
  readonly clock = new VirtualClock();
  readonly counters = new Counters();
  readonly dp = new RecordingLmaDataplane();
  readonly sent: Sent[] = [];
  readonly core: LmaCore;
  readonly cfg: DomainConfig;

  constructor(opts: { quirks?: string[]; cfg?: DomainConfig; restart?: RestartState; forcedUdp?: { refusesForcedUdp(src: string): boolean } } = {}) {
    this.cfg = opts.cfg ?? domain();
    this.core = new LmaCore({
      settings: this.cfg.lma, policy: new PolicyStore(this.cfg.mobileNodes, this.cfg.mags), clock: this.clock,
      dataplane: this.dp, quirks: new Quirks(opts.quirks ?? [], 'lma'), log: silentLog(this.clock, 'lma'),
      counters: this.counters, heartbeat: this.cfg.heartbeat, revocation: this.cfg.revocation, updateNotifications: this.cfg.updateNotifications, greKeys: this.cfg.greKeys, ...(opts.restart !== undefined ? { restart: opts.restart } : {}),
      ...(this.cfg.offload !== null ? { offload: this.cfg.offload.ipv4 } : {}),
      ...(opts.forcedUdp !== undefined ? { forcedUdp: opts.forcedUdp } : {}),
      send: (bytes, dst) => this.sent.push({ bytes, dst, msg: decodeMobilityHeader(bytes, 0, bytes.length) }),
    });
  }

  /** Delivers a PBU from `src`; returns the PBA sent in reply, if any. */
  pbu(spec: PbuSpec, src = MAG1): BindingAck | undefined {
    const before = this.sent.length;
    this.core.receive(encodeMobilityHeader(pbuSpec(spec, this.clock.wallMs())), src);
    const reply = this.sent.slice(before).find((s) => s.msg.type === 6);
    return reply?.msg as BindingAck | undefined;
  }

  lastPba(): BindingAck { return this.sent.filter((s) => s.msg.type === 6).at(-1)!.msg as BindingAck; }
}

/** A PBU the way a well-behaved MAG builds it; `omit` leaves options out, `extra` adds some. */
export interface PbuSpec {
  seq?: number;
  mnId?: string;
  hnps?: string[];
  hi?: number;
  att?: number;
  llId?: string;
  lla?: string;
  lifetimeUnits?: number;
  /** Timestamp offset from the LMA clock, ms; null = no Timestamp option. */
  tsOffsetMs?: number | null;
  tsWallMs?: number;
  omit?: number[];
  extra?: MobilityOptionSpec[];
  flags?: { A?: boolean; P?: boolean; F?: boolean };
}

export function pbuSpec(s: PbuSpec, wallMs: number): MobilityHeaderSpec {
  const omit = new Set(s.omit ?? []);
  const options: MobilityOptionSpec[] = [];
  if (!omit.has(8)) options.push({ type: 8, subtype: 1, id: s.mnId ?? 'mn1@pmip.example' });
  if (!omit.has(22)) for (const h of s.hnps ?? ['::/0']) options.push({ type: 22, prefix: h });
  if (!omit.has(23)) options.push({ type: 23, value: s.hi ?? 1 });
  if (!omit.has(24)) options.push({ type: 24, value: s.att ?? 3 });
  if (!omit.has(25) && s.llId !== undefined) options.push({ type: 25, id: s.llId });
  if (!omit.has(26)) options.push({ type: 26, address: s.lla ?? '::' });
  if (!omit.has(27) && s.tsOffsetMs !== null) {
    const ts = timestampFromDate(s.tsWallMs ?? wallMs + (s.tsOffsetMs ?? 0));
    options.push({ type: 27, seconds: ts.seconds, fraction: ts.fraction });
  }
  options.push(...(s.extra ?? []));
  return {
    type: 5, seq: s.seq ?? 1, flags: { A: s.flags?.A ?? true, P: s.flags?.P ?? true, F: s.flags?.F ?? false },
    lifetimeUnits: s.lifetimeUnits ?? 100, options, autoPad: true,
  };
}

export class RecordingMagDataplane implements MagDataplane {
  readonly ops: string[] = [];
  /** Every session added, as asked for. */
  readonly added: SessionRoute[] = [];
  async addSession(s: SessionRoute): Promise<void> { this.added.push(s); this.ops.push(`add ${s.iface} ${s.hnps.map((p) => p.text).join(',')} lla=${s.lla}`); }
  async removeSession(s: SessionRoute): Promise<void> { this.ops.push(`remove ${s.iface} ${s.hnps.map((p) => p.text).join(',')}`); }
  async transportMtuChanged(mtu: number): Promise<void> { this.ops.push(`transport mtu ${mtu}`); }
}

export interface SentIcmp { iface: string; dst: string; src: string | null; msg: Icmpv6Message }

export const MN1_MAC = '02:00:00:00:01:01';
export const MN1_LL = 'fe80::ff:fe00:101';

export class MagHarness {
  readonly clock = new VirtualClock();
  readonly counters = new Counters();
  readonly dp = new RecordingMagDataplane();
  readonly mh: Sent[] = [];
  readonly icmp: SentIcmp[] = [];
  readonly core: MagCore;
  readonly cfg: DomainConfig;
  /** Link-local addresses of MNs on the link: a presence probe (NS) for one is answered at once. */
  readonly present = new Set<string>();
  /** Interface MTUs (1500 unless set). */
  readonly mtus = new Map<string, number>();

  constructor(opts: { quirks?: string[]; cfg?: DomainConfig; mag?: string; knowledge?: HandoverKnowledge; restart?: RestartState } = {}) {
    this.cfg = opts.cfg ?? domain();
    const self = this.cfg.mags.find((m) => m.name === (opts.mag ?? 'mag1'))!;
    this.core = new MagCore({
      self, domain: this.cfg,
      links: new Map(self.accessInterfaces.map((i) => [i, { iface: i, mac: '02:aa:00:00:00:01' }])),
      clock: this.clock, dataplane: this.dp, quirks: new Quirks(opts.quirks ?? [], 'mag'),
      log: silentLog(this.clock, 'mag'), counters: this.counters,
      ...(opts.knowledge !== undefined ? { handoverKnowledge: opts.knowledge } : {}),
      ...(opts.restart !== undefined ? { restart: opts.restart } : {}),
      io: {
        sendMh: (bytes, dst) => this.mh.push({ bytes, dst, msg: decodeMobilityHeader(bytes, 0, bytes.length) }),
        sendIcmp: (iface, bytes, dst, src) => {
          const addrs = new Uint8Array(32);
          addrs.set(parseIpv6(src ?? 'fe80::1'), 0);
          addrs.set(parseIpv6(dst), 16);
          const msg = decodeIcmpv6(bytes, 0, bytes.length, { addrBuf: addrs, srcOff: 0, dstOff: 16 })!;
          this.icmp.push({ iface, dst, src, msg });
          // The NA comes back in the same virtual instant, once the probe is on record.
          if (msg.name === 'NS' && this.present.has(msg.target)) this.clock.setTimer(0, () => this.core.onNeighborAdvertisement(iface, msg.target));
        },
        mtu: (iface) => this.mtus.get(iface) ?? 1500,
      },
    });
  }

  pbus(): BindingUpdate[] { return this.mh.filter((s) => s.msg.type === 5).map((s) => s.msg as BindingUpdate); }
  lastPbu(): BindingUpdate { return this.pbus().at(-1)!; }
  ras(): SentIcmp[] { return this.icmp.filter((s) => s.msg.name === 'RA'); }

  /** An RS from MN1 on acc1 (EUI-64 link-local, SLLA option). */
  rs(mac = MN1_MAC, iface = 'acc1', src = MN1_LL): void {
    this.core.onRouterSolicitation(iface, src, mac, null);
  }

  /** Answers the last PBU the way a conforming LMA does; `patch` edits the PBA first. */
  answer(status = 0, patch: (spec: MobilityHeaderSpec & { type: 6 }) => void = () => undefined): void {
    const pbu = this.lastPbu();
    const opts = pbu.options.filter((o) => o.type !== 0 && o.type !== 1).map((o): MobilityOptionSpec => {
      if (o.type === 22 && status === 0 && (o as { prefix: string }).prefix === '::/0') return { type: 22, prefix: '2001:db8:a000::/64' };
      if (o.type === 26 && (o as { address: string }).address === '::') return { type: 26, address: 'fe80::1234' };
      return o as MobilityOptionSpec;
    });
    const spec = { type: 6 as const, status, flags: { P: true }, seq: pbu.seq, lifetimeUnits: pbu.lifetimeUnits, options: opts, autoPad: true };
    patch(spec);
    this.core.receive(encodeMobilityHeader(spec), LMAA);
  }
}

/** The fixture's domain with RFC 5847 Heartbeat on (30 s, 3 missed allowed). */
export const heartbeatDomain = (): DomainConfig => domain((y) => `${y}heartbeat: { interval: 30, missingAllowed: 3 }\n`);

/** The fixture's domain with RFC 5846 Binding Revocation on. */
export const revocationDomain = (): DomainConfig => domain((y) => `${y}revocation: true\n`);

/** The fixture's domain with RFC 7077 Update Notifications on. */
export const notificationDomain = (): DomainConfig => domain((y) => `${y}updateNotifications: true\n`);

/** A domain with RFC 5845 GRE keys. */
export const greDomain = (): DomainConfig => domain((y) => `${y}greKeys: true\n`);
/** RFC 5844: an IPv4 HoA pool; mn1 dual-stack, v4only@ IPv4-only, fixed4@ with a fixed IPv4 HoA (mn2 stays IPv6-only). */
export const V4ONLY = 'v4only@pmip.example';
export const V4ONLY_MAC = '02:00:00:00:01:06';
export const ipv4Domain = (): DomainConfig => domain(ipv4Yaml);
function ipv4Yaml(y: string): string {
  return `${y
  .replace('  maxLifetime: 3600\n', '  maxLifetime: 3600\n  ipv4Pool: 10.64.0.0/16\n')
  .replace('{ nai: mn1@pmip.example, mac: "02:00:00:00:01:01" }', '{ nai: mn1@pmip.example, mac: "02:00:00:00:01:01", ipv4: dynamic }')
}  - { nai: ${V4ONLY}, mac: "${V4ONLY_MAC}", ipv4: dynamic, ipv6: false }
  - { nai: fixed4@pmip.example, mac: "02:00:00:00:01:07", ipv4: 10.99.0.7/24 }
`;
}

/** RFC 6909: the IPv4 domain with one offload selector (198.51.100.0/24) and a breakout at mag1. */
export const offloadDomain = (): DomainConfig => domain((y) => `${ipv4Yaml(y)}offload:
  ipv4: [{ dst: 198.51.100.0/24 }]
  mags: { mag1: { interface: brk0, address: 100.64.1.2/24, gateway: 100.64.1.1 } }
`);

/** A UPN from the LMA into a MAG core. */
export function upnTo(core: { receive(buf: Uint8Array, src: string): void }, seq: number, reason: number, flags: { A?: boolean; D?: boolean } = {}, mnId = 'mn1@pmip.example'): void {
  core.receive(encodeMobilityHeader({ type: 19, seq, reason, flags, options: [{ type: 8, subtype: 1, id: mnId }], autoPad: true }), LMAA);
}

/** A Heartbeat from `src` into a core (LMA or MAG). */
export function heartbeatTo(core: { receive(buf: Uint8Array, src: string): void }, src: string, seq: number, flags: { R?: boolean; U?: boolean } = {}, counter?: number): void {
  core.receive(encodeMobilityHeader({ type: 13, seq, flags, options: counter === undefined ? [] : [{ type: 28, value: counter }], autoPad: true }), src);
}

/** Lets the promise chains of the recording data plane run. */
export const settle = (): Promise<void> => new Promise((r) => setImmediate(r));
