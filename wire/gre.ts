// GRE (RFC 2784) with the key and sequence number extensions of RFC 2890, as PMIPv6 uses it
// between MAG and LMA (RFC 5845 §5.2: the negotiated key in every data packet, per direction).
// IPPROTO_GRE (47) is in ipv6.ts with the other next headers.
import { internetChecksum } from './bytes.js';
import { WireEncodeError } from './encode-error.js';

/** GRE protocol types (EtherTypes) of the payloads PMIPv6 tunnels. */
export const GRE_PROTOCOL_IPV6 = 0x86dd;
export const GRE_PROTOCOL_IPV4 = 0x0800;

const FLAG_C = 0x8000;
const FLAG_K = 0x2000;
const FLAG_S = 0x1000;
/** The reserved bits RFC 2784 §2.3 (Reserved0 bits 1-12, without RFC 2890's K and S). */
const RESERVED0 = 0x4fff & ~0x0007;

export interface GreHeader {
  /** Header length in octets (4, plus 4 for each of checksum, key, sequence number). */
  length: number;
  /** The checksum field is present (C bit). */
  checksumPresent: boolean;
  /** Reserved0 (bits 1-12, K and S excluded) as on the wire; RFC 2784 §2.5.1: non-zero is discarded. */
  reserved0: number;
  version: number;
  /** EtherType of the payload (0x86DD IPv6, 0x0800 IPv4). */
  protocolType: number;
  checksum?: number;
  /** Over header and payload; only set when the checksum is present and the payload was all there. */
  checksumOk?: boolean;
  /** RFC 2890 §2.1 Key field (K bit). */
  key?: number;
  /** RFC 2890 §2.2 Sequence Number (S bit). */
  sequence?: number;
  /** What is wrong with it (non-zero version or reserved bits), as text. */
  malformed?: string;
}

export interface GreSpec {
  protocolType: number;
  /** With `checksum: 'compute'` the checksum is computed over header and payload. */
  checksum?: number | 'compute';
  key?: number;
  sequence?: number;
  /** Reserved0 bits (tests of malformed packets); 0 by default. */
  reserved0?: number;
  version?: number;
  payload?: Uint8Array;
}

const u16 = (b: Uint8Array, o: number) => (b[o]! << 8) | b[o + 1]!;
const u32 = (b: Uint8Array, o: number) => ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;

/** Header octets implied by the first 16 bits (flags and version). */
export function greHeaderLength(flags: number): number {
  return 4 + (flags & FLAG_C ? 4 : 0) + (flags & FLAG_K ? 4 : 0) + (flags & FLAG_S ? 4 : 0);
}

/**
 * The GRE header of the `len` octets at `off` (the payload follows at off + length); null when
 * the header is not all there. Never throws.
 */
export function decodeGre(buf: Uint8Array, off: number, len: number): GreHeader | null {
  if (len < 4) return null;
  const flags = u16(buf, off);
  const length = greHeaderLength(flags);
  if (len < length) return null;
  const h: GreHeader = {
    length, checksumPresent: (flags & FLAG_C) !== 0, reserved0: flags & RESERVED0, version: flags & 7, protocolType: u16(buf, off + 2),
  };
  let at = off + 4;
  if (h.checksumPresent) {
    h.checksum = u16(buf, at);
    h.checksumOk = internetChecksum(buf, off, len) === 0;
    at += 4;
  }
  if (flags & FLAG_K) { h.key = u32(buf, at); at += 4; }
  if (flags & FLAG_S) h.sequence = u32(buf, at);
  if (h.version !== 0) h.malformed = `version ${h.version} (RFC 2784 §2.3.1: 0)`;
  else if (h.reserved0 !== 0) h.malformed = `reserved bits 0x${h.reserved0.toString(16)} set (RFC 2784 §2.3)`;
  return h;
}

function checkU32(name: string, v: number | undefined): void {
  if (v !== undefined && !(Number.isInteger(v) && v >= 0 && v <= 0xffffffff)) throw new WireEncodeError(`GRE ${name} ${v} is not a 32-bit unsigned integer`);
}

/** A GRE header followed by the payload. */
export function encodeGre(spec: GreSpec): Uint8Array {
  checkU32('key', spec.key);
  checkU32('sequence number', spec.sequence);
  if (!(Number.isInteger(spec.protocolType) && spec.protocolType >= 0 && spec.protocolType <= 0xffff)) {
    throw new WireEncodeError(`GRE protocol type ${spec.protocolType} is not a 16-bit value`);
  }
  const payload = spec.payload ?? new Uint8Array(0);
  let flags = ((spec.reserved0 ?? 0) & RESERVED0) | ((spec.version ?? 0) & 7);
  if (spec.checksum !== undefined) flags |= FLAG_C;
  if (spec.key !== undefined) flags |= FLAG_K;
  if (spec.sequence !== undefined) flags |= FLAG_S;
  const length = greHeaderLength(flags);
  const out = new Uint8Array(length + payload.length);
  const dv = new DataView(out.buffer);
  dv.setUint16(0, flags);
  dv.setUint16(2, spec.protocolType);
  let at = 4;
  const checksumAt = at;
  if (spec.checksum !== undefined) at += 4;
  if (spec.key !== undefined) { dv.setUint32(at, spec.key); at += 4; }
  if (spec.sequence !== undefined) dv.setUint32(at, spec.sequence);
  out.set(payload, length);
  if (spec.checksum !== undefined) {
    dv.setUint16(checksumAt, spec.checksum === 'compute' ? internetChecksum(out, 0, out.length) : spec.checksum);
  }
  return out;
}

/** The payload's IP version by GRE protocol type: 6, 4, or 0 for another protocol. */
export function greInnerVersion(protocolType: number): 0 | 4 | 6 {
  return protocolType === GRE_PROTOCOL_IPV6 ? 6 : protocolType === GRE_PROTOCOL_IPV4 ? 4 : 0;
}
