// Every quirk deviates where it says, visibly on the wire (or, for downlink-to-old-mag, in the
// data-plane route): each case runs one scenario without and with the quirk and compares.
import { expect } from 'chai';
import { decodeDhcpv6, encodeDhcpv4, encodeDhcpv6, encodeMobilityHeader, findOption, findOptions, innermostDhcpv6, isRelay, parsePrefix, type BindingAck, type Dhcpv6Message, type RouterAdvertisement } from '../../wire/index.js';
import { QUIRKS, Quirks, UnknownQuirkError, quirkTable, type QuirkName } from '../../pmipd/quirks.js';
import type { BindingRevocationAck, BindingRevocationIndication, HeartbeatMessage, UpdateNotification, UpdateNotificationAck } from '../../wire/index.js';
import { LmaHarness, LMAA, MAG1, MAG2, MN1_LL, MN1_MAC, MagHarness, V4ONLY, V4ONLY_MAC, greDomain, ipv4Domain, offloadDomain, heartbeatDomain, heartbeatTo, notificationDomain, revocationDomain, settle, silentLog, upnTo } from './logic-fixture.js';
import { planIpsec } from '../../pmipd/ipsec/protect.js';
import { tunnelKeys } from '../../pmipd/gre-keys.js';
import { Dhcpv6Relay } from '../../pmipd/mag/dhcpv6-relay.js';
import { accessArpSysctls, Dhcpv4Access, type ToClient } from '../../pmipd/mag/dhcpv4-access.js';
import type { Counters, Logger } from '../../pmipd/log.js';
import type { DomainConfig } from '../../pmipd/config.js';
import { LmaTunnelDataplane, MagTunnelDataplane, propagatesEcn } from '../../pmipd/dataplane/backends.js';
import type { IpBatch } from '../../pmipd/dataplane/ip-batch.js';
import { VirtualClock } from '../../pmipd/clock.js';
import { natScript, sessionRules } from '../../pmipd/dataplane/offload-rules.js';
import { LmaIpv4Transport, MagIpv4Transport, type Ipv4TransportSettings } from '../../pmipd/ipv4/transport.js';
import { UdpMhSocket, type UdpMhPeer } from '../../pmipd/io/udp-mh.js';

type Observe = (quirks: string[]) => Promise<unknown> | unknown;

const HNP = '2001:db8:a000::/64';
const LL1 = '020000000101';

/** MAG scenarios */
const firstPbu = (q: string[]) => { const h = new MagHarness({ quirks: q }); h.rs(); return h.lastPbu(); };
async function registered(q: string[], cfg?: DomainConfig, patch?: Parameters<MagHarness['answer']>[1]): Promise<MagHarness> {
  const h = new MagHarness({ quirks: q, ...(cfg !== undefined ? { cfg } : {}) });
  h.rs();
  h.answer(0, patch);
  await settle();
  return h;
}
async function refreshPbu(q: string[]) {
  const h = await registered(q);
  h.clock.advance(320_000);
  h.core.onNeighborAdvertisement('acc1', MN1_LL);
  return h.pbus().length > 1 ? h.lastPbu() : null;
}
async function deregPbu(q: string[]) {
  const h = await registered(q);
  h.core.onLinkChange('acc1', false);
  return h.pbus().length > 1 ? h.lastPbu() : null;
}
const pbuCountAfter = (ms: number) => (q: string[]) => { const h = new MagHarness({ quirks: q }); h.present.add(MN1_LL); h.rs(); h.clock.advance(ms); return h.pbus().length; };
async function lastRa(q: string[]) { return (await registered(q)).ras().at(-1)!.msg as RouterAdvertisement; }

/** Heartbeat scenarios (RFC 5847), 30 s interval */
const heartbeats = (sent: { dst: string; msg: { type: number } }[], dst: string) => sent.filter((s) => s.msg.type === 13 && s.dst === dst).map((s) => s.msg as HeartbeatMessage);
async function hbMag(q: string[]): Promise<MagHarness> {
  const h = new MagHarness({ quirks: q, cfg: heartbeatDomain() });
  h.rs();
  h.answer();
  await settle();
  return h;
}
function hbLma(q: string[]): LmaHarness {
  const h = new LmaHarness({ quirks: q, cfg: heartbeatDomain() });
  h.pbu({ llId: LL1 });
  return h;
}
/** Heartbeat requests the MAG sends within a minute after its only session was de-registered. */
async function requestsAfterDereg(q: string[]): Promise<number> {
  const h = await hbMag(q);
  h.core.onLinkChange('acc1', false);
  h.answer();
  const before = heartbeats(h.mh, LMAA).length;
  h.clock.advance(60_000);
  return heartbeats(h.mh, LMAA).length - before;
}
/** Heartbeat requests the LMA sends MAG1 within a minute after MAG1 answered one with Binding Error 2. */
function requestsAfterBe2(q: string[]): number {
  const h = hbLma(q);
  h.core.receive(encodeMobilityHeader({ type: 7, status: 2, homeAddress: '::' }), MAG1);
  const before = heartbeats(h.sent, MAG1).length;
  h.clock.advance(60_000);
  return heartbeats(h.sent, MAG1).length - before;
}

