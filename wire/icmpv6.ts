// ICMPv6 (RFC 4443) with Neighbor Discovery (RFC 4861), the RA extensions PMIPv6 home-link
// emulation uses (H flag RFC 6275 §7.1, Prf/Route Information RFC 4191, RDNSS/DNSSL RFC 8106)
// and MLD by name. The MAG's RA is how a test sees the mobile node's home network prefix.
import { formatMac, fromHex, ipv6PseudoChecksum, parseMac, toHex } from './bytes.js';
import { WireEncodeError } from './encode-error.js';
import type { DecodedPacket } from './frame.js';
import { ipv6PrefixText, ipv6Text, macText } from './intern.js';
import { IPPROTO_ICMPV6, toIpv6Bytes, type Ipv6Like } from './ipv6.js';
import type { ChecksumContext } from './mh.js';

export const ICMPV6_DEST_UNREACHABLE = 1;
export const ICMPV6_PACKET_TOO_BIG = 2;
export const ICMPV6_TIME_EXCEEDED = 3;
export const ICMPV6_PARAMETER_PROBLEM = 4;
export const ICMPV6_ECHO_REQUEST = 128;
export const ICMPV6_ECHO_REPLY = 129;
export const ICMPV6_MLD_QUERY = 130;
export const ICMPV6_MLD_REPORT = 131;
export const ICMPV6_MLD_DONE = 132;
export const ICMPV6_RS = 133;
export const ICMPV6_RA = 134;
export const ICMPV6_NS = 135;
export const ICMPV6_NA = 136;
export const ICMPV6_REDIRECT = 137;
export const ICMPV6_MLDV2_REPORT = 143;

export const ND_OPT_SOURCE_LINK_LAYER = 1;
export const ND_OPT_TARGET_LINK_LAYER = 2;
export const ND_OPT_PREFIX_INFORMATION = 3;
export const ND_OPT_REDIRECTED_HEADER = 4;
export const ND_OPT_MTU = 5;
/** RFC 3971 §5.3.2 (SEND); Linux (since 5.x) also puts one in DAD Neighbor Solicitations (RFC 7527 §4.1.1). */
export const ND_OPT_NONCE = 14;
export const ND_OPT_ROUTE_INFORMATION = 24;
export const ND_OPT_RDNSS = 25;
export const ND_OPT_DNSSL = 31;

// ---------------------------------------------------------------------------------------------
// ND options. `length` is the option's size in octets (the Length byte times 8).

export interface LinkLayerAddressOption {
  type: 1 | 2;
  name: 'source-link-layer' | 'target-link-layer';
  length: number;
  /** Colon-separated hex of every octet after type and length (a MAC on Ethernet). */
  address: string;
}

export interface PrefixInformationOption {
  type: 3;
  name: 'prefix-information';
  length: 32;
  prefixLength: number;
  /** L */
  onLink: boolean;
  /** A */
  autonomous: boolean;
  /** R (RFC 6275 §7.2): the prefix field holds the router's full address. */
  router: boolean;
  validLifetime: number;
  preferredLifetime: number;
  /** "2001:db8:aa::/64" */
  prefix: string;
  /** The five flag bits after L, A, R, when not zero. */
  reserved1?: number;
  /** The 32-bit Reserved2 field, when not zero. */
  reserved2?: number;
}

export interface MtuOption { type: 5; name: 'mtu'; length: 8; mtu: number; reserved?: number }

export type RouterPreference = 'medium' | 'high' | 'reserved' | 'low';
const PREFERENCES: readonly RouterPreference[] = ['medium', 'high', 'reserved', 'low'];

export interface RouteInformationOption {
  type: 24;
  name: 'route-information';
  /** 8, 16 or 24: how many prefix octets are carried (0, 8 or 16). */
  length: number;
  prefixLength: number;
  preference: RouterPreference;
  routeLifetime: number;
  prefix: string;
  /** Bits of the flags octet other than Prf, when not zero. */
  reserved?: number;
}

export interface RdnssOption {
  type: 25;
  name: 'rdnss';
  length: number;
  lifetime: number;
  servers: string[];
  reserved?: number;
}

/** RFC 3971 §5.3.2: a random Nonce of 6 or more octets that makes the option a multiple of 8. */
export interface NonceOption {
  type: 14;
  name: 'nonce';
  length: number;
  /** Hex of every octet after Type and Length. */
  nonce: string;
}

/** Options kept as hex: the Redirected Header, DNSSL, unknown types, and known types of a wrong size. */
export interface RawNdOption {
  type: number;
  name: 'redirected-header' | 'dnssl' | 'unknown';
  length: number;
  data: string;
}

export type NdOption =
  | LinkLayerAddressOption | PrefixInformationOption | MtuOption | RouteInformationOption | RdnssOption | NonceOption
  | RawNdOption;

/**
 * Encoder input for an ND option: any decoded option, or a hand-written one. A prefix may carry
 * its length ("2001:db8::/64") instead of `prefixLength`. A raw option's `length` (octets, a
 * multiple of 8) is honoured, so a test can craft a lying Length byte.
 */
