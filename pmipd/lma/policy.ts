// The LMA's policy store: which MNs exist (by NAI), which are entitled to PMIPv6, which MAGs may
// register them, and their fixed prefixes. Also the prefix pool the LMA allocates HNPs from.
import type { MagEntry, MobileNodePolicy } from '../config.js';
import { prefixCovers, subprefix, type Prefix } from '../../wire/index.js';

export class PolicyStore {
  private readonly mns = new Map<string, MobileNodePolicy>();
  private readonly magsByAddress = new Map<string, MagEntry>();
  /** Fixed prefixes of every MN: never handed out by the pool. */
  readonly reserved = new Map<string, string>();

  constructor(mobileNodes: readonly MobileNodePolicy[], mags: readonly MagEntry[]) {
    for (const m of mags) this.magsByAddress.set(m.address, m);
    for (const mn of mobileNodes) this.addMobileNode(mn);
  }

  addMobileNode(mn: MobileNodePolicy): void {
    this.mns.set(mn.nai, mn);
    for (const p of mn.prefixes) this.reserved.set(p.text, mn.nai);
  }

  mobileNode(nai: string): MobileNodePolicy | undefined { return this.mns.get(nai); }
  all(): IterableIterator<MobileNodePolicy> { return this.mns.values(); }
  get mobileNodeCount(): number { return this.mns.size; }

  /** Another MAG of the domain than the one at `address` (quirk bri-wrong-dst), if there is one. */
  otherMag(address: string): string | undefined {
    return [...this.magsByAddress.keys()].find((a) => a !== address);
  }

  /** The authorised MAG sending from `address` (its Proxy-CoA), if any. */
  magAt(address: string): MagEntry | undefined { return this.magsByAddress.get(address); }

  mayRegister(mag: MagEntry, mn: MobileNodePolicy): boolean {
    return mn.mags.length === 0 || mn.mags.includes(mag.name);
  }
}

/**
 * Hands out /hnpLength prefixes from the pool in order, skipping reserved ones; freed prefixes go
 * back to the end of a queue, so a just-released HNP is not given to the next MN at once.
 */
export class PrefixPool {
  private readonly inUse = new Set<string>();
  private readonly freed: Prefix[] = [];
  /** The MN each pool prefix was last assigned to: the only one that may ask for it by value. */
  private readonly lastHolder = new Map<string, string>();
  private poolIndex = 0;
  private next = 0;

  constructor(private readonly pool: readonly Prefix[], private readonly hnpLength: number, private readonly reserved: ReadonlyMap<string, string>) {}

  /** A prefix of the pool not in use for `mnId`, or null when the pool is exhausted. */
  allocate(mnId: string): Prefix | null {
    const p = this.nextFree();
    if (p !== null) this.lastHolder.set(p.text, mnId);
    return p;
  }

  private nextFree(): Prefix | null {
    while (this.poolIndex < this.pool.length) {
      const base = this.pool[this.poolIndex]!;
      const bits = this.hnpLength - base.length;
      const count = bits >= 31 ? 2 ** 31 : 2 ** bits;
      while (this.next < count) {
        const p = subprefix(base, this.hnpLength, this.next++);
        if (!this.inUse.has(p.text) && !this.reserved.has(p.text)) {
          this.inUse.add(p.text);
          return p;
        }
      }
      this.poolIndex++;
      this.next = 0;
    }
    while (this.freed.length > 0) {
      const p = this.freed.shift()!;
      if (!this.inUse.has(p.text)) {
        this.inUse.add(p.text);
        return p;
      }
    }
    return null;
  }

  /** The first prefix of the pool, whatever its state (quirk same-hnp-for-all-mns). */
  first(): Prefix | null {
    const base = this.pool[0];
    return base === undefined ? null : subprefix(base, this.hnpLength, 0);
  }

  /**
   * Claims a specific prefix a PBU asked for a new session of `mnId`. RFC 5213 §5.3.2: the LMA
   * must own it (the pool's) and `mnId` must be authorised for it; a dynamic prefix is `mnId`'s
   * only when this LMA assigned it to `mnId` last (e.g. a binding that expired and is asked for
   * again). False otherwise, or when it is taken.
   */
  claim(p: Prefix, mnId: string): boolean {
    if (p.length !== this.hnpLength || this.inUse.has(p.text) || this.reserved.has(p.text)) return false;
    if (!this.pool.some((base) => prefixCovers(base, p))) return false;
    if (this.lastHolder.get(p.text) !== mnId) return false;
    this.inUse.add(p.text);
    return true;
  }

  release(text: string, p: Prefix): void {
    if (this.inUse.delete(text)) this.freed.push(p);
  }

  get allocated(): number { return this.inUse.size; }
}
