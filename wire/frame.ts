// One captured frame, every layer decoded: link, IPv4/IPv6 with extension headers, then ICMPv6,
// the Mobility Header, UDP (with the RFC 5844 ports), and tunnelled packets recursively. The
// result is plain data: `pmip-testbed decode --json` prints it almost as is. Runs on millions of
// frames, so it bounds-checks instead of catching, and reuses its scratch state.
import {
  decodeArp, decodeEthernet, decodeSll, decodeSll2, ETHERTYPE_ARP, ETHERTYPE_IPV4, ETHERTYPE_IPV6,
  LINKTYPE_DLT_RAW_12, LINKTYPE_DLT_RAW_14, LINKTYPE_ETHERNET, LINKTYPE_IPV4, LINKTYPE_IPV6, LINKTYPE_LINUX_SLL,
  LINKTYPE_LINUX_SLL2, LINKTYPE_RAW, type ArpPacket, type LinkHeader,
} from './link.js';
import {
  decodeIpv6Header, IPPROTO_ESP, IPPROTO_GRE, IPPROTO_ICMPV6, IPPROTO_IPIP, IPPROTO_IPV6, IPPROTO_TCP, IPPROTO_UDP, IpChainEnd,
  type Ipv6Header,
} from './ipv6.js';
import {
  decodeIpv4Header, decodeTcpPorts, decodeUdp, UDP_HEADER_LENGTH, UDP_PORT_PMIP_SIGNALLING, UDP_PORT_PMIP_TUNNEL,
  type Ipv4Header, type TcpPorts, type UdpHeader,
} from './ipv4.js';
import {
  decodeIcmpv6, icmpv6MinLength, icmpv6TypeName, ICMPV6_DEST_UNREACHABLE, ICMPV6_PARAMETER_PROBLEM, lastIcmpv6Malformed,
  type Icmpv6Error, type Icmpv6Message,
} from './icmpv6.js';
import { decodeMobilityHeader, IPPROTO_MH, IPPROTO_NONE, type ChecksumContext, type MobilityHeader } from './mh.js';
import { ipv6PseudoChecksum, viewOf } from './bytes.js';
import { ESP_HEADER_LENGTH, openEsp, type EspLayer, type EspSaTable } from './esp.js';
import { decodeIkeHeader, UDP_PORT_IKE, UDP_PORT_IKE_NAT_T, type IkeHeader } from './ike.js';
import { decodeGre, greInnerVersion, type GreHeader } from './gre.js';
import { decodeDhcpv6, UDP_PORT_DHCPV6_CLIENT, UDP_PORT_DHCPV6_SERVER, type Dhcpv6Message } from './dhcpv6.js';
import { decodeDhcpv4, UDP_PORT_DHCPV4_CLIENT, UDP_PORT_DHCPV4_SERVER, type Dhcpv4Message } from './dhcpv4.js';

export { linkTypeName } from './link.js';
export { espSummary, greKeyText, summarizeFrame } from './summary.js';

/** What follows a header this decoder does not look into. */
export interface RawPayload {
  /** IP protocol number (or, after a link header, the EtherType). */
  protocol: number;
  length: number;
}

/** One IP packet and what it carries; `inner` is a tunnelled packet of the same shape. */
export interface DecodedPacket {
  ipv6?: Ipv6Header;
  ipv4?: Ipv4Header;
  udp?: UdpHeader;
  tcp?: TcpPorts;
  icmpv6?: Icmpv6Message;
  mh?: MobilityHeader;
  /**
   * ESP (RFC 4303), over IPv6 or in UDP 4500. What it protects is decoded into this same packet as
   * if it followed the IP header (transport mode: `mh`, `icmpv6`...; tunnel mode: `inner`) when its
   * SA is known, or for ESP-NULL always; `esp` says how far that went and whether the ICV verified.
   */
  esp?: EspLayer;
  /** IKEv2 header (UDP 500, or 4500 after the non-ESP marker). */
  ike?: IkeHeader;
  /** GRE (RFC 2784/2890) carrying `inner` (RFC 5845 data plane). */
  gre?: GreHeader;
  /** DHCPv6 (UDP 546/547), relay messages with what they relay. */
  dhcpv6?: Dhcpv6Message;
  /** DHCPv4 (UDP 67/68): the MAG serving or relaying for an IPv4 MN (RFC 5844 §3.2.3.2). */
  dhcpv4?: Dhcpv4Message;
  inner?: DecodedPacket;
  payload?: RawPayload;
  /** "layer: reason" of the first problem, here or in a tunnelled packet ("inner ipv6: ..."). */
  malformed?: string;
}

