// Every passive check, on a trace where it passes and on one where it fails: the verdict, and the
// evidence (the frame, expected against seen) of the failure.
import { expect } from 'chai';
import type { MobilityOptionSpec, NdOptionSpec } from '../../wire/index.js';
import { checkedRequirements, runChecks } from '../../harness/checks/index.js';
import {
  buildTrace, exchange, golden, ra, greDomain, LMA, MAG1, MAG2, MN1, MN2, MN4, msg, pairSas, path, protectSignalling, removeTagged, retransmissions, ROUTER_MAC, rs, spec,
  T0, TESTER, type Scenario, type Spec,
} from './scenario.js';
import { espSaFrom, innermostDhcpv6, type Dhcpv6Message, type MobilityHeaderSpec } from '../../wire/index.js';
import { encodeArp, encodeDhcpv4, encodeEthernet, encodeIpv4, encodeUdp as encodeUdp4, ETHERTYPE_ARP, ETHERTYPE_IPV4, type Dhcpv4Message } from '../../wire/index.js';

type Mutation = (sc: Scenario) => void;
interface Case {
  /** Base scenario (default golden); `pass` makes the check pass on it, `fail` (applied to the base alone) fail. */
  base?: () => Scenario;
  pass?: Mutation;
  fail: Mutation;
  /** The failure is an absence: no frame to name. */
  noFrame?: boolean;
  /** A MAY the trace can only show done or not: `fail` leaves it NOT-APPLICABLE, never FAIL. */
  neverFails?: boolean;
}

const opt = (sc: Scenario, tag: string, type: number): MobilityOptionSpec & Record<string, unknown> => {
  const o = msg(sc, tag).options.find((x) => x.type === type);
  if (o === undefined) throw new Error(`${tag} has no option ${type}`);
  return o as MobilityOptionSpec & Record<string, unknown>;
};
const dropOpt = (sc: Scenario, tag: string, type: number): void => {
  const m = msg(sc, tag);
  m.options = m.options.filter((o) => o.type !== type);
};
const setOpt = (sc: Scenario, tag: string, type: number, patch: Record<string, unknown>): void => { Object.assign(opt(sc, tag, type), patch); };
const flags = (sc: Scenario, tag: string, patch: Record<string, boolean>): void => {
  const m = msg(sc, tag);
  m.flags = { ...(m.flags as object), ...patch };
};
const add = (sc: Scenario, ...specs: Spec[]): void => { sc.specs.push(...specs); };
const at = (sc: Scenario, tag: string, time: number): void => { spec(sc, tag).time = time; };

/**
 * MN2's handover PBU with HI 4, and none of MN2's messages with an MN-LL-ID (one would find the
 * session whatever the HI): the LMA should wait for MAG1's de-registration (LMA-BCE-11).
 */
const hi4Handover = (sc: Scenario): void => {
  for (const tag of ['mn2-attach-pbu', 'mn2-attach-pba', 'mn2-ho-pbu', 'mn2-ho-pba', 'mn2-late-dereg-pbu']) dropOpt(sc, tag, 25);
  setOpt(sc, 'mn2-ho-pbu', 23, { value: 4 });
  setOpt(sc, 'mn2-ho-pba', 23, { value: 4 });
};
/** A second interface of MN1 attaching at MAG1 with HI 1 (LMA-BCE-12, MH6-01/03). */
const secondInterface = (hnp: string) => (sc: Scenario): void => {
  const iface = { ...MN1, mac: '02:00:00:00:bb:01' };
  add(sc, ...exchange('mn1-if2', 50, MAG1, { mn: iface, seq: 200, hi: 1 }, { hnps: [hnp], lla: 'fe80::b:1' }));
  // Keep MAG1's sequence numbers increasing: the new PBU (t = 50) needs one between 101 and 102.
  msg(sc, 'mn1-if2-pbu').seq = 101;
  msg(sc, 'mn1-if2-pba').seq = 101;
  msg(sc, 'mn2-attach-pbu').seq = 99;
  msg(sc, 'mn2-attach-pba').seq = 99;
  msg(sc, 'mn1-attach-pbu').seq = 98;
  msg(sc, 'mn1-attach-pba').seq = 98;
};
/** MN2 with two prefixes for its whole session (MH6-02). */
const twoPrefixes = (second: boolean) => (sc: Scenario): void => {
  const extra = '2001:db8:ab:2::/64';
  msg(sc, 'mn2-attach-pba').options.unshift({ type: 22, prefix: extra });
  if (second) msg(sc, 'mn2-ho-pba').options.unshift({ type: 22, prefix: extra });
  (spec(sc, 'mn2-ra', 'nd').msg.prefixes as NdOptionSpec[]).push({ type: 3, prefix: extra, onLink: true, autonomous: true, validLifetime: 86400, preferredLifetime: 14400 });
  for (const tag of ['mn2-late-dereg-pbu']) msg(sc, tag).options.unshift({ type: 22, prefix: extra });
};
/** Every MAG-LMA message inside ESP-NULL, one SA per pair and direction, keys given. */
const secured: Mutation = (sc) => protectSignalling(sc, pairSas());
/** Secured, with the SA of a tagged message replaced by `spi` (same key): a second SA or a shared one. */
const securedWithSpi = (tag: string, spi: number): Mutation => (sc) => {
  const sas = pairSas();
  protectSignalling(sc, sas);
  const s = spec(sc, tag, 'mh');
  const sa = { ...espSaFrom(spi, 'null-sha256', '11'.repeat(32)), src: s.src, dst: s.dst };
  s.esp = { sa };
  if (!sas.some((x) => x.spi === spi && x.src === s.src && x.dst === s.dst)) sas.push(sa);
};
const ike = (src: string, dst: string, time: number): Spec[] => [
  { kind: 'ike', point: 'trn', time, src, dst, exchangeType: 34 }, { kind: 'ike', point: 'trn', time: time + 0.01, src: dst, dst: src, exchangeType: 34, response: true },
  { kind: 'ike', point: 'trn', time: time + 0.02, src, dst, exchangeType: 35, messageId: 1 }, { kind: 'ike', point: 'trn', time: time + 0.03, src: dst, dst: src, exchangeType: 35, response: true, messageId: 1 },
];
/** A MAG1-LMA companion message (Heartbeat, BRI, UPN) at t = 150, inside the pair's ESP or (`clear`) not. */
const companion = (m: MobilityHeaderSpec, clear: boolean): Mutation => (sc) => {
  add(sc, { kind: 'mh', tag: 'companion', point: 'trn', time: 150, src: MAG1, dst: LMA, msg: m });
  secured(sc);
  if (clear) delete spec(sc, 'companion', 'mh').esp;
};
const HEARTBEAT: MobilityHeaderSpec = { type: 13, seq: 7, autoPad: true, options: [] } as MobilityHeaderSpec;
const BRI: MobilityHeaderSpec = { type: 16, brType: 1, trigger: 1, seq: 9, flags: { P: true }, autoPad: true, options: [{ type: 8, subtype: 1, id: MN1.nai }] } as MobilityHeaderSpec;
const UPN: MobilityHeaderSpec = { type: 19, seq: 11, reason: 1, autoPad: true, options: [{ type: 8, subtype: 1, id: MN1.nai }] } as MobilityHeaderSpec;
/** A PBU from MAG1 in clear (or forged) at t = 150, with (`answered`) the LMA's PBA. */
const unprotectedPbu = (answered: boolean, forge = false): Mutation => (sc) => {
  add(sc, ...exchange('clear', 150, MAG1, { mn: MN1, seq: 150, hi: 5, hnp: MN1.hnp, lla: MN1.lla }, answered ? { hnps: [MN1.hnp] } : null));
  secured(sc);
  const pbu = spec(sc, 'clear-pbu', 'mh');
  if (forge) pbu.esp = { ...pbu.esp!, forge: true };
  else delete pbu.esp;
};
/** A tester PBU with an old timestamp, refused with 156/157 and a PBA timestamp of `pbaTime`. */
const staleTimestamp = (status: number, pbaTime: number) => (sc: Scenario): void => {
  const pbuTs: MobilityOptionSpec = { type: 27, seconds: T0 + 100, fraction: 0 };
  const pbaTs: MobilityOptionSpec = { type: 27, seconds: T0 + pbaTime, fraction: 0 };
  const base: MobilityOptionSpec[] = [{ type: 22, prefix: MN1.hnp }, { type: 23, value: 5 }, { type: 24, value: 3 }, { type: 8, subtype: 1, id: MN1.nai }];
  add(sc,
    { kind: 'mh', tag: 'stale-pbu', point: 'trn', time: 408, src: TESTER, dst: LMA, msg: { type: 5, seq: 907, flags: { A: true, P: true }, lifetime: 400, autoPad: true, options: [...base, pbuTs] } },
    { kind: 'mh', tag: 'stale-pba', point: 'trn', time: 408.01, src: LMA, dst: TESTER, msg: { type: 6, status, flags: { P: true }, seq: 907, lifetime: 0, autoPad: true, options: [...base, pbaTs] } });
};

