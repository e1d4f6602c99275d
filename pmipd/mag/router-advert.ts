// Home-link emulation on the MN's access link (RFC 5213 §6.7, §6.9.2, §6.9.3, §6.9.5): the RA that
// carries the MN's home network prefix, and the unicast NS the MAG uses as its presence check.
import { ICMPV6_NS, ICMPV6_RA, type Icmpv6Spec, type NdOptionSpec, type Prefix } from '../../wire/index.js';
import type { Quirks } from '../quirks.js';

export interface RaParams {
  hnps: readonly Prefix[];
  /** The MAG's link-layer address on this link (SLLAO). */
  mac: string;
  mtu: number;
  routerLifetime: number;
  validLifetime: number;
  preferredLifetime: number;
  /** DHCPv6-served link (RFC 5213 §6.11): M = 1, and PIOs with A = 0 so the MN takes its addresses from DHCPv6. */
  managed?: boolean;
  /** Prefixes no longer the MN's (RFC 5213 §6.12): PIOs with valid = preferred = 0 (RA-12). */
  withdrawn?: readonly Prefix[];
}

/** RA-01, RA-02, RA-09, RA-10: router lifetime > 0, PIO L=1 A=1 per HNP, SLLAO, MTU. */
export function buildRouterAdvertisement(p: RaParams, quirks: Quirks): Icmpv6Spec {
  const options: NdOptionSpec[] = [{ type: 1, address: p.mac }];
  if (!quirks.has('ra-no-mtu')) options.push({ type: 5, mtu: p.mtu });
  if (!quirks.has('ra-without-hnp')) {
    for (const h of p.hnps) {
      options.push({
        type: 3, prefix: h.text, onLink: true, autonomous: p.managed !== true,
        validLifetime: p.validLifetime, preferredLifetime: p.preferredLifetime,
      });
    }
    for (const h of p.withdrawn ?? []) options.push({ type: 3, prefix: h.text, onLink: true, autonomous: p.managed !== true, validLifetime: 0, preferredLifetime: 0 });
  }
  return {
    type: ICMPV6_RA,
    curHopLimit: 64,
    managed: p.managed === true,
    routerLifetime: quirks.has('ra-zero-router-lifetime') ? 0 : p.routerLifetime,
    reachableTime: 0,
    retransTimer: 0,
    options,
    // The kernel fills the ICMPv6 checksum of a raw ICMPv6 socket.
    checksum: 0,
  };
}

/** A unicast NS for the MN's own address: it answers with an NA while it is on the link. */
export function buildPresenceProbe(target: string, mac: string): Icmpv6Spec {
  return { type: ICMPV6_NS, target, options: [{ type: 1, address: mac }], checksum: 0 };
}
