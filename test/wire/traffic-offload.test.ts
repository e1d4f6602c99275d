// RFC 6909 IPv4 Traffic Offload Selector option with its RFC 6088 IPv4 binary selector: byte-exact
// vectors written out by hand from the two RFCs' layouts, decoded field by field and re-encoded.
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

  it('a PBA granting one selector: decoded field by field, re-encoded byte for byte', () => {
    // Type 53, Length 15 | M 0, reserved 0 | TS Format 1 | flags C D M (0x30080000), start/end dst, protocol 1 | PadN 1
    const bytes = pba('350f 00 01 30080000 c6336400 c63364ff 01  010100');
    const mh = decode(bytes);
    expect(mh.malformed).to.equal(undefined);
    const o = findOption(mh.options, 53);
    expect(o).to.deep.equal({
      type: 53, name: 'IPv4 Traffic Offload Selector', offset: 12, length: 15, M: false, reserved: 0, tsFormat: 1,
      selector: { startDst: '198.51.100.0', endDst: '198.51.100.255', startProtocol: 1 },
    });
    const again = encodeMobilityHeader({ type: 6, status: 0, flags: { P: true }, seq: 7, lifetimeUnits: 400, options: [o!], autoPad: true });
    expect(toHexString(again)).to.equal(toHexString(bytes));
  });

  it('a PBU asking for offload without a selector (length 2), M set', () => {
    const bytes = pba('3502 80 01');
    const o = findOption(decode(bytes).options, 53);
    expect(o).to.deep.equal({ type: 53, name: 'IPv4 Traffic Offload Selector', offset: 12, length: 2, M: true, reserved: 0, tsFormat: 1 });
    expect(toHexString(encodeMobilityHeader({ type: 6, status: 0, flags: { P: true }, seq: 7, lifetimeUnits: 400, options: [{ type: 53, M: true, tsFormat: 1 }], autoPad: true })))
      .to.equal(toHexString(bytes));
  });

  it('another TS Format, or a selector that does not fit, is malformed with the reason', () => {
    const two = decode(pba('3506 00 02 00000000 01020000'));
    expect(two.options[0]!.malformed).to.equal('option 53 (IPv4 Traffic Offload Selector) at offset 12: TS Format 2 is not the IPv4 binary selector (1)');
    const short = decode(pba('3506 00 01 20000000 01020000'));
    expect(short.options[0]!.malformed).to.match(/flags need 8 octets, it has 4/);
    expect(findOption(short.options, 53)).to.equal(undefined);
  });
});
