import { expect } from 'chai';
import {
  canonicalAddress, eui64InterfaceId, formatIpv6, formatMac, hostAddress, isLinkLocal, isMulticast, isZeroPrefix, macFromEui64, makePrefix,
  parseIpv6, parsePrefix, parsePrefixLoose, PrefixError, PrefixIndex, prefixContains, prefixCovers, prefixesOverlap,
  randomLinkLocal, sameAddress, subprefix, subprefixCount,
} from '../../wire/index.js';
import { mulberry32 } from '../../harness/prng.js';

const bigOf = (b: Uint8Array): bigint => b.reduce((v, x) => (v << 8n) | BigInt(x), 0n);
const maskOf = (len: number): bigint => (len === 0 ? 0n : ((1n << 128n) - 1n) ^ ((1n << BigInt(128 - Math.min(len, 128))) - 1n));

describe('wire/prefix', () => {
  describe('parsing', () => {
    it('parsePrefix gives the masked bytes and the canonical text', () => {
      const p = parsePrefix('2001:0DB8:00aa:0000::/64');
      expect(p.text).to.equal('2001:db8:aa::/64');
      expect(p.length).to.equal(64);
      expect(p.bytes).to.deep.equal(parseIpv6('2001:db8:aa::'));
      expect(parsePrefix('::/0').text).to.equal('::/0');
      expect(parsePrefix('2001:db8::1/128').text).to.equal('2001:db8::1/128');
    });

    it('parsePrefix names what is wrong, and suggests the prefix meant when host bits are set', () => {
      const cases: [string, string][] = [
        ['2001:db8::', 'invalid IPv6 prefix "2001:db8::" (expected e.g. 2001:db8::/48)'],
        ['2001:db8::/abc', 'invalid IPv6 prefix "2001:db8::/abc" (expected e.g. 2001:db8::/48)'],
        ['2001:db8::/129', 'invalid IPv6 prefix "2001:db8::/129": length 129 is over 128'],
        ['2001:db8:::/48', 'invalid IPv6 prefix "2001:db8:::/48": "2001:db8:::" is not an IPv6 address'],
        ['2001:db8::1/64', 'invalid IPv6 prefix "2001:db8::1/64": bits set after the first 64 (did you mean 2001:db8::/64?)'],
        ['2001:db8:a000:6::/62', 'invalid IPv6 prefix "2001:db8:a000:6::/62": bits set after the first 62 (did you mean 2001:db8:a000:4::/62?)'],
      ];
      for (const [text, message] of cases) expect(() => parsePrefix(text), text).to.throw(PrefixError, message);
    });

    it('makePrefix and parsePrefixLoose mask host bits, as a packet may carry them', () => {
      expect(makePrefix(parseIpv6('2001:db8:a:b:c:d:e:f'), 62).text).to.equal('2001:db8:a:8::/62');
      expect(parsePrefixLoose('2001:db8:a:b::1/48')!.text).to.equal('2001:db8:a::/48');
      expect(parsePrefixLoose('2001:db8::5')!.text, 'a bare address').to.equal('2001:db8::5/128');
      // An over-long Prefix Length from a malformed option is kept as carried and compares as /128.
      const long = parsePrefixLoose('2001:db8::5/200')!;
      expect(long.length).to.equal(200);
      expect(prefixContains(long, '2001:db8::5')).to.equal(true);
      expect(prefixContains(long, '2001:db8::6')).to.equal(false);
      for (const bad of ['bogus', '2001:db8::/x', '2001:db8::/-1', '2001:db8::/256']) expect(parsePrefixLoose(bad), bad).to.equal(null);
    });
  });

  describe('containment', () => {
    it('prefixContains, prefixCovers and prefixesOverlap agree with 128-bit masks at every length', () => {
      const rnd = mulberry32(5213);
      const near = (base: Uint8Array): Uint8Array => {
        // Mostly addresses sharing a long run of leading bits with base, so every bit position gets hit.
        const b = Uint8Array.from(base);
        b[Math.floor(rnd() * 16)]! ^= 1 << Math.floor(rnd() * 8);
        return b;
      };
      const base = parseIpv6('2001:db8:aa:1:2:3:4:5');
      for (let i = 0; i < 2000; i++) {
        const a = makePrefix(near(base), Math.floor(rnd() * 129));
        const b = makePrefix(near(base), Math.floor(rnd() * 129));
        const addr = near(base);
        expect(bigOf(a.bytes) & ~maskOf(a.length), a.text).to.equal(0n);
        const contains = (bigOf(addr) & maskOf(a.length)) === bigOf(a.bytes);
        expect(prefixContains(a, addr), `${a.text} ∋ ${formatIpv6(addr, 0)}`).to.equal(contains);
        const covers = b.length >= a.length && (bigOf(b.bytes) & maskOf(a.length)) === bigOf(a.bytes);
        expect(prefixCovers(a, b), `${a.text} ⊇ ${b.text}`).to.equal(covers);
        const overlap = covers || (a.length >= b.length && (bigOf(a.bytes) & maskOf(b.length)) === bigOf(b.bytes));
        expect(prefixesOverlap(a, b), `${a.text} ∩ ${b.text}`).to.equal(overlap);
      }
      expect(prefixContains(parsePrefix('2001:db8:aa::/48'), '2001:db8:aa:1::5')).to.equal(true);
      expect(prefixContains(parsePrefix('::/0'), 'fe80::1')).to.equal(true);
    });

    it('PrefixIndex finds the owners prefixContains finds, for any prefix length', () => {
      const prefixes = ['2001:db8:aa:1::/64', '2001:db8:aa::/48', '2001:db8:aa:1::/64', '2001:db8:ab::/63', '::/0'].map((t) => parsePrefix(t));
      const index = new PrefixIndex();
      prefixes.forEach((p, i) => index.add(p, i));
      for (const a of ['2001:db8:aa:1::5', '2001:db8:ab:1::1', '2001:db8:ab:2::1', 'fe80::1']) {
        const scan = prefixes.flatMap((p, i) => (prefixContains(p, a) ? [i] : []));
        expect(index.ownersOf(a), a).to.deep.equal(scan);
        expect(index.ownersOf(parseIpv6(a)), `${a} as bytes`).to.deep.equal(scan);
      }
      expect(index.ownersOf('2001:db8:ab:1::1')).to.deep.equal([3, 4]);
      expect(index.ownersOf('2001:db8:aa:1::5')).to.deep.equal([0, 1, 2, 4]);
      expect(index.ownersOf('not-an-address')).to.deep.equal([]);
    });
  });

  describe('addressing plans', () => {
    it('carves subprefixes and numbers hosts', () => {
      const pool = parsePrefix('2001:db8::/48');
      expect(subprefixCount(pool, 64)).to.equal(65536n);
      expect(subprefixCount(pool, 32)).to.equal(0n);
      expect(hostAddress(subprefix(pool, 64, 0), 1)).to.equal('2001:db8::1');
      expect(hostAddress(subprefix(pool, 64, 0x1234), 2)).to.equal('2001:db8:0:1234::2');
      expect(hostAddress(parsePrefix('2001:db8::/64'), 0x1_0000_0001)).to.equal('2001:db8::1:0:1');
      // Lengths off the byte boundary: the LMA's /62 pool into /64 HNPs.
      const hnps = [0, 1, 2, 3].map((i) => subprefix(parsePrefix('2001:db8:a000::/62'), 64, i).text);
      expect(hnps).to.deep.equal(['2001:db8:a000::/64', '2001:db8:a000:1::/64', '2001:db8:a000:2::/64', '2001:db8:a000:3::/64']);
      expect(subprefix(parsePrefix('2001:db8::/32'), 45, 0x1fff).text).to.equal('2001:db8:fff8::/45');
      expect(() => subprefix(parsePrefix('2001:db8::/63'), 64, 2)).to.throw(PrefixError, /holds only 2 \/64/);
      expect(() => subprefix(pool, 40, 0)).to.throw(PrefixError, 'cannot carve /40 prefixes from 2001:db8::/48');
    });
  });

  describe('interface identifiers and addresses', () => {
    it('derives modified EUI-64 identifiers from MACs and back', () => {
      // RFC 4291 appendix A: 00:1b:21:3a:4b:5c -> 021b:21ff:fe3a:4b5c (U/L bit inverted).
      expect(eui64InterfaceId('00:1b:21:3a:4b:5c')).to.equal('::21b:21ff:fe3a:4b5c');
      expect(eui64InterfaceId('02:00:00:00:01:01')).to.equal('::ff:fe00:101');
      expect(formatMac(macFromEui64(parseIpv6('fe80::21b:21ff:fe3a:4b5c'))!, 0)).to.equal('00:1b:21:3a:4b:5c');
      expect(macFromEui64(parseIpv6('fe80::5213:1'))).to.equal(null);
    });

    it('makes random link-local addresses with a locally administered identifier', () => {
      const seen = new Set<string>();
      for (let i = 0; i < 50; i++) {
        const a = randomLinkLocal();
        seen.add(a);
        const b = parseIpv6(a);
        expect(prefixContains(parsePrefix('fe80::/64'), b), a).to.equal(true);
        expect(b[8]! & 0x02, `${a}: U/L bit`).to.equal(0);
      }
      expect(seen.size).to.be.greaterThan(45);
    });

    it('compares address texts by their canonical form (RFC 5952)', () => {
      expect(canonicalAddress('2001:0DB8:0:0::0001')).to.equal('2001:db8::1');
      expect(sameAddress('FE80::1', 'fe80:0::0:1')).to.equal(true);
      expect(sameAddress('fe80::1', 'fe80::2')).to.equal(false);
      expect(() => canonicalAddress('fe80::zz')).to.throw();
    });

    it('classifies the decoder\'s texts: all-zero prefixes, link-local and multicast addresses', () => {
      expect(['::/0', '::/64', '::'].map(isZeroPrefix)).to.deep.equal([true, true, true]);
      expect(['2001:db8::/64', '::1'].map(isZeroPrefix)).to.deep.equal([false, false]);
      expect(['fe80::1', 'FEBF::1', 'fec0::1', '2001:db8::fe80'].map(isLinkLocal)).to.deep.equal([true, true, false, false]);
      expect(['ff02::1', 'ff05::1:3', 'fe80::1', '2001:db8::ff02'].map(isMulticast)).to.deep.equal([true, true, false, false]);
    });
  });
});
