// pmipd's DHCPv6 address configuration (RFC 5213 §6.11): the domain keys, the RA flags of a
// DHCP-served link, the relay agent's Relay-Forward and Relay-Reply handling, and the server
// configuration the testbed generates.
import { expect } from 'chai';
import { YamlConfigError, YamlSource } from '../../harness/yaml-located.js';
import { readDomainConfig } from '../../pmipd/config.js';
import { Dhcpv6Relay, type RelaySession } from '../../pmipd/mag/dhcpv6-relay.js';
import { Quirks } from '../../pmipd/quirks.js';
import type { Counters, Logger } from '../../pmipd/log.js';
import { dhcpdConfig, dhcpv6Missing } from '../../harness/dhcpv6/services.js';
import { decodeDhcpv6, encodeDhcpv6, innermostDhcpv6, isRelay, type Dhcpv6Message, type RouterAdvertisement } from '../../wire/index.js';
import { DOMAIN_YAML, MagHarness, domain, settle } from './logic-fixture.js';

const quiet = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined } as unknown as Logger;
const noCounters = { inc: () => undefined } as unknown as Counters;
const MN_A = { ll: 'fe80::ff:fe00:101', mac: '02:00:00:00:01:01', hnp: '2001:db8:a000::/64' };
const MN_B = { ll: 'fe80::ff:fe00:102', mac: '02:00:00:00:01:02', hnp: '2001:db8:a000:1::/64' };
const SOLICIT: Dhcpv6Message = { msgType: 1, transactionId: 0xabc, options: [{ code: 1, duid: '00030001020000000101' }] };

function relay(sessions: RelaySession[]) {
  const toServer: Dhcpv6Message[] = [];
  const toClient: { iface: string; dst: string; msg: Dhcpv6Message }[] = [];
  const r = new Dhcpv6Relay({
    server: '2001:db8:2::2', self: { name: 'mag1', address: '2001:db8:1::1' }, quirks: new Quirks([]), log: quiet, counters: noCounters, sessions: () => sessions,
    sendToServer: (b) => toServer.push(decodeDhcpv6(b, 0, b.length)!),
    sendToClient: (iface, dst, b) => toClient.push({ iface, dst, msg: decodeDhcpv6(b, 0, b.length)! }),
  });
  return { r, toServer, toClient };
}

