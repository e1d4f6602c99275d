// The shortcuts the decoders take for speed must give what the plain way gives: checksums summed
// 32 bits at a time through cached DataViews, the caches of NAIs, hex identifiers and Timestamp
// texts through collisions and evictions, and the ND fields added in the order their options come.
import { expect } from 'chai';
import { formatIpv6, internetChecksum, ipv6PseudoChecksum, parseIpv6, sum16, toHex } from '../../wire/bytes.js';
import { decodeIcmpv6, encodeIcmpv6, type Icmpv6Spec, type NdOptionSpec } from '../../wire/icmpv6.js';
import { ipv6Text } from '../../wire/intern.js';
import { ByteKeyedCache } from '../../wire/mh-byte-cache.js';
import { decodeMobilityHeader, encodeMobilityHeader } from '../../wire/mh.js';
import { findOption, isoFromUnix } from '../../wire/mh-options.js';
import { mulberry32 } from '../../harness/prng.js';

/** RFC 1071 the plain way: 16-bit words, octet by octet, folded at the end. */
function referenceChecksum(buf: Uint8Array, off: number, len: number, acc = 0): number {
  let s = acc;
  for (let i = 0; i < len; i += 2) s += (buf[off + i]! << 8) | (i + 1 < len ? buf[off + i + 1]! : 0);
  while (s > 0xffff) s = (s & 0xffff) + Math.floor(s / 0x10000);
  return ~s & 0xffff;
}

function randomBytes(n: number, seed: number): Uint8Array {
  const rnd = mulberry32(seed);
  return Uint8Array.from({ length: n }, () => Math.floor(rnd() * 256));
}

