// Synthetic PMIPv6 traces for the check tests: a "golden" domain where every passive check that
// applies passes, described as frame specs that a test mutates (drop a flag, move a frame, change
// a prefix) before they are encoded with the wire encoders and fed to the TraceBuilder.
import {
  encodeEsp, encodeEthernet, encodeGre, GRE_PROTOCOL_IPV6, encodeIcmpv6, encodeIke, encodeIpv6, encodeMobilityHeader, encodeUdp, espSaFrom, ipv6PseudoChecksum, parseIpv6,
  timestampFromDate, ETHERTYPE_IPV6, IPPROTO_MH, LINKTYPE_ETHERNET, UDP_PORT_IKE, type EspAlgorithm, type EspSa, type ExtensionHeaderSpec,
  encodeDhcpv6, type Dhcpv6Message, type Icmpv6Spec, type MobilityHeaderSpec, type MobilityOptionSpec,
} from '../../wire/index.js';
import { join } from 'node:path';
import { createPcapWriter } from '../../harness/capture/pcap-writer.js';
import { TraceBuilder, type CapturePointKind, type Trace, type TraceOptions } from '../../harness/trace/index.js';

export const T0 = 1_800_000_000;
export const MAG1 = '2001:db8:1::1';
export const MAG2 = '2001:db8:1::3';
export const LMA = '2001:db8:1::2';
export const TESTER = '2001:db8:1::99';
export const CN = '2001:db8:ff::1';
export const ROUTER_MAC = '00:00:5e:00:52:13';

export interface Mn { nai: string; mac: string; ll: string; hnp: string; hoa: string; lla: string }
const mn = (i: number): Mn => ({
  nai: `mn${i}@example.com`, mac: `02:00:00:00:aa:0${i}`, ll: `fe80::ff:fe00:aa0${i}`,
  hnp: `2001:db8:aa:${i}::/64`, hoa: `2001:db8:aa:${i}::5`, lla: `fe80::a:${i}`,
});
export const MN1 = mn(1), MN2 = mn(2), MN3 = mn(3), MN4 = mn(4);

export type Spec =
  | {
    kind: 'mh'; tag?: string; point: string; time: number; src: string; dst: string; msg: MobilityHeaderSpec; badChecksum?: boolean; ext?: ExtensionHeaderSpec[];
    /** Changes the encoded MH; the checksum is then summed over every octet it returns (as a careless sender does). */
    rewrite?: (mh: Uint8Array) => Uint8Array;
    /** Sent inside transport-mode ESP with this SA; `forge` flips an ICV bit. */
    esp?: { sa: EspSa; forge?: boolean };
  }
  | { kind: 'nd'; tag?: string; point: string; time: number; src: string; dst: string; ethSrc: string; ethDst: string; msg: Icmpv6Spec }
  | {
    kind: 'data'; tag?: string; point: string; time: number; src: string; dst: string; hopLimit: number; id: number; outer?: { src: string; dst: string }; ethSrc?: string; size?: number;
    /** With `outer`: the tunnelled packet inside tunnel-mode ESP with this SA. */
    esp?: EspSa;
    /** With `outer`: GRE-in-IPv6 (RFC 5845) with this key (none: a GRE header without one). */
    gre?: { key?: number };
  }
  /** ESP whose payload is opaque (no SA opens it). */
  | { kind: 'esp'; tag?: string; point: string; time: number; src: string; dst: string; spi: number }
  | { kind: 'ike'; tag?: string; point: string; time: number; src: string; dst: string; exchangeType: number; response?: boolean; messageId?: number }
  /** DHCPv6 over UDP (546/547), on an access link (`ethSrc`: the MN's MAC) or between a relay and the server. */
  | { kind: 'dhcpv6'; tag?: string; point: string; time: number; src: string; dst: string; srcPort: number; dstPort: number; ethSrc?: string; msg: Dhcpv6Message }
  /** A frame as captured, for link types the encoders do not build (802.11 radiotap). */
  | { kind: 'raw'; tag?: string; point: string; time: number; bytes: Uint8Array };

export interface Scenario {
  /** `kind` left out: inferred from the traffic; `linkType` (default Ethernet) of the capture. */
  points: { name: string; kind?: CapturePointKind; mag?: string; linkType?: number }[];
  specs: Spec[];
  options: TraceOptions;
}

