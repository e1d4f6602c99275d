// pmipd's DHCPv4 toward IPv4 MNs (RFC 5844 §3.2.3.2, §3.3.4): the domain keys, option 39 in the
// LMA's PBA and its reading at the MAG, the MAG's server (OFFER/ACK/NAK, broadcast or unicast)
// and relay (giaddr, hops, replies by chaddr), and the relay-mode server configuration the
// testbed generates.
import { expect } from 'chai';
import { YamlConfigError, YamlSource } from '../../harness/yaml-located.js';
import { readDomainConfig } from '../../pmipd/config.js';
import { Dhcpv4Access, dhcpv4Packet, type Dhcpv4Session, type ToClient } from '../../pmipd/mag/dhcpv4-access.js';
import { ipv4PbaOptions } from '../../pmipd/lma/ipv4-hoa.js';
import { grantedIpv4 } from '../../pmipd/mag/ipv4-request.js';
import { Quirks } from '../../pmipd/quirks.js';
import type { Counters, Logger } from '../../pmipd/log.js';
import type { PbuView } from '../../pmipd/lma/pbu-processing.js';
import { dhcpd4Config } from '../../harness/dhcpv6/services.js';
import { decodeFrame, encodeDhcpv4, LINKTYPE_RAW, type BindingAck, type Dhcpv4Message, type Dhcpv4Option } from '../../wire/index.js';
import { DOMAIN_YAML } from './logic-fixture.js';

const quiet = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined } as unknown as Logger;
const noCounters = { inc: () => undefined } as unknown as Counters;
const MAC = '02:00:00:00:01:06';
const GRANT = { address: '10.64.0.2', prefixLength: 29, router: '10.64.0.1' };

function request(type: number, extra: Dhcpv4Option[] = [], m: Partial<Dhcpv4Message> = {}): Uint8Array {
  return encodeDhcpv4({
    op: 1, htype: 1, hlen: 6, hops: 0, xid: 0x1234, secs: 0, flags: 0, ciaddr: '0.0.0.0', yiaddr: '0.0.0.0', siaddr: '0.0.0.0', giaddr: '0.0.0.0',
    chaddr: MAC, cookie: true, options: [{ code: 53, type }, ...extra, { code: 255 }], ...m,
  });
}

function access(o: { dhcpServer?: boolean; relayServer?: string | null; sessions?: Dhcpv4Session[] } = {}) {
  const toClient: ToClient[] = [];
  const toServer: { m: Dhcpv4Message; server: string }[] = [];
  const a = new Dhcpv4Access({
    defaultMode: 'server', relayServer: o.relayServer ?? null, quirks: new Quirks([]), log: quiet, counters: noCounters,
    sessions: () => o.sessions ?? [{ iface: 'acc1', mac: MAC, state: 'registered', lifetime: 40, ipv4: { ...GRANT, ...(o.dhcpServer !== undefined ? { dhcpServer: o.dhcpServer } : {}) } }],
    toClient: (p) => toClient.push(p), toServer: (m, server) => toServer.push({ m, server }),
  });
  return { a, toClient, toServer };
}

const opt = (m: Dhcpv4Message, code: number) => m.options.find((o) => o.code === code);
const typeOf = (m: Dhcpv4Message) => (opt(m, 53) as { type: number }).type;

