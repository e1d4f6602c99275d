// The optional features of a PMIPv6 implementation (the ICS rows of its capability statement) and
// the requirement IDs of the catalog that apply only to an implementation claiming each. A
// requirement listed nowhere here is mandatory: it is judged whatever an implementation claims.
// A requirement whose MUST holds only "when" a feature is in use (e.g. "with IPsec, ...") belongs
// to that feature; one the RFC makes mandatory to implement (SEC-01: IPsec is mandatory to
// implement, ORD-01: the LMA implements the Timestamp option) does not.
import { requirement } from '../catalog/index.js';

export const FEATURES = {
  timestamps: {
    title: 'timestamp-based ordering (RFC 5213 §5.5, TimestampBasedApproachInUse = 1)',
    requirements: ['MAG-PBU-12', 'MAG-PBU-13', 'MAG-RTX-04', 'ORD-02', 'ORD-03', 'ORD-04', 'ORD-05', 'ORD-06', 'ORD-08', 'ORD-09', 'ORD-10', 'HO-13'],
  },
  'sequence-numbers': {
    title: 'sequence-number ordering (RFC 5213 §5.5, TimestampBasedApproachInUse = 0)',
    requirements: ['ORD-07', 'MAG-RTX-05'],
  },
  'fixed-mag-addresses': {
    title: 'fixed MAG link-local and link-layer addresses on every access link (RFC 6543)',
    requirements: ['FIX-01', 'RA-09'],
  },
  'handoff-knowledge': {
    title: 'the MAG tells a handover of an interface (HI 2 or 3) from a new attachment (RFC 5213 §6.9.1.1)',
    requirements: ['HO-01'],
  },
  'multiple-interfaces': {
    title: 'MNs attached through several interfaces at once (RFC 5213 §5.4 multihoming)',
    requirements: ['MH6-01', 'MH6-02', 'MH6-03', 'HO-12'],
  },
  dhcp: {
    title: 'stateful address configuration: DHCPv6 relay on the MAG (RFC 5213 §6.11)',
    requirements: ['DHCP-01', 'DHCP-02', 'DHCP-03', 'DHCP-04'],
  },
  ipsec: {
    title: 'IPsec protection of the signalling (RFC 5213 §4)',
    requirements: ['SEC-02', 'SEC-03', 'SEC-04', 'SEC-05', 'SEC-07', 'LMA-VAL-01', 'LMA-PBA-16'],
  },
  heartbeat: {
    title: 'Heartbeat (RFC 5847)',
    requirements: ['HB-01', 'HB-02', 'HB-03', 'HB-04', 'HB-05', 'HB-06', 'HB-07', 'HB-08', 'HB-09'],
  },
  revocation: {
    title: 'Binding Revocation (RFC 5846)',
    requirements: ['BR-01', 'BR-02', 'BR-03', 'BR-04', 'BR-05', 'BR-06', 'BR-07', 'BR-08', 'BR-09', 'BR-10'],
  },
  'update-notifications': {
    title: 'Update Notifications (RFC 7077)',
    requirements: ['UPN-01', 'UPN-02', 'UPN-03', 'UPN-04', 'UPN-05', 'UPN-06', 'UPN-07', 'UPN-08', 'UPN-09', 'UPN-10', 'UPN-11'],
  },
  ipv4: {
    title: 'IPv4 home addresses and IPv4 transport (RFC 5844)',
    requirements: ['V4-01', 'V4-02', 'V4-03', 'V4-04', 'V4-05', 'V4-06', 'V4-07', 'V4-08', 'V4-09', 'V4-10', 'V4-11', 'V4-12', 'V4-13', 'V4-14'],
  },
  'gre-keys': {
    title: 'GRE keys for the data plane (RFC 5845)',
    requirements: ['GRE-01', 'GRE-02', 'GRE-03'],
  },
  'ipv4-offload': {
    title: 'selective traffic offload at the MAG (RFC 6909 IPv4 selectors, an IPv6 domain policy; project-local rows)',
    requirements: ['X-OFF-01', 'X-OFF-02', 'X-OFF-03', 'X-OFF-04', 'X-OFF-05'],
  },
} as const satisfies Record<string, { title: string; requirements: readonly string[] }>;

export type Feature = keyof typeof FEATURES;
export const FEATURE_NAMES = Object.keys(FEATURES) as Feature[];

const featureOf = new Map<string, Feature>();
for (const f of FEATURE_NAMES) {
  for (const id of FEATURES[f].requirements) {
    requirement(id);
    if (featureOf.has(id)) throw new Error(`${id} is listed under two features: ${featureOf.get(id)} and ${f}`);
    featureOf.set(id, f);
  }
}

/** The optional feature a requirement belongs to; undefined: mandatory, judged whatever is claimed. */
export function featureOfRequirement(id: string): Feature | undefined {
  return featureOf.get(id);
}
