// RFC 5845 GRE keys in pmipd: one key per mobility session and direction (§3: the key tells the
// receiving end which session a packet belongs to). The MAG picks the downlink key it wants to
// receive with and sends it in its PBUs; the LMA picks the uplink key once per session and keeps
// it across refreshes and handovers (GRE-02).
import { randomInt } from 'node:crypto';
import type { GreKeys } from './dataplane/tun-tunnel.js';
import type { Quirks } from './quirks.js';

/** GRE header octets with a key (RFC 2890): what the tunnel MTU loses besides the outer IPv6 header. */
export const GRE_KEYED_HEADER = 8;

/** The keys one end hands out: random, so that a restarted daemon does not reuse a live session's. */
export class GreKeyAllocator {
  private readonly used = new Set<number>();

  allocate(): number {
    let k: number;
    do k = randomInt(1, 2 ** 32); while (this.used.has(k));
    this.used.add(k);
    return k;
  }

  release(key: number | undefined): void {
    if (key !== undefined) this.used.delete(key);
  }
}

/** A session's negotiated keys: `down` toward the MAG (the MAG's), `up` toward the LMA (the LMA's, if it gave one). */
export interface SessionGreKeys { down: number; up?: number }

/** The keys each end's tunnel uses: out = what it sends with, in = what it takes. */
export function tunnelKeys(role: 'mag' | 'lma', k: SessionGreKeys, quirks: Quirks): GreKeys {
  const swap = quirks.has('gre-keys-swapped-in-data');
  const [send, receive] = role === 'mag' ? [k.up, k.down] : [k.down, k.up];
  const keys: GreKeys = {};
  const out = swap ? receive : send, inn = swap ? send : receive;
  if (out !== undefined) keys.outKey = out;
  if (inn !== undefined) keys.inKey = inn;
  return keys;
}
