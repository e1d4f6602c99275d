// RFC 5844 at the MAG: the IPv4 HoA Request of a PBU (§3.2.3.1: 0.0.0.0/0 until an address is
// assigned, then that address on refresh and de-registration, §3.2.3.3) and what an accepting
// PBA grants (options 37 and 38).
import { findOption, MH_OPTION, type BindingAck, type MobilityOptionSpec } from '../../wire/index.js';
import type { Ipv4Grant } from '../ipv4/addresses.js';
import type { Quirks } from '../quirks.js';
import type { BulEntry, PbuKind } from './bul.js';

export function ipv4RequestOptions(e: BulEntry, kind: PbuKind, quirks: Quirks): MobilityOptionSpec[] {
  if (e.ipv4Service !== true) return [];
  const zero = e.ipv4 === null || e.ipv4 === undefined || (kind !== 'register' && quirks.has('refresh-ipv4-zero'));
  const req: MobilityOptionSpec = zero ? { type: 36, prefixLength: 0, address: '0.0.0.0' } : { type: 36, prefixLength: e.ipv4!.prefixLength, address: e.ipv4!.address };
  return quirks.has('ipv4-request-twice') ? [req, req] : [req];
}

/** The IPv4 HoA an accepting PBA grants, or null when it grants none. */
export function grantedIpv4(msg: BindingAck): Ipv4Grant | null {
  const reply = findOption(msg.options, MH_OPTION.IPV4_HOA_REPLY);
  if (reply === undefined || reply.status !== 0 || reply.address === '0.0.0.0') return null;
  const router = findOption(msg.options, MH_OPTION.IPV4_DEFAULT_ROUTER);
  const mode = findOption(msg.options, MH_OPTION.IPV4_DHCP_SUPPORT_MODE);
  return { address: reply.address, prefixLength: reply.prefixLength, router: router?.address ?? '', ...(mode !== undefined ? { dhcpServer: mode.S } : {}) };
}
