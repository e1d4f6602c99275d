// tcpdump-like one-line summaries of decoded frames, with every mobility option spelled out, for
// `pmip-testbed decode` and for check reports. Not on the hot path: clarity over speed.
import type { DecodedFrame, DecodedPacket } from './frame.js';
import type { Icmpv6Message, NdOption } from './icmpv6.js';
import type { ArpPacket } from './link.js';
import type { ExtensionHeader, Ipv6Option } from './ipv6.js';
import type { EspLayer } from './esp.js';
import { dhcpv6Summary } from './dhcpv6.js';
import { dhcpv4Summary } from './dhcpv4.js';
import { beyondHeaderText, type MobilityHeader } from './mh.js';
import type { KnownMobilityOption, MobilityOption, RawOption } from './mh-options.js';

/** "src > dst: what" for one frame; tunnels nest as "IP6-in-IP6 outer-src > outer-dst [inner]". */
export function summarizeFrame(f: DecodedFrame): string {
  let s = '';
  if (f.link?.kind === 'ethernet' && f.link.vlans.length > 0) s = `vlan ${f.link.vlans.map((v) => v.vid).join('.')} `;
  if (f.arp) s += arpSummary(f.arp);
  else if (f.ipv6 || f.ipv4) s += packetSummary(f);
  else if (f.payload) s += `ethertype 0x${f.payload.protocol.toString(16).padStart(4, '0')} length ${f.payload.length}`;
  else s += f.link ? f.link.kind : `linktype ${f.linkType}`;
  if (f.malformed !== undefined) s += ` [malformed ${f.malformed}]`;
  return s;
}

function arpSummary(a: ArpPacket): string {
  if (a.senderIp !== undefined && a.operation === 1) return `ARP who-has ${a.targetIp} tell ${a.senderIp}`;
  if (a.senderIp !== undefined && a.operation === 2) return `ARP ${a.senderIp} is-at ${a.senderMac}`;
  return `ARP ${a.name}`;
}

/** "(key 0x1234abcd)", or nothing for GRE without a key. */
export function greKeyText(key: number | undefined): string {
  return key === undefined ? '' : `(key 0x${key.toString(16).padStart(8, '0')})`;
}

function packetSummary(p: DecodedPacket): string {
  const ip = p.ipv6 ?? p.ipv4;
  if (!ip) return '';
  const ext = p.ipv6 ? extensionSummary(p.ipv6.extensionHeaders, p.esp) : '';
  if (p.inner) {
    const inner = p.inner.ipv6 ? 'IP6' : p.inner.ipv4 ? 'IP4' : 'IP';
    const outer = p.udp ? `UDP${p.ipv6 ? 6 : 4}` : p.gre ? `GRE${greKeyText(p.gre.key)}-in-${p.ipv6 ? 'IP6' : 'IP4'}` : p.ipv6 ? 'IP6' : 'IP4';
    return `${inner}-in-${outer} ${ip.src} > ${ip.dst}${ext} [${packetSummary(p.inner)}]`;
  }
  let s = `${ip.src} > ${ip.dst}:${ext}`;
  if (p.ipv4 && !p.ipv4.checksumOk) s += ' [bad ip checksum]';
  return `${s} ${upperSummary(p)}`.trimEnd();
}

function upperSummary(p: DecodedPacket): string {
  if (p.icmpv6) return `ICMP6 ${icmpv6Summary(p.icmpv6)}`;
  if (p.udp) {
    let s = `UDP ${p.udp.srcPort} > ${p.udp.dstPort}`;
    if (!p.udp.checksumOk && p.udp.malformed === undefined) s += ' [bad udp checksum]';
    if (p.ike) return `${s} IKEv2 ${p.ike.exchangeName} ${p.ike.flags.R ? 'response' : 'request'} mid ${p.ike.messageId}`;
    if (p.esp) return `${s} (${espSummary(p.esp)})${p.mh || p.icmpv6 ? ` ${upperSummary({ ...p, udp: undefined } as DecodedPacket)}` : ''}`;
    if (p.mh) s += ` ${mhSummary(p.mh)}`;
    else if (p.dhcpv6) s += ` ${dhcpv6Summary(p.dhcpv6)}`;
    else if (p.dhcpv4) s += ` ${dhcpv4Summary(p.dhcpv4)}`;
    else s += ` length ${p.udp.length - 8}`;
    return s;
  }
  if (p.mh) return mhSummary(p.mh);
  if (p.tcp) return `TCP ${p.tcp.srcPort} > ${p.tcp.dstPort}`;
  if (p.payload) return `proto ${p.payload.protocol} length ${p.payload.length}`;
  return '';
}

