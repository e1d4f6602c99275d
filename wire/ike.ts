// The IKEv2 header (RFC 7296 §3.1), the only part of IKE the checks read: which exchange, between
// whom, before which PBU (SEC-03). Payloads after it are encrypted from IKE_AUTH on anyway.
import { toHex, viewOf } from './bytes.js';

export const UDP_PORT_IKE = 500;
/** IKE and UDP-encapsulated ESP after NAT detection (RFC 3948, RFC 7296 §2.23). */
export const UDP_PORT_IKE_NAT_T = 4500;
export const IKE_HEADER_LENGTH = 28;

export const IKE_SA_INIT = 34;
export const IKE_AUTH = 35;
export const CREATE_CHILD_SA = 36;
export const INFORMATIONAL = 37;

export interface IkeHeader {
  /** IKE SA Initiator's and Responder's SPIs, hex (16 digits each). */
  initiatorSpi: string;
  responderSpi: string;
  nextPayload: number;
  majorVersion: number;
  minorVersion: number;
  exchangeType: number;
  exchangeName: string;
  /** I (sent by the original initiator), V (higher version supported), R (a response). */
  flags: { I: boolean; V: boolean; R: boolean };
  messageId: number;
  /** Length of the whole message, header included. */
  length: number;
  malformed?: string;
}

export function ikeExchangeName(type: number): string {
  switch (type) {
    case IKE_SA_INIT: return 'IKE_SA_INIT';
    case IKE_AUTH: return 'IKE_AUTH';
    case CREATE_CHILD_SA: return 'CREATE_CHILD_SA';
    case INFORMATIONAL: return 'INFORMATIONAL';
    default: return `exchange-${type}`;
  }
}

/** The IKE header of the `len` octets at `off` (a UDP payload, after any non-ESP marker), or null when too short. */
export function decodeIkeHeader(buf: Uint8Array, off: number, len: number): IkeHeader | null {
  if (len < IKE_HEADER_LENGTH) return null;
  const flags = buf[off + 19]!;
  const v = viewOf(buf);
  const h: IkeHeader = {
    initiatorSpi: toHex(buf, off, 8), responderSpi: toHex(buf, off + 8, 8), nextPayload: buf[off + 16]!,
    majorVersion: buf[off + 17]! >> 4, minorVersion: buf[off + 17]! & 0x0f,
    exchangeType: buf[off + 18]!, exchangeName: ikeExchangeName(buf[off + 18]!),
    flags: { I: (flags & 0x08) !== 0, V: (flags & 0x10) !== 0, R: (flags & 0x20) !== 0 },
    messageId: v.getUint32(off + 20), length: v.getUint32(off + 24),
  };
  if (h.majorVersion !== 2) h.malformed = `major version ${h.majorVersion} is not 2`;
  else if (h.length < IKE_HEADER_LENGTH) h.malformed = `length ${h.length} is shorter than the header`;
  else if (h.length > len) h.malformed = `truncated: length ${h.length} exceeds ${len} octets`;
  return h;
}

export interface IkeHeaderSpec {
  initiatorSpi?: string;
  responderSpi?: string;
  nextPayload?: number;
  exchangeType: number;
  flags?: { I?: boolean; V?: boolean; R?: boolean };
  messageId?: number;
  /** Octets after the header (payloads, opaque here). */
  body?: Uint8Array;
}

/** An IKEv2 message: the header and opaque payloads (for tests). */
export function encodeIke(spec: IkeHeaderSpec): Uint8Array {
  const body = spec.body ?? new Uint8Array(0);
  const out = new Uint8Array(IKE_HEADER_LENGTH + body.length);
  out.set(Buffer.from((spec.initiatorSpi ?? '0102030405060708').padStart(16, '0'), 'hex'), 0);
  out.set(Buffer.from((spec.responderSpi ?? '0').padStart(16, '0'), 'hex'), 8);
  out[16] = spec.nextPayload ?? 0;
  out[17] = 0x20;
  out[18] = spec.exchangeType;
  out[19] = (spec.flags?.I ? 0x08 : 0) | (spec.flags?.V ? 0x10 : 0) | (spec.flags?.R ? 0x20 : 0);
  const v = new DataView(out.buffer);
  v.setUint32(20, spec.messageId ?? 0);
  v.setUint32(24, out.length);
  out.set(body, IKE_HEADER_LENGTH);
  return out;
}
