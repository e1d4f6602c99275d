// The MAG toward an IPv4 MN's access link (RFC 5844 §3.2.3.2, §3.2.4): after a PBA granting an
// IPv4 HoA and a default router (options 37, 38) the MAG is the MN's DHCPv4 server when option 39
// says S = 1 (or the PBA has none and the domain says server): OFFER/ACK with yiaddr = the HoA, the
// Subnet Mask of its prefix length, Router and Server Identifier = the option-38 address, a lease
// of the binding's lifetime. With S = 0 it relays to the domain's DHCPv4 server (giaddr = the
// default router, so the server picks the MN's subnet) and hands the replies to the MN.
// ARP: the MAG owns the default-router address on the link (pmipd/dataplane/ipv4-routes.ts), so the
// kernel answers ARP for it; proxy ARP on the access links answers for the rest of the home subnet
// (the uplink rule `from HoA iif <access>` routes every other destination into the tunnel).
import dgram from 'node:dgram';
import {
  BOOTREPLY, BOOTREQUEST, DHCPACK, DHCPDISCOVER, DHCPINFORM, DHCPNAK, DHCPOFFER, DHCPREQUEST, DHCPV4_OPTION,
  UDP_PORT_DHCPV4_CLIENT, UDP_PORT_DHCPV4_SERVER, decodeDhcpv4, dhcpv4MessageName, dhcpv4Type, encodeDhcpv4, encodeIpv4, encodeUdp,
  findDhcpv4Option, type Dhcpv4Message, type Dhcpv4Option,
} from '../../wire/index.js';
import { ipv4String, type Ipv4Grant } from '../ipv4/addresses.js';
import type { Counters, Logger } from '../log.js';
import type { Quirks } from '../quirks.js';
import { IPPROTO_RAW, openRaw4, type RawSocket } from '../io/raw.js';
import { setSysctl } from '../dataplane/sysctl.js';

const IPPROTO_UDP = 17;
const BROADCAST = '255.255.255.255';
/** RFC 1542 §4.1.1: a relay agent discards a request that has crossed this many relays. */
const MAX_HOPS = 16;

/** What the MAG's DHCPv4 needs of a session (MagCore.dump() rows). */
export interface Dhcpv4Session { iface: string; mac: string; state: string; lifetime: number; ipv4?: Ipv4Grant | null }

/** One packet toward an MN: UDP 67 -> 68 from `src` to `dst` on `iface`. */
export interface ToClient { iface: string; src: string; dst: string; message: Dhcpv4Message }

export interface Dhcpv4AccessOptions {
  /** The role toward an MN whose PBA had no option 39. */
  defaultMode: 'server' | 'relay';
  /** relay: the DHCPv4 server of the LMA's network. */
  relayServer: string | null;
  sessions(): readonly Dhcpv4Session[];
  toClient(p: ToClient): void;
  toServer(message: Dhcpv4Message, server: string): void;
  quirks: Quirks;
  log: Logger;
  counters: Counters;
}

function maskOf(prefixLength: number): string {
  return ipv4String(prefixLength === 0 ? 0 : (0xffffffff << (32 - prefixLength)) >>> 0);
}

export class Dhcpv4Access {
  constructor(private readonly o: Dhcpv4AccessOptions) {}

  /** The registered session with an IPv4 grant of the MN with hardware address `mac`, on `iface` when given. */
  private sessionOf(mac: string, iface?: string): (Dhcpv4Session & { ipv4: Ipv4Grant }) | undefined {
    const m = mac.toLowerCase();
    return this.o.sessions().find((s) => (iface === undefined || s.iface === iface) && s.mac.toLowerCase() === m
      && (s.state === 'registered' || s.state === 'refreshing') && s.ipv4 !== null && s.ipv4 !== undefined && s.ipv4.router !== '') as
      (Dhcpv4Session & { ipv4: Ipv4Grant }) | undefined;
  }

  private serves(g: Ipv4Grant): boolean {
    return g.dhcpServer ?? this.o.defaultMode === 'server';
  }

  /** A DHCPv4 message (UDP payload) an MN sent on `iface`. */
  fromClient(iface: string, payload: Uint8Array): void {
    const { counters, log, quirks } = this.o;
    const m = decodeDhcpv4(payload, 0, payload.length);
    if (m === null || m.op !== BOOTREQUEST || !m.cookie) return;
    counters.inc('dhcpv4_from_client');
    if (quirks.has('dhcpv4-silent')) return;
    const s = this.sessionOf(m.chaddr, iface);
    if (s === undefined) {
      // Not registered yet (or no IPv4 service): the client retransmits, by then the PBA is in.
      counters.inc('dhcpv4_unregistered');
      log.debug('dhcpv4-no-session', { iface, chaddr: m.chaddr, type: dhcpv4MessageName(dhcpv4Type(m)) });
      return;
    }
    if (this.serves(s.ipv4) || quirks.has('dhcpv4-server-when-relay')) this.serve(s, m);
    else this.relay(s, m);
  }

