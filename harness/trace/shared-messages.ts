// One decoded object for each distinct message or option. A capture repeats its Neighbor
// Discovery thousands of times (periodic RAs, each MN's RS, NS and NA), and its PBUs and PBAs
// carry the same options refresh after refresh (only the Timestamp changes): every decoded copy
// the trace kept would be copied by the garbage collector while loading and walked by the checks.
// A repeat is recognised by its octets and the first decoding kept instead. The wire decoder is
// pure: equal octets in an equal context (the addresses a checksum covers, an option's offset)
// decode to equal objects, so what the checks and the reports see does not change.

interface Entry<T> { a: string; b: string | number; bytes: Uint8Array; value: T }

/** FNV-1a of the octets, cut to 30 bits: a small integer is a cheap Map key (a larger one is a heap number). */
function hashOf(buf: Uint8Array, start: number, end: number): number {
  let h = 0x811c9dc5;
  for (let i = start; i < end; i++) h = Math.imul(h ^ buf[i]!, 0x01000193);
  return h & 0x3fffffff;
}

function sameOctets(a: Uint8Array, buf: Uint8Array, start: number, end: number): boolean {
  if (a.length !== end - start) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== buf[start + i]) return false;
  return true;
}

export class SharedMessages<T> {
  private readonly byHash = new Map<number, Entry<T>[]>();
  private size = 0;

  /** Remembers at most `limit` distinct messages; later new ones are kept as they come. */
  constructor(private readonly limit = 65536) {}

  /**
   * The object kept for the octets [start, end) of `buf` in context (a, b), or `value` (their
   * decoding), which is kept for them from now on.
   */
  share(a: string, b: string | number, buf: Uint8Array, start: number, end: number, value: T): T {
    const h = hashOf(buf, start, end);
    const list = this.byHash.get(h);
    if (list !== undefined) {
      for (const e of list) if (e.a === a && e.b === b && sameOctets(e.bytes, buf, start, end)) return e.value;
    }
    if (this.size >= this.limit) return value;
    const e: Entry<T> = { a, b, bytes: buf.slice(start, end), value };
    if (list === undefined) this.byHash.set(h, [e]); else list.push(e);
    this.size++;
    return value;
  }
}
