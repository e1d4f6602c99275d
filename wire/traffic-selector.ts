// RFC 6088 §3.1 binary IPv4 traffic selector (TS Format 1), and the RFC 6089 §4.2.1.4 Traffic
// Selector sub-option that wraps it inside the RFC 6909 IPv4 Traffic Offload Selector option. A 32-bit word of presence flags A..N (14 bits, then 18 reserved)
// is followed by exactly the fields whose flag is set, in flag order: 4 octets per address and
// SPI, 2 per port, 1 per DS field and protocol.
import { parseIpv4 } from './bytes.js';
import { ipv4Text } from './intern.js';

/** RFC 6088 §3 TS Format of the binary IPv4 selector. */
export const TS_FORMAT_IPV4 = 1;

/** Each field is present on the wire exactly when it is set here (its flag A..N). */
export interface Ipv4TrafficSelector {
  startSrc?: string; endSrc?: string;
  startDst?: string; endDst?: string;
  startSpi?: number; endSpi?: number;
  startSrcPort?: number; endSrcPort?: number;
  startDstPort?: number; endDstPort?: number;
  startDs?: number; endDs?: number;
  startProtocol?: number; endProtocol?: number;
  /** The 18 bits after flag N, when not zero (so they re-encode as sent). */
  reserved?: number;
}

type Field = keyof Omit<Ipv4TrafficSelector, 'reserved'>;
/** Flag order A..N with each field's size in octets. */
const FIELDS: readonly (readonly [Field, 1 | 2 | 4, 'addr' | 'uint'])[] = [
  ['startSrc', 4, 'addr'], ['endSrc', 4, 'addr'], ['startDst', 4, 'addr'], ['endDst', 4, 'addr'],
  ['startSpi', 4, 'uint'], ['endSpi', 4, 'uint'],
  ['startSrcPort', 2, 'uint'], ['endSrcPort', 2, 'uint'], ['startDstPort', 2, 'uint'], ['endDstPort', 2, 'uint'],
  ['startDs', 1, 'uint'], ['endDs', 1, 'uint'], ['startProtocol', 1, 'uint'], ['endProtocol', 1, 'uint'],
];
const RESERVED_BITS = 18;

/** The selector in [start, end), or what is wrong with it. */
export function decodeIpv4TrafficSelector(b: Uint8Array, start: number, end: number): Ipv4TrafficSelector | string {
  if (end - start < 4) return `IPv4 traffic selector of ${end - start} octets has no flags word`;
  const word = ((b[start]! << 24) >>> 0) + ((b[start + 1]! << 16) | (b[start + 2]! << 8) | b[start + 3]!);
  const need = 4 + FIELDS.reduce((n, [, size], i) => n + (word & (0x80000000 >>> i) ? size : 0), 0);
  if (need !== end - start) return `IPv4 traffic selector flags need ${need} octets, it has ${end - start}`;
  const ts: Ipv4TrafficSelector = {};
  let p = start + 4;
  FIELDS.forEach(([name, size, kind], i) => {
    if ((word & (0x80000000 >>> i)) === 0) return;
    if (kind === 'addr') (ts as Record<string, unknown>)[name] = ipv4Text(b, p);
    else {
      let v = 0;
      for (let k = 0; k < size; k++) v = v * 256 + b[p + k]!;
      (ts as Record<string, unknown>)[name] = v;
    }
    p += size;
  });
  const reserved = word & ((1 << RESERVED_BITS) - 1);
  if (reserved !== 0) ts.reserved = reserved;
  return ts;
}

/** The selector's octets; `fail` names a bad field (a caller mistake). */
export function encodeIpv4TrafficSelector(ts: Ipv4TrafficSelector, out: number[], fail: (msg: string) => Error): void {
  let word = 0;
  const body: number[] = [];
  FIELDS.forEach(([name, size, kind], i) => {
    const v = ts[name];
    if (v === undefined) return;
    word = (word | (0x80000000 >>> i)) >>> 0;
    if (kind === 'addr') {
      if (typeof v !== 'string') throw fail(`traffic selector ${name} must be an IPv4 address, got ${String(v)}`);
      for (const o of parseIpv4(v)) body.push(o);
      return;
    }
    const max = 2 ** (size * 8) - 1;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > max) throw fail(`traffic selector ${name} must be an integer 0..${max}, got ${String(v)}`);
    for (let k = size - 1; k >= 0; k--) body.push(Math.floor(v / 2 ** (8 * k)) & 0xff);
  });
  const reserved = ts.reserved ?? 0;
  if (!Number.isInteger(reserved) || reserved < 0 || reserved >= 1 << RESERVED_BITS) throw fail(`traffic selector reserved bits must be 0..${(1 << RESERVED_BITS) - 1}`);
  word = (word | reserved) >>> 0;
  out.push(word >>> 24, (word >>> 16) & 0xff, (word >>> 8) & 0xff, word & 0xff, ...body);
}

