// ipv4-dhcp-relay: the MAG as DHCPv4 relay for an IPv4 MN (RFC 5844 §3.2.3.2). The LMA's PBA
// grants mn1 its fixed IPv4 HoA and default router and says relay (option 39, S = 0); mag1 relays
// mn1's DISCOVER and REQUEST to the domain's DHCPv4 server (ISC dhcpd -4 on lma1, over IPv4
// addresses the case puts on the mag1-lma1 link) with giaddr = the default router, so the server
// picks mn1's home subnet, and hands the OFFER and ACK to mn1.
//
// Purpose: with S = 0 the MAG relays (giaddr set, the message forwarded) instead of serving, and
// the Router option mn1 gets names the option-38 address (V4-10); ARP for that address is
// answered by mag1 (V4-10). RFC 5844 §3.2.3.2, §3.3.4; RFC 2131 §4.1 (relay agents), RFC 1542 §4.
// The server's reply goes to giaddr: the case routes that address from lma1 to mag1's IPv4 address
// (a domain with one relaying MAG; with several, each would need a giaddr of its own).
//
//   mn1 (v4) ─ ap1 ─ mag1 ══ lma1 (dhcpd -4 on 198.51.100.1)    (topology.yaml; mn1's HoA fixed 10.64.0.2/29)
//
//   mn1 (dhclient -4)          mag1 (relay)                      lma1 / dhcpd
//    attach                     │── PBU IPv4 0.0.0.0/0 ──────────────▶│
//                               │◀─ PBA Reply a/29, DR r, S=0 ────────│
//    DISCOVER (broadcast) ─────▶│── DISCOVER hops 1, giaddr r ───────▶│   V4-10 (relay)
//                               │◀─ OFFER a, router r (to r:67) ──────│
//         ◀─ OFFER a, router r ─│                                          V4-10 (option 3 == r)
//    REQUEST a ────────────────▶│── REQUEST giaddr r ────────────────▶│
//         ◀─ ACK a, router r ───│◀─ ACK ──────────────────────────────│   V4-10
//    ARP who-has r ────────────▶│ ◀─ r is-at mag1 ─                        V4-10 (ARP for the DR)
import { findOption } from '../../wire/index.js';
import { conformanceCase, expect, mobilityOf } from '../../harness/conformance/index.js';
import { dhcpd4Config, leaseIpv4, startDhcpv6Server as startDhcpd } from '../../harness/dhcpv6/services.js';
import { join } from 'node:path';

const HOA = '10.64.0.2', ROUTER = '10.64.0.1', MASK = '255.255.255.248';
const SERVER = '198.51.100.1', RELAY = '198.51.100.2';

conformanceCase(import.meta.url, {
  name: 'ipv4-dhcp-relay',
  durationMs: 15_000,
  purpose: 'an IPv4-only MN gets its IPv4 HoA by DHCPv4 through its MAG\'s relay agent (option 39 S = 0) from a server in the LMA\'s network, and resolves its default router by ARP',
  rfc: ['5844 §3.2.3.2', '§3.3.4', '2131 §4.1', '1542 §4'],
  topology: 'topology.yaml',
  iut: { lma1: 'lma', mag1: 'mag' },
  domain: {
    ipv4Pool: '10.64.0.0/29', ipv4Dhcp: 'relay', ipv4DhcpServer: SERVER,
    extraMobileNodes: [{ nai: 'mn1@example.org', mac: '02:00:00:00:01:01', ipv4: `${HOA}/29`, ipv6: false }],
  },
  requirements: ['V4-10'],
  // dhcpd -4 (isc-dhcp-server) on lma1, dhclient -4 (isc-dhcp-client) in mn1's namespace.
  needs: ['dhcpv6'],
}, (c) => {
  let leased = false;

  c.setup('lma1 runs dhcpd -4 on an IPv4 address of the mag1-lma1 link, and mag1 registers mn1', async () => {
    await c.tb.exec('lma1', 'ip', ['-4', 'addr', 'add', `${SERVER}/24`, 'dev', 'eth0']);
    await c.tb.exec('mag1', 'ip', ['-4', 'addr', 'add', `${RELAY}/24`, 'dev', 'eth0']);
    // The server answers to giaddr (the default router): that address is mag1's here.
    await c.tb.exec('lma1', 'ip', ['-4', 'route', 'add', `${ROUTER}/32`, 'via', RELAY, 'dev', 'eth0']);
    await startDhcpd({
      supervisor: c.tb.supervisor, node: 'lma1', netns: c.tb.nodes.lma1!.netns, iface: 'eth0', dir: join(c.tb.runtimeDir, 'dhcpv4-lma1'),
      logFile: join(c.tb.outDir, 'dhcpd4-lma1.log'), hnps: [], ownSubnet: '198.51.100.0/24', family: 4,
      config: dhcpd4Config({ ownSubnet: '198.51.100.0/24', homes: [{ subnet: '10.64.0.0', mask: MASK, router: ROUTER, hosts: [{ mac: '02:00:00:00:01:01', address: HOA }] }] }),
    });
    const w = await c.watch(['mag1-lma1'], true);
    const pba = await w.until((f) => {
      const x = mobilityOf(f);
      return x?.mh.type === 6 && x.mh.status === 0 && findOption(x.mh.options, 37)?.status === 0 ? x : undefined;
    }, { timeoutMs: 10_000, what: 'the PBA granting mn1 its IPv4 HoA' });
    expect(pba, 'a PBA granting mn1 its IPv4 HoA (within 10 s)').to.be.observed;
  });

  c.step('mn1 runs dhclient -4: mag1 relays, the server\'s lease reaches mn1', async () => {
    const lease = await leaseIpv4(c.tb, 'mn1', (text) => c.note(text));
    leased = lease !== null;
    if (leased) c.note(`dhclient -4 leased ${lease} through mag1's relay`);
  });

  c.step('mn1 resolves its default router by ARP', async () => {
    if (!leased) { c.note('mn1 has no IPv4 address: nothing to ARP for'); return; }
    const w = await c.watch(['ap1']);
    await c.tb.exec('mn1', 'ping', ['-4', '-n', '-c', '1', '-W', '1', ROUTER], { reject: false });
    const answered = await w.until((f) => (f.frame.arp?.operation === 2 && f.frame.arp.senderIp === ROUTER ? true : undefined),
      { timeoutMs: 3000, what: `an ARP reply for the default router ${ROUTER}` });
    if (answered === null) c.note(`no ARP reply for the default router ${ROUTER} on ap1`);
  });
});
