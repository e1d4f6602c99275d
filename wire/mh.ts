// Mobility Header codec (RFC 6275 §6.1 and the PMIPv6 messages; layouts in catalog A.1-A.6).
// decodeMobilityHeader never throws: a capture may hold anything, so structural problems come back
// as `malformed` text next to whatever could be read. The fixed fields are read from the captured
// octets even past a too-small Header Len (so an MH-08 stimulus still shows as the PBU it was meant to
// be); options are read only inside Header Len. Fields past the captured octets read as 0.

import { ipv6PseudoChecksum, parseIpv6, toHex, fromHex } from './bytes.js';
import { ipv6Text } from './intern.js';
import {
  BA_STATUS, BE_STATUS, BRA_STATUS, BRI_TRIGGER, MH_TYPE_NAME, UPA_STATUS, UPN_REASON, octetNames,
  type Octet,
} from './mh-registry.js';
import {
  MhEncodeError, decodeOptions, encodeOptions, push16, push32, pushBytes, uint,
  type MobilityOption, type MobilityOptionSpec,
} from './mh-options.js';

export { MhEncodeError } from './mh-options.js';

/** Next Header value of the Mobility Header (and of its checksum pseudo-header). */
export const IPPROTO_MH = 135;
/** Payload Proto a sender puts in every MH (RFC 6275 §6.1.1). */
export const IPPROTO_NONE = 59;

/** Where the IPv6 source and destination addresses (16 bytes each) of the carrying packet are. */
export interface ChecksumContext { addrBuf: Uint8Array; srcOff: number; dstOff: number }

interface MhCommon {
  /** 'PBU'/'BU', 'PBA'/'BA', 'BRI'/'BRA', ...; 'MH-<n>' for an unregistered type. */
  name: string;
  payloadProto: number;
  /** Header Len as carried: 8-octet units after the first 8. */
  headerLen: number;
  /** (headerLen + 1) * 8. */
  length: number;
  /** The Reserved octet at offset 3. */
  reserved: number;
  checksum: number;
  /** null without a ChecksumContext, or when the MH is not captured in full. */
  checksumOk: boolean | null;
  options: MobilityOption[];
  /** First structural problem found (truncation, short Header Len, bad option); absent when none. */
  malformed?: string;
  /**
   * Options read from the octets captured after the declared end of the MH (Header Len), starting
   * with one that overruns it: what the sender put there, for a lenient reading and for evidence
   * ("present after the declared end"). A receiver never sees them. Absent when there are none.
   */
  beyondHeader?: MobilityOption[];
  /**
   * Set when the checksum is wrong for the MH as Header Len bounds it but octets follow it: whether
   * it is right over every octet carried after the MH's start (the sender summed its IPv6 payload).
   */
  checksumOkOverCarried?: boolean;
}

export interface BuFlags { A: boolean; H: boolean; L: boolean; K: boolean; M: boolean; R: boolean; P: boolean; F: boolean; T: boolean; B: boolean; S: boolean; D: boolean }
export interface BaFlags { K: boolean; R: boolean; P: boolean; T: boolean; B: boolean; S: boolean; D: boolean }
export interface HeartbeatFlags { U: boolean; R: boolean }
export interface RevocationFlags { P: boolean; V: boolean; G: boolean }
export interface UpnFlags { A: boolean; D: boolean }

export interface BindingUpdate extends MhCommon {
  type: 5;
  seq: number;
  flags: BuFlags;
  /** The 4 unallocated low bits of the flags word. */
  reservedFlags: number;
  lifetimeUnits: number;
  /** Seconds. */
  lifetime: number;
}

export interface BindingAck extends MhCommon {
  type: 6;
  status: number;
  statusName: string;
  flags: BaFlags;
  /** The unallocated low bit of the flags byte. */
  reservedFlags: number;
  seq: number;
  lifetimeUnits: number;
  lifetime: number;
}

export interface BindingError extends MhCommon {
  type: 7;
  status: number;
  statusName: string;
  /** The octet at offset 7. */
  reservedBits: number;
  homeAddress: string;
}

export interface HeartbeatMessage extends MhCommon {
  type: 13;
  flags: HeartbeatFlags;
  /** The 14 bits before U and R. */
  reservedBits: number;
  seq: number;
}

