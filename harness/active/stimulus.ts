// Crafted Mobility Header packets: the PBUs an emulated MAG sends to judge an LMA (valid ones to
// set up sessions, and each deviation the catalog's P* rows name), and the IPv6 packet around
// them, with a right or a deliberately wrong checksum. Pure: bytes in, bytes out.
import {
  IPPROTO_ICMPV6, IPPROTO_IPV6, IPPROTO_MH, encodeIcmpv6, encodeIpv6, encodeMobilityHeader, parseIpv6, timestampFromDate,
  type Icmpv6Spec, type MobilityHeaderSpec, type MobilityOptionSpec, type TimestampValue,
} from '../../wire/index.js';

/** What an emulated MAG's PBU says; every field has the value a conformant initial PBU would carry. */
export interface PbuParams {
  seq: number;
  mnId?: string | null;
  /** Requested prefixes ("::/0" asks the LMA to assign); [] leaves the HNP option out. */
  hnps?: string[];
  /** null leaves the option out. */
  hi?: number | null;
  att?: number | null;
  /** MN link-layer identifier (MAC, colon or plain hex); null leaves it out. */
  llId?: string | null;
  /** Link-local Address option; null leaves it out. */
  lla?: string | null;
  /** Timestamp: a value, a wall-clock time in ms, or null for none (sequence-number mode). */
  timestamp?: TimestampValue | number | null;
  /** Seconds (a multiple of 4); 0 de-registers. */
  lifetime?: number;
  /** Flags A and P (both set unless told otherwise). */
  ack?: boolean;
  proxy?: boolean;
  /** Options added after the standard ones (e.g. an unknown type 250). */
  extraOptions?: MobilityOptionSpec[];
  payloadProto?: number;
  /** A Header Len that lies about the length (MH-08). */
  headerLen?: number;
}

export const DEFAULT_LIFETIME_S = 40;

export function pbuSpec(p: PbuParams): MobilityHeaderSpec {
  const options: MobilityOptionSpec[] = [];
  for (const h of p.hnps ?? ['::/0']) options.push({ type: 22, prefix: h });
  if (p.hi !== null) options.push({ type: 23, value: p.hi ?? 1 });
  if (p.att !== null) options.push({ type: 24, value: p.att ?? 3 });
  if (p.mnId !== null) options.push({ type: 8, subtype: 1, id: p.mnId ?? 'mn1@example.org' });
  if (p.timestamp !== null) {
    const ts = typeof p.timestamp === 'object' ? p.timestamp : timestampFromDate(p.timestamp ?? Date.now());
    options.push({ type: 27, seconds: ts.seconds, fraction: ts.fraction });
  }
  if (p.lla !== null) options.push({ type: 26, address: p.lla ?? '::' });
  if (p.llId !== null && p.llId !== undefined) options.push({ type: 25, id: p.llId.replace(/:/g, '').toLowerCase() });
  options.push(...(p.extraOptions ?? []));
  const spec: MobilityHeaderSpec = {
    type: 5,
    seq: p.seq & 0xffff,
    flags: { A: p.ack ?? true, P: p.proxy ?? true },
    lifetime: p.lifetime ?? DEFAULT_LIFETIME_S,
    options,
    autoPad: true,
  };
  if (p.payloadProto !== undefined) spec.payloadProto = p.payloadProto;
  if (p.headerLen !== undefined) spec.headerLen = p.headerLen;
  return spec;
}

export interface MhPacketOptions {
  /** Flip the checksum so that it is wrong for this packet (MH-05, MAG-PBA-01). */
  badChecksum?: boolean;
  hopLimit?: number;
}

/** The IPv6 packet carrying `mh` from `src` to `dst`, checksum computed (then spoiled if asked). */
export function mhPacket(mh: MobilityHeaderSpec | Uint8Array, src: string, dst: string, o: MhPacketOptions = {}): { packet: Uint8Array; mh: Uint8Array } {
  const s = parseIpv6(src), d = parseIpv6(dst);
  const bytes = mh instanceof Uint8Array ? Uint8Array.from(mh) : encodeMobilityHeader(mh, { src: s, dst: d });
  if (o.badChecksum) bytes[5] = bytes[5]! ^ 0x5a;
  return { packet: encodeIpv6({ src: s, dst: d, hopLimit: o.hopLimit ?? 64, nextHeader: IPPROTO_MH, payload: bytes }), mh: bytes };
}

