// The PMIPv6 domain file both roles read (one YAML: the LMA, its MAGs, the mobile nodes and the
// timers), validated with file:line errors. The testbed adapter generates it from a topology.
import { canonicalAddress, formatMac, parseMac, parsePrefix, type Prefix } from '../wire/index.js';
import { YamlReader, YamlSource, type FieldPath } from '../harness/yaml-located.js';
import { IPSEC_FIELDS, readIpsec, type IpsecSettings } from './ipsec/settings.js';
import { DHCPV6_FIELDS, readDhcpv6, type Dhcpv6Settings } from './dhcpv6-settings.js';
import { IPV4_DHCP_FIELDS, readIpv4Dhcp, type Ipv4DhcpSettings } from './ipv4/dhcp-settings.js';
import { MN_IPV4_FIELDS, readIpv4Pool, readMnIpv4 } from './ipv4/config.js';
import type { Ipv4Entitlement, Ipv4Prefix } from './ipv4/addresses.js';
import { OFFLOAD_FIELDS, readOffload, type OffloadSettings } from './offload-settings.js';
import { IPV4_TRANSPORT_FIELD, readIpv4Transport, type Ipv4TransportSettings } from './ipv4/transport.js';

export type DataplaneKind = 'auto' | 'ip6tnl' | 'seg6' | 'tun' | 'none';

export interface MobileNodePolicy {
  /** NAI (MN Identifier subtype 1). */
  nai: string;
  /** Lower-case colon hex; how a MAG recognises the MN on its access link. */
  mac?: string;
  /** Fixed home network prefixes; when empty the LMA allocates from the pool. */
  prefixes: Prefix[];
  /** false: known but not entitled to network-based mobility (status 152). */
  proxyMobility: boolean;
  /** MAG names allowed to register it; empty = every MAG of the domain. */
  mags: string[];
  /** RFC 5844 IPv4 home address service (absent: none). */
  ipv4?: Ipv4Entitlement;
  /** false: IPv4-only, no HNP service (RFC 5844 status 172); absent: true. */
  ipv6?: boolean;
}

export interface MagEntry {
  name: string;
  /** Proxy-CoA: the source of its PBUs. */
  address: string;
  transportInterface: string;
  accessInterfaces: string[];
}

export interface LmaSettings {
  name: string;
  /** LMAA. */
  address: string;
  transportInterface: string;
  prefixPool: Prefix[];
  /** Length of each allocated HNP. */
  hnpLength: number;
  /** Longest lifetime granted, seconds. */
  maxLifetime: number;
  minDelayBeforeBCEDelete: number;
  maxDelayBeforeNewBCEAssign: number;
  timestampValidityWindow: number;
  /** RFC 5844: the IPv4 home addresses of MNs with `ipv4: dynamic`; null: none. */
  ipv4Pool?: Ipv4Prefix | null;
}

export interface MagSettings {
  /** Requested lifetime, seconds (multiple of 4). */
  lifetime: number;
  accessTechnology: number;
  initialBindackTimeout: number;
  maxBindackTimeout: number;
  /** Share of the granted lifetime after which the binding is refreshed. */
  refreshRatio: number;
  routerAdvertisementInterval: number;
  routerLifetime: number;
  prefixValidLifetime: number;
  prefixPreferredLifetime: number;
  /** Probe the MN with a unicast NS before each refresh and each retransmission (RFC 5213 §6.13, §6.9.4). */
  presenceProbe: boolean;
  /** Probe an attached MN this often (ms) to notice that it left; 0: only before refreshes. */
  presenceInterval: number;
  /**
   * A directory the MAGs of one access network share: each records which MAG an MN was last
   * registered at, standing in for the access network's layer-2 handover indication. With it a
   * MAG can tell a handover (HI 3) from a first attachment (HI 1).
   */
  accessNetworkStateDir: string | null;
}

/** RFC 5847 (HB): absent from the domain file = Heartbeat off (the RFC makes it optional). */
export interface HeartbeatSettings {
  /** HEARTBEAT_INTERVAL, ms; the RFC wants 30-3600 s, a test domain may go down to 1 s. */
  intervalMs: number;
  /** MISSING_HEARTBEATS_ALLOWED. */
  missingAllowed: number;
  /** What an unreachable peer's bindings become: kept (logged only) or dropped. */
  onUnreachable: 'keep' | 'drop-bindings';
}