interface RevocationCommon extends MhCommon {
  type: 16;
  seq: number;
  flags: RevocationFlags;
  /** The 13 bits after P, V, G. */
  reservedFlags: number;
}
export interface BindingRevocationIndication extends RevocationCommon { brType: 1; trigger: number; triggerName: string }
export interface BindingRevocationAck extends RevocationCommon { brType: 2; status: number; statusName: string }
/** A B.R. Type RFC 5846 does not define; `code` is the octet at offset 7. */
export interface BindingRevocationOther extends RevocationCommon { brType: Exclude<Octet, 1 | 2>; code: number }

/**
 * RFC 7077 §4.1, read with an 8-bit Notification Reason: reason at offset 8, A = 0x80 and D = 0x40 of
 * offset 9, then 22 reserved bits (catalog A.6, G.5). The pre-publication RFC text draws the reason as
 * 16 bits, but the IANA registry spans 0-255 (255 reserved) and current Wireshark reads 8 bits. Not
 * cross-checked by running tshark: the installed 4.0 has no UPN dissector, and the stored Wireshark
 * sources predate it.
 */
export interface UpdateNotification extends MhCommon {
  type: 19;
  seq: number;
  reason: number;
  reasonName: string;
  flags: UpnFlags;
  /** The 22 bits after A and D (rest of offset 9, offsets 10-11). */
  reservedBits: number;
}

export interface UpdateNotificationAck extends MhCommon {
  type: 20;
  seq: number;
  status: number;
  statusName: string;
  /** Offsets 9-11. */
  reservedBits: number;
}

/** -1: fewer than 3 octets were readable, so the type is unknown. */
export type OtherMhType = Exclude<Octet, 5 | 6 | 7 | 13 | 16 | 19 | 20> | -1;

/**
 * Any other type. For BRR, HoTI, CoTI, HoT and CoT `data` is the fixed part (after the 6-octet common
 * header) and options follow; for the rest `data` is everything after the common header.
 */
export interface OtherMobilityMessage extends MhCommon { type: OtherMhType; data: string }

export type MobilityHeader =
  | BindingUpdate | BindingAck | BindingError | HeartbeatMessage
  | BindingRevocationIndication | BindingRevocationAck | BindingRevocationOther
  | UpdateNotification | UpdateNotificationAck | OtherMobilityMessage;

type OptionalMessageKeys =
  | 'name' | 'payloadProto' | 'headerLen' | 'length' | 'reserved' | 'checksum' | 'checksumOk' | 'malformed' | 'beyondHeader' | 'checksumOkOverCarried'
  | 'reservedFlags' | 'reservedBits' | 'lifetime' | 'lifetimeUnits' | 'statusName' | 'triggerName'
  | 'reasonName' | 'data';
type SpecOf<T> = T extends unknown
  ? Omit<T, OptionalMessageKeys | 'options' | 'flags'>
    & Partial<Pick<T, Extract<keyof T, OptionalMessageKeys>>>
    & (T extends { flags: infer F } ? { flags?: Partial<F> } : unknown)
    & {
      options?: readonly MobilityOptionSpec[];
      /** Insert Pad1/PadN for the catalog A.7 alignments and an 8-octet multiple (given padding is dropped). */
      autoPad?: boolean;
    }
  : never;

/**
 * Encoder input: a decoded message (re-encodes byte for byte), or the same shape with only the
 * semantic fields. Defaults: payloadProto 59, reserved fields 0, flags false, checksum 0 (or computed
 * from `addrs`), headerLen from the encoded length. BU/BA need lifetimeUnits or lifetime (seconds,
 * a multiple of 4); lifetimeUnits wins when both are given. An explicit headerLen is written as given
 * even when it does not match the bytes (to craft MH-08 stimuli).
 */
export type MobilityHeaderSpec = SpecOf<MobilityHeader>;

/** Lifetime in seconds of a BU/BA Lifetime field (4-second units). */
export function lifetimeSeconds(units: number): number {
  return units * 4;
}

// ---------------------------------------------------------------------------------------------
// Decoding

