// Deliberate deviations: each quirk breaks one behaviour the conformance checks judge, so the
// harness can prove every check fails when it should. A quirk is consulted at exactly the place
// its behaviour lives (grep for its name); the IDs are those of the RFC 5213 catalog.

export interface QuirkInfo {
  /** 'both': a deviation of the whole domain (both ends of the signalling must share it). */
  role: 'lma' | 'mag' | 'both';
  /** Catalog requirement IDs the deviation breaks. */
  breaks: readonly string[];
  does: string;
}

export const QUIRKS = {
  // MAG: PBU construction
  'omit-timestamp': { role: 'mag', breaks: ['MAG-PBU-11', 'MAG-RTX-04'], does: 'PBUs carry no Timestamp option although the domain uses timestamps' },
  'att-zero': { role: 'mag', breaks: ['MAG-PBU-10'], does: 'the Access Technology Type option says 0 (reserved) instead of 3 (IEEE 802.3)' },
  'hi-3-on-attach': { role: 'mag', breaks: ['MAG-PBU-09'], does: 'a first attachment is signalled with Handoff Indicator 3 instead of 1' },
  'no-mn-ll-id': { role: 'mag', breaks: ['MAG-PBU-14'], does: 'the MN Link-layer Identifier option is left out although the MAC is known' },
  'refresh-with-zero-hnp': { role: 'mag', breaks: ['REREG-03'], does: 'refresh PBUs ask for ::/0 instead of listing the assigned prefixes' },
  'refresh-hi-1': { role: 'mag', breaks: ['REREG-04'], does: 'refresh PBUs carry Handoff Indicator 1 instead of 5' },
  'dereg-hi-1': { role: 'mag', breaks: ['DEREG-03'], does: 'de-registration PBUs carry Handoff Indicator 1 instead of 4' },
  'unaligned-options': { role: 'mag', breaks: ['MH-10', 'MH-11'], does: 'PBU options are packed without alignment padding (only the final pad to 8 octets)' },
  // MAG: timers
  'no-retransmit': { role: 'mag', breaks: ['MAG-RTX-01', 'MAG-RTX-02', 'MAG-RTX-03'], does: 'an unanswered PBU is never sent again' },
  'no-backoff': { role: 'mag', breaks: ['MAG-RTX-03'], does: 'retransmissions repeat every INITIAL_BINDACK_TIMEOUT instead of doubling' },
  'no-refresh': { role: 'mag', breaks: ['REREG-01'], does: 'the binding is never refreshed before its lifetime ends' },
  'no-dereg': { role: 'mag', breaks: ['DEREG-01', 'REREG-06'], does: 'no de-registration PBU when the MN leaves; local state is dropped silently' },
  'dereg-cleanup-late': { role: 'mag', breaks: ['HO-08'], does: 'after an unanswered de-registration the MAG keeps the session for 3 × INITIAL_BINDACK_TIMEOUT instead of 1' },
  // MAG: access link
  'ra-without-hnp': { role: 'mag', breaks: ['RA-02', 'MAG-PBA-05', 'RA-05'], does: 'Router Advertisements carry no Prefix Information option' },
  'ra-zero-router-lifetime': { role: 'mag', breaks: ['RA-01'], does: 'Router Advertisements say router lifetime 0' },
  'ra-no-mtu': { role: 'mag', breaks: ['RA-10', 'RA-11'], does: 'Router Advertisements carry no MTU option' },
  // MAG: tunnel path MTU (cases/chain-mtu), local hosts (FWD-13)
  'tunnel-ignores-ptb': { role: 'mag', breaks: ['FWD-05', 'RA-11'], does: 'a Packet Too Big from a router on the path to the LMA is ignored: the tunnel keeps its MTU, full-size MN packets vanish there and no RA announces the smaller MTU' },
  'local-host-routed-locally': { role: 'mag', breaks: ['FWD-13'], does: 'a regular host\'s packets to an MN on the same MAG are routed straight back onto the access link instead of through the tunnel to the LMA (as with EnableMAGLocalRouting = 1)' },
  // RFC 6909 IPv4 traffic offload (project-local rows X-OFF, harness/catalog/local-requirements.ts)
  'offload-unasked': { role: 'lma', breaks: ['X-OFF-01'], does: 'every accepting PBA carries the IPv4 Traffic Offload Selectors, asked for or not (the de-registration\'s too)' },
  'offload-tunnels-everything': { role: 'mag', breaks: ['X-OFF-02', 'X-OFF-04', 'X-OFF-05'], does: 'the MAG asks for offload and is granted selectors but installs no breakout: matching IPv4 (and IPv6) flows still go through the tunnel' },
  'offload-everything': { role: 'mag', breaks: ['X-OFF-03', 'X-OFF-05'], does: 'the MAG breaks out every IPv4 flow of an MN granted offload (and every IPv6 flow), not only those matching the selectors (prefixes)' },
  'offload-no-nat': { role: 'mag', breaks: ['X-OFF-02', 'X-OFF-04', 'X-OFF-05'], does: 'offloaded flows leave by the breakout link with the MN\'s home address as source: no NAT44/NAT66 to the MAG\'s breakout address' },
  // LMA: PBA construction
  'pba-no-p-flag': { role: 'lma', breaks: ['LMA-PBA-02'], does: 'PBAs have the P flag clear' },
  'wrong-seq-in-pba': { role: 'lma', breaks: ['LMA-PBA-03', 'ORD-02', 'ORD-07'], does: 'the PBA Sequence # is the PBU\'s plus one' },
  'lifetime-in-seconds': { role: 'lma', breaks: ['LMA-PBA-17'], does: 'the granted lifetime is written in seconds instead of 4-second units (so it exceeds the request)' },
  'no-lla': { role: 'lma', breaks: ['LMA-PBA-11', 'LMA-PBA-12'], does: 'PBAs carry no Link-local Address option even when the PBU had one' },
  'pba-no-timestamp': { role: 'lma', breaks: ['LMA-PBA-08', 'ORD-01'], does: 'PBAs carry no Timestamp option even when the PBU had one' },
  'pba-header-len-short': {
    role: 'lma', breaks: ['MH-02', 'MH-03'],
    does: 'the PBA accepting a new binding leaves out its final padding and declares Header Len 8 octets short (as OAI\'s BAs), so its last option runs past the declared end and the MAG must drop it',
  },
  'pba-hi-zero': { role: 'lma', breaks: ['LMA-PBA-05'], does: 'the PBA\'s Handoff Indicator is 0 instead of a copy of the PBU\'s' },
  'dereg-ack-lifetime': { role: 'lma', breaks: ['LMA-PBA-18', 'DEREG-07'], does: 'the PBA accepting a de-registration carries the old lifetime instead of 0' },
  'new-lla-on-handover': { role: 'lma', breaks: ['LMA-PBA-13', 'HO-04', 'DEREG-10'], does: 'a handover gets a freshly made link-local address instead of the stored one' },
  // LMA: binding cache and ordering
  'same-hnp-for-all-mns': { role: 'lma', breaks: ['LMA-BCE-01', 'LMA-BCE-02'], does: 'every new session gets the first prefix of the pool' },
  'accept-unknown-mn': { role: 'lma', breaks: ['LMA-ERR-03'], does: 'an MN-ID missing from the policy store is accepted instead of rejected with 153' },
  'accept-stale-timestamp': { role: 'lma', breaks: ['ORD-05', 'ORD-06', 'HO-13'], does: 'a timestamp older than the last accepted one is not refused with 157' },
  'ignore-timestamp-window': { role: 'lma', breaks: ['ORD-04'], does: 'a timestamp outside TimestampValidityWindow is not refused with 156' },
  'reject-unknown-option': { role: 'lma', breaks: ['MH-09'], does: 'a PBU with an unknown mobility option is rejected with 128 instead of processed' },
  'no-binding-error': { role: 'lma', breaks: ['MH-06', 'LMA-VAL-02'], does: 'an unknown MH type is dropped without a Binding Error' },
  'delete-bce-at-once': { role: 'lma', breaks: ['DEREG-08', 'DEREG-10', 'HO-07', 'HO-03', 'HO-04', 'HO-10', 'LMA-PBA-13', 'LMA-BCE-11'], does: 'an accepted de-registration deletes the BCE at once instead of after MinDelayBeforeBCEDelete' },
  'ack-foreign-dereg': { role: 'lma', breaks: ['DEREG-06', 'HO-06'], does: 'a de-registration from a MAG that no longer holds the binding is accepted and deletes it' },
  // LMA: robustness (found by `pmip-testbed fuzz`, judged by no conformance case)
  'crash-on-oversized-nai': { role: 'lma', breaks: [], does: `the LMA crashes (an uncaught exception ends the daemon) on a PBU whose MN-ID NAI is longer than 128 octets (OVERSIZED_NAI_OCTETS in lma/lma-core.ts)` },
  'downlink-to-old-mag': { role: 'lma', breaks: ['HO-09', 'LMA-BCE-06', 'FWD-02'], does: 'after a handover the prefix route keeps pointing at the previous MAG' },
  // Heartbeat (RFC 5847)
  'hb-request-u-flag': { role: 'mag', breaks: ['HB-01'], does: 'Heartbeat Requests carry U = 1 (only an unsolicited response may)' },
  'hb-wrong-seq': { role: 'lma', breaks: ['HB-02'], does: 'a Heartbeat Response carries the request\'s Sequence # plus one' },
  'hb-without-binding': { role: 'mag', breaks: ['HB-03'], does: 'Heartbeat Requests go on after the last binding with the LMA is gone' },
  'hb-seq-repeats': { role: 'mag', breaks: ['HB-04'], does: 'every Heartbeat Request carries the same Sequence #' },
  'hb-no-restart-counter': { role: 'lma', breaks: ['HB-05'], does: 'Heartbeat Responses carry no Restart Counter option' },
  'hb-ignores-be2': { role: 'lma', breaks: ['HB-06'], does: 'a Binding Error status 2 answering a heartbeat does not stop heartbeats to that peer' },
  'hb-no-unsolicited': { role: 'lma', breaks: ['HB-07'], does: 'after a restart that lost state no unsolicited Heartbeat Response tells the former peers' },
  // Binding Revocation (RFC 5846)
  'bri-no-mn-id': { role: 'lma', breaks: ['BR-01'], does: 'a per-MN BRI sent on operator command (revoke) carries no MN Identifier option' },
  'bri-wrong-dst': { role: 'lma', breaks: ['BR-02'], does: 'a per-MN BRI sent on operator command (revoke) goes to another MAG of the domain instead of the binding\'s Proxy-CoA' },
  'bra-wrong-seq': { role: 'mag', breaks: ['BR-03'], does: 'a BRA carries the BRI\'s Sequence # plus one' },
  'bra-success-while-attached': { role: 'mag', breaks: ['BR-04'], does: 'an inter-MAG-handover BRI is acknowledged with 0 and the session dropped without checking that the MN left' },
  'bri-no-retransmit': { role: 'lma', breaks: ['BR-05'], does: 'an unanswered BRI is never sent again' },
  'bra-stray-answered': { role: 'lma', breaks: ['BR-06'], does: 'a BRA matching no outstanding BRI is answered with a Binding Error instead of dropped' },
  'bri-hi4-no-revoke': { role: 'lma', breaks: ['BR-07'], does: 'a PBU with HI 4 for a session at another MAG waits MaxDelayBeforeNewBCEAssign instead of revoking it there (trigger 4)' },
  'global-bri-trigger-1': { role: 'lma', breaks: ['BR-08'], does: 'a global BRI (G = 1) carries trigger 1 (administrative) instead of 128 (per-peer policy)' },
  // Update Notifications (RFC 7077)
  'upn-both-ids': { role: 'lma', breaks: ['UPN-01'], does: 'a UPN carries an MN Identifier and an MN Group Identifier option, not either' },
  'upn-seq-decreasing': { role: 'lma', breaks: ['UPN-02'], does: 'each new UPN carries the previous Sequence # minus one' },
  'upn-retransmit-d-clear': { role: 'lma', breaks: ['UPN-03'], does: 'a retransmitted UPN has D = 0' },
  'upn-retransmit-thrice': { role: 'lma', breaks: ['UPN-04'], does: 'an unanswered UPN is retransmitted three times instead of once' },
  'upa-no-echo': { role: 'mag', breaks: ['UPN-05'], does: 'a UPA does not copy the MN Identifier or MN Group Identifier option of its UPN' },
  'upn-no-reregistration': { role: 'mag', breaks: ['UPN-06'], does: 'FORCE-REREGISTRATION is acknowledged but no PBU follows' },
  'upn-params-accepted': { role: 'mag', breaks: ['UPN-07'], does: 'UPDATE-SESSION-PARAMETERS it cannot apply is acknowledged with 0 instead of 128' },
  'upn-no-ani': { role: 'mag', breaks: ['UPN-08'], does: 'ANI-PARAMS-REQUESTED is followed by a PBU without the Access Network Identifier option' },
  'upn-duplicate-acted': { role: 'mag', breaks: ['UPN-09'], does: 'a retransmitted UPN (D = 1) already seen is acted on again' },
  'upn-ignores-be2': { role: 'lma', breaks: ['UPN-10'], does: 'a Binding Error 2 answering a UPN does not stop UPNs to that MAG' },
  // IPsec (domain `ipsec: manual | ikev2`; pmipd/ipsec/protect.ts)
  'no-ipsec': { role: 'both', breaks: ['SEC-01', 'LMA-VAL-01'], does: 'the signalling is sent and accepted unprotected although the domain configures IPsec (SEC-04 and the companion rows then have no protected PBU/PBA to match: not applicable)' },
  'accept-unprotected-pbu': { role: 'lma', breaks: ['LMA-VAL-01'], does: 'an allow policy lets Mobility Headers without ESP in at the LMA (its own PBAs stay protected)' },
  'wrong-spi-per-mag': { role: 'lma', breaks: ['SEC-05', 'LMA-PBA-16'], does: 'ipsec: manual: the LMA uses one SA pair (the first MAG\'s SPIs and keys) for every MAG' },
  'spd-pbu-pba-only': {
    role: 'lma', breaks: ['SEC-04', 'LMA-VAL-01', 'HB-09', 'BR-09', 'UPN-11'],
    does: 'ipsec: manual: the LMA\'s SPD selects only MH types 6 out and 5 in (PBA, PBU): its Heartbeats, BRIs, UPNs and Binding Errors travel in clear, and (measured on Debian\'s 6.1 kernel) the type-5 inbound selector did not stop an unprotected PBU either',
  },
  'esp-tunnel-mode': { role: 'both', breaks: ['SEC-02'], does: 'ESP in tunnel mode (an inner IPv6 header) instead of transport mode' },
  // GRE keys (domain `greKeys: true`, RFC 5845; pmipd/gre-keys.ts)
  'pba-no-gre-key': { role: 'lma', breaks: ['GRE-01'], does: 'the PBA accepting a PBU with a GRE Key option carries none (the LMA still uses its uplink key)' },
  'gre-uplink-key-changes': { role: 'lma', breaks: ['GRE-02'], does: 'every accepted refresh or handover gets a new uplink GRE key instead of the session\'s' },
  'gre-keys-swapped-in-data': { role: 'both', breaks: ['GRE-03'], does: 'data packets carry the key of the other direction (MAG to LMA with the downlink key, LMA to MAG with the uplink key)' },
  // DHCPv6 address configuration (domain `addressConfig: dhcpv6`; pmipd/mag/dhcpv6-relay.ts)
  'dhcpv6-no-relay': { role: 'mag', breaks: ['DHCP-01'], does: 'addressConfig: dhcpv6: the MAG advertises M = 1 but relays none of the MN\'s DHCPv6 messages' },
  'dhcpv6-link-address-outside-hnp': { role: 'mag', breaks: ['DHCP-02'], does: 'Relay-Forwards carry the MAG\'s Proxy-CoA as link-address instead of an address of the MN\'s HNP' },
  'dhcpv6-iaid-per-mag': { role: 'mag', breaks: ['DHCP-04'], does: 'the relay maps each IA_NA\'s IAID to one of its own (and back in replies), so the server leases the MN another address at every MAG' },
  'dhcpv6-extra-hnp-on-handover': { role: 'lma', breaks: ['DHCP-03'], does: 'a handover\'s PBA grants one more prefix besides the session\'s HNPs, so the DHCP-served link\'s prefix set changes mid-session' },
  // IPv4 home addresses (RFC 5844; pmipd/lma/ipv4-hoa.ts, pmipd/mag/pbu-builder.ts)
  'ipv4-request-twice': { role: 'mag', breaks: ['V4-01'], does: 'PBUs of an MN entitled to IPv4 carry two IPv4 HoA Request options' },
  'ipv4-only-sends-hnp': { role: 'mag', breaks: ['V4-02'], does: 'PBUs of an IPv4-only MN carry an HNP option ::/0 as well' },
  'ipv4-any-source-tunnelled': { role: 'mag', breaks: ['V4-09'], does: 'IPv4 from an MN\'s link enters the tunnel whatever its source (the tun data plane), not only from the assigned HoA' },
  'refresh-ipv4-zero': { role: 'mag', breaks: ['V4-12'], does: 'refresh and de-registration PBUs ask for 0.0.0.0/0 instead of the assigned IPv4 HoA' },
  'ipv4-requires-hnp': { role: 'lma', breaks: ['V4-03'], does: 'a PBU with an IPv4 HoA Request but no HNP option is refused with 158' },
  'accept-multiple-ipv4-requests': { role: 'lma', breaks: ['V4-04'], does: 'a PBU with two IPv4 HoA Requests is processed (the first one) instead of refused with 173' },
  'ipv4-foreign-address-accepted': { role: 'lma', breaks: ['V4-05'], does: 'a requested IPv4 HoA the MN may not use is granted instead of refused with 171' },
  'pba-no-ipv4-reply-on-refresh': { role: 'lma', breaks: ['V4-06'], does: 'a PBA accepting a refresh carries no IPv4 HoA Reply option' },
  'no-ipv4-default-router': { role: 'lma', breaks: ['V4-07'], does: 'accepting PBAs carry no IPv4 Default-Router Address option' },
  'ipv4-only-pba-with-hnp': { role: 'lma', breaks: ['V4-08'], does: 'the PBA to a PBU with only an IPv4 HoA Request carries an HNP option ::/0' },
  // DHCPv4 and ARP toward IPv4 MNs (RFC 5844 §3.2.3.2, §3.2.4; pmipd/mag/dhcpv4-access.ts)
  'dhcpv4-router-wrong': { role: 'mag', breaks: ['V4-10'], does: 'DHCPv4 OFFER/ACK Router option (3) names the MN\'s own HoA instead of the option-38 default-router address' },
  'dhcpv4-silent': { role: 'mag', breaks: ['V4-10'], does: 'the MAG neither serves nor relays DHCPv4: IPv4 MNs get no OFFER whatever option 39 says' },
  'router-arp-ignored': { role: 'mag', breaks: ['V4-10'], does: 'the MAG does not answer ARP for the default-router address it owns (arp_ignore 8 on the access links)' },
  'dhcpv4-server-when-relay': { role: 'mag', breaks: ['V4-10'], does: 'the MAG answers DHCPv4 itself even when option 39 says relay (S = 0)' },
  'no-proxy-arp': { role: 'mag', breaks: ['V4-11'], does: 'no proxy ARP on the access links: ARP for other addresses of the MN\'s IPv4 home subnet goes unanswered' },
  // Clean-up timing, judged on state dumps (harness/conformance/case.ts untilState)
  'dereg-ack-cleanup-late': { role: 'mag', breaks: ['DEREG-05'], does: 'after the PBA accepting a de-registration the MAG keeps the session (BUL entry, routes) for 5 × INITIAL_BINDACK_TIMEOUT instead of removing it at once' },
  'bce-delete-late': { role: 'lma', breaks: ['DEREG-11'], does: 'an accepted de-registration deletes the BCE after 4 × MinDelayBeforeBCEDelete instead of 1' },
  'bce-expires-late': { role: 'lma', breaks: ['LMA-BCE-14'], does: 'a binding nothing refreshes is deleted 8 s after its lifetime ran out instead of when it runs out' },
  // RFC 6543 fixed addresses, ECN on tunnel exit, prefix withdrawal, prefix attraction (FIX-01, FWD-07, RA-12, FWD-04)
  'ecn-not-propagated': { role: 'both', breaks: ['FWD-07'], does: 'tunnel exit ignores the outer ECN field: an outer CE is not copied into an ECT inner packet (as seg6 End.DX6 does; takes effect on the tun and seg6 data planes, ip6tnl always propagates)' },
  'no-prefix-withdrawal': { role: 'mag', breaks: ['RA-12'], does: 'a prefix that stops being the MN\'s mid-session (revoked by the LMA, or left out of a refresh PBA) is dropped from the routes without an RA giving it zero lifetimes' },
  'lma-no-hnp-route': { role: 'lma', breaks: ['FWD-04'], does: 'the LMA installs no route for a bound HNP, so it does not attract (or tunnel) the prefix\'s traffic: packets for it follow the LMA\'s other routes' },
  'mag-own-link-local': { role: 'mag', breaks: ['FIX-01'], does: 'with fixedMagAddresses the access links keep their own link-local address besides the fixed one, and the kernel\'s Neighbor Solicitations for the MNs come from it' },
  // IPv4 transport (domain `ipv4Transport`, RFC 5844 §4; pmipd/ipv4/transport.ts)
  'udp-mh-checksum-nonzero': { role: 'mag', breaks: ['V4-13'], does: 'Mobility Headers sent over IPv4/UDP carry a non-zero MH checksum (the sum of the message) instead of 0' },
  'pba-from-wrong-port': { role: 'lma', breaks: ['V4-13'], does: 'PBAs over IPv4/UDP leave from an ephemeral port instead of 5436' },
  'udp-mh-checksum-verified': { role: 'lma', breaks: ['V4-14'], does: 'a Mobility Header received over IPv4/UDP with a non-zero MH checksum is dropped instead of the checksum being ignored' },
  'forced-udp-accepted': { role: 'lma', breaks: ['V4-14'], does: 'a PBU with (F) over IPv4 is accepted (IPv4-UDP data) although AcceptForcedIPv4UDPEncapsulationRequest is 0, instead of refused with 129' },
  'bri-over-ipv6-when-ipv4-transport': { role: 'lma', breaks: ['BR-10'], does: 'BRIs to a MAG reached over IPv4/UDP are sent over IPv6 to its IPv6 address instead of to the ports and address of the last PBU exchange' },
} as const satisfies Record<string, QuirkInfo>;

