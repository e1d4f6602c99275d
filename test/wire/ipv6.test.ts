// IPv6 fixed header and extension headers (RFC 8200 §4), written field by field.
import { expect } from 'chai';
import { formatIpv6, formatMac, fromHex, toHex } from '../../wire/bytes.js';
import { ipv6PrefixText, ipv6Text, macText } from '../../wire/intern.js';
import { decodeIpv6Header, encodeExtensionHeader, encodeIpv6, IpChainEnd, type Ipv6Header } from '../../wire/ipv6.js';

const SRC = '20010db8000100000000000000000001'; // 2001:db8:1::1
const DST = '20010db8000100000000000000000002'; // 2001:db8:1::2

/** Fixed header: version 6, traffic class 0xb8, flow label 0x12345, then `ext` and `rest`. */
function packet(nextHeader: string, payload: string, payloadLength?: number): Uint8Array {
  const body = fromHex(payload);
  return fromHex([
    '6b812345', // version 6 | traffic class 0xb8 | flow label 0x12345
    (payloadLength ?? body.length).toString(16).padStart(4, '0'), // payload length
    nextHeader, // next header
    '40',       // hop limit 64
    SRC, DST,
    payload,
  ].join(''));
}

const chain = new IpChainEnd();

function decode(buf: Uint8Array): Ipv6Header {
  const h = decodeIpv6Header(buf, 0, buf.length, chain);
  expect(h, chain.error).to.not.equal(null);
  return h!;
}

/** Decoding then encoding with the octets after the chain gives the packet back. */
function expectRoundTrip(buf: Uint8Array): void {
  const h = decode(buf);
  const again = encodeIpv6({ ...h, payload: buf.subarray(chain.offset, chain.end) });
  expect(toHex(again)).to.equal(toHex(buf));
}