/**
 * The golden domain plus RFC 5847/5846/7077 signalling where every companion check passes:
 * heartbeats MAG1 <-> LMA while MAG1 holds bindings, an LMA restart announced, Binding Error 2 from
 * MAG2 silencing the LMA's heartbeats; MN2's move to MAG2 with HI 4 revoked at MAG1 (trigger 4,
 * BRA 0, same prefix), an operator BRI, an unanswered BRI retransmitted once, a global BRI; UPNs
 * for MN1 at MAG2 (re-registration, ANI, 128, a retransmission with D = 1, 129, a repeated UPN),
 * and a UPN to MAG1 answered with Binding Error 2.
 */
function companionDomain(): Scenario {
  const sc = golden();
  const hb = (tag: string, time: number, src: string, dst: string, seq: number, f: { R?: boolean; U?: boolean } = {}, rc?: number): Spec =>
    ({ kind: 'mh', tag, point: 'trn', time, src, dst, msg: { type: 13, seq, flags: f, options: rc === undefined ? [] : [{ type: 28, value: rc }], autoPad: true } });
  const br = (tag: string, time: number, src: string, dst: string, m: Record<string, unknown>, id?: string): Spec =>
    ({ kind: 'mh', tag, point: 'trn', time, src, dst, msg: { type: 16, flags: { P: true }, options: id === undefined ? [] : [{ type: 8, subtype: 1, id }], autoPad: true, ...m } as unknown as MobilityHeaderSpec });
  const upn = (tag: string, time: number, dst: string, seq: number, reason: number, f: { A?: boolean; D?: boolean } = {}, src = LMA): Spec =>
    ({ kind: 'mh', tag, point: 'trn', time, src, dst, msg: { type: 19, seq, reason, flags: f, options: [{ type: 8, subtype: 1, id: MN1.nai }], autoPad: true } });
  const upa = (tag: string, time: number, src: string, seq: number, status: number, dst = LMA): Spec =>
    ({ kind: 'mh', tag, point: 'trn', time, src, dst, msg: { type: 20, seq, status, options: [{ type: 8, subtype: 1, id: MN1.nai }], autoPad: true } });
  const refresh = (tag: string, time: number, seq: number, extra: MobilityOptionSpec[] = []) =>
    exchange(tag, time, MAG2, { mn: MN1, seq, hi: 5, hnp: MN1.hnp, lla: MN1.lla, extra }, { hnps: [MN1.hnp] });
  // MN2 moves with HI 4: the LMA revokes it at MAG1 first.
  Object.assign(opt(sc, 'mn2-ho-pbu', 23), { value: 4 });
  spec(sc, 'mn2-ho-pba').time = 300.2;
  add(sc,
    hb('hb-req1', 30, MAG1, LMA, 10), hb('hb-resp1', 30.01, LMA, MAG1, 10, { R: true }, 7),
    hb('hb-lreq', 31, LMA, MAG1, 500), hb('hb-lresp', 31.01, MAG1, LMA, 500, { R: true }, 3),
    hb('hb-req2', 60, MAG1, LMA, 11), hb('hb-resp2', 60.01, LMA, MAG1, 11, { R: true }, 7),
    hb('hb-unsolicited', 70.5, LMA, MAG1, 900, { R: true, U: true }, 8),
    hb('hb-m2req', 210, LMA, MAG2, 600), { kind: 'mh', tag: 'hb-be', point: 'trn', time: 210.01, src: MAG2, dst: LMA, msg: { type: 7, status: 2, homeAddress: '::', options: [] } },
    br('bri-ho', 300.05, LMA, MAG1, { brType: 1, trigger: 4, seq: 70 }, MN2.nai), br('bra-ho', 300.1, MAG1, LMA, { brType: 2, status: 0, seq: 70 }, MN2.nai),
    br('bri-admin', 350, LMA, MAG2, { brType: 1, trigger: 1, seq: 71 }, MN1.nai), br('bra-admin', 350.01, MAG2, LMA, { brType: 2, status: 0, seq: 71 }, MN1.nai),
    // Unanswered: the tester keeps silent.
    br('bri-rtx1', 360, LMA, TESTER, { brType: 1, trigger: 1, seq: 72 }, 'ghost@example.com'), br('bri-rtx2', 361, LMA, TESTER, { brType: 1, trigger: 1, seq: 72 }, 'ghost@example.com'),
    br('bri-global', 370, LMA, MAG2, { brType: 1, trigger: 128, seq: 73, flags: { P: true, G: true } }),
    br('bra-global', 370.01, MAG2, LMA, { brType: 2, status: 0, seq: 73, flags: { P: true, G: true } }),
    upn('upn-rereg', 380, MAG2, 40, 1), ...refresh('upn-rereg-x', 380.05, 510),
    upn('upn-params', 385, MAG2, 41, 2, { A: true }), upa('upa-params', 385.01, MAG2, 41, 128),
    upn('upn-ani', 390, MAG2, 42, 4), ...refresh('upn-ani-x', 390.05, 511, [{ type: 52, subOptions: [{ type: 1, E: true, reserved: 0, networkName: '6e6574', accessPointName: '6170' }] }]),
    upn('upn-rtx1', 395, TESTER, 43, 2, { A: true }), upn('upn-rtx2', 396.1, TESTER, 43, 2, { A: true, D: true }),
    upn('upn-vendor', 398, MAG2, 44, 3, { A: true }), upa('upa-vendor', 398.01, MAG2, 44, 129),
    // An emulated LMA repeats a UPN (D = 1): the MAG answers again, acts once.
    upn('upn-rep1', 399, MAG2, 45, 1, { A: true }, TESTER), ...refresh('upn-rep-x', 399.05, 512), upa('upa-rep1', 399.06, MAG2, 45, 0, TESTER),
    upn('upn-rep2', 399.5, MAG2, 45, 1, { A: true, D: true }, TESTER), upa('upa-rep2', 399.51, MAG2, 45, 0, TESTER),
    upn('upn-mag1', 402, MAG1, 46, 2), { kind: 'mh', tag: 'upn-be', point: 'trn', time: 402.01, src: MAG1, dst: LMA, msg: { type: 7, status: 2, homeAddress: '::', options: [] } },
  );
  sc.options.events = [...(sc.options.events ?? []),
    { time: T0 + 70, kind: 'iut-restart', detail: { node: 'lma1', address: LMA } },
    { time: T0 + 299.8, kind: 'handover', mn: 'mn2', mnId: MN2.nai }];
  return sc;
}
const flagsOf = (sc: Scenario, tag: string, patch: Record<string, boolean>): void => flags(sc, tag, patch);

