// D.1 on the access link: the MAG toward an IPv4 MN (RFC 5844 §3.2.3.2, §3.2.4). The MAG answers
// ARP for the default-router address the LMA named (option 38) and puts that address in the DHCPv4
// Router option; it is the MN's DHCP server when option 39 says S = 1 (or there is none), a relay
// (giaddr set, the message forwarded) when S = 0 (V4-10). It answers ARP for the other addresses of
// the MN's home subnet (proxy ARP, V4-11). What the LMA granted is read from the PBAs, so a
// foreign capture with its access link and the MAG-LMA link is judged alike.
import {
  BOOTREPLY, BOOTREQUEST, DHCPACK, DHCPDISCOVER, DHCPNAK, DHCPOFFER, DHCPREQUEST, dhcpv4Router, dhcpv4Summary, dhcpv4Type,
  findDhcpv4Option, DHCPV4_OPTION, parseIpv4, type ArpPacket,
} from '../../wire/index.js';
import { accepted, magStateAt, optionOf, type ArpFrame, type Dhcpv4Frame, type MhFrame, type Session, type Trace } from '../trace/index.js';
import { check } from './check.js';
import { mhEv } from './evidence.js';
import type { EvidenceFrame, LazyFrame } from './types.js';

/** A server or relay answers at once; this covers a loaded host (and proxy ARP's random delay of up to 0.8 s). */
const ANSWER_WITHIN_S = 2;

/** What the LMA granted a session (options 37, 38, 39 of its last accepted PBA). */
interface Grant { session: Session; address: string; prefixLength: number; router: string; serverMode: boolean | undefined; pba: MhFrame }

function grantAt(s: Session, time: number): Grant | undefined {
  if (magStateAt(s, time) === undefined) return undefined;
  let g: Grant | undefined;
  for (const e of s.events) {
    const pba = e.exchange.pba;
    if (pba === undefined || pba.ref.time > time || !accepted(e.exchange)) continue;
    const reply = optionOf(pba, 37), router = optionOf(pba, 38), mode = optionOf(pba, 39);
    if (reply?.status === 0 && reply.address !== '0.0.0.0' && router !== undefined) {
      g = { session: s, address: reply.address, prefixLength: reply.prefixLength, router: router.address, serverMode: mode?.S ?? g?.serverMode, pba };
    }
  }
  return g;
}

function grantsAt(t: Trace, time: number): Grant[] {
  return t.sessions.map((s) => grantAt(s, time)).filter((g): g is Grant => g !== undefined);
}

const macHex = (mac: string) => mac.replace(/[:-]/g, '').toLowerCase();

function dhcpEv(f: Dhcpv4Frame): () => EvidenceFrame {
  return () => ({ ...f.ref, summary: `${f.src} > ${f.dst}: ${dhcpv4Summary(f.msg)}`, decoded: f.msg });
}

function arpText(a: ArpPacket): string {
  return a.operation === 1 ? `ARP who-has ${a.targetIp} tell ${a.senderIp}` : `ARP ${a.senderIp} is-at ${a.senderMac}`;
}

function arpEv(f: ArpFrame): () => EvidenceFrame {
  return () => ({ ...f.ref, summary: arpText(f.arp), decoded: f.arp });
}

function onAccess(t: Trace, ref: { point: string }): boolean {
  return t.points[t.pointIndex(ref.point)]?.kind === 'access';
}

function lastTimeOf(t: Trace, ref: { point: string }): number {
  return t.points[t.pointIndex(ref.point)]?.lastTime ?? Infinity;
}

/** The reply answering ARP request `q` with `ip`'s hardware address, within the window. */
function arpAnswer(t: Trace, q: ArpFrame, ip: string): ArpFrame | undefined {
  return t.arp.find((r) => r.arp.operation === 2 && r.arp.senderIp === ip && r.ref.point === q.ref.point
    && r.ref.time >= q.ref.time && r.ref.time - q.ref.time <= ANSWER_WITHIN_S && (r.arp.targetMac === q.arp.senderMac || r.arp.targetIp === q.arp.senderIp));
}