const ts = (time: number): MobilityOptionSpec => ({ type: 27, ...timestampFromDate((T0 + time) * 1000) });
const llId = (m: Mn): string => m.mac.replace(/:/g, '');

export interface PbuArgs { mn: Mn; seq: number; hi: number; hnp?: string | null; lla?: string | null; lifetime?: number; extra?: MobilityOptionSpec[] }

export function pbuMsg(time: number, a: PbuArgs): MobilityHeaderSpec {
  const options: MobilityOptionSpec[] = [];
  if (a.hnp !== null) options.push({ type: 22, prefix: a.hnp ?? '::/0' });
  options.push({ type: 23, value: a.hi }, { type: 24, value: 3 }, { type: 8, subtype: 1, id: a.mn.nai }, ts(time));
  if (a.lla !== null) options.push({ type: 26, address: a.lla ?? '::' });
  options.push({ type: 25, id: llId(a.mn) }, ...(a.extra ?? []));
  return { type: 5, seq: a.seq, flags: { A: true, H: true, P: true }, lifetime: a.lifetime ?? 400, autoPad: true, options };
}

export function pbaMsg(pbu: MobilityHeaderSpec & { type: 5 }, a: { status?: number; hnps?: string[]; lla?: string; lifetime?: number }): MobilityHeaderSpec {
  const options: MobilityOptionSpec[] = [];
  const status = a.status ?? 0;
  for (const o of pbu.options ?? []) {
    if (o.type === 22) continue;
    if (o.type === 26) options.push({ type: 26, address: a.lla ?? (o as { address: string }).address });
    else options.push({ ...o });
  }
  const pbuHnps = (pbu.options ?? []).filter((o) => o.type === 22).map((o) => (o as { prefix: string }).prefix);
  const hnps = a.hnps ?? (status >= 128 && pbuHnps.length === 0 ? ['::/0'] : pbuHnps);
  options.unshift(...hnps.map((p): MobilityOptionSpec => ({ type: 22, prefix: p })));
  const lifetime = a.lifetime ?? (status >= 128 ? 0 : (pbu.lifetimeUnits ?? (pbu.lifetime ?? 0) / 4) * 4);
  return { type: 6, status, flags: { P: true }, seq: pbu.seq, lifetime, autoPad: true, options };
}

/** A PBU from `mag` and, unless `answer` is null, the LMA's PBA `delay` s later. */
export function exchange(tag: string, time: number, mag: string, a: PbuArgs, answer: { status?: number; hnps?: string[]; lla?: string; lifetime?: number; delay?: number } | null = {}): Spec[] {
  const pbu = pbuMsg(time, a) as MobilityHeaderSpec & { type: 5 };
  const out: Spec[] = [{ kind: 'mh', tag: `${tag}-pbu`, point: 'trn', time, src: mag, dst: LMA, msg: pbu }];
  if (answer !== null) out.push({ kind: 'mh', tag: `${tag}-pba`, point: 'trn', time: time + (answer.delay ?? 0.05), src: LMA, dst: mag, msg: pbaMsg(pbu, answer) });
  return out;
}

export function ra(tag: string, point: string, time: number, src: string, prefixes: string[], extra: Partial<Icmpv6Spec> = {}): Spec {
  return {
    kind: 'nd', tag, point, time, src, dst: 'ff02::1', ethSrc: ROUTER_MAC, ethDst: '33:33:00:00:00:01',
    msg: {
      type: 134, curHopLimit: 64, routerLifetime: 1800, sourceLinkLayer: ROUTER_MAC, mtu: 1460,
      prefixes: prefixes.map((p) => ({ type: 3, prefix: p, onLink: true, autonomous: true, validLifetime: 86400, preferredLifetime: 14400 })),
      ...extra,
    },
  };
}

export function rs(tag: string, point: string, time: number, m: Mn): Spec {
  return { kind: 'nd', tag, point, time, src: m.ll, dst: 'ff02::2', ethSrc: m.mac, ethDst: '33:33:00:00:00:02', msg: { type: 133, sourceLinkLayer: m.mac } };
}

export function dadNs(tag: string, point: string, time: number, m: Mn): Spec {
  return { kind: 'nd', tag, point, time, src: '::', dst: `ff02::1:ff00:aa0${m.nai[2]}`, ethSrc: m.mac, ethDst: '33:33:ff:00:aa:01', msg: { type: 135, target: m.ll } };
}