/** Binding Revocation scenarios (RFC 5846) */
const bris = (h: LmaHarness) => h.sent.filter((s) => s.msg.type === 16).map((s) => ({ dst: s.dst, bri: s.msg as BindingRevocationIndication }));
function revokedLma(q: string[], target: Parameters<LmaHarness['core']['revoke']>[0] = { mn: 'mn1@pmip.example' }): LmaHarness {
  const h = new LmaHarness({ quirks: q, cfg: revocationDomain() });
  h.pbu({ llId: LL1 });
  h.core.revoke(target);
  return h;
}
/** The BRA a registered MAG (MN1 answering probes) sends for a BRI with `trigger`. */
async function braFor(q: string[], trigger: number): Promise<BindingRevocationAck> {
  const h = new MagHarness({ quirks: q, cfg: revocationDomain() });
  h.present.add(MN1_LL);
  h.rs();
  h.answer();
  await settle();
  h.core.receive(encodeMobilityHeader({ type: 16, brType: 1, trigger, seq: 9, flags: { P: true }, options: [{ type: 8, subtype: 1, id: 'mn1@pmip.example' }], autoPad: true }), LMAA);
  h.clock.advance(1000);
  return h.mh.filter((s) => s.msg.type === 16).at(-1)!.msg as BindingRevocationAck;
}

/** The PIOs (prefix valid/preferred) of the last RA mag1 sent after an administrative revocation of mn1 (RFC 5213 §6.12). */
async function raAfterRevocation(q: string[]): Promise<string[]> {
  const h = new MagHarness({ quirks: q, cfg: revocationDomain() });
  h.present.add(MN1_LL);
  h.rs();
  h.answer();
  await settle();
  const before = h.ras().length;
  h.core.receive(encodeMobilityHeader({ type: 16, brType: 1, trigger: 1, seq: 9, flags: { P: true }, options: [{ type: 8, subtype: 1, id: 'mn1@pmip.example' }], autoPad: true }), LMAA);
  const ra = h.ras().slice(before).at(-1)?.msg as RouterAdvertisement | undefined;
  return ra?.prefixes.map((p) => `${p.prefix} ${p.validLifetime}/${p.preferredLifetime}`) ?? ['no RA'];
}

/** Update Notification scenarios (RFC 7077) */
const upns = (h: LmaHarness) => h.sent.filter((s) => s.msg.type === 19).map((s) => s.msg as UpdateNotification);
function notifiedLma(q: string[], reason = 2): LmaHarness {
  const h = new LmaHarness({ quirks: q, cfg: notificationDomain() });
  h.pbu({ llId: LL1 });
  h.core.notify({ mn: 'mn1@pmip.example' }, reason);
  return h;
}
/** A registered MAG (MN1 attached) after the UPNs `send` delivers: what it sent since. */
async function magAfterUpn(q: string[], send: (h: MagHarness) => void): Promise<{ pbus: number; upas: UpdateNotificationAck[]; last: ReturnType<MagHarness['lastPbu']> }> {
  const h = new MagHarness({ quirks: q, cfg: notificationDomain() });
  h.rs();
  h.answer();
  await settle();
  const before = h.pbus().length;
  send(h);
  return { pbus: h.pbus().length - before, upas: h.mh.filter((s) => s.msg.type === 20).map((s) => s.msg as UpdateNotificationAck), last: h.lastPbu() };
}
const realOptions = (m: { options: { type: number }[] }) => m.options.filter((o) => o.type > 1).map((o) => o.type);

/** LMA scenarios */
const pba = (q: string[], spec: Parameters<LmaHarness['pbu']>[0] = {}, src = MAG1) => new LmaHarness({ quirks: q }).pbu({ llId: LL1, ...spec }, src);
function handover(q: string[]): [BindingAck, BindingAck, LmaHarness] {
  const h = new LmaHarness({ quirks: q });
  const a = h.pbu({ llId: LL1 })!;
  h.clock.advance(10);
  const b = h.pbu({ seq: 2, llId: LL1, hi: 3 }, MAG2)!;
  return [a, b, h];
}

/** GRE keys (RFC 5845): an LMA of a greKeys domain and a PBU asking for downlink key 5. */
const greLma = (q: string[]) => new LmaHarness({ quirks: q, cfg: greDomain() });
const GRE_PBU = { llId: LL1, extra: [{ type: 33 as const, key: 5 }] };
/** DHCPv6 relay: what mag1 sends the server for mn1's Solicit, and what the MN gets back from the server's Reply. */
/** What mag1's DHCPv4 server sends an IPv4 MN (10.64.0.2/29, router 10.64.0.1) that sends a DISCOVER. */
function servedV4(q: string[], dhcpServer = true): ToClient[] {
  const out: ToClient[] = [];
  const counters = { inc() {} } as unknown as Counters;
  const access = new Dhcpv4Access({
    defaultMode: 'server', relayServer: null, quirks: new Quirks(q, 'mag'), log: silentLog(new VirtualClock(), 'mag'), counters,
    sessions: () => [{ iface: 'acc1', mac: V4ONLY_MAC, state: 'registered', lifetime: 40, ipv4: { address: '10.64.0.2', prefixLength: 29, router: '10.64.0.1', dhcpServer } }],
    toClient: (p) => out.push(p), toServer: () => undefined,
  });
  const discover = encodeDhcpv4({
    op: 1, htype: 1, hlen: 6, hops: 0, xid: 7, secs: 0, flags: 0x8000, ciaddr: '0.0.0.0', yiaddr: '0.0.0.0', siaddr: '0.0.0.0', giaddr: '0.0.0.0',
    chaddr: V4ONLY_MAC, cookie: true, options: [{ code: 53, type: 1 }, { code: 255 }],
  });
  access.fromClient('acc1', discover);
  return out;
}

