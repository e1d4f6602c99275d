// Interned text forms of addresses. A capture repeats a few hundred distinct addresses millions of
// times, and formatting one (formatIpv6 in particular) costs far more than hashing and comparing
// its bytes, so the decoders look the bytes up in a small cache first (bench/decode-frame.ts
// measures both).
import { formatIpv4, formatIpv6, formatMac } from './bytes.js';

const SET_BITS = 11;
const SETS = 1 << SET_BITS;
const WAYS = 2;
const KEY_WORDS = 5; // up to four 32-bit words of address plus a tag (e.g. a prefix length)

/**
 * Two-way set-associative cache from up to 4 words + tag to text, least recently used way
 * evicted. A hit compares every key word, so it never returns another address's text.
 */
class TextCache {
  private readonly keys = new Int32Array(SETS * WAYS * KEY_WORDS).fill(-1);
  private readonly texts = new Array<string>(SETS * WAYS).fill('');
  /** Set of the last miss, where add() puts the text (the callers format between the two calls). */
  private slot = 0;

  /** The text cached for the key, or '' on a miss (no address formats to ''). */
  get(w0: number, w1: number, w2: number, w3: number, tag: number): string {
    // Rotations keep differences in two words from cancelling; multiplying and taking the top
    // bits spreads addresses that differ only in their low octets.
    const x = w0 ^ ((w1 << 7) | (w1 >>> 25)) ^ ((w2 << 13) | (w2 >>> 19)) ^ ((w3 << 21) | (w3 >>> 11)) ^ tag;
    const slot = (Math.imul(x, 0x9e3779b1) >>> (32 - SET_BITS)) * WAYS;
    const k = this.keys;
    let b = slot * KEY_WORDS;
    if (k[b] === w0 && k[b + 1] === w1 && k[b + 2] === w2 && k[b + 3] === w3 && k[b + 4] === tag) return this.texts[slot]!;
    b += KEY_WORDS;
    if (k[b] === w0 && k[b + 1] === w1 && k[b + 2] === w2 && k[b + 3] === w3 && k[b + 4] === tag) {
      // Hit in the second way: make it the most recent.
      const s = this.texts[slot + 1]!;
      this.put(slot, w0, w1, w2, w3, tag, s);
      return s;
    }
    this.slot = slot;
    return '';
  }

  /** Stores the text of the key of the last missed get() as the most recent of its set. */
  add(w0: number, w1: number, w2: number, w3: number, tag: number, text: string): string {
    this.put(this.slot, w0, w1, w2, w3, tag, text);
    return text;
  }

  private put(slot: number, w0: number, w1: number, w2: number, w3: number, tag: number, text: string): void {
    const k = this.keys;
    const b = slot * KEY_WORDS;
    k.copyWithin(b + KEY_WORDS, b, b + KEY_WORDS);
    this.texts[slot + 1] = this.texts[slot]!;
    k[b] = w0; k[b + 1] = w1; k[b + 2] = w2; k[b + 3] = w3; k[b + 4] = tag;
    this.texts[slot] = text;
  }
}

function word(buf: Uint8Array, p: number): number {
  return (buf[p]! << 24) | (buf[p + 1]! << 16) | (buf[p + 2]! << 8) | buf[p + 3]!;
}

const ipv6Cache = new TextCache();
const prefixCache = new TextCache();
const ipv4Cache = new TextCache();
const macCache = new TextCache();

/** formatIpv6 of the 16 bytes at `off`, interned. */
export function ipv6Text(buf: Uint8Array, off: number): string {
  const w0 = word(buf, off), w1 = word(buf, off + 4), w2 = word(buf, off + 8), w3 = word(buf, off + 12);
  const s = ipv6Cache.get(w0, w1, w2, w3, 0);
  return s !== '' ? s : ipv6Cache.add(w0, w1, w2, w3, 0, formatIpv6(buf, off));
}

/** "2001:db8::/64": the 16 bytes at `off` with a prefix length, interned. */
export function ipv6PrefixText(buf: Uint8Array, off: number, prefixLength: number): string {
  const w0 = word(buf, off), w1 = word(buf, off + 4), w2 = word(buf, off + 8), w3 = word(buf, off + 12);
  const s = prefixCache.get(w0, w1, w2, w3, prefixLength);
  return s !== '' ? s : prefixCache.add(w0, w1, w2, w3, prefixLength, `${formatIpv6(buf, off)}/${prefixLength}`);
}

/** formatIpv4 of the 4 bytes at `off`, interned. */
export function ipv4Text(buf: Uint8Array, off: number): string {
  const w0 = word(buf, off);
  const s = ipv4Cache.get(w0, 0, 0, 0, 0);
  return s !== '' ? s : ipv4Cache.add(w0, 0, 0, 0, 0, formatIpv4(buf, off));
}

/** formatMac of the 6 bytes at `off`, interned (other link-layer address lengths use formatMac). */
export function macText(buf: Uint8Array, off: number): string {
  const w0 = word(buf, off), w1 = (buf[off + 4]! << 8) | buf[off + 5]!;
  const s = macCache.get(w0, w1, 0, 0, 0);
  return s !== '' ? s : macCache.add(w0, w1, 0, 0, 0, formatMac(buf, off, 6));
}