/** Octets the type needs before its options (common header included). */
function fixedLength(type: number): number {
  switch (type) {
    case 0: return 8;
    case 1: case 2: return 16;
    case 3: case 4: case 7: return 24;
    case 5: case 6: case 13: case 16: case 19: case 20: return 12;
    default: return 6;
  }
}

/** Types whose fixed part is known and followed by options. */
function hasOptions(type: number): boolean {
  return (type >= 0 && type <= 7) || type === 13 || type === 16 || type === 19 || type === 20;
}

const BA_STATUS_NAMES = octetNames(BA_STATUS);
const BE_STATUS_NAMES = octetNames(BE_STATUS);
const BRI_TRIGGER_NAMES = octetNames(BRI_TRIGGER);
const BRA_STATUS_NAMES = octetNames(BRA_STATUS);
const UPN_REASON_NAMES = octetNames(UPN_REASON);
const UPA_STATUS_NAMES = octetNames(UPA_STATUS);

const at = (b: Uint8Array, i: number, end: number): number => (i < end ? b[i]! : 0);
const at16 = (b: Uint8Array, i: number, end: number): number => (at(b, i, end) << 8) | at(b, i + 1, end);
const at32 = (b: Uint8Array, i: number, end: number): number => at16(b, i, end) * 0x10000 + at16(b, i + 2, end);

function decodeBu(
  b: Uint8Array, o: number, end: number, headerLen: number, checksumOk: boolean | null, options: MobilityOption[],
): BindingUpdate {
  const w = at16(b, o + 8, end);
  const units = at16(b, o + 10, end);
  const P = (w & 0x0200) !== 0;
  return {
    type: 5, name: P ? 'PBU' : 'BU', payloadProto: at(b, o, end), headerLen, length: (headerLen + 1) * 8,
    reserved: at(b, o + 3, end), checksum: at16(b, o + 4, end), checksumOk, options,
    seq: at16(b, o + 6, end),
    flags: {
      A: (w & 0x8000) !== 0, H: (w & 0x4000) !== 0, L: (w & 0x2000) !== 0, K: (w & 0x1000) !== 0,
      M: (w & 0x0800) !== 0, R: (w & 0x0400) !== 0, P, F: (w & 0x0100) !== 0,
      T: (w & 0x0080) !== 0, B: (w & 0x0040) !== 0, S: (w & 0x0020) !== 0, D: (w & 0x0010) !== 0,
    },
    reservedFlags: w & 0x000f, lifetimeUnits: units, lifetime: lifetimeSeconds(units),
  };
}

function decodeBa(
  b: Uint8Array, o: number, end: number, headerLen: number, checksumOk: boolean | null, options: MobilityOption[],
): BindingAck {
  const status = at(b, o + 6, end);
  const f = at(b, o + 7, end);
  const units = at16(b, o + 10, end);
  const P = (f & 0x20) !== 0;
  return {
    type: 6, name: P ? 'PBA' : 'BA', payloadProto: at(b, o, end), headerLen, length: (headerLen + 1) * 8,
    reserved: at(b, o + 3, end), checksum: at16(b, o + 4, end), checksumOk, options,
    status, statusName: BA_STATUS_NAMES[status]!,
    flags: {
      K: (f & 0x80) !== 0, R: (f & 0x40) !== 0, P, T: (f & 0x10) !== 0,
      B: (f & 0x08) !== 0, S: (f & 0x04) !== 0, D: (f & 0x02) !== 0,
    },
    reservedFlags: f & 0x01, seq: at16(b, o + 8, end), lifetimeUnits: units, lifetime: lifetimeSeconds(units),
  };
}

function decodeBe(
  b: Uint8Array, o: number, end: number, headerLen: number, checksumOk: boolean | null, options: MobilityOption[],
): BindingError {
  const status = at(b, o + 6, end);
  return {
    type: 7, name: 'BE', payloadProto: at(b, o, end), headerLen, length: (headerLen + 1) * 8,
    reserved: at(b, o + 3, end), checksum: at16(b, o + 4, end), checksumOk, options,
    status, statusName: BE_STATUS_NAMES[status]!, reservedBits: at(b, o + 7, end),
    homeAddress: o + 24 <= end ? ipv6Text(b, o + 8) : '::',
  };
}