/** RFC 5847 §5 defaults. */
export const HEARTBEAT_DEFAULTS = { intervalS: 60, missingAllowed: 3 } as const;
/** RFC 5847 §5: the interval SHOULD NOT be shorter. */
export const RFC_MIN_HEARTBEAT_INTERVAL_S = 30;

export interface DomainConfig {
  file: string;
  /** RFC 5847 Heartbeat between MAGs and LMA; null = off. */
  heartbeat: HeartbeatSettings | null;
  /** RFC 5846 Binding Revocation (off: BRIs get Binding Error 2, nothing is revoked). */
  revocation: boolean;
  /** RFC 7077 Update Notifications (off: UPNs get Binding Error 2). */
  updateNotifications: boolean;
  /** TimestampBasedApproachInUse (RFC 5213 §9.3). */
  timestamps: boolean;
  /** RFC 6543 fixed MAG link-local and link-layer addresses on every access link. */
  fixedMagAddresses: boolean;
  dataplane: DataplaneKind;
  lma: LmaSettings;
  mag: MagSettings;
  mags: MagEntry[];
  mobileNodes: MobileNodePolicy[];
  /** ESP protection of the signalling (RFC 5213 §4). */
  ipsec: IpsecSettings;
  /** RFC 5845 GRE keys: GRE Key options in PBU/PBA and GRE-in-IPv6 with a key per session and direction. */
  greKeys: boolean;
  /** Stateful address configuration through the MAGs' DHCPv6 relay (RFC 5213 §6.11); null: SLAAC. */
  dhcpv6: Dhcpv6Settings | null;
  /** RFC 5844 §3.2.3.2: the MAGs as DHCPv4 server or relay for IPv4 MNs, and whether the LMA says so (option 39). */
  ipv4Dhcp: Ipv4DhcpSettings;
  /** RFC 6909 selective IPv4 traffic offload at the MAGs with a breakout link; null: none. */
  offload: OffloadSettings | null;
  /** RFC 5844 §4: signalling in IPv4/UDP 5436 and data in IPv4 between IPv4 addresses; null: IPv6 transport. */
  ipv4Transport: Ipv4TransportSettings | null;
}

/** RFC 6543 §3. */
export const FIXED_MAG_LINK_LOCAL = 'fe80::200:5eff:fe00:5213';
export const FIXED_MAG_MAC = '00:00:5e:00:52:13';

const address = (r: YamlReader, path: FieldPath): string => {
  const text = r.str(path);
  return r.parsed(path, text, (t) => {
    try { return canonicalAddress(t); } catch { throw new Error(`"${t}" is not an IPv6 address`); }
  });
};

function readLma(r: YamlReader): LmaSettings {
  const p = ['lma'];
  r.map(p, ['name', 'address', 'transportInterface', 'prefixPool', 'hnpLength', 'maxLifetime',
    'minDelayBeforeBCEDelete', 'maxDelayBeforeNewBCEAssign', 'timestampValidityWindow', 'ipv4Pool']);
  const hnpLength = r.int([...p, 'hnpLength'], 64, 1, 64);
  const prefixPool = r.strings([...p, 'prefixPool'], true).map((t, i) => {
    const pre = r.parsed([...p, 'prefixPool', i], t, parsePrefix);
    if (pre.length > hnpLength) r.fail([...p, 'prefixPool', i], `${pre.text} is longer than hnpLength ${hnpLength}`);
    return pre;
  });
  return {
    name: r.str([...p, 'name'], 'lma'),
    address: address(r, [...p, 'address']),
    transportInterface: r.str([...p, 'transportInterface'], 'eth0'),
    prefixPool,
    hnpLength,
    maxLifetime: r.int([...p, 'maxLifetime'], 65532, 4, 262140),
    minDelayBeforeBCEDelete: r.int([...p, 'minDelayBeforeBCEDelete'], 10000, 0, 3_600_000),
    maxDelayBeforeNewBCEAssign: r.int([...p, 'maxDelayBeforeNewBCEAssign'], 1500, 0, 60_000),
    timestampValidityWindow: r.int([...p, 'timestampValidityWindow'], 300, 1, 3_600_000),
    ipv4Pool: readIpv4Pool(r, [...p, 'ipv4Pool']),
  };
}

