// chain-attach: an MN attaches to a MAG of a chained domain, where the MAG reaches the LMA only
// through two routers (the seed's second figure), and reaches a CN (catalog §E.1, C.13).
//
// Purpose: signalling and tunnel between addresses that are not neighbours: the PBU goes from the
// Proxy-CoA to the LMAA and the PBA back across r1 and r2; the tunnel's endpoints are exactly the
// Proxy-CoA and the LMAA on every link of the path (the routers forward the outer packet and
// leave the inner one alone), and the MN and the CN reach each other through it.
// RFC 5213 §5.3.6, §5.6.1, §5.6.2, §6.9.1.5, §6.10.2, §6.10.5; RFC 2473 §3.
//
//   mn1 ─ ap1 ─ mag1 ─ r1 ─╮
//                           r2 ─ lma1 ─ cn1              (../../topologies/domain-chaining.yaml)
//          ap2 ─ mag2 ─ r3 ─╯
//
//   mn1          mag1              r1        r2          lma1              cn1
//    │── RS ──────▶│── PBU pCoA → LMAA ─▶──────▶───────────▶│                 │   step 1: MAG-PBU-01/02
//    │             │◀─ PBA LMAA → pCoA ──◀──────◀────────────│                 │   LMA-PBA-01/19, MH-03
//    │◀── RA HNP ──│   MTU ≤ transport MTU − 40                                    RA-10
//    │══ echo ════▶│══ [pCoA → LMAA] hop h ══▶ h−1 ══▶ h−2 ══▶│── echo ───────▶│   step 2: FWD-01 (live),
//    │◀═ reply ════│◀═ [LMAA → pCoA] ═══════◀═══════◀══════════│◀─ reply ───────│   FWD-02/03/05/09/10
//    │             │   inner packet unchanged by r1 and r2                           MAG-PBA-04
import { conformanceCase, expect, judgeMagTunnelState, type CaptureWatch, type LiveFrame } from '../../harness/conformance/index.js';

/** The outer and inner hop limits of the tunnelled echo request from `src` to `dst`, at one capture point. */
function tunnelledEcho(src: string, dst: string) {
  return (f: LiveFrame) => {
    const outer = f.frame.ipv6, inner = f.frame.inner?.ipv6;
    if (outer === undefined || inner === undefined || inner.src !== src || inner.dst !== dst || f.frame.inner?.icmpv6?.type !== 128) return undefined;
    return { outerSrc: outer.src, outerDst: outer.dst, outerHops: outer.hopLimit, innerHops: inner.hopLimit };
  };
}

conformanceCase(import.meta.url, {
  name: 'chain-attach',
  durationMs: 4000,
  purpose: 'an MN attaches to a MAG two routers away from its LMA: PBU, PBA and the tunnel cross the routers end to end',
  rfc: ['5213 §5.3.6', '§5.6.1', '§5.6.2', '§6.9.1.5', '§6.10.2', '§6.10.5', '2473 §3'],
  topology: '../../topologies/domain-chaining.yaml',
  iut: { lma1: 'lma', mag1: 'mag', mag2: 'mag' },
  requirements: [
    'MH-03', 'MAG-PBU-01', 'MAG-PBU-02', 'LMA-PBA-01', 'LMA-PBA-19', 'MAG-PBA-04', 'RA-10',
    'FWD-01', 'FWD-02', 'FWD-03', 'FWD-05', 'FWD-09', 'FWD-10',
  ],
}, (c) => {
  let address = '';

  c.setup('mn1 configures an address from its home network prefix (PBU and PBA cross r1 and r2)', async () => {
    address = await c.tb.waitForAddress('mn1', { timeoutMs: 5000 });
  });

  c.step('an echo mn1 → cn1 crosses r1 and r2 inside one tunnel, Proxy-CoA → LMAA, the inner packet untouched', async () => {
    const pcoa = c.address('mag1'), lmaa = c.address('lma1'), cn = c.address('cn1');
    // One watch per capture point: which link a frame was seen on is what this step judges.
    const points = ['mag1-r1', 'r1-r2', 'r2-lma1'];
    const watches: CaptureWatch[] = await Promise.all(points.map((p) => c.watch([p])));
    await c.tb.ping('mn1', 'cn1', { timeoutMs: 3000 });
    const seen = await Promise.all(watches.map((w, i) => w.until(tunnelledEcho(address, cn), { timeoutMs: 2000, what: `the tunnelled echo on ${points[i]}` })));
    const v = c.verdict('FWD-01');
    for (const [i, s] of seen.entries()) {
      const at = points[i]!;
      if (s === null) { v.fail(`the echo from ${address} to ${cn} was not seen tunnelled on ${at}`); continue; }
      v.expect(s.outerSrc === pcoa && s.outerDst === lmaa,
        { pass: `on ${at} the tunnel runs ${s.outerSrc} → ${s.outerDst}`, fail: `on ${at} the tunnel runs ${s.outerSrc} → ${s.outerDst}` },
        [], { field: `outer src → dst on ${at}`, expected: `${pcoa} → ${lmaa}`, seen: `${s.outerSrc} → ${s.outerDst}` });
    }
    const [first, , last] = seen;
    expect(first, 'the tunnelled echo on mag1-r1').to.be.observed;
    expect(last, 'the tunnelled echo on r2-lma1').to.be.observed;
    // r1 and r2 route the outer packet (hop limit − 2); the inner one is not theirs to touch.
    expect(last!.outerHops, 'outer hop limit on r2-lma1 vs mag1-r1').to.equal(first!.outerHops - 2);
    expect(last!.innerHops, 'inner hop limit on r2-lma1 vs mag1-r1').to.equal(first!.innerHops);
  });

  c.step('cn1 reaches mn1 back down the tunnel across both routers', async () => {
    await c.tb.ping('cn1', address, { timeoutMs: 3000 });
  });

  c.step('mag1 routes mn1\'s prefix into a tunnel toward the LMAA, not toward its next hop r1', async () => {
    await judgeMagTunnelState(c, 'mag1', c.prefixOf(address));
  });
});