function decodeHeartbeat(
  b: Uint8Array, o: number, end: number, headerLen: number, checksumOk: boolean | null, options: MobilityOption[],
): HeartbeatMessage {
  const w = at16(b, o + 6, end);
  return {
    type: 13, name: 'Heartbeat', payloadProto: at(b, o, end), headerLen, length: (headerLen + 1) * 8,
    reserved: at(b, o + 3, end), checksum: at16(b, o + 4, end), checksumOk, options,
    flags: { U: (w & 2) !== 0, R: (w & 1) !== 0 }, reservedBits: w >> 2, seq: at32(b, o + 8, end),
  };
}

function decodeRevocation(
  b: Uint8Array, o: number, end: number, headerLen: number, checksumOk: boolean | null, options: MobilityOption[],
): BindingRevocationIndication | BindingRevocationAck | BindingRevocationOther {
  const brType = at(b, o + 6, end);
  const code = at(b, o + 7, end);
  const w = at16(b, o + 10, end);
  const payloadProto = at(b, o, end);
  const reserved = at(b, o + 3, end);
  const checksum = at16(b, o + 4, end);
  const seq = at16(b, o + 8, end);
  const flags: RevocationFlags = { P: (w & 0x8000) !== 0, V: (w & 0x4000) !== 0, G: (w & 0x2000) !== 0 };
  const length = (headerLen + 1) * 8;
  if (brType === 1) {
    return {
      type: 16, name: 'BRI', payloadProto, headerLen, length, reserved, checksum, checksumOk, options,
      brType, trigger: code, triggerName: BRI_TRIGGER_NAMES[code]!, seq, flags, reservedFlags: w & 0x1fff,
    };
  }
  if (brType === 2) {
    return {
      type: 16, name: 'BRA', payloadProto, headerLen, length, reserved, checksum, checksumOk, options,
      brType, status: code, statusName: BRA_STATUS_NAMES[code]!, seq, flags, reservedFlags: w & 0x1fff,
    };
  }
  return {
    type: 16, name: 'BR', payloadProto, headerLen, length, reserved, checksum, checksumOk, options,
    brType: brType as Exclude<Octet, 1 | 2>, code, seq, flags, reservedFlags: w & 0x1fff,
  };
}

function decodeUpn(
  b: Uint8Array, o: number, end: number, headerLen: number, checksumOk: boolean | null, options: MobilityOption[],
): UpdateNotification {
  const reason = at(b, o + 8, end);
  const f = at(b, o + 9, end);
  return {
    type: 19, name: 'UPN', payloadProto: at(b, o, end), headerLen, length: (headerLen + 1) * 8,
    reserved: at(b, o + 3, end), checksum: at16(b, o + 4, end), checksumOk, options,
    seq: at16(b, o + 6, end), reason, reasonName: UPN_REASON_NAMES[reason]!,
    flags: { A: (f & 0x80) !== 0, D: (f & 0x40) !== 0 },
    reservedBits: ((f & 0x3f) << 16) | at16(b, o + 10, end),
  };
}

function decodeUpa(
  b: Uint8Array, o: number, end: number, headerLen: number, checksumOk: boolean | null, options: MobilityOption[],
): UpdateNotificationAck {
  const status = at(b, o + 8, end);
  return {
    type: 20, name: 'UPA', payloadProto: at(b, o, end), headerLen, length: (headerLen + 1) * 8,
    reserved: at(b, o + 3, end), checksum: at16(b, o + 4, end), checksumOk, options,
    seq: at16(b, o + 6, end), status, statusName: UPA_STATUS_NAMES[status]!,
    reservedBits: (at(b, o + 9, end) << 16) | at16(b, o + 10, end),
  };
}