/**
 * RFC 5844 on the golden trace: MN1 dual-stack (IPv4 HoA 10.64.0.2/16 asked for at attach, then by
 * value on refresh and de-registration), MN4 IPv4-only at MAG2 (no HNP either way).
 */
const V4_HOA = '10.64.0.2';
function ipv4Domain(): Scenario {
  const sc = golden();
  const req = (tag: string, address: string) => msg(sc, tag).options.push({ type: 36, prefixLength: address === '0.0.0.0' ? 0 : 16, address });
  const granted = (tag: string) => {
    const m = msg(sc, tag);
    m.options = [...m.options.filter((o) => o.type !== 36), { type: 37, status: 0, prefixLength: 16, address: V4_HOA }, { type: 38, address: '10.64.0.1' }];
  };
  req('mn1-attach-pbu', '0.0.0.0');
  for (const tag of ['mn1-refresh', 'mn1-dereg']) req(`${tag}-pbu`, V4_HOA);
  add(sc, ...exchange('v4only', 60, MAG2, { mn: MN4, seq: 450, hi: 1, hnp: null, extra: [{ type: 36, prefixLength: 0, address: '0.0.0.0' }] }, { hnps: [], lla: MN4.lla }));
  for (const tag of ['mn1-attach', 'mn1-refresh', 'mn1-dereg', 'v4only']) granted(`${tag}-pba`);
  return sc;
}
/** RFC 6909 on the IPv4 trace: MN1's attach and refresh PBUs ask for offload, their PBAs grant 198.51.100.0/24. */
const OFFLOAD_GRANT = { type: 53, M: false, ts: { tsFormat: 1, selector: { startDst: '198.51.100.0', endDst: '198.51.100.255' } } } as const;
function offloadDomain(): Scenario {
  const sc = ipv4Domain();
  for (const tag of ['mn1-attach', 'mn1-refresh']) {
    msg(sc, `${tag}-pbu`).options.push({ type: 53, M: false });
    msg(sc, `${tag}-pba`).options.push(OFFLOAD_GRANT);
  }
  return sc;
}

/** MN4's PBU carries an HNP as well and the LMA refuses it with 172 (MN4 has no IPv6 service). */
const v4OnlyRefused172: Mutation = (sc) => {
  msg(sc, 'v4only-pbu').options.unshift({ type: 22, prefix: '::/0' });
  const pba = msg(sc, 'v4only-pba');
  pba.status = 172;
  pba.options = [{ type: 22, prefix: '::/0' }, ...pba.options.filter((o) => o.type !== 37 && o.type !== 38), { type: 37, status: 129, prefixLength: 0, address: '0.0.0.0' }];
};

/**
 * MN1 (IPv4 HoA 10.64.0.2/16, router 10.64.0.1 from its attach PBA) on acc1: DHCPv4 DISCOVER and
 * MAG1's OFFER as server, ARP for the router and for another home-subnet address, both answered.
 */
function ipv4Access(sc: Scenario, o: { router?: string; proxied?: boolean } = {}): void {
  const bcast = 'ff:ff:ff:ff:ff:ff';
  const dhcp = (time: number, src: string, ethSrc: string, m: Partial<Dhcpv4Message>): Spec => {
    const msg: Dhcpv4Message = {
      op: 1, htype: 1, hlen: 6, hops: 0, xid: 0x4401, secs: 0, flags: 0x8000, ciaddr: '0.0.0.0', yiaddr: '0.0.0.0', siaddr: '0.0.0.0', giaddr: '0.0.0.0',
      chaddr: MN1.mac, cookie: true, options: [{ code: 53, type: 1 }, { code: 255 }], ...m,
    };
    const server = msg.op === 2;
    const udp = encodeUdp4({ srcPort: server ? 67 : 68, dstPort: server ? 68 : 67, payload: encodeDhcpv4(msg) }, src, '255.255.255.255');
    return { kind: 'raw', point: 'acc1', time, bytes: encodeEthernet({ dst: bcast, src: ethSrc, ethertype: ETHERTYPE_IPV4 }, encodeIpv4({ src, dst: '255.255.255.255', protocol: 17, ttl: 64, payload: udp })) };
  };
  const arp = (time: number, op: 1 | 2, senderMac: string, senderIp: string, targetMac: string, targetIp: string): Spec =>
    ({ kind: 'raw', point: 'acc1', time, bytes: encodeEthernet({ dst: op === 1 ? bcast : targetMac, src: senderMac, ethertype: ETHERTYPE_ARP }, encodeArp({ operation: op, senderMac, senderIp, targetMac, targetIp })) });
  const offer: Partial<Dhcpv4Message> = {
    op: 2, yiaddr: V4_HOA,
    options: [{ code: 53, type: 2 }, { code: 54, address: '10.64.0.1' }, { code: 51, seconds: 40 }, { code: 1, mask: '255.255.0.0' }, { code: 3, addresses: [o.router ?? '10.64.0.1'] }, { code: 255 }],
  };
  add(sc,
    dhcp(5.0, '0.0.0.0', MN1.mac, {}), dhcp(5.01, '10.64.0.1', ROUTER_MAC, offer),
    arp(6.0, 1, MN1.mac, V4_HOA, '00:00:00:00:00:00', '10.64.0.1'), arp(6.001, 2, ROUTER_MAC, '10.64.0.1', MN1.mac, V4_HOA),
    arp(7.0, 1, MN1.mac, V4_HOA, '00:00:00:00:00:00', '10.64.9.9'),
    ...(o.proxied === false ? [] : [arp(7.3, 2, ROUTER_MAC, '10.64.9.9', MN1.mac, V4_HOA)]));
}

