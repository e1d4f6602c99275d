// IPv6 prefixes as the daemons keep them: canonical text "2001:db8:a::/64" (so Map keys compare),
// with the bytes masked to the length.
import { formatIpv6, parseIpv6 } from '../wire/index.js';

export interface Prefix { bytes: Uint8Array; length: number; text: string }

export class PrefixError extends Error {
  override readonly name = 'PrefixError';
}

function mask(bytes: Uint8Array, length: number): Uint8Array {
  const out = Uint8Array.from(bytes);
  for (let i = 0; i < 16; i++) {
    const keep = Math.max(0, Math.min(8, length - i * 8));
    out[i]! &= (0xff << (8 - keep)) & 0xff;
  }
  return out;
}

export function makePrefix(bytes: Uint8Array, length: number): Prefix {
  const m = mask(bytes, length);
  return { bytes: m, length, text: `${formatIpv6(m, 0)}/${length}` };
}

/** "2001:db8:a::/64" → Prefix; host bits must be zero (a typo otherwise goes unnoticed). */
export function parsePrefix(text: string): Prefix {
  const slash = text.indexOf('/');
  if (slash < 0) throw new PrefixError(`"${text}" is not a prefix (no /length)`);
  const len = Number(text.slice(slash + 1));
  if (!Number.isInteger(len) || len < 0 || len > 128) throw new PrefixError(`"${text}": prefix length must be 0..128`);
  let bytes: Uint8Array;
  try {
    bytes = parseIpv6(text.slice(0, slash));
  } catch {
    throw new PrefixError(`"${text}": invalid IPv6 prefix`);
  }
  const p = makePrefix(bytes, len);
  if (p.bytes.some((b, i) => b !== bytes[i])) throw new PrefixError(`"${text}" has host bits set (did you mean ${p.text}?)`);
  return p;
}

/** Canonical text of an IPv6 address (RFC 5952). */
export function canonicalAddress(text: string): string {
  return formatIpv6(parseIpv6(text), 0);
}

export function prefixContains(outer: Prefix, inner: Prefix): boolean {
  if (inner.length < outer.length) return false;
  const m = mask(inner.bytes, outer.length);
  return m.every((b, i) => b === outer.bytes[i]);
}

/** Whether two textual IPv6 addresses are the same address. */
export function sameAddress(a: string, b: string): boolean {
  return canonicalAddress(a) === canonicalAddress(b);
}

/** A link-local address fe80::/64 with a random, locally administered interface identifier. */
export function randomLinkLocal(): string {
  const b = new Uint8Array(16);
  b[0] = 0xfe; b[1] = 0x80;
  crypto.getRandomValues(b.subarray(8));
  b[8]! &= 0xfd; // universal/local bit 0 (RFC 4291 modified EUI-64: 0 = local)
  return formatIpv6(b, 0);
}

/** The MAC behind a modified EUI-64 interface identifier, or null when the IID is not one. */
export function macFromEui64(addr: Uint8Array): Uint8Array | null {
  if (addr[11] !== 0xff || addr[12] !== 0xfe) return null;
  return Uint8Array.from([addr[8]! ^ 0x02, addr[9]!, addr[10]!, addr[13]!, addr[14]!, addr[15]!]);
}