export interface NdOptionSpec {
  type: number;
  length?: number;
  address?: string | Uint8Array;
  prefixLength?: number;
  onLink?: boolean;
  autonomous?: boolean;
  router?: boolean;
  validLifetime?: number;
  preferredLifetime?: number;
  prefix?: string;
  reserved1?: number;
  reserved2?: number;
  mtu?: number;
  reserved?: number;
  preference?: RouterPreference;
  routeLifetime?: number;
  lifetime?: number;
  servers?: readonly Ipv6Like[];
  /** Nonce option: hex of the octets after Type and Length. */
  nonce?: string;
  data?: string;
}

// ---------------------------------------------------------------------------------------------
// Messages

interface Icmpv6Base {
  type: number;
  code: number;
  checksum: number;
  /** The checksum over the IPv6 pseudo-header verifies (false too when the message is cut short). */
  checksumOk: boolean;
  /** What is wrong past the fixed part (a bad option), if anything. */
  malformed?: string;
}

export interface RouterSolicitation extends Icmpv6Base {
  name: 'RS';
  reserved?: number;
  options: NdOption[];
  sourceLinkLayer?: string;
}

export interface RouterAdvertisement extends Icmpv6Base {
  name: 'RA';
  curHopLimit: number;
  /** M */
  managed: boolean;
  /** O */
  other: boolean;
  /** H (RFC 6275 §7.1) */
  homeAgent: boolean;
  /** Default router preference (RFC 4191). */
  prf: RouterPreference;
  /** The other flag bits (P of RFC 4389, reserved), when not zero. */
  reservedFlags?: number;
  routerLifetime: number;
  reachableTime: number;
  retransTimer: number;
  options: NdOption[];
  sourceLinkLayer?: string;
  /** The Prefix Information options (the same objects as in `options`). */
  prefixes: readonly PrefixInformationOption[];
  mtu?: number;
}

export interface NeighborSolicitation extends Icmpv6Base {
  name: 'NS';
  reserved?: number;
  target: string;
  options: NdOption[];
  sourceLinkLayer?: string;
}

export interface NeighborAdvertisement extends Icmpv6Base {
  name: 'NA';
  router: boolean;
  solicited: boolean;
  override: boolean;
  /** The 29 reserved bits, when not zero. */
  reserved?: number;
  target: string;
  options: NdOption[];
  targetLinkLayer?: string;
}

export interface Redirect extends Icmpv6Base {
  name: 'redirect';
  reserved?: number;
  target: string;
  destination: string;
  options: NdOption[];
  targetLinkLayer?: string;
}

export interface Echo extends Icmpv6Base {
  name: 'echo-request' | 'echo-reply';
  id: number;
  seq: number;
  dataLength: number;
  /** Hex, only when decoded with keepData (formatting it would dominate a frame's cost). */
  data?: string;
}

export interface Icmpv6Error extends Icmpv6Base {
  name: 'dest-unreachable' | 'packet-too-big' | 'time-exceeded' | 'parameter-problem';
  codeName: string;
  /** Packet Too Big */
  mtu?: number;
  /** Parameter Problem: offset of the error in the invoking packet. */
  pointer?: number;
  /** The Unused word of types 1 and 3, when not zero. */
  unused?: number;
  dataLength: number;
  data?: string;
  /** The invoking packet, decoded (by decodeFrame/decodePacket) when it is IPv6. */
  invoking?: DecodedPacket;
}

export interface Mld extends Icmpv6Base {
  name: 'mld-query' | 'mld-report' | 'mld-done';
  maxResponseDelay: number;
  reserved?: number;
  multicastAddress: string;
  /** Octets after the MLDv1 layout (an MLDv2 query's S/QRV/QQIC and sources). */
  dataLength: number;
  data?: string;
}

export interface Mldv2Report extends Icmpv6Base {
  name: 'mldv2-report';
  reserved?: number;
  recordCount: number;
  dataLength: number;
  data?: string;
}

export interface Icmpv6Other extends Icmpv6Base {
  name: 'unknown';
  dataLength: number;
  /** The octets after the checksum, hex (always kept: they are all there is). */
  data: string;
}

export type Icmpv6Message =
  | RouterSolicitation | RouterAdvertisement | NeighborSolicitation | NeighborAdvertisement | Redirect
  | Echo | Icmpv6Error | Mld | Mldv2Report | Icmpv6Other;

/**
 * Encoder input: a decoded message (re-encodes byte for byte; with keepData for messages that
 * carry bulk data), or a hand-written one. Without `options`, the convenience fields become
 * options: sourceLinkLayer, targetLinkLayer, mtu (RA), prefixes, in that order.
 */
