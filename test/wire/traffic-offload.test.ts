// RFC 6909 IPv4 Traffic Offload Selector option, its RFC 6089 §4.2.1.4 TS sub-option and the
// RFC 6088 IPv4 binary selector inside: byte-exact vectors written out by hand from the figures,
// decoded field by field and re-encoded. RFC 6909 §3.1 figure 1 as PyPCAPKit reproduces it (the RFC
// text could not be read where this was written): Type and Length in bits 16-31 of a word (4n+2),
// then M (1 bit) + Reserved (31 bits), then the TS sub-option (Sub-Opt Type 3, Sub-Opt Len, TS
// Format, Reserved, Traffic Selector).
import { expect } from 'chai';
import { decodeMobilityHeader, encodeMobilityHeader, findOption, type MobilityHeader } from '../../wire/index.js';
import { decodeIpv4TrafficSelector, encodeIpv4TrafficSelector, selectorText } from '../../wire/traffic-selector.js';

const hex = (h: string) => Uint8Array.from(Buffer.from(h.replace(/\s+/g, ''), 'hex'));
const toHexString = (b: Uint8Array) => Buffer.from(b).toString('hex');

/** A PBA (P set, seq 7, lifetime 400 units, checksum 0) whose options are `options` (hex, already padded to 8n). */
function pba(options: string): Uint8Array {
  const o = hex(options);
  return Uint8Array.from([0x3b, (12 + o.length) / 8 - 1, 6, 0, 0, 0, 0, 0x20, 0, 7, 0x01, 0x90, ...o]);
}

describe('wire/traffic-selector: RFC 6088 IPv4 binary traffic selector (TS Format 1)', () => {
  it('decodes flags C, D, I, J, M (destination range, destination ports, protocol) and re-encodes byte for byte', () => {
    // flags C D I J M = bits 2,3,8,9,12 of the word: 0x3000 | 0x00c0 | 0x0008 -> 0x30c8 0000
    const bytes = hex('30c8 0000  c6336400 c63364ff  1388 1392  11');
    const ts = decodeIpv4TrafficSelector(bytes, 0, bytes.length);
    expect(ts).to.deep.equal({ startDst: '198.51.100.0', endDst: '198.51.100.255', startDstPort: 5000, endDstPort: 5010, startProtocol: 17 });
    const out: number[] = [];
    encodeIpv4TrafficSelector(ts as object, out, (m) => new Error(m));
    expect(toHexString(Uint8Array.from(out))).to.equal(toHexString(bytes));
    expect(selectorText(ts as object)).to.equal('dst 198.51.100.0-198.51.100.255 dport 5000-5010 proto 17');
  });

  it('every field A..N and non-zero reserved bits survive a round trip', () => {
    const all = { startSrc: '10.0.0.1', endSrc: '10.0.0.9', startDst: '192.0.2.0', endDst: '192.0.2.9', startSpi: 0x01020304, endSpi: 0xfffffffe,
      startSrcPort: 1, endSrcPort: 65535, startDstPort: 80, endDstPort: 443, startDs: 0, endDs: 63, startProtocol: 6, endProtocol: 17, reserved: 5 };
    const out: number[] = [];
    encodeIpv4TrafficSelector(all, out, (m) => new Error(m));
    expect(out.slice(0, 4)).to.deep.equal([0xff, 0xfc, 0x00, 0x05]);
    expect(out).to.have.length(4 + 6 * 4 + 4 * 2 + 4);
    expect(decodeIpv4TrafficSelector(Uint8Array.from(out), 0, out.length)).to.deep.equal(all);
  });

  it('a length that does not fit the flags is named, not guessed', () => {
    expect(decodeIpv4TrafficSelector(hex('3000 0000 c6336400'), 0, 8)).to.equal('IPv4 traffic selector flags need 12 octets, it has 8');
    expect(decodeIpv4TrafficSelector(hex('3000'), 0, 2)).to.equal('IPv4 traffic selector of 2 octets has no flags word');
  });

  it('a bad field is a named encoder error', () => {
    expect(() => encodeIpv4TrafficSelector({ startDstPort: 70000 }, [], (m) => new Error(m))).to.throw('startDstPort must be an integer 0..65535');
  });
});

