// chain-handover: an MN moves between two MAGs of a chained domain that sit in different access
// networks, each behind its own router (catalog §E.4, C.11).
//
// Purpose: the handover moves the tunnel's far end from one access network to another: the LMA
// learns the new Proxy-CoA from a PBU that crossed r3 and r2 instead of r1 and r2, keeps the MN's
// prefix and link-local address, and the downlink follows the binding onto the other router's
// path (nothing for the MN goes toward r1 any more); the MN keeps its address and its traffic.
// RFC 5213 §5.3.4, §5.4.1, §5.6.2, §6.9.1.1, §6.9.2; RFC 2473 §3.
//
//   mn1 ─ ap1 ─ mag1 ─ r1 ─╮
//     ┊                     r2 ─ lma1 ─ cn1              (../../topologies/domain-chaining.yaml)
//     └┈▶ ap2 ─ mag2 ─ r3 ─╯
//
//   mn1            mag1 (behind r1)     mag2 (behind r3)          lma1            cn1
//    │══ ping stream to cn1 ══▶ r1 ══▶ r2 ══▶ ... ═════════════════▶│──────────────▶│   step 1
//   moves to ap2 ─▶│                    │── PBU HI=3 ─▶ r3 ─▶ r2 ──▶│                │   HO-01
//    │             │                    │◀─ PBA 0 same HNP, LLA ────│                │   HO-03/04, LMA-PBA-13
//    │◀─ RA HNP (after the PBA) ────────│                           │                │   HO-10, HO-11
//    │             │                    │◀═ [LMAA → pCoA2] via r2, r3 ═════════════════│   step 2: HO-09,
//    │             │  (nothing for mn1 on r1-r2 any more)          │                │   LMA-BCE-06, FWD-02
//   back to ap1 ──▶│── PBU HI=3 ─▶ r1 ─▶ r2 ───────────────────────▶│                │   step 3: the reverse
import { conformanceCase, expect, mobilityOf, startPingStream, type LiveFrame } from '../../harness/conformance/index.js';

/** The accepting PBA of a registration (lifetime > 0) to `pcoa`. */
function acceptingPbaTo(pcoa: string) {
  return (f: LiveFrame) => {
    const m = mobilityOf(f);
    return m?.mh.type === 6 && m.mh.status === 0 && m.mh.lifetimeUnits > 0 && m.dst === pcoa ? m : undefined;
  };
}

/** A tunnelled packet whose inner destination is `address`: its outer destination. */
function tunnelledTo(address: string) {
  return (f: LiveFrame) => (f.frame.inner?.ipv6?.dst === address ? f.frame.ipv6!.dst : undefined);
}

conformanceCase(import.meta.url, {
  name: 'chain-handover',
  durationMs: 7000,
  purpose: 'an MN moves between MAGs behind different access routers and back, keeping its prefix and address; the downlink follows it onto the other router\'s path',
  rfc: ['5213 §5.3.4', '§5.4.1', '§5.6.2', '§6.9.1.1', '§6.9.2', '2473 §3'],
  topology: '../../topologies/domain-chaining.yaml',
  iut: { lma1: 'lma', mag1: 'mag', mag2: 'mag' },
  requirements: ['HO-01', 'HO-03', 'HO-04', 'HO-09', 'HO-10', 'HO-11', 'LMA-PBA-13', 'LMA-BCE-06', 'FWD-02'],
}, (c) => {
  let address = '';

  c.setup('mn1 attaches to mag1 (behind r1) and configures an address', async () => {
    address = await c.tb.waitForAddress('mn1', { timeoutMs: 5000 });
  });

  c.step('mn1 moves to ap2 with a ping stream to cn1 running: mag2 registers it across r3 and r2, and it keeps its address', async () => {
    const w = await c.watch(['r3-r2']);
    const stream = await startPingStream(c, 'mn1', 'cn1');
    await c.tb.handover('mn1', 'ap2');
    const pba = await w.until(acceptingPbaTo(c.address('mag2')), { timeoutMs: 5000, what: 'the PBA accepting mag2\'s registration on r3-r2' });
    expect(pba, 'the PBA accepting mag2\'s registration, seen between r3 and r2 (within 5 s)').to.be.observed;
    await stream.end();
    expect(await c.tb.waitForAddress('mn1', { timeoutMs: 3000 })).to.equal(address);
  });

  c.step('the downlink to mn1 goes through r2 and r3 to mag2, and none of it toward r1', async () => {
    const [viaR3, viaR1] = await Promise.all([c.watch(['r3-r2']), c.watch(['r1-r2'])]);
    await c.tb.ping('cn1', address, { timeoutMs: 3000 });
    const to = await viaR3.until(tunnelledTo(address), { timeoutMs: 1000, what: `the tunnelled echo to ${address} on r3-r2` });
    expect(to, `the echo to ${address} tunnelled on r3-r2`).to.be.observed;
    expect(to, 'its outer destination').to.equal(c.address('mag2'));
    // The echo was answered, so anything toward r1 would already be in its capture.
    const stray = await viaR1.until(tunnelledTo(address), { timeoutMs: 200, what: `a tunnelled packet to ${address} on r1-r2` });
    expect(stray, `a packet for ${address} tunnelled on r1-r2 after the handover`).not.to.be.observed;
  });

  c.step('mn1 moves back to ap1: mag1 registers it again across r1 and r2, and it keeps its address', async () => {
    const [w, acc] = await Promise.all([c.watch(['r1-r2']), c.watch(['ap1'])]);
    await c.tb.handover('mn1', 'ap1');
    const pba = await w.until(acceptingPbaTo(c.address('mag1')), { timeoutMs: 5000, what: 'the PBA accepting mag1\'s registration on r1-r2' });
    expect(pba, 'the PBA accepting mag1\'s registration, seen between r1 and r2 (within 5 s)').to.be.observed;
    // mn1's address never went away, so only mag1's RA says that mag1 routes its prefix again.
    const hnp = c.prefixOf(address);
    const ra = await acc.until((f) => (f.frame.icmpv6?.name === 'RA' && (f.frame.icmpv6.prefixes ?? []).some((p) => p.prefix === hnp) ? true : undefined),
      { timeoutMs: 3000, what: `an RA on ap1 advertising ${hnp}` });
    expect(ra, `mag1's RA advertising mn1's prefix after the PBA (within 3 s)`).to.be.observed;
    expect(await c.tb.waitForAddress('mn1', { timeoutMs: 3000 })).to.equal(address);
    await c.tb.ping('cn1', address, { timeoutMs: 3000 });
  });
});
