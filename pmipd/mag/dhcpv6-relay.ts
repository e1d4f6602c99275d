// The MAG as DHCPv6 relay agent (RFC 5213 §6.11, RFC 8415 §19): every message an MN sends to
// All_DHCP_Relay_Agents_and_Servers on its access link goes to the domain's DHCPv6 server in a
// Relay-Forward whose link-address is an address of the MN's home network prefix (so the server
// picks the MN's subnet whichever MAG relays) and whose Interface-ID names the access interface;
// the server's Relay-Reply comes back here and its Relay Message goes to the MN.
import dgram from 'node:dgram';
import {
  ALL_DHCP_RELAY_AGENTS_AND_SERVERS, DHCPV6_RELAY_FORW, DHCPV6_RELAY_REPL, OPTION_IA_NA, OPTION_INTERFACE_ID, OPTION_RELAY_MSG,
  UDP_PORT_DHCPV6_CLIENT, UDP_PORT_DHCPV6_SERVER, decodeDhcpv6, encodeDhcpv6, findDhcpv6Option, formatMac, hostAddress, isRelay, macFromEui64,
  parseIpv6, parsePrefix, type Dhcpv6Message, type Dhcpv6Option,
} from '../../wire/index.js';
import type { Counters, Logger } from '../log.js';
import type { Quirks } from '../quirks.js';
import { openRaw, type RawSocket } from '../io/raw.js';

const IPPROTO_UDP = 17;

/** What the relay needs to know of a MAG session (MagCore.dump() rows). */
export interface RelaySession { iface: string; mac: string; state: string; hnps: readonly string[] }

export interface Dhcpv6RelayOptions {
  server: string;
  /** The MAG's name and Proxy-CoA. */
  self: { name: string; address: string };
  sessions(): readonly RelaySession[];
  sendToServer(bytes: Uint8Array, dst: string): void;
  sendToClient(iface: string, dst: string, bytes: Uint8Array): void;
  quirks: Quirks;
  log: Logger;
  counters: Counters;
}

/** The address of an HNP the relay names the MN's link with: the prefix with interface ID 1. */
export function linkAddressOf(hnp: string): string {
  return hostAddress(parsePrefix(hnp), 1);
}

/** The MAC of a modified EUI-64 link-local address, or null when its IID is not one. */
function eui64Mac(linkLocal: string): string | null {
  try {
    const mac = macFromEui64(parseIpv6(linkLocal.split('%')[0]!));
    return mac === null ? null : formatMac(mac, 0);
  } catch { return null; }
}

/** Quirk dhcpv6-iaid-per-mag: an IAID this MAG's relay maps every IAID to (and back: XOR is its own inverse). */
function magIaidMask(name: string): number {
  let h = 0x811c9dc5;
  for (const c of name) h = Math.imul(h ^ c.charCodeAt(0), 0x01000193) >>> 0;
  return h === 0 ? 1 : h;
}

function withIaids(options: Dhcpv6Option[], mask: number): Dhcpv6Option[] {
  return options.map((o) => (o.code === OPTION_IA_NA && 'iaid' in o ? { ...o, iaid: (o.iaid ^ mask) >>> 0 } : o));
}

export class Dhcpv6Relay {
  constructor(private readonly o: Dhcpv6RelayOptions) {}

  /** The MN's registered session on `iface` that sent from `src` (its EUI-64 link-local, or the link's only MN). */
  private sessionOf(iface: string, src: string): RelaySession | undefined {
    const live = this.o.sessions().filter((s) => s.iface === iface && (s.state === 'registered' || s.state === 'refreshing') && s.hnps.length > 0);
    const mac = eui64Mac(src);
    return live.find((s) => s.mac === mac) ?? (live.length === 1 ? live[0] : undefined);
  }

  /** A DHCPv6 message (UDP payload) from an MN on `iface`. */
  fromClient(iface: string, src: string, payload: Uint8Array): void {
    const { log, counters, quirks, self } = this.o;
    const m = decodeDhcpv6(payload, 0, payload.length);
    if (m === null || isRelay(m) || m.msgType === DHCPV6_RELAY_REPL) return;
    counters.inc('dhcpv6_from_client');
    if (quirks.has('dhcpv6-no-relay')) return;
    const s = this.sessionOf(iface, src);
    if (s === undefined) {
      // No HNP to name the link with yet: the client retransmits, by then the PBA is in.
      counters.inc('dhcpv6_unregistered');
      log.debug('dhcpv6-no-session', { iface, src, type: m.msgType });
      return;
    }
    const inner: Dhcpv6Message = quirks.has('dhcpv6-iaid-per-mag') ? { ...m, options: withIaids(m.options, magIaidMask(self.name)) } : m;
    const forward: Dhcpv6Message = {
      msgType: DHCPV6_RELAY_FORW, hopCount: 0,
      linkAddress: quirks.has('dhcpv6-link-address-outside-hnp') ? self.address : linkAddressOf(s.hnps[0]!),
      peerAddress: src.split('%')[0]!,
      options: [{ code: OPTION_INTERFACE_ID, id: Buffer.from(iface).toString('hex') }, { code: OPTION_RELAY_MSG, message: inner }],
    };
    this.o.sendToServer(encodeDhcpv6(forward), this.o.server);
    counters.inc('dhcpv6_relay_forward_tx');
    log.debug('dhcpv6-relay-forward', { iface, peer: forward.peerAddress, link: forward.linkAddress, type: m.msgType });
  }