// ---------------------------------------------------------------------------------------------
// IPv6 extension headers

function hex32(n: number): string {
  return `0x${n.toString(16).padStart(8, '0')}`;
}

function ipv6OptionSummary(o: Ipv6Option): string {
  switch (o.name) {
    case 'pad1': case 'padn': return '';
    case 'tunnel-encap-limit': return ` encap-limit ${o.limit}`;
    case 'home-address': return ` HoA ${o.address}`;
    case 'router-alert': return ` router-alert ${o.value}`;
    case 'jumbo': return ` jumbo ${o.payloadLength}`;
    default: return ` opt-${o.type}`;
  }
}

/** "ESP spi=0x00001001 seq=3 null-sha256 icv ok": how a protected message shows in reports and ladders. */
export function espSummary(e: Pick<EspLayer, 'spi' | 'sequence' | 'alg' | 'icv' | 'payloadLength' | 'note'>): string {
  let s = `ESP spi=${hex32(e.spi)} seq=${e.sequence}`;
  if (e.payloadLength === undefined) return `${s} [${e.note ?? 'payload not read'}]`;
  if (e.alg !== undefined) s += ` ${e.alg}`;
  return `${s} ${e.icv === 'verified' ? 'icv ok' : e.icv === 'failed' ? 'ICV FAILED' : 'icv not verified'}`;
}

function extensionSummary(exts: readonly ExtensionHeader[], esp?: EspLayer): string {
  let s = '';
  for (const e of exts) {
    switch (e.name) {
      case 'hop-by-hop': s += ` (HBH${e.options.map(ipv6OptionSummary).join('')})`; break;
      case 'destination-options': s += ` (DSTOPT${e.options.map(ipv6OptionSummary).join('')})`; break;
      case 'routing':
        if (e.homeAddress !== undefined) s += ` (RH2 home ${e.homeAddress})`;
        else if (e.segments !== undefined) s += ` (SRH left ${e.segmentsLeft} [${e.segments.join(',')}])`;
        else s += ` (RH${e.routingType} left ${e.segmentsLeft})`;
        break;
      case 'fragment': s += ` (frag id ${hex32(e.identification)} offset ${e.offset}${e.more ? ' more' : ''})`; break;
      case 'ah': s += ` (AH spi ${hex32(e.spi)} seq ${e.sequence})`; break;
      case 'esp': s += ` (${espSummary(esp ?? { spi: e.spi, sequence: e.sequence, icv: 'unknown' })})`; break;
    }
  }
  return s;
}

// ---------------------------------------------------------------------------------------------
// ICMPv6

function ndOptionSummary(o: NdOption): string {
  switch (o.name) {
    case 'source-link-layer': return ` [SLLA ${o.address}]`;
    case 'target-link-layer': return ` [TLLA ${o.address}]`;
    case 'prefix-information': {
      const flags = `${o.onLink ? 'L' : ''}${o.autonomous ? 'A' : ''}${o.router ? 'R' : ''}`;
      return ` [PIO ${o.prefix}${flags ? ` ${flags}` : ''} valid ${o.validLifetime} pref ${o.preferredLifetime}]`;
    }
    case 'mtu': return ` [MTU ${o.mtu}]`;
    case 'route-information': return ` [RIO ${o.prefix} prf ${o.preference} lifetime ${o.routeLifetime}]`;
    case 'rdnss': return ` [RDNSS ${o.servers.join(',')} lifetime ${o.lifetime}]`;
    case 'nonce': return ` [nonce ${o.nonce}]`;
    default: return ` [${o.name === 'unknown' ? `opt-${o.type}` : o.name} length ${o.length}]`;
  }
}