describe('decoder speed paths give what the plain way gives', () => {
  describe('checksums', () => {
    it('internetChecksum at every alignment and length up to 80 octets', () => {
      const buf = randomBytes(200, 1);
      for (let off = 0; off < 8; off++) {
        for (let len = 0; len <= 80; len++) {
          expect(internetChecksum(buf, off, len), `${off}/${len}`).to.equal(referenceChecksum(buf, off, len));
          expect(internetChecksum(buf, off, len, 0x1234), `${off}/${len} with acc`).to.equal(referenceChecksum(buf, off, len, 0x1234));
        }
      }
    });

    it('sums that carry far past 16 bits: all-ones data, long runs', () => {
      const ones = new Uint8Array(70000).fill(0xff);
      expect(internetChecksum(ones, 1, 65535)).to.equal(referenceChecksum(ones, 1, 65535));
      expect(internetChecksum(ones, 0, 0)).to.equal(0xffff);
      // Octets past the end of the buffer count as zero, as they always did.
      expect(internetChecksum(ones, 69990, 20)).to.equal(referenceChecksum(ones, 69990, 10));
      expect(sum16(ones, 70000, 4, 7)).to.equal(7);
    });

    it('the pseudo-header checksum with the addresses in the message buffer or apart, buffers alternating', () => {
      const a = parseIpv6('2001:db8:1::1'), b = parseIpv6('2001:db8:1::2');
      const msgs = [0, 1, 2].map((i) => encodeMobilityHeader({ type: 5, seq: i, lifetime: 0, autoPad: true }, { src: a, dst: b }));
      const pair = new Uint8Array(32);
      pair.set(a, 0);
      pair.set(b, 16);
      // Three buffers in turn (the DataView cache holds two), then the frame layout: addresses
      // and message in one buffer.
      for (let round = 0; round < 3; round++) {
        for (const m of msgs) expect(ipv6PseudoChecksum(pair, 0, 16, 135, m, 0, m.length)).to.equal(0);
      }
      const frame = new Uint8Array(3 + 32 + msgs[0]!.length);
      frame.set(pair, 3);
      frame.set(msgs[0]!, 35);
      expect(ipv6PseudoChecksum(frame, 3, 19, 135, frame, 35, msgs[0]!.length)).to.equal(0);
      frame[40] ^= 1;
      expect(ipv6PseudoChecksum(frame, 3, 19, 135, frame, 35, msgs[0]!.length)).to.not.equal(0);
    });
  });

  describe('ByteKeyedCache', () => {
    it('returns what it derives, through collisions and evictions, for every key length', () => {
      // 64 sets of 2 ways for 3000 keys: most lookups evict; every answer must still be right.
      let derived = 0;
      const cache = new ByteKeyedCache((b, o, n) => { derived++; return toHex(b, o, n); }, 6, 24, '');
      const buf = randomBytes(30 * 3000, 2);
      const key = (k: number): [number, number] => [30 * k + (k % 5), 1 + (k % 26)]; // lengths 1..26, past maxLen too
      for (const stride of [1, 7, 2999]) {
        for (let i = 0; i < 3000; i++) {
          const [off, len] = key((i * stride) % 3000);
          const got = cache.get(buf, off, len);
          if (got !== toHex(buf, off, len)) expect.fail(`key ${off}/${len}: ${got}`);
        }
      }
      expect(derived).to.be.greaterThan(3000);
    });

    it('hits when the same bytes come again, at any offset', () => {
      let derived = 0;
      const cache = new ByteKeyedCache((b, o, n) => { derived++; return toHex(b, o, n); }, 10, 64, '');
      const text = new TextEncoder().encode('mn1@example.com');
      const buf = new Uint8Array(100);
      for (const off of [0, 1, 2, 3, 50]) {
        buf.set(text, off);
        expect(cache.get(buf, off, text.length)).to.equal(toHex(text));
      }
      expect(derived).to.equal(1);
      // One octet different is another key.
      buf[50] ^= 1;
      expect(cache.get(buf, 50, text.length)).to.equal(toHex(buf, 50, text.length));
      expect(derived).to.equal(2);
    });

    it('keeps NAIs apart through the MN Identifier option decoder (3000 MNs)', () => {
      const pbus = Array.from({ length: 3000 }, (_, i) => encodeMobilityHeader({
        type: 5, seq: i, lifetime: 0, autoPad: true,
        options: [{ type: 8, subtype: 1, id: i % 3 === 0 ? `mn${i}@example.com` : i % 3 === 1 ? `mn ${i}` : `user${i}@realm-${i % 17}.example.org` }],
      }));
      for (const order of [1, 1499]) {
        for (let k = 0; k < 3000; k++) {
          const i = (k * order) % 3000;
          const id = findOption(decodeMobilityHeader(pbus[i]!, 0, pbus[i]!.length).options, 8)!;
          const want = i % 3 === 0 ? `mn${i}@example.com` : i % 3 === 1 ? `mn ${i}` : `user${i}@realm-${i % 17}.example.org`;
          if (id.id !== want || id.validNai !== (i % 3 !== 1)) expect.fail(`MN ${i}: ${JSON.stringify(id)}`);
        }
      }
    });
  });

  it('Timestamp texts through the cache: values that share a slot, and NTP-like ones', () => {
    const base = 1_800_000_000;
    const isoOf = (seconds: number, fraction: number): string => {
      const mh = encodeMobilityHeader({ type: 5, seq: 1, lifetime: 0, autoPad: true, options: [{ type: 27, seconds, fraction }] });
      return findOption(decodeMobilityHeader(mh, 0, mh.length).options, 27)!.iso;
    };
    // One second, every millisecond of it twice: the cache must tell them apart.
    for (let round = 0; round < 2; round++) {
      for (let ms = 0; ms < 1000; ms++) {
        const iso = isoOf(base, Math.ceil((ms * 65536) / 1000));
        if (iso !== new Date(base * 1000 + ms).toISOString()) expect.fail(`${base} + ${ms} ms: ${iso}`);
      }
    }
    for (let round = 0; round < 2; round++) {
      for (let k = 0; k < 4000; k++) {
        // Seconds 1024 apart share a slot; fractions pick different milliseconds.
        const seconds = base + 1024 * (k % 40) + (k % 3);
        const fraction = (k * 977) & 0xffff;
        // Every fifth an NTP-format value (seconds past 2100), whose text Date cannot check.
        const ntp = k % 5 === 0;
        const s = ntp ? 0xe9000000 * 65536 + seconds : seconds;
        const mh = encodeMobilityHeader({ type: 5, seq: k, lifetime: 0, autoPad: true, options: [{ type: 27, seconds: s, fraction }] });
        const ts = findOption(decodeMobilityHeader(mh, 0, mh.length).options, 27)!;
        const millis = Math.floor((fraction * 1000) / 65536);
        if (ts.iso !== isoFromUnix(s, millis) || ts.ntpLike !== ntp || (!ntp && ts.iso !== new Date(s * 1000 + millis).toISOString())) {
          expect.fail(`${s}.${fraction}: ${ts.iso}`);
        }
      }
    }
  });

  it('interned addresses at odd offsets of a shared buffer', () => {
    const buf = randomBytes(16 * 500 + 3, 3);
    for (let round = 0; round < 2; round++) {
      for (let i = 0; i < 500; i++) {
        const off = 3 + 16 * ((i * 7) % 500);
        if (ipv6Text(buf, off) !== formatIpv6(buf, off)) expect.fail(`address at ${off}`);
      }
    }
  });

  describe('ND fields come in the order of their options', () => {
    const SLLA: NdOptionSpec = { type: 1, address: '02:00:00:00:00:01' };
    const MTU: NdOptionSpec = { type: 5, mtu: 1400 };
    /** An MTU option of 16 octets: kept raw, and the message is malformed. */
    const BAD_MTU: NdOptionSpec = { type: 5, data: '0000000005dc0000000000000000' };
    const RA_KEYS = ['type', 'code', 'name', 'checksum', 'checksumOk', 'curHopLimit', 'managed', 'other', 'homeAgent', 'prf',
      'routerLifetime', 'reachableTime', 'retransTimer', 'options', 'prefixes'];
    const RS_KEYS = ['type', 'code', 'name', 'checksum', 'checksumOk', 'options'];

    function keys(spec: Icmpv6Spec, extra?: Uint8Array): string[] {
      let b = encodeIcmpv6(spec, 'fe80::1', 'ff02::2');
      if (extra !== undefined) { const c = new Uint8Array(b.length + extra.length); c.set(b); c.set(extra, b.length); b = c; }
      const addrBuf = new Uint8Array(32);
      addrBuf.set(parseIpv6('fe80::1'), 0);
      addrBuf.set(parseIpv6('ff02::2'), 16);
      return Object.keys(decodeIcmpv6(b, 0, b.length, { addrBuf, srcOff: 0, dstOff: 16 })!);
    }

    it('RS: malformed before or after the source link-layer address', () => {
      expect(keys({ type: 133, options: [BAD_MTU, SLLA] })).to.deep.equal([...RS_KEYS, 'malformed', 'sourceLinkLayer']);
      expect(keys({ type: 133, options: [SLLA, BAD_MTU] })).to.deep.equal([...RS_KEYS, 'sourceLinkLayer', 'malformed']);
      // A later cut keeps the place of the first problem.
      expect(keys({ type: 133, options: [BAD_MTU, SLLA] }, Uint8Array.of(1))).to.deep.equal([...RS_KEYS, 'malformed', 'sourceLinkLayer']);
    });

    it('RA: MTU before SLLA, and a damaged option between them', () => {
      expect(keys({ type: 134, options: [SLLA, MTU] })).to.deep.equal([...RA_KEYS, 'sourceLinkLayer', 'mtu']);
      expect(keys({ type: 134, options: [MTU, SLLA] })).to.deep.equal([...RA_KEYS, 'mtu', 'sourceLinkLayer']);
      expect(keys({ type: 134, options: [SLLA, BAD_MTU, MTU] })).to.deep.equal([...RA_KEYS, 'sourceLinkLayer', 'malformed', 'mtu']);
    });
  });
});
