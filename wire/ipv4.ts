// IPv4 (RFC 791) and the transports above IP that PMIPv6 uses: UDP (RFC 768), which carries the
// Mobility Header and tunnelled packets over an IPv4 transport network (RFC 5844 §4), and TCP
// ports for traffic classification.
import { fromHex, internetChecksum, ipv6PseudoChecksum, parseIpv4, sum16, toHex } from './bytes.js';
import { WireEncodeError } from './encode-error.js';
import { ipv4Text } from './intern.js';
import { IPPROTO_UDP, IpChainEnd, toIpv6Bytes, type Ipv6Like } from './ipv6.js';
import type { ChecksumContext } from './mh.js';

export const IPV4_HEADER_LENGTH = 20;
export const UDP_HEADER_LENGTH = 8;
/** RFC 5844 §4.1: Mobility Header over IPv4/UDP (MH checksum 0, the UDP checksum covers it). */
export const UDP_PORT_PMIP_SIGNALLING = 5436;
/** RFC 5844 §4.1.4.1: IP packets tunnelled over IPv4/UDP. */
export const UDP_PORT_PMIP_TUNNEL = 5437;

export interface Ipv4Header {
  src: string;
  dst: string;
  ttl: number;
  protocol: number;
  tos: number;
  totalLength: number;
  identification: number;
  dontFragment: boolean;
  moreFragments: boolean;
  /** In octets (a multiple of 8). */
  fragmentOffset: number;
  /** Octets, options included. */
  headerLength: number;
  checksum: number;
  checksumOk: boolean;
  /** Options, hex, when the header is longer than 20 octets. */
  options?: string;
  /** The reserved flag bit, when set. */
  reservedFlag?: boolean;
}

export interface Ipv4Spec {
  src: string | Uint8Array;
  dst: string | Uint8Array;
  ttl?: number;
  protocol?: number;
  tos?: number;
  /** Written as given; header + payload when omitted. */
  totalLength?: number;
  identification?: number;
  dontFragment?: boolean;
  moreFragments?: boolean;
  fragmentOffset?: number;
  reservedFlag?: boolean;
  options?: string;
  /** Written as given; computed when omitted. */
  checksum?: number;
  payload?: Uint8Array;
}

function u16(buf: Uint8Array, p: number): number {
  return (buf[p]! << 8) | buf[p + 1]!;
}

function toIpv4Bytes(a: string | Uint8Array): Uint8Array {
  if (typeof a === 'string') return parseIpv4(a);
  if (a.length !== 4) throw new WireEncodeError(`an IPv4 address has 4 octets, not ${a.length}`);
  return a;
}

/**
 * The IPv4 header at `off` (`len` captured octets). Returns null when it is missing, cut or not
 * version 4 (`chain.error` says which); otherwise `chain` tells where the payload is. Never throws.
 */
export function decodeIpv4Header(buf: Uint8Array, off: number, len: number, chain: IpChainEnd): Ipv4Header | null {
  chain.reset();
  const b0 = len > 0 ? buf[off]! : 0x45; // nothing captured is a truncation, not a wrong version
  if (b0 >> 4 !== 4) { chain.error = `version ${b0 >> 4} is not 4`; return null; }
  if (len < IPV4_HEADER_LENGTH) {
    chain.error = `truncated: ${len} of ${IPV4_HEADER_LENGTH} header octets captured`;
    return null;
  }
  const hl = (b0 & 0x0f) * 4;
  if (hl < IPV4_HEADER_LENGTH) { chain.error = `header length ${hl} is less than 20`; return null; }
  if (hl > len) { chain.error = `truncated: ${len} of ${hl} header octets captured`; return null; }
  const totalLength = u16(buf, off + 2);
  const frag = u16(buf, off + 6);
  const h: Ipv4Header = {
    src: ipv4Text(buf, off + 12),
    dst: ipv4Text(buf, off + 16),
    ttl: buf[off + 8]!,
    protocol: buf[off + 9]!,
    tos: buf[off + 1]!,
    totalLength,
    identification: u16(buf, off + 4),
    dontFragment: (frag & 0x4000) !== 0,
    moreFragments: (frag & 0x2000) !== 0,
    fragmentOffset: (frag & 0x1fff) * 8,
    headerLength: hl,
    checksum: u16(buf, off + 10),
    checksumOk: internetChecksum(buf, off, hl) === 0,
  };
  if (hl > IPV4_HEADER_LENGTH) h.options = toHex(buf, off + IPV4_HEADER_LENGTH, hl - IPV4_HEADER_LENGTH);
  if ((frag & 0x8000) !== 0) h.reservedFlag = true;
  chain.offset = off + hl;
  if (totalLength < hl) {
    chain.error = `total length ${totalLength} is less than the header length ${hl}`;
    chain.end = off + hl;
    return h;
  }
  let end = off + totalLength;
  if (totalLength > len) {
    chain.error = `truncated: total length ${totalLength} exceeds ${len} captured octets`;
    end = off + len;
  }
  chain.end = end;
  chain.protocol = h.protocol;
  chain.opaque = h.fragmentOffset !== 0;
  chain.partial = h.fragmentOffset === 0 && h.moreFragments;
  return h;
}