export interface DecodedFrame extends DecodedPacket {
  linkType: number;
  link?: LinkHeader;
  arp?: ArpPacket;
}

/** Tunnels nest at most this deep (IPv6-in-IPv6-in-...); deeper packets stay raw payload. */
export const MAX_TUNNEL_DEPTH = 4;

const chain = new IpChainEnd();
/** The SAs of the frame being decoded (decodeFrame's argument), and where its ESP payload was. */
let saTable: EspSaTable | undefined;
let espPayload: { buf: Uint8Array; off: number; len: number } | undefined;

/**
 * Where the protected payload of the last decoded frame's ESP is (in the frame's buffer for
 * ESP-NULL, in a buffer of its own once decrypted), undefined when it had none that was read: the
 * trace reads the MH octets and fingerprints tunnelled packets there.
 */
export function lastEspPayload(): { buf: Uint8Array; off: number; len: number } | undefined {
  return espPayload;
}
/** One checksum context per nesting level: an inner packet's must not overwrite its carrier's. */
const contexts: ChecksumContext[] = [];
for (let i = 0; i <= MAX_TUNNEL_DEPTH; i++) contexts.push({ addrBuf: new Uint8Array(0), srcOff: 0, dstOff: 0 });

function setMalformed(p: DecodedPacket, reason: string): void {
  if (p.malformed === undefined) p.malformed = reason;
}

/**
 * Decodes the frame of `len` octets at `off` of a capture with pcap link type `linkType`. Never
 * throws: whatever cannot be decoded is named in `malformed`, and a frame cut short by the snap
 * length decodes as far as it goes (malformed "...: truncated: ...").
 */
export function decodeFrame(linkType: number, buf: Uint8Array, off: number, len: number, sas?: EspSaTable): DecodedFrame {
  const f: DecodedFrame = { linkType };
  saTable = sas;
  espPayload = undefined;
  const avail = off >= 0 && off <= buf.length ? Math.min(len, buf.length - off) : 0;
  try {
    decodeLink(f, buf, off, avail > 0 ? avail : 0);
  } catch (err) {
    // Only a bug in a decoder gets here; the frame still gets an answer.
    setMalformed(f, `decoder: ${(err as Error).message}`);
  }
  return f;
}

/** The IP packet (either version, by its first nibble) of `len` octets at `off`. Never throws. */
export function decodePacket(buf: Uint8Array, off: number, len: number, sas?: EspSaTable): DecodedPacket {
  const p: DecodedPacket = {};
  saTable = sas;
  espPayload = undefined;
  const avail = off >= 0 && off <= buf.length ? Math.min(len, buf.length - off) : 0;
  try {
    decodeIp(p, buf, off, avail > 0 ? avail : 0, 0);
  } catch (err) {
    setMalformed(p, `decoder: ${(err as Error).message}`);
  }
  return p;
}

function decodeLink(f: DecodedFrame, buf: Uint8Array, off: number, len: number): void {
  switch (f.linkType) {
    case LINKTYPE_ETHERNET: {
      const h = decodeEthernet(buf, off, len);
      if (h === null) { setMalformed(f, `ethernet: truncated: header not captured (${len} octets)`); return; }
      f.link = h;
      decodeEthertype(f, h.ethertype, buf, off + h.length, len - h.length);
      return;
    }
    case LINKTYPE_LINUX_SLL: {
      const h = decodeSll(buf, off, len);
      if (h === null) { setMalformed(f, `sll: truncated: header not captured (${len} octets)`); return; }
      f.link = h;
      decodeEthertype(f, h.protocol, buf, off + h.length, len - h.length);
      return;
    }
    case LINKTYPE_LINUX_SLL2: {
      const h = decodeSll2(buf, off, len);
      if (h === null) { setMalformed(f, `sll2: truncated: header not captured (${len} octets)`); return; }
      f.link = h;
      decodeEthertype(f, h.protocol, buf, off + h.length, len - h.length);
      return;
    }
    case LINKTYPE_RAW: case LINKTYPE_DLT_RAW_12: case LINKTYPE_DLT_RAW_14:
      decodeIp(f, buf, off, len, 0);
      return;
    case LINKTYPE_IPV6:
      decodeIpv6(f, buf, off, len, 0);
      return;
    case LINKTYPE_IPV4:
      decodeIpv4(f, buf, off, len, 0);
      return;
    default:
      setMalformed(f, `link: link type ${f.linkType} is not supported`);
  }
}