function relayed(q: string[]): { forward: Dhcpv6Message | null; reply: Dhcpv6Message | null } {
  const sent: { to: 'server' | 'client'; bytes: Uint8Array }[] = [];
  const quiet = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined } as unknown as Logger;
  const r = new Dhcpv6Relay({
    server: '2001:db8:2::2', self: { name: 'mag1', address: MAG1 }, quirks: new Quirks(q), log: quiet, counters: { inc: () => undefined } as unknown as Counters,
    sessions: () => [{ iface: 'acc0', mac: '02:00:00:00:01:01', state: 'registered', hnps: [HNP] }],
    sendToServer: (bytes) => sent.push({ to: 'server', bytes }), sendToClient: (_i, _d, bytes) => sent.push({ to: 'client', bytes }),
  });
  const ia = { code: 3 as const, iaid: 0x01010101, t1: 0, t2: 0, options: [] };
  r.fromClient('acc0', MN1_LL, encodeDhcpv6({ msgType: 1, transactionId: 7, options: [{ code: 1, duid: '00030001020000000101' }, ia] }));
  const fwd = sent.find((x) => x.to === 'server');
  const forward = fwd ? decodeDhcpv6(fwd.bytes, 0, fwd.bytes.length) : null;
  const fwdInner = forward && isRelay(forward) ? innermostDhcpv6(forward) : undefined;
  const serverIa = fwdInner?.options.find((o) => o.code === 3) ?? ia;
  r.fromServer(encodeDhcpv6({ msgType: 13, hopCount: 0, linkAddress: '::', peerAddress: MN1_LL, options: [{ code: 18, id: Buffer.from('acc0').toString('hex') }, { code: 9, message: { msgType: 7, transactionId: 7, options: [serverIa] } }] }), '2001:db8:2::2');
  const back = sent.find((x) => x.to === 'client');
  return { forward, reply: back ? decodeDhcpv6(back.bytes, 0, back.bytes.length) : null };
}

/** IPv4 home address scenarios (RFC 5844): mn1 dual-stack, V4ONLY IPv4-only, pool 10.64.0.0/16 */
const V4_REQ = { type: 36, prefixLength: 0, address: '0.0.0.0' } as const;
const OFFLOADED = { startDst: '198.51.100.0', endDst: '198.51.100.255' };
const count = (m: { options: { type: number }[] }, type: number) => m.options.filter((o) => o.type === type).length;
const firstPbu4 = (q: string[], mac: string) => { const h = new MagHarness({ quirks: q, cfg: ipv4Domain() }); h.rs(mac); return h.lastPbu(); };
const registered4 = (q: string[]) => registered(q, ipv4Domain(), (spec) => {
  spec.options = [...(spec.options ?? []).filter((o) => o.type !== 36), { type: 37, status: 0, prefixLength: 16, address: '10.64.0.2' }, { type: 38, address: '10.64.0.1' }];
});
async function refreshPbu4(q: string[]) {
  const h = await registered4(q);
  h.clock.advance(320_000);
  h.core.onNeighborAdvertisement('acc1', MN1_LL);
  return h.pbus().length > 1 ? h.lastPbu() : null;
}
const pba4 = (q: string[], spec: Parameters<LmaHarness['pbu']>[0]) => new LmaHarness({ quirks: q, cfg: ipv4Domain() }).pbu({ llId: LL1, ...spec });
function refreshPba4(q: string[]): BindingAck {
  const h = new LmaHarness({ quirks: q, cfg: ipv4Domain() });
  const first = h.pbu({ llId: LL1, extra: [V4_REQ] })!;
  h.clock.advance(10);
  return h.pbu({ seq: 2, llId: LL1, hi: 5, hnps: findOptions(first.options, 22).map((o) => o.prefix), extra: [{ ...V4_REQ, prefixLength: 16, address: '10.64.0.2' }] })!;
}

/** IPsec: the XFRM lines a node of a manual-keyed domain with two MAGs installs. */
const IPSEC_LMAA = '2001:db8::1';
const key = (spi: number) => ({ spi, key: spi.toString(16).padStart(64, '0') });
function xfrm(role: 'lma' | 'mag', q: string[]): string[] {
  const settings = { mode: 'manual' as const, esp: 'null-sha256' as const, waitMs: 1000, keys: [
    { mag: 'mag1', magToLma: key(0x1001), lmaToMag: key(0x1002) }, { mag: 'mag2', magToLma: key(0x2001), lmaToMag: key(0x2002) }] };
  const pairs = role === 'lma' ? [{ mag: 'mag1', peer: MAG1 }, { mag: 'mag2', peer: MAG2 }] : [{ mag: 'mag1', peer: IPSEC_LMAA }];
  return planIpsec({ settings, role, self: role === 'lma' ? IPSEC_LMAA : MAG1, pairs, quirks: new Quirks(q) }).install;
}
const spis = (lines: string[]) => [...new Set(lines.flatMap((l) => / spi (0x[0-9a-f]+)/.exec(l)?.[1] ?? []))];