/** A Mobility Header of a type nobody defines (MH-06): the common header and 2 octets of zeros. */
export function unknownTypeSpec(type: number): MobilityHeaderSpec {
  return { type, data: '0000' } as MobilityHeaderSpec;
}

/** An ICMPv6 Echo Request as a complete IPv6 packet (any source, even one no router should forward). */
export function echoRequest(src: string, dst: string, o: { id?: number; seq?: number; trafficClass?: number; hopLimit?: number } = {}): Uint8Array {
  const icmp = encodeIcmpv6({ type: 128, name: 'echo-request', id: o.id ?? 0x5054, seq: o.seq ?? 1, data: '70746573746264' } as Icmpv6Spec, src, dst);
  return encodeIpv6({ src, dst, hopLimit: o.hopLimit ?? 64, nextHeader: IPPROTO_ICMPV6, trafficClass: o.trafficClass ?? 0, payload: icmp });
}

/**
 * `inner` (an IPv6 packet) encapsulated in IPv6 from `src` to `dst` (RFC 2473, no extension
 * headers); `trafficClass` of the outer header (its ECN bits as a congested router marks them).
 */
export function ipv6InIpv6(src: string, dst: string, inner: Uint8Array, trafficClass = 0): Uint8Array {
  return encodeIpv6({ src, dst, hopLimit: 64, nextHeader: IPPROTO_IPV6, trafficClass, payload: inner });
}

const IPV6_HEADER_LEN = 40;
const PBU_OPTIONS_OFFSET = 12;
const TIMESTAMP_OPTION = 27;

/** One's complement sum of the 16-bit words of `b` from `start` to `end` (both even offsets). */
function wordSum(b: Uint8Array, start: number, end: number): number {
  let s = 0;
  for (let i = start; i < end; i += 2) s += (b[i]! << 8) | (b[i + 1] ?? 0);
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  return s;
}

/**
 * Rewrites the Timestamp option of the PBU in `packet` (as mhPacket built it) to `nowMs`, right
 * before it is sent, so that its age at the LMA is the network's delay, not the harness's (a slow
 * machine takes hundreds of ms between crafting and sending). The checksum is updated
 * incrementally (RFC 1624), so a deliberately wrong one stays wrong by as much. Returns false
 * when the packet carries no PBU with a Timestamp option (left unchanged).
 */
export function restampPbu(packet: Uint8Array, nowMs: number): boolean {
  if (packet.length < IPV6_HEADER_LEN + PBU_OPTIONS_OFFSET || packet[6] !== IPPROTO_MH) return false;
  const mh = IPV6_HEADER_LEN;
  if (packet[mh + 2] !== 5) return false;
  const end = Math.min(packet.length, mh + (packet[mh + 1]! + 1) * 8);
  let at = mh + PBU_OPTIONS_OFFSET;
  while (at + 1 < end && packet[at] !== TIMESTAMP_OPTION) at += packet[at] === 0 ? 1 : 2 + packet[at + 1]!;
  if (at + 10 > end || packet[at + 1] !== 8) return false;
  // Words covering the 8 value octets, aligned to the Mobility Header (the checksum's words).
  const from = at + 2 - ((at + 2 - mh) % 2);
  const to = at + 10 + ((at + 10 - mh) % 2);
  const before = wordSum(packet, from, to);
  const ts = timestampFromDate(nowMs);
  const view = new DataView(packet.buffer, packet.byteOffset, packet.byteLength);
  view.setUint16(at + 2, Math.floor(ts.seconds / 2 ** 32));
  view.setUint32(at + 4, ts.seconds >>> 0);
  view.setUint16(at + 8, ts.fraction);
  const after = wordSum(packet, from, to);
  // HC' = ~(~HC + ~m + m')
  let s = (~view.getUint16(mh + 4) & 0xffff) + (~before & 0xffff) + after;
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  view.setUint16(mh + 4, ~s & 0xffff);
  return true;
}
