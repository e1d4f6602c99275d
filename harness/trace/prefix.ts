// IPv6 prefix arithmetic on the text forms the decoder produces ("2001:db8:aa::/64").
import { parseIpv6 } from '../../wire/index.js';

interface ParsedPrefix { bytes: Uint8Array; length: number }

const parsed = new Map<string, ParsedPrefix | null>();

function parsePrefix(prefix: string): ParsedPrefix | null {
  let p = parsed.get(prefix);
  if (p !== undefined) return p;
  const slash = prefix.indexOf('/');
  try {
    p = { bytes: parseIpv6(slash < 0 ? prefix : prefix.slice(0, slash)), length: slash < 0 ? 128 : Number(prefix.slice(slash + 1)) };
  } catch {
    p = null;
  }
  parsed.set(prefix, p);
  return p;
}

const addressBytes = new Map<string, Uint8Array | null>();

function addressOf(text: string): Uint8Array | null {
  let b = addressBytes.get(text);
  if (b !== undefined) return b;
  try { b = parseIpv6(text); } catch { b = null; }
  addressBytes.set(text, b);
  return b;
}

/** True when `address` lies inside `prefix` ("addr/len"). */
export function prefixContains(prefix: string, address: string): boolean {
  const p = parsePrefix(prefix);
  const a = addressOf(address);
  if (p === null || a === null) return false;
  const whole = p.length >> 3;
  for (let i = 0; i < whole; i++) if (p.bytes[i] !== a[i]) return false;
  const rest = p.length & 7;
  if (rest === 0) return true;
  const mask = (0xff << (8 - rest)) & 0xff;
  return (p.bytes[whole]! & mask) === (a[whole]! & mask);
}

/** The prefix bits prefixContains compares (out-of-range lengths clamp the way its loop does). */
function comparedBits(p: ParsedPrefix): number {
  const whole = p.length >> 3;
  return whole < 0 ? 0 : Math.min(128, whole * 8 + (p.length & 7));
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
 * an address in one lookup per distinct prefix length instead of one prefixContains per prefix.
 */
export class PrefixIndex {
  private readonly byBits = new Map<number, Map<string, number[]>>();

  add(prefix: string, owner: number): void {
    const p = parsePrefix(prefix);
    if (p === null) return;
    const bits = comparedBits(p);
    let m = this.byBits.get(bits);
    if (m === undefined) this.byBits.set(bits, m = new Map());
    const k = maskedKey(p.bytes, bits);
    const list = m.get(k);
    if (list === undefined) m.set(k, [owner]);
    else if (list[list.length - 1] !== owner) list.push(owner);
  }

  /** Owners of a prefix holding `address`, ascending, each once (may be the index's own list: do not modify). */
  ownersOf(address: string): number[] {
    const a = addressOf(address);
    if (a === null) return [];
    let out: number[] = [];
    for (const [bits, m] of this.byBits) {
      const list = m.get(maskedKey(a, bits));
      if (list !== undefined) out = out.length === 0 ? list : [...new Set([...out, ...list])].sort((x, y) => x - y);
    }
    return out;
  }
}

/** `::/0` or any all-zero prefix: the "please assign" HNP of RFC 5213 §8.3. */
export function isZeroPrefix(prefix: string): boolean {
  return prefix.startsWith('::/') || prefix === '::';
}

export function isLinkLocal(address: string): boolean {
  return /^fe[89ab][0-9a-f]:/i.test(address);
}

export function isMulticast(address: string): boolean {
  return /^ff[0-9a-f]{2}:/i.test(address);
}

/** Equal as sets (order and duplicates ignored). */
export function sameSet(a: readonly string[], b: readonly string[]): boolean {
  // Short lists (a session's few prefixes) need no sets.
  if (a.length <= 8 && b.length <= 8) return a.every((x) => b.includes(x)) && b.every((x) => a.includes(x));
  const sa = new Set(a), sb = new Set(b);
  if (sa.size !== sb.size) return false;
  for (const x of sa) if (!sb.has(x)) return false;
  return true;
}

export function setText(a: readonly string[]): string {
  return a.length === 0 ? '(none)' : [...new Set(a)].sort().join(', ');
}
