// ICMPv6 on one access interface. Reception: a raw ICMPv6 socket bound to the interface
// (SO_BINDTODEVICE), because raw-socket reports no ingress interface and the MAG must know which
// access link an RS came from; an ICMP6_FILTER passes only RS and NA to user space. Sending: an
// IPPROTO_RAW socket bound to the interface, with our own IPv6 header (hop limit 255, the
// session's link-local source), since raw sockets ignore a sticky source address.
import { IPPROTO_ICMPV6 as NH_ICMPV6, encodeIpv6, ipv6PseudoChecksum, parseIpv6 } from '../../wire/index.js';
import { ICMP6_FILTER, IPPROTO_ICMPV6, IPPROTO_RAW, openRaw, sendRaw, type RawSocket } from './raw.js';

/** ICMP6_FILTER bitmap (a set bit blocks the type) passing only `types`. */
function passOnly(types: number[]): Buffer {
  const b = Buffer.alloc(32, 0xff);
  for (const t of types) b[t >> 3]! &= ~(1 << (t & 7));
  return b;
}

export class Icmpv6Socket {
  private readonly rx: RawSocket;
  private readonly tx: RawSocket;

  constructor(readonly iface: string, accept: number[], onMessage: (buf: Buffer, src: string) => void, onError: (err: Error) => void) {
    this.rx = openRaw(IPPROTO_ICMPV6, iface);
    const filter = passOnly(accept);
    this.rx.setOption(IPPROTO_ICMPV6, ICMP6_FILTER, filter, filter.length);
    this.rx.on('message', onMessage);
    this.rx.on('error', onError);
    this.tx = openRaw(IPPROTO_RAW, iface);
    this.tx.on('error', onError);
  }

  /** Sends the ICMPv6 message `icmp` (checksum computed here) with hop limit 255. */
  send(icmp: Uint8Array, src: string, dst: string): Promise<void> {
    const s = parseIpv6(src), d = parseIpv6(dst);
    const pair = new Uint8Array(32);
    pair.set(s, 0);
    pair.set(d, 16);
    icmp[2] = 0; icmp[3] = 0;
    const sum = ipv6PseudoChecksum(pair, 0, 16, NH_ICMPV6, icmp, 0, icmp.length);
    icmp[2] = sum >>> 8;
    icmp[3] = sum & 0xff;
    const scoped = dst.startsWith('fe80') || dst.startsWith('ff02') ? `${dst}%${this.iface}` : dst;
    return sendRaw(this.tx, encodeIpv6({ src: s, dst: d, hopLimit: 255, nextHeader: NH_ICMPV6, payload: icmp }), scoped);
  }

  close(): void {
    this.rx.close();
    this.tx.close();
  }
}