const CASES: Record<string, Case> = {
  'GRE-01': { base: greDomain, fail: (sc) => { msg(sc, 'mn1-attach-pba').options = msg(sc, 'mn1-attach-pba').options.filter((o) => o.type !== 33); } },
  'GRE-02': { base: greDomain, fail: (sc) => { msg(sc, 'mn1-refresh-pba').options = msg(sc, 'mn1-refresh-pba').options.map((o) => (o.type === 33 ? { type: 33, key: 0xbad } : o)); } },
  'GRE-03': { base: greDomain, fail: (sc) => { spec(sc, 'mn1-up-1', 'data').gre = { key: 0xbad }; } },
  'HB-01': { base: companionDomain, fail: (sc) => flagsOf(sc, 'hb-req1', { U: true }) },
  'HB-02': { base: companionDomain, fail: (sc) => { msg(sc, 'hb-resp1').seq = 12; } },
  'HB-03': { base: companionDomain, fail: (sc) => add(sc, { kind: 'mh', point: 'trn', time: 150, src: MAG2, dst: LMA, msg: { type: 13, seq: 1, flags: {}, options: [], autoPad: true } }) },
  'HB-04': { base: companionDomain, fail: (sc) => { msg(sc, 'hb-req2').seq = 10; } },
  'HB-05': { base: companionDomain, fail: (sc) => { msg(sc, 'hb-resp1').options = []; } },
  'HB-06': { base: companionDomain, fail: (sc) => add(sc, { kind: 'mh', point: 'trn', time: 250, src: LMA, dst: MAG2, msg: { type: 13, seq: 601, flags: {}, options: [], autoPad: true } }) },
  'HB-07': { base: companionDomain, fail: (sc) => { msg(sc, 'hb-unsolicited').options = [{ type: 28, value: 7 }]; } },
  'BR-01': { base: companionDomain, fail: (sc) => { msg(sc, 'bri-admin').options = []; } },
  'BR-02': { base: companionDomain, fail: (sc) => { spec(sc, 'bri-admin', 'mh').dst = MAG1; } },
  'BR-03': { base: companionDomain, fail: (sc) => { msg(sc, 'bra-admin').flags = { P: false }; } },
  'BR-04': { base: companionDomain, fail: (sc) => { msg(sc, 'bra-ho').status = 132; } },
  'BR-05': { base: companionDomain, fail: (sc) => removeTagged(sc, 'bri-rtx2') },
  'BR-07': { base: companionDomain, fail: (sc) => removeTagged(sc, 'bri-ho', 'bra-ho') },
  'BR-08': { base: companionDomain, fail: (sc) => { msg(sc, 'bri-global').trigger = 1; } },
  'UPN-01': { base: companionDomain, fail: (sc) => { msg(sc, 'upn-rereg').options = []; } },
  'UPN-02': { base: companionDomain, fail: (sc) => { msg(sc, 'upn-params').seq = 39; msg(sc, 'upa-params').seq = 39; } },
  'UPN-03': { base: companionDomain, fail: (sc) => flagsOf(sc, 'upn-rtx2', { D: false }) },
  'UPN-04': { base: companionDomain, fail: (sc) => { spec(sc, 'upn-rtx2', 'mh').time = 395.5; } },
  'UPN-05': { base: companionDomain, fail: (sc) => { msg(sc, 'upa-params').options = []; } },
  'UPN-06': { base: companionDomain, fail: (sc) => removeTagged(sc, 'upn-rereg-x-pbu', 'upn-rereg-x-pba') },
  'UPN-07': { base: companionDomain, fail: (sc) => { msg(sc, 'upa-vendor').status = 0; } },
  'UPN-08': { base: companionDomain, fail: (sc) => dropOpt(sc, 'upn-ani-x-pbu', 52) },
  'UPN-09': { base: companionDomain, fail: (sc) => add(sc, ...exchange('upn-rep-again', 399.55, MAG2, { mn: MN1, seq: 513, hi: 5, hnp: MN1.hnp, lla: MN1.lla }, { hnps: [MN1.hnp] })) },
  'UPN-10': { base: companionDomain, fail: (sc) => add(sc, { kind: 'mh', point: 'trn', time: 404, src: LMA, dst: MAG1, msg: { type: 19, seq: 47, reason: 1, flags: {}, options: [{ type: 8, subtype: 1, id: MN1.nai }], autoPad: true } }) },
  'X-OFF-01': { base: offloadDomain, fail: (sc) => { msg(sc, 'mn1-dereg-pba').options.push(OFFLOAD_GRANT); } },
  'V4-01': { base: ipv4Domain, fail: (sc) => { msg(sc, 'mn1-attach-pbu').options.push({ type: 36, prefixLength: 0, address: '0.0.0.0' }); } },
  'V4-02': { base: ipv4Domain, fail: v4OnlyRefused172 },
  'V4-06': { base: ipv4Domain, fail: (sc) => dropOpt(sc, 'mn1-refresh-pba', 37) },
  'V4-07': { base: ipv4Domain, fail: (sc) => dropOpt(sc, 'mn1-attach-pba', 38) },
  'V4-08': { base: ipv4Domain, fail: (sc) => { msg(sc, 'v4only-pba').options.unshift({ type: 22, prefix: '::/0' }); } },
  'V4-10': { base: ipv4Domain, pass: (sc) => ipv4Access(sc), fail: (sc) => ipv4Access(sc, { router: V4_HOA }) },
  'V4-11': { base: ipv4Domain, pass: (sc) => ipv4Access(sc), fail: (sc) => ipv4Access(sc, { proxied: false }) },
  'V4-12': { base: ipv4Domain, fail: (sc) => setOpt(sc, 'mn1-refresh-pbu', 36, { prefixLength: 0, address: '0.0.0.0' }) },
  'MH-01': { fail: (sc) => { msg(sc, 'mn1-attach-pbu').payloadProto = 6; } },
  'MH-02': { fail: (sc) => { msg(sc, 'mn1-attach-pba').headerLen = 20; } },
  'MH-03': { fail: (sc) => { spec(sc, 'mn1-refresh-pba', 'mh').badChecksum = true; } },
  'MH-04': { fail: (sc) => { msg(sc, 'mn1-attach-pbu').reserved = 1; } },
  'MH-05': { fail: (sc) => add(sc, { kind: 'mh', point: 'trn', time: 400.02, src: LMA, dst: TESTER, msg: { type: 6, status: 0, flags: { P: true }, seq: 900, lifetime: 400, autoPad: true, options: [] } }) },
  'MH-06': { fail: (sc) => { msg(sc, 'be').status = 1; } },
  'MH-10': { fail: (sc) => { const m = msg(sc, 'mn1-attach-pba'); m.autoPad = false; m.options = [{ type: 0 }, { type: 22, prefix: MN1.hnp }, { type: 1, length: 5 }]; } },
  'MH-11': { fail: (sc) => { const m = msg(sc, 'mn1-attach-pbu'); m.autoPad = false; m.options = [{ type: 0 }, { type: 22, prefix: '::/0' }, { type: 25, id: '020000000001' }, { type: 1, length: 3 }]; } },
  'MH-12': { fail: (sc) => { msg(sc, 'mn1-refresh-pbu').options.push({ type: 23, value: 5 }); } },
  'MAG-PBU-01': { fail: (sc) => { at(sc, 'mn1-attach-pbu', 9); at(sc, 'mn1-attach-pba', 9.05); at(sc, 'mn1-ra', 9.1); } },
  'MAG-PBU-02': { fail: (sc) => { spec(sc, 'mn2-attach-pbu', 'mh').dst = '2001:db8:1::77'; } },
  'MAG-PBU-03': { fail: (sc) => flags(sc, 'mn1-refresh-pbu', { P: false }) },
  'MAG-PBU-04': { fail: (sc) => setOpt(sc, 'mn1-attach-pbu', 8, { subtype: 3, id: '0011' }) },
  'MAG-PBU-05': { fail: (sc) => dropOpt(sc, 'mn1-refresh-pbu', 22) },
  'MAG-PBU-06': { fail: (sc) => { msg(sc, 'mn1-attach-pbu').options.push({ type: 22, prefix: '2001:db8:cc::/64' }); } },
  'MAG-PBU-07': { fail: (sc) => setOpt(sc, 'mn1-attach-pbu', 22, { reserved: 7 }) },
  'MAG-PBU-08': { fail: (sc) => dropOpt(sc, 'mn1-refresh-pbu', 23) },
  'MAG-PBU-09': { fail: (sc) => setOpt(sc, 'mn2-attach-pbu', 23, { value: 4 }) },
  'MAG-PBU-10': { fail: (sc) => setOpt(sc, 'mn1-refresh-pbu', 24, { value: 8 }) },
  'MAG-PBU-11': { fail: (sc) => dropOpt(sc, 'mn1-refresh-pbu', 27) },
  'MAG-PBU-12': { fail: (sc) => { msg(sc, 'mn1-refresh-pbu').seq = 50; msg(sc, 'mn1-refresh-pba').seq = 50; } },
  'MAG-PBU-13': { fail: (sc) => setOpt(sc, 'mn1-refresh-pbu', 27, { seconds: T0 + 90 }) },
  'MAG-PBU-14': { fail: (sc) => setOpt(sc, 'mn1-attach-pbu', 25, { id: '000000000000' }) },
  'MAG-PBU-15': { fail: (sc) => setOpt(sc, 'mn1-attach-pbu', 26, { address: 'fe80::1' }) },
  'MAG-PBU-16': { fail: (sc) => { spec(sc, 'mn1-refresh-pbu', 'mh').ext = [{ type: 60, options: [{ type: 0xc9, address: MN1.hoa }] }]; } },
  'MAG-PBU-17': { fail: (sc) => { msg(sc, 'mn2-attach-pbu').lifetime = 0; } },
  'MAG-PBU-19': { fail: (sc) => setOpt(sc, 'mn1-ho-pbu', 8, { id: 'other@example.com' }) },
  'MAG-PBU-20': {
    pass: (sc) => { sc.options.settings = { ...sc.options.settings, unentitledMns: ['02:00:00:00:aa:09'] }; add(sc, rs('x', 'acc4', 25, { ...MN1, mac: '02:00:00:00:aa:09' })); },
    fail: (sc) => { sc.options.settings = { ...sc.options.settings, unentitledMns: [MN3mac()] }; },
  },
  'LMA-VAL-03': { fail: (sc) => { msg(sc, 'mn1-refresh-pba').status = 133; } },
  'LMA-ERR-01': { fail: (sc) => { msg(sc, 'no-mnid-pba').status = 153; } },
  'LMA-ERR-05': { fail: (sc) => { msg(sc, 'no-hnp-pba').status = 161; } },
  'LMA-ERR-06': { fail: (sc) => setOpt(sc, 'no-hi-pba', 23, { value: 1 }) },
  'LMA-ERR-07': { fail: (sc) => { msg(sc, 'no-att-pba').status = 128; } },
  'LMA-ERR-12': { fail: (sc) => { msg(sc, 'no-mnid-hnp-pba').status = 158; } },
  'LMA-ERR-13': { fail: (sc) => removeTagged(sc, 'mn2-attach-pba') },
  'LMA-PBA-01': { fail: (sc) => { spec(sc, 'mn1-attach-pba', 'mh').src = '2001:db8:1::22'; } },
  'LMA-PBA-02': { fail: (sc) => flags(sc, 'mn1-attach-pba', { P: false }) },
  'LMA-PBA-03': { fail: (sc) => { msg(sc, 'mn1-refresh-pba').seq = 7; spec(sc, 'mn1-refresh-pba', 'mh').dst = MAG1; } },
  'LMA-PBA-04': { fail: (sc) => setOpt(sc, 'mn1-attach-pba', 8, { id: 'mnX@example.com' }) },
  'LMA-PBA-05': { fail: (sc) => setOpt(sc, 'mn1-refresh-pba', 23, { value: 1 }) },
  'LMA-PBA-06': { fail: (sc) => dropOpt(sc, 'mn1-attach-pba', 24) },
  'LMA-PBA-07': { fail: (sc) => setOpt(sc, 'mn1-attach-pba', 25, { id: '020000000099' }) },
  'LMA-PBA-08': { fail: (sc) => dropOpt(sc, 'mn1-attach-pba', 27) },
  'LMA-PBA-09': { fail: (sc) => setOpt(sc, 'mn2-attach-pba', 22, { prefix: '::/0' }) },
  'LMA-PBA-10': { fail: (sc) => setOpt(sc, 'mn3-attach-pba', 22, { prefix: '2001:db8:dd::/64' }) },
  'LMA-PBA-11': { fail: (sc) => dropOpt(sc, 'mn2-attach-pba', 26) },
  'LMA-PBA-12': { fail: (sc) => setOpt(sc, 'mn1-attach-pba', 26, { address: '::' }) },
  'LMA-PBA-13': { fail: (sc) => setOpt(sc, 'mn2-ho-pba', 26, { address: 'fe80::dead' }) },
  'LMA-PBA-14': { fail: (sc) => setOpt(sc, 'mn1-refresh-pba', 26, { address: 'fe80::beef' }) },
  'LMA-PBA-15': { fail: (sc) => { spec(sc, 'mn1-attach-pba', 'mh').ext = [{ type: 43, routingType: 2, segmentsLeft: 1, homeAddress: MN1.hoa }]; } },
  'LMA-PBA-17': { fail: (sc) => { msg(sc, 'mn2-attach-pba').lifetime = 800; } },
  'LMA-PBA-18': { fail: (sc) => { msg(sc, 'mn1-dereg-pba').lifetime = 40; } },
  'LMA-PBA-19': { fail: (sc) => { msg(sc, 'mn2-attach-pba').status = 1; } },
  'LMA-BCE-01': { fail: (sc) => setOpt(sc, 'mn2-attach-pba', 22, { prefix: MN1.hnp }) },
  'LMA-BCE-02': { fail: (sc) => setOpt(sc, 'mn2-attach-pba', 22, { prefix: MN1.hnp }) },
  'LMA-BCE-05': { fail: (sc) => setOpt(sc, 'mn1-refresh-pba', 22, { prefix: '2001:db8:aa:77::/64' }) },
  'LMA-BCE-06': { fail: (sc) => { spec(sc, 'mn1-down2-1', 'data').outer = { src: LMA, dst: MAG1 }; } },
  'LMA-BCE-11': {
    pass: (sc) => { hi4Handover(sc); setOpt(sc, 'mn2-ho-pba', 22, { prefix: '2001:db8:aa:22::/64' }); at(sc, 'mn2-ho-pba', 301.6); },
    fail: hi4Handover,
  },
  'LMA-BCE-12': { pass: secondInterface('2001:db8:aa:11::/64'), fail: secondInterface(MN1.hnp) },
  'LMA-BCE-13': { fail: (sc) => add(sc, { kind: 'mh', point: 'trn', time: 407.01, src: LMA, dst: TESTER, msg: { type: 6, status: 0, flags: { P: true }, seq: 906, lifetime: 0, autoPad: true, options: [] } }) },
  'ORD-01': { fail: (sc) => dropOpt(sc, 'mn2-attach-pba', 27) },
  'ORD-03': { fail: (sc) => setOpt(sc, 'mn2-attach-pba', 27, { fraction: 1 }) },
  'ORD-04': { pass: staleTimestamp(156, 408), fail: staleTimestamp(156, 100) },
  'ORD-05': { pass: staleTimestamp(157, 408), fail: staleTimestamp(157, 100) },
  'ORD-07': { fail: (sc) => { msg(sc, 'no-hi-pba').options.push({ type: 27, seconds: T0 + 404, fraction: 0 }); } },
  'ORD-08': { fail: (sc) => setOpt(sc, 'mn2-ho-pbu', 27, { seconds: T0 + 250 }) },
  'MAG-PBA-05': { fail: (sc) => { spec(sc, 'mn1-ra', 'nd').msg.prefixes = []; spec(sc, 'mn1-ra', 'nd').msg.mtu = 1460; } },
  'MAG-PBA-06': { fail: (sc) => { spec(sc, 'mn3-ra', 'nd').msg.prefixes![0]!.prefix = MN2.hnp; } },
  'MAG-PBA-07': { fail: (sc) => add(sc, ...exchange('mn3-again', 60, MAG2, { mn: MN3mn(), seq: 500, hi: 1 }, null)) },
  'MAG-PBA-09': { fail: (sc) => { spec(sc, 'mn1-ra2', 'nd').src = 'fe80::9'; } },
  'MAG-RTX-01': { base: retransmissions, fail: (sc) => at(sc, 'rtx-2-pbu', 30.3) },
  'MAG-RTX-02': { base: retransmissions, fail: (sc) => { removeTagged(sc, 'rtx-3-pbu', 'rtx-3-pba'); add(sc, { kind: 'mh', point: 'trn', time: 120, src: MAG1, dst: LMA, msg: { type: 13, seq: 1, autoPad: true, options: [] } }); } },
  'MAG-RTX-03': { base: retransmissions, fail: (sc) => { at(sc, 'rtx-3-pbu', 31.9); at(sc, 'rtx-3-pba', 31.95); } },
  'MAG-RTX-04': { base: retransmissions, fail: (sc) => setOpt(sc, 'rtx-2-pbu', 27, { seconds: T0 + 29 }) },
  'MAG-RTX-05': {
    base: () => { const sc = retransmissions(); for (const t of ['rtx-1-pbu', 'rtx-2-pbu', 'rtx-3-pbu', 'rtx-3-pba']) dropOpt(sc, t, 27); return sc; },
    fail: (sc) => { msg(sc, 'rtx-2-pbu').seq = 599; },
  },
  'MAG-RTX-07': { fail: (sc) => add(sc, ...[0.1, 0.2, 0.3].map((d, i): Spec => ({ kind: 'mh', point: 'trn', time: 100 + d, src: MAG1, dst: LMA, msg: { ...spec(sc, 'mn1-refresh-pbu', 'mh').msg, seq: 110 + i } as Extract<Spec, { kind: 'mh' }>['msg'] }))) },
  'REREG-01': { fail: (sc) => { msg(sc, 'mn1-attach-pba').lifetime = 40; } },
  'REREG-02': { fail: (sc) => setOpt(sc, 'mn1-refresh-pbu', 24, { value: 1 }) },
  'REREG-03': { fail: (sc) => setOpt(sc, 'mn1-refresh-pbu', 22, { prefix: '::/0' }) },
  'REREG-04': { fail: (sc) => setOpt(sc, 'mn1-refresh-pbu', 23, { value: 3 }) },
  'REREG-06': { fail: (sc) => removeTagged(sc, 'mn1-dereg-pbu', 'mn1-dereg-pba'), noFrame: true },
  'REREG-07': { fail: (sc) => { msg(sc, 'mn1-refresh-pba').status = 128; } },
  'DEREG-01': { fail: (sc) => { at(sc, 'mn1-dereg-pbu', 206); at(sc, 'mn1-dereg-pba', 206.05); }, noFrame: true },
  'DEREG-02': { fail: (sc) => setOpt(sc, 'mn1-dereg-pbu', 22, { prefix: '::/0' }) },
  'DEREG-03': { fail: (sc) => setOpt(sc, 'mn1-dereg-pbu', 23, { value: 5 }) },
  'DEREG-04': { fail: (sc) => dropOpt(sc, 'mn1-dereg-pbu', 26) },
  'DEREG-06': { fail: (sc) => add(sc, { kind: 'mh', point: 'trn', time: 300.55, src: LMA, dst: MAG1, msg: { type: 6, status: 0, flags: { P: true }, seq: 104, lifetime: 0, autoPad: true, options: [{ type: 8, subtype: 1, id: MN2.nai }] } }) },
  'DEREG-07': { fail: (sc) => at(sc, 'mn1-dereg-pba', 202) },
  'DEREG-08': { fail: (sc) => setOpt(sc, 'mn1-ho-pba', 22, { prefix: '2001:db8:aa:33::/64' }) },
  'DEREG-09': { fail: (sc) => add(sc, { kind: 'data', point: 'trn', time: 201.001, src: CN(), dst: MN1.hoa, hopLimit: 63, id: 4, outer: { src: LMA, dst: MAG1 } }) },
  'DEREG-10': { fail: (sc) => setOpt(sc, 'mn1-ho-pba', 26, { address: 'fe80::77' }) },
  'HO-01': { fail: (sc) => { setOpt(sc, 'mn2-ho-pbu', 23, { value: 2 }); setOpt(sc, 'mn2-ho-pba', 23, { value: 2 }); } },
  'HO-02': { fail: (sc) => { setOpt(sc, 'mn2-attach-pbu', 23, { value: 3 }); setOpt(sc, 'mn2-attach-pba', 23, { value: 3 }); } },
  'HO-03': { fail: (sc) => setOpt(sc, 'mn2-ho-pba', 22, { prefix: '2001:db8:aa:44::/64' }) },
  'HO-04': { fail: (sc) => setOpt(sc, 'mn1-ho-pba', 26, { address: 'fe80::66' }) },
  'HO-05': { fail: (sc) => { spec(sc, 'mn1-ra3', 'nd').msg.sourceLinkLayer = '02:00:00:00:00:33'; } },
  'HO-06': { fail: (sc) => add(sc, { kind: 'mh', point: 'trn', time: 300.55, src: LMA, dst: MAG1, msg: { type: 6, status: 0, flags: { P: true }, seq: 104, lifetime: 0, autoPad: true, options: [{ type: 8, subtype: 1, id: MN2.nai }] } }) },
  'HO-07': { fail: (sc) => setOpt(sc, 'mn1-ho-pba', 22, { prefix: '2001:db8:aa:55::/64' }) },
  'HO-09': { fail: (sc) => { spec(sc, 'mn2-down-1', 'data').outer = { src: LMA, dst: MAG1 }; } },
  'HO-10': { fail: (sc) => setOpt(sc, 'mn1-ho-pba', 22, { prefix: '2001:db8:aa:66::/64' }) },
  'HO-11': { fail: (sc) => { at(sc, 'mn1-ra3', 203.12); } },
  'RA-01': { fail: (sc) => { spec(sc, 'mn1-ra2', 'nd').msg.routerLifetime = 0; } },
  'RA-02': { fail: (sc) => { spec(sc, 'mn1-ra2', 'nd').msg.prefixes![0]!.onLink = false; } },
  'RA-03': { fail: (sc) => at(sc, 'mn2-ra', 9.95) },
  'RA-04': { fail: (sc) => { spec(sc, 'mn3-ra', 'nd').msg.prefixes![0]!.prefix = MN1.hnp; } },
  'RA-05': { fail: (sc) => removeTagged(sc, 'mn1-ra2') },
  'RA-06': { fail: (sc) => { (spec(sc, 'mn1-ra2', 'nd').msg.prefixes as NdOptionSpec[]).push({ type: 3, prefix: MN2.hnp, onLink: true, autonomous: true, validLifetime: 86400, preferredLifetime: 14400 }); } },
  'RA-07': { fail: (sc) => { spec(sc, 'mn1-ra3', 'nd').msg.managed = true; } },
  'RA-08': { fail: (sc) => { spec(sc, 'mn2-ra', 'nd').src = 'fe80::1234'; } },
  'RA-09': { fail: (sc) => { spec(sc, 'mn1-ra', 'nd').msg.sourceLinkLayer = '02:00:00:00:01:01'; } },
  'RA-10': { fail: (sc) => { spec(sc, 'mn1-ra', 'nd').msg.mtu = 1500; } },
  'FIX-01': { base: fixedAddresses, fail: (sc) => { spec(sc, 'mag-ns', 'nd').src = 'fe80::1234'; } },
  'RA-12': {
    base: revokedWhileAttached,
    fail: (sc) => { for (const p of spec(sc, 'mn1-withdraw', 'nd').msg.prefixes as NdOptionSpec[]) p.validLifetime = 86400; },
  },
  'RA-14': { fail: (sc) => at(sc, 'mn1-dad', 0.1) },
  'FWD-01': { fail: (sc) => { spec(sc, 'mn1-up-1', 'data').outer = { src: MAG1, dst: '2001:db8:1::50' }; } },
  'FWD-02': { fail: (sc) => removeTagged(sc, 'mn1-down-1') },
  'FWD-03': { fail: (sc) => removeTagged(sc, 'mn1-up-2') },
  'FWD-05': { fail: (sc) => { spec(sc, 'mn1-up-2', 'data').hopLimit = 63; } },
  'FWD-09': { fail: (sc) => add(sc, { kind: 'data', point: 'trn', time: 9.5, src: MN2.hoa, dst: CN(), hopLimit: 63, id: 9, outer: { src: MAG1, dst: LMA } }) },
  'FWD-10': { fail: (sc) => removeTagged(sc, 'mn1-up-1') },
  'FWD-12': { fail: (sc) => removeTagged(sc, 'mn1-mn2-1', 'mn1-mn2-2') },
  // A regular host on MAG1's link (not an MN) pings MN2 there: up the tunnel and back (pass), or
  // routed straight back onto the link by MAG1 (fail).
  'FWD-13': {
    pass: (sc) => add(sc, ...path('host-mn2', 13.0, '2001:db8:a3::100', MN2.hoa, 8, [
      { point: 'acc3', ethSrc: '02:00:00:00:0b:01' }, { point: 'trn', outer: { src: MAG1, dst: LMA } }, { point: 'trn', outer: { src: LMA, dst: MAG1 } }, { point: 'acc3', ethSrc: ROUTER_MAC },
    ])),
    fail: (sc) => add(sc, ...path('host-mn2', 13.0, '2001:db8:a3::100', MN2.hoa, 8, [{ point: 'acc3', ethSrc: '02:00:00:00:0b:01' }, { point: 'acc3', ethSrc: ROUTER_MAC }])),
  },
  'FWD-14': {
    // A tunnelled packet with a link-local source (a Linux LMA's Redirect) must not reach the MN's link.
    pass: (sc) => add(sc, { kind: 'data', point: 'trn', time: 2.3, src: 'fe80::7f71', dst: MN1.hoa, hopLimit: 255, id: 7, outer: { src: LMA, dst: MAG1 } }),
    fail: (sc) => removeTagged(sc, 'mn1-down-2'),
  },
  'FWD-15': { fail: (sc) => add(sc, { kind: 'data', point: 'trn', time: 202, src: MN1.hoa, dst: CN(), hopLimit: 63, id: 9, outer: { src: MAG1, dst: LMA } }) },
  'MH6-01': { pass: secondInterface('2001:db8:aa:11::/64'), fail: secondInterface(MN1.hnp) },
  'MH6-02': { pass: twoPrefixes(true), fail: twoPrefixes(false) },
  'MH6-03': { pass: secondInterface('2001:db8:aa:11::/64'), fail: secondInterface(MN1.hnp) },
  'SEC-01': { pass: secured, fail: () => undefined },
  'SEC-02': { pass: secured, fail: securedWithSpi('mn1-refresh-pbu', 0x1199) },
  'SEC-03': { pass: (sc) => { secured(sc); add(sc, ...ike(MAG1, LMA, 0.5), ...ike(MAG2, LMA, 19)); }, fail: (sc) => { secured(sc); add(sc, ...ike(MAG1, LMA, 0.5), ...ike(MAG2, LMA, 25)); } },
  'SEC-04': { pass: companion(HEARTBEAT, false), fail: companion(HEARTBEAT, true) },
  'SEC-05': { pass: secured, fail: securedWithSpi('mn1-ho-pbu', 0x1101) },
  'SEC-07': {
    pass: (sc) => { secured(sc); spec(sc, 'mn1-up-1', 'data').esp = { ...espSaFrom(0x3301, 'aes-gcm-128', '44'.repeat(20)), src: MAG1, dst: LMA }; sc.options.espSas = [...sc.options.espSas!, spec(sc, 'mn1-up-1', 'data').esp!]; },
    fail: secured, neverFails: true,
  },
  'HB-09': { pass: companion(HEARTBEAT, false), fail: companion(HEARTBEAT, true) },
  'BR-09': { pass: companion(BRI, false), fail: companion(BRI, true) },
  'UPN-11': { pass: companion(UPN, false), fail: companion(UPN, true) },
  'LMA-VAL-01': { pass: unprotectedPbu(false), fail: unprotectedPbu(true) },
  'LMA-PBA-16': { pass: secured, fail: securedWithSpi('mn2-ho-pba', 0x2201) },
  'DHCP-01': { pass: dhcpv6Exchanges, fail: (sc) => { dhcpv6Exchanges(sc); removeTagged(sc, 'dhcp-ho-fwd'); } },
  'DHCP-02': { pass: dhcpv6Exchanges, fail: (sc) => { dhcpv6Exchanges(sc); (spec(sc, 'dhcp-ho-fwd', 'dhcpv6').msg as { linkAddress: string }).linkAddress = MAG2; } },
  'DHCP-03': { pass: dhcpv6Exchanges, fail: (sc) => { dhcpv6Exchanges(sc); msg(sc, 'mn1-ho-pba').options.push({ type: 22, prefix: '2001:db8:aa:9::/64' }); } },
  'DHCP-04': { pass: dhcpv6Exchanges, fail: (sc) => { dhcpv6Exchanges(sc); dhcpReplyAddress(spec(sc, 'dhcp-ho-reply', 'dhcpv6').msg, '2001:db8:aa:1::2000'); } },
};