export interface Icmpv6Spec {
  type: number;
  code?: number;
  /** Written as given; computed over the pseudo-header when omitted. */
  checksum?: number;
  reserved?: number;
  curHopLimit?: number;
  managed?: boolean;
  other?: boolean;
  homeAgent?: boolean;
  prf?: RouterPreference;
  reservedFlags?: number;
  routerLifetime?: number;
  reachableTime?: number;
  retransTimer?: number;
  target?: Ipv6Like;
  destination?: Ipv6Like;
  router?: boolean;
  solicited?: boolean;
  override?: boolean;
  id?: number;
  seq?: number;
  mtu?: number;
  pointer?: number;
  unused?: number;
  maxResponseDelay?: number;
  multicastAddress?: Ipv6Like;
  recordCount?: number;
  /** Bulk data after the fixed part, hex or bytes; without it, `dataLength` zero octets. */
  data?: string | Uint8Array;
  dataLength?: number;
  options?: readonly NdOptionSpec[];
  sourceLinkLayer?: string | Uint8Array;
  targetLinkLayer?: string | Uint8Array;
  prefixes?: readonly NdOptionSpec[];
}

export function icmpv6TypeName(type: number): Icmpv6Message['name'] {
  switch (type) {
    case ICMPV6_DEST_UNREACHABLE: return 'dest-unreachable';
    case ICMPV6_PACKET_TOO_BIG: return 'packet-too-big';
    case ICMPV6_TIME_EXCEEDED: return 'time-exceeded';
    case ICMPV6_PARAMETER_PROBLEM: return 'parameter-problem';
    case ICMPV6_ECHO_REQUEST: return 'echo-request';
    case ICMPV6_ECHO_REPLY: return 'echo-reply';
    case ICMPV6_MLD_QUERY: return 'mld-query';
    case ICMPV6_MLD_REPORT: return 'mld-report';
    case ICMPV6_MLD_DONE: return 'mld-done';
    case ICMPV6_RS: return 'RS';
    case ICMPV6_RA: return 'RA';
    case ICMPV6_NS: return 'NS';
    case ICMPV6_NA: return 'NA';
    case ICMPV6_REDIRECT: return 'redirect';
    case ICMPV6_MLDV2_REPORT: return 'mldv2-report';
    default: return 'unknown';
  }
}

/** Octets of a message's fixed part (before options or data); decodeIcmpv6 needs at least these. */
export function icmpv6MinLength(type: number): number {
  switch (type) {
    case ICMPV6_RA: return 16;
    case ICMPV6_NS: case ICMPV6_NA: case ICMPV6_MLD_QUERY: case ICMPV6_MLD_REPORT: case ICMPV6_MLD_DONE: return 24;
    case ICMPV6_REDIRECT: return 40;
    case ICMPV6_RS: case ICMPV6_ECHO_REQUEST: case ICMPV6_ECHO_REPLY: case ICMPV6_MLDV2_REPORT:
    case ICMPV6_DEST_UNREACHABLE: case ICMPV6_PACKET_TOO_BIG: case ICMPV6_TIME_EXCEEDED: case ICMPV6_PARAMETER_PROBLEM:
      return 8;
    default: return 4;
  }
}

/** True for the error messages (types 1-4) whose body is the invoking packet. */
export function isIcmpv6Error(m: Icmpv6Message): m is Icmpv6Error {
  return m.type >= ICMPV6_DEST_UNREACHABLE && m.type <= ICMPV6_PARAMETER_PROBLEM;
}

const ERROR_CODE_NAMES: Readonly<Record<number, readonly string[]>> = {
  1: ['no-route', 'admin-prohibited', 'beyond-scope', 'address-unreachable', 'port-unreachable',
    'source-policy', 'reject-route', 'source-routing-header'],
  2: ['packet-too-big'],
  3: ['hop-limit', 'reassembly'],
  4: ['header-field', 'unrecognized-next-header', 'unrecognized-option', 'incomplete-chain'],
};

// ---------------------------------------------------------------------------------------------
// Decoding

function u16(buf: Uint8Array, p: number): number {
  return (buf[p]! << 8) | buf[p + 1]!;
}

function u32(buf: Uint8Array, p: number): number {
  return ((buf[p]! << 24) | (buf[p + 1]! << 16) | (buf[p + 2]! << 8) | buf[p + 3]!) >>> 0;
}

const NO_PREFIXES: readonly PrefixInformationOption[] = Object.freeze([]);
/** Route Information carries 0, 8 or 16 prefix octets; the rest is zero for formatting. */
const routePrefix = new Uint8Array(16);

function linkLayerAddress(buf: Uint8Array, p: number, n: number): string {
  return n === 6 ? macText(buf, p) : formatMac(buf, p, n);
}

// What one walk of a message's ND options found that the message shows outside `options`. The
// walk serves five message types; reading and adding these fields on the message inside it made
// every access megamorphic, so the walk only writes them here and each message decoder adds them
// to its own object, in the order the options brought them (the order JSON prints them in).
const FIELD_SOURCE_LINK_LAYER = 1;
const FIELD_TARGET_LINK_LAYER = 2;
const FIELD_MTU = 3;
const FIELD_MALFORMED = 4;
/** Which fields a message takes from its options. */
const TAKES_SOURCE_LINK_LAYER = 1;
const TAKES_TARGET_LINK_LAYER = 2;
const TAKES_RA_FIELDS = 4; // mtu and prefixes

