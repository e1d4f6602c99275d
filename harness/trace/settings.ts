// The domain settings as a user names them: the `analyze` option that gives each one, and what a
// check says when its verdict hangs on a setting the capture does not show (only defaulted).
import type { DomainSettings, SettingProvenance, Trace } from './index.js';

/** The `analyze` option that gives each setting, and what the setting is in words. */
export const SETTING_OPTIONS: Record<keyof DomainSettings, { option: string; what: string }> = {
  timestampMode: { option: '--timestamp-mode on|off', what: 'whether the domain uses timestamps (TimestampBasedApproachInUse)' },
  fixedMagLinkLocal: { option: '--fixed-ll ADDR|none', what: 'FixedMAGLinkLocalAddressOnAllAccessLinks' },
  fixedMagLinkLayer: { option: '--fixed-mac MAC|none', what: 'FixedMAGLinkLayerAddressOnAllAccessLinks' },
  minDelayBeforeBceDeleteMs: { option: '--min-delay-bce MS', what: "the LMA's MinDelayBeforeBCEDelete" },
  maxDelayBeforeNewBceAssignMs: { option: '--max-delay-new-bce MS', what: "the LMA's MaxDelayBeforeNewBCEAssign" },
  timestampValidityWindowMs: { option: '--timestamp-validity-window MS', what: "the LMA's TimestampValidityWindow" },
  enableMagLocalRouting: { option: '--mag-local-routing on|off', what: 'EnableMAGLocalRouting' },
  accessTechnologies: { option: '--access-technology N[,N...]', what: 'the access technology in use' },
  clockToleranceMs: { option: '--clock-tolerance MS', what: "how far the capture host's clock may be from the MAGs' and LMAs'" },
  maxLinkMtu: { option: '--link-mtu N', what: 'the MTU of the MAG-LMA path' },
  unentitledMns: { option: '(no option)', what: 'the MNs not entitled to PMIPv6' },
  heartbeatIntervalMs: { option: '--heartbeat-interval S', what: 'the Heartbeat interval of MAGs and LMAs (HEARTBEAT_INTERVAL)' },
};

/** The setting came from the user, the testbed or the capture, not from a default. */
export function settingKnown(t: Trace, key: keyof DomainSettings): boolean {
  return t.provenance[key].source !== 'default';
}

/** Why an instance is not judged: "depends on X, which the capture does not show: give --x". */
export function unknownSetting(key: keyof DomainSettings, detail?: string): string {
  const s = SETTING_OPTIONS[key];
  return `depends on ${s.what}, which the capture does not show${detail ? ` (${detail})` : ''}: give ${s.option.split(' ')[0]}`;
}

/** "given", "inferred from acc1#1 (link type of acc1: IEEE 802.11 radiotap)", "default". */
export function provenanceText(p: SettingProvenance): string {
  if (p.source !== 'inferred') return p.source;
  const frames = p.frames.map((f) => `${f.point}#${f.frame}`).join(', ');
  return `inferred${frames ? ` from ${frames}` : ''}${p.how ? ` (${p.how})` : ''}`;
}

// ---------------------------------------------------------------------------------------------
// Access technology (the ATT option, RFC 5213 §8.5 and the IANA registry) by capture link type

/**
 * pcap LINKTYPE_* -> the ATT values it allows and the link type's name. Only link types that say
 * what the access link is. Ethernet allows 1 too: a virtual interface (veth, tap) captures as
 * Ethernet; so does a WLAN interface not in monitor mode, which is why such an inference is named
 * in every verdict resting on it.
 */
const ATT_OF_LINK_TYPE = new Map<number, { atts: number[]; name: string }>([
  [1, { atts: [3, 1], name: 'Ethernet' }],
  [9, { atts: [2], name: 'PPP' }], [50, { atts: [2], name: 'PPP in HDLC framing' }], [51, { atts: [2], name: 'PPPoE' }],
  [105, { atts: [4], name: 'IEEE 802.11' }], [119, { atts: [4], name: 'IEEE 802.11 Prism' }], [127, { atts: [4], name: 'IEEE 802.11 radiotap' }],
  [163, { atts: [4], name: 'IEEE 802.11 AVS' }], [192, { atts: [4], name: 'IEEE 802.11 PPI' }],
]);

/** The access technologies a capture's link type allows, if it says. */
export function accessTechnologyOfLinkType(linkType: number): { atts: number[]; name: string } | undefined {
  return ATT_OF_LINK_TYPE.get(linkType);
}

/** Link types that are wireless access links by themselves (a capture on one is an access capture). */
export function isWirelessLinkType(linkType: number): boolean {
  return accessTechnologyOfLinkType(linkType)?.atts[0] === 4;
}