/** `end`: end of the readable octets; `mhEnd`: end of the MH as Header Len bounds it (and the capture). */
function decodeOther(
  b: Uint8Array, o: number, end: number, mhEnd: number, type: number, headerLen: number, checksumOk: boolean | null,
  options: MobilityOption[],
): OtherMobilityMessage {
  const dataEnd = hasOptions(type) ? Math.min(o + fixedLength(type), end) : mhEnd;
  const start = o + 6;
  return {
    type: type as OtherMhType, name: type < 0 ? 'MH-?' : MH_TYPE_NAME[type] ?? `MH-${type}`,
    payloadProto: at(b, o, end), headerLen, length: (headerLen + 1) * 8,
    reserved: at(b, o + 3, end), checksum: at16(b, o + 4, end), checksumOk, options,
    data: toHex(b, start, Math.max(0, dataEnd - start)),
  };
}

/**
 * Decodes the MH at `off`; `len` is the number of octets available from there (the rest of the IPv6
 * payload, possibly cut by the snap length). With `ctx` the checksum is verified.
 */
export function decodeMobilityHeader(buf: Uint8Array, off: number, len: number, ctx?: ChecksumContext): MobilityHeader {
  let avail = buf.length - off;
  if (len < avail) avail = len;
  if (!(avail > 0)) avail = 0;
  const type = avail > 2 ? buf[off + 2]! : -1;
  const headerLen = avail > 1 ? buf[off + 1]! : 0;
  const length = (headerLen + 1) * 8;
  const end = off + (length < avail ? length : avail);
  const capturedEnd = off + avail;

  let malformed: string | undefined;
  if (avail < 6) malformed = `only ${avail} of the 6 octets of the Mobility Header common part captured`;
  else if (length > avail) malformed = `header length ${headerLen} (${length} octets) exceeds the ${avail} octets captured`;
  const checksumOk = ctx === undefined || length > avail ? null
    : ipv6PseudoChecksum(ctx.addrBuf, ctx.srcOff, ctx.dstOff, IPPROTO_MH, buf, off, length) === 0;

  // The options go into an array held here, so that they are not read back from messages of
  // several shapes.
  const options: MobilityOption[] = [];
  let msg: MobilityHeader;
  switch (type) {
    case 5: msg = decodeBu(buf, off, capturedEnd, headerLen, checksumOk, options); break;
    case 6: msg = decodeBa(buf, off, capturedEnd, headerLen, checksumOk, options); break;
    case 7: msg = decodeBe(buf, off, capturedEnd, headerLen, checksumOk, options); break;
    case 13: msg = decodeHeartbeat(buf, off, capturedEnd, headerLen, checksumOk, options); break;
    case 16: msg = decodeRevocation(buf, off, capturedEnd, headerLen, checksumOk, options); break;
    case 19: msg = decodeUpn(buf, off, capturedEnd, headerLen, checksumOk, options); break;
    case 20: msg = decodeUpa(buf, off, capturedEnd, headerLen, checksumOk, options); break;
    default: msg = decodeOther(buf, off, capturedEnd, end, type, headerLen, checksumOk, options);
  }

  const fixed = fixedLength(type);
  if (malformed === undefined && length < fixed) {
    malformed = `header length ${headerLen} (${length} octets) is shorter than the ${fixed} octets a ${msg.name} needs`;
  }
  if (hasOptions(type) && off + fixed < end) {
    const bad = decodeOptions(buf, off, off + fixed, end, options);
    malformed ??= bad;
    if (capturedEnd > end) readBeyondHeader(msg, buf, off, off + fixed, end, capturedEnd);
  }
  if (checksumOk === false && ctx !== undefined && capturedEnd > off + length) {
    msg.checksumOkOverCarried = ipv6PseudoChecksum(ctx.addrBuf, ctx.srcOff, ctx.dstOff, IPPROTO_MH, buf, off, capturedEnd - off) === 0;
  }
  if (malformed !== undefined) msg.malformed = malformed;
  return msg;
}

/**
 * Octets follow the declared end `end` of the MH: walks the options again over everything captured
 * and keeps those that end past `end` (the one overrunning the header and any after it).
 */
function readBeyondHeader(msg: MobilityHeader, buf: Uint8Array, off: number, start: number, end: number, capturedEnd: number): void {
  const all: MobilityOption[] = [];
  decodeOptions(buf, off, start, capturedEnd, all);
  const beyond = all.filter((o) => off + o.offset + (o.type === 0 ? 1 : 2 + o.length) > end);
  if (beyond.length > 0) msg.beyondHeader = beyond;
}

