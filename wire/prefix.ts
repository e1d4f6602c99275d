// IPv6 prefixes and the address arithmetic around them, in the one form the daemons, the topology
// builder and the trace share: the 16 bytes masked to the length, plus the canonical text
// "2001:db8:a::/64" (RFC 5952), so prefixes compare as Map keys and read the same in every message.
import { formatIpv6, parseIpv6, parseMac } from './bytes.js';

/**
 * `length` is the Prefix Length as carried (0..255 on the wire); operations compare at most 128
 * bits, so an over-long length read from a malformed option still behaves as a /128.
 */
export interface Prefix { readonly bytes: Uint8Array; readonly length: number; readonly text: string }

export class PrefixError extends Error {
  override readonly name = 'PrefixError';
}

function masked(bytes: Uint8Array, length: number): Uint8Array {
  const out = Uint8Array.from(bytes);
  for (let i = 0; i < 16; i++) {
    const keep = Math.max(0, Math.min(8, length - i * 8));
    out[i]! &= (0xff << (8 - keep)) & 0xff;
  }
  return out;
}

/** The prefix of `length` bits starting `bytes` (the bits after them cleared). */
export function makePrefix(bytes: Uint8Array, length: number): Prefix {
  const m = masked(bytes, length);
  return { bytes: m, length, text: `${formatIpv6(m, 0)}/${length}` };
}

/** "2001:db8:a::/64" → Prefix, for text a person wrote: host bits must be zero, so a typo in the length is caught. */
export function parsePrefix(text: string): Prefix {
  const m = /^([0-9a-fA-F:.]+)\/(\d{1,3})$/.exec(text);
  if (!m) throw new PrefixError(`invalid IPv6 prefix "${text}" (expected e.g. 2001:db8::/48)`);
  const length = Number(m[2]);
  if (length > 128) throw new PrefixError(`invalid IPv6 prefix "${text}": length ${length} is over 128`);
  let bytes: Uint8Array;
  try { bytes = parseIpv6(m[1]!); } catch { throw new PrefixError(`invalid IPv6 prefix "${text}": "${m[1]}" is not an IPv6 address`); }
  const p = makePrefix(bytes, length);
  if (p.bytes.some((b, i) => b !== bytes[i])) throw new PrefixError(`invalid IPv6 prefix "${text}": bits set after the first ${length} (did you mean ${p.text}?)`);
  return p;
}

/**
 * A prefix as a packet carries it (the decoder's "addr/len", a bare address being a /128): masked
 * to its length, since host bits on the wire are the sender's problem, not a reason to drop it.
 * Null for text that names no prefix.
 */
export function parsePrefixLoose(text: string): Prefix | null {
  const slash = text.indexOf('/');
  const length = slash < 0 ? 128 : Number(text.slice(slash + 1));
  if (!Number.isInteger(length) || length < 0 || length > 255) return null;
  let bytes: Uint8Array;
  try { bytes = parseIpv6(slash < 0 ? text : text.slice(0, slash)); } catch { return null; }
  return makePrefix(bytes, length);
}

/** Whether the first `bits` bits (at most 128) of two addresses are equal. */
function sameLeadingBits(a: Uint8Array, b: Uint8Array, bits: number): boolean {
  const n = Math.min(bits, 128);
  const whole = n >> 3;
  for (let i = 0; i < whole; i++) if (a[i] !== b[i]) return false;
  const rest = n & 7;
  return rest === 0 || ((a[whole]! ^ b[whole]!) & (0xff << (8 - rest)) & 0xff) === 0;
}

/** Whether the address (bytes or text) lies inside the prefix. */
export function prefixContains(p: Prefix, address: Uint8Array | string): boolean {
  return sameLeadingBits(p.bytes, typeof address === 'string' ? parseIpv6(address) : address, p.length);
}

/** Whether every address of `inner` lies inside `outer`. */
export function prefixCovers(outer: Prefix, inner: Prefix): boolean {
  return inner.length >= outer.length && sameLeadingBits(outer.bytes, inner.bytes, outer.length);
}

/** Whether the two prefixes share an address (one covers the other). */
export function prefixesOverlap(a: Prefix, b: Prefix): boolean {
  return sameLeadingBits(a.bytes, b.bytes, Math.min(a.length, b.length));
}

/** How many /newLen prefixes `pool` holds (a bigint: a /48 holds 2^80 /128s). */
export function subprefixCount(pool: Prefix, newLen: number): bigint {
  return newLen < pool.length ? 0n : 1n << BigInt(newLen - pool.length);
}