/** One line for logs and reports, e.g. "dst 198.51.100.0-198.51.100.255 proto 17 dport 5000-5010". */
export function selectorText(ts: Ipv4TrafficSelector): string {
  const range = (a: unknown, z: unknown) => (z === undefined || z === a ? `${String(a)}` : `${String(a)}-${String(z)}`);
  const parts: string[] = [];
  if (ts.startSrc !== undefined) parts.push(`src ${range(ts.startSrc, ts.endSrc)}`);
  if (ts.startDst !== undefined) parts.push(`dst ${range(ts.startDst, ts.endDst)}`);
  if (ts.startSpi !== undefined) parts.push(`spi ${range(ts.startSpi, ts.endSpi)}`);
  if (ts.startSrcPort !== undefined) parts.push(`sport ${range(ts.startSrcPort, ts.endSrcPort)}`);
  if (ts.startDstPort !== undefined) parts.push(`dport ${range(ts.startDstPort, ts.endDstPort)}`);
  if (ts.startDs !== undefined) parts.push(`ds ${range(ts.startDs, ts.endDs)}`);
  if (ts.startProtocol !== undefined) parts.push(`proto ${range(ts.startProtocol, ts.endProtocol)}`);
  return parts.length === 0 ? 'any' : parts.join(' ');
}

/**
 * RFC 6089 §4.2.1 Flow Identification sub-option type of the Traffic Selector sub-option (0 Pad1,
 * 1 PadN, 2 Binding Reference, 3 Traffic Selector). RFC 6089's text could not be read here: the
 * number is the one PcapDotNet's RFC 6089 enum and PyPCAPKit's registry both give.
 */
export const TS_SUB_OPTION_TYPE = 3;

/**
 * RFC 6089 §4.2.1.4 Traffic Selector sub-option: Sub-Opt Type (1 octet, 3), Sub-Opt Len (1, the
 * octets after it), TS Format (1), Reserved (1), Traffic Selector. RFC 6909 carries TS Format 1 only.
 */
export interface Ipv4TsSubOption {
  tsFormat: number;
  /** The Reserved octet after TS Format, when not zero (so it re-encodes as sent). */
  reserved?: number;
  selector: Ipv4TrafficSelector;
}

/** The TS sub-option filling [start, end), or what is wrong with it. */
export function decodeIpv4TsSubOption(b: Uint8Array, start: number, end: number): Ipv4TsSubOption | string {
  if (end - start < 4) return `TS sub-option of ${end - start} octets is shorter than its 4-octet head`;
  if (b[start] !== TS_SUB_OPTION_TYPE) return `sub-option type ${b[start]!} is not the Traffic Selector sub-option (${TS_SUB_OPTION_TYPE})`;
  const len = b[start + 1]!;
  if (len !== end - start - 2) return `TS sub-option length ${len} does not match the ${end - start - 2} octets the option leaves it`;
  const tsFormat = b[start + 2]!;
  if (tsFormat !== TS_FORMAT_IPV4) return `TS Format ${tsFormat} is not the IPv4 binary selector (${TS_FORMAT_IPV4})`;
  const selector = decodeIpv4TrafficSelector(b, start + 4, end);
  if (typeof selector === 'string') return selector;
  const reserved = b[start + 3]!;
  return reserved === 0 ? { tsFormat, selector } : { tsFormat, reserved, selector };
}

/** The sub-option's octets; `fail` names a bad field (a caller mistake). */
export function encodeIpv4TsSubOption(ts: Ipv4TsSubOption, out: number[], fail: (msg: string) => Error): void {
  const at = out.length;
  const octet = (v: number, what: string) => {
    if (!Number.isInteger(v) || v < 0 || v > 255) throw fail(`TS sub-option ${what} must be 0..255, got ${v}`);
    return v;
  };
  out.push(TS_SUB_OPTION_TYPE, 0, octet(ts.tsFormat, 'TS Format'), octet(ts.reserved ?? 0, 'reserved'));
  encodeIpv4TrafficSelector(ts.selector, out, fail);
  const len = out.length - at - 2;
  if (len > 255) throw fail(`TS sub-option is ${len} octets long, more than 255`);
  out[at + 1] = len;
}
