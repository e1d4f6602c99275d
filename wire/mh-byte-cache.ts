// Interned values derived from variable-length byte strings (NAIs, hex identifiers) for the MH
// decoder; fixed-width addresses use wire/intern.ts. The same few MN identities recur in every
// PBU/PBA of a capture, so a small direct-mapped cache keyed by the bytes hands back what was built
// last time (text, or text plus a validity verdict): no work and no garbage on a hit. Bounded: a
// colliding entry is replaced.

export type ByteDerivation<T> = (buf: Uint8Array, off: number, len: number) => T;

export class ByteKeyedCache<T> {
  private readonly keys: Uint8Array;
  private readonly lengths: Int16Array;
  private readonly values: T[];
  private readonly mask: number;

  /** `slotsLog2`: log2 of the slot count; keys longer than `maxLen` are derived every time. */
  constructor(private readonly derive: ByteDerivation<T>, slotsLog2: number, private readonly maxLen: number, empty: T) {
    const slots = 1 << slotsLog2;
    this.mask = slots - 1;
    this.keys = new Uint8Array(slots * maxLen);
    this.lengths = new Int16Array(slots).fill(-1);
    this.values = new Array<T>(slots).fill(empty);
  }

  get(buf: Uint8Array, off: number, len: number): T {
    if (len > this.maxLen) return this.derive(buf, off, len);
    // FNV-1a over 16-bit words: half the multiplications of the byte-wise form
    let h = 0x811c9dc5 ^ len;
    const pairsEnd = off + (len & ~1);
    for (let i = off; i < pairsEnd; i += 2) h = Math.imul(h ^ ((buf[i]! << 8) | buf[i + 1]!), 0x01000193);
    if (len & 1) h = Math.imul(h ^ buf[pairsEnd]!, 0x01000193);
    const slot = (h ^ (h >>> 15)) & this.mask;
    const base = slot * this.maxLen;
    const keys = this.keys;
    if (this.lengths[slot] === len) {
      let i = 0;
      while (i < len && keys[base + i] === buf[off + i]) i++;
      if (i === len) return this.values[slot]!;
    }
    const value = this.derive(buf, off, len);
    for (let i = 0; i < len; i++) keys[base + i] = buf[off + i]!;
    this.lengths[slot] = len;
    this.values[slot] = value;
    return value;
  }
}
