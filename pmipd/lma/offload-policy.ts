// RFC 6909 §3 at the LMA: a PBU carrying an IPv4 Traffic Offload Selector option asks for offload;
// an accepting PBA answers with the selectors the domain authorises (one option each), and only
// then. An MN without an IPv4 home address has no IPv4 flows to offload: none are granted.
import { TS_FORMAT_IPV4, type Ipv4TrafficSelector, type MobilityOptionSpec } from '../../wire/index.js';
import type { Quirks } from '../quirks.js';

export function offloadPbaOptions(asked: boolean, accepted: boolean, hasIpv4: boolean, selectors: readonly Ipv4TrafficSelector[], quirks: Quirks): MobilityOptionSpec[] {
  if (!accepted) return [];
  // offload-unasked: the selectors go into every accepting PBA, the de-registration's included.
  if ((!asked || !hasIpv4) && !quirks.has('offload-unasked')) return [];
  return selectors.map((selector) => ({ type: 53, M: false, ts: { tsFormat: TS_FORMAT_IPV4, selector } }));
}