/** One packet seen on a path of capture points, hop limit dropping by one per router. */
export function path(tag: string, time: number, src: string, dst: string, id: number, hops: { point: string; outer?: { src: string; dst: string }; ethSrc?: string }[], hopLimit = 64): Spec[] {
  return hops.map((h, k): Spec => {
    const s: Spec = { kind: 'data', tag: `${tag}-${k}`, point: h.point, time: time + k * 0.001, src, dst, hopLimit: hopLimit - k, id };
    if (h.outer) s.outer = h.outer;
    if (h.ethSrc) s.ethSrc = h.ethSrc;
    return s;
  });
}

/**
 * What the testbed gives of the domain (conformance/profile.ts traceSettings) and a capture
 * alone does not show: the golden domain's checks judge with these, as a testbed run's do.
 * The rest (timestamps, fixed addresses, access technology) the trace infers.
 */
export const GIVEN_SETTINGS: TraceOptions['settings'] = {
  minDelayBeforeBceDeleteMs: 10000, maxDelayBeforeNewBceAssignMs: 1500, enableMagLocalRouting: false, maxLinkMtu: 1500, clockToleranceMs: 2000,
};

/** The golden domain: every applicable passive check passes. */
export function golden(): Scenario {
  const up = (mag: string) => ({ point: 'trn', outer: { src: mag, dst: LMA } });
  const down = (mag: string) => ({ point: 'trn', outer: { src: LMA, dst: mag } });
  const specs: Spec[] = [
    // MN1 attaches at MAG1 (E.1).
    dadNs('mn1-dad', 'acc1', 1.0, MN1),
    rs('mn1-rs', 'acc1', 1.1, MN1),
    ...exchange('mn1-attach', 1.2, MAG1, { mn: MN1, seq: 100, hi: 1 }, { hnps: [MN1.hnp], lla: MN1.lla }),
    ra('mn1-ra', 'acc1', 1.3, MN1.lla, [MN1.hnp]),
    ...path('mn1-up', 2.0, MN1.hoa, CN, 1, [{ point: 'acc1', ethSrc: MN1.mac }, up(MAG1), { point: 'core' }]),
    ...path('mn1-down', 2.1, CN, MN1.hoa, 2, [{ point: 'core' }, down(MAG1), { point: 'acc1', ethSrc: ROUTER_MAC }]),
    // MN2 attaches at MAG1; MN1 talks to it through the LMA (no local routing).
    dadNs('mn2-dad', 'acc3', 9.8, MN2),
    rs('mn2-rs', 'acc3', 9.9, MN2),
    ...exchange('mn2-attach', 10.0, MAG1, { mn: MN2, seq: 101, hi: 1 }, { hnps: [MN2.hnp], lla: MN2.lla }),
    ra('mn2-ra', 'acc3', 10.1, MN2.lla, [MN2.hnp]),
    ...path('mn1-mn2', 12.0, MN1.hoa, MN2.hoa, 3, [{ point: 'acc1', ethSrc: MN1.mac }, up(MAG1), down(MAG1), { point: 'acc3', ethSrc: ROUTER_MAC }]),
    // MN3 is refused (152) at MAG2 and gets only a local prefix.
    rs('mn3-rs', 'acc4', 19.9, MN3),
    ...exchange('mn3-attach', 20.0, MAG2, { mn: MN3, seq: 500, hi: 1 }, { status: 152 }),
    ra('mn3-ra', 'acc4', 21.0, 'fe80::a:99', ['2001:db8:99::/64']),
    // MN1 refreshes (E.2) and solicits.
    ...exchange('mn1-refresh', 100.0, MAG1, { mn: MN1, seq: 102, hi: 5, hnp: MN1.hnp, lla: MN1.lla }, { hnps: [MN1.hnp] }),
    rs('mn1-rs2', 'acc1', 101.0, MN1),
    ra('mn1-ra2', 'acc1', 101.1, MN1.lla, [MN1.hnp]),
    // MN1 leaves MAG1 (E.3) and reappears at MAG2 within MinDelayBeforeBCEDelete (E.5).
    ...exchange('mn1-dereg', 200.1, MAG1, { mn: MN1, seq: 103, hi: 4, hnp: MN1.hnp, lla: MN1.lla, lifetime: 0 }, {}),
    { kind: 'data', tag: 'mn1-wait-down', point: 'core', time: 201.0, src: CN, dst: MN1.hoa, hopLimit: 64, id: 4 },
    rs('mn1-rs3', 'acc2', 203.0, MN1),
    ...exchange('mn1-ho', 203.1, MAG2, { mn: MN1, seq: 501, hi: 3 }, { hnps: [MN1.hnp], lla: MN1.lla }),
    ra('mn1-ra3', 'acc2', 203.2, MN1.lla, [MN1.hnp]),
    ...path('mn1-up2', 204.0, MN1.hoa, CN, 5, [{ point: 'acc2', ethSrc: MN1.mac }, up(MAG2), { point: 'core' }]),
    ...path('mn1-down2', 204.5, CN, MN1.hoa, 6, [{ point: 'core' }, down(MAG2), { point: 'acc2', ethSrc: ROUTER_MAC }]),
    // MN2 moves to MAG2, which registers first (E.4); MAG1's late de-registration is ignored.
    ...exchange('mn2-ho', 300.0, MAG2, { mn: MN2, seq: 502, hi: 3 }, { hnps: [MN2.hnp], lla: MN2.lla }),
    ...exchange('mn2-late-dereg', 300.5, MAG1, { mn: MN2, seq: 104, hi: 4, hnp: MN2.hnp, lla: '::', lifetime: 0 }, null),
    ...path('mn2-down', 301.0, CN, MN2.hoa, 7, [{ point: 'core' }, down(MAG2)]),
    // Stimuli from the tester, answered by the LMA.
    { kind: 'mh', tag: 'bad-checksum', point: 'trn', time: 400, src: TESTER, dst: LMA, badChecksum: true, msg: testerPbu(900, { mnId: true, hnp: true, hi: true, att: true }) },
    { kind: 'mh', tag: 'unknown-type', point: 'trn', time: 401, src: TESTER, dst: LMA, msg: { type: 200 as 8, data: '0000000000000000000000000000000000', autoPad: true } as MobilityHeaderSpec },
    { kind: 'mh', tag: 'be', point: 'trn', time: 401.01, src: LMA, dst: TESTER, msg: { type: 7, status: 2, homeAddress: '::', options: [] } },
    ...testerExchange('no-mnid', 402, 901, { hnp: true, hi: true, att: true }, 160),
    ...testerExchange('no-hnp', 403, 902, { mnId: true, hi: true, att: true }, 158),
    ...testerExchange('no-hi', 404, 903, { mnId: true, hnp: true, att: true }, 161),
    ...testerExchange('no-att', 405, 904, { mnId: true, hnp: true, hi: true }, 162),
    ...testerExchange('no-mnid-hnp', 406, 905, { hi: true, att: true }, 160),
    { kind: 'mh', tag: 'ghost-dereg', point: 'trn', time: 407, src: TESTER, dst: LMA, msg: { ...testerPbu(906, { mnId: true, hnp: true, hi: true, att: true }, 'ghost@example.com'), lifetime: 0 } },
  ];
  return {
    points: [
      { name: 'acc1', kind: 'access', mag: MAG1 }, { name: 'acc2', kind: 'access', mag: MAG2 },
      { name: 'acc3', kind: 'access', mag: MAG1 }, { name: 'acc4', kind: 'access', mag: MAG2 },
      { name: 'trn', kind: 'transport' }, { name: 'core', kind: 'core' },
    ],
    specs,
    options: {
      settings: { ...GIVEN_SETTINGS },
      testers: [TESTER],
      events: [
        { time: T0 + 200.0, kind: 'detach', mn: 'mn1', mnId: MN1.nai, mag: MAG1 },
        { time: T0 + 202.9, kind: 'attach', mn: 'mn1', mnId: MN1.nai, mag: MAG2 },
      ],
    },
  };
}

