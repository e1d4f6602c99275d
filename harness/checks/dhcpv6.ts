// C.15: DHCPv6 address configuration in a PMIPv6 domain (RFC 5213 §6.11). The MAG relays the MN's
// DHCPv6 (DHCP-01) naming the MN's link by an address of its HNP (DHCP-02); the LMA keeps the
// prefix set of a DHCP-served link for the whole session (DHCP-03); the MN gets the same addresses
// whichever MAG relays (DHCP-04).
import {
  DHCPV6_RELAY_FORW, DHCPV6_RELAY_REPL, DHCPV6_REPLY, dhcpv6Summary, findDhcpv6Option, iaNaAddresses, innermostDhcpv6, isRelay,
  OPTION_CLIENTID, parsePrefix, prefixContains, sameAddress,
} from '../../wire/index.js';
import { accepted, magStateAt, sameSet, setText, type CapturePoint, type Dhcpv6Frame, type Session, type Trace } from '../trace/index.js';
import { check } from './check.js';
import { isRegistration, prefixesAt, servedOn } from './helpers.js';
import type { EvidenceFrame } from './types.js';

/** Messages a client sends to relays and servers (RFC 8415 §7.3). */
const CLIENT_TYPES: ReadonlySet<number> = new Set([1, 3, 4, 5, 6, 8, 9, 11]);
/** A relay forwards at once; this covers a loaded host. */
const RELAY_WITHIN_S = 2;

function dhcpEv(f: Dhcpv6Frame): () => EvidenceFrame {
  return () => ({ ...f.ref, summary: `${f.src} > ${f.dst}: ${dhcpv6Summary(f.msg)}`, decoded: f.msg });
}

function pointOf(t: Trace, f: Dhcpv6Frame): CapturePoint | undefined {
  return t.points[t.pointIndex(f.ref.point)];
}

function inPrefixes(address: string, prefixes: readonly string[]): boolean {
  return prefixes.some((p) => prefixContains(parsePrefix(p), address));
}

/** Client messages on access links, each with the sessions its MAG served there at the time. */
function clientMessages(t: Trace): { f: Dhcpv6Frame; point: CapturePoint; served: Session[] }[] {
  const out: { f: Dhcpv6Frame; point: CapturePoint; served: Session[] }[] = [];
  for (const f of t.dhcpv6) {
    if (isRelay(f.msg) || !CLIENT_TYPES.has(f.msg.msgType) || f.dstPort !== 547) continue;
    const point = pointOf(t, f);
    if (point?.kind !== 'access') continue;
    out.push({ f, point, served: servedOn(t, point, f.ref.time) });
  }
  return out;
}

/** Relay messages of one type, each once (the first sighting among capture points and repeats within a second). */
function relayMessages(t: Trace, type: number): Dhcpv6Frame[] {
  const last = new Map<string, number>();
  const out: Dhcpv6Frame[] = [];
  for (const f of t.dhcpv6) {
    if (f.msg.msgType !== type || !isRelay(f.msg)) continue;
    const inner = innermostDhcpv6(f.msg);
    const key = `${f.src}|${f.dst}|${f.msg.linkAddress}|${f.msg.peerAddress}|${inner?.msgType}|${inner?.transactionId}`;
    const seen = last.get(key);
    last.set(key, f.ref.time);
    if (seen !== undefined && f.ref.time - seen < 1) continue;
    out.push(f);
  }
  return out;
}

export const dhcpv6Relayed = check('dhcpv6-relayed', ['DHCP-01'], (t, [j]) => {
  j!.inconclusiveBecause('no DHCPv6 client message on an access link while its MAG served the MN');
  const forwards = relayMessages(t, DHCPV6_RELAY_FORW);
  const seesRelays = t.points.some((p) => p.kind !== 'access');
  for (const { f, point, served } of clientMessages(t)) {
    // Before its PBA the MAG has no HNP to name the link with: the client retransmits.
    if (served.length === 0 || !seesRelays) continue;
    const m = f.msg as { msgType: number; transactionId: number };
    const fwd = forwards.find((r) => {
      const inner = innermostDhcpv6(r.msg);
      return inner?.msgType === m.msgType && inner.transactionId === m.transactionId && r.ref.time >= f.ref.time - 0.05 && r.ref.time - f.ref.time <= RELAY_WITHIN_S
        && (point.mag === undefined || sameAddress(r.src, point.mag));
    });
    const who = point.mag ?? 'the MAG';
    if (fwd) j!.pass(() => `${who} relayed ${dhcpv6Summary(f.msg)} in a Relay-Forward ${(fwd.ref.time - f.ref.time).toFixed(3)} s later`, [dhcpEv(f), dhcpEv(fwd)]);
    else j!.fail(() => `${who} relayed no ${dhcpv6Summary(f.msg)} of ${served[0]!.mnId} within ${RELAY_WITHIN_S} s`, [dhcpEv(f)], { field: 'Relay-Forward', expected: `from ${who} carrying the message`, seen: 'none' });
  }
});

