// IPv6 header and extension headers (RFC 8200), with the options PMIPv6 traffic carries: the
// Tunnel Encapsulation Limit of Linux ip6tnl (RFC 2473) and the Home Address option (RFC 6275).
import { fromHex, parseIpv6, toHex } from './bytes.js';
import { WireEncodeError } from './encode-error.js';
import { ipv6Text } from './intern.js';
import { IPPROTO_NONE } from './mh.js';

// IP protocol numbers (IANA), shared by the IPv6 Next Header and the IPv4 Protocol fields.
export const IPPROTO_HOPOPTS = 0;
export const IPPROTO_ICMP = 1;
export const IPPROTO_IPIP = 4;
export const IPPROTO_TCP = 6;
export const IPPROTO_UDP = 17;
export const IPPROTO_IPV6 = 41;
export const IPPROTO_ROUTING = 43;
export const IPPROTO_FRAGMENT = 44;
export const IPPROTO_GRE = 47;
export const IPPROTO_ESP = 50;
export const IPPROTO_AH = 51;
export const IPPROTO_ICMPV6 = 58;
export const IPPROTO_DSTOPTS = 60;
// IPPROTO_NONE (59) and IPPROTO_MH (135) come from mh.ts.

export const IPV6_HEADER_LENGTH = 40;

// Hop-by-hop / destination option types (IANA "Destination Options and Hop-by-Hop Options").
export const IPV6_OPT_PAD1 = 0;
export const IPV6_OPT_PADN = 1;
export const IPV6_OPT_TUNNEL_ENCAP_LIMIT = 4;
export const IPV6_OPT_ROUTER_ALERT = 5;
export const IPV6_OPT_JUMBO = 0xc2;
export const IPV6_OPT_HOME_ADDRESS = 0xc9;

/** Address as text (any RFC 4291 form) or as 16 bytes. */
export type Ipv6Like = string | Uint8Array;

export function toIpv6Bytes(a: Ipv6Like): Uint8Array {
  if (typeof a === 'string') return parseIpv6(a);
  if (a.length !== 16) throw new WireEncodeError(`an IPv6 address has 16 octets, not ${a.length}`);
  return a;
}

// ---------------------------------------------------------------------------------------------
// Types

export type Ipv6Option =
  | { type: 0; name: 'pad1'; length: 0 }
  | { type: 1; name: 'padn'; length: number; /** Non-zero padding, hex. */ data?: string }
  | { type: 4; name: 'tunnel-encap-limit'; length: 1; limit: number }
  | { type: 5; name: 'router-alert'; length: 2; value: number }
  | { type: 0xc2; name: 'jumbo'; length: 4; payloadLength: number }
  | { type: 0xc9; name: 'home-address'; length: 16; address: string }
  | { type: number; name: 'unknown'; length: number; data: string };

/**
 * Encoder input for an option. `length` is the Opt Data Len byte, as in a decoded option (and as
 * in the mobility options of mh.ts); it only matters for PadN and unknown options without `data`.
 */
export interface Ipv6OptionSpec {
  type: number;
  length?: number;
  limit?: number;
  value?: number;
  payloadLength?: number;
  address?: Ipv6Like;
  data?: string;
}

export interface OptionsHeader {
  type: 0 | 60;
  name: 'hop-by-hop' | 'destination-options';
  nextHeader: number;
  length: number;
  options: Ipv6Option[];
}

export interface RoutingHeader {
  type: 43;
  name: 'routing';
  nextHeader: number;
  length: number;
  routingType: number;
  segmentsLeft: number;
  /** Type 2 (RFC 6275 §6.4): the mobile node's home address. */
  homeAddress?: string;
  /** Type 2 reserved word, or type 4 reserved bits, when not zero. */
  reserved?: number;
  /** Type 4 (Segment Routing, RFC 8754). */
  lastEntry?: number;
  flags?: number;
  tag?: number;
  segments?: string[];
  /** Type 4 TLVs after the segment list, hex. */
  tlvs?: string;
  /** Other routing types: everything after the first 4 octets, hex. */
  data?: string;
}

