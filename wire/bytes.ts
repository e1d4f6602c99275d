// Shared primitives of the codec: address text forms and the Internet checksum.
// Hot paths (the decoders) call these per frame, so they avoid regexes and intermediate arrays.

const HEX = '0123456789abcdef';

/** RFC 5952 text form of the 16 bytes at `off`. */
export function formatIpv6(buf: Uint8Array, off: number): string {
  const words = new Array<number>(8);
  for (let i = 0; i < 8; i++) words[i] = (buf[off + 2 * i]! << 8) | buf[off + 2 * i + 1]!;
  // Longest run of zero words (length >= 2) is compressed; the first wins on ties.
  let bestStart = -1, bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (words[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > bestLen) { bestStart = i; bestLen = j - i; }
    i = j;
  }
  // IPv4-mapped addresses keep the dotted tail, as inet_ntop does.
  if (bestStart === 0 && bestLen === 5 && words[5] === 0xffff) {
    return `::ffff:${buf[off + 12]}.${buf[off + 13]}.${buf[off + 14]}.${buf[off + 15]}`;
  }
  let s = '';
  for (let i = 0; i < 8; i++) {
    if (i === bestStart) { s += i === 0 ? '::' : ':'; i += bestLen - 1; continue; }
    s += words[i]!.toString(16);
    if (i < 7) s += ':';
  }
  return s;
}

/** Parses any RFC 4291 text form (with :: and an optional dotted IPv4 tail) into 16 bytes. */
export function parseIpv6(text: string): Uint8Array {
  const bad = () => new Error(`invalid IPv6 address "${text}"`);
  let s = text;
  const lastColon = s.lastIndexOf(':');
  if (lastColon >= 0 && s.indexOf('.', lastColon) > lastColon) {
    // A dotted IPv4 tail stands for the last two words.
    let b: Uint8Array;
    try { b = parseIpv4(s.slice(lastColon + 1)); } catch { throw bad(); }
    s = `${s.slice(0, lastColon + 1)}${((b[0]! << 8) | b[1]!).toString(16)}:${((b[2]! << 8) | b[3]!).toString(16)}`;
  }
  const halves = s.split('::');
  if (halves.length > 2) throw bad();
  const parseWords = (part: string): number[] =>
    part === '' ? [] : part.split(':').map((w) => {
      if (!/^[0-9a-fA-F]{1,4}$/.test(w)) throw bad();
      return parseInt(w, 16);
    });
  const head = parseWords(halves[0]!);
  const tail = halves.length === 2 ? parseWords(halves[1]!) : [];
  const fill = 8 - head.length - tail.length;
  if ((halves.length === 2 && fill < 1) || (halves.length === 1 && fill !== 0)) throw bad();
  const words = [...head, ...new Array<number>(fill).fill(0), ...tail];
  const out = new Uint8Array(16);
  words.forEach((w, i) => { out[2 * i] = w >> 8; out[2 * i + 1] = w & 0xff; });
  return out;
}

export function formatIpv4(buf: Uint8Array, off: number): string {
  return `${buf[off]}.${buf[off + 1]}.${buf[off + 2]}.${buf[off + 3]}`;
}

export function parseIpv4(text: string): Uint8Array {
  const parts = text.split('.');
  if (parts.length !== 4 || parts.some((p) => !/^\d{1,3}$/.test(p) || Number(p) > 255)) {
    throw new Error(`invalid IPv4 address "${text}"`);
  }
  return Uint8Array.from(parts.map(Number));
}

/** Colon-separated lower-case hex, the form of MAC addresses. */
export function formatMac(buf: Uint8Array, off: number, len = 6): string {
  let s = '';
  for (let i = 0; i < len; i++) {
    const b = buf[off + i]!;
    if (i > 0) s += ':';
    s += HEX[b >> 4]! + HEX[b & 15]!;
  }
  return s;
}

export function parseMac(text: string): Uint8Array {
  const parts = text.split(/[:-]/);
  if (parts.length < 1 || parts.some((p) => !/^[0-9a-fA-F]{2}$/.test(p))) throw new Error(`invalid link-layer address "${text}"`);
  return Uint8Array.from(parts.map((p) => parseInt(p, 16)));
}

