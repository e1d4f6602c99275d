// `--iut oai-pmipv6`: OAI PMIPv6 on every IUT node of a case, with the case's domain needs turned
// into its options where mip6d has a setting for them. What it has no setting for is listed by
// cannotProvide() (fixed MAG addresses, MN provisioning beyond "this MAC has this prefix", a
// prefix pool): a case needing one of those cannot judge OAI (NOT-APPLICABLE with that reason
// once the capability statements of issue 11 consume it).
import type { DomainNeeds, IutProfile } from '../../conformance/profile.js';
import { UnknownQuirk } from '../../conformance/profile.js';
import type { OaiOptions } from '../oai-pmipv6-options.js';

/** Why OAI PMIPv6 cannot run in a domain with these needs, one sentence per need; empty: it can. */
export function oaiCannotProvide(needs: DomainNeeds): string[] {
  const out: string[] = [];
  if (needs.timestamps === false) out.push('OAI\'s MAG puts a Timestamp option in every PBU whatever RFC5213TimestampBasedApproachInUse says (pmip_msgs.c mh_send_pbu): no sequence-number-only domain');
  if (needs.fixedMagAddresses === true) out.push('mip6d 0.4 parses RFC5213FixedMAGLinkLocalAddressOnAllAccessLinks/LinkLayerAddress but never uses them: no RFC 6543 fixed MAG addresses');
  if ((needs.extraMobileNodes ?? []).length > 0) out.push('OAI\'s MN provisioning is a list of MAC and prefix pairs (mac-mapping.auth): no NAIs, no MNs without proxy-mobility service, no per-MAG authorisation');
  if (needs.poolSize !== undefined) out.push('OAI\'s LMA has no prefix pool: it keeps the prefix the MAG asks for');
  // Parsed into mip6d's conf but read nowhere by its PMIPv6 code (src/pmip/): the LMA keeps its own
  // behaviour whatever they say. A case relying on a changed value cannot judge OAI.
  if (needs.maxDelayBeforeNewBceAssignMs !== undefined && needs.maxDelayBeforeNewBceAssignMs !== 1500) out.push('OAI\'s LMA never reads RFC5213MaxDelayBeforeNewBCEAssign (no HI 4 waiting)');
  if (needs.minDelayBeforeBceDeleteMs !== undefined && needs.minDelayBeforeBceDeleteMs !== 10000) out.push('OAI\'s LMA never reads RFC5213MinDelayBeforeBCEDelete');
  return out;
}

export const oaiProfile: IutProfile & { cannotProvide(needs: DomainNeeds): string[] } = {
  name: 'oai-pmipv6',
  spec({ needs }) {
    const o: OaiOptions = {};
    if (needs.timestamps !== undefined) o.timestamps = needs.timestamps;
    if (needs.lifetimeS !== undefined) o.lifetimeS = needs.lifetimeS;
    if (needs.minDelayBeforeBceDeleteMs !== undefined) o.minDelayBeforeBceDeleteMs = needs.minDelayBeforeBceDeleteMs;
    if (needs.maxDelayBeforeNewBceAssignMs !== undefined) o.maxDelayBeforeNewBceAssignMs = needs.maxDelayBeforeNewBceAssignMs;
    if (needs.timestampValidityWindowMs !== undefined) o.timestampValidityWindowMs = needs.timestampValidityWindowMs;
    return { adapter: 'oai-pmipv6', options: { ...o } };
  },
  quirkRole(name) { throw new UnknownQuirk(`OAI PMIPv6 has no quirks (asked for "${name}")`); },
  quirks() { return {}; },
  cannotProvide: oaiCannotProvide,
};