export interface FragmentHeader {
  type: 44;
  name: 'fragment';
  nextHeader: number;
  length: 8;
  /** Fragment offset in octets (a multiple of 8). */
  offset: number;
  more: boolean;
  identification: number;
  /** The reserved octet and the two reserved bits (as `reserved << 8 | res`), when not zero. */
  reserved?: number;
}

/** ESP is opaque: only the cleartext SPI and sequence number; decoding stops here. */
export interface EspHeader {
  type: 50;
  name: 'esp';
  /** Octets from the SPI to the end of the packet. */
  length: number;
  spi: number;
  sequence: number;
}

export interface AhHeader {
  type: 51;
  name: 'ah';
  nextHeader: number;
  length: number;
  spi: number;
  sequence: number;
  icv: string;
  reserved?: number;
}

export type ExtensionHeader = OptionsHeader | RoutingHeader | FragmentHeader | EspHeader | AhHeader;

/**
 * Any decoded ExtensionHeader, or a hand-written one: `name` and `length` are ignored, a missing
 * `nextHeader` becomes the type of the header that follows (59 after the last), and options are
 * padded to a multiple of 8 octets with Pad1/PadN when they do not fill one.
 */
export interface ExtensionHeaderSpec {
  type: number;
  nextHeader?: number;
  options?: readonly Ipv6OptionSpec[];
  routingType?: number;
  segmentsLeft?: number;
  homeAddress?: Ipv6Like;
  reserved?: number;
  lastEntry?: number;
  flags?: number;
  tag?: number;
  segments?: readonly Ipv6Like[];
  tlvs?: string;
  data?: string;
  offset?: number;
  more?: boolean;
  identification?: number;
  spi?: number;
  sequence?: number;
  icv?: string;
}

export interface Ipv6Header {
  src: string;
  dst: string;
  hopLimit: number;
  nextHeader: number;
  trafficClass: number;
  flowLabel: number;
  payloadLength: number;
  /** In wire order; a shared frozen empty array when there are none. */
  extensionHeaders: readonly ExtensionHeader[];
}

export interface Ipv6Spec {
  src: Ipv6Like;
  dst: Ipv6Like;
  hopLimit?: number;
  trafficClass?: number;
  flowLabel?: number;
  /** Written as given; computed from the extension headers and payload when omitted. */
  payloadLength?: number;
  /** Defaults to the first extension header's type, or 59 without extension headers. */
  nextHeader?: number;
  extensionHeaders?: readonly ExtensionHeaderSpec[];
  /** The upper-layer packet (or, after ESP or a non-first fragment, the opaque rest). */
  payload?: Uint8Array;
}

/**
 * Where decodeIpv6Header's walk of the header chain (or decodeIpv4Header) ended, so the caller
 * can go on with the upper layer without another pass. One instance is reused for every packet.
 */
export class IpChainEnd {
  /** The upper-layer protocol at `offset`; -1 when the chain was broken (see `error`). */
  protocol = -1;
  offset = 0;
  /** End of the packet within the capture: min(length the header gives, captured octets). */
  end = 0;
  /** True after ESP or in a non-first fragment: the rest is opaque, not an upper-layer header. */
  opaque = false;
  /** True in a first fragment with more to come: the upper layer is there only in part. */
  partial = false;
  /** First problem found, '' if none. A truncated payload still lets the walk go on. */
  error = '';

  /** Starts a new walk: an IP header decoder calls this first. */
  reset(): void {
    this.protocol = -1;
    this.opaque = false;
    this.partial = false;
    this.error = '';
  }
}

// ---------------------------------------------------------------------------------------------
// Decoding

const NO_EXTENSION_HEADERS: readonly ExtensionHeader[] = Object.freeze([]);

function u16(buf: Uint8Array, p: number): number {
  return (buf[p]! << 8) | buf[p + 1]!;
}

function u32(buf: Uint8Array, p: number): number {
  return ((buf[p]! << 24) | (buf[p + 1]! << 16) | (buf[p + 2]! << 8) | buf[p + 3]!) >>> 0;
}

function isZero(buf: Uint8Array, p: number, end: number): boolean {
  for (let i = p; i < end; i++) if (buf[i] !== 0) return false;
  return true;
}

