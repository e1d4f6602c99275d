// Representative frames holding every PMIPv6 message and mobility option the codec knows, plus the
// ND, tunnel and transport forms around them. One corpus serves the tshark cross-check, the fuzz
// test, the decode CLI tests and the decode benchmark, so they all speak of the same packets.
import {
  encodeEthernet, encodeIpv6, encodeIpv4, encodeUdp, encodeIcmpv6, encodeMobilityHeader, encodeSll, encodeSll2,
  parseIpv6, timestampFromDate, toHex, ETHERTYPE_IPV6, ETHERTYPE_IPV4, LINKTYPE_ETHERNET, LINKTYPE_LINUX_SLL,
  LINKTYPE_LINUX_SLL2, LINKTYPE_RAW, encodeGre, GRE_PROTOCOL_IPV6, type MobilityHeaderSpec, type Icmpv6Spec, type MobilityOptionSpec,
} from '../../wire/index.js';

export interface SampleFrame {
  name: string;
  linkType: number;
  bytes: Uint8Array;
}

export const MAG1 = '2001:db8:1::1';
export const MAG2 = '2001:db8:1::3';
export const LMAA = '2001:db8:1::2';
export const MN_HOA = '2001:db8:aa::5';
export const CN = '2001:db8:ff::1';
export const MAG_MAC = '02:00:00:00:01:01';
export const LMA_MAC = '02:00:00:00:02:01';
export const MN_MAC = '02:00:00:00:aa:05';
export const MAG_LL = 'fe80::200:5eff:fe00:5213';
export const MN_LL = 'fe80::ff:fe00:aa05';
/** A fixed instant so that every run writes the same bytes. */
export const SAMPLE_TIME_MS = Date.UTC(2026, 10, 27, 1, 2, 3, 456);

const ts = timestampFromDate(SAMPLE_TIME_MS);

function mhFrame(src: string, dst: string, msg: MobilityHeaderSpec, srcMac = MAG_MAC, dstMac = LMA_MAC): Uint8Array {
  const mh = encodeMobilityHeader(msg, { src: parseIpv6(src), dst: parseIpv6(dst) });
  return encodeEthernet({ src: srcMac, dst: dstMac, ethertype: ETHERTYPE_IPV6 }, encodeIpv6({ src, dst, hopLimit: 64, nextHeader: 135, payload: mh }));
}

function ndFrame(src: string, dst: string, msg: Icmpv6Spec, srcMac: string, dstMac: string): Uint8Array {
  const icmp = encodeIcmpv6(msg, src, dst);
  return encodeEthernet({ src: srcMac, dst: dstMac, ethertype: ETHERTYPE_IPV6 }, encodeIpv6({ src, dst, hopLimit: 255, nextHeader: 58, payload: icmp }));
}

/** The initial PBU of catalog A.8 (options in that order, aligned by the encoder). */
export const initialPbuOptions: MobilityOptionSpec[] = [
  { type: 22, prefix: '::/0', reserved: 0 },
  { type: 23, value: 1, reserved: 0 },
  { type: 24, value: 3, reserved: 0 },
  { type: 8, subtype: 1, id: 'mn1@example.com' },
  { type: 27, seconds: ts.seconds, fraction: ts.fraction },
  { type: 26, address: '::' },
  { type: 25, reserved: 0, id: '02000000aa05' },
];

const pbaOptions: MobilityOptionSpec[] = [
  { type: 22, prefix: '2001:db8:aa::/64', reserved: 0 },
  { type: 23, value: 1, reserved: 0 },
  { type: 24, value: 3, reserved: 0 },
  { type: 8, subtype: 1, id: 'mn1@example.com' },
  { type: 27, seconds: ts.seconds, fraction: ts.fraction },
  { type: 26, address: MAG_LL },
  { type: 25, reserved: 0, id: '02000000aa05' },
];

