// Whole frames through decodeFrame: link layers, tunnels (ip6tnl and seg6 forms), IPv4/UDP
// transport of the MH (RFC 5844), truncation, and the one-line summaries.
import { expect } from 'chai';
import { fromHex, parseIpv6, toHex } from '../../wire/bytes.js';
import { decodeFrame, decodePacket, MAX_TUNNEL_DEPTH, summarizeFrame, type DecodedFrame, type DecodedPacket } from '../../wire/frame.js';
import { encodeIcmpv6 } from '../../wire/icmpv6.js';
import { encodeIpv6 } from '../../wire/ipv6.js';
import { LINKTYPE_ETHERNET, LINKTYPE_LINUX_SLL, LINKTYPE_LINUX_SLL2, LINKTYPE_RAW } from '../../wire/link.js';
import { encodeMobilityHeader } from '../../wire/mh.js';
import { ECHO, ERRORS, MAG_LL, MN_LL, NA, RA, RS } from './icmpv6-vectors.js';
import { PBU, PBU_DST, PBU_SRC } from './mh-vectors.js';

const hexAddr = (a: string): string => toHex(parseIpv6(a));

/** IPv6 fixed header, field by field; the payload length is that of `payload` unless given. */
function ipv6(src: string, dst: string, nextHeader: number, hopLimit: number, payload: string, payloadLength?: number): string {
  const n = payloadLength ?? fromHex(payload).length;
  return [
    '60000000',                       // version 6, traffic class 0, flow label 0
    n.toString(16).padStart(4, '0'),  // payload length
    nextHeader.toString(16).padStart(2, '0'), // next header
    hopLimit.toString(16).padStart(2, '0'),   // hop limit
    hexAddr(src), hexAddr(dst),
    payload,
  ].join('');
}

const ETH_IPV6 = '020000000002 020000000001 86dd'; // dst, src, EtherType IPv6
const ETH_IPV4 = '020000000002 020000000001 0800'; // dst, src, EtherType IPv4

/** Ethernet + IPv6 (pCoA -> LMAA) + the catalog A.8 PBU (checksum valid for these addresses). */
const PBU_FRAME = ETH_IPV6 + ipv6(PBU_SRC, PBU_DST, 135, 64, PBU);

/** The inner packet of the tunnel tests: MN 2001:db8:aa::5 pings CN 2001:db8:ff::1. */
const INNER_ECHO = ipv6(ECHO.src, ECHO.dst, 58, 64, ECHO.hex);

/** Linux ip6tnl: outer IPv6 -> Destination Options (Tunnel Encapsulation Limit 4) -> 41 -> inner. */
const IP6TNL_FRAME = ETH_IPV6 + ipv6('2001:db8:1::1', '2001:db8:1::2', 60, 64, [
  '29 00',    // next header 41, 8 octets
  '04 01 04', // Tunnel Encapsulation Limit 4
  '01 01 00', // PadN
  INNER_ECHO,
].join(''));

/** seg6 reduced encapsulation: a plain outer IPv6 header with next header 41. */
const SEG6_FRAME = ETH_IPV6 + ipv6('2001:db8:1::2', '2001:db8:1::1', 41, 64, INNER_ECHO);

/** IPv4 -> UDP 5436 -> PBU with MH checksum 0 (RFC 5844 §4); checksums computed in Python. */
const IPV4_UDP_PBU_FRAME = ETH_IPV4 + [
  '45 00 0084 1234 4000 40 11 a431', // IPv4: IHL 5, total 132, id 0x1234, DF, TTL 64, UDP, checksum
  'c0000201 c0000202',               // 192.0.2.1 -> 192.0.2.2
  '153c 153c 0070 8880',             // UDP 5436 -> 5436, length 112, checksum
  PBU.slice(0, 8) + '0000' + PBU.slice(12), // the PBU with its MH checksum zeroed
].join('');