function flagLetters(pairs: readonly [boolean, string][]): string {
  const set = pairs.filter(([on]) => on).map(([, l]) => l);
  return set.length > 0 ? ` ${set.join(' ')}` : '';
}

function icmpv6Summary(m: Icmpv6Message): string {
  let s: string;
  switch (m.name) {
    case 'RS': s = 'RS'; break;
    case 'RA':
      s = `RA lifetime ${m.routerLifetime}${flagLetters([[m.managed, 'M'], [m.other, 'O'], [m.homeAgent, 'H']])}`;
      if (m.prf !== 'medium') s += ` prf ${m.prf}`;
      break;
    case 'NS': s = `NS who-has ${m.target}`; break;
    case 'NA': s = `NA tgt ${m.target}${flagLetters([[m.router, 'R'], [m.solicited, 'S'], [m.override, 'O']])}`; break;
    case 'redirect': s = `redirect ${m.destination} to ${m.target}`; break;
    case 'echo-request': case 'echo-reply': s = `${m.name.replace('-', ' ')} id ${m.id} seq ${m.seq}`; break;
    case 'dest-unreachable': case 'packet-too-big': case 'time-exceeded': case 'parameter-problem':
      s = m.name.replaceAll('-', ' ');
      if (m.mtu !== undefined) s += ` mtu ${m.mtu}`;
      else s += ` ${m.codeName}`;
      if (m.pointer !== undefined) s += ` pointer ${m.pointer}`;
      if (m.invoking) s += ` [${packetSummary(m.invoking)}]`;
      break;
    case 'mld-query': case 'mld-report': case 'mld-done': s = `${m.name} ${m.multicastAddress}`; break;
    case 'mldv2-report': s = `mldv2-report ${m.recordCount} records`; break;
    default: s = `type ${m.type} code ${m.code}`;
  }
  if ('options' in m) s += m.options.map(ndOptionSummary).join('');
  if (!m.checksumOk) s += ' [bad icmp6 checksum]';
  return s;
}

// ---------------------------------------------------------------------------------------------
// Mobility Header

const HANDOFF_LABELS: Readonly<Record<number, string>> = {
  1: 'new-interface', 2: 'inter-interface', 3: 'inter-mag', 4: 'unknown', 5: 'not-changed', 6: 'new-interface-shared',
};
const ACCESS_LABELS: Readonly<Record<number, string>> = {
  1: 'virtual', 2: 'ppp', 3: '802.3', 4: '802.11', 5: '802.16e', 6: 'geran', 7: 'utran', 8: 'e-utran',
  9: 'ehrpd', 10: 'hrpd', 11: '1xrtt', 12: 'umb', 13: 'nb-iot',
};

function colonHex(hex: string): string {
  let s = '';
  for (let i = 0; i < hex.length; i += 2) s += (i > 0 ? ':' : '') + hex.slice(i, i + 2);
  return s;
}

