// Link layers: Ethernet (untagged, 802.1Q, QinQ), Linux cooked v1/v2, ARP. Vectors are written
// field by field from the layouts (IEEE 802.3/802.1Q, tcpdump.org LINKTYPE_LINUX_SLL/SLL2, RFC 826).
import { expect } from 'chai';
import { fromHex, toHex } from '../../wire/bytes.js';
import {
  decodeArp, decodeEthernet, decodeSll, decodeSll2, encodeArp, encodeEthernet, encodeSll, encodeSll2,
  ethertypeName, linkTypeName,
} from '../../wire/link.js';

const PAYLOAD = 'deadbeef';

const ETHERNET = [
  '333300000001', // dst 33:33:00:00:00:01 (all-nodes multicast)
  '020000000001', // src 02:00:00:00:00:01
  '86dd',         // EtherType IPv6
].join('');

const ETHERNET_8021Q = [
  '00005e005213', // dst 00:00:5e:00:52:13 (RFC 6543 fixed MAG MAC)
  '020000000001', // src
  '8100',         // TPID 802.1Q
  'b064',         // TCI: PCP 5 (101), DEI 1, VID 100 (0x064)
  '86dd',         // EtherType IPv6
].join('');

const ETHERNET_QINQ = [
  'ffffffffffff', // dst broadcast
  '020000000002', // src
  '88a8 00c8',    // S-tag (802.1ad): PCP 0, DEI 0, VID 200
  '8100 0064',    // C-tag (802.1Q): VID 100
  '0806',         // EtherType ARP
].join('');

const SLL = [
  '0000',             // packet type 0: to us
  '0001',             // ARPHRD_ETHER
  '0006',             // address length 6
  '020000000001 0000', // address + 2 octets of zero padding
  '86dd',             // protocol IPv6
].join('');

const SLL_PADDED = [
  '0004',             // packet type 4: sent by us
  '0001',             // ARPHRD_ETHER
  '0006',             // address length 6
  '020000000001 abcd', // address + non-zero padding (must survive a round trip)
  '0800',             // protocol IPv4
].join('');

const SLL2 = [
  '86dd',             // protocol IPv6
  '0000',             // reserved
  '00000003',         // interface index 3
  '0001',             // ARPHRD_ETHER
  '04',               // packet type 4: outgoing
  '06',               // address length 6
  '00005e005213 0000', // address + padding
].join('');

const ARP_REQUEST = [
  '0001',         // hardware type Ethernet
  '0800',         // protocol type IPv4
  '06 04',        // hardware / protocol address lengths
  '0001',         // operation 1: request
  '020000000001', // sender MAC
  'c0000202',     // sender IP 192.0.2.2
  '000000000000', // target MAC (unknown)
  'c0000201',     // target IP 192.0.2.1
].join('');

