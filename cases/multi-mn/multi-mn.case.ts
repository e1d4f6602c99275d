// multi-mn: several MNs registered at the same time, two of them behind one MAG, a guest the
// domain does not entitle to PMIPv6, and a regular host on the same access link (catalog C.2, C.5,
// C.12, C.13).
//
// Purpose: per-MN prefixes (no prefix shared or advertised to another MN), one sequence counter
// per MAG, local traffic between two MNs of one MAG, and from a local host to an MN, hair-pinned
// through the LMA (EnableMAGLocalRouting 0), and no PMIPv6 signalling for an MN without the service.
// RFC 5213 §5.2, §5.3.2, §6.9.1.1, §6.10.3, §6.10.5, §6.14.
//
//   mn1 mn3 mn4 h1 ─ ap1 ─ mag1 ═╗
//                                 ╠═ lma1 ─ cn1          (topology.yaml; mn3 = guest@, not entitled;
//                                                          h1 = a regular host, not an MN)
//           mn2 ─ ap2 ─ mag2 ═╝
//
//   mn1, mn4           mag1                  lma1                  mag2          mn2
//    │── RS ──────────▶│── PBU mn1, PBU mn4 ─▶│◀── PBU mn2 ─────────│◀── RS ───────│
//    │                 │◀─ PBA P1, PBA P4 ────│─── PBA P2 ─────────▶│              │   LMA-BCE-01/02, LMA-PBA-09
//    │◀─ RA P1 (mn1), RA P4 (mn4) ──│         │                     │── RA P2 ────▶│   RA-06, MAG-PBU-12
//   mn3 (guest): RS, no PBU                                                            MAG-PBU-20
//   mn1 ══ echo to mn4 ══▶ mag1 ═══▶ lma1 ═══▶ mag1 ══▶ mn4                            FWD-12 (hairpin)
//   h1 ═══ echo to mn1 ══▶ mag1 ═══▶ lma1 ═══▶ mag1 ══▶ mn1                            FWD-13 (hairpin)
//   h1 ◀══ reply ═════════ mag1 ◀─── lma1 ◀═══ mag1 ◀══ mn1  (h1's prefix is mag1's access link's)
import { conformanceCase, expect } from '../../harness/conformance/index.js';

conformanceCase(import.meta.url, {
  name: 'multi-mn',
  durationMs: 3000,
  purpose: 'three MNs at once get distinct prefixes and only their own in RAs; mn1 reaches mn4, and a local host reaches mn1, on the same MAG through the LMA; a guest gets no PMIPv6 signalling',
  rfc: ['5213 §5.2', '§5.3.2', '§6.9.1.1', '§6.10.3', '§6.10.5', '§6.14'],
  topology: 'topology.yaml',
  iut: { lma1: 'lma', mag1: 'mag', mag2: 'mag' },
  domain: { extraMobileNodes: [{ nai: 'guest@example.org', mac: '02:00:00:00:01:03', proxyMobility: false }] },
  requirements: [
    'LMA-BCE-01', 'LMA-BCE-02', 'LMA-PBA-09', 'MAG-PBU-12', 'MAG-PBU-20', 'RA-06', 'FWD-10', 'FWD-12', 'FWD-13', 'FWD-14',
  ],
}, (c) => {
  const addr: Record<string, string> = {};

  c.setup('mn1, mn2 and mn4 configure addresses', async () => {
    for (const mn of ['mn1', 'mn2', 'mn4']) addr[mn] = await c.tb.waitForAddress(mn, { timeoutMs: 5000 });
  });

  c.step('each MN has a prefix of its own', async () => {
    const prefixes = ['mn1', 'mn2', 'mn4'].map((m) => c.prefixOf(addr[m]!));
    expect(new Set(prefixes).size, `prefixes ${prefixes.join(', ')}`).to.equal(3);
  });

  c.step('mn1 reaches mn4, its neighbour on mag1, and mn2 reaches cn1', async () => {
    await c.tb.ping('mn1', addr.mn4!, { timeoutMs: 3000 });
    await c.tb.ping('mn2', 'cn1', { timeoutMs: 3000 });
  });

  c.step('h1, a regular host on ap1 (not an MN), reaches mn1: mag1 sends its packets up the tunnel (FWD-13, judged on the captures)', async () => {
    await c.tb.ping('h1', addr.mn1!, { timeoutMs: 3000 });
  });

  c.step('the guest mn3 solicits on ap1 and gets no PMIPv6 service', async () => {
    const w = await c.watch(['mag1-lma1']);
    await c.solicit('mn3');
    // An RS is all a MAG needs to register an MN: give it the time an attachment takes.
    const pbu = await w.until((f) => (f.frame.mh?.type === 5 ? f : undefined), { timeoutMs: 1500, what: 'a PBU from mag1' });
    expect(pbu, 'a PBU from mag1 after the guest solicited').not.to.be.observed;
  });
});
