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

/** One's-complement sum of 16-bit words, not yet folded or inverted, so parts can be chained. */
export function sum16(buf: Uint8Array, off: number, len: number, acc = 0): number {
  let sum = acc;
  const end = off + (len & ~1);
  for (let i = off; i < end; i += 2) sum += (buf[i]! << 8) | buf[i + 1]!;
  if (len & 1) sum += buf[off + len - 1]! << 8;
  return sum;
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
  let s = sum16(addrBuf, srcOff, 16);
  s = sum16(addrBuf, dstOff, 16, s);
  s += (msgLen >>> 16) + (msgLen & 0xffff) + nextHeader;
  s = sum16(msg, msgOff, msgLen, s);
  return ~fold(s) & 0xffff;
}

/** Internet checksum (RFC 1071) of a plain byte range, e.g. the IPv4 header. */
export function internetChecksum(buf: Uint8Array, off: number, len: number, acc = 0): number {
  return ~fold(sum16(buf, off, len, acc)) & 0xffff;
}