describe('wire/mh-options: RFC 6909 IPv4 Traffic Offload Selector option (type 53)', () => {
  const decode = (b: Uint8Array): MobilityHeader => decodeMobilityHeader(b, 0, b.length);
  const reencode = (o: object) => toHexString(encodeMobilityHeader({ type: 6, status: 0, flags: { P: true }, seq: 7, lifetimeUnits: 400, options: [o as never], autoPad: true }));

  it('a PBA granting one selector: decoded field by field, re-encoded byte for byte', () => {
    const bytes = pba([
      '0100', //      PadN, 0 octets of data: the option's Type lands on MH offset 14 (4n+2)
      '3515', //      Type 53, Length 21 (the M/Reserved word 4 + the TS sub-option 17)
      '00000000', //  M 0, Reserved 0 (31 bits)
      '030f', //      TS sub-option: Sub-Opt Type 3 (Traffic Selector), Sub-Opt Len 15 (octets after it)
      '0100', //      TS Format 1 (IPv4 binary), Reserved 0
      '30080000', //  RFC 6088 flags C D M (bits 2, 3, 12), 18 reserved bits 0
      'c6336400 c63364ff', // start/end destination 198.51.100.0-198.51.100.255
      '01', //        start protocol 1 (ICMP); MH is 12 + 2 + 23 = 37 octets
      '010100', //    PadN, 1 octet of data: to 40, a multiple of 8
    ].join(''));
    const mh = decode(bytes);
    expect(mh.malformed).to.equal(undefined);
    const o = findOption(mh.options, 53);
    expect(o).to.deep.equal({
      type: 53, name: 'IPv4 Traffic Offload Selector', offset: 14, length: 21, M: false, reserved: 0,
      ts: { tsFormat: 1, selector: { startDst: '198.51.100.0', endDst: '198.51.100.255', startProtocol: 1 } },
    });
    expect(reencode(o!)).to.equal(toHexString(bytes));
  });

  it('a PBU asking for offload without a TS sub-option (Length 4), M set', () => {
    const bytes = pba([
      '0100', //      PadN to MH offset 14 (4n+2)
      '3504', //      Type 53, Length 4: the M/Reserved word only
      '80000000', //  M 1, Reserved 0
      '01020000', //  PadN, 2 octets of data: 12 + 2 + 6 + 4 = 24
    ].join(''));
    const o = findOption(decode(bytes).options, 53);
    expect(o).to.deep.equal({ type: 53, name: 'IPv4 Traffic Offload Selector', offset: 14, length: 4, M: true, reserved: 0 });
    expect(reencode({ type: 53, M: true })).to.equal(toHexString(bytes));
  });

  it('non-zero Reserved bits of the option and of the TS sub-option survive a round trip', () => {
    // M 1 + Reserved 0x12345678; Length 13; Sub-Opt Len 7, TS Format 1, Reserved 0xaa; flags M, protocol 6; PadN to 32
    const bytes = pba('0100 350d 92345678 0307 01aa 00080000 06  010100');
    const o = findOption(decode(bytes).options, 53);
    expect(o).to.deep.include({ M: true, reserved: 0x12345678, ts: { tsFormat: 1, reserved: 0xaa, selector: { startProtocol: 6 } } });
    expect(reencode(o!)).to.equal(toHexString(bytes));
  });

  it('a sub-option that is not an IPv4 TS sub-option, or does not fit, is malformed with the reason', () => {
    const reason = (opts: string) => decode(pba(opts)).options.find((o) => o.type === 53)!.malformed;
    // each: PadN | Type 53, Length 12 | M/Reserved word | an 8-octet sub-option | PadN to 32
    expect(reason('0100 350c 00000000 0206 0100 00000000 01020000')).to.equal('option 53 (IPv4 Traffic Offload Selector) at offset 14: sub-option type 2 is not the Traffic Selector sub-option (3)');
    expect(reason('0100 350c 00000000 0306 0200 00000000 01020000')).to.equal('option 53 (IPv4 Traffic Offload Selector) at offset 14: TS Format 2 is not the IPv4 binary selector (1)');
    expect(reason('0100 350c 00000000 0305 0100 00000000 01020000')).to.match(/TS sub-option length 5 does not match the 6 octets/);
    expect(reason('0100 350c 00000000 0306 0100 40000000 01020000')).to.match(/flags need 8 octets, it has 4/);
    expect(reason('0100 3506 00000000 0300 0100')).to.match(/TS sub-option of 2 octets is shorter than its 4-octet head/);
    // The earlier guess (8-bit M/Reserved, TS Format, bare selector; Length 2 for a request) is refused.
    const old = decode(pba('3502 0001'));
    expect(old.options[0]!.malformed).to.be.a('string');
    expect(findOption(old.options, 53)).to.equal(undefined);
  });
});