export const dhcpv6LinkAddress = check('dhcpv6-link-address', ['DHCP-02'], (t, [j]) => {
  j!.inconclusiveBecause('no Relay-Forward from a MAG serving an MN');
  for (const f of relayMessages(t, DHCPV6_RELAY_FORW)) {
    if (!isRelay(f.msg) || f.msg.hopCount !== 0) continue;
    const served = t.sessions.filter((s) => { const st = magStateAt(s, f.ref.time); return st !== undefined && sameAddress(st.mag, f.src); });
    if (served.length === 0) continue;
    const hnps = served.flatMap((s) => prefixesAt(s, f.ref.time));
    const link = f.msg.linkAddress;
    if (inPrefixes(link, hnps)) j!.pass(() => `${f.src}'s Relay-Forward names link ${link}, in ${setText(hnps)}`, [dhcpEv(f)]);
    else j!.fail(() => `${f.src}'s Relay-Forward names link ${link}, outside the HNPs of the MNs it serves`, [dhcpEv(f)], { field: 'link-address', expected: `an address of ${setText(hnps)}`, seen: link });
  }
});

/** Sessions whose MN uses DHCPv6: it sent on an access link while served, or a relay named one of its prefixes. */
function dhcpServed(t: Trace): Set<Session> {
  const out = new Set<Session>();
  for (const c of clientMessages(t)) for (const s of c.served) out.add(s);
  for (const f of t.dhcpv6) {
    if (f.msg.msgType !== DHCPV6_RELAY_FORW || !isRelay(f.msg)) continue;
    const link = f.msg.linkAddress;
    for (const s of t.sessions) if (s.events.some((e) => inPrefixes(link, e.hnps))) out.add(s);
  }
  return out;
}

export const dhcpv6PrefixesKept = check('dhcpv6-prefixes-kept', ['DHCP-03'], (t, [j]) => {
  j!.inconclusiveBecause('no accepted registration of an MN that uses DHCPv6');
  for (const s of dhcpServed(t)) {
    const regs = s.events.filter((e) => isRegistration(e) && e.exchange.pba !== undefined && accepted(e.exchange));
    const first = regs[0];
    if (first === undefined) continue;
    for (const e of regs) {
      const ev = [e.exchange.pba!];
      if (sameSet(e.hnps, first.hnps)) j!.pass(() => `${e.kind} of ${s.mnId} at ${e.mag}: PBA grants ${setText(e.hnps)}, the link's prefixes since attach`, ev);
      else j!.fail(() => `${e.kind} of ${s.mnId} at ${e.mag}: PBA grants ${setText(e.hnps)}, the DHCP-served link had ${setText(first.hnps)}`, ev, { field: 'HNP set', expected: setText(first.hnps), seen: setText(e.hnps) });
    }
  }
});

export const dhcpv6SameAddresses = check('dhcpv6-same-addresses', ['DHCP-04'], (t, [j]) => {
  j!.inconclusiveBecause('no MN got DHCPv6 addresses through two MAGs');
  // Client DUID -> MAG -> the first Reply with addresses through it.
  const byClient = new Map<string, Map<string, { f: Dhcpv6Frame; addresses: string[] }>>();
  const note = (duid: string, mag: string, f: Dhcpv6Frame, addresses: string[]) => {
    let m = byClient.get(duid);
    if (m === undefined) byClient.set(duid, m = new Map());
    if (!m.has(mag)) m.set(mag, { f, addresses });
  };
  for (const f of t.dhcpv6) {
    let mag: string | undefined;
    if (f.msg.msgType === DHCPV6_RELAY_REPL) mag = f.dst;
    else if (f.msg.msgType === DHCPV6_REPLY) mag = pointOf(t, f)?.mag;
    if (mag === undefined) continue;
    const reply = innermostDhcpv6(f.msg);
    if (reply?.msgType !== DHCPV6_REPLY) continue;
    const addresses = iaNaAddresses(reply);
    const duid = findDhcpv6Option(reply.options, OPTION_CLIENTID)?.duid;
    if (addresses.length === 0 || duid === undefined) continue;
    const known = [...(byClient.get(duid)?.keys() ?? [])].find((k) => sameAddress(k, mag!));
    note(duid, known ?? mag, f, addresses);
  }
  for (const [duid, mags] of byClient) {
    const [first, ...others] = [...mags];
    if (first === undefined) continue;
    for (const [mag, r] of others) {
      const ev = [dhcpEv(first[1].f), dhcpEv(r.f)];
      if (sameSet(r.addresses, first[1].addresses)) j!.pass(() => `client ${duid} got ${setText(r.addresses)} through ${mag} as through ${first[0]}`, ev);
      else j!.fail(() => `client ${duid} got ${setText(r.addresses)} through ${mag}, ${setText(first[1].addresses)} through ${first[0]}`, ev, { field: 'IA_NA addresses', expected: setText(first[1].addresses), seen: setText(r.addresses) });
    }
  }
});

export const DHCPV6_CHECKS = [dhcpv6Relayed, dhcpv6LinkAddress, dhcpv6PrefixesKept, dhcpv6SameAddresses];