/** ARP requests on access links, each once (the first of a burst for the same address from the same asker within a second). */
function arpRequests(t: Trace): ArpFrame[] {
  const last = new Map<string, number>();
  return t.arp.filter((f) => {
    if (f.arp.operation !== 1 || f.arp.senderIp === f.arp.targetIp || !onAccess(t, f.ref)) return false;
    const key = `${f.ref.point}|${f.arp.senderMac}|${f.arp.targetIp}`;
    const seen = last.get(key);
    last.set(key, f.ref.time);
    return seen === undefined || f.ref.time - seen >= 1;
  });
}

function inSubnet(address: string, g: Grant): boolean {
  const a = parseIpv4(address), b = parseIpv4(g.address);
  for (let bit = 0; bit < g.prefixLength; bit++) if (((a[bit >> 3]! ^ b[bit >> 3]!) & (0x80 >> (bit & 7))) !== 0) return false;
  return true;
}

/** The MN's client messages that expect an answer, and the server's answers. */
const ASKS = new Set([DHCPDISCOVER, DHCPREQUEST]);
const ANSWERS = new Set([DHCPOFFER, DHCPACK, DHCPNAK]);

export const ipv4DhcpAndRouterArp = check('ipv4-dhcp-router', ['V4-10'], (t, [j]) => {
  j!.inconclusiveBecause('no DHCPv4 message or ARP for a default-router address on an access link while the LMA granted an IPv4 HoA');
  const dhcp = t.dhcpv4;
  const relayed = dhcp.filter((f) => f.msg.op === BOOTREQUEST && f.msg.giaddr !== '0.0.0.0');
  for (const f of dhcp) {
    if (!onAccess(t, f.ref)) continue;
    const type = dhcpv4Type(f.msg);
    const g = grantsAt(t, f.ref.time).find((x) => x.session.llId !== undefined && macHex(x.session.llId) === macHex(f.msg.chaddr));
    if (g === undefined) continue;
    const ev: LazyFrame[] = [mhEv(t, g.pba), dhcpEv(f)];
    const mode = g.serverMode === false ? 'relay' : 'server';
    if (f.msg.op === BOOTREQUEST && ASKS.has(type) && f.dstPort === 67) {
      // Answered: by the MAG itself (server), or after a relayed copy (relay).
      const answer = dhcp.find((r) => r.msg.op === BOOTREPLY && r.msg.xid === f.msg.xid && r.ref.point === f.ref.point && ANSWERS.has(dhcpv4Type(r.msg))
        && r.ref.time >= f.ref.time && r.ref.time - f.ref.time <= ANSWER_WITHIN_S);
      // Unanswered at the end of the capture: it may have been answered after it.
      if (answer === undefined && lastTimeOf(t, f.ref) - f.ref.time >= ANSWER_WITHIN_S) {
        j!.fail(() => `${g.session.mnId}'s ${dhcpv4Summary(f.msg)} got no answer within ${ANSWER_WITHIN_S} s (option 39 says ${mode})`, ev, { field: 'DHCPv4 answer', expected: `from the MAG as ${mode}`, seen: 'none' });
      }
      continue;
    }
    if (f.msg.op !== BOOTREPLY || (type !== DHCPOFFER && type !== DHCPACK) || f.msg.yiaddr === '0.0.0.0') continue;
    ev.push(...relayed.filter((r) => r.msg.xid === f.msg.xid).slice(0, 1).map(dhcpEv));
    const router = dhcpv4Router(f.msg);
    const serverId = findDhcpv4Option(f.msg.options, DHCPV4_OPTION.SERVER_ID)?.address;
    const wasRelayed = relayed.some((r) => r.msg.xid === f.msg.xid && r.msg.giaddr === g.router && r.ref.time <= f.ref.time);
    const what = `${dhcpv4Summary(f.msg)} to ${g.session.mnId}`;
    if (router !== g.router) {
      j!.fail(() => `${what}: Router option ${router ?? 'absent'}, the PBA's default router is ${g.router}`, ev, { field: 'DHCPv4 option 3 (Router)', expected: g.router, seen: router ?? 'absent' });
    } else if (mode === 'relay' && !wasRelayed) {
      j!.fail(() => `${what}: option 39 says relay (S = 0), but no request of this exchange was relayed with giaddr ${g.router}${serverId === g.router ? ' (the MAG answered as server)' : ''}`, ev,
        { field: 'DHCPv4 role', expected: `relay, giaddr ${g.router}`, seen: serverId === g.router ? 'server' : 'no relayed request' });
    } else if (mode === 'server' && serverId !== g.router) {
      j!.fail(() => `${what}: option 39 says server (S = 1${g.serverMode === undefined ? ', by its absence' : ''}), the Server Identifier is ${serverId ?? 'absent'}`, ev,
        { field: 'DHCPv4 option 54 (Server Identifier)', expected: g.router, seen: serverId ?? 'absent' });
    } else {
      j!.pass(() => `${what}: Router ${router}, the PBA's default router, ${mode === 'relay' ? `relayed with giaddr ${g.router}` : `served by the MAG (Server Identifier ${serverId})`}`, ev);
    }
  }
  // The MAG answers ARP for the default-router address (SHOULD).
  for (const q of arpRequests(t)) {
    const g = grantsAt(t, q.ref.time).find((x) => x.router === q.arp.targetIp);
    if (g === undefined) continue;
    const r = arpAnswer(t, q, g.router);
    if (r === undefined && lastTimeOf(t, q.ref) - q.ref.time < ANSWER_WITHIN_S) continue;
    const ev: LazyFrame[] = [mhEv(t, g.pba), arpEv(q), ...(r !== undefined ? [arpEv(r)] : [])];
    if (r !== undefined) j!.pass(() => `${arpText(q.arp)} (the default router of option 38) answered: ${arpText(r.arp)} ${(r.ref.time - q.ref.time).toFixed(3)} s later`, ev);
    else j!.fail(() => `${arpText(q.arp)}: nobody answered for the default router ${g.router} within ${ANSWER_WITHIN_S} s`, ev, { field: 'ARP reply', expected: `${g.router} is-at <the MAG>`, seen: 'none' });
  }
});

