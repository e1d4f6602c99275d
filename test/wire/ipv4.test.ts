// IPv4 header, UDP and TCP ports. Checksums in the vectors were computed independently (Python).
import { expect } from 'chai';
import { fromHex, parseIpv6, toHex } from '../../wire/bytes.js';
import { IpChainEnd } from '../../wire/ipv6.js';
import { decodeIpv4Header, decodeTcpPorts, decodeUdp, encodeIpv4, encodeUdp } from '../../wire/ipv4.js';

/** The catalog A.8 PBU with its MH checksum zeroed, as RFC 5844 §4 sends it over UDP; 104 octets. */
const PBU_NO_CHECKSUM = [
  '3b0c0500 0000',                       // MH common header: proto 59, Header Len 12, type 5, checksum 0
  '002a c200 0096',                      // seq 42, flags A H P, lifetime 150 units
  '16120000 00000000000000000000000000000000', // HNP ::/0
  '17020001 18020003',                   // HI 1, ATT 3
  '0810016d6e31406578616d706c652e636f6d', // MN-ID NAI mn1@example.com
  '1b0800006553f1008000 0100',           // Timestamp, PadN 0
  '1a10fe8000000000000002005efffe005213', // Link-local Address
  '19080000020000000001 010400000000',   // MN-LL-ID, PadN 4
].join('');

/** IPv4 -> UDP 5436 -> PBU (RFC 5844 §4 signalling over an IPv4 transport). */
const IPV4_UDP_PBU = [
  '45',       // version 4, IHL 5 (20 octets)
  '00',       // TOS
  '0084',     // total length 132 = 20 + 8 + 104
  '1234',     // identification
  '4000',     // flags DF, fragment offset 0
  '40',       // TTL 64
  '11',       // protocol 17 (UDP)
  'a431',     // header checksum
  'c0000201', // src 192.0.2.1 (IPv4 proxy CoA)
  'c0000202', // dst 192.0.2.2 (IPv4 LMAA)
  '153c',     // UDP src port 5436
  '153c',     // UDP dst port 5436
  '0070',     // UDP length 112
  '8880',     // UDP checksum over the IPv4 pseudo-header
  PBU_NO_CHECKSUM,
].join('');

/** IPv4 with a Router Alert option (IHL 6), carrying IGMP. */
const IPV4_OPTIONS = [
  '46',       // version 4, IHL 6 (24 octets)
  'c0',       // TOS 0xc0
  '0020',     // total length 32
  '0001',     // identification 1
  '0000',     // no flags, offset 0
  '01',       // TTL 1
  '02',       // protocol 2 (IGMP)
  '81ff',     // header checksum
  'c0000201', // src 192.0.2.1
  'e0000016', // dst 224.0.0.22
  '94040000', // option: Router Alert (RFC 2113)
  '1600fa0400000000', // 8 octets of IGMP
].join('');

/** UDP over IPv6, 546 -> 547, checksum over the IPv6 pseudo-header of 2001:db8:1::1 -> ::2. */
const UDP6 = '0222 0223 000c f34a abcd0102';

function v6Context(): { addrBuf: Uint8Array; srcOff: number; dstOff: number } {
  const addrBuf = new Uint8Array(32);
  addrBuf.set(parseIpv6('2001:db8:1::1'), 0);
  addrBuf.set(parseIpv6('2001:db8:1::2'), 16);
  return { addrBuf, srcOff: 0, dstOff: 16 };
}