/** The options of a hop-by-hop or destination options header in [p, end), or an error text. */
function decodeOptions(buf: Uint8Array, p: number, end: number): Ipv6Option[] | string {
  const options: Ipv6Option[] = [];
  let i = p;
  while (i < end) {
    const type = buf[i]!;
    if (type === IPV6_OPT_PAD1) { options.push({ type: 0, name: 'pad1', length: 0 }); i++; continue; }
    if (i + 2 > end || i + 2 + buf[i + 1]! > end) return `option ${type} overruns its header`;
    const dl = buf[i + 1]!;
    const d = i + 2;
    if (type === IPV6_OPT_PADN) {
      if (isZero(buf, d, d + dl)) options.push({ type: 1, name: 'padn', length: dl });
      else options.push({ type: 1, name: 'padn', length: dl, data: toHex(buf, d, dl) });
    } else if (type === IPV6_OPT_TUNNEL_ENCAP_LIMIT && dl === 1) {
      options.push({ type: 4, name: 'tunnel-encap-limit', length: 1, limit: buf[d]! });
    } else if (type === IPV6_OPT_HOME_ADDRESS && dl === 16) {
      options.push({ type: 0xc9, name: 'home-address', length: 16, address: ipv6Text(buf, d) });
    } else if (type === IPV6_OPT_ROUTER_ALERT && dl === 2) {
      options.push({ type: 5, name: 'router-alert', length: 2, value: u16(buf, d) });
    } else if (type === IPV6_OPT_JUMBO && dl === 4) {
      options.push({ type: 0xc2, name: 'jumbo', length: 4, payloadLength: u32(buf, d) });
    } else {
      options.push({ type, name: 'unknown', length: dl, data: toHex(buf, d, dl) });
    }
    i = d + dl;
  }
  return options;
}

function decodeRouting(buf: Uint8Array, p: number, hl: number): RoutingHeader {
  const h: RoutingHeader = {
    type: 43, name: 'routing', nextHeader: buf[p]!, length: hl, routingType: buf[p + 2]!, segmentsLeft: buf[p + 3]!,
  };
  if (h.routingType === 2 && hl === 24) {
    const reserved = u32(buf, p + 4);
    if (reserved !== 0) h.reserved = reserved;
    h.homeAddress = ipv6Text(buf, p + 8);
  } else if (h.routingType === 4 && 8 + 16 * (buf[p + 4]! + 1) <= hl) {
    h.lastEntry = buf[p + 4]!;
    h.flags = buf[p + 5]!;
    h.tag = u16(buf, p + 6);
    const segments: string[] = [];
    for (let i = 0; i <= h.lastEntry; i++) segments.push(ipv6Text(buf, p + 8 + 16 * i));
    h.segments = segments;
    const used = 8 + 16 * segments.length;
    if (used < hl) h.tlvs = toHex(buf, p + used, hl - used);
  } else {
    h.data = toHex(buf, p + 4, hl - 4);
  }
  return h;
}

/**
 * The fixed header and the extension headers at `off` (`len` captured octets). Returns null when
 * the fixed header is missing or is not version 6 (`chain.error` says which); otherwise `chain`
 * tells where the upper layer starts. Never throws.
 */