function decodeEthertype(f: DecodedFrame, ethertype: number, buf: Uint8Array, off: number, len: number): void {
  switch (ethertype) {
    case ETHERTYPE_IPV6: decodeIpv6(f, buf, off, len, 0); return;
    case ETHERTYPE_IPV4: decodeIpv4(f, buf, off, len, 0); return;
    case ETHERTYPE_ARP: {
      const a = decodeArp(buf, off, len);
      if (a === null) setMalformed(f, `arp: truncated: ${len} octets captured`);
      else f.arp = a;
      return;
    }
    default:
      f.payload = { protocol: ethertype, length: len };
  }
}

/** An IP packet of either version; an empty capture or another nibble is malformed. */
function decodeIp(p: DecodedPacket, buf: Uint8Array, off: number, len: number, depth: number): void {
  const version = len > 0 ? buf[off]! >> 4 : -1;
  if (version === 6) decodeIpv6(p, buf, off, len, depth);
  else if (version === 4) decodeIpv4(p, buf, off, len, depth);
  else setMalformed(p, len > 0 ? `ip: version ${version} is neither 4 nor 6` : 'ip: truncated: no octets captured');
}

function decodeIpv6(p: DecodedPacket, buf: Uint8Array, off: number, len: number, depth: number): void {
  const h = decodeIpv6Header(buf, off, len, chain);
  if (chain.error !== '') setMalformed(p, `ipv6: ${chain.error}`);
  if (h === null) return;
  p.ipv6 = h;
  const protocol = chain.protocol, start = chain.offset, end = chain.end, partial = chain.partial;
  if (protocol < 0) return;
  const exts = h.extensionHeaders;
  const esp = chain.opaque && exts.length > 0 && exts[exts.length - 1]!.type === IPPROTO_ESP;
  if (chain.opaque && !esp) { p.payload = { protocol, length: end - start }; return; }
  const ctx = contexts[depth]!;
  ctx.addrBuf = buf; ctx.srcOff = off + 8; ctx.dstOff = off + 24;
  if (esp) decodeEspInto(p, buf, start - ESP_HEADER_LENGTH, end - start + ESP_HEADER_LENGTH, h.src, h.dst, depth, ctx, 16, partial);
  else decodeUpperLayer(p, protocol, buf, start, end - start, depth, ctx, 16, partial);
}

function decodeIpv4(p: DecodedPacket, buf: Uint8Array, off: number, len: number, depth: number): void {
  const h = decodeIpv4Header(buf, off, len, chain);
  if (chain.error !== '') setMalformed(p, `ipv4: ${chain.error}`);
  if (h === null) return;
  p.ipv4 = h;
  const protocol = chain.protocol, start = chain.offset, end = chain.end, partial = chain.partial;
  if (protocol < 0) return;
  if (chain.opaque) { p.payload = { protocol, length: end - start }; return; }
  const ctx = contexts[depth]!;
  ctx.addrBuf = buf; ctx.srcOff = off + 12; ctx.dstOff = off + 16;
  decodeUpperLayer(p, protocol, buf, start, end - start, depth, ctx, 4, partial);
}

/**
 * decodeUpper, except that in a first fragment (`partial`) the upper layer is known to be cut:
 * what that breaks is expected, not malformed (its checksum still shows as not verified).
 */
function decodeUpperLayer(
  p: DecodedPacket, protocol: number, buf: Uint8Array, off: number, len: number, depth: number,
  ctx: ChecksumContext, addressLength: 4 | 16, partial: boolean,
): void {
  if (!partial) {
    decodeUpper(p, protocol, buf, off, len, depth, ctx, addressLength);
    return;
  }
  const before = p.malformed;
  decodeUpper(p, protocol, buf, off, len, depth, ctx, addressLength);
  if (p.malformed !== before) {
    if (before === undefined) delete p.malformed;
    else p.malformed = before;
  }
}

