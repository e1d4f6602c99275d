// DHCPv4 (RFC 2131/2132): hand-written vectors, byte-exact round trips of every option structure,
// malformed input kept raw, the UDP 67/68 dispatch of the frame decoder, and every field
// cross-checked with Wireshark's dissector.
import { expect } from 'chai';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPcapWriter } from '../../harness/capture/pcap-writer.js';
import { addField, decodeHex, expectFieldsAgree, TSHARK, tsharkLayerFields, type Fields } from '../support/tshark-fields.js';
import {
  decodeDhcpv4, decodeFrame, dhcpv4Router, dhcpv4Summary, dhcpv4Type, encodeDhcpv4, encodeEthernet, encodeIpv4, encodeUdp,
  ETHERTYPE_IPV4, fromHex, LINKTYPE_ETHERNET, summarizeFrame, toHex, type Dhcpv4Message, type Dhcpv4Option,
} from '../../wire/index.js';

const MN_MAC = '020000000101';
const zeros = (n: number) => '00'.repeat(n);

/** The BOOTP header: op, xid, flags, ciaddr/yiaddr/siaddr/giaddr (hex), hops; chaddr the MN's MAC. */
function header(op: number, flags: string, yiaddr: string, giaddr: string, hops = 0): string {
  return [
    op.toString(16).padStart(2, '0'), '01', '06', hops.toString(16).padStart(2, '0'), // htype Ethernet, hlen 6
    '1a2b3c4d', '0003', flags,                                 // xid, secs 3, flags
    zeros(4), yiaddr, zeros(4), giaddr,                         // ciaddr, yiaddr, siaddr, giaddr
    MN_MAC, zeros(10), zeros(64), zeros(128),                   // chaddr (16), sname, file
    '63825363',                                                 // magic cookie
  ].join('');
}

/** DISCOVER as udhcpc sends it: message type, client ID, requested address, parameter list, host name, End, padding. */
const DISCOVER = header(1, '8000', zeros(4), zeros(4)) + [
  '350101', '3d0701' + MN_MAC, '32040a400002', '370401030c06', '0c036d6e31', 'ff', zeros(7),
].join('');

/** OFFER from the MAG as server: 10.64.0.2/16, router and server ID the DR 10.64.0.1, lease 300 s, T1, T2, one raw option (15, domain). */
const OFFER = header(2, '8000', '0a400002', zeros(4)) + [
  '350102', '36040a400001', '0104ffff0000', '03040a400001', '060808080808' + '08080404', '33040000012c', '3a0400000096', '3b0400000107',
  '0f0474657374', 'ff',
].join('');

/** A REQUEST relayed by the MAG toward the LMA's server: hops 1, giaddr the DR, Relay Agent Information (circuit "acc0", remote ID). */
const RELAYED = header(1, '0000', zeros(4), '0a400001', 1) + [
  '350103', '32040a400002', '36040a400009', '520c' + '010461636330' + '0204c0a80001', 'ff',
].join('');

const bytes = (hex: string) => fromHex(hex);
const decode = (hex: string): Dhcpv4Message => decodeHex(decodeDhcpv4, hex, fromHex);