export function decodeIpv6Header(buf: Uint8Array, off: number, len: number, chain: IpChainEnd): Ipv6Header | null {
  chain.reset();
  const b0 = len > 0 ? buf[off]! : 0x60; // nothing captured is a truncation, not a wrong version
  if (b0 >> 4 !== 6) {
    chain.error = `version ${b0 >> 4} is not 6`;
    return null;
  }
  if (len < IPV6_HEADER_LENGTH) {
    chain.error = `truncated: ${len} of ${IPV6_HEADER_LENGTH} header octets captured`;
    return null;
  }
  const payloadLength = u16(buf, off + 4);
  const captured = len - IPV6_HEADER_LENGTH;
  let end = off + IPV6_HEADER_LENGTH + payloadLength;
  // Payload Length 0 with a hop-by-hop header is a jumbogram (RFC 2675): the Jumbo option has the
  // length; until it is read, the capture is the bound.
  const jumbo = payloadLength === 0 && buf[off + 6] === IPPROTO_HOPOPTS;
  if (jumbo) end = off + len;
  else if (payloadLength > captured) {
    chain.error = `truncated: payload length ${payloadLength} exceeds ${captured} captured octets`;
    end = off + len;
  }
  const h: Ipv6Header = {
    src: ipv6Text(buf, off + 8),
    dst: ipv6Text(buf, off + 24),
    hopLimit: buf[off + 7]!,
    nextHeader: buf[off + 6]!,
    trafficClass: ((b0 & 0x0f) << 4) | (buf[off + 1]! >> 4),
    flowLabel: ((buf[off + 1]! & 0x0f) << 16) | u16(buf, off + 2),
    payloadLength,
    extensionHeaders: NO_EXTENSION_HEADERS,
  };
  let exts: ExtensionHeader[] | null = null;
  let nh = h.nextHeader;
  let p = off + IPV6_HEADER_LENGTH;
  for (;;) {
    let ext: ExtensionHeader;
    let hl: number;
    if (nh === IPPROTO_HOPOPTS || nh === IPPROTO_DSTOPTS || nh === IPPROTO_ROUTING || nh === IPPROTO_AH) {
      if (p + 2 > end) { fail(chain, `${extensionHeaderName(nh)} header overruns the packet`); break; }
      hl = nh === IPPROTO_AH ? (buf[p + 1]! + 2) * 4 : (buf[p + 1]! + 1) * 8;
      if (p + hl > end) { fail(chain, `${extensionHeaderName(nh)} header of ${hl} octets overruns the packet`); break; }
      if (nh === IPPROTO_ROUTING) {
        ext = decodeRouting(buf, p, hl);
      } else if (nh === IPPROTO_AH) {
        if (hl < 12) { fail(chain, `ah header of ${hl} octets is shorter than 12`); break; }
        const ah: AhHeader = { type: 51, name: 'ah', nextHeader: buf[p]!, length: hl, spi: u32(buf, p + 4), sequence: u32(buf, p + 8), icv: toHex(buf, p + 12, hl - 12) };
        if (u16(buf, p + 2) !== 0) ah.reserved = u16(buf, p + 2);
        ext = ah;
      } else {
        const options = decodeOptions(buf, p + 2, p + hl);
        if (typeof options === 'string') { fail(chain, `${extensionHeaderName(nh)}: ${options}`); break; }
        ext = nh === IPPROTO_HOPOPTS
          ? { type: 0, name: 'hop-by-hop', nextHeader: buf[p]!, length: hl, options }
          : { type: 60, name: 'destination-options', nextHeader: buf[p]!, length: hl, options };
        if (jumbo && nh === IPPROTO_HOPOPTS) end = jumboEnd(chain, options, off, len, end);
      }
    } else if (nh === IPPROTO_FRAGMENT) {
      hl = 8;
      if (p + hl > end) { fail(chain, 'fragment header overruns the packet'); break; }
      const word = u16(buf, p + 2);
      const frag: FragmentHeader = {
        type: 44, name: 'fragment', nextHeader: buf[p]!, length: 8,
        offset: word & 0xfff8, more: (word & 1) !== 0, identification: u32(buf, p + 4),
      };
      const reserved = (buf[p + 1]! << 8) | (word & 6);
      if (reserved !== 0) frag.reserved = reserved;
      ext = frag;
    } else if (nh === IPPROTO_ESP) {
      if (p + 8 > end) { fail(chain, 'esp header overruns the packet'); break; }
      ext = { type: 50, name: 'esp', length: end - p, spi: u32(buf, p), sequence: u32(buf, p + 4) };
      hl = 8;
    } else {
      chain.protocol = nh;
      break;
    }
    if (exts === null) exts = [];
    exts.push(ext);
    p += hl;
    if (ext.type === IPPROTO_ESP) { chain.protocol = IPPROTO_ESP; chain.opaque = true; break; }
    nh = ext.nextHeader;
    if (ext.type === IPPROTO_FRAGMENT) {
      if (ext.offset !== 0) { chain.protocol = nh; chain.opaque = true; break; }
      chain.partial = ext.more;
    }
  }
  if (exts !== null) h.extensionHeaders = exts;
  chain.offset = p;
  chain.end = end;
  return h;
}

