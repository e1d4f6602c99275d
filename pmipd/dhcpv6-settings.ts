// The address-configuration part of the domain file (RFC 5213 §6.11):
//   addressConfig: slaac | dhcpv6     (default slaac)
//   dhcpv6Server: 2001:db8:2::2       (dhcpv6: where every MAG's relay agent sends Relay-Forwards)
// With dhcpv6 the MAGs advertise M = 1 and PIOs with A = 0, and relay the MNs' DHCPv6 messages.
import { canonicalAddress } from '../wire/index.js';
import type { YamlReader } from '../harness/yaml-located.js';

export const DHCPV6_FIELDS = ['addressConfig', 'dhcpv6Server'] as const;

export interface Dhcpv6Settings {
  /** The DHCPv6 server (or next relay) the MAGs forward to. */
  server: string;
}

/** null: stateless autoconfiguration (the RFC's default on a PMIPv6 access link). */
export function readDhcpv6(r: YamlReader): Dhcpv6Settings | null {
  const mode = r.oneOf(['addressConfig'], ['slaac', 'dhcpv6'] as const, 'slaac');
  const text = r.str(['dhcpv6Server'], undefined);
  if (mode === 'slaac') {
    if (text !== undefined) r.fail(['dhcpv6Server'], 'is only read with addressConfig: dhcpv6');
    return null;
  }
  if (text === undefined) r.fail(['addressConfig'], 'dhcpv6 needs dhcpv6Server: the address the MAGs relay to');
  const server = r.parsed(['dhcpv6Server'], text!, (t) => {
    try { return canonicalAddress(t); } catch { throw new Error(`"${t}" is not an IPv6 address`); }
  });
  return { server };
}