function testerPbu(seq: number, has: { mnId?: boolean; hnp?: boolean; hi?: boolean; att?: boolean }, id = 'mn9@example.com'): MobilityHeaderSpec & { type: 5 } {
  const options: MobilityOptionSpec[] = [];
  if (has.hnp) options.push({ type: 22, prefix: '::/0' });
  if (has.hi) options.push({ type: 23, value: 1 });
  if (has.att) options.push({ type: 24, value: 3 });
  if (has.mnId) options.push({ type: 8, subtype: 1, id });
  return { type: 5, seq, flags: { A: true, P: true }, lifetime: 400, autoPad: true, options };
}

function testerExchange(tag: string, time: number, seq: number, has: Parameters<typeof testerPbu>[1], status: number): Spec[] {
  const pbu = testerPbu(seq, has);
  const pba = pbaMsg(pbu, { status }) as MobilityHeaderSpec & { type: 6 };
  const opts = [...(pba.options ?? [])];
  if (!has.mnId) opts.push({ type: 8, subtype: 1, id: '' });
  if (!has.hi) opts.push({ type: 23, value: 0 });
  if (!has.att) opts.push({ type: 24, value: 0 });
  return [
    { kind: 'mh', tag: `${tag}-pbu`, point: 'trn', time, src: TESTER, dst: LMA, msg: pbu },
    { kind: 'mh', tag: `${tag}-pba`, point: 'trn', time: time + 0.01, src: LMA, dst: TESTER, msg: { ...pba, options: opts } },
  ];
}

