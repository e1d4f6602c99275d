// ipv4-dhcp: the MAG toward IPv4 MNs on its access link (RFC 5844). mn1 (IPv4 only) and mn2
// (dual-stack) register through mag1; the LMA's PBAs grant IPv4 HoAs, the default router (option
// 38) and say the MAG is the DHCP server (option 39, S = 1); both run dhclient -4 and get their
// HoAs; mn1 resolves its default router by ARP and reaches cn1 over IPv4; its ARP for another
// address of its home subnet is answered by mag1 (proxy ARP).
//
// Purpose: the MAG serves DHCPv4 with yiaddr = the HoA and Router = the option-38 address when
// option 39 says server, answers ARP for that address (V4-10) and proxy-ARPs for the rest of the
// MN's home subnet (V4-11). RFC 5844 §3.2.3.2, §3.2.4, §3.3.4; RFC 2131 §4.3.
// Not here (not yet): the relay role (S = 0), which pmipd implements (giaddr = the default router)
// but which needs a DHCPv4 server reachable over IPv4 from the MAG.
//
//   mn1 (v4), mn2 (dual) ─ ap1 ─ mag1 ══ lma1 ─ cn1      (topology.yaml; IPv4 pool /29, tun data plane for IPv4)
//
//   mn1 (dhclient -4)          mag1                          lma1
//    attach (mn2 alike)         │── PBU IPv4 0.0.0.0/0 ─────────▶│
//                               │◀─ PBA Reply a/29, DR r, S=1 ───│
//    DISCOVER (broadcast) ─────▶│
//         ◀─ OFFER a, router r, server id r ─│                     V4-10 (server, option 3 == r)
//    REQUEST a ────────────────▶│
//         ◀─ ACK a, router r ───│                                  V4-10
//    ARP who-has r ────────────▶│ ◀─ r is-at mag1 ─                V4-10 (ARP for the DR)
//    ping cn1 ═════════════════════════ tunnel (NH 4) ═══════════▶│══▶ cn1
//    ARP who-has x (x ∈ a/29, not r) ─▶│ ◀─ x is-at mag1 ─         V4-11 (proxy ARP)
import { findOption } from '../../wire/index.js';
import { conformanceCase, expect, mobilityOf } from '../../harness/conformance/index.js';
import { pollUntil, TimeoutError } from '../../harness/poll.js';
import { leaseIpv4 } from '../../harness/dhcpv6/services.js';

/** The last host of the /29 pool: in mn1's home subnet, assigned to nobody (mn1 and mn2 get the first two). */
const ON_SUBNET = '10.64.0.6';