const cases: Record<QuirkName, { observe: Observe; normal: unknown; quirky: unknown }> = {
  'omit-timestamp': { observe: (q) => findOption(firstPbu(q).options, 27) !== undefined, normal: true, quirky: false },
  'att-zero': { observe: (q) => findOption(firstPbu(q).options, 24)!.value, normal: 3, quirky: 0 },
  'hi-3-on-attach': { observe: (q) => findOption(firstPbu(q).options, 23)!.value, normal: 1, quirky: 3 },
  'no-mn-ll-id': { observe: (q) => findOption(firstPbu(q).options, 25)?.id, normal: LL1, quirky: undefined },
  'refresh-with-zero-hnp': { observe: async (q) => findOptions((await refreshPbu(q))!.options, 22).map((o) => o.prefix), normal: [HNP], quirky: ['::/0'] },
  'refresh-hi-1': { observe: async (q) => findOption((await refreshPbu(q))!.options, 23)!.value, normal: 5, quirky: 1 },
  'dereg-hi-1': { observe: async (q) => findOption((await deregPbu(q))!.options, 23)!.value, normal: 4, quirky: 1 },
  'unaligned-options': {
    observe: (q) => firstPbu(q).options.filter((o) => o.type === 22 || o.type === 26 || o.type === 27).map((o) => `${o.type}@${o.offset % 8}`),
    normal: ['22@4', '27@2', '26@6'], quirky: ['22@4', '27@3', '26@5'],
  },
  'no-retransmit': { observe: pbuCountAfter(1000), normal: 2, quirky: 1 },
  'no-backoff': { observe: pbuCountAfter(3000), normal: 3, quirky: 4 },
  'no-refresh': { observe: async (q) => (await refreshPbu(q)) !== null, normal: true, quirky: false },
  'no-dereg': { observe: async (q) => (await deregPbu(q))?.lifetimeUnits ?? 'none', normal: 0, quirky: 'none' },
  'dereg-cleanup-late': {
    // An unanswered de-registration: still listed 1.5 s on?
    observe: async (q) => { const h = await registered(q); h.core.onLinkChange('acc1', false); h.clock.advance(1500); return h.core.dump().length; },
    normal: 0, quirky: 1,
  },
  'ra-without-hnp': { observe: async (q) => (await lastRa(q)).prefixes.map((p) => p.prefix), normal: [HNP], quirky: [] },
  'ra-zero-router-lifetime': { observe: async (q) => (await lastRa(q)).routerLifetime, normal: 1800, quirky: 0 },
  'ra-no-mtu': { observe: async (q) => (await lastRa(q)).mtu, normal: 1460, quirky: undefined },
  'tunnel-ignores-ptb': {
    observe: async (q) => { const h = await registered(q); h.core.onTunnelPacketTooBig(1400); await settle(); return (h.ras().at(-1)!.msg as RouterAdvertisement).mtu; },
    normal: 1360, quirky: 1460,
  },

  'pba-no-p-flag': { observe: (q) => pba(q)!.flags.P, normal: true, quirky: false },
  'wrong-seq-in-pba': { observe: (q) => pba(q, { seq: 77 })!.seq, normal: 77, quirky: 78 },
  'lifetime-in-seconds': { observe: (q) => pba(q, { lifetimeUnits: 100 })!.lifetimeUnits, normal: 100, quirky: 400 },
  'no-lla': { observe: (q) => findOption(pba(q)!.options, 26) !== undefined, normal: true, quirky: false },
  'pba-no-timestamp': { observe: (q) => findOption(pba(q)!.options, 27) !== undefined, normal: true, quirky: false },
  'pba-hi-zero': { observe: (q) => findOption(pba(q)!.options, 23)!.value, normal: 1, quirky: 0 },
  'pba-header-len-short': {
    // The PBA creating the binding runs past its Header Len; the one answering the next PBU does not.
    observe: (q) => {
      const h = new LmaHarness({ quirks: q });
      const created = h.pbu({ llId: LL1 })!;
      h.clock.advance(10);
      const updated = h.pbu({ seq: 2, llId: LL1 })!;
      return [created, updated].map((m) => m.malformed ?? `${m.length} octets`);
    },
    normal: ['112 octets', '112 octets'], quirky: ['option 27 at offset 98 overruns the header', '112 octets'],
  },
  'dereg-ack-lifetime': {
    observe: (q) => { const h = new LmaHarness({ quirks: q }); h.pbu({ llId: LL1 }); return h.pbu({ seq: 2, llId: LL1, hi: 4, hnps: [HNP], lifetimeUnits: 0 })!.lifetimeUnits; },
    normal: 0, quirky: 100,
  },
  'new-lla-on-handover': {
    observe: (q) => { const [a, b] = handover(q); return findOption(a.options, 26)!.address === findOption(b.options, 26)!.address; },
    normal: true, quirky: false,
  },
  'same-hnp-for-all-mns': {
    observe: (q) => { const h = new LmaHarness({ quirks: q }); h.pbu({}); return findOption(h.pbu({ mnId: 'mn2@pmip.example' })!.options, 22)!.prefix; },
    normal: '2001:db8:a000:1::/64', quirky: HNP,
  },
  'accept-unknown-mn': { observe: (q) => pba(q, { mnId: 'stranger@pmip.example' })!.status, normal: 153, quirky: 0 },
  'accept-stale-timestamp': {
    observe: (q) => {
      const h = new LmaHarness({ quirks: q });
      const t = h.clock.wallMs();
      h.pbu({ llId: LL1, tsWallMs: t });
      h.clock.advance(100);
      return h.pbu({ seq: 2, llId: LL1, hi: 5, hnps: [HNP], tsWallMs: t - 50 })!.status;
    },
    normal: 157, quirky: 0,
  },
  'ignore-timestamp-window': { observe: (q) => pba(q, { tsOffsetMs: -5000 })!.status, normal: 156, quirky: 0 },
  'reject-unknown-option': { observe: (q) => pba(q, { extra: [{ type: 240, data: '0000' }] })!.status, normal: 0, quirky: 128 },
  'no-binding-error': {
    observe: (q) => { const h = new LmaHarness({ quirks: q }); h.core.receive(Uint8Array.from([59, 0, 200, 0, 0, 0, 0, 0]), MAG1); return h.sent.map((s) => s.msg.type); },
    normal: [7], quirky: [],
  },
  'delete-bce-at-once': {
    observe: (q) => {
      const h = new LmaHarness({ quirks: q });
      h.pbu({ mnId: 'mn1@pmip.example', llId: LL1 });
      h.pbu({ seq: 2, llId: LL1, hi: 4, hnps: [HNP], lifetimeUnits: 0 });
      h.clock.advance(2000);
      return findOption(h.pbu({ seq: 3, llId: LL1, hi: 3 }, MAG2)!.options, 22)!.prefix;
    },
    normal: HNP, quirky: '2001:db8:a000:1::/64',
  },
  'ack-foreign-dereg': {
    observe: (q) => { const [, , h] = handover(q); h.clock.advance(10); return h.pbu({ seq: 3, llId: LL1, hi: 4, hnps: [HNP], lifetimeUnits: 0 }, MAG1)?.status ?? 'no PBA'; },
    normal: 'no PBA', quirky: 0,
  },
  'crash-on-oversized-nai': {
    observe: (q) => {
      try { return pba(q, { mnId: `${'x'.repeat(140)}@pmip.example` })?.status; } catch (err) { return (err as Error).name; }
    },
    normal: 153, quirky: 'RangeError',
  },
  'local-host-routed-locally': {
    // The MAG's rules for a new session: a regular host's packets to the MN's prefix go into the tunnel.
    observe: async (q) => {
      const lines: string[] = [];
      const ip = { runOrThrow: async (l: string[]) => { lines.push(...l); }, run: async (l: string[]) => { lines.push(...l); return []; } } as unknown as IpBatch;
      const dp = new MagTunnelDataplane(ip, silentLog(new VirtualClock(), 'mag'), 'tun', MAG1, LMAA, 'eth0', null, ['acc1'], new Quirks(q));
      await dp.addSession({ iface: 'acc1', hnps: [parsePrefix(HNP)], lla: null, lma: LMAA });
      return lines.filter((l) => / to \S+ iif acc1 /.test(l));
    },
    normal: [`rule add pref 210 to ${HNP} iif acc1 table 100`], quirky: [],
  },
  'downlink-to-old-mag': { observe: (q) => handover(q)[2].dp.ops.at(-1), normal: `route ${HNP} via ${MAG2}`, quirky: `route ${HNP} via ${MAG1}` },
  'hb-request-u-flag': { observe: async (q) => heartbeats((await hbMag(q)).mh, LMAA)[0]!.flags, normal: { U: false, R: false }, quirky: { U: true, R: false } },
  'hb-wrong-seq': {
    observe: (q) => { const h = new LmaHarness({ quirks: q, cfg: heartbeatDomain() }); heartbeatTo(h.core, MAG1, 7); return heartbeats(h.sent, MAG1)[0]!.seq; },
    normal: 7, quirky: 8,
  },
  'hb-without-binding': { observe: requestsAfterDereg, normal: 0, quirky: 2 },
  'hb-seq-repeats': {
    observe: async (q) => { const h = await hbMag(q); h.clock.advance(30_000); const [a, b] = heartbeats(h.mh, LMAA); return b!.seq - a!.seq; },
    normal: 1, quirky: 0,
  },
  'hb-no-restart-counter': {
    observe: (q) => { const h = new LmaHarness({ quirks: q, cfg: heartbeatDomain() }); heartbeatTo(h.core, MAG1, 1); return findOption(heartbeats(h.sent, MAG1)[0]!.options, 28)?.value; },
    normal: 0, quirky: undefined,
  },
  'hb-ignores-be2': { observe: requestsAfterBe2, normal: 0, quirky: 2 },
  'bri-no-mn-id': { observe: (q) => findOption(bris(revokedLma(q))[0]!.bri.options, 8)?.id, normal: 'mn1@pmip.example', quirky: undefined },
  'bri-wrong-dst': { observe: (q) => bris(revokedLma(q))[0]!.dst, normal: MAG1, quirky: MAG2 },
  'bra-wrong-seq': { observe: async (q) => (await braFor(q, 1)).seq, normal: 9, quirky: 10 },
  'bra-success-while-attached': { observe: async (q) => (await braFor(q, 4)).status, normal: 132, quirky: 0 },
  'bri-no-retransmit': { observe: (q) => { const h = revokedLma(q); h.clock.advance(5000); return bris(h).length; }, normal: 2, quirky: 1 },
  'bra-stray-answered': {
    observe: (q) => {
      const h = new LmaHarness({ quirks: q, cfg: revocationDomain() });
      h.core.receive(encodeMobilityHeader({ type: 16, brType: 2, status: 0, seq: 77, flags: { P: true }, options: [], autoPad: true }), MAG1);
      return h.sent.map((s) => s.msg.type);
    },
    normal: [], quirky: [7],
  },
  'bri-hi4-no-revoke': {
    observe: (q) => { const h = new LmaHarness({ quirks: q, cfg: revocationDomain() }); h.pbu({}); h.pbu({ seq: 2, hi: 4 }, MAG2); return bris(h).map((b) => `${b.dst} trigger ${b.bri.trigger}`); },
    normal: [`${MAG1} trigger 4`], quirky: [],
  },
  'global-bri-trigger-1': { observe: (q) => bris(revokedLma(q, { global: true }))[0]!.bri.trigger, normal: 128, quirky: 1 },
  'upn-both-ids': { observe: (q) => realOptions(upns(notifiedLma(q))[0]!), normal: [8], quirky: [8, 50] },
  'upn-seq-decreasing': { observe: (q) => { const h = notifiedLma(q); h.core.notify({ mn: 'mn1@pmip.example' }, 1); const [a, b] = upns(h); return (b!.seq - a!.seq) & 0xffff; }, normal: 1, quirky: 0xffff },
  'upn-retransmit-d-clear': { observe: (q) => { const h = notifiedLma(q); h.clock.advance(1000); return upns(h).map((u) => u.flags.D); }, normal: [false, true], quirky: [false, false] },
  'upn-retransmit-thrice': { observe: (q) => { const h = notifiedLma(q); h.clock.advance(10_000); return upns(h).length; }, normal: 2, quirky: 4 },
  'upn-ignores-be2': {
    observe: (q) => {
      const h = notifiedLma(q);
      h.core.receive(encodeMobilityHeader({ type: 7, status: 2, homeAddress: '::' }), MAG1);
      h.core.notify({ mn: 'mn1@pmip.example' }, 2);
      return upns(h).length;
    },
    normal: 1, quirky: 2,
  },
  'upa-no-echo': { observe: async (q) => realOptions((await magAfterUpn(q, (h) => upnTo(h.core, 5, 2, { A: true }))).upas[0]!), normal: [8], quirky: [] },
  'upn-no-reregistration': { observe: async (q) => (await magAfterUpn(q, (h) => upnTo(h.core, 5, 1))).pbus, normal: 1, quirky: 0 },
  'upn-params-accepted': { observe: async (q) => (await magAfterUpn(q, (h) => upnTo(h.core, 5, 2, { A: true }))).upas[0]!.status, normal: 128, quirky: 0 },
  'upn-no-ani': { observe: async (q) => findOption((await magAfterUpn(q, (h) => upnTo(h.core, 5, 4))).last.options, 52) !== undefined, normal: true, quirky: false },
  'upn-duplicate-acted': {
    observe: async (q) => (await magAfterUpn(q, (h) => { upnTo(h.core, 5, 1, { A: true }); upnTo(h.core, 5, 1, { A: true, D: true }); })).pbus,
    normal: 1, quirky: 2,
  },
  'hb-no-unsolicited': {
    observe: (q) => {
      const h = new LmaHarness({ quirks: q, cfg: heartbeatDomain(), restart: { restartCounter: 4, formerPeers: [MAG1, MAG2], rememberPeers: () => undefined } });
      h.core.announceRestart();
      return h.sent.filter((s) => s.msg.type === 13).map((s) => `${s.dst} U=${(s.msg as HeartbeatMessage).flags.U} RC=${findOption(s.msg.options, 28)?.value}`);
    },
    normal: [`${MAG1} U=true RC=4`, `${MAG2} U=true RC=4`], quirky: [],
  },
  'no-ipsec': { observe: (q) => xfrm('mag', q).filter((l) => l.includes(' tmpl ')).length, normal: 2, quirky: 0 },
  'accept-unprotected-pbu': { observe: (q) => xfrm('lma', q).filter((l) => l.includes('dir in') && !l.includes(' tmpl ')), normal: [], quirky: [`xfrm policy add src ::/0 dst ${IPSEC_LMAA}/128 proto 135 dir in priority 10`] },
  'wrong-spi-per-mag': { observe: (q) => spis(xfrm('lma', q)), normal: ['0x1001', '0x1002', '0x2001', '0x2002'], quirky: ['0x1001', '0x1002'] },
  'spd-pbu-pba-only': { observe: (q) => xfrm('lma', q).filter((l) => l.includes('policy')).map((l) => / type (\d)/.exec(l)?.[1] ?? 'all'), normal: ['all', 'all', 'all', 'all'], quirky: ['6', '5', '6', '5'] },
  'esp-tunnel-mode': { observe: (q) => [...new Set(xfrm('mag', q).map((l) => / mode (\w+)/.exec(l)?.[1]))], normal: ['transport'], quirky: ['tunnel'] },
  'pba-no-gre-key': { observe: (q) => greLma(q).pbu(GRE_PBU)!.options.some((o) => o.type === 33), normal: true, quirky: false },
  'gre-uplink-key-changes': {
    observe: (q) => { const h = greLma(q); const a = h.pbu(GRE_PBU)!; const b = h.pbu({ ...GRE_PBU, seq: 2, hi: 5 })!; return findOption(a.options, 33)!.key === findOption(b.options, 33)!.key; },
    normal: true, quirky: false,
  },
  'gre-keys-swapped-in-data': { observe: (q) => tunnelKeys('mag', { down: 1, up: 2 }, new Quirks(q)), normal: { outKey: 2, inKey: 1 }, quirky: { outKey: 1, inKey: 2 } },
  'dhcpv6-no-relay': { observe: (q) => relayed(q).forward?.msgType ?? 'nothing relayed', normal: 12, quirky: 'nothing relayed' },
  'dhcpv6-link-address-outside-hnp': { observe: (q) => { const f = relayed(q).forward; return f && isRelay(f) ? f.linkAddress : null; }, normal: '2001:db8:a000::1', quirky: MAG1 },
  'dhcpv6-iaid-per-mag': {
    // The server sees another IAID; the MN gets its own back.
    observe: (q) => { const { forward, reply } = relayed(q); return [forward && innermostDhcpv6(forward)?.options.find((o) => o.code === 3), reply?.options[0]].map((o) => (o && 'iaid' in o ? o.iaid === 0x01010101 : null)); },
    normal: [true, true], quirky: [false, true],
  },
  'dhcpv6-extra-hnp-on-handover': { observe: (q) => findOptions(handover(q)[1].options, 22).map((o) => o.prefix), normal: [HNP], quirky: [HNP, '2001:db8:a000:1::/64'] },
  // IPv4 home addresses (RFC 5844)
  'ipv4-request-twice': { observe: (q) => count(firstPbu4(q, MN1_MAC), 36), normal: 1, quirky: 2 },
  'ipv4-only-sends-hnp': { observe: (q) => count(firstPbu4(q, V4ONLY_MAC), 22), normal: 0, quirky: 1 },
  'ipv4-any-source-tunnelled': { observe: async (q) => (await registered4(q)).dp.added.at(-1)?.ipv4AnySource === true, normal: false, quirky: true },
  'refresh-ipv4-zero': { observe: async (q) => findOption((await refreshPbu4(q))!.options, 36)?.address, normal: '10.64.0.2', quirky: '0.0.0.0' },
  'ipv4-requires-hnp': { observe: (q) => pba4(q, { mnId: V4ONLY, omit: [22], extra: [V4_REQ] })?.status, normal: 0, quirky: 158 },
  'accept-multiple-ipv4-requests': { observe: (q) => pba4(q, { extra: [V4_REQ, V4_REQ] })?.status, normal: 173, quirky: 0 },
  'ipv4-foreign-address-accepted': { observe: (q) => pba4(q, { extra: [{ ...V4_REQ, prefixLength: 16, address: '10.64.0.77' }] })?.status, normal: 171, quirky: 0 },
  'pba-no-ipv4-reply-on-refresh': { observe: (q) => count(refreshPba4(q), 37), normal: 1, quirky: 0 },
  'no-ipv4-default-router': { observe: (q) => count(pba4(q, { extra: [V4_REQ] })!, 38), normal: 1, quirky: 0 },
  // DHCPv4 and ARP toward IPv4 MNs (RFC 5844 §3.2.3.2, §3.2.4)
  'dhcpv4-router-wrong': { observe: (q) => servedV4(q)[0]?.message.options.find((o) => o.code === 3), normal: { code: 3, addresses: ['10.64.0.1'] }, quirky: { code: 3, addresses: ['10.64.0.2'] } },
  'dhcpv4-silent': { observe: (q) => servedV4(q).map((p) => p.message.yiaddr), normal: ['10.64.0.2'], quirky: [] },
  'router-arp-ignored': { observe: (q) => accessArpSysctls(new Quirks(q, 'mag')).arp_ignore ?? 0, normal: 0, quirky: 8 },
  'dhcpv4-server-when-relay': { observe: (q) => servedV4(q, false).map((p) => p.message.yiaddr), normal: [], quirky: ['10.64.0.2'] },
  'no-proxy-arp': { observe: (q) => accessArpSysctls(new Quirks(q, 'mag')).proxy_arp ?? 0, normal: 1, quirky: 0 },
  'ipv4-only-pba-with-hnp': { observe: (q) => count(pba4(q, { mnId: V4ONLY, omit: [22], extra: [V4_REQ] })!, 22), normal: 0, quirky: 1 },
  // RFC 6909 offload: the LMA answers a PBU that did not ask; the MAG's breakout rules and NAT.
  'offload-unasked': { observe: (q) => count(new LmaHarness({ quirks: q, cfg: offloadDomain() }).pbu({ llId: LL1, extra: [V4_REQ] })!, 53), normal: 0, quirky: 1 },
  'offload-tunnels-everything': { observe: (q) => sessionRules('acc1', '10.64.0.2', [OFFLOADED], new Quirks(q)).length, normal: 1, quirky: 0 },
  'offload-everything': {
    observe: (q) => sessionRules('acc1', '10.64.0.2', [OFFLOADED], new Quirks(q)),
    normal: ['pref 190 from 10.64.0.2/32 iif acc1 to 198.51.100.0/24 table 6909'], quirky: ['pref 190 from 10.64.0.2/32 iif acc1 table 6909'],
  },
  'offload-no-nat': { observe: (q) => natScript(offloadDomain().offload!.mags.get('mag1')!, new Quirks(q)).includes('oifname "brk0" masquerade'), normal: true, quirky: false },
  'dereg-ack-cleanup-late': {
    // An accepted de-registration: still listed 4 s on?
    observe: async (q) => { const h = await registered(q); h.core.onLinkChange('acc1', false); h.answer(0); h.clock.advance(4000); return h.core.dump().length; },
    normal: 0, quirky: 1,
  },
  'bce-delete-late': {
    // MinDelayBeforeBCEDelete of the test domain, and a second more: still there?
    observe: (q) => {
      const h = new LmaHarness({ quirks: q });
      h.pbu({ mnId: 'mn1@pmip.example', llId: LL1 });
      h.pbu({ seq: 2, llId: LL1, hi: 4, hnps: [HNP], lifetimeUnits: 0 });
      h.clock.advance(h.cfg.lma.minDelayBeforeBCEDelete + 1000);
      return h.core.bindings().length;
    },
    normal: 0, quirky: 1,
  },
  'bce-expires-late': {
    // Its lifetime and 2 s more without a refresh: still there?
    observe: (q) => {
      const h = new LmaHarness({ quirks: q });
      const pba = h.pbu({ mnId: 'mn1@pmip.example', llId: LL1 })!;
      h.clock.advance(pba.lifetimeUnits * 4000 + 2000);
      return h.core.bindings().length;
    },
    normal: 0, quirky: 1,
  },
  'ecn-not-propagated': { observe: (q) => propagatesEcn(new Quirks(q)), normal: true, quirky: false },
  'no-prefix-withdrawal': { observe: raAfterRevocation, normal: [`${HNP} 0/0`], quirky: [] },
  'lma-no-hnp-route': {
    // The LMA data plane's lines when a binding's HNP is routed to MAG1.
    observe: (q) => {
      const lines: string[] = [];
      const ip = { run: async (l: string[]) => { lines.push(...l); return []; } } as unknown as IpBatch;
      new LmaTunnelDataplane(ip, silentLog(new VirtualClock(), 'lma'), 'tun', LMAA, 'eth0', [MAG1], new Quirks(q)).routePrefix(parsePrefix(HNP), MAG1);
      return lines;
    },
    normal: [`route replace ${HNP} dev pmip6tnl0`], quirky: [],
  },
  'mag-own-link-local': {
    // RFC 6543 mode: what the MAG does to its access link's own link-local address.
    observe: (q) => new MagTunnelDataplane({} as IpBatch, silentLog(new VirtualClock(), 'mag'), 'tun', MAG1, LMAA, 'eth0', { address: 'fe80::200:5eff:fe00:5213', mac: '00:00:5e:00:52:13' }, ['acc1'], new Quirks(q))
      .fixedAddressLines('acc1').filter((l) => l.startsWith('addr flush')),
    normal: ['addr flush dev acc1 scope link'], quirky: [],
  },
  'udp-mh-checksum-nonzero': { observe: async (q) => (await overUdp(q, 'mag', (t) => t.mag.send(PBU_BYTES, MAG1_LABEL_LMA)!)).mh.readUInt16BE(4) !== 0, normal: false, quirky: true },
  'pba-from-wrong-port': {
    observe: async (q) => (await overUdp(q, 'lma', async (t, peer) => { await peer.send(PBU_BYTES, UDP_LMA); await t.delivered; await t.lma.send(PBA_BYTES, MAG1)!; })).from.port,
    normal: 5436, quirky: 'an ephemeral port',
  },
  'forced-udp-accepted': { observe: (q) => lmaV4(q).refusesForcedUdp(MAG1), normal: true, quirky: false },
  'udp-mh-checksum-verified': {
    observe: async (q) => {
      const bad = Uint8Array.from(PBU_BYTES);
      bad[4] = 0xbe; bad[5] = 0xef;
      let delivered = false;
      await overUdp(q, 'lma', async (t, peer) => {
        await peer.send(bad, UDP_LMA);
        // The PBA comes after the delivery; a dropped PBU gets neither: wait for a later one that is never dropped.
        await peer.send(PBU_BYTES, UDP_LMA);
        await t.delivered;
        delivered = t.deliveredCount() > 1;
      }, false);
      return delivered;
    },
    normal: true, quirky: false,
  },
  'bri-over-ipv6-when-ipv4-transport': {
    observe: async (q) => { let ipv6 = false; await overUdp(q, 'lma', (t) => { const p = t.lma.send(BRI_BYTES, MAG1); ipv6 = p === null; return p ?? Promise.resolve(); }, false); return ipv6; },
    normal: false, quirky: true,
  },
};