/** Where an option lies, in octets from the first octet of its MH: [its Type octet, one past its last octet). */
export function optionExtent(o: MobilityOption): [number, number] {
  return [o.offset, o.offset + (o.type === 0 ? 1 : 2 + o.length)];
}

/** "present after the declared end of the Mobility Header (Header Len says 72 octets, the option ends at 76)" */
export function beyondHeaderText(m: MobilityHeader, o: MobilityOption): string {
  return `present after the declared end of the Mobility Header (Header Len says ${m.length} octets, the option ends at ${optionExtent(o)[1]})`;
}

// ---------------------------------------------------------------------------------------------
// Encoding

/**
 * Crafts the malformation of OAI PMIPv6's Binding Acknowledgements (a deliberate deviation, e.g.
 * pmipd's quirk pba-header-len-short): the padding after the last option is left out and Header
 * Len declares one 8-octet unit less than the padded message, so the last option runs past the
 * declared end. `mh` is an encoded MH of 8n octets; its checksum field is zeroed: whoever sends
 * the result sums it (as those senders do, over every octet carried).
 */
export function withShortHeaderLen(mh: Uint8Array): Uint8Array {
  const msg = decodeMobilityHeader(mh, 0, mh.length);
  let end = fixedLength(msg.type);
  for (const o of msg.options) if (o.type > 1) end = o.offset + 2 + o.length;
  const out = mh.slice(0, end);
  out[1] = Math.max(0, mh.length / 8 - 2);
  out[4] = 0;
  out[5] = 0;
  return out;
}

type Spec<T extends MobilityHeader['type']> = Extract<MobilityHeaderSpec, { type: T }>;

function lifetimeUnitsOf(msg: { lifetimeUnits?: number; lifetime?: number }, what: string): number {
  if (msg.lifetimeUnits !== undefined) return uint(msg.lifetimeUnits, 16, `${what} lifetimeUnits`);
  if (msg.lifetime === undefined) throw new MhEncodeError(`${what} needs lifetimeUnits or lifetime`);
  if (msg.lifetime % 4 !== 0) throw new MhEncodeError(`${what} lifetime ${msg.lifetime} s is not a multiple of 4 s`);
  return uint(msg.lifetime / 4, 16, `${what} lifetime in 4 s units`);
}

const bit = (flag: boolean | undefined, mask: number): number => (flag ? mask : 0);