/** MN1 gets 2001:db8:aa:1::1000 from DHCPv6 through MAG1 after attaching, and again through MAG2 after its handover. */
const DHCP_SERVER = '2001:db8:ff::547';
function dhcpv6Exchanges(sc: Scenario): void {
  const duid = '00030001' + MN1.mac.replace(/:/g, '');
  const relay = (tag: string, time: number, acc: string, mag: string, xid: number): Spec[] => {
    const solicit: Dhcpv6Message = { msgType: 1, transactionId: xid, options: [{ code: 1, duid }, { code: 3, iaid: 1, t1: 0, t2: 0, options: [] }] };
    const reply: Dhcpv6Message = { msgType: 7, transactionId: xid, options: [{ code: 1, duid }, { code: 3, iaid: 1, t1: 300, t2: 480, options: [{ code: 5, address: '2001:db8:aa:1::1000', preferredLifetime: 600, validLifetime: 1200, options: [] }] }] };
    const wrap = (type: number, m: Dhcpv6Message): Dhcpv6Message => ({ msgType: type, hopCount: 0, linkAddress: '2001:db8:aa:1::1', peerAddress: MN1.ll, options: [{ code: 18, id: '61636330' }, { code: 9, message: m }] });
    return [
      { kind: 'dhcpv6', tag: `${tag}-client`, point: acc, time, src: MN1.ll, dst: 'ff02::1:2', srcPort: 546, dstPort: 547, ethSrc: MN1.mac, msg: solicit },
      { kind: 'dhcpv6', tag: `${tag}-fwd`, point: 'trn', time: time + 0.01, src: mag, dst: DHCP_SERVER, srcPort: 547, dstPort: 547, msg: wrap(12, solicit) },
      { kind: 'dhcpv6', tag: `${tag}-relay-reply`, point: 'trn', time: time + 0.02, src: DHCP_SERVER, dst: mag, srcPort: 547, dstPort: 547, msg: wrap(13, reply) },
      { kind: 'dhcpv6', tag: `${tag}-reply`, point: acc, time: time + 0.03, src: MN1.lla, dst: MN1.ll, srcPort: 547, dstPort: 546, ethSrc: ROUTER_MAC, msg: reply },
    ];
  };
  add(sc, ...relay('dhcp-attach', 1.4, 'acc1', MAG1, 0x10), ...relay('dhcp-ho', 203.5, 'acc2', MAG2, 0x20));
}
/** Puts `address` in the IA_NA of a Relay-Reply's Reply. */
function dhcpReplyAddress(m: Dhcpv6Message, address: string): void {
  const inner = innermostDhcpv6(m)!;
  const ia = inner.options.find((o) => o.code === 3) as { options: { address: string }[] };
  ia.options[0]!.address = address;
}

