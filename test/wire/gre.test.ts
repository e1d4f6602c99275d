// GRE (RFC 2784, RFC 2890): byte-exact round trips, the fields by hand, and what is refused.
import { expect } from 'chai';
import {
  decodeGre, decodePacket, encodeGre, encodeIpv6, fromHex, GRE_PROTOCOL_IPV4, GRE_PROTOCOL_IPV6, IPPROTO_GRE, toHex, WireEncodeError,
} from '../../wire/index.js';

const inner = encodeIpv6({ src: '2001:db8:aa::5', dst: '2001:db8:ff::1', hopLimit: 63, nextHeader: 59, payload: new Uint8Array(0) });

describe('GRE codec', () => {
  it('encodes a keyed header as RFC 2890 lays it out', () => {
    const g = encodeGre({ protocolType: GRE_PROTOCOL_IPV6, key: 0x1234abcd });
    expect(toHex(g)).to.equal('200086dd1234abcd');
  });

  it('puts checksum, key and sequence number in that order', () => {
    const g = encodeGre({ protocolType: GRE_PROTOCOL_IPV4, checksum: 0xbeef, key: 1, sequence: 2 });
    expect(toHex(g)).to.equal('b0000800beef00000000000100000002');
  });

  for (const spec of [
    { protocolType: GRE_PROTOCOL_IPV6 },
    { protocolType: GRE_PROTOCOL_IPV6, key: 0 },
    { protocolType: GRE_PROTOCOL_IPV6, key: 0xffffffff, sequence: 0x80000000 },
    { protocolType: GRE_PROTOCOL_IPV6, checksum: 'compute' as const, key: 42 },
  ]) {
    it(`round-trips ${JSON.stringify(spec)} byte for byte`, () => {
      const bytes = encodeGre({ ...spec, payload: inner });
      const h = decodeGre(bytes, 0, bytes.length)!;
      expect(h.length).to.equal(bytes.length - inner.length);
      expect(h.key).to.equal(spec.key);
      expect(h.sequence).to.equal((spec as { sequence?: number }).sequence);
      if (spec.checksum !== undefined) expect(h.checksumOk).to.equal(true);
      const again = encodeGre({
        protocolType: h.protocolType, ...(h.checksum !== undefined ? { checksum: h.checksum } : {}),
        ...(h.key !== undefined ? { key: h.key } : {}), ...(h.sequence !== undefined ? { sequence: h.sequence } : {}), payload: bytes.subarray(h.length),
      });
      expect(toHex(again)).to.equal(toHex(bytes));
    });
  }

  it('says a damaged checksum does not verify', () => {
    const bytes = encodeGre({ protocolType: GRE_PROTOCOL_IPV6, checksum: 'compute', payload: inner });
    bytes[bytes.length - 1]! ^= 1;
    expect(decodeGre(bytes, 0, bytes.length)!.checksumOk).to.equal(false);
  });

  it('returns null for a header that is not all there', () => {
    const bytes = fromHex('200086dd1234');
    expect(decodeGre(bytes, 0, bytes.length)).to.equal(null);
    expect(decodeGre(bytes, 0, 3)).to.equal(null);
  });

  it('names a non-zero version and reserved bits', () => {
    expect(decodeGre(fromHex('00010800'), 0, 4)!.malformed).to.match(/version 1/);
    expect(decodeGre(fromHex('40000800'), 0, 4)!.malformed).to.match(/reserved bits 0x4000/);
  });

  it('refuses keys that are not 32-bit unsigned integers', () => {
    expect(() => encodeGre({ protocolType: GRE_PROTOCOL_IPV6, key: -1 })).to.throw(WireEncodeError, /key/);
    expect(() => encodeGre({ protocolType: GRE_PROTOCOL_IPV6, key: 2 ** 32 })).to.throw(WireEncodeError, /key/);
    expect(() => encodeGre({ protocolType: GRE_PROTOCOL_IPV6, sequence: 1.5 })).to.throw(WireEncodeError, /sequence/);
  });

  it('is decoded inside IPv6 (next header 47) with the tunnelled packet as inner', () => {
    const outer = encodeIpv6({ src: '2001:db8:1::1', dst: '2001:db8:1::2', nextHeader: IPPROTO_GRE, payload: encodeGre({ protocolType: GRE_PROTOCOL_IPV6, key: 7, payload: inner }) });
    const p = decodePacket(outer, 0, outer.length);
    expect(p.malformed).to.equal(undefined);
    expect(p.gre?.key).to.equal(7);
    expect(p.inner?.ipv6?.dst).to.equal('2001:db8:ff::1');
  });

  it('keeps another protocol type as raw payload and a truncated header as malformed', () => {
    const other = encodeIpv6({ src: '2001:db8:1::1', dst: '2001:db8:1::2', nextHeader: IPPROTO_GRE, payload: encodeGre({ protocolType: 0x6558, payload: new Uint8Array(14) }) });
    const p = decodePacket(other, 0, other.length);
    expect(p.payload).to.deep.equal({ protocol: IPPROTO_GRE, length: 14 });
    const cut = encodeIpv6({ src: '2001:db8:1::1', dst: '2001:db8:1::2', nextHeader: IPPROTO_GRE, payload: fromHex('2000') });
    expect(decodePacket(cut, 0, cut.length).malformed).to.match(/^gre: truncated/);
  });
});