class NdFindings {
  sourceLinkLayer = '';
  targetLinkLayer = '';
  mtu = 0;
  /** The Prefix Information options of an RA, null when there are none. */
  prefixes: PrefixInformationOption[] | null = null;
  malformed: string | undefined = undefined;
  /** FIELD_* codes of the fields found, 3 bits each, the first found in the highest bits. */
  order = 0;
  /** FIELD_* codes already in `order`, as bits 1 << code. */
  seen = 0;

  reset(): void {
    this.prefixes = null;
    this.malformed = undefined;
    this.order = 0;
    this.seen = 0;
  }

  /** Records that `field` is set now, unless it already was. */
  found(field: number): boolean {
    if ((this.seen & (1 << field)) !== 0) return false;
    this.seen |= 1 << field;
    this.order = (this.order << 3) | field;
    return true;
  }

  /** A damaged option: `overrides` (the walk stops here) replaces an earlier text. */
  bad(text: string, overrides: boolean): void {
    if (this.found(FIELD_MALFORMED) || overrides) this.malformed = text;
  }
}
const nd = new NdFindings();

/**
 * The option of `len` octets at `p`, appended to `options`; what it brings to the message is
 * recorded in `nd` (`takes`: TAKES_* of the message).
 */
function decodeNdOption(options: NdOption[], buf: Uint8Array, p: number, len: number, takes: number): void {
  const type = buf[p]!;
  switch (type) {
    case ND_OPT_SOURCE_LINK_LAYER: {
      const address = linkLayerAddress(buf, p + 2, len - 2);
      options.push({ type: 1, name: 'source-link-layer', length: len, address });
      if ((takes & TAKES_SOURCE_LINK_LAYER) !== 0 && nd.found(FIELD_SOURCE_LINK_LAYER)) nd.sourceLinkLayer = address;
      return;
    }
    case ND_OPT_TARGET_LINK_LAYER: {
      const address = linkLayerAddress(buf, p + 2, len - 2);
      options.push({ type: 2, name: 'target-link-layer', length: len, address });
      if ((takes & TAKES_TARGET_LINK_LAYER) !== 0 && nd.found(FIELD_TARGET_LINK_LAYER)) nd.targetLinkLayer = address;
      return;
    }
    case ND_OPT_PREFIX_INFORMATION: {
      if (len !== 32) break;
      const flags = buf[p + 3]!;
      const prefixLength = buf[p + 2]!;
      const o: PrefixInformationOption = {
        type: 3, name: 'prefix-information', length: 32, prefixLength,
        onLink: (flags & 0x80) !== 0, autonomous: (flags & 0x40) !== 0, router: (flags & 0x20) !== 0,
        validLifetime: u32(buf, p + 4), preferredLifetime: u32(buf, p + 8), prefix: ipv6PrefixText(buf, p + 16, prefixLength),
      };
      if ((flags & 0x1f) !== 0) o.reserved1 = flags & 0x1f;
      const r2 = u32(buf, p + 12);
      if (r2 !== 0) o.reserved2 = r2;
      options.push(o);
      if ((takes & TAKES_RA_FIELDS) !== 0) (nd.prefixes ??= []).push(o);
      return;
    }
    case ND_OPT_MTU: {
      if (len !== 8) break;
      const mtu = u32(buf, p + 4);
      const o: MtuOption = { type: 5, name: 'mtu', length: 8, mtu };
      if (u16(buf, p + 2) !== 0) o.reserved = u16(buf, p + 2);
      options.push(o);
      if ((takes & TAKES_RA_FIELDS) !== 0 && nd.found(FIELD_MTU)) nd.mtu = mtu;
      return;
    }
    case ND_OPT_ROUTE_INFORMATION: {
      const prefixLength = buf[p + 2]!;
      if (len > 24 || prefixLength > 128 || (len - 8) * 8 < prefixLength) break;
      routePrefix.fill(0);
      routePrefix.set(buf.subarray(p + 8, p + len));
      const flags = buf[p + 3]!;
      const o: RouteInformationOption = {
        type: 24, name: 'route-information', length: len, prefixLength, preference: PREFERENCES[(flags >> 3) & 3]!,
        routeLifetime: u32(buf, p + 4), prefix: ipv6PrefixText(routePrefix, 0, prefixLength),
      };
      if ((flags & 0xe7) !== 0) o.reserved = flags & 0xe7;
      options.push(o);
      return;
    }
    case ND_OPT_NONCE:
      options.push({ type: 14, name: 'nonce', length: len, nonce: toHex(buf, p + 2, len - 2) });
      return;
    case ND_OPT_RDNSS: {
      if (len < 24 || (len - 8) % 16 !== 0) break;
      const servers: string[] = [];
      for (let a = p + 8; a < p + len; a += 16) servers.push(ipv6Text(buf, a));
      const o: RdnssOption = { type: 25, name: 'rdnss', length: len, lifetime: u32(buf, p + 4), servers };
      if (u16(buf, p + 2) !== 0) o.reserved = u16(buf, p + 2);
      options.push(o);
      return;
    }
    default: break;
  }
  const name = type === ND_OPT_REDIRECTED_HEADER ? 'redirected-header' : type === ND_OPT_DNSSL ? 'dnssl' : 'unknown';
  options.push({ type, name, length: len, data: toHex(buf, p + 2, len - 2) });
  // A type laid out above that was kept raw had a size that does not fit its layout.
  if (name === 'unknown' && hasLayout(type)) nd.bad(`option ${type} of ${len} octets does not fit its layout`, false);
}

