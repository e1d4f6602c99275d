// DHCPv6 (RFC 8415): hand-written vectors, byte-exact round trips of every message type and
// option structure, malformed input kept raw, the UDP 546/547 dispatch of the frame decoder, and
// every field cross-checked with Wireshark's dissector.
import { expect } from 'chai';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPcapWriter } from '../../harness/capture/pcap-writer.js';
import { addField, decodeHex, expectFieldsAgree, TSHARK, tsharkLayerFields, type Fields } from '../support/tshark-fields.js';
import {
  decodeDhcpv6, decodeFrame, dhcpv6Summary, encodeDhcpv6, encodeIpv6, encodeUdp, fromHex, iaNaAddresses, innermostDhcpv6, isRelay,
  LINKTYPE_RAW, toHex, type Dhcpv6Message, type Dhcpv6Option,
} from '../../wire/index.js';

/** Solicit from the MN of the testbed's topologies (DUID-LL of 02:00:00:00:01:01). */
const SOLICIT = [
  '01', '123456',                                  // Solicit, transaction ID
  '0001000a', '00030001020000000101',              // Client ID: DUID-LL, Ethernet, MAC
  '0003000c', '01010101', '00000000', '00000000',  // IA_NA: IAID, T1 0, T2 0
  '00080002', '0000',                              // Elapsed Time 0
  '00060004', '0017', '0018',                      // ORO: DNS servers, domain list
  '000e0000',                                      // Rapid Commit
].join('');

/** Reply with one address, a status, and an option this codec keeps raw (23, DNS servers). */
const REPLY = [
  '07', '123456',
  '0001000a', '00030001020000000101',
  '0002000e', '000100012a2b2c2d020000000201',      // Server ID: DUID-LLT
  '00030028', '01010101', '00000e10', '00001c20',  // IA_NA: T1 3600, T2 7200
  '00050018', '20010db8000100000000000000001000', '00001c20', '00002a30', // IAADDR 2001:db8:1::1000 7200/10800
  '000d0009', '0000', '73756363657373',            // Status Code 0 "success"
  '00080002', '0096',                              // Elapsed Time 1.5 s
  '00170010', '20010db8000000000000000000000053',  // DNS servers (raw)
].join('');

const relayForward = (inner: string): string => [
  '0c', '00', '20010db8000100000000000000000001', 'fe800000000000000000000000000101', // hop 0, link 2001:db8:1::1, peer fe80::101
  '00120004', '61636330',                           // Interface-ID "acc0"
  '0009', (inner.length / 2).toString(16).padStart(4, '0'), inner,
].join('');

const bytes = (hex: string) => fromHex(hex);
const decode = (hex: string): Dhcpv6Message => decodeHex(decodeDhcpv6, hex, fromHex);

