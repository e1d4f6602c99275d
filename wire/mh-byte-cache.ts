// Interned values derived from variable-length byte strings (NAIs, hex identifiers) for the MH
// decoder; fixed-width addresses use wire/intern.ts. The same few MN identities recur in every
// PBU/PBA of a capture, so a small cache keyed by the bytes hands back what was built last time
// (text, or text plus a validity verdict): no work and no garbage on a hit. Bounded: two ways per
// set, the least recently used one replaced. Direct mapping was not enough: with a few hundred
// MNs, half their identities shared a slot with another and missed every time.
import { viewOf } from './bytes.js';

export type ByteDerivation<T> = (buf: Uint8Array, off: number, len: number) => T;

const WAYS = 2;

/** MurmurHash3's finaliser: every input bit reaches the low bits that pick the set. */
function mix(x: number): number {
  let h = x ^ (x >>> 16);
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/** The last `n` (0-3) octets at `p` as one word, high octet first (as DataView reads a word). */
function tailWord(buf: Uint8Array, p: number, n: number): number {
  if (n === 0) return 0;
  let w = buf[p]! << 24;
  if (n > 1) w |= buf[p + 1]! << 16;
  if (n > 2) w |= buf[p + 2]! << 8;
  return w;
}

export class ByteKeyedCache<T> {
  /** Keys as 32-bit words (the last one zero-padded), `wordsPerKey` per slot. */
  private readonly keys: Int32Array;
  private readonly lengths: Int16Array;
  private readonly values: T[];
  /** Per set, the way used last (see wire/intern.ts: hits write this instead of moving entries). */
  private readonly recent: Uint8Array;
  private readonly setMask: number;
  private readonly wordsPerKey: number;

  /** `setsLog2`: log2 of the set count; keys longer than `maxLen` are derived every time. */
  constructor(private readonly derive: ByteDerivation<T>, setsLog2: number, private readonly maxLen: number, empty: T) {
    const slots = WAYS << setsLog2;
    this.setMask = (1 << setsLog2) - 1;
    this.wordsPerKey = (maxLen + 3) >> 2;
    this.keys = new Int32Array(slots * this.wordsPerKey);
    this.lengths = new Int16Array(slots).fill(-1);
    this.values = new Array<T>(slots).fill(empty);
    this.recent = new Uint8Array(1 << setsLog2);
  }

  get(buf: Uint8Array, off: number, len: number): T {
    if (len > this.maxLen) return this.derive(buf, off, len);
    // Words through a DataView: a quarter of the loads and multiplications of octets.
    const v = viewOf(buf);
    const full = off + (len & ~3);
    const tail = tailWord(buf, full, len & 3);
    let h = 0x811c9dc5 ^ len;
    for (let i = off; i < full; i += 4) h = Math.imul(h ^ v.getInt32(i), 0x01000193);
    const set = mix(h ^ tail) & this.setMask;
    const keys = this.keys, lengths = this.lengths, words = this.wordsPerKey;
    for (let way = 0; way < WAYS; way++) {
      const slot = set * WAYS + way;
      if (lengths[slot] !== len) continue;
      let i = off, j = slot * words;
      while (i < full && keys[j] === v.getInt32(i)) { i += 4; j++; }
      if (i === full && (full === off + len || keys[j] === tail)) {
        this.recent[set] = way;
        return this.values[slot]!;
      }
    }
    // A miss replaces the way not used last.
    const way = 1 - this.recent[set]!;
    this.recent[set] = way;
    const slot = set * WAYS + way;
    const value = this.derive(buf, off, len);
    let j = slot * words;
    for (let i = off; i < full; i += 4) keys[j++] = v.getInt32(i);
    if (full < off + len) keys[j] = tail;
    lengths[slot] = len;
    this.values[slot] = value;
    return value;
  }
}