/** Option types decodeNdOption lays out. */
function hasLayout(type: number): boolean {
  return type === ND_OPT_PREFIX_INFORMATION || type === ND_OPT_MTU || type === ND_OPT_ROUTE_INFORMATION || type === ND_OPT_RDNSS;
}

/** Messages that carry ND options, while their options are being read. */
type NdMessage = RouterSolicitation | RouterAdvertisement | NeighborSolicitation | NeighborAdvertisement | Redirect;

/** Walks the options in [p, end) into `options`; `nd` gets what they bring to the message. */
function decodeNdOptions(options: NdOption[], buf: Uint8Array, p: number, end: number, takes: number): void {
  while (p < end) {
    if (p + 2 > end) { nd.bad(`option at octet ${p} is cut short`, true); return; }
    const len = buf[p + 1]! * 8;
    if (len === 0) { nd.bad(`option ${buf[p]} has length 0`, true); return; }
    if (p + len > end) { nd.bad(`option ${buf[p]} of ${len} octets overruns the message`, true); return; }
    decodeNdOption(options, buf, p, len, takes);
    p += len;
  }
}

/**
 * Adds the fields `nd` found to `m`, in the order found. The message decoders handle the usual
 * orders themselves, each on its own object; this serves the rest.
 */
function addNdFields(m: NdMessage): void {
  const fields = m as { sourceLinkLayer?: string; targetLinkLayer?: string; mtu?: number; malformed?: string };
  let shift = 0;
  while (nd.order >>> (shift + 3) !== 0) shift += 3;
  for (; shift >= 0; shift -= 3) {
    switch ((nd.order >>> shift) & 7) {
      case FIELD_SOURCE_LINK_LAYER: fields.sourceLinkLayer = nd.sourceLinkLayer; break;
      case FIELD_TARGET_LINK_LAYER: fields.targetLinkLayer = nd.targetLinkLayer; break;
      case FIELD_MTU: fields.mtu = nd.mtu; break;
      default: fields.malformed = nd.malformed; break;
    }
  }
}

/**
 * The `malformed` of the message decodeIcmpv6 returned last, for the frame decoder: reading it
 * here instead of from messages of many shapes keeps that load monomorphic.
 */
export function lastIcmpv6Malformed(): string | undefined {
  return nd.malformed;
}

/**
 * The ICMPv6 message at `off` (`len` octets: the upper-layer length the IPv6 header gives, or what
 * was captured of it), its checksum verified against the pseudo-header of `ctx`. Null when even the
 * type's fixed part is missing (see icmpv6MinLength). Bulk data (echo payload, invoking packet,
 * MLDv2 records) is kept as hex only with `keepData`. Never throws.
 */