/** IPv4 -> UDP 5437 -> IPv6 echo (RFC 5844 §4.1.4.1 data over IPv4/UDP). */
const IPV4_UDP_TUNNEL_FRAME = ETH_IPV4 + [
  '45 00 0050 0002 0000 40 11 f697', // IPv4: total 80, id 2, TTL 64, UDP, checksum
  'c0000201 c0000202',               // 192.0.2.1 -> 192.0.2.2
  '153d 153d 003c b6f1',             // UDP 5437 -> 5437, length 60, checksum
  INNER_ECHO,
].join('');

const VLAN_RS_FRAME = [
  '333300000002 020000000001', // dst 33:33:00:00:00:02 (all-routers), src
  '8100 0064',                 // 802.1Q, VID 100
  '86dd',
  ipv6(RS.src, RS.dst, 58, 255, RS.hex),
].join('');

const SLL_RA_FRAME = [
  '0004 0001 0006 00005e005213 0000 86dd', // SLL: outgoing, Ethernet, 6-octet address, IPv6
  ipv6(RA.src, RA.dst, 58, 255, RA.hex),
].join('');

const SLL2_NA_FRAME = [
  '86dd 0000 00000002 0001 00 06 00005e005213 0000', // SLL2: IPv6, ifindex 2, Ethernet, to us, address
  ipv6(NA.src, NA.dst, 58, 255, NA.hex),
].join('');

function decodeHex(linkType: number, hex: string): DecodedFrame {
  const buf = fromHex(hex);
  return decodeFrame(linkType, buf, 0, buf.length);
}

/** Values a JSON line can carry as they are: no undefined, no typed arrays, no functions. */
function expectPlainData(v: unknown, path = 'frame'): void {
  expect(v, path).to.not.equal(undefined);
  if (v === null || typeof v !== 'object') { expect(typeof v, path).to.be.oneOf(['string', 'number', 'boolean']); return; }
  expect(ArrayBuffer.isView(v), `${path} is a typed array`).to.equal(false);
  for (const [k, x] of Object.entries(v)) expectPlainData(x, `${path}.${k}`);
}