  /** A message to the relay's port from the network side: a Relay-Reply is unwrapped toward its MN. */
  fromServer(payload: Uint8Array, src: string): void {
    const { log, counters, quirks, self } = this.o;
    const m = decodeDhcpv6(payload, 0, payload.length);
    if (m === null || !isRelay(m) || m.msgType !== DHCPV6_RELAY_REPL) return;
    const ifid = findDhcpv6Option(m.options, OPTION_INTERFACE_ID);
    const msg = findDhcpv6Option(m.options, OPTION_RELAY_MSG);
    const iface = ifid === undefined ? undefined : Buffer.from(ifid.id, 'hex').toString();
    if (msg === undefined || iface === undefined || !/^[\w.-]{1,15}$/.test(iface)) {
      counters.inc('dhcpv6_relay_reply_dropped');
      log.warn('dhcpv6-relay-reply-dropped', { src, why: msg === undefined ? 'no Relay Message option' : 'no usable Interface-ID option' });
      return;
    }
    const out = quirks.has('dhcpv6-iaid-per-mag') && !isRelay(msg.message)
      ? { ...msg.message, options: withIaids(msg.message.options, magIaidMask(self.name)) } : msg.message;
    this.o.sendToClient(iface, m.peerAddress, encodeDhcpv6(out));
    counters.inc('dhcpv6_relay_reply_rx');
    log.debug('dhcpv6-relay-reply', { iface, peer: m.peerAddress, type: msg.message.msgType });
  }
}

/**
 * The relay's sockets: one UDP socket on port 547 (joined to ff02::1:2 on every access link, it
 * talks to the server and to the MNs) and, per access interface, a raw UDP socket bound to it,
 * because a UDP socket does not say on which interface a multicast Solicit came in.
 */
export async function startDhcpv6Relay(o: Omit<Dhcpv6RelayOptions, 'sendToServer' | 'sendToClient'> & { accessInterfaces: readonly string[] }): Promise<() => void> {
  const udp = dgram.createSocket({ type: 'udp6', reuseAddr: true });
  const fail = (what: string) => (err: Error | null) => {
    if (err === null) return;
    o.counters.inc('send_errors');
    o.log.error('dhcpv6-send-failed', { what, why: err.message });
  };
  const relay = new Dhcpv6Relay({
    ...o,
    sendToServer: (bytes, dst) => udp.send(bytes, UDP_PORT_DHCPV6_SERVER, dst, fail(`Relay-Forward to ${dst}`)),
    sendToClient: (iface, dst, bytes) => udp.send(bytes, UDP_PORT_DHCPV6_CLIENT, dst.startsWith('fe80') ? `${dst}%${iface}` : dst, fail(`relayed reply to ${dst}`)),
  });
  udp.on('error', (err) => o.log.error('dhcpv6-socket', { why: err.message }));
  udp.on('message', (buf, rinfo) => { if (rinfo.port === UDP_PORT_DHCPV6_SERVER) relay.fromServer(buf, rinfo.address); });
  await new Promise<void>((resolve, reject) => { udp.once('error', reject); udp.bind(UDP_PORT_DHCPV6_SERVER, '::', () => { udp.off('error', reject); resolve(); }); });
  for (const iface of o.accessInterfaces) udp.addMembership(ALL_DHCP_RELAY_AGENTS_AND_SERVERS, `::%${iface}`);
  const raws: RawSocket[] = [];
  for (const iface of o.accessInterfaces) {
    const s = openRaw(IPPROTO_UDP, iface);
    s.on('error', (err) => o.log.error('dhcpv6-raw-socket', { iface, why: err.message }));
    s.on('message', (buf, src) => {
      // The UDP header, then the message: only client port to server port.
      if (buf.length < 8 || buf.readUInt16BE(0) !== UDP_PORT_DHCPV6_CLIENT || buf.readUInt16BE(2) !== UDP_PORT_DHCPV6_SERVER) return;
      relay.fromClient(iface, src, buf.subarray(8, Math.min(buf.length, buf.readUInt16BE(4))));
    });
    raws.push(s);
  }
  o.log.info('dhcpv6-relay', { server: o.server, access: o.accessInterfaces });
  return () => {
    for (const s of raws) s.close();
    udp.close();
  };
}