export function decodeIcmpv6(buf: Uint8Array, off: number, len: number, ctx: ChecksumContext, keepData = false): Icmpv6Message | null {
  nd.reset();
  if (len < 4) return null;
  const type = buf[off]!;
  if (len < icmpv6MinLength(type)) return null;
  const code = buf[off + 1]!;
  const checksum = u16(buf, off + 2);
  const checksumOk = ipv6PseudoChecksum(ctx.addrBuf, ctx.srcOff, ctx.dstOff, IPPROTO_ICMPV6, buf, off, len) === 0;
  const end = off + len;
  switch (type) {
    case ICMPV6_RS: {
      const m: RouterSolicitation = { type, code, name: 'RS', checksum, checksumOk, options: [] };
      const r = u32(buf, off + 4);
      if (r !== 0) m.reserved = r;
      decodeNdOptions(m.options, buf, off + 8, end, TAKES_SOURCE_LINK_LAYER);
      if (nd.order === FIELD_SOURCE_LINK_LAYER) m.sourceLinkLayer = nd.sourceLinkLayer;
      else if (nd.order !== 0) addNdFields(m);
      return m;
    }
    case ICMPV6_RA: {
      const flags = buf[off + 5]!;
      const m: RouterAdvertisement = {
        type, code, name: 'RA', checksum, checksumOk, curHopLimit: buf[off + 4]!,
        managed: (flags & 0x80) !== 0, other: (flags & 0x40) !== 0, homeAgent: (flags & 0x20) !== 0,
        prf: PREFERENCES[(flags >> 3) & 3]!, routerLifetime: u16(buf, off + 6),
        reachableTime: u32(buf, off + 8), retransTimer: u32(buf, off + 12), options: [], prefixes: NO_PREFIXES,
      };
      if ((flags & 0x07) !== 0) m.reservedFlags = flags & 0x07;
      decodeNdOptions(m.options, buf, off + 16, end, TAKES_SOURCE_LINK_LAYER | TAKES_RA_FIELDS);
      if (nd.prefixes !== null) m.prefixes = nd.prefixes;
      if (nd.order === ((FIELD_SOURCE_LINK_LAYER << 3) | FIELD_MTU)) {
        m.sourceLinkLayer = nd.sourceLinkLayer;
        m.mtu = nd.mtu;
      } else if (nd.order !== 0) addNdFields(m);
      return m;
    }
    case ICMPV6_NS: {
      const m: NeighborSolicitation = { type, code, name: 'NS', checksum, checksumOk, target: ipv6Text(buf, off + 8), options: [] };
      const r = u32(buf, off + 4);
      if (r !== 0) m.reserved = r;
      decodeNdOptions(m.options, buf, off + 24, end, TAKES_SOURCE_LINK_LAYER);
      if (nd.order === FIELD_SOURCE_LINK_LAYER) m.sourceLinkLayer = nd.sourceLinkLayer;
      else if (nd.order !== 0) addNdFields(m);
      return m;
    }
    case ICMPV6_NA: {
      const flags = buf[off + 4]!;
      const m: NeighborAdvertisement = {
        type, code, name: 'NA', checksum, checksumOk,
        router: (flags & 0x80) !== 0, solicited: (flags & 0x40) !== 0, override: (flags & 0x20) !== 0,
        target: ipv6Text(buf, off + 8), options: [],
      };
      const r = u32(buf, off + 4) & 0x1fffffff;
      if (r !== 0) m.reserved = r;
      decodeNdOptions(m.options, buf, off + 24, end, TAKES_TARGET_LINK_LAYER);
      if (nd.order === FIELD_TARGET_LINK_LAYER) m.targetLinkLayer = nd.targetLinkLayer;
      else if (nd.order !== 0) addNdFields(m);
      return m;
    }
    case ICMPV6_REDIRECT: {
      const m: Redirect = {
        type, code, name: 'redirect', checksum, checksumOk,
        target: ipv6Text(buf, off + 8), destination: ipv6Text(buf, off + 24), options: [],
      };
      const r = u32(buf, off + 4);
      if (r !== 0) m.reserved = r;
      decodeNdOptions(m.options, buf, off + 40, end, TAKES_TARGET_LINK_LAYER);
      if (nd.order !== 0) addNdFields(m);
      return m;
    }
    case ICMPV6_ECHO_REQUEST: case ICMPV6_ECHO_REPLY: {
      const m: Echo = {
        type, code, name: type === ICMPV6_ECHO_REQUEST ? 'echo-request' : 'echo-reply', checksum, checksumOk,
        id: u16(buf, off + 4), seq: u16(buf, off + 6), dataLength: len - 8,
      };
      if (keepData) m.data = toHex(buf, off + 8, len - 8);
      return m;
    }
    case ICMPV6_DEST_UNREACHABLE: case ICMPV6_PACKET_TOO_BIG: case ICMPV6_TIME_EXCEEDED: case ICMPV6_PARAMETER_PROBLEM: {
      const m: Icmpv6Error = {
        type, code, name: icmpv6TypeName(type) as Icmpv6Error['name'], checksum, checksumOk,
        codeName: ERROR_CODE_NAMES[type]![code] ?? `code-${code}`, dataLength: len - 8,
      };
      const word = u32(buf, off + 4);
      if (type === ICMPV6_PACKET_TOO_BIG) m.mtu = word;
      else if (type === ICMPV6_PARAMETER_PROBLEM) m.pointer = word;
      else if (word !== 0) m.unused = word;
      if (keepData) m.data = toHex(buf, off + 8, len - 8);
      return m;
    }
    case ICMPV6_MLD_QUERY: case ICMPV6_MLD_REPORT: case ICMPV6_MLD_DONE: {
      const m: Mld = {
        type, code, name: icmpv6TypeName(type) as Mld['name'], checksum, checksumOk,
        maxResponseDelay: u16(buf, off + 4), multicastAddress: ipv6Text(buf, off + 8), dataLength: len - 24,
      };
      if (u16(buf, off + 6) !== 0) m.reserved = u16(buf, off + 6);
      if (keepData && len > 24) m.data = toHex(buf, off + 24, len - 24);
      return m;
    }
    case ICMPV6_MLDV2_REPORT: {
      const m: Mldv2Report = { type, code, name: 'mldv2-report', checksum, checksumOk, recordCount: u16(buf, off + 6), dataLength: len - 8 };
      if (u16(buf, off + 4) !== 0) m.reserved = u16(buf, off + 4);
      if (keepData) m.data = toHex(buf, off + 8, len - 8);
      return m;
    }
    default:
      return { type, code, name: 'unknown', checksum, checksumOk, dataLength: len - 4, data: toHex(buf, off + 4, len - 4) };
  }
}