/**
 * The upper layer of `len` octets at `off`. The MH and ICMPv6 only count over IPv6. Their
 * checksums are verified with the source and destination of the carrying IPv6 header as they
 * are (`ctx`). RFC 8200 §8.1 would take the final destination of a routing header and RFC 6275
 * the home address of a Home Address option instead; PMIPv6 signalling carries neither, so only
 * Mobile IPv6 route-optimised packets (type 2 routing header, HAO) would show a bad checksum.
 */
function decodeUpper(
  p: DecodedPacket, protocol: number, buf: Uint8Array, off: number, len: number, depth: number,
  ctx: ChecksumContext, addressLength: 4 | 16,
): void {
  switch (protocol) {
    case IPPROTO_MH:
      if (addressLength !== 16) break;
      decodeMhInto(p, buf, off, len, ctx);
      return;
    case IPPROTO_ICMPV6:
      if (addressLength !== 16) break;
      decodeIcmpv6Into(p, buf, off, len, depth, ctx);
      return;
    case IPPROTO_IPV6: case IPPROTO_IPIP:
      if (depth >= MAX_TUNNEL_DEPTH) break;
      decodeInnerInto(p, buf, off, len, depth + 1, protocol === IPPROTO_IPV6 ? 6 : 4);
      return;
    case IPPROTO_UDP:
      decodeUdpInto(p, buf, off, len, depth, ctx, addressLength);
      return;
    case IPPROTO_GRE:
      if (depth >= MAX_TUNNEL_DEPTH) break;
      decodeGreInto(p, buf, off, len, depth);
      return;
    case IPPROTO_TCP: {
      const t = decodeTcpPorts(buf, off, len);
      if (t === null) setMalformed(p, `tcp: truncated: ${len} octets captured`);
      else p.tcp = t;
      return;
    }
    default: break;
  }
  p.payload = { protocol, length: len };
}

function decodeIcmpv6Into(p: DecodedPacket, buf: Uint8Array, off: number, len: number, depth: number, ctx: ChecksumContext): void {
  const m = decodeIcmpv6(buf, off, len, ctx);
  if (m === null) {
    const type = len > 0 ? buf[off]! : -1;
    const need = type < 0 ? 4 : icmpv6MinLength(type);
    setMalformed(p, `icmpv6: truncated: ${type < 0 ? 'message' : icmpv6TypeName(type)} needs ${need} octets, ${len} there`);
    return;
  }
  p.icmpv6 = m;
  // Read from the decoder and the type octet, not from `m`: messages of a dozen shapes pass here.
  const malformed = lastIcmpv6Malformed();
  if (malformed !== undefined) setMalformed(p, `icmpv6: ${malformed}`);
  // The invoking packet of an error is usually cut short; its problems stay inside it.
  const type = buf[off]!;
  const isError = type >= ICMPV6_DEST_UNREACHABLE && type <= ICMPV6_PARAMETER_PROBLEM;
  if (isError && len > 8 && buf[off + 8]! >> 4 === 6 && depth < MAX_TUNNEL_DEPTH) {
    (m as Icmpv6Error).invoking = decodeInner(buf, off + 8, len - 8, depth + 1, 6);
  }
}