describe('pmipd DHCPv4 toward IPv4 MNs (RFC 5844 §3.2.3.2)', () => {
  describe('domain keys ipv4Dhcp and ipv4DhcpServer', () => {
    const read = (extra: string) => readDomainConfig(YamlSource.fromText(`${DOMAIN_YAML}${extra}`, 'domain.yaml')).ipv4Dhcp;
    it('serves unannounced unless asked; announces a named mode; relays to the server named', () => {
      expect(read('')).to.deep.equal({ mode: 'server', announce: false, server: null });
      expect(read('ipv4Dhcp: server\n')).to.deep.equal({ mode: 'server', announce: true, server: null });
      expect(read('ipv4Dhcp: relay\nipv4DhcpServer: 192.0.2.9\n')).to.deep.equal({ mode: 'relay', announce: true, server: '192.0.2.9' });
    });
    it('names the line and field of a mistake', () => {
      const err = (extra: string) => { try { read(extra); } catch (e) { if (e instanceof YamlConfigError) return e.message; throw e; } return 'no error'; };
      expect(err('ipv4Dhcp: relay\n')).to.match(/^domain\.yaml:\d+:\d+: ipv4Dhcp: relay needs ipv4DhcpServer/);
      expect(err('ipv4DhcpServer: 192.0.2.9\n')).to.match(/ipv4DhcpServer: is only read with ipv4Dhcp: relay/);
      expect(err('ipv4Dhcp: relay\nipv4DhcpServer: nowhere\n')).to.match(/ipv4DhcpServer: .*nowhere/);
      expect(err('ipv4Dhcp: bootp\n')).to.match(/ipv4Dhcp: .*server.*relay/);
    });
  });

  it('the LMA puts option 39 in a PBA granting an IPv4 HoA when the domain names the mode; the MAG reads its S flag', () => {
    const v = { ipv4Requests: [{ type: 36, prefixLength: 0, address: '0.0.0.0' }] } as unknown as PbuView;
    const q = new Quirks([]);
    expect(ipv4PbaOptions(v, 0, { grant: GRANT, refresh: false }, q).map((o) => o.type)).to.deep.equal([37, 38]);
    const relay = ipv4PbaOptions(v, 0, { grant: GRANT, refresh: false, dhcpServer: false }, q);
    expect(relay.at(-1)).to.deep.equal({ type: 39, S: false });
    expect(ipv4PbaOptions(v, 130, { grant: null, refresh: false, dhcpServer: true }, q).map((o) => o.type)).to.deep.equal([37]);
    const pba = (options: unknown[]) => ({ options: options.map((o) => ({ ...(o as object), name: '' })) }) as unknown as BindingAck;
    expect(grantedIpv4(pba(relay))).to.deep.equal({ ...GRANT, dhcpServer: false });
    expect(grantedIpv4(pba(relay.slice(0, 2)))).to.deep.equal(GRANT);
  });

  describe('as server (S = 1, or no option 39 and the domain says server)', () => {
    it('OFFERs and ACKs the HoA, broadcast, with mask, Router and Server Identifier = the default router and a lease of the binding lifetime', () => {
      const { a, toClient } = access({ dhcpServer: true });
      a.fromClient('acc1', request(1));
      a.fromClient('acc1', request(3, [{ code: 50, address: '10.64.0.2' }, { code: 54, address: '10.64.0.1' }]));
      expect(toClient.map((p) => [p.iface, p.src, p.dst, typeOf(p.message)])).to.deep.equal([
        ['acc1', '10.64.0.1', '255.255.255.255', 2],
        ['acc1', '10.64.0.1', '255.255.255.255', 5],
      ]);
      const offer = toClient[0]!.message;
      expect(offer).to.deep.include({ op: 2, xid: 0x1234, yiaddr: '10.64.0.2', chaddr: MAC });
      expect(offer.options.slice(1)).to.deep.equal([
        { code: 54, address: '10.64.0.1' }, { code: 51, seconds: 40 }, { code: 58, seconds: 20 }, { code: 59, seconds: 35 },
        { code: 1, mask: '255.255.255.248' }, { code: 3, addresses: ['10.64.0.1'] }, { code: 255 },
      ]);
    });
    it('NAKs another address, ignores a REQUEST for another server and an MN it serves not, unicasts a renewal', () => {
      const { a, toClient } = access();
      a.fromClient('acc1', request(3, [{ code: 50, address: '10.64.0.3' }]));
      a.fromClient('acc1', request(3, [{ code: 50, address: '10.64.0.2' }, { code: 54, address: '10.9.9.9' }]));
      a.fromClient('acc2', request(1));
      a.fromClient('acc1', request(3, [], { ciaddr: '10.64.0.2' }));
      expect(toClient.map((p) => [typeOf(p.message), p.dst, p.message.yiaddr])).to.deep.equal([
        [6, '255.255.255.255', '0.0.0.0'],
        [5, '10.64.0.2', '10.64.0.2'],
      ]);
    });
    it('sends a well-formed UDP 67 -> 68 packet', () => {
      const { a, toClient } = access();
      a.fromClient('acc1', request(1));
      const p = toClient[0]!;
      const f = decodeFrame(LINKTYPE_RAW, dhcpv4Packet(p.src, p.dst, p.message), 0, 400);
      expect(f.malformed).to.equal(undefined);
      expect([f.udp?.srcPort, f.udp?.dstPort, f.udp?.checksumOk, f.dhcpv4?.name]).to.deep.equal([67, 68, true, 'OFFER']);
    });
  });

  describe('as relay (S = 0)', () => {
    it('forwards with hops + 1 and giaddr = the default router, and hands the server\'s reply to the MN by chaddr', () => {
      const { a, toClient, toServer } = access({ dhcpServer: false, relayServer: '192.0.2.9' });
      a.fromClient('acc1', request(1));
      expect(toServer.map((s) => [s.server, s.m.hops, s.m.giaddr])).to.deep.equal([['192.0.2.9', 1, '10.64.0.1']]);
      const offer = encodeDhcpv4({ ...toServer[0]!.m, op: 2, yiaddr: '10.64.0.2', options: [{ code: 53, type: 2 }, { code: 255 }] });
      a.fromServer(offer, '192.0.2.9');
      expect(toClient.map((p) => [p.iface, p.src, p.dst, p.message.yiaddr, p.message.giaddr])).to.deep.equal([['acc1', '10.64.0.1', '255.255.255.255', '10.64.0.2', '10.64.0.1']]);
    });
    it('relays nothing without a server, and drops a reply for an MN it does not relay for', () => {
      const { a, toClient, toServer } = access({ dhcpServer: false });
      a.fromClient('acc1', request(1));
      expect(toServer).to.deep.equal([]);
      const served = access({ dhcpServer: true });
      served.a.fromServer(request(2, [], { op: 2 }), '192.0.2.9');
      expect([toClient, served.toClient]).to.deep.equal([[], []]);
    });
  });

  it('the testbed\'s dhcpd -4 configuration: the own subnet without range, the home subnet with its router and the MN\'s fixed HoA', () => {
    expect(dhcpd4Config({ ownSubnet: '198.51.100.0/24', homes: [{ subnet: '10.64.0.0', mask: '255.255.255.248', router: '10.64.0.1', hosts: [{ mac: MAC, address: '10.64.0.2' }] }] })).to.equal([
      '# generated by pmip-testbed for one run', 'authoritative;', 'default-lease-time 600;', 'max-lease-time 1200;',
      'subnet 198.51.100.0 netmask 255.255.255.0 { }',
      'subnet 10.64.0.0 netmask 255.255.255.248 { option routers 10.64.0.1; option subnet-mask 255.255.255.248; }',
      `host mn0 { hardware ethernet ${MAC}; fixed-address 10.64.0.2; }`, '',
    ].join('\n'));
  });
});
