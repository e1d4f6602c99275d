// The Trace: everything the checks read, with the lookups several of them share.
import { greKeyText, parsePrefixLoose, PrefixIndex, summarizeFrame } from '../../wire/index.js';
import { DATA_GRE, DATA_GRE_KEY, DATA_INNER_V4, DATA_OUTER_V4, DATA_TUNNELLED, DATA_UDP, type AddressTable, type DataTable } from './data-table.js';
import { pushTo } from './multimap.js';
import { sessionPrefixes } from './sessions.js';
import type {
  ArpFrame, CapturePoint, CapturePointKind, Dhcpv4Frame, Dhcpv6Frame, DomainSettings, EspFrame, Exchange, FrameRef, IkeFrame, MhFrame, NdFrame, Roles, Session,
  SettingProvenance, TestbedEvent,
} from './types.js';

export interface TraceParts {
  points: CapturePoint[];
  mh: MhFrame[];
  nd: NdFrame[];
  esp: EspFrame[];
  ike: IkeFrame[];
  dhcpv6: Dhcpv6Frame[];
  /** DHCPv4 and ARP toward IPv4 MNs (absent: none kept). */
  dhcpv4?: Dhcpv4Frame[];
  arp?: ArpFrame[];
  data: DataTable;
  addresses: AddressTable;
  exchanges: Exchange[];
  sessions: Session[];
  /** Exchanges that belong to no session (rejected first attempts, unmatched de-registrations...). */
  orphans: Exchange[];
  roles: Roles;
  settings: DomainSettings;
  /** Where each setting comes from: given, inferred (and the frames that showed it), or defaulted. */
  provenance: Record<keyof DomainSettings, SettingProvenance>;
  events: TestbedEvent[];
}

/** One line describing a kept Mobility Header, tcpdump-like. */
export function describeMh(f: MhFrame): string {
  const frame: Parameters<typeof summarizeFrame>[0] = { linkType: 0, mh: f.mh };
  if (f.ipv6) frame.ipv6 = f.ipv6;
  if (f.ipv4) frame.ipv4 = f.ipv4;
  if (f.udp) frame.udp = f.udp;
  if (f.protection) frame.esp = f.protection;
  const s = summarizeFrame(frame);
  return f.discarded === undefined ? s : `${s} [malformed, dropped by its receiver: ${f.discarded}]`;
}

/** One line describing a kept Neighbor Discovery message. */
export function describeNd(f: NdFrame): string {
  return summarizeFrame({
    linkType: 0, icmpv6: f.msg,
    ipv6: { src: f.src, dst: f.dst, hopLimit: f.hopLimit, nextHeader: 58, trafficClass: 0, flowLabel: 0, payloadLength: 0, extensionHeaders: [] },
  });
}

export class Trace implements TraceParts {
  readonly points!: CapturePoint[];
  readonly mh!: MhFrame[];
  readonly nd!: NdFrame[];
  readonly esp!: EspFrame[];
  readonly ike!: IkeFrame[];
  readonly dhcpv6!: Dhcpv6Frame[];
  readonly dhcpv4: Dhcpv4Frame[] = [];
  readonly arp: ArpFrame[] = [];
  readonly data!: DataTable;
  readonly addresses!: AddressTable;
  readonly exchanges!: Exchange[];
  readonly sessions!: Session[];
  readonly orphans!: Exchange[];
  readonly roles!: Roles;
  readonly settings!: DomainSettings;
  readonly provenance!: Record<keyof DomainSettings, SettingProvenance>;
  readonly events!: TestbedEvent[];
  private readonly sessionsById = new Map<number, Session[]>();
  private readonly sessionsByText = new Map<string, Session[]>();
  private prefixOwners?: PrefixIndex;
  private pointIndexes?: Map<string, number>;
  private ndByType?: Map<number, number[]>;
  private readonly ndLists = new Map<string, NdFrame[]>();
  private cachedSignalling?: MhFrame[];
  private cachedIutSignalling?: MhFrame[];
  private cachedMagExchanges?: Exchange[];

  constructor(parts: TraceParts) {
    Object.assign(this, parts);
  }

  /** Signalling of the IUTs: first sightings only, without crafted stimuli. */
  get signalling(): MhFrame[] {
    return (this.cachedSignalling ??= this.mh.filter((f) => f.duplicateOf === undefined));
  }

  /** Signalling the implementations under test sent: first sightings, not tester stimuli. */
  get iutSignalling(): MhFrame[] {
    return (this.cachedIutSignalling ??= this.mh.filter((f) => f.duplicateOf === undefined && !f.fromTester));
  }

  /** Exchanges whose PBU a MAG under test sent (not a tester). */
  get magExchanges(): Exchange[] {
    return (this.cachedMagExchanges ??= this.exchanges.filter((e) => !e.pbu.fromTester));
  }

