// Data-plane packets in columns: a capture of a busy link holds millions of them, and the checks
// only need addresses, hop limit, time and a fingerprint to follow one packet across capture
// points. Addresses are interned to small integers.

/** Interned address text <-> id (0 is "none"). */
export class AddressTable {
  private readonly ids = new Map<string, number>();
  readonly texts: string[] = [''];

  id(text: string): number {
    let id = this.ids.get(text);
    if (id === undefined) {
      id = this.texts.length;
      this.texts.push(text);
      this.ids.set(text, id);
    }
    return id;
  }

  lookup(text: string): number | undefined {
    return this.ids.get(text);
  }

  text(id: number): string {
    return this.texts[id]!;
  }

  get size(): number {
    return this.texts.length;
  }
}

/** Packet flags. */
export const DATA_TUNNELLED = 1;
/** IPv4 inner packet (RFC 5844). */
export const DATA_INNER_V4 = 2;
/** A Destination Options header (ip6tnl encapsulation limit) sits before the inner packet. */
export const DATA_ENCAP_LIMIT = 4;
/** GRE encapsulation (RFC 5845); with DATA_GRE_KEY its key is in `greKey`. */
export const DATA_GRE = 8;
export const DATA_GRE_KEY = 16;
/** RFC 5844 §4: the outer header is IPv4 (protocol 4 or 41, or UDP with DATA_UDP). */
export const DATA_OUTER_V4 = 32;
/** RFC 5844 §4.1.4.1: IPv4-UDP encapsulation (port 5437). */
export const DATA_UDP = 64;

export interface DataRow {
  index: number;
  time: number;
  point: number;
  frame: number;
  flags: number;
  outerSrc: number;
  outerDst: number;
  innerSrc: number;
  innerDst: number;
  hopLimit: number;
  hash: number;
  linkSrc: number;
  /** GRE key (valid with DATA_GRE_KEY); 0 otherwise. */
  greKey?: number;
}

function grow<T extends Float64Array | Uint32Array | Uint8Array>(a: T, n: number): T {
  const b = new (a.constructor as new (n: number) => T)(n);
  b.set(a);
  return b;
}

/** Append-only columns; `length` rows are valid. */
export class DataTable {
  length = 0;
  time = new Float64Array(1024);
  point = new Uint8Array(1024);
  frame = new Uint32Array(1024);
  flags = new Uint8Array(1024);
  outerSrc = new Uint32Array(1024);
  outerDst = new Uint32Array(1024);
  /** Same as outer for a packet that is not tunnelled. */
  innerSrc = new Uint32Array(1024);
  innerDst = new Uint32Array(1024);
  /** Hop limit (TTL) of the inner packet. */
  hopLimit = new Uint8Array(1024);
  /** Fingerprint of the inner packet without its hop limit: the same packet on two links has the same one. */
  hash = new Uint32Array(1024);
  linkSrc = new Uint32Array(1024);
  greKey = new Uint32Array(1024);

  add(r: Omit<DataRow, 'index'>): void {
    if (this.length === this.time.length) this.reserve(this.length * 2);
    const i = this.length++;
    this.time[i] = r.time; this.point[i] = r.point; this.frame[i] = r.frame; this.flags[i] = r.flags;
    this.outerSrc[i] = r.outerSrc; this.outerDst[i] = r.outerDst; this.innerSrc[i] = r.innerSrc; this.innerDst[i] = r.innerDst;
    this.hopLimit[i] = r.hopLimit; this.hash[i] = r.hash; this.linkSrc[i] = r.linkSrc;
    this.greKey[i] = r.greKey ?? 0;
  }

  private reserve(n: number): void {
    this.time = grow(this.time, n); this.point = grow(this.point, n); this.frame = grow(this.frame, n);
    this.flags = grow(this.flags, n); this.outerSrc = grow(this.outerSrc, n); this.outerDst = grow(this.outerDst, n);
    this.innerSrc = grow(this.innerSrc, n); this.innerDst = grow(this.innerDst, n); this.hopLimit = grow(this.hopLimit, n);
    this.hash = grow(this.hash, n); this.linkSrc = grow(this.linkSrc, n);
    this.greKey = grow(this.greKey, n);
  }

  row(i: number): DataRow {
    return {
      index: i, time: this.time[i]!, point: this.point[i]!, frame: this.frame[i]!, flags: this.flags[i]!,
      outerSrc: this.outerSrc[i]!, outerDst: this.outerDst[i]!, innerSrc: this.innerSrc[i]!, innerDst: this.innerDst[i]!,
      hopLimit: this.hopLimit[i]!, hash: this.hash[i]!, linkSrc: this.linkSrc[i]!, greKey: this.greKey[i]!,
    };
  }
}

/**
 * FNV-1a over the first octets of an IP packet, skipping the fields forwarding changes (IPv6 hop
 * limit; IPv4 TTL and header checksum) and the ECN field (a congested router or a tunnel exit
 * marks CE: RFC 3168, RFC 5213 §5.6.3).
 */
export function packetFingerprint(buf: Uint8Array, off: number, len: number): number {
  const v4 = len > 0 && buf[off]! >> 4 === 4;
  const end = off + Math.min(len, 128);
  // The octets around the skipped ones in runs, no test per octet: IPv6 skips 7; IPv4 skips 8, 10, 11.
  let h = fnv(0x811c9dc5, buf, off, Math.min(end, off + 1));
  if (end > off + 1) h = Math.imul(h ^ (buf[off + 1]! & (v4 ? ~IPV4_ECN : ~IPV6_ECN_IN_OCTET_1)), 0x01000193);
  h = fnv(h, buf, off + 2, Math.min(end, off + 7));
  if (v4) {
    h = fnv(h, buf, off + 7, Math.min(end, off + 8));
    h = fnv(h, buf, off + 9, Math.min(end, off + 10));
    h = fnv(h, buf, off + 12, end);
  } else {
    h = fnv(h, buf, off + 8, end);
  }
  return h >>> 0;
}

/** The ECN bits in the second octet: IPv4's TOS; IPv6's traffic class low nibble (then flow label). */
const IPV4_ECN = 0x03;
const IPV6_ECN_IN_OCTET_1 = 0x30;

function fnv(h: number, buf: Uint8Array, from: number, to: number): number {
  for (let i = from; i < to; i++) h = Math.imul(h ^ buf[i]!, 0x01000193);
  return h;
}