conformanceCase(import.meta.url, {
  name: 'ipv4-dhcp',
  durationMs: 15_000,
  purpose: 'an IPv4-only and a dual-stack MN get their IPv4 HoAs by DHCPv4 from their MAG (server per option 39); one resolves the default router by ARP, and its ARP for another home-subnet address is proxied',
  rfc: ['5844 §3.2.3.2', '§3.2.4', '§3.3.4', '2131 §4.3'],
  topology: 'topology.yaml',
  iut: { lma1: 'lma', mag1: 'mag' },
  domain: { ipv4Pool: '10.64.0.0/29', ipv4Dhcp: 'server' },
  requirements: ['V4-10', 'V4-11'],
  // dhclient (isc-dhcp-client) runs in mn1's namespace.
  needs: ['dhcpv6'],
}, (c) => {
  let granted: { hoa: string; router: string } | null = null;
  const grants = new Map<string, string>();
  /** The checks judge what the wire shows: a step that sees nothing notes it and goes on. */
  let leased = false;

  c.setup('mag1 registers mn1 and mn2 and the PBAs grant IPv4 HoAs and a default router', async () => {
    const w = await c.watch(['mag1-lma1'], true);
    const done = await w.until((f) => {
      const x = mobilityOf(f);
      if (x?.mh.type !== 6 || x.mh.status !== 0) return undefined;
      const r = findOption(x.mh.options, 37), dr = findOption(x.mh.options, 38), id = findOption(x.mh.options, 8)?.id;
      if (r?.status !== 0 || dr === undefined || id === undefined) return undefined;
      grants.set(id, r.address);
      if (id === 'mn1@example.org') granted = { hoa: r.address, router: dr.address };
      return grants.size === 2 ? true : undefined;
    }, { timeoutMs: 10_000, what: 'the PBAs granting mn1 and mn2 IPv4 HoAs and a default router' });
    expect(done, 'PBAs granting mn1 and mn2 IPv4 HoAs with a default router (within 10 s)').to.be.observed;
  });

  c.step('mn1 and mn2 run dhclient -4 and get their granted HoAs from mag1', async () => {
    const [lease1, lease2] = await Promise.all(['mn1', 'mn2'].map((mn) => leaseIpv4(c.tb, mn, (text) => c.note(`${mn}: ${text}`))));
    leased = lease1 !== null;
    if (leased) c.note(`dhclient -4 leased mn1 ${lease1}, mn2 ${lease2 ?? 'nothing'} (the PBAs granted ${[...grants.values()].join(', ')})`);
  });

  c.step('mn1 reaches cn1 over IPv4 through its default router (ARP for the router)', async () => {
    if (!leased) { c.note('mn1 has no IPv4 address: nothing to ARP for'); return; }
    const dp = c.tb.iut('mag1')?.dataplane?.backend;
    if (dp !== 'tun') { c.note(`the ping is not tried: mag1 runs the ${dp ?? 'unknown'} data plane; pmipd carries IPv4 on tun only (the DHCP exchange above still shows ARP for the router)`); }
    const sh = (node: string, ...cmds: string[][]) => cmds.reduce((p, a) => p.then(() => c.tb.exec(node, 'ip', a).then(() => undefined)), Promise.resolve());
    await sh('lma1', ['-4', 'addr', 'add', '192.0.2.1/24', 'dev', 'eth2']);
    await sh('cn1', ['-4', 'addr', 'add', '192.0.2.2/24', 'dev', 'eth0'], ['-4', 'route', 'add', 'default', 'via', '192.0.2.1']);
    const w = await c.watch(['ap1']);
    const ping = () => c.tb.exec('mn1', 'ping', ['-4', '-n', '-c', '1', '-W', '1', '192.0.2.2'], { reject: false });
    if (dp === 'tun') {
      await pollUntil(async () => (await ping()).exitCode === 0, { what: 'an IPv4 ping mn1 -> cn1', timeoutMs: 5000, maxIntervalMs: 200 }).catch((err: unknown) => {
        if (!(err instanceof TimeoutError)) throw err;
        c.note(`mn1 did not reach cn1: ${err.message}`);
      });
    }
    else await ping();
    const answered = await w.until((f) => (f.frame.arp?.operation === 2 && f.frame.arp.senderIp === granted!.router ? true : undefined),
      { timeoutMs: 3000, what: `an ARP reply for the default router ${granted!.router}` });
    if (answered === null) c.note(`no ARP reply for the default router ${granted!.router} on ap1`);
  });

  c.step(`mn1 asks ARP for ${ON_SUBNET}, another address of its home subnet: mag1 answers`, async () => {
    if (!leased) { c.note('mn1 has no IPv4 address: nothing to ARP for'); return; }
    const w = await c.watch(['ap1']);
    await c.tb.exec('mn1', 'ping', ['-4', '-n', '-c', '1', '-W', '1', ON_SUBNET], { reject: false });
    const answered = await w.until((f) => (f.frame.arp?.operation === 2 && f.frame.arp.senderIp === ON_SUBNET ? true : undefined),
      { timeoutMs: 3000, what: `an ARP reply for ${ON_SUBNET}` });
    if (answered === null) c.note(`no ARP reply for ${ON_SUBNET} on ap1`);
  });
});