function writeFixed(msg: MobilityHeaderSpec, out: number[]): void {
  switch (msg.type) {
    case 5: {
      const m = msg as Spec<5>;
      const f = m.flags ?? {};
      push16(out, uint(m.seq, 16, 'BU seq'));
      push16(out, bit(f.A, 0x8000) | bit(f.H, 0x4000) | bit(f.L, 0x2000) | bit(f.K, 0x1000)
        | bit(f.M, 0x0800) | bit(f.R, 0x0400) | bit(f.P, 0x0200) | bit(f.F, 0x0100)
        | bit(f.T, 0x0080) | bit(f.B, 0x0040) | bit(f.S, 0x0020) | bit(f.D, 0x0010)
        | uint(m.reservedFlags ?? 0, 4, 'BU reservedFlags'));
      push16(out, lifetimeUnitsOf(m, 'BU'));
      return;
    }
    case 6: {
      const m = msg as Spec<6>;
      const f = m.flags ?? {};
      out.push(uint(m.status, 8, 'BA status'),
        bit(f.K, 0x80) | bit(f.R, 0x40) | bit(f.P, 0x20) | bit(f.T, 0x10) | bit(f.B, 0x08) | bit(f.S, 0x04)
        | bit(f.D, 0x02) | uint(m.reservedFlags ?? 0, 1, 'BA reservedFlags'));
      push16(out, uint(m.seq, 16, 'BA seq'));
      push16(out, lifetimeUnitsOf(m, 'BA'));
      return;
    }
    case 7: {
      const m = msg as Spec<7>;
      out.push(uint(m.status, 8, 'BE status'), uint(m.reservedBits ?? 0, 8, 'BE reservedBits'));
      pushBytes(out, parseIpv6(m.homeAddress));
      return;
    }
    case 13: {
      const m = msg as Spec<13>;
      push16(out, (uint(m.reservedBits ?? 0, 14, 'Heartbeat reservedBits') << 2) | bit(m.flags?.U, 2) | bit(m.flags?.R, 1));
      push32(out, uint(m.seq, 32, 'Heartbeat seq'));
      return;
    }
    case 16: {
      const m = msg as Spec<16>;
      const code = m.brType === 1 ? m.trigger : m.brType === 2 ? m.status : m.code;
      out.push(uint(m.brType, 8, 'B.R. Type'), uint(code, 8, m.brType === 1 ? 'BRI trigger' : 'Binding Revocation status'));
      push16(out, uint(m.seq, 16, 'Binding Revocation seq'));
      push16(out, bit(m.flags?.P, 0x8000) | bit(m.flags?.V, 0x4000) | bit(m.flags?.G, 0x2000)
        | uint(m.reservedFlags ?? 0, 13, 'Binding Revocation reservedFlags'));
      return;
    }
    case 19: {
      const m = msg as Spec<19>;
      const r = uint(m.reservedBits ?? 0, 22, 'UPN reservedBits');
      push16(out, uint(m.seq, 16, 'UPN seq'));
      out.push(uint(m.reason, 8, 'UPN reason'), bit(m.flags?.A, 0x80) | bit(m.flags?.D, 0x40) | (r >>> 16));
      push16(out, r & 0xffff);
      return;
    }
    case 20: {
      const m = msg as Spec<20>;
      const r = uint(m.reservedBits ?? 0, 24, 'UPA reservedBits');
      push16(out, uint(m.seq, 16, 'UPA seq'));
      out.push(uint(m.status, 8, 'UPA status'), r >>> 16);
      push16(out, r & 0xffff);
      return;
    }
    default: {
      const m = msg as OtherSpec;
      if (m.data !== undefined) pushBytes(out, fromHex(m.data));
      else for (let i = fixedLength(m.type) - 6; i > 0; i--) out.push(0);
    }
  }
}
type OtherSpec = Extract<MobilityHeaderSpec, { data?: string }>;

/**
 * Encodes a Mobility Header. With `addrs` (the IPv6 source and destination that will carry it) the
 * checksum is computed; otherwise `msg.checksum ?? 0` is written. Throws MhEncodeError on bad input.
 */
export function encodeMobilityHeader(msg: MobilityHeaderSpec, addrs?: { src: Uint8Array; dst: Uint8Array }): Uint8Array {
  const type = uint(msg.type, 8, 'MH type');
  const out: number[] = [uint(msg.payloadProto ?? IPPROTO_NONE, 8, 'payloadProto'), 0, type, uint(msg.reserved ?? 0, 8, 'reserved'), 0, 0];
  writeFixed(msg, out);
  if (msg.options !== undefined && msg.options.length > 0 && !hasOptions(type)) {
    throw new MhEncodeError(`MH type ${type} has no defined option area here; put the bytes in data`);
  }
  encodeOptions(msg.options ?? [], out, msg.autoPad === true);

  let headerLen: number;
  if (msg.headerLen !== undefined) headerLen = uint(msg.headerLen, 8, 'headerLen');
  else if (out.length % 8 !== 0) {
    throw new MhEncodeError(
      `the Mobility Header is ${out.length} octets, not a multiple of 8: add padding, set autoPad, or give headerLen`);
  } else headerLen = uint(out.length / 8 - 1, 8, 'headerLen (from the encoded length)');
  const bytes = Uint8Array.from(out);
  bytes[1] = headerLen;

  let checksum: number;
  if (addrs !== undefined) {
    if (addrs.src.length !== 16 || addrs.dst.length !== 16) throw new MhEncodeError('checksum addresses must be 16 octets each');
    const pair = new Uint8Array(32);
    pair.set(addrs.src, 0);
    pair.set(addrs.dst, 16);
    checksum = ipv6PseudoChecksum(pair, 0, 16, IPPROTO_MH, bytes, 0, bytes.length);
  } else checksum = uint(msg.checksum ?? 0, 16, 'checksum');
  bytes[4] = checksum >>> 8;
  bytes[5] = checksum & 0xff;
  return bytes;
}
