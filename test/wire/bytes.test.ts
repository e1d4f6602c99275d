import { expect } from 'chai';
import {
  formatIpv6, parseIpv6, formatIpv4, parseIpv4, formatMac, parseMac, toHex, fromHex,
  ipv6PseudoChecksum, internetChecksum,
} from '../../wire/bytes.js';

describe('wire/bytes', () => {
  describe('IPv6 text forms (RFC 5952)', () => {
    const cases: [string, string][] = [
      ['2001:0db8:0000:0000:0000:0000:0000:0001', '2001:db8::1'],
      ['0000:0000:0000:0000:0000:0000:0000:0000', '::'],
      ['0000:0000:0000:0000:0000:0000:0000:0001', '::1'],
      ['2001:0db8:0000:0001:0000:0000:0000:0001', '2001:db8:0:1::1'], // longest run wins
      ['2001:0db8:0000:0000:0001:0000:0000:0001', '2001:db8::1:0:0:1'], // first of equal runs
      ['2001:0db8:0000:0001:0001:0001:0001:0001', '2001:db8:0:1:1:1:1:1'], // a single zero word is not compressed
      ['fe80:0000:0000:0000:0200:5eff:fe00:5213', 'fe80::200:5eff:fe00:5213'],
      ['0000:0000:0000:0000:0000:ffff:c000:0201', '::ffff:192.0.2.1'],
      ['2001:0db8:00aa:0000:0000:0000:0000:0000', '2001:db8:aa::'],
    ];
    for (const [full, text] of cases) {
      it(`${full} <-> ${text}`, () => {
        const bytes = fromHex(full.replace(/:/g, ''));
        expect(formatIpv6(bytes, 0)).to.equal(text);
        expect(toHex(parseIpv6(text))).to.equal(toHex(bytes));
        expect(toHex(parseIpv6(full))).to.equal(toHex(bytes));
      });
    }
    it('formats at an offset', () => {
      const buf = new Uint8Array(20);
      buf.set(parseIpv6('2001:db8::5'), 4);
      expect(formatIpv6(buf, 4)).to.equal('2001:db8::5');
    });
    for (const bad of ['1::2::3', '12345::', 'g::', '1:2:3:4:5:6:7', '1:2:3:4:5:6:7:8:9', '::1.2.3', '1:2:3:4:5:6:7::8']) {
      it(`rejects "${bad}"`, () => expect(() => parseIpv6(bad)).to.throw(/invalid IPv6/));
    }
  });

  it('IPv4 and MAC text forms', () => {
    expect(formatIpv4(parseIpv4('192.0.2.33'), 0)).to.equal('192.0.2.33');
    expect(() => parseIpv4('256.1.1.1')).to.throw(/invalid IPv4/);
    expect(formatMac(parseMac('02:00:5E:00:52:13'), 0)).to.equal('02:00:5e:00:52:13');
    expect(() => parseMac('02:00:5e:0:52:13')).to.throw(/invalid link-layer/);
  });

  it('Internet checksum of the RFC 1071 example', () => {
    // RFC 1071 §3: the words 0001 f203 f4f5 f6f7 sum to 0xddf2 (folded), checksum 0x220d.
    expect(internetChecksum(fromHex('0001f203f4f5f6f7'), 0, 8)).to.equal(0x220d);
    // Odd length pads with a zero byte.
    expect(internetChecksum(fromHex('01'), 0, 1)).to.equal(0xfeff);
  });

  it('IPv6 pseudo-header checksum verifies to 0 with the checksum in place', () => {
    const addrs = new Uint8Array(32);
    addrs.set(parseIpv6('2001:db8:1::1'), 0);
    addrs.set(parseIpv6('2001:db8:1::2'), 16);
    // A Binding Refresh Request (MH type 0, no options, padded to 8 octets).
    const mh = fromHex('3b00000000000000');
    const c = ipv6PseudoChecksum(addrs, 0, 16, 135, mh, 0, mh.length);
    // Independent computation with BigInt-free plain arithmetic over the same fields.
    let sum = 0;
    for (let i = 0; i < 32; i += 2) sum += (addrs[i]! << 8) | addrs[i + 1]!;
    sum += 8 + 135 + 0x3b00;
    while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
    expect(c).to.equal(~sum & 0xffff);
    mh[4] = c >> 8; mh[5] = c & 0xff;
    expect(ipv6PseudoChecksum(addrs, 0, 16, 135, mh, 0, mh.length)).to.equal(0);
  });
});