describe('wire/frame', () => {
  describe('Ethernet + IPv6 + PBU', () => {
    it('decodes every layer with the MH checksum verified', () => {
      const f = decodeHex(LINKTYPE_ETHERNET, PBU_FRAME);
      expect(f.linkType).to.equal(1);
      expect(f.link).to.deep.equal({ kind: 'ethernet', dst: '02:00:00:00:00:02', src: '02:00:00:00:00:01', vlans: [], ethertype: 0x86dd, length: 14 });
      expect(f.ipv6).to.deep.equal({
        src: '2001:db8:0:1::1', dst: '2001:db8:0:2::1', hopLimit: 64, nextHeader: 135, trafficClass: 0, flowLabel: 0,
        payloadLength: 104, extensionHeaders: [],
      });
      expect(f.mh).to.include({ type: 5, name: 'PBU', seq: 42, lifetime: 600, checksumOk: true });
      expect(f.malformed).to.equal(undefined);
      expect(Object.keys(f)).to.deep.equal(['linkType', 'link', 'ipv6', 'mh']);
      expectPlainData(JSON.parse(JSON.stringify(f)));
      expectPlainData(f);
    });

    it('flags a bad MH checksum without calling the frame malformed', () => {
      const buf = fromHex(PBU_FRAME);
      buf[buf.length - 20] ^= 0x10;
      const f = decodeFrame(LINKTYPE_ETHERNET, buf, 0, buf.length);
      expect(f.mh!.checksumOk).to.equal(false);
      expect(f.malformed).to.equal(undefined);
    });

    it('never throws when cut at any length, and says where it broke', () => {
      const buf = fromHex(PBU_FRAME);
      for (let n = 0; n < buf.length; n++) {
        const f = decodeFrame(LINKTYPE_ETHERNET, buf, 0, n);
        expect(f.malformed, `cut at ${n}`).to.be.a('string');
        const layer = n < 14 ? 'ethernet: ' : 'ipv6: ';
        expect(f.malformed!.startsWith(layer), `cut at ${n}: ${f.malformed}`).to.equal(true);
        expect(f.malformed, `cut at ${n}`).to.include('truncated');
        if (n >= 14 + 40) expect(f.mh, `cut at ${n}`).to.not.equal(undefined); // decoded as far as it goes
      }
      expect(decodeFrame(LINKTYPE_ETHERNET, buf, 0, 60).malformed).to.equal('ipv6: truncated: payload length 104 exceeds 6 captured octets');
      expect(decodeFrame(LINKTYPE_ETHERNET, buf, 0, buf.length).malformed).to.equal(undefined);
    });

    it('bounds len by the buffer and survives a garbage offset', () => {
      const buf = fromHex(PBU_FRAME);
      expect(decodeFrame(LINKTYPE_ETHERNET, buf, 0, buf.length + 100).malformed).to.equal(undefined);
      expect(decodeFrame(LINKTYPE_ETHERNET, buf, buf.length + 5, 10).malformed).to.match(/^ethernet: truncated/);
      expect(decodeFrame(LINKTYPE_ETHERNET, buf, -1, 10).malformed).to.match(/^ethernet: truncated/);
    });

    it('decodes at an offset inside a larger buffer', () => {
      const buf = fromHex('ffffffff' + PBU_FRAME + 'eeee');
      const f = decodeFrame(LINKTYPE_ETHERNET, buf, 4, buf.length - 6);
      expect(f.mh!.checksumOk).to.equal(true);
      expect(f.malformed).to.equal(undefined);
    });

    it('summarizes the PBU with every option spelled out', () => {
      expect(summarizeFrame(decodeHex(LINKTYPE_ETHERNET, PBU_FRAME))).to.equal(
        '2001:db8:0:1::1 > 2001:db8:0:2::1: PBU seq 42 A H P lifetime 600s [HNP ::/0] [HI 1 new-interface] [ATT 3 802.3]'
        + ' [MN-ID nai mn1@example.com] [TS 2023-11-14T22:13:20.500Z] [LLA fe80::200:5eff:fe00:5213] [MN-LL-ID 02:00:00:00:00:01]');
    });
  });

  describe('tunnels', () => {
    const innerExpected = {
      ipv6: {
        src: '2001:db8:aa::5', dst: '2001:db8:ff::1', hopLimit: 64, nextHeader: 58, trafficClass: 0, flowLabel: 0,
        payloadLength: 12, extensionHeaders: [],
      },
      icmpv6: { type: 128, code: 0, name: 'echo-request', checksum: 0x5dcd, checksumOk: true, id: 1, seq: 3, dataLength: 4 },
    };

    it('decodes the ip6tnl form (Destination Options with an encapsulation limit, then 41)', () => {
      const f = decodeHex(LINKTYPE_ETHERNET, IP6TNL_FRAME);
      expect(f.ipv6!.extensionHeaders).to.deep.equal([{
        type: 60, name: 'destination-options', nextHeader: 41, length: 8,
        options: [{ type: 4, name: 'tunnel-encap-limit', length: 1, limit: 4 }, { type: 1, name: 'padn', length: 1 }],
      }]);
      expect(f.inner).to.deep.equal(innerExpected);
      expect(f.malformed).to.equal(undefined);
      expect(summarizeFrame(f)).to.equal(
        'IP6-in-IP6 2001:db8:1::1 > 2001:db8:1::2 (DSTOPT encap-limit 4) [2001:db8:aa::5 > 2001:db8:ff::1: ICMP6 echo request id 1 seq 3]');
    });

    it('decodes the seg6 reduced-encapsulation form (plain 41)', () => {
      const f = decodeHex(LINKTYPE_ETHERNET, SEG6_FRAME);
      expect(f.ipv6).to.include({ nextHeader: 41, payloadLength: 52 });
      expect(f.inner).to.deep.equal(innerExpected);
      expect(summarizeFrame(f)).to.equal('IP6-in-IP6 2001:db8:1::2 > 2001:db8:1::1 [2001:db8:aa::5 > 2001:db8:ff::1: ICMP6 echo request id 1 seq 3]');
    });

    it('decodes IPv4 in IPv6 (next header 4)', () => {
      const inner = '45000014 0000 0000 40 3b 0000 c0000205 c6336401'; // IPv4 header only, protocol 59, bad checksum
      const f = decodeHex(LINKTYPE_RAW, ipv6('2001:db8:1::1', '2001:db8:1::2', 4, 64, inner));
      expect(f.inner!.ipv4).to.include({ src: '192.0.2.5', dst: '198.51.100.1', protocol: 59, checksumOk: false });
      expect(summarizeFrame(f)).to.equal('IP4-in-IP6 2001:db8:1::1 > 2001:db8:1::2 [192.0.2.5 > 198.51.100.1: [bad ip checksum] proto 59 length 0]');
    });

    it('reports a broken inner packet on the outer frame', () => {
      const f = decodeHex(LINKTYPE_ETHERNET, ETH_IPV6 + ipv6('2001:db8:1::2', '2001:db8:1::1', 41, 64, '45', 52));
      expect(f.malformed).to.equal('ipv6: truncated: payload length 52 exceeds 1 captured octets');
      const g = decodeHex(LINKTYPE_RAW, ipv6('2001:db8:1::2', '2001:db8:1::1', 41, 64, '7000'));
      expect(g.malformed).to.equal('inner ipv6: version 7 is not 6');
    });

    it('stops nesting at MAX_TUNNEL_DEPTH', () => {
      let hex = INNER_ECHO;
      for (let i = 0; i < MAX_TUNNEL_DEPTH + 1; i++) hex = ipv6('2001:db8:1::1', '2001:db8:1::2', 41, 64, hex);
      let p: DecodedPacket | undefined = decodeHex(LINKTYPE_RAW, hex);
      let depth = 0;
      while (p.inner) { p = p.inner; depth++; }
      expect(depth).to.equal(MAX_TUNNEL_DEPTH);
      expect(p.payload).to.deep.equal({ protocol: 41, length: 52 });
      expect(p.malformed).to.equal(undefined);
    });
  });

  describe('IPv4 transport (RFC 5844)', () => {
    it('decodes an MH on UDP 5436 without an MH checksum context', () => {
      const f = decodeHex(LINKTYPE_ETHERNET, IPV4_UDP_PBU_FRAME);
      expect(f.ipv4).to.include({ src: '192.0.2.1', dst: '192.0.2.2', protocol: 17, checksumOk: true });
      expect(f.udp).to.deep.equal({ srcPort: 5436, dstPort: 5436, length: 112, checksum: 0x8880, checksumOk: true });
      expect(f.mh).to.include({ name: 'PBU', seq: 42, checksum: 0, checksumOk: null });
      expect(f.malformed).to.equal(undefined);
      expect(summarizeFrame(f)).to.match(/^192\.0\.2\.1 > 192\.0\.2\.2: UDP 5436 > 5436 PBU seq 42 A H P lifetime 600s \[HNP ::\/0\]/);
    });

    it('decodes the packet tunnelled on UDP 5437', () => {
      const f = decodeHex(LINKTYPE_ETHERNET, IPV4_UDP_TUNNEL_FRAME);
      expect(f.udp).to.include({ srcPort: 5437, dstPort: 5437, length: 60, checksumOk: true });
      expect(f.inner!.icmpv6).to.include({ name: 'echo-request', checksumOk: true });
      expect(summarizeFrame(f)).to.equal('IP6-in-UDP4 192.0.2.1 > 192.0.2.2 [2001:db8:aa::5 > 2001:db8:ff::1: ICMP6 echo request id 1 seq 3]');
    });
  });

  describe('link layers', () => {
    it('VLAN-tagged Ethernet carrying an RS', () => {
      const f = decodeHex(LINKTYPE_ETHERNET, VLAN_RS_FRAME);
      expect(f.link).to.include({ kind: 'ethernet', ethertype: 0x86dd, length: 18 });
      expect(f.link).to.deep.include({ vlans: [{ tpid: 0x8100, pcp: 0, dei: false, vid: 100 }] });
      expect(f.icmpv6).to.include({ name: 'RS', checksumOk: true, sourceLinkLayer: '02:00:00:00:00:01' });
      expect(summarizeFrame(f)).to.equal(`vlan 100 ${MN_LL} > ff02::2: ICMP6 RS [SLLA 02:00:00:00:00:01]`);
    });

    it('Linux cooked v1 carrying an RA', () => {
      const f = decodeHex(LINKTYPE_LINUX_SLL, SLL_RA_FRAME);
      expect(f.link).to.include({ kind: 'sll', packetTypeName: 'outgoing', address: '00:00:5e:00:52:13', protocol: 0x86dd });
      expect(f.icmpv6).to.include({ name: 'RA', checksumOk: true, routerLifetime: 1800, mtu: 1460 });
      expect(summarizeFrame(f)).to.equal(`${MAG_LL} > ff02::1: ICMP6 RA lifetime 1800 O prf high [SLLA 00:00:5e:00:52:13] [MTU 1460]`
        + ' [PIO 2001:db8:aa::/64 LA valid 86400 pref 14400] [RIO 2001:db8:ff::/48 prf medium lifetime 3600]'
        + ' [RDNSS 2001:db8:1::53 lifetime 600] [dnssl length 24] [nonce aabbccddeeff]');
    });

    it('Linux cooked v2 carrying an NA', () => {
      const f = decodeHex(LINKTYPE_LINUX_SLL2, SLL2_NA_FRAME);
      expect(f.link).to.include({ kind: 'sll2', interfaceIndex: 2, packetTypeName: 'host', protocol: 0x86dd });
      expect(f.icmpv6).to.include({ name: 'NA', checksumOk: true, targetLinkLayer: '00:00:5e:00:52:13' });
      expect(summarizeFrame(f)).to.equal(`${MAG_LL} > ${MN_LL}: ICMP6 NA tgt ${MAG_LL} R S O [TLLA 00:00:5e:00:52:13]`);
    });

    it('raw IP (link type 101) picks the version from the first nibble', () => {
      expect(decodeHex(LINKTYPE_RAW, ipv6(RS.src, RS.dst, 58, 255, RS.hex)).icmpv6).to.include({ name: 'RS' });
      expect(decodeHex(12, IPV4_UDP_PBU_FRAME.replace(/\s/g, '').slice(28)).mh).to.include({ name: 'PBU' });
      expect(decodeHex(LINKTYPE_RAW, '').malformed).to.equal('ip: truncated: no octets captured');
      expect(decodeHex(LINKTYPE_RAW, '50').malformed).to.equal('ip: version 5 is neither 4 nor 6');
    });

    it('ARP, unknown EtherTypes and unknown link types', () => {
      const arp = decodeHex(LINKTYPE_ETHERNET, 'ffffffffffff 020000000001 0806 0001 0800 06 04 0001 020000000001 c0000202 000000000000 c0000201');
      expect(arp.arp).to.include({ name: 'request', senderIp: '192.0.2.2', targetIp: '192.0.2.1' });
      expect(summarizeFrame(arp)).to.equal('ARP who-has 192.0.2.1 tell 192.0.2.2');
      const lldp = decodeHex(LINKTYPE_ETHERNET, '0180c200000e 020000000001 88cc 0102030405');
      expect(lldp.payload).to.deep.equal({ protocol: 0x88cc, length: 5 });
      expect(lldp.malformed).to.equal(undefined);
      expect(decodeHex(147, '00').malformed).to.equal('link: link type 147 is not supported');
    });
  });

  describe('ICMPv6 in frames', () => {
    it('verifies the checksum against this packet\'s addresses', () => {
      const good = decodeHex(LINKTYPE_RAW, ipv6(RS.src, RS.dst, 58, 255, RS.hex));
      expect(good.icmpv6!.checksumOk).to.equal(true);
      const bad = decodeHex(LINKTYPE_RAW, ipv6(RS.src, 'ff02::1', 58, 255, RS.hex));
      expect(bad.icmpv6!.checksumOk).to.equal(false);
      expect(bad.malformed).to.equal(undefined);
      expect(summarizeFrame(bad)).to.match(/\[bad icmp6 checksum\]$/);
    });

    it('decodes the invoking packet of an error, keeping its truncation to itself', () => {
      const ptb = ERRORS[0]!;
      const f = decodeHex(LINKTYPE_RAW, ipv6(ptb.src, ptb.dst, 58, 64, ptb.hex));
      expect(f.malformed).to.equal(undefined);
      const m = f.icmpv6 as { invoking?: DecodedPacket };
      expect(m.invoking!.ipv6).to.include({ src: '2001:db8:aa::5', dst: '2001:db8:ff::1', payloadLength: 1400 });
      expect(m.invoking!.malformed).to.equal('ipv6: truncated: payload length 1400 exceeds 8 captured octets');
      expect(m.invoking!.icmpv6).to.include({ name: 'echo-request', id: 1, seq: 3, checksumOk: false });
      expect(summarizeFrame(f)).to.equal('2001:db8:1::1 > 2001:db8:aa::5: ICMP6 packet too big mtu 1280'
        + ' [2001:db8:aa::5 > 2001:db8:ff::1: ICMP6 echo request id 1 seq 3 [bad icmp6 checksum]]');
    });

    it('names a message too short for its type', () => {
      const f = decodeHex(LINKTYPE_RAW, ipv6(MAG_LL, 'ff02::1', 58, 255, '86000000 40000000'));
      expect(f.malformed).to.equal('icmpv6: truncated: RA needs 16 octets, 8 there');
      expect(f.icmpv6).to.equal(undefined);
    });

    it('builders compose into a frame that decodes cleanly', () => {
      const ra = encodeIcmpv6({ type: 134, routerLifetime: 1800, sourceLinkLayer: '00:00:5e:00:52:13', prefixes: [{ type: 3, prefix: '2001:db8:aa::/64' }] }, MAG_LL, 'ff02::1');
      const pkt = encodeIpv6({ src: MAG_LL, dst: 'ff02::1', hopLimit: 255, nextHeader: 58, payload: ra });
      const f = decodePacket(pkt, 0, pkt.length);
      expect(f.icmpv6).to.include({ name: 'RA', checksumOk: true, sourceLinkLayer: '00:00:5e:00:52:13' });
      expect(f.malformed).to.equal(undefined);
    });
  });

  describe('opaque and transport payloads', () => {
    it('ESP without an SA: SPI and sequence, the rest raw', () => {
      const f = decodeHex(LINKTYPE_RAW, ipv6('2001:db8:1::1', '2001:db8:1::2', 50, 64, '00001000 0000002a 0102030405060708'));
      expect(f.ipv6!.extensionHeaders).to.deep.equal([{ type: 50, name: 'esp', length: 16, spi: 0x1000, sequence: 42 }]);
      expect(f.payload).to.deep.equal({ protocol: 50, length: 8 });
      expect(f.malformed).to.equal(undefined);
      expect(f.esp).to.deep.equal({ spi: 0x1000, sequence: 42, icv: 'unknown', note: 'not decrypted (no SA for SPI 0x00001000)' });
      expect(summarizeFrame(f)).to.equal('2001:db8:1::1 > 2001:db8:1::2: (ESP spi=0x00001000 seq=42 [not decrypted (no SA for SPI 0x00001000)]) proto 50 length 8');
    });

    it('a non-first fragment stays raw and is not malformed', () => {
      const f = decodeHex(LINKTYPE_RAW, ipv6('2001:db8:1::1', '2001:db8:1::2', 44, 64, '3a 00 0010 00000007 0102030405060708'));
      expect(f.payload).to.deep.equal({ protocol: 58, length: 8 });
      expect(f.icmpv6).to.equal(undefined);
      expect(f.malformed).to.equal(undefined);
      expect(summarizeFrame(f)).to.equal('2001:db8:1::1 > 2001:db8:1::2: (frag id 0x00000007 offset 16) proto 58 length 8');
    });

    it('a first fragment decodes its upper header without calling the cut malformed', () => {
      // Fragment header (offset 0, M = 1) then a UDP header announcing 1000 octets.
      const f = decodeHex(LINKTYPE_RAW, ipv6('2001:db8:1::1', '2001:db8:1::2', 44, 64, '11 00 0001 00000008 0222 0223 03e8 0000 abcd'));
      expect(f.udp).to.include({ srcPort: 546, dstPort: 547, length: 1000, checksumOk: false });
      expect(f.malformed).to.equal(undefined);
      const v4 = decodeHex(LINKTYPE_RAW, '45000020 0009 2000 40 11 0000 c0000201 c0000202 0222 0223 03e8 0000 abcd0102');
      expect(v4.ipv4).to.include({ moreFragments: true, fragmentOffset: 0 });
      expect(v4.udp).to.include({ length: 1000 });
      expect(v4.malformed).to.equal(undefined);
    });

    it('TCP ports and plain UDP', () => {
      const tcp = decodeHex(LINKTYPE_RAW, ipv6('2001:db8:aa::5', '2001:db8:ff::1', 6, 64, 'c350 0050 00000000'));
      expect(tcp.tcp).to.deep.equal({ srcPort: 50000, dstPort: 80 });
      expect(summarizeFrame(tcp)).to.equal('2001:db8:aa::5 > 2001:db8:ff::1: TCP 50000 > 80');
      const udp = decodeHex(LINKTYPE_RAW, ipv6('2001:db8:1::1', '2001:db8:1::2', 17, 64, '0221 0224 000c f34a abcd0102'));
      expect(udp.udp).to.include({ srcPort: 545, dstPort: 548, checksumOk: true });
      expect(udp.payload).to.deep.equal({ protocol: 17, length: 4 });
      expect(summarizeFrame(udp)).to.equal('2001:db8:1::1 > 2001:db8:1::2: UDP 545 > 548 length 4');
    });

    it('a UDP length beyond the packet is malformed', () => {
      const f = decodeHex(LINKTYPE_RAW, ipv6('2001:db8:1::1', '2001:db8:1::2', 17, 64, '0222 0223 0010 0000 abcd0102'));
      expect(f.malformed).to.equal('udp: truncated: length 16 exceeds 12 octets');
    });
  });

  describe('summaries of other MH messages', () => {
    it('PBA with status and options', () => {
      const pba = encodeMobilityHeader({
        type: 6, status: 0, flags: { P: true }, seq: 42, lifetime: 600, autoPad: true,
        options: [{ type: 22, prefix: '2001:db8:aa::/64' }, { type: 8, subtype: 1, id: 'mn1@example.com' }],
      }, { src: parseIpv6(PBU_DST), dst: parseIpv6(PBU_SRC) });
      const f = decodeHex(LINKTYPE_RAW, ipv6(PBU_DST, PBU_SRC, 135, 64, toHex(pba)));
      expect(f.mh).to.include({ name: 'PBA', checksumOk: true });
      expect(summarizeFrame(f)).to.equal(
        '2001:db8:0:2::1 > 2001:db8:0:1::1: PBA seq 42 status 0 ACCEPTED P lifetime 600s [HNP 2001:db8:aa::/64] [MN-ID nai mn1@example.com]');
    });

    it('a truncated MH says so on the frame', () => {
      const hex = ipv6(PBU_SRC, PBU_DST, 135, 64, PBU.slice(0, 2 * 40));
      const f = decodeHex(LINKTYPE_RAW, hex);
      expect(f.malformed).to.match(/^mh: header length 12 \(104 octets\) exceeds the 40 octets captured/);
      expect(summarizeFrame(f)).to.contain('[malformed mh: ');
    });
  });
});