function readMagSettings(r: YamlReader): MagSettings {
  const p = ['mag'];
  r.map(p, ['lifetime', 'accessTechnology', 'initialBindackTimeout', 'maxBindackTimeout', 'refreshRatio',
    'routerAdvertisementInterval', 'routerLifetime', 'prefixValidLifetime', 'prefixPreferredLifetime', 'presenceProbe',
    'presenceInterval', 'accessNetworkStateDir'], false);
  const lifetime = r.int([...p, 'lifetime'], 3600, 4, 262140);
  if (lifetime % 4 !== 0) r.fail([...p, 'lifetime'], `must be a multiple of 4 s (the PBU carries 4-second units), not ${lifetime}`);
  const ratio = Number(r.raw([...p, 'refreshRatio']) ?? 0.8);
  if (!(ratio > 0 && ratio < 1)) r.fail([...p, 'refreshRatio'], 'must be a number between 0 and 1 (exclusive)');
  const valid = r.int([...p, 'prefixValidLifetime'], 86400, 0, 0xffffffff);
  const preferred = r.int([...p, 'prefixPreferredLifetime'], 14400, 0, 0xffffffff);
  if (preferred > valid) r.fail([...p, 'prefixPreferredLifetime'], `must not exceed prefixValidLifetime (${valid})`);
  return {
    lifetime,
    accessTechnology: r.int([...p, 'accessTechnology'], 3, 1, 255),
    initialBindackTimeout: r.int([...p, 'initialBindackTimeout'], 1000, 10, 60_000),
    maxBindackTimeout: r.int([...p, 'maxBindackTimeout'], 32000, 10, 600_000),
    refreshRatio: ratio,
    routerAdvertisementInterval: r.int([...p, 'routerAdvertisementInterval'], 10000, 50, 1_800_000),
    routerLifetime: r.int([...p, 'routerLifetime'], 1800, 0, 9000),
    prefixValidLifetime: valid,
    prefixPreferredLifetime: preferred,
    presenceProbe: r.bool([...p, 'presenceProbe'], true),
    presenceInterval: r.int([...p, 'presenceInterval'], 1000, 0, 3_600_000),
    accessNetworkStateDir: r.str([...p, 'accessNetworkStateDir'], undefined) ?? null,
  };
}

function readMags(r: YamlReader): MagEntry[] {
  const n = r.list(['mags']);
  const mags: MagEntry[] = [];
  for (let i = 0; i < n; i++) {
    const p = ['mags', i];
    r.map(p, ['name', 'address', 'transportInterface', 'accessInterfaces']);
    const name = r.str([...p, 'name']);
    if (mags.some((m) => m.name === name)) r.fail([...p, 'name'], `duplicate MAG name "${name}"`);
    const addr = address(r, [...p, 'address']);
    if (mags.some((m) => m.address === addr)) r.fail([...p, 'address'], `${addr} is already the address of another MAG`);
    mags.push({
      name, address: addr,
      transportInterface: r.str([...p, 'transportInterface'], 'eth0'),
      accessInterfaces: r.strings([...p, 'accessInterfaces'], true),
    });
  }
  return mags;
}

function readMobileNodes(r: YamlReader, mags: MagEntry[]): MobileNodePolicy[] {
  const n = r.list(['mobileNodes'], false);
  const out: MobileNodePolicy[] = [];
  const nais = new Set<string>();
  const macs = new Set<string>();
  for (let i = 0; i < n; i++) {
    const p = ['mobileNodes', i];
    r.map(p, ['nai', 'mac', 'prefixes', 'proxyMobility', 'mags', ...MN_IPV4_FIELDS]);
    const nai = r.str([...p, 'nai']);
    if (nais.has(nai)) r.fail([...p, 'nai'], `duplicate NAI "${nai}"`);
    nais.add(nai);
    const macText = r.str([...p, 'mac'], undefined);
    const mac = macText === undefined ? undefined : r.parsed([...p, 'mac'], macText, (t) => {
      const b = parseMac(t);
      if (b.length !== 6) throw new Error(`"${t}" is not a 6-octet MAC address`);
      return formatMac(b, 0);
    });
    if (mac !== undefined && macs.has(mac)) r.fail([...p, 'mac'], `MAC ${mac} is already used by another MN`);
    if (mac !== undefined) macs.add(mac);
    const magNames = r.strings([...p, 'mags']);
    magNames.forEach((m, j) => { if (!mags.some((x) => x.name === m)) r.fail([...p, 'mags', j], `no MAG named "${m}" in mags`); });
    out.push({
      nai, ...(mac !== undefined ? { mac } : {}),
      prefixes: r.strings([...p, 'prefixes']).map((t, j) => r.parsed([...p, 'prefixes', j], t, parsePrefix)),
      proxyMobility: r.bool([...p, 'proxyMobility'], true),
      mags: magNames,
      ...readMnIpv4(r, p),
    });
  }
  return out;
}