export const ipv4ProxyArp = check('ipv4-proxy-arp', ['V4-11'], (t, [j]) => {
  j!.inconclusiveBecause('no ARP request on an access link from an MN with an IPv4 HoA for another address of its home subnet');
  for (const q of arpRequests(t)) {
    const all = grantsAt(t, q.ref.time);
    const g = all.find((x) => x.address === q.arp.senderIp);
    const target = q.arp.targetIp!;
    if (g === undefined || target === g.router || !inSubnet(target, g)) continue;
    // Another MN of the same MAG is on the link and answers for itself.
    const mag = magStateAt(g.session, q.ref.time)?.mag;
    if (all.some((x) => x.address === target && magStateAt(x.session, q.ref.time)?.mag === mag)) continue;
    const r = arpAnswer(t, q, target);
    if (r === undefined && lastTimeOf(t, q.ref) - q.ref.time < ANSWER_WITHIN_S) continue;
    const ev: LazyFrame[] = [mhEv(t, g.pba), arpEv(q), ...(r !== undefined ? [arpEv(r)] : [])];
    if (r !== undefined) j!.pass(() => `${g.session.mnId}'s ${arpText(q.arp)} (in ${g.address}/${g.prefixLength}) answered: ${arpText(r.arp)}`, ev);
    else j!.fail(() => `${g.session.mnId}'s ${arpText(q.arp)} (in its home subnet ${g.address}/${g.prefixLength}) got no answer within ${ANSWER_WITHIN_S} s`, ev,
      { field: 'ARP reply', expected: `${target} is-at <the MAG> (proxy ARP)`, seen: 'none' });
  }
});

export const IPV4_ACCESS_CHECKS = [ipv4DhcpAndRouterArp, ipv4ProxyArp];