describe('wire/ipv4', () => {
  const chain = new IpChainEnd();

  it('decodes the header of IPv4/UDP/PBU, verifies its checksum and re-encodes it', () => {
    const buf = fromHex(IPV4_UDP_PBU);
    const h = decodeIpv4Header(buf, 0, buf.length, chain);
    expect(h).to.deep.equal({
      src: '192.0.2.1', dst: '192.0.2.2', ttl: 64, protocol: 17, tos: 0, totalLength: 132, identification: 0x1234,
      dontFragment: true, moreFragments: false, fragmentOffset: 0, headerLength: 20, checksum: 0xa431, checksumOk: true,
    });
    expect(chain).to.include({ protocol: 17, offset: 20, end: 132, opaque: false, error: '' });
    expect(toHex(encodeIpv4({ ...h!, payload: buf.subarray(20) }))).to.equal(toHex(buf));
  });

  it('flags a bad header checksum', () => {
    const buf = fromHex(IPV4_UDP_PBU);
    buf[10] ^= 0x01;
    expect(decodeIpv4Header(buf, 0, buf.length, chain)!.checksumOk).to.equal(false);
  });

  it('keeps options as hex and re-encodes them', () => {
    const buf = fromHex(IPV4_OPTIONS);
    const h = decodeIpv4Header(buf, 0, buf.length, chain)!;
    expect(h).to.include({ headerLength: 24, options: '94040000', checksumOk: true, protocol: 2, tos: 0xc0, ttl: 1 });
    expect(chain).to.include({ protocol: 2, offset: 24, end: 32 });
    expect(toHex(encodeIpv4({ ...h, payload: buf.subarray(24) }))).to.equal(toHex(buf));
  });

  it('builds a header with a computed checksum', () => {
    const buf = fromHex(IPV4_UDP_PBU);
    const built = encodeIpv4({ src: '192.0.2.1', dst: '192.0.2.2', protocol: 17, identification: 0x1234, dontFragment: true, payload: buf.subarray(20) });
    expect(toHex(built)).to.equal(toHex(buf));
  });

  it('reports truncation, bad lengths and a wrong version', () => {
    const buf = fromHex(IPV4_UDP_PBU);
    expect(decodeIpv4Header(buf, 0, 19, chain)).to.equal(null);
    expect(chain.error).to.equal('truncated: 19 of 20 header octets captured');
    const cut = decodeIpv4Header(buf, 0, 60, chain);
    expect(cut).to.not.equal(null);
    expect(chain.error).to.equal('truncated: total length 132 exceeds 60 captured octets');
    expect(chain.end).to.equal(60);
    const v6 = fromHex(IPV4_UDP_PBU); v6[0] = 0x65;
    expect(decodeIpv4Header(v6, 0, v6.length, chain)).to.equal(null);
    expect(chain.error).to.equal('version 6 is not 4');
    const short = fromHex(IPV4_UDP_PBU); short[0] = 0x44;
    expect(decodeIpv4Header(short, 0, short.length, chain)).to.equal(null);
    expect(chain.error).to.equal('header length 16 is less than 20');
  });

  it('treats a non-first fragment as opaque', () => {
    const buf = fromHex(IPV4_UDP_PBU);
    buf[6] = 0x00; buf[7] = 0x10; // offset 16 units = 128 octets
    const h = decodeIpv4Header(buf, 0, buf.length, chain)!;
    expect(h.fragmentOffset).to.equal(128);
    expect(chain.opaque).to.equal(true);
  });

  describe('UDP', () => {
    it('verifies the checksum over the IPv4 pseudo-header and re-encodes', () => {
      const buf = fromHex(IPV4_UDP_PBU);
      const ctx = { addrBuf: buf, srcOff: 12, dstOff: 16 };
      const u = decodeUdp(buf, 20, 112, ctx, 4);
      expect(u).to.deep.equal({ srcPort: 5436, dstPort: 5436, length: 112, checksum: 0x8880, checksumOk: true });
      expect(toHex(encodeUdp({ ...u!, payload: buf.subarray(28) }))).to.equal(toHex(buf.subarray(20)));
      // computed from scratch
      expect(toHex(encodeUdp({ srcPort: 5436, dstPort: 5436, payload: buf.subarray(28) }, '192.0.2.1', '192.0.2.2'))).to.equal(toHex(buf.subarray(20)));
      buf[40] ^= 0xff; // corrupt the MH
      expect(decodeUdp(buf, 20, 112, ctx, 4)!.checksumOk).to.equal(false);
    });

    it('accepts a zero checksum over IPv4 as "none" but not over IPv6', () => {
      const dg = fromHex('153c 153c 0008 0000');
      const v4 = fromHex('c0000201c0000202');
      expect(decodeUdp(dg, 0, 8, { addrBuf: v4, srcOff: 0, dstOff: 4 }, 4)!.checksumOk).to.equal(true);
      expect(decodeUdp(dg, 0, 8, v6Context(), 16)!.checksumOk).to.equal(false);
    });

    it('verifies the checksum over the IPv6 pseudo-header', () => {
      const buf = fromHex(UDP6);
      const u = decodeUdp(buf, 0, buf.length, v6Context(), 16)!;
      expect(u).to.deep.equal({ srcPort: 546, dstPort: 547, length: 12, checksum: 0xf34a, checksumOk: true });
      expect(toHex(encodeUdp({ srcPort: 546, dstPort: 547, payload: buf.subarray(8) }, '2001:db8:1::1', '2001:db8:1::2'))).to.equal(toHex(buf));
    });

    it('reports lengths that do not fit', () => {
      const buf = fromHex(UDP6);
      expect(decodeUdp(buf, 0, 7, v6Context(), 16)).to.equal(null);
      const cut = decodeUdp(buf, 0, 10, v6Context(), 16)!;
      expect(cut.malformed).to.equal('truncated: length 12 exceeds 10 octets');
      expect(cut.checksumOk).to.equal(false);
      buf[5] = 4;
      expect(decodeUdp(buf, 0, buf.length, v6Context(), 16)!.malformed).to.equal('length 4 is less than 8');
    });
  });

  it('reads TCP ports', () => {
    expect(decodeTcpPorts(fromHex('c35000160000'), 0, 6)).to.deep.equal({ srcPort: 50000, dstPort: 22 });
    expect(decodeTcpPorts(fromHex('c350'), 0, 2)).to.equal(null);
  });
});