describe('wire/link', () => {
  describe('Ethernet', () => {
    it('decodes an untagged header and re-encodes it byte for byte', () => {
      const buf = fromHex(ETHERNET + PAYLOAD);
      const h = decodeEthernet(buf, 0, buf.length);
      expect(h).to.deep.equal({ kind: 'ethernet', dst: '33:33:00:00:00:01', src: '02:00:00:00:00:01', vlans: [], ethertype: 0x86dd, length: 14 });
      expect(toHex(encodeEthernet(h!, fromHex(PAYLOAD)))).to.equal(toHex(buf));
    });

    it('decodes an 802.1Q tag: PCP, DEI, VID', () => {
      const buf = fromHex(ETHERNET_8021Q + PAYLOAD);
      const h = decodeEthernet(buf, 0, buf.length)!;
      expect(h.vlans).to.deep.equal([{ tpid: 0x8100, pcp: 5, dei: true, vid: 100 }]);
      expect(h.ethertype).to.equal(0x86dd);
      expect(h.length).to.equal(18);
      expect(toHex(encodeEthernet(h, fromHex(PAYLOAD)))).to.equal(toHex(buf));
    });

    it('decodes QinQ tags outermost first', () => {
      const buf = fromHex(ETHERNET_QINQ + PAYLOAD);
      const h = decodeEthernet(buf, 0, buf.length)!;
      expect(h.vlans).to.deep.equal([
        { tpid: 0x88a8, pcp: 0, dei: false, vid: 200 },
        { tpid: 0x8100, pcp: 0, dei: false, vid: 100 },
      ]);
      expect(h.ethertype).to.equal(0x0806);
      expect(h.length).to.equal(22);
      expect(toHex(encodeEthernet(h, fromHex(PAYLOAD)))).to.equal(toHex(buf));
    });

    it('builds a tagged header from a spec with defaults (TPID 0x8100)', () => {
      const out = encodeEthernet({ dst: '00:00:5e:00:52:13', src: '02:00:00:00:00:01', vlans: [{ pcp: 5, dei: true, vid: 100 }], ethertype: 0x86dd }, fromHex(PAYLOAD));
      expect(toHex(out)).to.equal(toHex(fromHex(ETHERNET_8021Q + PAYLOAD)));
    });

    it('returns null for a header or a tag that is cut short', () => {
      const tagged = fromHex(ETHERNET_8021Q);
      expect(decodeEthernet(tagged, 0, 13)).to.equal(null);
      expect(decodeEthernet(tagged, 0, 16)).to.equal(null); // the tag's inner EtherType is missing
      expect(decodeEthernet(tagged, 0, 18)).to.not.equal(null);
    });
  });

  describe('Linux cooked capture', () => {
    it('decodes SLL and re-encodes it', () => {
      const buf = fromHex(SLL + PAYLOAD);
      const h = decodeSll(buf, 0, buf.length);
      expect(h).to.deep.equal({
        kind: 'sll', packetType: 0, packetTypeName: 'host', arphrd: 1, addressLength: 6,
        address: '02:00:00:00:00:01', protocol: 0x86dd, length: 16,
      });
      expect(toHex(encodeSll(h!, fromHex(PAYLOAD)))).to.equal(toHex(buf));
    });

    it('keeps non-zero address padding so SLL re-encodes exactly', () => {
      const buf = fromHex(SLL_PADDED + PAYLOAD);
      const h = decodeSll(buf, 0, buf.length)!;
      expect(h.packetTypeName).to.equal('outgoing');
      expect(h.addressPad).to.equal('abcd');
      expect(h.protocol).to.equal(0x0800);
      expect(toHex(encodeSll(h, fromHex(PAYLOAD)))).to.equal(toHex(buf));
    });

    it('decodes SLL2 and re-encodes it', () => {
      const buf = fromHex(SLL2 + PAYLOAD);
      const h = decodeSll2(buf, 0, buf.length);
      expect(h).to.deep.equal({
        kind: 'sll2', protocol: 0x86dd, interfaceIndex: 3, arphrd: 1, packetType: 4, packetTypeName: 'outgoing',
        addressLength: 6, address: '00:00:5e:00:52:13', length: 20,
      });
      expect(toHex(encodeSll2(h!, fromHex(PAYLOAD)))).to.equal(toHex(buf));
    });

    it('returns null for cut headers', () => {
      expect(decodeSll(fromHex(SLL), 0, 15)).to.equal(null);
      expect(decodeSll2(fromHex(SLL2), 0, 19)).to.equal(null);
    });
  });

  describe('ARP', () => {
    it('decodes an Ethernet/IPv4 request and re-encodes it', () => {
      const buf = fromHex(ARP_REQUEST);
      const a = decodeArp(buf, 0, buf.length);
      expect(a).to.deep.equal({
        hardwareType: 1, protocolType: 0x0800, hardwareLength: 6, protocolLength: 4, operation: 1, name: 'request',
        senderMac: '02:00:00:00:00:01', senderIp: '192.0.2.2', targetMac: '00:00:00:00:00:00', targetIp: '192.0.2.1',
      });
      expect(toHex(encodeArp(a!))).to.equal(toHex(buf));
    });

    it('keeps the addresses of another hardware type raw', () => {
      const buf = fromHex('0006 0800 02 04 0002 aaaa c0000201 bbbb c0000202'); // IEEE 802, 2-octet addresses, reply
      const a = decodeArp(buf, 0, buf.length)!;
      expect(a.name).to.equal('reply');
      expect(a.data).to.equal('aaaac0000201bbbbc0000202');
      expect(a.senderIp).to.equal(undefined);
      expect(toHex(encodeArp(a))).to.equal(toHex(buf));
    });

    it('returns null when the addresses are not all captured', () => {
      expect(decodeArp(fromHex(ARP_REQUEST), 0, 27)).to.equal(null);
    });
  });

  it('names link types and EtherTypes', () => {
    expect([1, 101, 12, 14, 113, 276, 228, 229, 147].map(linkTypeName)).to.deep.equal([
      'ethernet', 'raw', 'raw', 'raw', 'linux-sll', 'linux-sll2', 'ipv4', 'ipv6', 'linktype-147',
    ]);
    expect([0x86dd, 0x0800, 0x0806, 0x8100, 0x88a8, 0x88cc].map(ethertypeName)).to.deep.equal([
      'ipv6', 'ipv4', 'arp', '802.1q', '802.1ad', '0x88cc',
    ]);
  });
});