/** MN4 attaches at MAG2 while its first two PBUs go unanswered (C.8). */
export function retransmissions(): Scenario {
  return {
    points: [{ name: 'trn', kind: 'transport' }],
    specs: [
      ...exchange('rtx-1', 30.0, MAG2, { mn: MN4, seq: 600, hi: 1 }, null),
      ...exchange('rtx-2', 31.0, MAG2, { mn: MN4, seq: 601, hi: 1 }, null),
      ...exchange('rtx-3', 33.0, MAG2, { mn: MN4, seq: 602, hi: 1 }, { hnps: [MN4.hnp], lla: MN4.lla }),
    ],
    options: {},
  };
}

/** A fixed test key for every algorithm (enc + salt/auth octets as espSaFrom takes them). */
export const TEST_ESP_KEYS: Record<EspAlgorithm, string> = {
  'null-sha256': '11'.repeat(32), 'aes-gcm-128': '22'.repeat(20), 'aes-cbc-sha256': '33'.repeat(48),
};

/** One SA per MAG-LMA pair and direction, distinct SPIs: 0x1100 + n up (MAGn > LMA), 0x2200 + n down. */
export function pairSas(alg: EspAlgorithm = 'null-sha256', mags: readonly string[] = [MAG1, MAG2]): EspSa[] {
  return mags.flatMap((mag, i) => [
    { ...espSaFrom(0x1101 + i, alg, TEST_ESP_KEYS[alg]), src: mag, dst: LMA },
    { ...espSaFrom(0x2201 + i, alg, TEST_ESP_KEYS[alg]), src: LMA, dst: mag },
  ]);
}

/** Puts every MH between a pair with an SA inside ESP, and gives the trace the SAs (as --esp-sa does). */
export function protectSignalling(sc: Scenario, sas: EspSa[], opts: { giveKeys?: boolean } = {}): void {
  for (const s of sc.specs) {
    if (s.kind !== 'mh') continue;
    const sa = sas.find((x) => x.src === s.src && x.dst === s.dst);
    if (sa !== undefined) s.esp = { sa };
  }
  if (opts.giveKeys !== false) sc.options.espSas = sas;
}

// ---------------------------------------------------------------------------------------------
// Encoding

/** ESP sequence numbers per SA, counted over one encoding of a scenario. */
const espSequences = new Map<EspSa, number>();

function sealed(sa: EspSa, nextHeader: number, payload: Uint8Array): Uint8Array {
  const sequence = (espSequences.get(sa) ?? 0) + 1;
  espSequences.set(sa, sequence);
  return encodeEsp({ sequence, nextHeader, payload }, sa);
}

