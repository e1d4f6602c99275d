// dhcpv6: an MN configured by DHCPv6 through the MAGs' relay agents (RFC 5213 §6.11), attached,
// exchanging traffic, moving to a second MAG and leaving.
//
// Purpose: where addresses come from DHCPv6, every MAG relays the MN's messages to the domain's
// server (DHCP-01), naming the MN's link by an address of its HNP (DHCP-02), so the server picks
// the MN's subnet whichever MAG relays; the LMA gives the DHCP-served link its prefixes for the
// whole session (DHCP-03), and the MN gets the same address after a handover (DHCP-04).
// RFC 5213 §6.11; RFC 8415 §19 (relay agent behaviour); catalog C.15.
//
//   mn1 ─ ap1 ─ mag1 ═╗
//     ┊                ╠═ lma1 ─ cn1 (dhcpd -6)       (topology.yaml)
//     └┈▶ ap2 ─ mag2 ═╝
//
//   mn1 (dhclient -6)     mag1                 mag2            lma1 / cn1 (server)
//   attach   ── RS ──────▶│── PBU ──────────────────────────────▶│
//            ◀─ RA M=1 ───│◀─ PBA HNP ───────────────────────────│   DHCP-03
//   Solicit ─ ff02::1:2 ─▶│── Relay-Forward link∈HNP, Interface-ID ▶│   DHCP-01, DHCP-02
//            ◀ Advertise ─│◀─ Relay-Reply ────────────────────────│
//   Request ─────────────▶│── Relay-Forward ─────────────────────▶│   DHCP-01, DHCP-02
//            ◀─ Reply A ──│◀─ Relay-Reply (IA_NA A) ──────────────│
//   ping cn1 (from A) ═══════════════ tunnel ═══════════════════▶│
//   handover to ap2                            │── PBU HI=3 ─────▶│
//                                              │◀─ PBA same HNP ──│   DHCP-03
//   Solicit/Request (same DUID) ──────────────▶│── Relay-Forward ▶│   DHCP-01, DHCP-02
//            ◀──────────── Reply A ────────────│◀─ Relay-Reply ───│   DHCP-04: A unchanged
//   ping cn1 (from A) through mag2; detach: mag2 de-registers
import { conformanceCase, expect, mobilityOf } from '../../harness/conformance/index.js';
import { pollUntil } from '../../harness/poll.js';
import { startRunDhcpv6Client, startRunDhcpv6Server, type RunningDhcpv6Client } from '../../harness/dhcpv6/services.js';

conformanceCase(import.meta.url, {
  name: 'dhcpv6',
  durationMs: 15_000,
  purpose: 'an MN gets its address from DHCPv6 through mag1\'s relay, keeps it through a handover to mag2 (relayed again), then leaves',
  rfc: ['5213 §6.11', '8415 §19'],
  topology: 'topology.yaml',
  iut: { lma1: 'lma', mag1: 'mag', mag2: 'mag' },
  requirements: ['DHCP-01', 'DHCP-02', 'DHCP-03', 'DHCP-04'],
  // Fixed prefixes: the server's subnets are the MNs' HNPs (and the first of the pool).
  domain: { dhcpv6: { serverNode: 'cn1' }, fixedPrefixes: true },
  needs: ['dhcpv6'],
}, (c) => {
  let address = '';
  let client: RunningDhcpv6Client | undefined;

  /** The MN's client from a fresh lease file (the same DUID-LL): it starts with a Solicit. */
  const lease = async (label: string): Promise<string> => {
    await client?.stop();
    client = await startRunDhcpv6Client(c.tb, 'mn1', label);
    const got = await pollUntil(async () => (await client!.leased()) ?? { pending: 'no lease yet' }, { what: `a DHCPv6 lease of mn1 (${label})`, timeoutMs: 15_000 });
    return c.tb.waitForAddress('mn1', { prefix: `${got}/128`, timeoutMs: 5000 });
  };

  c.setup('the DHCPv6 server runs on cn1 and mag1 registers mn1', async () => {
    await startRunDhcpv6Server(c.tb, 'cn1');
    const w = await c.watch(['mag1-lma1'], true);
    const pba = await w.until((f) => { const m = mobilityOf(f); return m?.mh.type === 6 && m.mh.status === 0 ? m : undefined; },
      { timeoutMs: 10_000, what: 'the PBA accepting mag1\'s registration of mn1' });
    expect(pba, 'the PBA accepting mag1\'s registration (within 10 s)').to.be.observed;
  });

  c.step('mn1 solicits through mag1\'s relay and configures the address the server leases it', async () => {
    address = await lease('dhclient6-mag1');
  });

  c.step('mn1 reaches cn1 from its DHCPv6 address', async () => {
    await c.tb.ping('mn1', 'cn1', { timeoutMs: 5000 });
  });

  c.step('mn1 moves to ap2; mag2 registers it with the same prefix', async () => {
    const w = await c.watch(['mag2-lma1']);
    await c.tb.handover('mn1', 'ap2');
    const pba = await w.until((f) => { const m = mobilityOf(f); return m?.mh.type === 6 && m.mh.status === 0 ? m : undefined; },
      { timeoutMs: 10_000, what: 'the PBA accepting mag2\'s registration' });
    expect(pba, 'the PBA accepting mag2\'s registration (within 10 s)').to.be.observed;
  });

  c.step('mn1 asks DHCPv6 again through mag2\'s relay and gets the same address', async () => {
    expect(await lease('dhclient6-mag2')).to.equal(address);
  });

  c.step('mn1 reaches cn1 through mag2', async () => {
    await c.tb.ping('mn1', 'cn1', { timeoutMs: 5000 });
  });

  c.step('mn1 leaves; mag2 de-registers it', async () => {
    await client?.stop();
    const w = await c.watch(['mag2-lma1']);
    await c.tb.detach('mn1');
    const dereg = await w.until((f) => { const m = mobilityOf(f); return m?.mh.type === 5 && m.mh.lifetimeUnits === 0 ? m : undefined; },
      { timeoutMs: 10_000, what: 'mag2\'s de-registration of mn1' });
    expect(dereg, 'mag2\'s de-registration (within 10 s of the detach)').to.be.observed;
  });
});