function fail(chain: IpChainEnd, reason: string): void {
  chain.protocol = -1;
  if (chain.error === '') chain.error = reason;
}

function jumboEnd(chain: IpChainEnd, options: Ipv6Option[], off: number, len: number, end: number): number {
  for (const o of options) {
    if (o.name !== 'jumbo') continue;
    const total = IPV6_HEADER_LENGTH + o.payloadLength;
    if (total <= len) return off + total;
    if (chain.error === '') chain.error = `truncated: jumbo payload length ${o.payloadLength} exceeds ${len - IPV6_HEADER_LENGTH} captured octets`;
    return end;
  }
  return end;
}

export function extensionHeaderName(type: number): string {
  switch (type) {
    case IPPROTO_HOPOPTS: return 'hop-by-hop';
    case IPPROTO_DSTOPTS: return 'destination-options';
    case IPPROTO_ROUTING: return 'routing';
    case IPPROTO_FRAGMENT: return 'fragment';
    case IPPROTO_ESP: return 'esp';
    case IPPROTO_AH: return 'ah';
    default: return `header-${type}`;
  }
}

// ---------------------------------------------------------------------------------------------
// Encoding

function encodeOption(o: Ipv6OptionSpec): Uint8Array {
  switch (o.type) {
    case IPV6_OPT_PAD1: return new Uint8Array(1);
    case IPV6_OPT_TUNNEL_ENCAP_LIMIT: if (o.limit !== undefined) return Uint8Array.of(4, 1, o.limit); break;
    case IPV6_OPT_ROUTER_ALERT: if (o.value !== undefined) return Uint8Array.of(5, 2, o.value >> 8, o.value & 0xff); break;
    case IPV6_OPT_JUMBO:
      if (o.payloadLength !== undefined) {
        const n = o.payloadLength;
        return Uint8Array.of(0xc2, 4, n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff);
      }
      break;
    case IPV6_OPT_HOME_ADDRESS:
      if (o.address !== undefined) {
        const out = new Uint8Array(18);
        out[0] = 0xc9; out[1] = 16; out.set(toIpv6Bytes(o.address), 2);
        return out;
      }
      break;
    default: break;
  }
  // PadN and unknown options: data as given, or `length` zero octets.
  const data = o.data !== undefined ? fromHex(o.data) : new Uint8Array(o.length ?? 0);
  if (data.length > 255) throw new WireEncodeError(`IPv6 option ${o.type}: ${data.length} data octets exceed 255`);
  const out = new Uint8Array(2 + data.length);
  out[0] = o.type; out[1] = data.length; out.set(data, 2);
  return out;
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let i = 0;
  for (const p of parts) { out.set(p, i); i += p.length; }
  return out;
}

function padTo8(parts: Uint8Array[], used: number): void {
  const pad = (8 - (used % 8)) % 8;
  if (pad === 1) parts.push(new Uint8Array(1));
  else if (pad > 1) { const p = new Uint8Array(pad); p[0] = IPV6_OPT_PADN; p[1] = pad - 2; parts.push(p); }
}

function setU32(out: Uint8Array, p: number, v: number): void {
  out[p] = v >>> 24; out[p + 1] = (v >>> 16) & 0xff; out[p + 2] = (v >>> 8) & 0xff; out[p + 3] = v & 0xff;
}

