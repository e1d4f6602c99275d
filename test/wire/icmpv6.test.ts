// ICMPv6 messages and ND options (RFC 4443, 4861, 4191, 8106, 6275 §7); vectors in icmpv6-vectors.ts.
import { expect } from 'chai';
import { fromHex, parseIpv6, toHex } from '../../wire/bytes.js';
import {
  decodeIcmpv6, encodeIcmpv6, encodeNdOption, type Icmpv6Message, type RouterAdvertisement,
} from '../../wire/icmpv6.js';
import { ECHO, ERRORS, MAG_LL, MLD, MN_LL, NA, NS, RA, REDIRECT, RS, type Vector } from './icmpv6-vectors.js';

function ctx(src: string, dst: string): { addrBuf: Uint8Array; srcOff: number; dstOff: number } {
  const addrBuf = new Uint8Array(32);
  addrBuf.set(parseIpv6(src), 0);
  addrBuf.set(parseIpv6(dst), 16);
  return { addrBuf, srcOff: 0, dstOff: 16 };
}

function decodeVector(v: Vector, keepData = false): Icmpv6Message {
  const buf = fromHex(v.hex);
  const m = decodeIcmpv6(buf, 0, buf.length, ctx(v.src, v.dst), keepData);
  expect(m, v.name).to.not.equal(null);
  return m!;
}