  private serve(s: Dhcpv4Session & { ipv4: Ipv4Grant }, m: Dhcpv4Message): void {
    const { counters, log, quirks } = this.o;
    const g = s.ipv4;
    const type = dhcpv4Type(m);
    const serverId = findDhcpv4Option(m.options, DHCPV4_OPTION.SERVER_ID)?.address;
    if (serverId !== undefined && serverId !== g.router) return; // the MN chose another server
    let answer: number;
    if (type === DHCPDISCOVER) answer = DHCPOFFER;
    else if (type === DHCPREQUEST) {
      const wanted = findDhcpv4Option(m.options, DHCPV4_OPTION.REQUESTED_IP)?.address ?? m.ciaddr;
      answer = wanted === g.address ? DHCPACK : DHCPNAK;
    } else if (type === DHCPINFORM) answer = DHCPACK;
    else { counters.inc('dhcpv4_ignored'); return; }
    const lease = Math.max(s.lifetime, 1);
    const options: Dhcpv4Option[] = [{ code: 53, type: answer }, { code: 54, address: g.router }];
    if (answer !== DHCPNAK) {
      if (type !== DHCPINFORM) options.push({ code: 51, seconds: lease }, { code: 58, seconds: Math.floor(lease / 2) }, { code: 59, seconds: Math.floor((lease * 7) / 8) });
      options.push({ code: 1, mask: maskOf(g.prefixLength) }, { code: 3, addresses: [quirks.has('dhcpv4-router-wrong') ? g.address : g.router] });
    }
    options.push({ code: 255 });
    const reply: Dhcpv4Message = {
      op: BOOTREPLY, htype: m.htype, hlen: m.hlen, hops: 0, xid: m.xid, secs: 0, flags: m.flags,
      ciaddr: type === DHCPINFORM ? m.ciaddr : '0.0.0.0', yiaddr: answer === DHCPNAK || type === DHCPINFORM ? '0.0.0.0' : g.address,
      siaddr: '0.0.0.0', giaddr: m.giaddr, chaddr: m.chaddr, cookie: true, options,
      ...(m.chaddrPad !== undefined ? { chaddrPad: m.chaddrPad } : {}),
    };
    // RFC 2131 §4.1: unicast to a client that has its address, broadcast to one that has none yet.
    const dst = m.ciaddr !== '0.0.0.0' && answer !== DHCPNAK ? m.ciaddr : BROADCAST;
    this.o.toClient({ iface: s.iface, src: g.router, dst, message: reply });
    counters.inc(`dhcpv4_${dhcpv4MessageName(answer).toLowerCase()}_tx`);
    log.info('dhcpv4-served', { iface: s.iface, chaddr: m.chaddr, got: dhcpv4MessageName(type), sent: dhcpv4MessageName(answer), address: reply.yiaddr, router: g.router, lease });
  }

  private relay(s: Dhcpv4Session & { ipv4: Ipv4Grant }, m: Dhcpv4Message): void {
    const { counters, log, relayServer } = this.o;
    if (relayServer === null) {
      counters.inc('dhcpv4_no_relay_server');
      log.warn('dhcpv4-relay-unconfigured', { chaddr: m.chaddr, why: 'the PBA says relay (option 39 S = 0) and the domain names no ipv4DhcpServer' });
      return;
    }
    if (m.hops >= MAX_HOPS) return;
    const forward: Dhcpv4Message = { ...m, hops: m.hops + 1, giaddr: m.giaddr === '0.0.0.0' ? s.ipv4.router : m.giaddr };
    this.o.toServer(forward, relayServer);
    counters.inc('dhcpv4_relayed_to_server');
    log.debug('dhcpv4-relay-forward', { iface: s.iface, chaddr: m.chaddr, type: dhcpv4MessageName(dhcpv4Type(m)), giaddr: forward.giaddr, server: relayServer });
  }

  /** A message to UDP 67 from the network side: a server's reply goes to the MN whose chaddr it names. */
  fromServer(payload: Uint8Array, src: string): void {
    const { counters, log } = this.o;
    const m = decodeDhcpv4(payload, 0, payload.length);
    if (m === null || m.op !== BOOTREPLY) return;
    const s = this.sessionOf(m.chaddr);
    if (s === undefined || this.serves(s.ipv4)) {
      counters.inc('dhcpv4_relay_reply_dropped');
      log.warn('dhcpv4-relay-reply-dropped', { src, chaddr: m.chaddr, why: s === undefined ? 'no registered IPv4 session for its chaddr' : 'this MAG serves that MN itself' });
      return;
    }
    const dst = m.ciaddr !== '0.0.0.0' && dhcpv4Type(m) !== DHCPNAK ? m.ciaddr : BROADCAST;
    this.o.toClient({ iface: s.iface, src: s.ipv4.router, dst, message: m });
    counters.inc('dhcpv4_relay_reply_rx');
    log.debug('dhcpv4-relay-reply', { iface: s.iface, chaddr: m.chaddr, type: dhcpv4MessageName(dhcpv4Type(m)), yiaddr: m.yiaddr });
  }
}

