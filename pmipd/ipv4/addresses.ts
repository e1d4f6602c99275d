// IPv4 home addresses (RFC 5844): the LMA's IPv4 HoA pool and an MN's IPv4 entitlement. An
// address is kept as a 32-bit number; text only at the edges (options, logs, config).
import { formatIpv4, parseIpv4 } from '../../wire/index.js';

export interface Ipv4Prefix { address: number; length: number; text: string }

/** What the LMA grants: the MN's address, its prefix length and the default router (options 37, 38). */
export interface Ipv4Grant {
  address: string; prefixLength: number; router: string;
  /** At the MAG: the S flag of the PBA's IPv4 DHCP Support Mode option (RFC 5844 §3.3.4), when it had one. */
  dhcpServer?: boolean;
}

/** An MN's IPv4 home address service: none, an address from the pool, or a fixed one. */
export type Ipv4Entitlement = { kind: 'none' } | { kind: 'dynamic' } | { kind: 'static'; prefix: Ipv4Prefix };

export function ipv4Number(text: string): number {
  const b = parseIpv4(text);
  return ((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0;
}

export function ipv4String(n: number): string {
  return formatIpv4(Uint8Array.of(n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff), 0);
}

function mask(length: number): number {
  return length === 0 ? 0 : (0xffffffff << (32 - length)) >>> 0;
}

/** "a.b.c.d/len"; the address keeps its host bits (a static HoA names its own subnet). */
export function parseIpv4Prefix(text: string): Ipv4Prefix {
  const m = /^([0-9.]+)\/(\d{1,2})$/.exec(text);
  if (m === null || Number(m[2]) > 32) throw new Error(`"${text}" is not an IPv4 prefix such as 10.64.0.0/16`);
  return { address: ipv4Number(m[1]!), length: Number(m[2]), text };
}

/** The first host of the subnet of `p`: the default router the LMA announces (option 38). */
export function defaultRouterOf(p: Ipv4Prefix): string {
  return ipv4String(((p.address & mask(p.length)) + 1) >>> 0);
}

export function inIpv4Prefix(p: Ipv4Prefix, address: number): boolean {
  return ((address ^ p.address) & mask(p.length)) === 0;
}

/**
 * Hands out host addresses of the pool (the first host is the default router, the broadcast
 * address is skipped), never an MN's fixed one; like the prefix pool, an address may be asked for
 * by value only by the MN it was last given to.
 */
export class Ipv4Pool {
  private readonly inUse = new Set<number>();
  private readonly lastHolder = new Map<number, string>();
  private next: number;
  private readonly first: number;
  private readonly last: number;

  constructor(readonly prefix: Ipv4Prefix, private readonly reserved: ReadonlySet<number>) {
    const net = (prefix.address & mask(prefix.length)) >>> 0;
    this.first = net + 2;
    this.last = (net | (~mask(prefix.length) >>> 0)) - 1;
    this.next = this.first;
  }

  get router(): string { return defaultRouterOf(this.prefix); }

  grant(address: number): Ipv4Grant {
    return { address: ipv4String(address), prefixLength: this.prefix.length, router: this.router };
  }

  allocate(mnId: string): number | null {
    for (let tries = 0; tries <= this.last - this.first; tries++) {
      const a = this.next;
      this.next = a >= this.last ? this.first : a + 1;
      if (!this.inUse.has(a) && !this.reserved.has(a)) {
        this.inUse.add(a);
        this.lastHolder.set(a, mnId);
        return a;
      }
    }
    return null;
  }

  /** A specific address of the pool for `mnId`: only the one last given to it, and free. */
  claim(address: number, mnId: string): boolean {
    if (address < this.first || address > this.last || this.inUse.has(address)) return false;
    if (this.lastHolder.get(address) !== mnId) return false;
    this.inUse.add(address);
    return true;
  }

  release(address: number): void { this.inUse.delete(address); }
}
