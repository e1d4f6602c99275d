// The domain file's RFC 5844 settings: lma.ipv4Pool, and per mobile node `ipv4` (none, dynamic or
// a fixed a.b.c.d/len) and `ipv6` (false: an IPv4-only MN, no HNP service).
import type { FieldPath, YamlReader } from '../../harness/yaml-located.js';
import { parseIpv4Prefix, type Ipv4Entitlement, type Ipv4Prefix } from './addresses.js';

export const MN_IPV4_FIELDS = ['ipv4', 'ipv6'] as const;

export function readIpv4Pool(r: YamlReader, path: FieldPath): Ipv4Prefix | null {
  const text = r.str(path, undefined);
  if (text === undefined) return null;
  const p = r.parsed(path, text, parseIpv4Prefix);
  if (p.length > 30) r.fail(path, `${text} leaves no host address besides the default router`);
  return p;
}

export function readMnIpv4(r: YamlReader, path: FieldPath): { ipv4: Ipv4Entitlement; ipv6: boolean } {
  const text = r.str([...path, 'ipv4'], 'none')!;
  const ipv4: Ipv4Entitlement = text === 'none' ? { kind: 'none' } : text === 'dynamic' ? { kind: 'dynamic' }
    : { kind: 'static', prefix: r.parsed([...path, 'ipv4'], text, (t) => {
      try { return parseIpv4Prefix(t); } catch { throw new Error(`"${t}" is not none, dynamic or an IPv4 address with its prefix length (10.64.1.7/24)`); }
    }) };
  const ipv6 = r.bool([...path, 'ipv6'], true);
  if (!ipv6 && ipv4.kind === 'none') r.fail([...path, 'ipv6'], 'an MN without IPv6 needs IPv4 service (ipv4: dynamic or an address)');
  return { ipv4, ipv6 };
}