function decodeUdpInto(
  p: DecodedPacket, buf: Uint8Array, off: number, len: number, depth: number, ctx: ChecksumContext, addressLength: 4 | 16,
): void {
  const u = decodeUdp(buf, off, len, ctx, addressLength);
  if (u === null) { setMalformed(p, `udp: truncated: ${len} of ${UDP_HEADER_LENGTH} header octets captured`); return; }
  p.udp = u;
  if (u.malformed !== undefined) {
    setMalformed(p, `udp: ${u.malformed}`);
    if (u.length < UDP_HEADER_LENGTH) return;
  }
  const start = off + UDP_HEADER_LENGTH;
  const n = (u.length < len ? u.length : len) - UDP_HEADER_LENGTH;
  if (u.srcPort === UDP_PORT_IKE || u.dstPort === UDP_PORT_IKE || u.srcPort === UDP_PORT_IKE_NAT_T || u.dstPort === UDP_PORT_IKE_NAT_T) {
    decodeIkeOrEspInto(p, buf, start, n, u.srcPort === UDP_PORT_IKE_NAT_T || u.dstPort === UDP_PORT_IKE_NAT_T, depth, ctx, addressLength);
  } else if (u.srcPort === UDP_PORT_PMIP_SIGNALLING || u.dstPort === UDP_PORT_PMIP_SIGNALLING) {
    // RFC 5844 §4: the MH checksum is 0 here and the UDP checksum covers the message.
    decodeMhInto(p, buf, start, n, undefined);
  } else if (isDhcpv6Port(u.srcPort) || isDhcpv6Port(u.dstPort)) {
    decodeDhcpv6Into(p, buf, start, n);
  } else if (isDhcpv4Port(u.srcPort) && isDhcpv4Port(u.dstPort)) {
    decodeDhcpv4Into(p, buf, start, n);
  } else if ((u.srcPort === UDP_PORT_PMIP_TUNNEL || u.dstPort === UDP_PORT_PMIP_TUNNEL) && depth < MAX_TUNNEL_DEPTH) {
    decodeInnerInto(p, buf, start, n, depth + 1, 0);
  } else if (n > 0) {
    p.payload = { protocol: IPPROTO_UDP, length: n };
  }
}

function isDhcpv6Port(port: number): boolean {
  return port === UDP_PORT_DHCPV6_CLIENT || port === UDP_PORT_DHCPV6_SERVER;
}

function decodeDhcpv6Into(p: DecodedPacket, buf: Uint8Array, off: number, len: number): void {
  const m = decodeDhcpv6(buf, off, len);
  if (m === null) { if (len > 0) setMalformed(p, `dhcpv6: truncated: ${len} octets, shorter than the message header`); p.payload = { protocol: IPPROTO_UDP, length: len }; return; }
  p.dhcpv6 = m;
  if (m.malformed !== undefined) setMalformed(p, `dhcpv6: ${m.malformed}`);
}

function isDhcpv4Port(port: number): boolean {
  return port === UDP_PORT_DHCPV4_SERVER || port === UDP_PORT_DHCPV4_CLIENT;
}

function decodeDhcpv4Into(p: DecodedPacket, buf: Uint8Array, off: number, len: number): void {
  const m = decodeDhcpv4(buf, off, len);
  if (m === null) { if (len > 0) setMalformed(p, `dhcpv4: truncated: ${len} octets, shorter than the BOOTP header`); p.payload = { protocol: IPPROTO_UDP, length: len }; return; }
  p.dhcpv4 = m;
  if (m.malformed !== undefined) setMalformed(p, `dhcpv4: ${m.malformed}`);
}

/**
 * UDP 500 carries IKE; UDP 4500 carries IKE after a zero non-ESP marker, else ESP (RFC 3948 §2.2;
 * a lone 0xff octet is a NAT-keepalive).
 */
function decodeIkeOrEspInto(
  p: DecodedPacket, buf: Uint8Array, off: number, len: number, natT: boolean, depth: number, ctx: ChecksumContext, addressLength: 4 | 16,
): void {
  let at = off, n = len;
  if (natT) {
    if (len < 4) { if (len > 0) p.payload = { protocol: IPPROTO_UDP, length: len }; return; }
    if (buf[off] !== 0 || buf[off + 1] !== 0 || buf[off + 2] !== 0 || buf[off + 3] !== 0) {
      const ip = p.ipv6 ?? p.ipv4;
      decodeEspInto(p, buf, off, len, ip?.src, ip?.dst, depth, ctx, addressLength, false);
      return;
    }
    at += 4; n -= 4;
  }
  const h = decodeIkeHeader(buf, at, n);
  if (h === null) { setMalformed(p, `ike: truncated: ${n} octets, the header has 28`); return; }
  p.ike = h;
  if (h.malformed !== undefined) setMalformed(p, `ike: ${h.malformed}`);
}

