// The conformance profile of OPMIP: how a case's domain (RFC 5213 §9 variables, provisioning) maps
// onto what OPMIP can be configured for. OPMIP has almost no knobs (node.db and three flags), so
// most of a case's domain is fixed by its code; domain() says what the run really has, so that
// the trace's checks judge against that (a timestamp requirement in a sequence-number domain is
// NOT-APPLICABLE "sequence-number mode", not a FAIL).
import { nodesOfKind } from '../topology/model.js';
import type { OpmipMobileNode } from '../iut/opmip-options.js';
import { UnknownQuirk, type DomainNeeds, type IutProfile, type IutRole } from './profile.js';

/** What OPMIP's code fixes whatever a case asks, per role it plays (each with where in OPMIP it is fixed). */
export const OPMIP_FIXED: Record<IutRole, DomainNeeds> = {
  lma: {
    /** No Timestamp option is built or parsed (lib/opmip/pmip/mp_sender.cpp, mp_receiver.cpp): sequence numbers. */
    timestamps: false,
    /** lma::config's default 10000 ms (inc/opmip/pmip/lma.hpp), not configurable. */
    minDelayBeforeBceDeleteMs: 10000,
    /** The LMA hands out node.db's prefixes only; it has no pool. */
    fixedPrefixes: true,
  },
  mag: {
    timestamps: false,
    /** One --link-local-ip for all access links, but RAs from each interface's own MAC: no RFC 6543 fixed link-layer address. */
    fixedMagAddresses: false,
    /** bulist_entry's lifetime is 60 s (inc/opmip/pmip/bulist.hpp). */
    lifetimeS: 60,
    /** The MAG asks for node.db's prefixes, never ::/0. */
    fixedPrefixes: true,
  },
};

export const opmipProfile: IutProfile = {
  name: 'opmip',
  spec({ topology, needs }) {
    // Extra MNs with their prefixes go into node.db; an MN "not entitled" or bound to some MAGs
    // cannot be expressed (OPMIP authorises every listed MN at every listed MAG).
    const known = new Set(nodesOfKind(topology, 'mn').map((n) => n.mn!.nai));
    const mobileNodes: OpmipMobileNode[] = (needs.extraMobileNodes ?? [])
      .filter((m) => m.proxyMobility !== false)
      .map((m) => ({ nai: m.nai, ...(m.mac !== undefined ? { mac: m.mac } : {}), ...(m.prefixes ? { prefixes: m.prefixes } : known.has(m.nai) ? {} : { prefixes: [] }) }));
    return { adapter: 'opmip', options: mobileNodes.length > 0 ? { mobileNodes } : {} };
  },
  domain(needs, roles = ['lma', 'mag']) {
    return Object.assign({ ...needs }, ...roles.map((r) => OPMIP_FIXED[r]));
  },
  quirkRole(name) { throw new UnknownQuirk(`OPMIP has no quirks (asked for "${name}")`); },
  quirks() { return {}; },
};