export function encodeIpv4(spec: Ipv4Spec): Uint8Array {
  const options = fromHex(spec.options ?? '');
  if (options.length % 4 !== 0 || options.length > 40) throw new WireEncodeError(`IPv4 options of ${options.length} octets: must be a multiple of 4, at most 40`);
  const hl = IPV4_HEADER_LENGTH + options.length;
  const payload = spec.payload ?? new Uint8Array(0);
  const out = new Uint8Array(hl + payload.length);
  const dv = new DataView(out.buffer);
  out[0] = 0x40 | (hl / 4);
  out[1] = spec.tos ?? 0;
  dv.setUint16(2, spec.totalLength ?? out.length);
  dv.setUint16(4, spec.identification ?? 0);
  const fo = spec.fragmentOffset ?? 0;
  if (fo % 8 !== 0) throw new WireEncodeError(`IPv4 fragment offset ${fo} is not a multiple of 8`);
  dv.setUint16(6, (spec.reservedFlag ? 0x8000 : 0) | (spec.dontFragment ? 0x4000 : 0) | (spec.moreFragments ? 0x2000 : 0) | (fo / 8));
  out[8] = spec.ttl ?? 64;
  out[9] = spec.protocol ?? 0;
  out.set(toIpv4Bytes(spec.src), 12);
  out.set(toIpv4Bytes(spec.dst), 16);
  out.set(options, IPV4_HEADER_LENGTH);
  dv.setUint16(10, spec.checksum ?? internetChecksum(out, 0, hl));
  out.set(payload, hl);
  return out;
}

// ---------------------------------------------------------------------------------------------
// UDP

export interface UdpHeader {
  srcPort: number;
  dstPort: number;
  length: number;
  checksum: number;
  /** Verified over the IPv4 or IPv6 pseudo-header. A zero checksum over IPv4 means "none" and counts as ok. */
  checksumOk: boolean;
  /** Length field inconsistent with the packet (shorter than 8, or longer than what is there). */
  malformed?: string;
}

export interface UdpSpec {
  srcPort: number;
  dstPort: number;
  /** Written as given; 8 + payload when omitted. */
  length?: number;
  /** Written as given; computed over the pseudo-header of src/dst when omitted. */
  checksum?: number;
  payload?: Uint8Array;
}

/**
 * The UDP header at `off`; `len` is what the IP layer says the datagram has (or was captured of
 * it). The checksum is verified against `ctx`'s addresses, 4 or 16 octets long
 * (`addressLength`). Null when fewer than 8 octets are there. Never throws.
 */
export function decodeUdp(buf: Uint8Array, off: number, len: number, ctx: ChecksumContext, addressLength: 4 | 16): UdpHeader | null {
  if (len < UDP_HEADER_LENGTH) return null;
  const length = u16(buf, off + 4);
  const checksum = u16(buf, off + 6);
  const h: UdpHeader = { srcPort: u16(buf, off), dstPort: u16(buf, off + 2), length, checksum, checksumOk: false };
  if (length < UDP_HEADER_LENGTH) {
    h.malformed = `length ${length} is less than 8`;
  } else if (length > len) {
    h.malformed = `truncated: length ${length} exceeds ${len} octets`;
  } else if (addressLength === 4) {
    h.checksumOk = checksum === 0 || internetChecksum(buf, off, length,
      sum16(ctx.addrBuf, ctx.srcOff, 4, sum16(ctx.addrBuf, ctx.dstOff, 4, IPPROTO_UDP + length))) === 0;
  } else {
    h.checksumOk = checksum !== 0 && ipv6PseudoChecksum(ctx.addrBuf, ctx.srcOff, ctx.dstOff, IPPROTO_UDP, buf, off, length) === 0;
  }
  return h;
}

function isIpv4Text(a: string | Uint8Array): boolean {
  return typeof a === 'string' ? a.includes('.') && !a.includes(':') : a.length === 4;
}

/**
 * A UDP datagram. Without `checksum`, it is computed over the pseudo-header of `src` and `dst`:
 * IPv4 when they are IPv4 addresses, IPv6 otherwise (a computed 0 is sent as 0xffff).
 */
export function encodeUdp(spec: UdpSpec, src?: string | Uint8Array, dst?: string | Uint8Array): Uint8Array {
  const payload = spec.payload ?? new Uint8Array(0);
  const out = new Uint8Array(UDP_HEADER_LENGTH + payload.length);
  const dv = new DataView(out.buffer);
  dv.setUint16(0, spec.srcPort);
  dv.setUint16(2, spec.dstPort);
  const length = spec.length ?? out.length;
  dv.setUint16(4, length);
  out.set(payload, UDP_HEADER_LENGTH);
  let checksum = spec.checksum;
  if (checksum === undefined) {
    if (src === undefined || dst === undefined) throw new WireEncodeError('encodeUdp: src and dst are needed to compute the checksum');
    if (isIpv4Text(src) !== isIpv4Text(dst)) throw new WireEncodeError('encodeUdp: src and dst must be of the same family');
    if (isIpv4Text(src)) {
      const s = toIpv4Bytes(src), d = toIpv4Bytes(dst);
      checksum = internetChecksum(out, 0, out.length, sum16(s, 0, 4, sum16(d, 0, 4, IPPROTO_UDP + length)));
    } else {
      const addrs = new Uint8Array(32);
      addrs.set(toIpv6Bytes(src as Ipv6Like), 0);
      addrs.set(toIpv6Bytes(dst as Ipv6Like), 16);
      checksum = ipv6PseudoChecksum(addrs, 0, 16, IPPROTO_UDP, out, 0, out.length);
    }
    if (checksum === 0) checksum = 0xffff;
  }
  dv.setUint16(6, checksum);
  return out;
}

// ---------------------------------------------------------------------------------------------
// TCP: ports only, enough to classify traffic.

export interface TcpPorts { srcPort: number; dstPort: number }

export function decodeTcpPorts(buf: Uint8Array, off: number, len: number): TcpPorts | null {
  if (len < 4) return null;
  return { srcPort: u16(buf, off), dstPort: u16(buf, off + 2) };
}