describe('DHCPv6 codec (RFC 8415)', function () {
  it('decodes a Solicit option by option', function () {
    const m = decode(SOLICIT);
    expect(isRelay(m)).to.equal(false);
    expect(m).to.deep.include({ msgType: 1, name: 'Solicit', transactionId: 0x123456 });
    expect(m.options).to.deep.equal([
      { code: 1, duid: '00030001020000000101', duidType: 3 },
      { code: 3, iaid: 0x01010101, t1: 0, t2: 0, options: [] },
      { code: 8, hundredths: 0 },
      { code: 6, requested: [23, 24] },
      { code: 14 },
    ]);
  });

  it('decodes a Reply: the IA_NA addresses, the status, an unknown option kept raw', function () {
    const m = decode(REPLY);
    expect(iaNaAddresses(m)).to.deep.equal(['2001:db8:1::1000']);
    expect(m.options[3]).to.deep.equal({ code: 13, status: 0, text: 'success' });
    expect(m.options[5]).to.deep.equal({ code: 23, raw: '20010db8000000000000000000000053' });
    expect(dhcpv6Summary(m)).to.equal('DHCPv6 Reply xid 0x123456 IA_NA 2001:db8:1::1000');
  });

  it('decodes a Relay-Forward and the message it relays', function () {
    const m = decode(relayForward(SOLICIT));
    if (!isRelay(m)) throw new Error('not a relay message');
    expect(m).to.deep.include({ msgType: 12, hopCount: 0, linkAddress: '2001:db8:1::1', peerAddress: 'fe80::101' });
    expect(m.options[0]).to.deep.equal({ code: 18, id: '61636330' });
    expect(innermostDhcpv6(m)).to.deep.equal(decode(SOLICIT));
    expect(dhcpv6Summary(m)).to.equal('DHCPv6 Relay-Forward hops 0 link 2001:db8:1::1 peer fe80::101 [Solicit xid 0x123456]');
  });

  it('round-trips every message type octet for octet', function () {
    const body = SOLICIT.slice(8);
    for (let type = 1; type <= 13; type++) {
      const hex = type === 12 || type === 13 ? relayForward(SOLICIT).replace(/^0c/, type.toString(16).padStart(2, '0'))
        : type.toString(16).padStart(2, '0') + 'abcdef' + body;
      const m = decode(hex);
      expect(toHex(encodeDhcpv6(m)), `type ${type}`).to.equal(hex);
    }
    for (const hex of [SOLICIT, REPLY, relayForward(REPLY), relayForward(relayForward(SOLICIT))]) expect(toHex(encodeDhcpv6(decode(hex)))).to.equal(hex);
  });

  it('encodes from typed options, and decodes what it encoded to the same structure', function () {
    const options: Dhcpv6Option[] = [
      { code: 1, duid: '00030001020000000101' },
      { code: 3, iaid: 7, t1: 100, t2: 160, options: [{ code: 5, address: '2001:db8:5::9', preferredLifetime: 300, validLifetime: 600, options: [{ code: 13, status: 2, text: 'NoAddrsAvail' }] }] },
      { code: 14 }, { code: 8, hundredths: 65535 }, { code: 6, requested: [] }, { code: 99, raw: '' },
    ];
    const enc = encodeDhcpv6({ msgType: 3, transactionId: 0xffffff, options });
    const back = decodeDhcpv6(enc, 0, enc.length)!;
    expect(back.options).to.deep.equal([{ ...options[0], duidType: 3 }, ...options.slice(1)]);
    expect(() => encodeDhcpv6({ msgType: 1, transactionId: 1 << 24, options: [] })).to.throw(/24 bits/);
    expect(() => encodeDhcpv6({ msgType: 12, transactionId: 1, options: [] })).to.throw(/linkAddress/);
  });

  it('keeps a known option of the wrong length raw, names it, and still round-trips', function () {
    const hex = '01000001' + '00080003000000' + '000e000101' + '0003000401010101' + '0001000100';
    const m = decode(hex);
    expect(m.options.map((o) => ('raw' in o ? o.malformed : 'ok'))).to.deep.equal([
      'Elapsed Time of 3 octets (2)', 'Rapid Commit of 1 octets (0)', 'IA_NA of 4 octets (at least 12)', 'Client Identifier of 1 octets (a DUID has at least its 2-octet type)',
    ]);
    expect(toHex(encodeDhcpv6(m))).to.equal(hex);
  });

  it('names an option overrunning the message, keeps the octets, round-trips', function () {
    const hex = '0100000100080002000000010010ab';
    const m = decode(hex);
    expect(m.malformed).to.match(/option 1 of length 16 overruns its container by 15 octets/);
    expect(m.trailing).to.equal('00010010ab');
    expect(toHex(encodeDhcpv6(m))).to.equal(hex);
    expect(decodeDhcpv6(bytes('0c00'), 0, 2)).to.equal(null);
    expect(decodeDhcpv6(bytes('010203'), 0, 3)).to.equal(null);
  });

  it('the frame decoder reads UDP 546/547 as DHCPv6, and says when a datagram is too short for it', function () {
    const payload = bytes(relayForward(SOLICIT));
    const frame = (p: Uint8Array, src = 547, dst = 547) => {
      const udp = encodeUdp({ srcPort: src, dstPort: dst, payload: p }, '2001:db8::1', '2001:db8::2');
      const ip = encodeIpv6({ src: '2001:db8::1', dst: '2001:db8::2', nextHeader: 17, hopLimit: 64, payload: udp });
      return decodeFrame(LINKTYPE_RAW, ip, 0, ip.length);
    };
    const f = frame(payload);
    expect(f.malformed).to.equal(undefined);
    expect(f.dhcpv6 && isRelay(f.dhcpv6) ? f.dhcpv6.linkAddress : '').to.equal('2001:db8:1::1');
    expect(frame(bytes(SOLICIT), 546, 547).dhcpv6?.msgType).to.equal(1);
    expect(frame(bytes('01'), 546, 547).malformed).to.match(/^dhcpv6: truncated/);
    expect(frame(bytes(SOLICIT), 1000, 2000).dhcpv6).to.equal(undefined);
  });

  describe('cross-checked with tshark', function () {
    let dir = '';
    before(function () { if (!existsSync(TSHARK)) this.skip(); dir = mkdtempSync(join(tmpdir(), 'pmip-dhcpv6-')); });
    after(function () { if (dir !== '') rmSync(dir, { recursive: true, force: true }); });

    const add = addField;
    const colons = (hex: string) => hex.replace(/(..)(?!$)/g, '$1:');

    function ours(m: Dhcpv6Message, f: Fields = new Map()): Fields {
      add(f, 'dhcpv6.msgtype', m.msgType);
      if (isRelay(m)) { add(f, 'dhcpv6.hopcount', m.hopCount); add(f, 'dhcpv6.linkaddr', m.linkAddress); add(f, 'dhcpv6.peeraddr', m.peerAddress); }
      else add(f, 'dhcpv6.xid', `0x${m.transactionId.toString(16).padStart(6, '0')}`);
      const opts = (list: Dhcpv6Option[]): void => {
        for (const o of list) {
          add(f, 'dhcpv6.option.type', o.code);
          if ('raw' in o) continue;
          switch (o.code) {
            case 1: case 2: add(f, 'dhcpv6.duid.bytes', colons(o.duid)); break;
            case 3: add(f, 'dhcpv6.iaid', o.iaid.toString(16).padStart(8, '0')); add(f, 'dhcpv6.iaid.t1', o.t1); add(f, 'dhcpv6.iaid.t2', o.t2); opts(o.options); break;
            case 5: add(f, 'dhcpv6.iaaddr.ip', o.address); add(f, 'dhcpv6.iaaddr.pref_lifetime', o.preferredLifetime); add(f, 'dhcpv6.iaaddr.valid_lifetime', o.validLifetime); opts(o.options); break;
            case 6: for (const c of o.requested) add(f, 'dhcpv6.requested_option_code', c); break;
            case 8: add(f, 'dhcpv6.elapsed_time', o.hundredths * 10); break; // tshark shows milliseconds
            case 9: ours(o.message, f); break;
            case 13: add(f, 'dhcpv6.status_code', o.status); add(f, 'dhcpv6.status_msg', o.text); break;
            case 18: add(f, 'dhcpv6.interface_id', colons(o.id)); break;
            default: break;
          }
        }
      };
      opts(m.options);
      return f;
    }

    it('every field both decoders show agrees, message by message', function () {
      const messages = [SOLICIT, REPLY, relayForward(SOLICIT), relayForward(REPLY).replace(/^0c/, '0d'), relayForward(relayForward(SOLICIT))];
      const file = join(dir, 'dhcpv6.pcap');
      const w = createPcapWriter(file, { format: 'pcap', linkType: LINKTYPE_RAW });
      messages.forEach((hex, i) => {
        const udp = encodeUdp({ srcPort: 547, dstPort: i === 1 ? 546 : 547, payload: bytes(hex) }, '2001:db8::1', '2001:db8::2');
        w.write(encodeIpv6({ src: '2001:db8::1', dst: '2001:db8::2', nextHeader: 17, hopLimit: 64, payload: udp }), 1_800_000_000 + i);
      });
      w.close();
      const packets = tsharkLayerFields(file, 'dhcpv6');
      expect(packets).to.have.length(messages.length);
      messages.forEach((hex, i) => expectFieldsAgree(ours(decode(hex)), packets[i]!, `message ${i} (${dhcpv6Summary(decode(hex))})`));
    });
  });
});