function build(): SampleFrame[] {
  const eth = (name: string, bytes: Uint8Array): SampleFrame => ({ name, linkType: LINKTYPE_ETHERNET, bytes });
  const frames: SampleFrame[] = [
    eth('PBU initial attach', mhFrame(MAG1, LMAA, { type: 5, seq: 7, flags: { A: true, H: true, P: true }, lifetime: 3600, options: initialPbuOptions, autoPad: true })),
    eth('PBA accepted', mhFrame(LMAA, MAG1, { type: 6, status: 0, flags: { P: true }, seq: 7, lifetime: 3600, options: pbaOptions, autoPad: true }, LMA_MAC, MAG_MAC)),
    eth('PBU refresh', mhFrame(MAG1, LMAA, { type: 5, seq: 8, flags: { A: true, P: true }, lifetimeUnits: 900, autoPad: true, options: [
      { type: 22, prefix: '2001:db8:aa::/64' }, { type: 23, value: 5 }, { type: 24, value: 3 }, { type: 8, subtype: 1, id: 'mn1@example.com' },
      { type: 27, seconds: ts.seconds + 1, fraction: 0 }, { type: 26, address: MAG_LL }] })),
    eth('PBU de-registration', mhFrame(MAG1, LMAA, { type: 5, seq: 9, flags: { A: true, P: true }, lifetime: 0, autoPad: true, options: [
      { type: 22, prefix: '2001:db8:aa::/64' }, { type: 23, value: 4 }, { type: 24, value: 3 }, { type: 8, subtype: 1, id: 'mn1@example.com' },
      { type: 27, seconds: ts.seconds + 2, fraction: 0x8000 }] })),
    eth('PBA rejected 153', mhFrame(LMAA, MAG1, { type: 6, status: 153, flags: { P: true }, seq: 10, lifetime: 0, autoPad: true, options: [
      { type: 22, prefix: '::/0' }, { type: 23, value: 1 }, { type: 24, value: 3 }, { type: 8, subtype: 1, id: 'unknown@example.com' },
      { type: 27, seconds: ts.seconds, fraction: 1 }] }, LMA_MAC, MAG_MAC)),
    eth('PBU with companion options', mhFrame(MAG2, LMAA, { type: 5, seq: 11, flags: { A: true, P: true, F: true, T: true }, lifetime: 400, autoPad: true, options: [
      { type: 8, subtype: 3, id: '001010123456789f' },
      { type: 36, prefixLength: 0, address: '0.0.0.0' },
      { type: 33, key: 0x1234abcd },
      { type: 3, address: MAG2 },
      { type: 39, S: true },
      { type: 19, vendorId: 4491, subtype: 2, data: 'c0ffee' },
      { type: 50, subtype: 1, reserved: 0, groupId: 1 },
      { type: 52, subOptions: [
        { type: 1, E: true, reserved: 0, networkName: toHex(new TextEncoder().encode('pmip-testbed'), 0, 12), accessPointName: toHex(new TextEncoder().encode('ap1'), 0, 3) },
        { type: 2, latitude: 0x12345, longitude: -0x23456 },
        { type: 3, opIdType: 1, opId: '00007f4a' }] },
      { type: 250, data: 'abcd' },
      { type: 2, interval: 300 },
      { type: 1, length: 4 }] })),
    eth('PBA with IPv4 options', mhFrame(LMAA, MAG2, { type: 6, status: 0, flags: { P: true, T: true }, seq: 11, lifetime: 400, autoPad: true, options: [
      { type: 8, subtype: 3, id: '001010123456789f' },
      { type: 37, status: 0, prefixLength: 24, address: '10.1.2.3' },
      { type: 38, address: '10.1.2.1' },
      { type: 33, key: 0x5678 }] }, LMA_MAC, MAG_MAC)),
    // RFC 6909: the LMA grants offload of 198.51.100.0/24 UDP (one IPv4 binary traffic selector).
    eth('PBA granting IPv4 traffic offload', mhFrame(LMAA, MAG2, { type: 6, status: 0, flags: { P: true }, seq: 13, lifetime: 400, autoPad: true, options: [
      { type: 8, subtype: 1, id: 'mn2@example.com' },
      { type: 37, status: 0, prefixLength: 24, address: '10.1.2.4' },
      { type: 53, M: false, ts: { tsFormat: 1, selector: { startDst: '198.51.100.0', endDst: '198.51.100.255', startProtocol: 17 } } }] }, LMA_MAC, MAG_MAC)),
    eth('Binding Error status 2', mhFrame(LMAA, MAG1, { type: 7, status: 2, homeAddress: '::', options: [] }, LMA_MAC, MAG_MAC)),
    eth('Heartbeat request', mhFrame(MAG1, LMAA, { type: 13, flags: { U: false, R: false }, seq: 0x01020304, autoPad: true, options: [] })),
    eth('Heartbeat response', mhFrame(LMAA, MAG1, { type: 13, flags: { U: true, R: true }, seq: 0x01020304, autoPad: true, options: [{ type: 28, value: 42 }] }, LMA_MAC, MAG_MAC)),
    eth('BRI', mhFrame(LMAA, MAG1, { type: 16, brType: 1, trigger: 4, seq: 77, flags: { P: true }, autoPad: true, options: [{ type: 8, subtype: 1, id: 'mn1@example.com' }, { type: 22, prefix: '2001:db8:aa::/64' }] }, LMA_MAC, MAG_MAC)),
    eth('BRA', mhFrame(MAG1, LMAA, { type: 16, brType: 2, status: 0, seq: 77, flags: { P: true }, autoPad: true, options: [{ type: 8, subtype: 1, id: 'mn1@example.com' }] })),
    eth('UPN', mhFrame(LMAA, MAG1, { type: 19, seq: 5, reason: 1, flags: { A: true, D: false }, autoPad: true, options: [{ type: 8, subtype: 1, id: 'mn1@example.com' }] }, LMA_MAC, MAG_MAC)),
    eth('UPA', mhFrame(MAG1, LMAA, { type: 20, seq: 5, status: 0, autoPad: true, options: [{ type: 8, subtype: 1, id: 'mn1@example.com' }] })),
    eth('Binding Refresh Request', mhFrame(LMAA, MAG1, { type: 0, data: '0000', autoPad: true, options: [] }, LMA_MAC, MAG_MAC)),
    eth('RS', ndFrame(MN_LL, 'ff02::2', { type: 133, sourceLinkLayer: MN_MAC }, MN_MAC, '33:33:00:00:00:02')),
    eth('RA with HNP', ndFrame(MAG_LL, 'ff02::1', {
      type: 134, curHopLimit: 64, routerLifetime: 1800, reachableTime: 0, retransTimer: 0, options: [
        { type: 1, address: '00:00:5e:00:52:13' },
        { type: 5, mtu: 1460 },
        { type: 3, prefix: '2001:db8:aa::/64', onLink: true, autonomous: true, validLifetime: 86400, preferredLifetime: 14400 },
        { type: 25, lifetime: 600, servers: ['2001:db8:ff::53'] },
        { type: 24, prefix: '2001:db8:ff::/48', preference: 'high', routeLifetime: 1800 }],
    }, '00:00:5e:00:52:13', '33:33:00:00:00:01')),
    eth('NS', ndFrame(MN_LL, 'ff02::1:ff00:5213', { type: 135, target: MAG_LL, sourceLinkLayer: MN_MAC }, MN_MAC, '33:33:ff:00:52:13')),
    // Linux 6.1 puts a Nonce option (RFC 3971 §5.3.2, RFC 7527) in the NS of its Duplicate Address Detection.
    eth('DAD NS with a Nonce', ndFrame('::', 'ff02::1:ff00:aa05', { type: 135, target: MN_LL, options: [{ type: 14, nonce: '5a3c0f91e2b7' }] }, MN_MAC, '33:33:ff:00:aa:05')),
    eth('NA', ndFrame(MAG_LL, MN_LL, { type: 136, router: true, solicited: true, override: true, target: MAG_LL, targetLinkLayer: '00:00:5e:00:52:13' }, '00:00:5e:00:52:13', MN_MAC)),
    eth('Redirect', ndFrame(MAG_LL, MN_LL, { type: 137, target: 'fe80::1', destination: CN }, '00:00:5e:00:52:13', MN_MAC)),
    eth('echo request', ndFrame(MN_HOA, CN, { type: 128, id: 1, seq: 3, data: '000102030405060708090a0b0c0d0e0f' }, MN_MAC, '00:00:5e:00:52:13')),
    eth('packet too big', ndFrame(MAG1, MN_HOA, { type: 2, mtu: 1280, data: encodeIpv6({ src: MN_HOA, dst: CN, nextHeader: 59, payload: new Uint8Array(8) }) }, MAG_MAC, MN_MAC)),
  ];

  // The data plane: MN -> CN echo request reverse-tunnelled MAG -> LMA.
  const innerEcho = encodeIpv6({ src: MN_HOA, dst: CN, hopLimit: 63, nextHeader: 58, payload: encodeIcmpv6({ type: 128, id: 1, seq: 4, dataLength: 56 }, MN_HOA, CN) });
  frames.push(eth('IPv6-in-IPv6 (seg6 reduced encapsulation)', encodeEthernet({ src: MAG_MAC, dst: LMA_MAC, ethertype: ETHERTYPE_IPV6 },
    encodeIpv6({ src: MAG1, dst: LMAA, hopLimit: 64, nextHeader: 41, payload: innerEcho }))));
  frames.push(eth('IPv6-in-IPv6 (ip6tnl, encapsulation limit)', encodeEthernet({ src: LMA_MAC, dst: MAG_MAC, ethertype: ETHERTYPE_IPV6 },
    encodeIpv6({ src: LMAA, dst: MAG1, hopLimit: 64, extensionHeaders: [{ type: 60, nextHeader: 41, options: [{ type: 4, limit: 4 }] }], payload: innerEcho }))));
  const innerV4 = encodeIpv4({ src: '10.1.2.3', dst: '192.0.2.1', ttl: 63, protocol: 17, payload: encodeUdp({ srcPort: 4000, dstPort: 53, payload: new Uint8Array(12) }, '10.1.2.3', '192.0.2.1') });
  frames.push(eth('IPv4-in-IPv6', encodeEthernet({ src: MAG_MAC, dst: LMA_MAC, ethertype: ETHERTYPE_IPV6 },
    encodeIpv6({ src: MAG1, dst: LMAA, nextHeader: 4, payload: innerV4 }))));
  // RFC 5844 IPv4 transport: the MH rides in UDP 5436 with checksum 0.
  const pbuV4 = encodeMobilityHeader({ type: 5, seq: 12, flags: { A: true, P: true }, lifetime: 400, autoPad: true, options: [
    { type: 8, subtype: 1, id: 'mn2@example.com' }, { type: 36, prefixLength: 0, address: '0.0.0.0' }, { type: 23, value: 1 }, { type: 24, value: 3 }] });
  frames.push(eth('PBU over IPv4/UDP 5436', encodeEthernet({ src: MAG_MAC, dst: LMA_MAC, ethertype: ETHERTYPE_IPV4 },
    encodeIpv4({ src: '192.0.2.10', dst: '192.0.2.20', protocol: 17, payload: encodeUdp({ srcPort: 5436, dstPort: 5436, payload: pbuV4 }, '192.0.2.10', '192.0.2.20') }))));
  frames.push(eth('PBU with VLAN tag', encodeEthernet({ src: MAG_MAC, dst: LMA_MAC, vlans: [{ vid: 100, pcp: 5 }], ethertype: ETHERTYPE_IPV6 },
    frames[0]!.bytes.subarray(14))));
  const pbuIp = frames[0]!.bytes.subarray(14);
  frames.push({ name: 'PBU on Linux cooked (SLL)', linkType: LINKTYPE_LINUX_SLL, bytes: encodeSll({ packetType: 4, arphrd: 1, address: MAG_MAC, protocol: ETHERTYPE_IPV6 }, pbuIp) });
  frames.push({ name: 'PBA on Linux cooked v2 (SLL2)', linkType: LINKTYPE_LINUX_SLL2, bytes: encodeSll2({ protocol: ETHERTYPE_IPV6, interfaceIndex: 3, arphrd: 1, packetType: 0, address: LMA_MAC }, frames[1]!.bytes.subarray(14)) });
  frames.push({ name: 'PBU on raw IP', linkType: LINKTYPE_RAW, bytes: pbuIp });
  // RFC 5845 data plane: GRE-in-IPv6 with the uplink key, and with every RFC 2890 field.
  frames.push(eth('GRE-in-IPv6 with a key', encodeEthernet({ src: MAG_MAC, dst: LMA_MAC, ethertype: ETHERTYPE_IPV6 },
    encodeIpv6({ src: MAG1, dst: LMAA, hopLimit: 64, nextHeader: 47, payload: encodeGre({ protocolType: GRE_PROTOCOL_IPV6, key: 0x1234abcd, payload: innerEcho }) }))));
  frames.push(eth('GRE-in-IPv6 with checksum, key and sequence number', encodeEthernet({ src: LMA_MAC, dst: MAG_MAC, ethertype: ETHERTYPE_IPV6 },
    encodeIpv6({ src: LMAA, dst: MAG1, hopLimit: 64, nextHeader: 47, payload: encodeGre({ protocolType: GRE_PROTOCOL_IPV6, checksum: 'compute', key: 0x5678, sequence: 7, payload: innerEcho }) }))));
  frames.push(...ipv4TransportFrames(innerEcho, innerV4));
  return frames;
}