function mobilityOptionSummary(o: MobilityOption): string {
  if (o.malformed !== undefined) return ` [${o.name} malformed length ${o.length}]`;
  // A well-formed option of a known type has that type's layout; any other type is a RawOption.
  const k = o as KnownMobilityOption;
  switch (k.type) {
    case 0: return '';
    case 1: return k.nonZero ? ' [PadN non-zero]' : '';
    case 2: return ` [BRA ${k.interval * 4}s]`;
    case 3: return ` [ACoA ${k.address}]`;
    case 8: return ` [MN-ID ${k.subtypeName.toLowerCase()} ${k.id}]`;
    case 19: return ` [VSO vendor ${k.vendorId} subtype ${k.subtype}${k.data ? ` ${k.data}` : ''}]`;
    case 22: return ` [HNP ${k.prefix}]`;
    case 23: return ` [HI ${k.value} ${HANDOFF_LABELS[k.value] ?? k.valueName.toLowerCase()}]`;
    case 24: return ` [ATT ${k.value} ${ACCESS_LABELS[k.value] ?? k.valueName.toLowerCase()}]`;
    case 25: return ` [MN-LL-ID ${colonHex(k.id)}]`;
    case 26: return ` [LLA ${k.address}]`;
    case 27: return ` [TS ${k.iso}${k.ntpIso !== undefined ? ` (NTP reading ${k.ntpIso})` : ''}]`;
    case 28: return ` [RC ${k.value}]`;
    case 31: return ` [NAT-DETECT${k.F ? ' F' : ''} refresh ${k.refreshTime}s]`;
    case 32: return ` [IPv4-CoA ${k.address}]`;
    case 33: return ` [GRE-KEY ${k.key ?? 'request'}]`;
    case 36: return ` [IPv4-HoA-Req ${k.address}/${k.prefixLength}]`;
    case 37: return ` [IPv4-HoA-Rep ${k.status} ${k.address}/${k.prefixLength}]`;
    case 38: return ` [IPv4-DR ${k.address}]`;
    case 39: return ` [IPv4-DHCP ${k.S ? 'server' : 'relay'}]`;
    case 50: return ` [MN-Group-ID ${k.groupId}]`;
    default: {
      const raw = o as RawOption;
      return ` [${raw.name}${raw.data ? ` ${raw.data}` : ''}]`;
    }
  }
}

function mhSummary(m: MobilityHeader): string {
  let s: string;
  switch (m.type) {
    case 5: {
      const f = m.flags;
      s = `${m.name} seq ${m.seq}${flagLetters([[f.A, 'A'], [f.H, 'H'], [f.L, 'L'], [f.K, 'K'], [f.M, 'M'], [f.R, 'R'],
        [f.P, 'P'], [f.F, 'F'], [f.T, 'T'], [f.B, 'B'], [f.S, 'S'], [f.D, 'D']])} lifetime ${m.lifetime}s`;
      break;
    }
    case 6: {
      const f = m.flags;
      s = `${m.name} seq ${m.seq} status ${m.status} ${m.statusName}${flagLetters([[f.K, 'K'], [f.R, 'R'], [f.P, 'P'],
        [f.T, 'T'], [f.B, 'B'], [f.S, 'S'], [f.D, 'D']])} lifetime ${m.lifetime}s`;
      break;
    }
    case 7: s = `BE status ${m.status} ${m.statusName} home ${m.homeAddress}`; break;
    case 13: s = `Heartbeat ${m.flags.R ? 'response' : 'request'}${m.flags.U ? ' U' : ''} seq ${m.seq}`; break;
    case 16:
      s = `${m.name} seq ${m.seq}`;
      if ('triggerName' in m) s += ` trigger ${m.trigger} ${m.triggerName}`;
      else if ('statusName' in m) s += ` status ${m.status} ${m.statusName}`;
      s += flagLetters([[m.flags.P, 'P'], [m.flags.V, 'V'], [m.flags.G, 'G']]);
      break;
    case 19: s = `UPN seq ${m.seq} reason ${m.reason} ${m.reasonName}${flagLetters([[m.flags.A, 'A'], [m.flags.D, 'D']])}`; break;
    case 20: s = `UPA seq ${m.seq} status ${m.status} ${m.statusName}`; break;
    default: s = m.name;
  }
  s += m.options.map(mobilityOptionSummary).join('');
  for (const o of m.beyondHeader ?? []) {
    const one = mobilityOptionSummary(o) || ` [${o.name}]`;
    s += `${one.slice(0, -1)}: ${beyondHeaderText(m, o)}]`;
  }
  if (m.checksumOk === false) s += m.checksumOkOverCarried ? ' [bad mh checksum for Header Len, right over the whole IPv6 payload]' : ' [bad mh checksum]';
  return s;
}