  /**
   * Neighbor Discovery frames of these ICMPv6 types, in trace order (cached): a check that wants
   * the RAs of a capture with millions of ND frames does not walk them all again.
   */
  ndOfTypes(...types: number[]): NdFrame[] {
    const key = types.join(',');
    let list = this.ndLists.get(key);
    if (list === undefined) {
      if (this.ndByType === undefined) {
        const index = new Map<number, number[]>();
        this.nd.forEach((f, i) => pushTo(index, f.msg.type, i));
        this.ndByType = index;
      }
      const byType = this.ndByType;
      const at = types.flatMap((ty) => byType.get(ty) ?? []);
      if (types.length > 1) at.sort((a, b) => a - b);
      list = at.map((i) => this.nd[i]!);
      this.ndLists.set(key, list);
    }
    return list;
  }

  /** The same, seen on access links only (what the home-link checks and the ladder read). */
  ndOnAccess(...types: number[]): NdFrame[] {
    const key = `access ${types.join(',')}`;
    let list = this.ndLists.get(key);
    if (list === undefined) {
      list = this.pointsOf('access').length === 0 ? [] : this.ndOfTypes(...types).filter((f) => this.points[this.pointIndex(f.ref.point)]!.kind === 'access');
      this.ndLists.set(key, list);
    }
    return list;
  }

  get start(): number {
    return Math.min(...this.points.map((p) => p.firstTime ?? Infinity));
  }

  get end(): number {
    return Math.max(...this.points.map((p) => p.lastTime ?? -Infinity));
  }

  pointIndex(name: string): number {
    this.pointIndexes ??= new Map(this.points.map((p, i) => [p.name, i]));
    return this.pointIndexes.get(name) ?? -1;
  }

  pointsOf(kind: CapturePointKind): CapturePoint[] {
    return this.points.filter((p) => p.kind === kind);
  }

  pointKind(index: number): CapturePointKind {
    return this.points[index]!.kind;
  }

  /** Access links served by a MAG. */
  accessPointsOf(mag: string): CapturePoint[] {
    return this.points.filter((p) => p.kind === 'access' && p.mag === mag);
  }

  dataRef(i: number): FrameRef {
    return { point: this.points[this.data.point[i]!]!.name, frame: this.data.frame[i]!, time: this.data.time[i]! };
  }

  /** The sessions whose prefixes hold the address with this interned id (cached: do not modify). */
  sessionsOfAddressId(id: number): Session[] {
    let s = this.sessionsById.get(id);
    if (s === undefined) this.sessionsById.set(id, s = this.sessionsOfAddress(this.addresses.text(id)));
    return s;
  }

  /** The sessions whose prefixes hold the address, in session order (cached: do not modify). */
  sessionsOfAddress(text: string): Session[] {
    let s = this.sessionsByText.get(text);
    if (s === undefined) {
      if (this.prefixOwners === undefined) {
        const index = new PrefixIndex();
        this.sessions.forEach((x, i) => {
          for (const text of sessionPrefixes(x)) {
            const p = parsePrefixLoose(text);
            if (p !== null) index.add(p, i);
          }
        });
        this.prefixOwners = index;
      }
      s = this.prefixOwners.ownersOf(text).map((i) => this.sessions[i]!);
      this.sessionsByText.set(text, s);
    }
    return s;
  }

  /** "MAG1", "LMA", "MN mn1@example.com"...: the node an address belongs to, for diagrams and evidence. */
  nodeName(address: string): string {
    const mi = this.roles.mags.indexOf(address);
    if (mi >= 0) return `MAG${mi + 1}`;
    const li = this.roles.lmas.indexOf(address);
    if (li >= 0) return this.roles.lmas.length > 1 ? `LMA${li + 1}` : 'LMA';
    if (this.roles.testers.includes(address)) return 'TESTER';
    const s = this.sessionsOfAddress(address);
    if (s.length > 0) return `MN ${s[0]!.mnId}`;
    return address;
  }

  /** One line describing a kept frame, tcpdump-like. */
  describeMh(f: MhFrame): string {
    return describeMh(f);
  }

  describeNd(f: NdFrame): string {
    return describeNd(f);
  }

  describeData(i: number): string {
    const d = this.data, a = this.addresses;
    const inner = `${a.text(d.innerSrc[i]!)} > ${a.text(d.innerDst[i]!)} hlim ${d.hopLimit[i]}`;
    if (!(d.flags[i]! & DATA_TUNNELLED)) return inner;
    if (d.flags[i]! & DATA_GRE) {
      return `IP6-in-GRE${greKeyText(d.flags[i]! & DATA_GRE_KEY ? d.greKey[i] : undefined)}-in-IP6 ${a.text(d.outerSrc[i]!)} > ${a.text(d.outerDst[i]!)} [${inner}]`;
    }
    if (d.flags[i]! & DATA_OUTER_V4) {
      // RFC 5844 §4: over an IPv4 transport, plain or in UDP 5437.
      return `${d.flags[i]! & DATA_INNER_V4 ? 'IP4' : 'IP6'}-in-${d.flags[i]! & DATA_UDP ? 'UDP-5437-in-' : ''}IP4 ${a.text(d.outerSrc[i]!)} > ${a.text(d.outerDst[i]!)} [${inner}]`;
    }
    return `IP6-in-IP6 ${a.text(d.outerSrc[i]!)} > ${a.text(d.outerDst[i]!)} [${inner}]`;
  }
}