function encode(s: Spec): Uint8Array {
  const eth = (src: string, dst: string, payload: Uint8Array): Uint8Array => encodeEthernet({ src, dst, ethertype: ETHERTYPE_IPV6 }, payload);
  switch (s.kind) {
    case 'mh': {
      let mh = encodeMobilityHeader(s.msg, { src: parseIpv6(s.src), dst: parseIpv6(s.dst) });
      if (s.rewrite) {
        mh = s.rewrite(mh);
        mh[4] = 0; mh[5] = 0;
        const pair = new Uint8Array(32);
        pair.set(parseIpv6(s.src), 0);
        pair.set(parseIpv6(s.dst), 16);
        const sum = ipv6PseudoChecksum(pair, 0, 16, IPPROTO_MH, mh, 0, mh.length);
        mh[4] = sum >>> 8; mh[5] = sum & 0xff;
      }
      if (s.badChecksum) mh[5] ^= 0xff;
      if (s.esp) {
        const esp = sealed(s.esp.sa, IPPROTO_MH, mh);
        if (s.esp.forge) esp[esp.length - 1] ^= 1;
        return eth('02:00:00:00:01:01', '02:00:00:00:02:01', encodeIpv6({ src: s.src, dst: s.dst, hopLimit: 64, nextHeader: 50, payload: esp }));
      }
      const ip = s.ext ? encodeIpv6({ src: s.src, dst: s.dst, hopLimit: 64, extensionHeaders: [...s.ext.slice(0, -1), { ...s.ext[s.ext.length - 1]!, nextHeader: 135 }], payload: mh })
        : encodeIpv6({ src: s.src, dst: s.dst, hopLimit: 64, nextHeader: 135, payload: mh });
      return eth('02:00:00:00:01:01', '02:00:00:00:02:01', ip);
    }
    case 'nd':
      return eth(s.ethSrc, s.ethDst, encodeIpv6({ src: s.src, dst: s.dst, hopLimit: 255, nextHeader: 58, payload: encodeIcmpv6(s.msg, s.src, s.dst) }));
    case 'data': {
      const inner = encodeIpv6({ src: s.src, dst: s.dst, hopLimit: s.hopLimit, nextHeader: 58, payload: encodeIcmpv6({ type: 128, id: s.id, seq: 1, dataLength: s.size ?? 16 }, s.src, s.dst) });
      const ip = s.outer && s.esp ? encodeIpv6({ src: s.outer.src, dst: s.outer.dst, hopLimit: 64, nextHeader: 50, payload: sealed(s.esp, 41, inner) })
        : s.outer && s.gre ? encodeIpv6({ src: s.outer.src, dst: s.outer.dst, hopLimit: 64, nextHeader: 47, payload: encodeGre({ protocolType: GRE_PROTOCOL_IPV6, ...s.gre, payload: inner }) })
          : s.outer ? encodeIpv6({ src: s.outer.src, dst: s.outer.dst, hopLimit: 64, nextHeader: 41, payload: inner }) : inner;
      return eth(s.ethSrc ?? '02:00:00:00:03:01', '02:00:00:00:03:02', ip);
    }
    case 'esp':
      return eth('02:00:00:00:01:01', '02:00:00:00:02:01', encodeIpv6({ src: s.src, dst: s.dst, hopLimit: 64, extensionHeaders: [{ type: 50, spi: s.spi, sequence: 1 }], payload: new Uint8Array(32) }));
    case 'ike': {
      const ike = encodeIke({ exchangeType: s.exchangeType, flags: { I: !s.response, R: s.response === true }, messageId: s.messageId ?? 0, body: new Uint8Array(32) });
      return eth('02:00:00:00:01:01', '02:00:00:00:02:01', encodeIpv6({ src: s.src, dst: s.dst, hopLimit: 64, nextHeader: 17, payload: encodeUdp({ srcPort: UDP_PORT_IKE, dstPort: UDP_PORT_IKE, payload: ike }, s.src, s.dst) }));
    }
    case 'dhcpv6':
      return eth(s.ethSrc ?? '02:00:00:00:01:01', '02:00:00:00:02:01', encodeIpv6({ src: s.src, dst: s.dst, hopLimit: 64, nextHeader: 17, payload: encodeUdp({ srcPort: s.srcPort, dstPort: s.dstPort, payload: encodeDhcpv6(s.msg) }, s.src, s.dst) }));
    case 'raw':
      return s.bytes;
  }
}

/** The encoded frames of each capture point, in time order. */
export function encodeFrames(sc: Scenario): Map<string, { time: number; bytes: Uint8Array }[]> {
  espSequences.clear();
  const out = new Map<string, { time: number; bytes: Uint8Array }[]>(sc.points.map((p) => [p.name, []]));
  for (const s of [...sc.specs].sort((x, y) => x.time - y.time)) {
    const list = out.get(s.point);
    if (list === undefined) throw new Error(`scenario: unknown point ${s.point}`);
    list.push({ time: T0 + s.time, bytes: encode(s) });
  }
  return out;
}