function readHeartbeat(r: YamlReader): HeartbeatSettings | null {
  const p = ['heartbeat'];
  if (r.raw(p) === undefined || r.raw(p) === null) return null;
  r.map(p, ['interval', 'missingAllowed', 'onUnreachable']);
  return {
    intervalMs: r.int([...p, 'interval'], HEARTBEAT_DEFAULTS.intervalS, 1, 3600) * 1000,
    missingAllowed: r.int([...p, 'missingAllowed'], HEARTBEAT_DEFAULTS.missingAllowed, 1, 100),
    onUnreachable: r.oneOf([...p, 'onUnreachable'], ['keep', 'drop-bindings'] as const, 'keep'),
  };
}

export function readDomainConfig(src: YamlSource): DomainConfig {
  const r = new YamlReader(src);
  r.map([], ['timestamps', 'fixedMagAddresses', 'dataplane', 'lma', 'mag', 'mags', 'mobileNodes', 'heartbeat', 'revocation', 'updateNotifications', ...IPSEC_FIELDS, 'greKeys', ...DHCPV6_FIELDS, ...IPV4_DHCP_FIELDS, ...OFFLOAD_FIELDS, IPV4_TRANSPORT_FIELD]);
  const mags = readMags(r);
  return {
    file: src.file,
    heartbeat: readHeartbeat(r),
    revocation: r.bool(['revocation'], false),
    updateNotifications: r.bool(['updateNotifications'], false),
    timestamps: r.bool(['timestamps'], true),
    fixedMagAddresses: r.bool(['fixedMagAddresses'], false),
    dataplane: r.oneOf(['dataplane'], ['auto', 'ip6tnl', 'seg6', 'tun', 'none'] as const, 'auto'),
    lma: readLma(r),
    mag: readMagSettings(r),
    mags,
    mobileNodes: readMobileNodes(r, mags),
    ipsec: readIpsec(r, mags.map((m) => m.name)),
    greKeys: readGreKeys(r),
    dhcpv6: readDhcpv6(r),
    ipv4Dhcp: readIpv4Dhcp(r),
    offload: readOffload(r),
    ipv4Transport: readIpv4TransportChecked(r, mags),
  };
}

/** Only the tun back-end carries an IPv4 transport, and GRE over it is not built. */
function readIpv4TransportChecked(r: YamlReader, mags: MagEntry[]): Ipv4TransportSettings | null {
  const t = readIpv4Transport(r, mags.map((m) => m.name));
  if (t === null) return null;
  const dp = r.raw(['dataplane']);
  if (dp === 'ip6tnl' || dp === 'seg6') r.fail(['dataplane'], `the ${dp} data plane cannot tunnel over an IPv4 transport (ipv4Transport): use auto or tun`);
  if (r.raw(['greKeys']) === true) r.fail(['greKeys'], 'GRE keys over an IPv4 transport (ipv4Transport) are not built');
  return t;
}

/** `greKeys: true` needs a data plane that can do GRE: seg6 cannot. */
function readGreKeys(r: YamlReader): boolean {
  const on = r.bool(['greKeys'], false);
  if (on && r.raw(['dataplane']) === 'seg6') r.fail(['greKeys'], 'the seg6 data plane cannot encapsulate in GRE: use dataplane auto, ip6tnl (with ip6gre) or tun');
  return on;
}

export function loadDomainConfig(file: string): DomainConfig {
  return readDomainConfig(YamlSource.fromFile(file));
}
