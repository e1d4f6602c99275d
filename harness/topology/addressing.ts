// IPv6 prefix arithmetic for the addressing plan: carving /64s out of pools, numbering hosts,
// deriving EUI-64 interface identifiers from MACs. Addresses are 128-bit BigInts in here.
import { formatIpv6, parseIpv6, parseMac } from '../../wire/bytes.js';

export interface Prefix { base: bigint; len: number }

const ALL = (1n << 128n) - 1n;

export function addressToBigInt(text: string): bigint {
  const b = parseIpv6(text);
  let v = 0n;
  for (const byte of b) v = (v << 8n) | BigInt(byte);
  return v;
}

export function bigIntToAddress(v: bigint): string {
  const b = new Uint8Array(16);
  for (let i = 15; i >= 0; i--) { b[i] = Number(v & 0xffn); v >>= 8n; }
  return formatIpv6(b, 0);
}

function mask(len: number): bigint {
  return len === 0 ? 0n : (ALL << BigInt(128 - len)) & ALL;
}

/** Parses "2001:db8::/48"; host bits must be zero, so a typo in the length is caught. */
export function parsePrefix(text: string): Prefix {
  const m = /^([0-9a-fA-F:.]+)\/(\d{1,3})$/.exec(text);
  if (!m) throw new Error(`invalid IPv6 prefix "${text}" (expected e.g. 2001:db8::/48)`);
  const len = Number(m[2]);
  if (len > 128) throw new Error(`invalid IPv6 prefix "${text}": length ${len} is over 128`);
  let base: bigint;
  try { base = addressToBigInt(m[1]!); } catch { throw new Error(`invalid IPv6 prefix "${text}": "${m[1]}" is not an IPv6 address`); }
  if ((base & ~mask(len) & ALL) !== 0n) throw new Error(`invalid IPv6 prefix "${text}": bits set after the first ${len} (did you mean ${formatPrefix({ base: base & mask(len), len })}?)`);
  return { base, len };
}

export function formatPrefix(p: Prefix): string {
  return `${bigIntToAddress(p.base)}/${p.len}`;
}

/** How many /newLen prefixes `pool` holds (capped, for messages). */
export function subprefixCount(pool: Prefix, newLen: number): bigint {
  return newLen < pool.len ? 0n : 1n << BigInt(newLen - pool.len);
}

/** The index-th /newLen inside pool (0-based). */
export function subprefix(pool: Prefix, newLen: number, index: number): Prefix {
  if (newLen < pool.len) throw new Error(`cannot carve /${newLen} prefixes from ${formatPrefix(pool)}`);
  const i = BigInt(index);
  if (i >= subprefixCount(pool, newLen)) throw new Error(`${formatPrefix(pool)} holds only ${subprefixCount(pool, newLen)} /${newLen} prefixes, ${index + 1} needed`);
  return { base: pool.base | (i << BigInt(128 - newLen)), len: newLen };
}

/** Host number n of a prefix: ::1, ::2, ... */
export function hostAddress(p: Prefix, n: number): string {
  return bigIntToAddress(p.base | BigInt(n));
}

export function prefixContains(p: Prefix, address: string | bigint): boolean {
  const a = typeof address === 'bigint' ? address : addressToBigInt(address);
  return (a & mask(p.len)) === p.base;
}

export function prefixesOverlap(a: Prefix, b: Prefix): boolean {
  const len = Math.min(a.len, b.len);
  return (a.base & mask(len)) === (b.base & mask(len));
}

/** The modified EUI-64 interface identifier of a MAC (RFC 4291 appendix A) as "::a:b:c:d", the form `ip token` takes. */
export function eui64InterfaceId(mac: string): string {
  const m = parseMac(mac);
  const b = new Uint8Array(16);
  b.set([m[0]! ^ 0x02, m[1]!, m[2]!, 0xff, 0xfe, m[3]!, m[4]!, m[5]!], 8);
  return formatIpv6(b, 0);
}