/**
 * ARP on an access link (net.ipv4.conf.<link>.*): proxy_arp answers for destinations the MAG routes
 * elsewhere, i.e. the rest of the MN's home subnet, through the tunnel (V4-11); the default router
 * is answered as the MAG's own address (V4-10) unless arp_ignore says otherwise.
 */
export function accessArpSysctls(quirks: Quirks): Record<string, number> {
  return { ...(quirks.has('no-proxy-arp') ? {} : { proxy_arp: 1 }), ...(quirks.has('router-arp-ignored') ? { arp_ignore: 8 } : {}) };
}

/** A UDP 67 -> 68 IPv4 packet carrying `m`. */
export function dhcpv4Packet(src: string, dst: string, m: Dhcpv4Message): Uint8Array {
  const udp = encodeUdp({ srcPort: UDP_PORT_DHCPV4_SERVER, dstPort: UDP_PORT_DHCPV4_CLIENT, payload: encodeDhcpv4(m) }, src, dst);
  return encodeIpv4({ src, dst, protocol: IPPROTO_UDP, ttl: 64, payload: udp });
}

/**
 * The sockets and sysctls: per access interface a raw UDP socket bound to it (a UDP socket does not
 * say on which link a broadcast came in) and a raw IPPROTO_RAW socket that sends from the default
 * router's address, to the MN's broadcast if need be; one UDP socket on port 67 that talks to the
 * relay's server (and keeps the kernel from answering unicast renewals with port unreachable).
 */
export async function startDhcpv4Access(o: Omit<Dhcpv4AccessOptions, 'toClient' | 'toServer'> & { accessInterfaces: readonly string[] }): Promise<() => void> {
  const restore: (() => void)[] = [];
  for (const iface of o.accessInterfaces) {
    for (const [knob, value] of Object.entries(accessArpSysctls(o.quirks))) {
      const old = setSysctl(`net.ipv4.conf.${iface}.${knob}`, value);
      restore.push(() => { try { setSysctl(`net.ipv4.conf.${iface}.${knob}`, old); } catch { /* interface gone */ } });
    }
  }
  const senders = new Map<string, RawSocket>();
  const fail = (what: string) => (err: Error | null) => {
    if (err === null) return;
    o.counters.inc('send_errors');
    o.log.error('dhcpv4-send-failed', { what, why: err.message });
  };
  const udp = dgram.createSocket({ type: 'udp4', reuseAddr: true });
  const access = new Dhcpv4Access({
    ...o,
    toClient: (p) => {
      const bytes = Buffer.from(dhcpv4Packet(p.src, p.dst, p.message));
      senders.get(p.iface)?.send(bytes, 0, bytes.length, p.dst, fail(`DHCPv4 to ${p.dst} on ${p.iface}`));
    },
    toServer: (m, server) => udp.send(encodeDhcpv4(m), UDP_PORT_DHCPV4_SERVER, server, fail(`relayed DHCPv4 to ${server}`)),
  });
  udp.on('error', (err) => o.log.error('dhcpv4-socket', { why: err.message }));
  udp.on('message', (buf, rinfo) => { if (rinfo.port === UDP_PORT_DHCPV4_SERVER) access.fromServer(buf, rinfo.address); });
  await new Promise<void>((resolve, reject) => { udp.once('error', reject); udp.bind(UDP_PORT_DHCPV4_SERVER, '0.0.0.0', () => { udp.off('error', reject); resolve(); }); });
  const receivers: RawSocket[] = [];
  for (const iface of o.accessInterfaces) {
    const tx = openRaw4(IPPROTO_RAW, iface);
    tx.on('error', (err) => o.log.error('dhcpv4-raw-socket', { iface, why: err.message }));
    senders.set(iface, tx);
    const rx = openRaw4(IPPROTO_UDP, iface);
    rx.on('error', (err) => o.log.error('dhcpv4-raw-socket', { iface, why: err.message }));
    rx.on('message', (buf) => {
      // An IPv4 raw socket hands over the IP header too; then UDP, client port to server port only.
      const ihl = (buf[0]! & 0x0f) * 4;
      if (buf.length < ihl + 8 || buf.readUInt16BE(ihl) !== UDP_PORT_DHCPV4_CLIENT || buf.readUInt16BE(ihl + 2) !== UDP_PORT_DHCPV4_SERVER) return;
      access.fromClient(iface, buf.subarray(ihl + 8, Math.min(buf.length, ihl + buf.readUInt16BE(ihl + 4))));
    });
    receivers.push(rx);
  }
  o.log.info('dhcpv4-access', { mode: o.defaultMode, server: o.relayServer ?? undefined, access: o.accessInterfaces, proxyArp: !o.quirks.has('no-proxy-arp') });
  return () => {
    for (const s of [...receivers, ...senders.values()]) s.close();
    udp.close();
    for (const r of restore.reverse()) r();
  };
}