// ---------------------------------------------------------------------------------------------
// Encoding

function llBytes(a: string | Uint8Array): Uint8Array {
  return typeof a === 'string' ? parseMac(a) : a;
}

function prefixOf(o: NdOptionSpec): { bytes: Uint8Array; length: number } {
  const text = o.prefix ?? '::';
  const slash = text.indexOf('/');
  const bytes = toIpv6Bytes(slash < 0 ? text : text.slice(0, slash));
  const length = o.prefixLength ?? (slash < 0 ? 64 : Number(text.slice(slash + 1)));
  if (!Number.isInteger(length) || length < 0 || length > 128) throw new WireEncodeError(`invalid prefix length in "${text}"`);
  return { bytes, length };
}

/** One ND option in wire form, padded with zeros to a multiple of 8 octets. */
export function encodeNdOption(o: NdOptionSpec): Uint8Array {
  let body: Uint8Array; // the octets after type and length
  switch (o.type) {
    case ND_OPT_SOURCE_LINK_LAYER: case ND_OPT_TARGET_LINK_LAYER:
      if (o.address === undefined) break;
      body = llBytes(o.address);
      return finishNdOption(o, body);
    case ND_OPT_PREFIX_INFORMATION: {
      if (o.data !== undefined) break;
      const { bytes, length } = prefixOf(o);
      body = new Uint8Array(30);
      body[0] = length;
      body[1] = ((o.onLink ?? true) ? 0x80 : 0) | ((o.autonomous ?? true) ? 0x40 : 0) | (o.router ? 0x20 : 0) | ((o.reserved1 ?? 0) & 0x1f);
      const dv = new DataView(body.buffer);
      dv.setUint32(2, o.validLifetime ?? 0xffffffff);
      dv.setUint32(6, o.preferredLifetime ?? 0xffffffff);
      dv.setUint32(10, o.reserved2 ?? 0);
      body.set(bytes, 14);
      return finishNdOption(o, body);
    }
    case ND_OPT_MTU:
      if (o.mtu === undefined) break;
      body = new Uint8Array(6);
      new DataView(body.buffer).setUint16(0, o.reserved ?? 0);
      new DataView(body.buffer).setUint32(2, o.mtu);
      return finishNdOption(o, body);
    case ND_OPT_ROUTE_INFORMATION: {
      if (o.data !== undefined) break;
      const { bytes, length } = prefixOf(o);
      const carried = o.length !== undefined ? o.length - 8 : length === 0 ? 0 : length <= 64 ? 8 : 16;
      body = new Uint8Array(6 + carried);
      body[0] = length;
      body[1] = (PREFERENCES.indexOf(o.preference ?? 'medium') << 3) | ((o.reserved ?? 0) & 0xe7);
      new DataView(body.buffer).setUint32(2, o.routeLifetime ?? 0xffffffff);
      body.set(bytes.subarray(0, carried), 6);
      return finishNdOption(o, body);
    }
    case ND_OPT_NONCE: {
      if (o.nonce === undefined) break;
      body = fromHex(o.nonce);
      if ((body.length + 2) % 8 !== 0) throw new WireEncodeError(`ND Nonce option: ${body.length} nonce octets do not make the option a multiple of 8 octets`);
      return finishNdOption(o, body);
    }
    case ND_OPT_RDNSS: {
      if (o.servers === undefined) break;
      body = new Uint8Array(6 + 16 * o.servers.length);
      const dv = new DataView(body.buffer);
      dv.setUint16(0, o.reserved ?? 0);
      dv.setUint32(2, o.lifetime ?? 0xffffffff);
      o.servers.forEach((s, i) => body.set(toIpv6Bytes(s), 6 + 16 * i));
      return finishNdOption(o, body);
    }
    default: break;
  }
  return finishNdOption(o, fromHex(o.data ?? ''), true);
}

function finishNdOption(o: NdOptionSpec, body: Uint8Array, raw = false): Uint8Array {
  const size = Math.ceil((body.length + 2) / 8) * 8;
  const lengthByte = raw && o.length !== undefined ? o.length / 8 : size / 8;
  if (!Number.isInteger(lengthByte) || lengthByte > 255) throw new WireEncodeError(`ND option ${o.type}: length ${o.length ?? size} is not a multiple of 8 up to 2040`);
  const out = new Uint8Array(size);
  out[0] = o.type; out[1] = lengthByte; out.set(body, 2);
  return out;
}

function ndOptionsOf(m: Icmpv6Spec): readonly NdOptionSpec[] {
  if (m.options !== undefined) return m.options;
  const list: NdOptionSpec[] = [];
  if (m.sourceLinkLayer !== undefined) list.push({ type: ND_OPT_SOURCE_LINK_LAYER, address: m.sourceLinkLayer });
  if (m.targetLinkLayer !== undefined) list.push({ type: ND_OPT_TARGET_LINK_LAYER, address: m.targetLinkLayer });
  if (m.type === ICMPV6_RA && m.mtu !== undefined) list.push({ type: ND_OPT_MTU, mtu: m.mtu });
  for (const p of m.prefixes ?? []) list.push({ ...p, type: ND_OPT_PREFIX_INFORMATION });
  return list;
}