/** RFC 5844 §4 transport scenarios: pmipd/ipv4/transport.ts on loopback addresses of their own. */
const UDP_LMA = { address: '127.54.36.1', port: 5436 }, UDP_MAG = '127.54.36.2';
const MAG1_LABEL_LMA = LMAA;
const V4_MAGS = [{ name: 'mag1', address: MAG1 }];
const PBU_BYTES = encodeMobilityHeader({ type: 5, seq: 1, flags: { A: true, P: true }, lifetime: 4, autoPad: true, options: [] });
const PBA_BYTES = encodeMobilityHeader({ type: 6, status: 0, seq: 1, lifetime: 4, autoPad: true, options: [] });
const BRI_BYTES = encodeMobilityHeader({ type: 16, brType: 1, trigger: 1, seq: 1, flags: { P: true }, autoPad: true, options: [] });
const v4Settings = (accept: boolean): Ipv4TransportSettings => ({ lmaAddress: UDP_LMA.address, acceptForcedUdp: accept, mags: new Map([['mag1', { address: UDP_MAG, forceUdp: true }]]) });
const v4Log = () => silentLog(new VirtualClock(), 'v4');
const lmaV4 = (q: string[]) => new LmaIpv4Transport(v4Settings(false), V4_MAGS, new Quirks(q), v4Log());