function MN3mac(): string { return '02:00:00:00:aa:03'; }
function MN3mn() { return { nai: 'mn3@example.com', mac: MN3mac(), ll: 'fe80::ff:fe00:aa03', hnp: '2001:db8:aa:3::/64', hoa: '2001:db8:aa:3::5', lla: 'fe80::a:3' }; }
function CN(): string { return '2001:db8:ff::1'; }

/**
 * RFC 6543 in use: every RA from the fixed link-local address (and MAC, as in golden), MAG1
 * resolving MN1's address before the downlink echo, and answering MN1's resolution of the router.
 */
function fixedAddresses(): Scenario {
  const sc = golden();
  for (const s of sc.specs) if (s.kind === 'nd' && s.msg.type === 134) s.src = FIXED_LL;
  add(sc,
    { kind: 'nd', tag: 'mag-ns', point: 'acc1', time: 2.102, src: FIXED_LL, dst: 'ff02::1:ff00:5', ethSrc: ROUTER_MAC, ethDst: '33:33:ff:00:00:05', msg: { type: 135, target: MN1.hoa, sourceLinkLayer: ROUTER_MAC } },
    { kind: 'nd', tag: 'mag-na', point: 'acc1', time: 2.2, src: FIXED_LL, dst: MN1.ll, ethSrc: ROUTER_MAC, ethDst: MN1.mac, msg: { type: 136, router: true, solicited: true, override: false, target: FIXED_LL, targetLinkLayer: ROUTER_MAC } });
  return sc;
}
const FIXED_LL = 'fe80::200:5eff:fe00:5213';