/** RFC 5844 §4 between an IPv4-only MAG and LMA: F = 1 signalling and each data encapsulation. */
function ipv4TransportFrames(innerV6: Uint8Array, innerV4: Uint8Array): SampleFrame[] {
  const pcoa = '192.0.2.10', lmaa = '192.0.2.20';
  const v4 = (name: string, src: string, dst: string, protocol: number, payload: Uint8Array, srcMac = MAG_MAC, dstMac = LMA_MAC): SampleFrame => ({
    name, linkType: LINKTYPE_ETHERNET,
    bytes: encodeEthernet({ src: srcMac, dst: dstMac, ethertype: ETHERTYPE_IPV4 }, encodeIpv4({ src, dst, ttl: 64, protocol, payload })),
  });
  const udp = (src: string, dst: string, srcPort: number, dstPort: number, payload: Uint8Array) => encodeUdp({ srcPort, dstPort, payload }, src, dst);
  const pbu = encodeMobilityHeader({ type: 5, seq: 13, flags: { A: true, P: true, F: true }, lifetime: 400, autoPad: true, options: [
    { type: 8, subtype: 1, id: 'mn2@example.com' }, { type: 32, address: pcoa }, { type: 36, prefixLength: 0, address: '0.0.0.0' }, { type: 23, value: 1 }, { type: 24, value: 3 }] });
  const pba = encodeMobilityHeader({ type: 6, status: 0, flags: { P: true }, seq: 13, lifetime: 400, autoPad: true, options: [
    { type: 8, subtype: 1, id: 'mn2@example.com' }, { type: 31, F: true, refreshTime: 0 }, { type: 37, status: 0, prefixLength: 24, address: '10.1.2.3' }, { type: 38, address: '10.1.2.1' }] });
  return [
    v4('PBU over IPv4/UDP with F and the IPv4 CoA', pcoa, lmaa, 17, udp(pcoa, lmaa, 40000, 5436, pbu)),
    v4('PBA over IPv4/UDP with NAT Detection', lmaa, pcoa, 17, udp(lmaa, pcoa, 5436, 40000, pba), LMA_MAC, MAG_MAC),
    v4('IPv4-in-IPv4', pcoa, lmaa, 4, innerV4),
    v4('IPv6-in-IPv4', lmaa, pcoa, 41, innerV6, LMA_MAC, MAG_MAC),
    v4('IPv4 in IPv4/UDP 5437', pcoa, lmaa, 17, udp(pcoa, lmaa, 5437, 5437, innerV4)),
  ];
}

export const SAMPLE_FRAMES: readonly SampleFrame[] = build();