/** One extension header in wire form, with `nextHeader` written in its first octet. */
export function encodeExtensionHeader(h: ExtensionHeaderSpec, nextHeader: number): Uint8Array {
  switch (h.type) {
    case IPPROTO_HOPOPTS: case IPPROTO_DSTOPTS: {
      const parts: Uint8Array[] = [new Uint8Array(2)];
      let used = 2;
      for (const o of h.options ?? []) { const b = encodeOption(o); parts.push(b); used += b.length; }
      padTo8(parts, used);
      const out = concat(parts);
      out[0] = nextHeader; out[1] = out.length / 8 - 1;
      return out;
    }
    case IPPROTO_ROUTING: {
      let body: Uint8Array;
      if (h.homeAddress !== undefined) {
        body = new Uint8Array(20);
        setU32(body, 0, h.reserved ?? 0);
        body.set(toIpv6Bytes(h.homeAddress), 4);
      } else if (h.segments !== undefined) {
        const tlvs = fromHex(h.tlvs ?? '');
        body = new Uint8Array(4 + 16 * h.segments.length + tlvs.length);
        body[0] = h.lastEntry ?? h.segments.length - 1;
        body[1] = h.flags ?? 0;
        body[2] = (h.tag ?? 0) >> 8; body[3] = (h.tag ?? 0) & 0xff;
        h.segments.forEach((s, i) => body.set(toIpv6Bytes(s), 4 + 16 * i));
        body.set(tlvs, 4 + 16 * h.segments.length);
      } else {
        body = fromHex(h.data ?? '00000000');
      }
      if ((body.length + 4) % 8 !== 0) throw new WireEncodeError(`routing header of ${body.length + 4} octets is not a multiple of 8`);
      const out = new Uint8Array(4 + body.length);
      out[0] = nextHeader; out[1] = out.length / 8 - 1;
      out[2] = h.routingType ?? (h.homeAddress !== undefined ? 2 : 4);
      out[3] = h.segmentsLeft ?? (h.homeAddress !== undefined ? 1 : 0);
      out.set(body, 4);
      return out;
    }
    case IPPROTO_FRAGMENT: {
      const out = new Uint8Array(8);
      const reserved = h.reserved ?? 0;
      const word = ((h.offset ?? 0) & 0xfff8) | (reserved & 6) | (h.more ? 1 : 0);
      out[0] = nextHeader; out[1] = reserved >> 8; out[2] = word >> 8; out[3] = word & 0xff;
      setU32(out, 4, h.identification ?? 0);
      return out;
    }
    case IPPROTO_AH: {
      const icv = fromHex(h.icv ?? '');
      const out = new Uint8Array(12 + icv.length);
      if (out.length % 8 !== 0) throw new WireEncodeError(`AH of ${out.length} octets is not a multiple of 8 (RFC 4302 §3.3.3.2.1)`);
      out[0] = nextHeader; out[1] = out.length / 4 - 2;
      out[2] = (h.reserved ?? 0) >> 8; out[3] = (h.reserved ?? 0) & 0xff;
      setU32(out, 4, h.spi ?? 0); setU32(out, 8, h.sequence ?? 0);
      out.set(icv, 12);
      return out;
    }
    case IPPROTO_ESP: {
      const out = new Uint8Array(8);
      setU32(out, 0, h.spi ?? 0); setU32(out, 4, h.sequence ?? 0);
      return out;
    }
    default:
      throw new WireEncodeError(`extension header type ${h.type} cannot be encoded (supported: 0, 43, 44, 50, 51, 60)`);
  }
}

/**
 * An IPv6 packet. A decoded Ipv6Header plus the octets after its extension headers re-encodes
 * byte for byte; hand-written specs get defaults (hop limit 64, computed payload length).
 */
export function encodeIpv6(spec: Ipv6Spec): Uint8Array {
  const exts = spec.extensionHeaders ?? [];
  const payload = spec.payload ?? new Uint8Array(0);
  const parts: Uint8Array[] = [];
  for (let i = 0; i < exts.length; i++) {
    const e = exts[i]!;
    parts.push(encodeExtensionHeader(e, e.nextHeader ?? exts[i + 1]?.type ?? IPPROTO_NONE));
  }
  parts.push(payload);
  const body = concat(parts);
  const out = new Uint8Array(IPV6_HEADER_LENGTH + body.length);
  const tc = spec.trafficClass ?? 0, fl = spec.flowLabel ?? 0;
  const pl = spec.payloadLength ?? body.length;
  out[0] = 0x60 | (tc >> 4);
  out[1] = ((tc & 0x0f) << 4) | ((fl >> 16) & 0x0f);
  out[2] = (fl >> 8) & 0xff; out[3] = fl & 0xff;
  out[4] = pl >> 8; out[5] = pl & 0xff;
  out[6] = spec.nextHeader ?? exts[0]?.type ?? IPPROTO_NONE;
  out[7] = spec.hopLimit ?? 64;
  out.set(toIpv6Bytes(spec.src), 8);
  out.set(toIpv6Bytes(spec.dst), 24);
  out.set(body, IPV6_HEADER_LENGTH);
  return out;
}