/** The LMA revokes MN1's binding at MAG1 (trigger 1) while MN1 is attached; MAG1 withdraws its prefix (RFC 5213 §6.12). */
function revokedWhileAttached(): Scenario {
  const sc = golden();
  const mnId = [{ type: 8, subtype: 1, id: MN1.nai }] as MobilityOptionSpec[];
  const withdraw = ra('mn1-withdraw', 'acc1', 50.02, MN1.lla, [MN1.hnp], { routerLifetime: 0 });
  for (const p of withdraw.kind === 'nd' ? withdraw.msg.prefixes as NdOptionSpec[] : []) { p.validLifetime = 0; p.preferredLifetime = 0; }
  add(sc,
    { kind: 'mh', tag: 'mn1-bri', point: 'trn', time: 50, src: LMA, dst: MAG1, msg: { type: 16, brType: 1, trigger: 1, seq: 7, flags: { P: true }, options: mnId, autoPad: true } as MobilityHeaderSpec },
    { kind: 'mh', tag: 'mn1-bra', point: 'trn', time: 50.03, src: MAG1, dst: LMA, msg: { type: 16, brType: 2, status: 0, seq: 7, flags: { P: true }, options: mnId, autoPad: true } as MobilityHeaderSpec },
    withdraw);
  return sc;
}

