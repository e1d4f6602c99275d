// OAI PMIPv6's configuration written from the topology: mip6d's UMIP grammar (MAG: `NodeConfig
// MAG;` + `ProxyMipMag`, LMA: `NodeConfig HA;` + `ProxyMipLma` with the MAG list ended by 0::0)
// and the MN authorisation file it reads from the fixed path /etc/pmip/mac-mapping.auth.
import { decodeOptions, type MnIdentifierOption, type MobilityOption } from '../../../wire/mh-options.js';
import { nodesOfKind, type Topology } from '../../topology/model.js';
import type { OaiOptions } from '../oai-pmipv6-options.js';
import type { IutMnVars, IutVars } from '../vars.js';

/** Where mip6d looks for the MNs it may serve (hard-coded in pmip_hnp_cache.c). */
export const MAC_MAPPING_PATH = '/etc/pmip/mac-mapping.auth';

/** RFC 5213 §9.1 defaults, which are also OAI's own. */
const DEFAULTS = { lifetimeS: 40, minDelayBeforeBceDeleteMs: 10000, maxDelayBeforeNewBceAssignMs: 1500, timestampValidityWindowMs: 300, retransmissionTimeoutMs: 1000, maxRetransmissions: 5, debugLevel: 10 };

/** The AP syslog messages OAI's MAG takes as (de)association of the MAC that follows them. */
export const AP_SYSLOG = {
  associated: 'pmip-testbed AP: associated ',
  deauthenticated: 'pmip-testbed AP: deauthenticated ',
} as const;

const hex2 = (n: number): string => n.toString(16).padStart(2, '0');

function macBytes(mac: string): number[] {
  return mac.split(':').map((x) => parseInt(x, 16));
}

/** The 16 octets of an IPv6 address or prefix as 32 hex digits (the mapping file's first column). */
function addressHex(address: string): string {
  const [head, tail] = address.split('/')[0]!.split('::') as [string, string | undefined];
  const words = (s: string | undefined) => (s === undefined || s === '' ? [] : s.split(':').map((w) => parseInt(w, 16)));
  const h = words(head);
  const t = words(tail);
  const all = tail === undefined ? h : [...h, ...new Array<number>(8 - h.length - t.length).fill(0), ...t];
  return all.map((w) => w.toString(16).padStart(4, '0')).join('');
}

/**
 * The MN identifier OAI's MAG puts in its PBU: the MN-ID option (subtype 1, NAI) holds 8 raw
 * octets, two zeros and the MAC it read back from the RS source's EUI-64 interface identifier
 * (pmip_msgs.c mh_send_pbu, mn_hw_address), not an NAI. Given as the text the testbed's decoder
 * (and so pmipd's LMA policy) reads it as: an LMA that is to serve an OAI MAG must know the MN by it.
 */
export function oaiMnIdentifier(mac: string): string {
  const opt = Uint8Array.from([8, 9, 1, 0, 0, ...macBytes(mac)]);
  const out: MobilityOption[] = [];
  decodeOptions(opt, 0, 0, opt.length, out);
  return (out[0] as MnIdentifierOption).id;
}

/** One line per MN: its home network prefix (32 hex digits), then 0000 and its MAC (16 hex digits). */
export function macMappingFile(mns: readonly IutMnVars[]): string {
  const lines = mns.map((mn) => `${addressHex(mn.hnp)} 0000${macBytes(mn.mac).map(hex2).join('')}`);
  return `# written by pmip-testbed for OAI PMIPv6 (${MAC_MAPPING_PATH}): HNP, then 0000 and the MAC\n${lines.join('\n')}\n`;
}

const onOff = (b: boolean): string => (b ? 'enabled' : 'disabled');

function common(kind: 'MAG' | 'HA', debugLevel: number): string[] {
  return [
    `NodeConfig ${kind};`,
    // > 0: mip6d stays in the foreground and its dbg() lines go to stderr (the log file).
    `DebugLevel ${debugLevel};`,
    'DoRouteOptimizationCN disabled;',
    'DoRouteOptimizationMN disabled;',
    'UseMnHaIPsec disabled;',
    'KeyMngMobCapability disabled;',
    '',
  ];
}

function opt<K extends keyof typeof DEFAULTS>(o: OaiOptions, k: K): number {
  return (o[k] as number | undefined) ?? DEFAULTS[k];
}

/** The access-link address of each MAG of the topology (MagAddressIngress in the LMA's list). */
function magIngress(t: Topology, magId: string): string | undefined {
  return t.nodes[magId]?.interfaces.find((i) => i.role === 'access' && i.address)?.address;
}