function bulkData(m: Icmpv6Spec): Uint8Array {
  if (m.data !== undefined) return typeof m.data === 'string' ? fromHex(m.data) : m.data;
  return new Uint8Array(m.dataLength ?? 0);
}

/** The octets after type, code and checksum. */
function encodeBody(m: Icmpv6Spec): Uint8Array {
  const fixed = Math.max(icmpv6MinLength(m.type) - 4, 0);
  let tail: Uint8Array;
  switch (m.type) {
    case ICMPV6_RS: case ICMPV6_RA: case ICMPV6_NS: case ICMPV6_NA: case ICMPV6_REDIRECT: {
      const opts = ndOptionsOf(m).map(encodeNdOption);
      tail = new Uint8Array(opts.reduce((n, o) => n + o.length, 0));
      let p = 0;
      for (const o of opts) { tail.set(o, p); p += o.length; }
      break;
    }
    default: // echo, errors, MLD, unknown types: their bulk data
      tail = bulkData(m);
  }
  const body = new Uint8Array(fixed + tail.length);
  body.set(tail, fixed);
  const dv = new DataView(body.buffer);
  switch (m.type) {
    case ICMPV6_RS: case ICMPV6_NS: case ICMPV6_REDIRECT:
      dv.setUint32(0, m.reserved ?? 0);
      if (m.type !== ICMPV6_RS) body.set(toIpv6Bytes(m.target ?? '::'), 4);
      if (m.type === ICMPV6_REDIRECT) body.set(toIpv6Bytes(m.destination ?? '::'), 20);
      break;
    case ICMPV6_RA:
      body[0] = m.curHopLimit ?? 64;
      body[1] = (m.managed ? 0x80 : 0) | (m.other ? 0x40 : 0) | (m.homeAgent ? 0x20 : 0)
        | (PREFERENCES.indexOf(m.prf ?? 'medium') << 3) | ((m.reservedFlags ?? 0) & 0x07);
      dv.setUint16(2, m.routerLifetime ?? 1800);
      dv.setUint32(4, m.reachableTime ?? 0);
      dv.setUint32(8, m.retransTimer ?? 0);
      break;
    case ICMPV6_NA:
      dv.setUint32(0, (((m.router ? 0x80 : 0) | (m.solicited ? 0x40 : 0) | (m.override ? 0x20 : 0)) << 24 | ((m.reserved ?? 0) & 0x1fffffff)) >>> 0);
      body.set(toIpv6Bytes(m.target ?? '::'), 4);
      break;
    case ICMPV6_ECHO_REQUEST: case ICMPV6_ECHO_REPLY:
      dv.setUint16(0, m.id ?? 0);
      dv.setUint16(2, m.seq ?? 0);
      break;
    case ICMPV6_DEST_UNREACHABLE: case ICMPV6_TIME_EXCEEDED:
      dv.setUint32(0, m.unused ?? 0);
      break;
    case ICMPV6_PACKET_TOO_BIG:
      dv.setUint32(0, m.mtu ?? 1280);
      break;
    case ICMPV6_PARAMETER_PROBLEM:
      dv.setUint32(0, m.pointer ?? 0);
      break;
    case ICMPV6_MLD_QUERY: case ICMPV6_MLD_REPORT: case ICMPV6_MLD_DONE:
      dv.setUint16(0, m.maxResponseDelay ?? 0);
      dv.setUint16(2, m.reserved ?? 0);
      body.set(toIpv6Bytes(m.multicastAddress ?? '::'), 4);
      break;
    case ICMPV6_MLDV2_REPORT:
      dv.setUint16(0, m.reserved ?? 0);
      dv.setUint16(2, m.recordCount ?? 0);
      break;
    default: break;
  }
  return body;
}

/**
 * An ICMPv6 message. The checksum is written as given, or computed over the pseudo-header of
 * `src` and `dst` when `checksum` is omitted (then they are required).
 */
export function encodeIcmpv6(m: Icmpv6Spec, src?: Ipv6Like, dst?: Ipv6Like): Uint8Array {
  const body = encodeBody(m);
  const out = new Uint8Array(4 + body.length);
  out[0] = m.type; out[1] = m.code ?? 0;
  out.set(body, 4);
  let checksum = m.checksum;
  if (checksum === undefined) {
    if (src === undefined || dst === undefined) throw new WireEncodeError('encodeIcmpv6: src and dst are needed to compute the checksum');
    const addrs = new Uint8Array(32);
    addrs.set(toIpv6Bytes(src), 0);
    addrs.set(toIpv6Bytes(dst), 16);
    checksum = ipv6PseudoChecksum(addrs, 0, 16, IPPROTO_ICMPV6, out, 0, out.length);
  }
  out[2] = checksum >> 8; out[3] = checksum & 0xff;
  return out;
}