/** The index-th /newLen inside pool (0-based). */
export function subprefix(pool: Prefix, newLen: number, index: number): Prefix {
  if (newLen < pool.length || newLen > 128) throw new PrefixError(`cannot carve /${newLen} prefixes from ${pool.text}`);
  const count = subprefixCount(pool, newLen);
  if (BigInt(index) >= count) throw new PrefixError(`${pool.text} holds only ${count} /${newLen} prefixes, ${index + 1} needed`);
  const b = Uint8Array.from(pool.bytes);
  // The index's lowest bit goes to bit newLen - 1 (bit 0 being the first of the address).
  for (let bit = newLen - 1, v = index; v > 0; bit--, v = Math.floor(v / 2)) if (v % 2 === 1) b[bit >> 3]! |= 0x80 >> (bit & 7);
  return makePrefix(b, newLen);
}

/** Host number n of a prefix: ::1, ::2, ... */
export function hostAddress(p: Prefix, n: number): string {
  const b = Uint8Array.from(p.bytes);
  for (let i = 15, v = n; v > 0; i--, v = Math.floor(v / 256)) b[i]! |= v % 256;
  return formatIpv6(b, 0);
}

/** Canonical text of an IPv6 address (RFC 5952). */
export function canonicalAddress(text: string): string {
  return formatIpv6(parseIpv6(text), 0);
}

/** Whether two textual IPv6 addresses are the same address. */
export function sameAddress(a: string, b: string): boolean {
  return canonicalAddress(a) === canonicalAddress(b);
}

/** `::/0` or any all-zero prefix text: the "please assign" HNP of RFC 5213 §8.3. */
export function isZeroPrefix(prefix: string): boolean {
  return prefix.startsWith('::/') || prefix === '::';
}

/** fe80::/10, on address text. */
export function isLinkLocal(address: string): boolean {
  return /^fe[89ab][0-9a-f]:/i.test(address);
}

/** ff00::/8, on address text. */
export function isMulticast(address: string): boolean {
  return /^ff[0-9a-f]{2}:/i.test(address);
}

/** The modified EUI-64 interface identifier of a MAC (RFC 4291 appendix A) as "::a:b:c:d", the form `ip token` takes. */
export function eui64InterfaceId(mac: string): string {
  const m = parseMac(mac);
  const b = new Uint8Array(16);
  b.set([m[0]! ^ 0x02, m[1]!, m[2]!, 0xff, 0xfe, m[3]!, m[4]!, m[5]!], 8);
  return formatIpv6(b, 0);
}

/** The MAC behind a modified EUI-64 interface identifier, or null when the IID is not one. */
export function macFromEui64(addr: Uint8Array): Uint8Array | null {
  if (addr[11] !== 0xff || addr[12] !== 0xfe) return null;
  return Uint8Array.from([addr[8]! ^ 0x02, addr[9]!, addr[10]!, addr[13]!, addr[14]!, addr[15]!]);
}

/** A link-local address fe80::/64 with a random, locally administered interface identifier. */
export function randomLinkLocal(): string {
  const b = new Uint8Array(16);
  b[0] = 0xfe; b[1] = 0x80;
  crypto.getRandomValues(b.subarray(8));
  b[8]! &= 0xfd; // universal/local bit 0 (RFC 4291 modified EUI-64: 0 = local)
  return formatIpv6(b, 0);
}

/** The first `bits` bits of an address, as a Map key. */
function maskedKey(bytes: Uint8Array, bits: number): string {
  let k = '';
  const whole = bits >> 3;
  for (let i = 0; i < whole; i++) k += String.fromCharCode(bytes[i]!);
  const rest = bits & 7;
  if (rest !== 0) k += String.fromCharCode(bytes[whole]! & (0xff << (8 - rest)) & 0xff);
  return k;
}

/**
 * Owners of prefixes (numbered 0, 1, ... in the order the caller wants results): the owners of
 * an address in one Map lookup per distinct prefix length instead of one prefixContains per prefix.
 */
export class PrefixIndex {
  private readonly byBits = new Map<number, Map<string, number[]>>();

  add(p: Prefix, owner: number): void {
    const bits = Math.min(p.length, 128);
    let m = this.byBits.get(bits);
    if (m === undefined) this.byBits.set(bits, m = new Map());
    const k = maskedKey(p.bytes, bits);
    const list = m.get(k);
    if (list === undefined) m.set(k, [owner]);
    else if (list[list.length - 1] !== owner) list.push(owner);
  }

  /**
   * Owners of a prefix holding the address, ascending, each once; none for text that is no address.
   * May be the index's own list: do not modify.
   */
  ownersOf(address: Uint8Array | string): number[] {
    let a: Uint8Array;
    if (typeof address !== 'string') a = address;
    else try { a = parseIpv6(address); } catch { return []; }
    let out: number[] = [];
    for (const [bits, m] of this.byBits) {
      const list = m.get(maskedKey(a, bits));
      if (list !== undefined) out = out.length === 0 ? list : [...new Set([...out, ...list])].sort((x, y) => x - y);
    }
    return out;
  }
}