/** Upper layers an unkeyed ESP-NULL payload is recognised by, each checked against its own structure. */
let probeCtx: ChecksumContext | undefined;
function nullPayloadPlausible(nextHeader: number, buf: Uint8Array, off: number, len: number): boolean {
  switch (nextHeader) {
    case IPPROTO_MH: return len >= 8 && buf[off] === IPPROTO_NONE && (buf[off + 1]! + 1) * 8 === len;
    case IPPROTO_ICMPV6: return len >= 4 && probeCtx !== undefined && ipv6PseudoChecksum(probeCtx.addrBuf, probeCtx.srcOff, probeCtx.dstOff, IPPROTO_ICMPV6, buf, off, len) === 0;
    case IPPROTO_UDP: return len >= 8 && ((buf[off + 4]! << 8) | buf[off + 5]!) === len;
    case IPPROTO_IPV6: return len >= 40 && buf[off]! >> 4 === 6 && ((buf[off + 4]! << 8) | buf[off + 5]!) + 40 === len;
    case IPPROTO_IPIP: return len >= 20 && buf[off]! >> 4 === 4 && ((buf[off + 2]! << 8) | buf[off + 3]!) === len;
    case IPPROTO_NONE: return len === 0;
    default: return false;
  }
}

/**
 * The ESP packet of `len` octets at `off` (SPI on): opened with the SA of its SPI (or as ESP-NULL
 * without one), and what it protects decoded as the upper layer of `p`. An ICV that fails keeps
 * the payload (flagged in `esp.icv`); the packet is not malformed for it.
 */
function decodeEspInto(
  p: DecodedPacket, buf: Uint8Array, off: number, len: number, src: string | undefined, dst: string | undefined, depth: number,
  ctx: ChecksumContext, addressLength: 4 | 16, partial: boolean,
): void {
  if (len < ESP_HEADER_LENGTH) { setMalformed(p, `esp: truncated: ${len} octets, the header has 8`); return; }
  const v = viewOf(buf);
  const spi = v.getUint32(off);
  if (partial) {
    p.esp = { spi, sequence: v.getUint32(off + 4), icv: 'unknown', note: 'fragmented: not reassembled, payload not read' };
    return;
  }
  probeCtx = ctx;
  const o = openEsp(buf, off, len, saTable?.find(spi, src, dst), nullPayloadPlausible);
  p.esp = o.layer;
  const pl = o.payload;
  if (pl === undefined) { p.payload = { protocol: IPPROTO_ESP, length: len - ESP_HEADER_LENGTH }; return; }
  if (depth === 0) espPayload = pl;
  decodeUpper(p, o.layer.nextHeader!, pl.buf, pl.off, pl.len, depth, ctx, addressLength);
}

// The two below keep the result in a local: read back through `p`, whose shape varies with what
// the frame holds, every load would be polymorphic.

function decodeMhInto(p: DecodedPacket, buf: Uint8Array, off: number, len: number, ctx: ChecksumContext | undefined): void {
  const mh = decodeMobilityHeader(buf, off, len, ctx);
  p.mh = mh;
  if (mh.malformed !== undefined) setMalformed(p, `mh: ${mh.malformed}`);
}

function decodeInnerInto(p: DecodedPacket, buf: Uint8Array, off: number, len: number, depth: number, version: 0 | 4 | 6): void {
  const inner = decodeInner(buf, off, len, depth, version);
  p.inner = inner;
  if (inner.malformed !== undefined) setMalformed(p, `inner ${inner.malformed}`);
}

/** GRE and the IPv6 or IPv4 packet it carries; another protocol type stays raw payload. */
function decodeGreInto(p: DecodedPacket, buf: Uint8Array, off: number, len: number, depth: number): void {
  const g = decodeGre(buf, off, len);
  if (g === null) { setMalformed(p, `gre: truncated: ${len} octets captured`); return; }
  p.gre = g;
  if (g.malformed !== undefined) { setMalformed(p, `gre: ${g.malformed}`); return; }
  const version = greInnerVersion(g.protocolType);
  if (version === 0) { p.payload = { protocol: IPPROTO_GRE, length: len - g.length }; return; }
  decodeInnerInto(p, buf, off + g.length, len - g.length, depth + 1, version);
}

/** A tunnelled packet: IPv6 (6), IPv4 (4), or either by its version nibble (0). */
function decodeInner(buf: Uint8Array, off: number, len: number, depth: number, version: 0 | 4 | 6): DecodedPacket {
  const p: DecodedPacket = {};
  if (version === 6) decodeIpv6(p, buf, off, len, depth);
  else if (version === 4) decodeIpv4(p, buf, off, len, depth);
  else decodeIp(p, buf, off, len, depth);
  return p;
}