const upKeyOf = (nai: string | undefined) => 0x00a00000 + [MN1, MN2, MN3, MN4].findIndex((m) => m.nai === nai) + 1;
/** RFC 5845 keys of the GRE domain: each MAG's downlink key, one uplink key per MN. */
export const greDownlinkKey = (mag: string): number => (mag === MAG1 ? 0x0000d001 : 0x0000d002);
const hoaOwner = (address: string) => [MN1, MN2, MN3, MN4].find((m) => address.startsWith(m.hnp.split('::')[0]!))?.nai;

/** The golden domain with GRE keys negotiated in every registration and used by every tunnelled packet. */
export function greDomain(): Scenario {
  const sc = golden();
  for (const s of sc.specs) {
    if (s.kind === 'mh' && s.msg.type === 5 && (s.msg.lifetime ?? 1) > 0) {
      s.msg.options = [...(s.msg.options ?? []), { type: 33, key: greDownlinkKey(s.src) }];
    } else if (s.kind === 'mh' && s.msg.type === 6) {
      const mn = (s.msg.options ?? []).find((o) => o.type === 8) as { id: string } | undefined;
      const rest = (s.msg.options ?? []).filter((o) => o.type !== 33);
      s.msg.options = (s.msg.status ?? 0) < 128 && (s.msg.lifetimeUnits ?? (s.msg.lifetime ?? 0) / 4) > 0 ? [...rest, { type: 33, key: upKeyOf(mn?.id) }] : rest;
    } else if (s.kind === 'data' && s.outer !== undefined && s.esp === undefined) {
      s.gre = { key: s.outer.src === LMA ? greDownlinkKey(s.outer.dst) : upKeyOf(hoaOwner(s.src)) };
    }
  }
  return sc;
}

/** Encodes the specs and builds the trace. */
export function buildTrace(sc: Scenario): Trace {
  const b = new TraceBuilder(sc.options);
  for (const [name, frames] of encodeFrames(sc)) {
    const p = sc.points.find((x) => x.name === name)!;
    const decl: Parameters<TraceBuilder['addPoint']>[0] = { name };
    if (p.kind) decl.kind = p.kind;
    if (p.mag) decl.mag = p.mag;
    const point = b.addPoint(decl);
    frames.forEach((f, i) => b.addFrame(point, i + 1, f.time, p.linkType ?? LINKTYPE_ETHERNET, f.bytes, 0, f.bytes.length));
  }
  return b.finish();
}

/** Writes one classic pcap per capture point into `dir`; returns their paths by point name. */
export function writePcaps(sc: Scenario, dir: string): Map<string, string> {
  const paths = new Map<string, string>();
  for (const [name, frames] of encodeFrames(sc)) {
    const path = join(dir, `${name}.pcap`);
    const linkType = sc.points.find((p) => p.name === name)?.linkType;
    const w = createPcapWriter(path, { format: 'pcap', ...(linkType !== undefined ? { linkType } : {}) });
    for (const f of frames) w.write(f.bytes, f.time);
    w.close();
    paths.set(name, path);
  }
  return paths;
}

/** The spec with this tag (a test mistake if absent). */
export function spec<K extends Spec['kind']>(sc: Scenario, tag: string, kind?: K): Extract<Spec, { kind: K }> {
  const s = sc.specs.find((x) => x.tag === tag);
  if (s === undefined || (kind !== undefined && s.kind !== kind)) throw new Error(`scenario: no ${kind ?? ''} spec tagged ${tag}`);
  return s as Extract<Spec, { kind: K }>;
}

/** The mutable message of a tagged MH spec. */
export function msg(sc: Scenario, tag: string): Record<string, unknown> & { options: MobilityOptionSpec[] } {
  return spec(sc, tag, 'mh').msg as unknown as Record<string, unknown> & { options: MobilityOptionSpec[] };
}

export function removeTagged(sc: Scenario, ...tags: string[]): void {
  sc.specs = sc.specs.filter((s) => s.tag === undefined || !tags.includes(s.tag));
}