describe('DHCPv4 codec (RFC 2131, RFC 2132)', function () {
  it('decodes a DISCOVER: header fields, options, padding after End', function () {
    const m = decode(DISCOVER);
    expect(m).to.deep.include({ op: 1, htype: 1, hlen: 6, hops: 0, xid: 0x1a2b3c4d, secs: 3, flags: 0x8000, chaddr: '02:00:00:00:01:01', giaddr: '0.0.0.0', cookie: true, name: 'DISCOVER' });
    expect(m.options).to.deep.equal([
      { code: 53, type: 1, name: 'DISCOVER' }, { code: 61, idType: 1, id: MN_MAC }, { code: 50, address: '10.64.0.2' },
      { code: 55, requested: [1, 3, 12, 6] }, { code: 12, hostname: 'mn1' }, { code: 255 },
    ]);
    expect(m.trailing).to.equal(zeros(7));
    expect(dhcpv4Summary(m)).to.equal('DHCPv4 DISCOVER xid 0x1a2b3c4d chaddr 02:00:00:00:01:01');
  });

  it('decodes an OFFER: yiaddr, mask, router, lease, server ID; an unknown option kept raw', function () {
    const m = decode(OFFER);
    expect(dhcpv4Type(m)).to.equal(2);
    expect(dhcpv4Router(m)).to.equal('10.64.0.1');
    expect(m.yiaddr).to.equal('10.64.0.2');
    expect(m.options.slice(0, 4)).to.deep.equal([{ code: 53, type: 2, name: 'OFFER' }, { code: 54, address: '10.64.0.1' }, { code: 1, mask: '255.255.0.0' }, { code: 3, addresses: ['10.64.0.1'] }]);
    expect(m.options[4]).to.deep.equal({ code: 6, addresses: ['8.8.8.8', '8.8.4.4'] });
    expect(m.options.slice(5, 9)).to.deep.equal([{ code: 51, seconds: 300 }, { code: 58, seconds: 150 }, { code: 59, seconds: 263 }, { code: 15, raw: '74657374' }]);
    expect(dhcpv4Summary(m)).to.equal('DHCPv4 OFFER xid 0x1a2b3c4d chaddr 02:00:00:00:01:01 yiaddr 10.64.0.2 router 10.64.0.1');
  });

  it('decodes the relay fields and the Relay Agent Information sub-options', function () {
    const m = decode(RELAYED);
    expect(m).to.deep.include({ hops: 1, giaddr: '10.64.0.1', flags: 0 });
    expect(m.options[3]).to.deep.equal({ code: 82, subOptions: [{ code: 1, data: '61636330' }, { code: 2, data: 'c0a80001' }] });
    expect(dhcpv4Summary(m)).to.equal('DHCPv4 REQUEST xid 0x1a2b3c4d chaddr 02:00:00:00:01:01 via 10.64.0.1');
  });

  it('round-trips every vector octet for octet, and plain BOOTP, sname/file and chaddr padding', function () {
    const bootp = header(2, '0000', '0a400002', zeros(4)).slice(0, -8) + 'abcd';
    const named = DISCOVER.slice(0, 68) + 'aa' + DISCOVER.slice(70, 88) + '41'.repeat(64) + '42'.repeat(128) + DISCOVER.slice(88 + 128 + 384);
    for (const hex of [DISCOVER, OFFER, RELAYED, bootp, named]) expect(toHex(encodeDhcpv4(decode(hex)))).to.equal(hex);
    expect(decode(bootp)).to.deep.include({ cookie: false, trailing: 'abcd', options: [] });
    expect(decode(named).chaddrPad).to.equal('aa' + zeros(9));
    expect(decode(named).sname).to.equal('41'.repeat(64));
  });

  it('encodes from typed options, and decodes what it encoded to the same structure', function () {
    const options: Dhcpv4Option[] = [
      { code: 53, type: 5 }, { code: 54, address: '10.64.0.1' }, { code: 1, mask: '255.255.255.0' }, { code: 3, addresses: ['10.64.0.1'] },
      { code: 51, seconds: 0xffffffff }, { code: 82, subOptions: [{ code: 1, data: '' }] }, { code: 0 }, { code: 99, raw: '' }, { code: 255 },
    ];
    const m: Dhcpv4Message = {
      op: 2, htype: 1, hlen: 6, hops: 0, xid: 0xffffffff, secs: 0, flags: 0, ciaddr: '0.0.0.0', yiaddr: '10.64.0.7', siaddr: '0.0.0.0',
      giaddr: '0.0.0.0', chaddr: '02:00:00:00:01:02', cookie: true, options,
    };
    const enc = encodeDhcpv4(m);
    const back = decodeDhcpv4(enc, 0, enc.length)!;
    expect(back.options).to.deep.equal([{ code: 53, type: 5, name: 'ACK' }, ...options.slice(1)]);
    expect(back).to.deep.include({ yiaddr: '10.64.0.7', xid: 0xffffffff, name: 'ACK' });
    expect(() => encodeDhcpv4({ ...m, options: [{ code: 12, hostname: 'x'.repeat(256) }] })).to.throw(/does not fit/);
  });

  it('keeps a known option of the wrong length raw, names an overrun, and still round-trips', function () {
    const hex = header(1, '0000', zeros(4), zeros(4)) + '01030a0000' + '3500' + '520301' + '05ab' + '3309aa';
    const m = decode(hex);
    expect(m.options.map((o) => ('raw' in o ? o.malformed : 'ok'))).to.deep.equal([
      'Subnet Mask of 3 octets (4)', 'DHCP Message Type of 0 octets (1)', 'Relay Agent Information of 3 octets (its sub-options overrun it)',
    ]);
    expect(m.malformed).to.equal('option 51 of length 9 overruns the message by 8 octets');
    expect(m.trailing).to.equal('3309aa');
    expect(toHex(encodeDhcpv4(m))).to.equal(hex);
    expect(decodeDhcpv4(bytes(zeros(235)), 0, 235)).to.equal(null);
  });

  it('the frame decoder reads UDP 67/68 as DHCPv4 on Ethernet, and says when a datagram is too short for it', function () {
    const frame = (payload: Uint8Array, src = 68, dst = 67) => {
      const udp = encodeUdp({ srcPort: src, dstPort: dst, payload }, '0.0.0.0', '255.255.255.255');
      const ip = encodeIpv4({ src: '0.0.0.0', dst: '255.255.255.255', protocol: 17, ttl: 64, payload: udp });
      const eth = encodeEthernet({ dst: 'ff:ff:ff:ff:ff:ff', src: '02:00:00:00:01:01', ethertype: ETHERTYPE_IPV4 }, ip);
      return decodeFrame(LINKTYPE_ETHERNET, eth, 0, eth.length);
    };
    const f = frame(bytes(DISCOVER));
    expect(f.malformed).to.equal(undefined);
    expect(f.dhcpv4?.name).to.equal('DISCOVER');
    expect(summarizeFrame(f)).to.equal('0.0.0.0 > 255.255.255.255: UDP 68 > 67 DHCPv4 DISCOVER xid 0x1a2b3c4d chaddr 02:00:00:00:01:01');
    expect(frame(bytes(RELAYED), 67, 67).dhcpv4?.giaddr).to.equal('10.64.0.1');
    expect(frame(bytes('01'), 68, 67).malformed).to.match(/^dhcpv4: truncated/);
    expect(frame(bytes(DISCOVER), 68, 2000).dhcpv4).to.equal(undefined);
  });

  describe('cross-checked with tshark', function () {
    let dir = '';
    before(function () { if (!existsSync(TSHARK)) this.skip(); dir = mkdtempSync(join(tmpdir(), 'pmip-dhcpv4-')); });
    after(function () { if (dir !== '') rmSync(dir, { recursive: true, force: true }); });

    const add = addField;
    const hex = (n: number, w: number) => `0x${n.toString(16).padStart(w, '0')}`;

    function ours(m: Dhcpv4Message): Fields {
      const f: Fields = new Map();
      add(f, 'dhcp.type', m.op); add(f, 'dhcp.hw.type', hex(m.htype, 2)); add(f, 'dhcp.hw.len', m.hlen); add(f, 'dhcp.hops', m.hops);
      add(f, 'dhcp.id', hex(m.xid, 8)); add(f, 'dhcp.secs', m.secs); add(f, 'dhcp.flags', hex(m.flags, 4));
      add(f, 'dhcp.ip.client', m.ciaddr); add(f, 'dhcp.ip.your', m.yiaddr); add(f, 'dhcp.ip.server', m.siaddr); add(f, 'dhcp.ip.relay', m.giaddr);
      add(f, 'dhcp.hw.mac_addr', m.chaddr);
      for (const o of m.options) {
        // tshark's JSON gives End the type 0 (its -V text says 255) and a field of its own; Pad is padding.
        if (o.code === 255) { add(f, 'dhcp.option.end', 255); add(f, 'dhcp.option.type', 0); continue; }
        if (o.code === 0) continue;
        add(f, 'dhcp.option.type', o.code);
        if ('raw' in o) continue;
        switch (o.code) {
          case 1: add(f, 'dhcp.option.subnet_mask', o.mask); break;
          case 3: for (const a of o.addresses) add(f, 'dhcp.option.router', a); break;
          case 6: for (const a of o.addresses) add(f, 'dhcp.option.domain_name_server', a); break;
          case 12: add(f, 'dhcp.option.hostname', o.hostname); break;
          case 50: add(f, 'dhcp.option.requested_ip_address', o.address); break;
          case 54: add(f, 'dhcp.option.dhcp_server_id', o.address); break;
          case 51: add(f, 'dhcp.option.ip_address_lease_time', o.seconds); break;
          case 58: add(f, 'dhcp.option.renewal_time_value', o.seconds); break;
          case 59: add(f, 'dhcp.option.rebinding_time_value', o.seconds); break;
          case 53: add(f, 'dhcp.option.dhcp', o.type); break;
          case 55: for (const c of o.requested) add(f, 'dhcp.option.request_list_item', c); break;
          case 61: add(f, 'dhcp.hw.type', hex(o.idType, 2)); add(f, 'dhcp.hw.mac_addr', o.id.replace(/(..)(?!$)/g, '$1:')); break;
          case 82:
            for (const s of o.subOptions) {
              add(f, 'dhcp.option.agent_information_option.suboption', s.code);
              add(f, 'dhcp.option.suboption_length', s.data.length / 2);
              add(f, 'dhcp.option.agent_information_option.value', s.data.replace(/(..)(?!$)/g, '$1:'));
            }
            break;
          default: break;
        }
      }
      return f;
    }

    it('every field both decoders show agrees, message by message', function () {
      const messages = [DISCOVER, OFFER, RELAYED];
      const file = join(dir, 'dhcpv4.pcap');
      const w = createPcapWriter(file, { format: 'pcap', linkType: LINKTYPE_ETHERNET });
      messages.forEach((m, i) => {
        const udp = encodeUdp({ srcPort: i === 1 ? 67 : 68, dstPort: i === 1 ? 68 : 67, payload: bytes(m) }, '10.64.0.1', '255.255.255.255');
        const ip = encodeIpv4({ src: '10.64.0.1', dst: '255.255.255.255', protocol: 17, ttl: 64, payload: udp });
        w.write(encodeEthernet({ dst: 'ff:ff:ff:ff:ff:ff', src: '02:00:00:00:01:01', ethertype: ETHERTYPE_IPV4 }, ip), 1_800_000_000 + i);
      });
      w.close();
      const packets = tsharkLayerFields(file, 'dhcp');
      expect(packets).to.have.length(messages.length);
      messages.forEach((m, i) => expectFieldsAgree(ours(decode(m)), packets[i]!, `message ${i} (${dhcpv4Summary(decode(m))})`));
    });
  });
});