/**
 * The quirk's side (`role`) on its address, a plain UDP socket as the other side; `act` sends.
 * Resolves with the first message the plain socket received (or none when `expect` is false).
 */
async function overUdp(q: string[], role: 'lma' | 'mag',
  act: (t: { lma: LmaIpv4Transport; mag: MagIpv4Transport; delivered: Promise<void>; deliveredCount: () => number }, peer: UdpMhSocket) => Promise<void>, expect = true): Promise<{ mh: Buffer; from: UdpMhPeer }> {
  const lma = lmaV4(role === 'lma' ? q : []);
  const mag = new MagIpv4Transport(v4Settings(false), 'mag1', LMAA, new Quirks(role === 'mag' ? q : []), v4Log());
  let delivered!: () => void;
  let count = 0;
  const deliveredP = new Promise<void>((r) => { delivered = r; });
  let got: ((m: { mh: Buffer; from: UdpMhPeer }) => void) | undefined;
  const received = new Promise<{ mh: Buffer; from: UdpMhPeer }>((r) => { got = r; });
  const peer = await UdpMhSocket.open(role === 'lma' ? UDP_MAG : UDP_LMA.address, (mh, from) => got!({ mh, from }), () => undefined, role === 'lma' ? 0 : 5436);
  try {
    if (role === 'lma') await lma.open((mh) => { count++; if (mh.readUInt16BE(4) === 0) delivered(); }, () => undefined);
    else await mag.open(() => undefined, () => undefined);
    await act({ lma, mag, delivered: deliveredP, deliveredCount: () => count }, peer);
    if (!expect) return { mh: Buffer.alloc(0), from: { address: '', port: 0 } };
    const r = await received;
    return r.from.port === 5436 ? r : { ...r, from: { ...r.from, port: 'an ephemeral port' as unknown as number } };
  } finally {
    peer.close();
    lma.close();
    mag.close();
  }
}

describe('pmipd quirks: each one deviates on the wire', () => {
  for (const [name, c] of Object.entries(cases) as [QuirkName, (typeof cases)[QuirkName]][]) {
    it(`${name} (${QUIRKS[name].role.toUpperCase()}, breaks ${QUIRKS[name].breaks.join(' ')})`, async () => {
      expect(await c.observe([]), 'without the quirk').to.deep.equal(c.normal);
      expect(await c.observe([name]), 'with the quirk').to.deep.equal(c.quirky);
    });
  }

  it('lists every quirk with its requirement IDs (--list-quirks) and refuses unknown or misplaced ones', () => {
    const table = quirkTable();
    for (const [name, q] of Object.entries(QUIRKS)) {
      const line = table.split('\n').find((l) => l.startsWith(`${name} `))!;
      // A robustness quirk (found by the fuzzer) breaks no catalog requirement.
      if (q.breaks.length > 0) expect(line, name).to.include(q.breaks[0]!);
    }
    expect(() => new Quirks(['no-such-quirk'])).to.throw(UnknownQuirkError, /unknown quirk "no-such-quirk"/);
    expect(() => new Quirks(['no-dereg'], 'lma')).to.throw(UnknownQuirkError, /for the MAG, not the LMA/);
  });
});
