// The domain file's DHCPv4 setting (RFC 5844 §3.2.3.2, §3.3.4):
//   ipv4Dhcp: server | relay        (absent: the MAGs serve, and the LMA sends no option 39)
//   ipv4DhcpServer: 192.0.2.1       (relay: where the MAGs relay to)
// With it, the LMA puts an IPv4 DHCP Support Mode option (S = 1 for server) in every PBA that
// grants an IPv4 HoA; a MAG follows the option, or this setting when a PBA has none.
import type { YamlReader } from '../../harness/yaml-located.js';
import { parseIpv4 } from '../../wire/index.js';

export const IPV4_DHCP_FIELDS = ['ipv4Dhcp', 'ipv4DhcpServer'] as const;

export interface Ipv4DhcpSettings {
  /** What the MAG is toward an MN whose PBA says nothing. */
  mode: 'server' | 'relay';
  /** The domain file names the mode: the LMA announces it in option 39. */
  announce: boolean;
  /** relay: the DHCPv4 server the MAGs relay to. */
  server: string | null;
}

export function readIpv4Dhcp(r: YamlReader): Ipv4DhcpSettings {
  const announce = r.raw(['ipv4Dhcp']) !== undefined;
  const mode = r.oneOf(['ipv4Dhcp'], ['server', 'relay'] as const, 'server');
  const text = r.str(['ipv4DhcpServer'], undefined);
  if (mode === 'relay' && text === undefined) r.fail(['ipv4Dhcp'], 'relay needs ipv4DhcpServer: the IPv4 address the MAGs relay to');
  if (mode === 'server' && text !== undefined) r.fail(['ipv4DhcpServer'], 'is only read with ipv4Dhcp: relay');
  const server = text === undefined ? null : r.parsed(['ipv4DhcpServer'], text, (t) => { parseIpv4(t); return t; });
  return { mode, announce, server };
}