describe('wire/ipv6', () => {
  it('decodes the fixed header', () => {
    const buf = packet('3b', '0000000000000000');
    expect(decode(buf)).to.deep.equal({
      src: '2001:db8:1::1', dst: '2001:db8:1::2', hopLimit: 64, nextHeader: 59,
      trafficClass: 0xb8, flowLabel: 0x12345, payloadLength: 8, extensionHeaders: [],
    });
    expect(chain).to.include({ protocol: 59, offset: 40, end: 48, opaque: false, error: '' });
    expectRoundTrip(buf);
  });

  it('ignores link-layer padding after the payload', () => {
    const buf = fromHex(toHex(packet('3b', '00000000')) + '000000000000');
    decode(buf);
    expect(chain.end).to.equal(44);
    expect(chain.error).to.equal('');
  });

  it('decodes a hop-by-hop header with Router Alert and PadN', () => {
    const buf = packet('00', [
      '3a 00',     // next header 58, Hdr Ext Len 0 (8 octets)
      '05 02 0000', // Router Alert, value 0 (MLD)
      '01 00',     // PadN, no data
      '8300000000000000', // 8 octets of ICMPv6
    ].join(''));
    expect(decode(buf).extensionHeaders).to.deep.equal([{
      type: 0, name: 'hop-by-hop', nextHeader: 58, length: 8,
      options: [{ type: 5, name: 'router-alert', length: 2, value: 0 }, { type: 1, name: 'padn', length: 0 }],
    }]);
    expect(chain).to.include({ protocol: 58, offset: 48 });
    expectRoundTrip(buf);
  });

  it('decodes the Linux ip6tnl destination options header (Tunnel Encapsulation Limit)', () => {
    const buf = packet('3c', [
      '29 00',   // next header 41 (IPv6), 8 octets
      '04 01 04', // Tunnel Encapsulation Limit (RFC 2473 §5.1), limit 4
      '01 01 00', // PadN, one zero octet
    ].join(''));
    expect(decode(buf).extensionHeaders).to.deep.equal([{
      type: 60, name: 'destination-options', nextHeader: 41, length: 8,
      options: [{ type: 4, name: 'tunnel-encap-limit', length: 1, limit: 4 }, { type: 1, name: 'padn', length: 1 }],
    }]);
    expect(chain).to.include({ protocol: 41, offset: 48, end: 48 });
    expectRoundTrip(buf);
  });

  it('decodes a Home Address option and keeps non-zero PadN contents', () => {
    const buf = packet('3c', [
      '87 02',       // next header 135 (MH), 24 octets
      '01 02 abcd',  // PadN with non-zero contents (kept for the round trip)
      'c9 10 20010db800aa00000000000000000005', // Home Address 2001:db8:aa::5 (at 8n+6)
      '3b00010000000000', // 8 octets of MH
    ].join(''));
    expect(decode(buf).extensionHeaders[0]).to.deep.equal({
      type: 60, name: 'destination-options', nextHeader: 135, length: 24,
      options: [
        { type: 1, name: 'padn', length: 2, data: 'abcd' },
        { type: 201, name: 'home-address', length: 16, address: '2001:db8:aa::5' },
      ],
    });
    expectRoundTrip(buf);
  });

  it('keeps unknown options raw', () => {
    const buf = packet('3c', '3b 00 3e 04 01020304'); // option type 0x3e, 4 octets
    expect(decode(buf).extensionHeaders[0]).to.deep.include({ options: [{ type: 0x3e, name: 'unknown', length: 4, data: '01020304' }] });
    expectRoundTrip(buf);
  });

  it('decodes a type 2 routing header (the home address)', () => {
    const buf = packet('2b', [
      '3a 02',    // next header 58, 24 octets
      '02 01',    // routing type 2, segments left 1
      '00000000', // reserved
      '20010db800aa00000000000000000005', // home address
    ].join(''));
    expect(decode(buf).extensionHeaders).to.deep.equal([{
      type: 43, name: 'routing', nextHeader: 58, length: 24, routingType: 2, segmentsLeft: 1, homeAddress: '2001:db8:aa::5',
    }]);
    expectRoundTrip(buf);
  });

  it('decodes a segment routing header (type 4)', () => {
    const buf = packet('2b', [
      '29 04',    // next header 41, 40 octets
      '04 01',    // routing type 4, segments left 1
      '01 00 0000', // last entry 1, flags 0, tag 0
      '20010db8000100000000000000000002', // segment 0
      '20010db8000100000000000000000003', // segment 1
    ].join(''));
    expect(decode(buf).extensionHeaders[0]).to.deep.equal({
      type: 43, name: 'routing', nextHeader: 41, length: 40, routingType: 4, segmentsLeft: 1,
      lastEntry: 1, flags: 0, tag: 0, segments: ['2001:db8:1::2', '2001:db8:1::3'],
    });
    expectRoundTrip(buf);
  });

  it('keeps other routing types raw', () => {
    const buf = packet('2b', '3b 02 00 00 00000000 20010db8000100000000000000000009'); // RH0
    expect(decode(buf).extensionHeaders[0]).to.deep.include({ routingType: 0, data: '0000000020010db8000100000000000000000009' });
    expectRoundTrip(buf);
  });

  it('goes on into the upper layer of a first fragment', () => {
    const buf = packet('2c', [
      '11 00',     // next header 17, reserved
      '0001',      // offset 0, M = 1
      '12345678',  // identification
      '153c153c00100000', // UDP header
    ].join(''));
    expect(decode(buf).extensionHeaders).to.deep.equal([{
      type: 44, name: 'fragment', nextHeader: 17, length: 8, offset: 0, more: true, identification: 0x12345678,
    }]);
    expect(chain).to.include({ protocol: 17, offset: 48, opaque: false });
    expectRoundTrip(buf);
  });

  it('stops at a non-first fragment without calling it malformed', () => {
    const buf = packet('2c', '11 00 05a8 12345678 0102030405060708'); // offset 181 units = 1448 octets, M = 0
    expect(decode(buf).extensionHeaders[0]).to.include({ offset: 1448, more: false });
    expect(chain).to.include({ protocol: 17, offset: 48, opaque: true, error: '' });
    expectRoundTrip(buf);
  });

  it('stops at ESP: SPI and sequence only', () => {
    const buf = packet('32', '00000100 00000001 aabbccddeeff0011'); // SPI 0x100, seq 1, ciphertext
    expect(decode(buf).extensionHeaders).to.deep.equal([{ type: 50, name: 'esp', length: 16, spi: 0x100, sequence: 1 }]);
    expect(chain).to.include({ protocol: 50, offset: 48, opaque: true, error: '' });
    expectRoundTrip(buf);
  });

  it('skips AH by its length', () => {
    const buf = packet('33', [
      '87 04',     // next header 135, Payload Len 4 -> (4 + 2) * 4 = 24 octets
      '0000',      // reserved
      '00000200',  // SPI
      '00000005',  // sequence
      '0102030405060708090a0b0c', // ICV
      '3b00010000000000', // 8 octets of MH
    ].join(''));
    expect(decode(buf).extensionHeaders).to.deep.equal([{
      type: 51, name: 'ah', nextHeader: 135, length: 24, spi: 0x200, sequence: 5, icv: '0102030405060708090a0b0c',
    }]);
    expect(chain).to.include({ protocol: 135, offset: 64 });
    expectRoundTrip(buf);
  });

  it('takes the length of a jumbogram from the Jumbo option', () => {
    const buf = fromHex(toHex(packet('00', '3b 00 c2 04 00000010 0102030405060708', 0)) + 'ffff'); // + 2 octets of link padding
    expect(decode(buf).extensionHeaders[0]).to.deep.include({ options: [{ type: 0xc2, name: 'jumbo', length: 4, payloadLength: 16 }] });
    expect(chain).to.include({ protocol: 59, offset: 48, end: 56, error: '' });
  });

  it('decodes a chain of several headers in order', () => {
    const buf = packet('00', [
      '3c 00 01 04 00000000', // hop-by-hop -> destination options, PadN 4
      '2b 00 01 04 00000000', // destination options -> routing
      '2c 02 02 01 00000000 20010db800aa00000000000000000005', // routing type 2 -> fragment
      '3a 00 0000 00000001', // fragment (offset 0, M 0) -> ICMPv6
      '80000000',
    ].join(''));
    expect(decode(buf).extensionHeaders.map((e) => e.name)).to.deep.equal(['hop-by-hop', 'destination-options', 'routing', 'fragment']);
    expect(chain).to.include({ protocol: 58, offset: 40 + 8 + 8 + 24 + 8 });
    expectRoundTrip(buf);
  });

  describe('problems', () => {
    it('returns null for a missing or non-6 header', () => {
      const buf = packet('3b', '');
      expect(decodeIpv6Header(buf, 0, 39, chain)).to.equal(null);
      expect(chain.error).to.equal('truncated: 39 of 40 header octets captured');
      buf[0] = 0x45;
      expect(decodeIpv6Header(buf, 0, 40, chain)).to.equal(null);
      expect(chain.error).to.equal('version 4 is not 6');
    });

    it('reports a payload length beyond the capture and decodes what is there', () => {
      const buf = packet('3c', '3a 00 01 04 00000000 8000', 80);
      const h = decodeIpv6Header(buf, 0, buf.length, chain)!;
      expect(chain.error).to.equal('truncated: payload length 80 exceeds 10 captured octets');
      expect(h.extensionHeaders).to.have.length(1);
      expect(chain).to.include({ protocol: 58, offset: 48, end: 50 });
    });

    it('reports an extension header that overruns the packet', () => {
      decodeIpv6Header(packet('3c', '3a 01 01 04 00000000'), 0, 48, chain);
      expect(chain.error).to.equal('destination-options header of 16 octets overruns the packet');
      expect(chain.protocol).to.equal(-1);
    });

    it('reports an option that overruns its header', () => {
      decodeIpv6Header(packet('3c', '3b 00 01 05 00000000'), 0, 48, chain);
      expect(chain.error).to.equal('destination-options: option 1 overruns its header');
      expect(chain.protocol).to.equal(-1);
    });
  });

  describe('interned address text', () => {
    it('always matches formatIpv6, through collisions and evictions', () => {
      // 20000 addresses in a 4096-entry cache, looked up twice in different orders; they differ
      // in one word or another, as testbed addresses do.
      const buf = new Uint8Array(16 * 20000);
      let x = 0x12345678;
      for (let i = 0; i < buf.length; i++) { x = (Math.imul(x, 1103515245) + 12345) | 0; buf[i] = i % 16 < 8 && (i >> 4) % 3 !== 0 ? 0x20 : (x >>> 16) & 0xff; }
      for (const order of [1, 7919]) {
        for (let k = 0; k < 20000; k++) {
          const off = 16 * ((k * order) % 20000);
          if (ipv6Text(buf, off) !== formatIpv6(buf, off)) expect.fail(`mismatch at ${off}`);
        }
      }
    });

    it('keeps prefixes of different lengths apart, and MACs', () => {
      const a = fromHex('20010db800aa00000000000000000000');
      expect(ipv6PrefixText(a, 0, 64)).to.equal('2001:db8:aa::/64');
      expect(ipv6PrefixText(a, 0, 48)).to.equal('2001:db8:aa::/48');
      expect(ipv6PrefixText(a, 0, 64)).to.equal('2001:db8:aa::/64');
      const m = fromHex('020000000001020000000002');
      expect([macText(m, 0), macText(m, 6), macText(m, 0)]).to.deep.equal([formatMac(m, 0), formatMac(m, 6), '02:00:00:00:00:01']);
    });
  });

  describe('building', () => {
    it('pads options to 8 octets and chains next headers', () => {
      const inner = fromHex('6000000000003b40' + SRC + DST);
      const out = encodeIpv6({
        src: '2001:db8:1::1', dst: '2001:db8:1::2', hopLimit: 64, trafficClass: 0xb8, flowLabel: 0x12345,
        extensionHeaders: [{ type: 60, nextHeader: 41, options: [{ type: 4, limit: 4 }] }],
        payload: inner,
      });
      expect(toHex(out)).to.equal(toHex(packet('3c', '29 00 04 01 04 01 01 00' + toHex(inner))));
    });

    it('defaults: hop limit 64, next header from the first extension header or 59', () => {
      const out = encodeIpv6({ src: '::1', dst: '::2' });
      expect(toHex(out.subarray(0, 8))).to.equal('600000000000' + '3b' + '40');
      const chained = encodeIpv6({ src: '::1', dst: '::2', extensionHeaders: [{ type: 0, options: [] }, { type: 44, nextHeader: 17, identification: 1 }] });
      expect(chained[6]).to.equal(0);
      expect(chained[40]).to.equal(44); // hop-by-hop's next header: the following fragment header
      expect(chained[48]).to.equal(17);
    });

    it('encodes a single header with Pad1 when one octet is missing', () => {
      const out = encodeExtensionHeader({ type: 60, options: [{ type: 1, length: 3 }] }, 59);
      expect(toHex(out)).to.equal('3b00' + '0103000000' + '00');
    });

    it('rejects an extension header it cannot encode', () => {
      expect(() => encodeExtensionHeader({ type: 139 }, 59)).to.throw(/cannot be encoded/);
    });
  });
});
