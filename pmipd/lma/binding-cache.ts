// The LMA's Binding Cache (RFC 5213 §5.1): one entry per mobility session, indexed by HNP and by
// MN-ID so the §5.4.1 lookups are map hits, whatever the number of sessions.
import type { Timer } from '../clock.js';
import type { Prefix } from '../../wire/index.js';
import type { SessionGreKeys } from '../gre-keys.js';
import type { HeldIpv4 } from './ipv4-hoa.js';

export type BceState = 'active' | 'deleting';

export interface BindingCacheEntry {
  id: number;
  mnId: string;
  /** Hex of the MN Link-layer Identifier, null when the PBU had none. */
  llId: string | null;
  att: number;
  hnps: Prefix[];
  /** The MAG's link-local address on the MN's link; null when none was negotiated (fixed-LL mode). */
  lla: string | null;
  proxyCoa: string;
  /** Granted lifetime in 4-second units. */
  lifetimeUnits: number;
  /** Monotonic ms. */
  createdAt: number;
  updatedAt: number;
  /** Timestamp option of the last accepted PBU as seconds * 65536 + fraction; null in sequence-number mode. */
  lastTimestamp: number | null;
  lastSeq: number;
  state: BceState;
  /** Prefixes this entry took from the pool (released with it). */
  pooled: Prefix[];
  timer: Timer | null;
  /** RFC 5845 keys of the session, when its PBUs carry a GRE Key option in a greKeys domain. */
  gre?: SessionGreKeys;
  /** RFC 5844: the IPv4 home address of the session, if it has one. */
  ipv4?: HeldIpv4 | null;
}

export class BindingCache {
  private readonly byHnp = new Map<string, BindingCacheEntry>();
  private readonly byMnId = new Map<string, BindingCacheEntry[]>();
  private nextId = 1;

  newId(): number { return this.nextId++; }

  add(bce: BindingCacheEntry): void {
    for (const p of bce.hnps) this.byHnp.set(p.text, bce);
    const list = this.byMnId.get(bce.mnId);
    if (list) list.push(bce);
    else this.byMnId.set(bce.mnId, [bce]);
  }

  remove(bce: BindingCacheEntry): void {
    for (const p of bce.hnps) if (this.byHnp.get(p.text) === bce) this.byHnp.delete(p.text);
    const list = this.byMnId.get(bce.mnId);
    if (!list) return;
    const i = list.indexOf(bce);
    if (i >= 0) list.splice(i, 1);
    if (list.length === 0) this.byMnId.delete(bce.mnId);
  }

  byPrefix(text: string): BindingCacheEntry | undefined { return this.byHnp.get(text); }

  forMn(mnId: string): readonly BindingCacheEntry[] { return this.byMnId.get(mnId) ?? []; }

  get size(): number {
    let n = 0;
    for (const l of this.byMnId.values()) n += l.length;
    return n;
  }

  *entries(): IterableIterator<BindingCacheEntry> {
    for (const l of this.byMnId.values()) yield* l;
  }
}