export function magConfig(vars: IutVars, o: OaiOptions): string {
  const access = vars.access[0];
  const egress = vars.transport[0];
  if (access?.address == null) throw new Error(`MAG ${vars.node.id} has no access link with an address (OAI finds its access device by MagAddressIngress)`);
  if (egress?.address == null) throw new Error(`MAG ${vars.node.id} has no transport link with an address`);
  if (vars.lma?.address == null) throw new Error('the topology has no LMA with an address');
  return [
    ...common('MAG', opt(o, 'debugLevel')),
    `ProxyMipMag "${vars.node.id}" {`,
    `    RFC5213TimestampBasedApproachInUse ${onOff(o.timestamps ?? true)};`,
    '    RFC5213MobileNodeGeneratedTimestampInUse disabled;',
    // RFC5213FixedMAGLinkLocal/LinkLayerAddressOnAllAccessLinks are parsed but never used by
    // mip6d 0.4 (its RAs leave from the access device's own link-local address): not written.
    '    RFC5213EnableMAGLocalRouting disabled;',
    `    LmaPmipNetworkAddress ${vars.lma.address};`,
    `    MagAddressIngress ${access.address};`,
    `    MagAddressEgress ${egress.address};`,
    `    MagDeviceIngress "${access.name}";`,
    `    MagDeviceEgress "${egress.name}";`,
    `    PBULifeTime ${opt(o, 'lifetimeS') * 1000};`,
    `    RetransmissionTimeOut ${opt(o, 'retransmissionTimeoutMs')};`,
    `    MaxMessageRetransmissions ${opt(o, 'maxRetransmissions')};`,
    '    TunnelingEnabled enabled;',
    '    DynamicTunnelingEnabled disabled;',
    // The MAG's capture thread strstr()s every non-RS frame for these (AP syslog lines on UDP
    // 514 announcing (de)association); left unset they are NULL and the first such frame (a DAD
    // NS) kills mip6d with SIGSEGV. The testbed's APs send no syslog: strings no frame holds.
    `    PcapSyslogAssociationGrepString "${AP_SYSLOG.associated}";`,
    `    PcapSyslogDeAssociationGrepString "${AP_SYSLOG.deauthenticated}";`,
    '}',
    '',
  ].join('\n');
}

export function lmaConfig(vars: IutVars, t: Topology, o: OaiOptions): string {
  const pmip = vars.transport.find((i) => i.address !== null && i.address === vars.node.address) ?? vars.transport[0];
  if (pmip?.address == null) throw new Error(`LMA ${vars.node.id} has no transport link with an address`);
  const core = vars.transport.find((i) => i !== pmip && i.address !== null) ?? pmip;
  const mags = nodesOfKind(t, 'mag').flatMap((m) => {
    const egress = vars.mags.find((x) => x.id === m.id)?.address;
    return egress == null ? [] : [`    MagAddressIngress ${magIngress(t, m.id) ?? egress};`, `    MagAddressEgress ${egress};`];
  });
  return [
    ...common('HA', opt(o, 'debugLevel')),
    `ProxyMipLma "${vars.node.id}" {`,
    `    RFC5213TimestampBasedApproachInUse ${onOff(o.timestamps ?? true)};`,
    '    RFC5213MobileNodeGeneratedTimestampInUse disabled;',
    `    RFC5213MinDelayBeforeBCEDelete ${opt(o, 'minDelayBeforeBceDeleteMs')};`,
    `    RFC5213MaxDelayBeforeNewBCEAssign ${opt(o, 'maxDelayBeforeNewBceAssignMs')};`,
    `    RFC5213TimestampValidityWindow ${opt(o, 'timestampValidityWindowMs')};`,
    `    LmaPmipNetworkAddress ${pmip.address};`,
    `    LmaPmipNetworkDevice "${pmip.name}";`,
    `    LmaCoreNetworkAddress ${core.address};`,
    `    LmaCoreNetworkDevice "${core.name}";`,
    `    RetransmissionTimeOut ${opt(o, 'retransmissionTimeoutMs')};`,
    `    MaxMessageRetransmissions ${opt(o, 'maxRetransmissions')};`,
    '    TunnelingEnabled enabled;',
    '    DynamicTunnelingEnabled disabled;',
    // The MAG list: an Ingress line before its Egress line, ended by a 0::0 pair.
    ...mags,
    '    MagAddressIngress 0::0;',
    '    MagAddressEgress 0::0;',
    '}',
    '',
  ].join('\n');
}