/** Plain lower-case hex with no separators. */
export function toHex(buf: Uint8Array, off = 0, len = buf.length - off): string {
  let s = '';
  for (let i = 0; i < len; i++) { const b = buf[off + i]!; s += HEX[b >> 4]! + HEX[b & 15]!; }
  return s;
}

export function fromHex(text: string): Uint8Array {
  const clean = text.replace(/[\s:]/g, '');
  if (clean.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(clean)) throw new Error(`invalid hex "${text}"`);
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(clean.slice(2 * i, 2 * i + 2), 16);
  return out;
}

// The views of the last two buffers asked for: the frame's chunk, or a message and the separate
// buffer of its pseudo-header addresses (as pmipd checks them).
let viewed0: Uint8Array | null = null;
let view0: DataView = new DataView(new ArrayBuffer(0));
let viewed1: Uint8Array | null = null;
let view1: DataView = view0;

/**
 * A DataView over `buf`, for reading big-endian words in one load instead of assembling them from
 * octets. A capture reader hands every frame over in the same chunk buffer, so views are kept and
 * the decoders create one per chunk, not one per frame (creating one costs as much as decoding
 * a header: a caller with a new buffer per frame pays that).
 */
export function viewOf(buf: Uint8Array): DataView {
  if (buf === viewed0) return view0;
  if (buf === viewed1) return view1;
  viewed1 = viewed0;
  view1 = view0;
  viewed0 = buf;
  view0 = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  return view0;
}

/**
 * One's-complement sum of 16-bit words, not yet folded or inverted, so parts can be chained. Every
 * frame's checksum runs through here, so it adds 32-bit words (16 octets per turn, in two sums):
 * 2^16 = 1 modulo 0xffff, so a sum of 32-bit words folds to the same 16 bits as the sum of their
 * halves. Octets past the end of `buf` count as 0.
 */
export function sum16(buf: Uint8Array, off: number, len: number, acc = 0): number {
  const n = off + len <= buf.length ? len : buf.length - off;
  if (!(n > 0)) return acc;
  const v = viewOf(buf);
  let s = acc, t = 0, i = off;
  const end16 = off + (n & ~15);
  for (; i < end16; i += 16) {
    s += v.getUint32(i) + v.getUint32(i + 4);
    t += v.getUint32(i + 8) + v.getUint32(i + 12);
  }
  const end4 = off + (n & ~3);
  for (; i < end4; i += 4) s += v.getUint32(i);
  if (n & 2) { s += v.getUint16(i); i += 2; }
  if (n & 1) s += buf[i]! << 8;
  return s + t;
}

function fold(sum: number): number {
  let s = sum;
  while (s > 0xffff) s = (s & 0xffff) + Math.floor(s / 0x10000);
  return s;
}

/**
 * Internet checksum of an upper-layer message over IPv6 (RFC 8200 §8.1 pseudo-header), as the
 * Mobility Header, ICMPv6 and UDP use it. `src`/`dst` are the 16-byte addresses at the given
 * offsets of `addrBuf`. With the checksum field left in place, a correct message gives 0.
 */
export function ipv6PseudoChecksum(
  addrBuf: Uint8Array, srcOff: number, dstOff: number,
  nextHeader: number, msg: Uint8Array, msgOff: number, msgLen: number,
): number {
  let s = (msgLen >>> 16) + (msgLen & 0xffff) + nextHeader;
  if (srcOff >= 0 && dstOff >= 0 && srcOff + 16 <= addrBuf.length && dstOff + 16 <= addrBuf.length) {
    // Every MH and ICMPv6 message of a capture passes here: the two addresses as eight loads.
    const a = viewOf(addrBuf);
    s += a.getUint32(srcOff) + a.getUint32(srcOff + 4) + a.getUint32(srcOff + 8) + a.getUint32(srcOff + 12)
      + a.getUint32(dstOff) + a.getUint32(dstOff + 4) + a.getUint32(dstOff + 8) + a.getUint32(dstOff + 12);
  } else {
    s = sum16(addrBuf, dstOff, 16, sum16(addrBuf, srcOff, 16, s));
  }
  s = sum16(msg, msgOff, msgLen, s);
  return ~fold(s) & 0xffff;
}

/** Internet checksum (RFC 1071) of a plain byte range, e.g. the IPv4 header. */
export function internetChecksum(buf: Uint8Array, off: number, len: number, acc = 0): number {
  return ~fold(sum16(buf, off, len, acc)) & 0xffff;
}
