// Interned text forms of addresses. A capture repeats a few hundred distinct addresses millions of
// times, and formatting one (formatIpv6 in particular) costs far more than hashing and comparing
// its bytes, so the decoders look the bytes up in a small cache first (bench/decode-frame.ts
// measures both). The key words are read through a DataView (wire/bytes.ts viewOf): one load each.
import { formatIpv4, formatIpv6, formatMac, viewOf } from './bytes.js';

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
  /**
   * Per set, the way used last. A hit only writes this octet: moving the entries instead (to keep
   * the recent one first) cost more than the lookup whenever two hot addresses shared a set.
   */
  private readonly recent = new Uint8Array(SETS);
  /** Slot of the last miss, where add() puts the text (the callers format between the two calls). */
  private slot = 0;

  /** The text cached for the key, or '' on a miss (no address formats to ''). */
  get(w0: number, w1: number, w2: number, w3: number, tag: number): string {
    // Rotations keep differences in two words from cancelling; multiplying and taking the top
    // bits spreads addresses that differ only in their low octets.
    const x = w0 ^ ((w1 << 7) | (w1 >>> 25)) ^ ((w2 << 13) | (w2 >>> 19)) ^ ((w3 << 21) | (w3 >>> 11)) ^ tag;
    const set = Math.imul(x, 0x9e3779b1) >>> (32 - SET_BITS);
    const slot = set * WAYS;
    const k = this.keys;
    let b = slot * KEY_WORDS;
    if (k[b] === w0 && k[b + 1] === w1 && k[b + 2] === w2 && k[b + 3] === w3 && k[b + 4] === tag) {
      this.recent[set] = 0;
      return this.texts[slot]!;
    }
    b += KEY_WORDS;
    if (k[b] === w0 && k[b + 1] === w1 && k[b + 2] === w2 && k[b + 3] === w3 && k[b + 4] === tag) {
      this.recent[set] = 1;
      return this.texts[slot + 1]!;
    }
    const victim = 1 - this.recent[set]!;
    this.recent[set] = victim;
    this.slot = slot + victim;
    return '';
  }

  /** Stores the text of the key of the last missed get(), in the way that get() made the recent one. */
  add(w0: number, w1: number, w2: number, w3: number, tag: number, text: string): string {
    const k = this.keys;
    const b = this.slot * KEY_WORDS;
    k[b] = w0; k[b + 1] = w1; k[b + 2] = w2; k[b + 3] = w3; k[b + 4] = tag;
    this.texts[this.slot] = text;
    return text;
  }
}

const ipv6Cache = new TextCache();
const prefixCache = new TextCache();
const ipv4Cache = new TextCache();
const macCache = new TextCache();

/** formatIpv6 of the 16 bytes at `off`, interned. */
export function ipv6Text(buf: Uint8Array, off: number): string {
  const v = viewOf(buf);
  const w0 = v.getInt32(off), w1 = v.getInt32(off + 4), w2 = v.getInt32(off + 8), w3 = v.getInt32(off + 12);
  const s = ipv6Cache.get(w0, w1, w2, w3, 0);
  return s !== '' ? s : ipv6Cache.add(w0, w1, w2, w3, 0, formatIpv6(buf, off));
}

/** "2001:db8::/64": the 16 bytes at `off` with a prefix length, interned. */
export function ipv6PrefixText(buf: Uint8Array, off: number, prefixLength: number): string {
  const v = viewOf(buf);
  const w0 = v.getInt32(off), w1 = v.getInt32(off + 4), w2 = v.getInt32(off + 8), w3 = v.getInt32(off + 12);
  const s = prefixCache.get(w0, w1, w2, w3, prefixLength);
  return s !== '' ? s : prefixCache.add(w0, w1, w2, w3, prefixLength, `${formatIpv6(buf, off)}/${prefixLength}`);
}

/** formatIpv4 of the 4 bytes at `off`, interned. */
export function ipv4Text(buf: Uint8Array, off: number): string {
  const w0 = viewOf(buf).getInt32(off);
  const s = ipv4Cache.get(w0, 0, 0, 0, 0);
  return s !== '' ? s : ipv4Cache.add(w0, 0, 0, 0, 0, formatIpv4(buf, off));
}

/** formatMac of the 6 bytes at `off`, interned (other link-layer address lengths use formatMac). */
export function macText(buf: Uint8Array, off: number): string {
  const v = viewOf(buf);
  const w0 = v.getInt32(off), w1 = v.getUint16(off + 4);
  const s = macCache.get(w0, w1, 0, 0, 0);
  return s !== '' ? s : macCache.add(w0, w1, 0, 0, 0, formatMac(buf, off, 6));
}