function verdictOf(sc: Scenario, id: string) {
  const [r] = runChecks(buildTrace(sc), { only: [id] });
  return r!;
}

/** Checks whose pass/fail cases live in a file of their own: the IPv4 transport (ipv4-transport-checks.test.ts), which the golden IPv6 domain cannot carry. */
const OWN_FILE = new Set(['V4-13', 'V4-14', 'BR-10']);

describe('conformance checks: each passes on one trace and fails on another', () => {
  it('every requirement with a check has a pass/fail case here', () => {
    expect(checkedRequirements().filter((id) => CASES[id] === undefined && !OWN_FILE.has(id))).to.deep.equal([]);
    expect(Object.keys(CASES).filter((id) => !checkedRequirements().includes(id))).to.deep.equal([]);
  });

  for (const [id, c] of Object.entries(CASES)) {
    describe(id, () => {
      const base = (): Scenario => (c.base ?? golden)();
      it('passes', () => {
        const sc = base();
        c.pass?.(sc);
        const r = verdictOf(sc, id);
        expect(r.verdict, r.message).to.equal('PASS');
        expect(r.checked).to.be.greaterThan(0);
      });
      if (c.neverFails) {
        it('is NOT-APPLICABLE where the behaviour is absent (a MAY never fails)', () => {
          const sc = base();
          c.fail(sc);
          const r = verdictOf(sc, id);
          expect(r.verdict, r.message).to.equal('NOT-APPLICABLE');
        });
        return;
      }
      it('fails, naming the frame with expected and seen', () => {
        const sc = base();
        c.fail(sc);
        const r = verdictOf(sc, id);
        expect(r.verdict, r.message).to.equal('FAIL');
        expect(r.failed).to.be.greaterThan(0);
        const e = r.evidence[0]!;
        expect(e.message).to.be.a('string').and.not.equal('');
        expect(e.expected, 'expected').to.be.a('string');
        expect(e.seen, 'seen').to.be.a('string');
        expect(e.expected).to.not.equal(e.seen);
        if (!c.noFrame) {
          expect(e.frames.length, 'evidence frames').to.be.greaterThan(0);
          expect(e.frames[0]!.point).to.be.a('string');
          expect(e.frames[0]!.frame).to.be.greaterThan(0);
          expect(e.frames[0]!.summary).to.be.a('string').and.not.equal('');
        }
      });
    });
  }

  it('RA-02 leaves an RA withdrawing a revoked prefix (zero lifetimes) to RA-12', () => {
    const r = verdictOf(revokedWhileAttached(), 'RA-02');
    expect(r.verdict, r.message).to.equal('PASS');
  });
});