export type QuirkName = keyof typeof QUIRKS;

export class UnknownQuirkError extends Error {
  override readonly name = 'UnknownQuirkError';
}

/** The set of quirks a daemon runs with; `has` is called where each behaviour lives. */
export class Quirks {
  private readonly set: ReadonlySet<QuirkName>;

  constructor(names: readonly string[] = [], role?: 'lma' | 'mag') {
    for (const n of names) {
      if (!(n in QUIRKS)) throw new UnknownQuirkError(`unknown quirk "${n}"; pmipd --list-quirks shows them`);
      const q = QUIRKS[n as QuirkName];
      if (role !== undefined && q.role !== role && q.role !== 'both') throw new UnknownQuirkError(`quirk "${n}" is for the ${q.role.toUpperCase()}, not the ${role.toUpperCase()}`);
    }
    this.set = new Set(names as QuirkName[]);
  }

  has(name: QuirkName): boolean { return this.set.has(name); }
  list(): QuirkName[] { return [...this.set]; }
}

/** The --list-quirks table. */
export function quirkTable(): string {
  const rows = Object.entries(QUIRKS).map(([name, q]) => [name, q.role.toUpperCase(), q.breaks.join(' '), q.does]);
  const head = ['quirk', 'role', 'breaks', 'what it does'];
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const fmt = (r: string[]) => r.map((c, i) => (i < 3 ? c.padEnd(w[i]!) : c)).join('  ');
  return [fmt(head), fmt(w.map((n) => '-'.repeat(n))), ...rows.map(fmt)].join('\n') + '\n';
}