describe('wire/icmpv6', () => {
  it('decodes an RS with its SLLA', () => {
    expect(decodeVector(RS)).to.deep.equal({
      type: 133, code: 0, name: 'RS', checksum: 0x7b2c, checksumOk: true,
      options: [{ type: 1, name: 'source-link-layer', length: 8, address: '02:00:00:00:00:01' }],
      sourceLinkLayer: '02:00:00:00:00:01',
    });
  });

  it('decodes an RA: fields, every option, and the convenience fields', () => {
    const m = decodeVector(RA) as RouterAdvertisement;
    expect(m).to.include({
      type: 134, name: 'RA', checksumOk: true, curHopLimit: 64, managed: false, other: true, homeAgent: false,
      prf: 'high', routerLifetime: 1800, reachableTime: 0, retransTimer: 0, sourceLinkLayer: '00:00:5e:00:52:13', mtu: 1460,
    });
    expect(m.reservedFlags).to.equal(undefined);
    const pio = {
      type: 3, name: 'prefix-information', length: 32, prefixLength: 64, onLink: true, autonomous: true, router: false,
      validLifetime: 86400, preferredLifetime: 14400, prefix: '2001:db8:aa::/64',
    };
    expect(m.options).to.deep.equal([
      { type: 1, name: 'source-link-layer', length: 8, address: '00:00:5e:00:52:13' },
      { type: 5, name: 'mtu', length: 8, mtu: 1460 },
      pio,
      { type: 24, name: 'route-information', length: 16, prefixLength: 48, preference: 'medium', routeLifetime: 3600, prefix: '2001:db8:ff::/48' },
      { type: 25, name: 'rdnss', length: 24, lifetime: 600, servers: ['2001:db8:1::53'] },
      { type: 31, name: 'dnssl', length: 24, data: '000000000258076578616d706c6503636f6d00000000' },
      { type: 14, name: 'nonce', length: 8, nonce: 'aabbccddeeff' },
    ]);
    expect(m.prefixes).to.deep.equal([pio]);
    expect(m.malformed).to.equal(undefined);
  });

  it('decodes an RA with the home agent flag and no options', () => {
    const buf = fromHex('86 00 0000 40 20 0000 00000000 00000000');
    const m = decodeIcmpv6(buf, 0, buf.length, ctx(MAG_LL, 'ff02::1')) as RouterAdvertisement;
    expect(m).to.include({ homeAgent: true, managed: false, prf: 'medium', routerLifetime: 0, checksumOk: false });
    expect(m.prefixes).to.deep.equal([]);
    expect(m).to.not.have.property('sourceLinkLayer');
    expect(m).to.not.have.property('mtu');
  });

  it('decodes and re-encodes the Nonce option of a DAD NS (RFC 3971 §5.3.2), and refuses a nonce that breaks the 8-octet units', () => {
    const dad = { type: 135 as const, target: MN_LL, options: [{ type: 14, nonce: '0102030405060708090a0b0c0d0e' }] };
    const bytes = encodeIcmpv6(dad, '::', 'ff02::1:ff00:aa05');
    const m = decodeIcmpv6(bytes, 0, bytes.length, ctx('::', 'ff02::1:ff00:aa05'))!;
    expect(m.name).to.equal('NS');
    const options = (m as { options: unknown[] }).options;
    expect(options).to.deep.equal([{ type: 14, name: 'nonce', length: 16, nonce: '0102030405060708090a0b0c0d0e' }]);
    expect(toHex(encodeIcmpv6({ ...m } as never, '::', 'ff02::1:ff00:aa05'))).to.equal(toHex(bytes));
    expect(() => encodeNdOption({ type: 14, nonce: '0102' })).to.throw(/multiple of 8/);
  });

  it('decodes NS, NA and Redirect', () => {
    expect(decodeVector(NS)).to.deep.equal({
      type: 135, code: 0, name: 'NS', checksum: 0x7874, checksumOk: true, target: MAG_LL,
      options: [{ type: 1, name: 'source-link-layer', length: 8, address: '02:00:00:00:00:01' }], sourceLinkLayer: '02:00:00:00:00:01',
    });
    expect(decodeVector(NA)).to.deep.equal({
      type: 136, code: 0, name: 'NA', checksum: 0x88e4, checksumOk: true, router: true, solicited: true, override: true,
      target: MAG_LL, options: [{ type: 2, name: 'target-link-layer', length: 8, address: '00:00:5e:00:52:13' }],
      targetLinkLayer: '00:00:5e:00:52:13',
    });
    expect(decodeVector(REDIRECT)).to.deep.equal({
      type: 137, code: 0, name: 'redirect', checksum: 0x3513, checksumOk: true, target: MAG_LL, destination: '2001:db8:ff::1',
      options: [
        { type: 2, name: 'target-link-layer', length: 8, address: '00:00:5e:00:52:13' },
        { type: 4, name: 'redirected-header', length: 8, data: '000000000000' },
      ],
      targetLinkLayer: '00:00:5e:00:52:13',
    });
  });

  it('decodes an echo request; its data only with keepData', () => {
    expect(decodeVector(ECHO)).to.deep.equal({
      type: 128, code: 0, name: 'echo-request', checksum: 0x5dcd, checksumOk: true, id: 1, seq: 3, dataLength: 4,
    });
    expect(decodeVector(ECHO, true)).to.include({ data: '61626364' });
  });

  it('decodes the error messages', () => {
    const [ptb, du, te, pp] = ERRORS.map((v) => decodeVector(v));
    expect(ptb).to.deep.equal({
      type: 2, code: 0, name: 'packet-too-big', checksum: 0x0d59, checksumOk: true, codeName: 'packet-too-big', mtu: 1280, dataLength: 48,
    });
    expect(du).to.include({ name: 'dest-unreachable', code: 4, codeName: 'port-unreachable', checksumOk: true, dataLength: 48 });
    expect(du).to.not.have.property('unused');
    expect(te).to.include({ name: 'time-exceeded', codeName: 'hop-limit', checksumOk: true });
    expect(pp).to.include({ name: 'parameter-problem', codeName: 'unrecognized-next-header', pointer: 40, checksumOk: true });
  });

  it('decodes MLD messages by name', () => {
    const [report, query, v2] = MLD.map((v) => decodeVector(v, true));
    expect(report).to.deep.equal({
      type: 131, code: 0, name: 'mld-report', checksum: 0x831f, checksumOk: true, maxResponseDelay: 0,
      multicastAddress: 'ff02::1:ff00:1', dataLength: 0,
    });
    expect(query).to.include({ name: 'mld-query', maxResponseDelay: 10000, multicastAddress: '::', dataLength: 4, data: '027d0000', checksumOk: true });
    expect(v2).to.include({ name: 'mldv2-report', recordCount: 1, dataLength: 20, checksumOk: true });
  });

  it('keeps an unknown type raw', () => {
    const buf = fromHex('90 00 0000 00010000'); // type 144 (HAAD request), id 1
    expect(decodeIcmpv6(buf, 0, buf.length, ctx('::1', '::2'))).to.deep.include({ type: 144, name: 'unknown', dataLength: 4, data: '00010000' });
  });

  it('re-encodes every vector byte for byte (decoded with keepData)', () => {
    for (const v of [RS, RA, NS, NA, REDIRECT, ECHO, ...ERRORS, ...MLD]) {
      const m = decodeVector(v, true);
      expect(toHex(encodeIcmpv6(m)), v.name).to.equal(toHex(fromHex(v.hex)));
      // And with the checksum recomputed from the addresses.
      expect(toHex(encodeIcmpv6({ ...m, checksum: undefined }, v.src, v.dst)), v.name).to.equal(toHex(fromHex(v.hex)));
    }
  });

  it('detects a bad checksum (wrong pseudo-header or corrupted message)', () => {
    const buf = fromHex(RA.hex);
    expect(decodeIcmpv6(buf, 0, buf.length, ctx(MAG_LL, 'ff02::2'))!.checksumOk).to.equal(false);
    buf[20] ^= 0x01;
    expect(decodeIcmpv6(buf, 0, buf.length, ctx(MAG_LL, 'ff02::1'))!.checksumOk).to.equal(false);
  });

  describe('malformed options', () => {
    it('stops at an option of length 0', () => {
      const buf = fromHex('85 00 0000 00000000 01 00 020000000001');
      const m = decodeIcmpv6(buf, 0, buf.length, ctx(MN_LL, 'ff02::2'))!;
      expect(m.malformed).to.equal('option 1 has length 0');
      expect((m as { options: unknown[] }).options).to.deep.equal([]);
    });

    it('reports an option overrunning the message', () => {
      const buf = fromHex('85 00 0000 00000000 01 02 020000000001');
      expect(decodeIcmpv6(buf, 0, buf.length, ctx(MN_LL, 'ff02::2'))!.malformed).to.equal('option 1 of 16 octets overruns the message');
    });

    it('keeps a PIO of the wrong size raw and says so', () => {
      const buf = fromHex('86 00 0000 40 00 0708 00000000 00000000 03 01 400000000000');
      const m = decodeIcmpv6(buf, 0, buf.length, ctx(MAG_LL, 'ff02::1')) as RouterAdvertisement;
      expect(m.malformed).to.equal('option 3 of 8 octets does not fit its layout');
      expect(m.options[0]).to.deep.equal({ type: 3, name: 'unknown', length: 8, data: '400000000000' });
      expect(m.prefixes).to.deep.equal([]);
    });

    it('returns null when the fixed part is cut', () => {
      const buf = fromHex(RA.hex);
      expect(decodeIcmpv6(buf, 0, 15, ctx(MAG_LL, 'ff02::1'))).to.equal(null);
      expect(decodeIcmpv6(buf, 0, 3, ctx(MAG_LL, 'ff02::1'))).to.equal(null);
    });
  });

  describe('building', () => {
    it('builds an RA from convenience fields (SLLA, MTU, prefixes) with a computed checksum', () => {
      const out = encodeIcmpv6({
        type: 134, curHopLimit: 64, routerLifetime: 1800, sourceLinkLayer: '00:00:5e:00:52:13', mtu: 1460,
        prefixes: [{ type: 3, prefix: '2001:db8:aa::/64', validLifetime: 86400, preferredLifetime: 14400 }],
      }, MAG_LL, 'ff02::1');
      const m = decodeIcmpv6(out, 0, out.length, ctx(MAG_LL, 'ff02::1')) as RouterAdvertisement;
      expect(m.checksumOk).to.equal(true);
      expect(m.sourceLinkLayer).to.equal('00:00:5e:00:52:13');
      expect(m.mtu).to.equal(1460);
      expect(m.prefixes.map((p) => [p.prefix, p.onLink, p.autonomous, p.validLifetime, p.preferredLifetime]))
        .to.deep.equal([['2001:db8:aa::/64', true, true, 86400, 14400]]);
      // SLLA, MTU, PIO: the same octets as the hand-written RA's first options.
      expect(toHex(out.subarray(16, 16 + 48))).to.equal(toHex(fromHex(RA.hex).subarray(16, 16 + 48)));
    });

    it('builds an echo request byte for byte', () => {
      const out = encodeIcmpv6({ type: 128, id: 1, seq: 3, data: fromHex('61626364') }, ECHO.src, ECHO.dst);
      expect(toHex(out)).to.equal(toHex(fromHex(ECHO.hex)));
    });

    it('encodes a Route Information option with as few prefix octets as the length needs', () => {
      expect(toHex(encodeNdOption({ type: 24, prefix: '2001:db8:ff::/48', routeLifetime: 3600 })))
        .to.equal(toHex(fromHex('18 02 30 00 00000e10 20010db800ff0000')));
      expect(toHex(encodeNdOption({ type: 24, prefix: '::/0', preference: 'low', routeLifetime: 0 })))
        .to.equal('180100180000' + '0000');
    });

    it('needs the addresses to compute a checksum', () => {
      expect(() => encodeIcmpv6({ type: 133 })).to.throw(/src and dst/);
    });
  });
});