describe('pmipd DHCPv6 (RFC 5213 §6.11)', () => {
  describe('domain keys addressConfig and dhcpv6Server', () => {
    const read = (extra: string) => readDomainConfig(YamlSource.fromText(`${DOMAIN_YAML}${extra}`, 'domain.yaml'));
    it('is SLAAC unless asked, DHCPv6 with the server named', () => {
      expect(read('').dhcpv6).to.equal(null);
      expect(read('addressConfig: dhcpv6\ndhcpv6Server: 2001:DB8:2::0002\n').dhcpv6).to.deep.equal({ server: '2001:db8:2::2' });
    });
    it('names the line and field of a mistake', () => {
      const err = (extra: string) => { try { read(extra); } catch (e) { if (e instanceof YamlConfigError) return e.message; throw e; } return 'no error'; };
      expect(err('addressConfig: dhcpv6\n')).to.match(/^domain\.yaml:\d+:\d+: addressConfig: dhcpv6 needs dhcpv6Server/);
      expect(err('dhcpv6Server: 2001:db8:2::2\n')).to.match(/^domain\.yaml:\d+:\d+: dhcpv6Server: is only read with addressConfig: dhcpv6/);
      expect(err('addressConfig: dhcpv6\ndhcpv6Server: nowhere\n')).to.match(/dhcpv6Server: "nowhere" is not an IPv6 address/);
      expect(err('addressConfig: bootp\n')).to.match(/addressConfig: .*slaac.*dhcpv6/);
    });
  });

  it('a DHCP-served link gets RAs with M = 1 and PIOs with A = 0 (L = 1 kept)', async () => {
    const flags = async (cfg?: ReturnType<typeof domain>) => {
      const h = new MagHarness(cfg ? { cfg } : {});
      h.rs(); h.answer(); await settle();
      const ra = h.ras().at(-1)!.msg as RouterAdvertisement;
      return { M: ra.managed, L: ra.prefixes[0]!.onLink, A: ra.prefixes[0]!.autonomous };
    };
    expect(await flags()).to.deep.equal({ M: false, L: true, A: true });
    expect(await flags(domain((y) => `${y}addressConfig: dhcpv6\ndhcpv6Server: 2001:db8:2::2\n`))).to.deep.equal({ M: true, L: true, A: false });
  });

  describe('the relay agent', () => {
    it('forwards a client message with the MN\'s HNP::1 as link-address, its link-local as peer, the interface as Interface-ID', () => {
      const { r, toServer } = relay([{ iface: 'acc0', mac: MN_A.mac, state: 'registered', hnps: [MN_A.hnp] }]);
      r.fromClient('acc0', MN_A.ll, encodeDhcpv6(SOLICIT));
      expect(toServer).to.have.length(1);
      const f = toServer[0]!;
      if (!isRelay(f)) throw new Error('not a relay message');
      expect(f).to.deep.include({ msgType: 12, hopCount: 0, linkAddress: '2001:db8:a000::1', peerAddress: MN_A.ll });
      expect(f.options[0]).to.deep.equal({ code: 18, id: Buffer.from('acc0').toString('hex') });
      expect(innermostDhcpv6(f)).to.deep.equal({ ...SOLICIT, name: 'Solicit', options: [{ ...SOLICIT.options[0]!, duidType: 3 }] });
    });

    it('picks the sender among MNs sharing the link by its EUI-64 link-local', () => {
      const { r, toServer } = relay([
        { iface: 'acc0', mac: MN_A.mac, state: 'registered', hnps: [MN_A.hnp] }, { iface: 'acc0', mac: MN_B.mac, state: 'refreshing', hnps: [MN_B.hnp] },
      ]);
      r.fromClient('acc0', MN_B.ll, encodeDhcpv6(SOLICIT));
      expect(toServer.map((m) => (isRelay(m) ? m.linkAddress : ''))).to.deep.equal(['2001:db8:a000:1::1']);
    });

    it('drops a message of an MN not registered yet, a relay message from the access side, and garbage', () => {
      const { r, toServer } = relay([{ iface: 'acc0', mac: MN_A.mac, state: 'pending', hnps: [] }]);
      r.fromClient('acc0', MN_A.ll, encodeDhcpv6(SOLICIT));
      r.fromClient('acc0', MN_A.ll, encodeDhcpv6({ msgType: 12, hopCount: 0, linkAddress: '::', peerAddress: '::', options: [] }));
      r.fromClient('acc0', MN_A.ll, Uint8Array.of(1, 2));
      expect(toServer).to.deep.equal([]);
    });

    it('sends a Relay-Reply\'s message to its peer on the interface its Interface-ID names; without one, nowhere', () => {
      const { r, toClient } = relay([]);
      const reply: Dhcpv6Message = { msgType: 7, transactionId: 0xabc, options: [] };
      const rr = (options: Dhcpv6Message['options']) => encodeDhcpv6({ msgType: 13, hopCount: 0, linkAddress: '2001:db8:a000::1', peerAddress: MN_A.ll, options });
      r.fromServer(rr([{ code: 18, id: Buffer.from('acc0').toString('hex') }, { code: 9, message: reply }]), '2001:db8:2::2');
      r.fromServer(rr([{ code: 9, message: reply }]), '2001:db8:2::2');
      r.fromServer(rr([{ code: 18, id: Buffer.from('acc0; rm').toString('hex') }, { code: 9, message: reply }]), '2001:db8:2::2');
      expect(toClient).to.deep.equal([{ iface: 'acc0', dst: MN_A.ll, msg: { ...reply, name: 'Reply' } }]);
    });
  });

  it('a missing server or client binary is named with its Debian package (the case is then SKIPPED with it)', () => {
    expect(dhcpv6Missing({ dhcpd: '/nonexistent/dhcpd', dhclient: '/nonexistent/dhclient' }))
      .to.equal('DHCPv6 needs /nonexistent/dhcpd and /nonexistent/dhclient: apt-get install isc-dhcp-server isc-dhcp-client (node scripts/setup.mjs installs them)');
    expect(dhcpv6Missing({ dhcpd: '/bin/sh', dhclient: '/nonexistent/dhclient' })).to.match(/needs \/nonexistent\/dhclient: apt-get install isc-dhcp-client/);
  });

  it('the server configuration has a subnet6 with a range per HNP and its own link without one', () => {
    expect(dhcpdConfig({ hnps: ['2001:db8:a000::/64'], ownSubnet: '2001:db8:0:2::/64' }).split('\n')).to.include.members([
      'subnet6 2001:db8:0:2::/64 { }',
      'subnet6 2001:db8:a000::/64 { range6 2001:db8:a000::1000 2001:db8:a000::1fff; }',
    ]);
    expect(() => dhcpdConfig({ hnps: ['2001:db8:a000::/56'], ownSubnet: '2001:db8:0:2::/64' })).to.throw(/a \/64/);
  });
});
