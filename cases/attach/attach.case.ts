// attach: an MN attaches to a MAG of a flat domain and reaches a CN (catalog §E.1).
//
// Purpose: the initial registration end to end: the PBU the MAG builds, the LMA's checks and the
// PBA it builds, the binding state on both sides, the home-link emulation toward the MN, and the
// bidirectional tunnel.
// RFC 5213 §5.3.1, §5.3.2, §5.3.6, §5.5, §5.6, §6.9.1.1, §6.9.1.2, §6.9.1.5, §6.9.2, §6.10.5.
//
//   mn1 ── ap1 ── mag1 ══════ lma1 ── cn1          (topology.yaml)
//
//   mn1            mag1                     lma1                 cn1
//    │── RS ────────▶│                         │                    │   step 1
//    │               │── PBU A P L>0 HI=1 ────▶│                    │   MAG-PBU-*, MH-*
//    │               │   ::/0 ATT=3 MN-ID TS   │                    │
//    │               │   LLA :: MN-LL-ID       │                    │
//    │               │◀─ PBA 0 P HNP LLA TS ───│                    │   LMA-PBA-*, ORD-*
//    │◀── RA HNP ────│                         │                    │   RA-*, MAG-PBA-05/09
//    │══ echo ══════▶│═══ IPv6-in-IPv6 ═══════▶│── echo ───────────▶│   step 2: FWD-*
//    │◀═ reply ══════│◀══ IPv6-in-IPv6 ════════│◀─ reply ───────────│
//    state: MAG BUL, LMA BCE, routes, tunnel                              step 3: MAG-PBU-18, LMA-BCE-03/04, MAG-PBA-04
import { conformanceCase, expect, judgeMagTunnelState } from '../../harness/conformance/index.js';

conformanceCase(import.meta.url, {
  name: 'attach',
  durationMs: 4000,
  purpose: 'an MN attaches to a MAG: PBU, PBA, binding state, home-link RA and the tunnel both ways',
  rfc: ['5213 §5.3.1', '§5.3.2', '§5.3.6', '§5.5', '§5.6', '§6.9.1.1', '§6.9.1.2', '§6.9.1.5', '§6.9.2', '§6.10.5'],
  topology: 'topology.yaml',
  iut: { lma1: 'lma', mag1: 'mag' },
  requirements: [
    'MH-01', 'MH-02', 'MH-03', 'MH-04', 'MH-10', 'MH-11', 'MH-12',
    'MAG-PBU-01', 'MAG-PBU-02', 'MAG-PBU-03', 'MAG-PBU-04', 'MAG-PBU-05', 'MAG-PBU-06', 'MAG-PBU-07', 'MAG-PBU-08',
    'MAG-PBU-09', 'MAG-PBU-10', 'MAG-PBU-11', 'MAG-PBU-12', 'MAG-PBU-13', 'MAG-PBU-14', 'MAG-PBU-15', 'MAG-PBU-16',
    'MAG-PBU-17', 'MAG-PBU-18',
    'LMA-VAL-03', 'LMA-ERR-13',
    'LMA-PBA-01', 'LMA-PBA-02', 'LMA-PBA-03', 'LMA-PBA-04', 'LMA-PBA-05', 'LMA-PBA-06', 'LMA-PBA-07', 'LMA-PBA-08',
    'LMA-PBA-09', 'LMA-PBA-11', 'LMA-PBA-12', 'LMA-PBA-15', 'LMA-PBA-17', 'LMA-PBA-19',
    'LMA-BCE-01', 'LMA-BCE-02', 'LMA-BCE-03', 'LMA-BCE-04',
    'ORD-01', 'ORD-03', 'ORD-08',
    'MAG-PBA-04', 'MAG-PBA-05', 'MAG-PBA-09',
    'RA-01', 'RA-02', 'RA-03', 'RA-05', 'RA-06', 'RA-08', 'RA-10', 'RA-14',
    'FWD-01', 'FWD-02', 'FWD-03', 'FWD-05', 'FWD-09', 'FWD-10',
    // SEC-01 (signalling inside ESP) is judged by the ipsec-* cases, which configure IPsec.
  ],
}, (c) => {
  let address = '';

  c.step('mn1 configures an address from its home network prefix (RS, PBU, PBA, RA)', async () => {
    address = await c.tb.waitForAddress('mn1', { timeoutMs: 5000 });
  });

  c.step('mn1 solicits again once registered: an RA answers it (RA-05 judges its prefixes)', async () => {
    const watch = await c.watch(['ap1']);
    await c.solicit('mn1');
    const ra = await watch.until((f) => (f.frame.icmpv6?.name === 'RA' ? f : undefined), { timeoutMs: 2000, what: 'an RA on ap1' });
    expect(ra, 'an RA answering the RS (within 2 s)').to.be.observed;
  });

  c.step('mn1 and cn1 reach each other through the MAG-LMA tunnel', async () => {
    expect(address, 'mn1 has no address from its HNP').to.not.equal('');
    await c.tb.ping('mn1', 'cn1', { timeoutMs: 3000 });
    await c.tb.ping('cn1', address, { timeoutMs: 3000 });
  });

  c.step('the MAG lists mn1 in its Binding Update List, the LMA in its Binding Cache, with routes', async () => {
    const { nai } = c.mn('mn1');
    const [mag, lma] = await Promise.all([c.tb.collectState('mag1'), c.tb.collectState('lma1')]);
    const hnp = c.prefixOf(address);
    const net = hnp.split('::/')[0]!;
    const bul = c.verdict('MAG-PBU-18');
    if (mag.bindingCache === null) bul.na('the MAG implementation offers no state dump');
    else bul.expect(mag.bindingCache.includes(nai), { pass: `mag1's BUL lists ${nai}`, fail: `mag1's BUL dump does not mention ${nai}` });
    const bce = c.verdict('LMA-BCE-03');
    if (lma.bindingCache === null) bce.na('the LMA implementation offers no state dump');
    else bce.expect(lma.bindingCache.includes(nai) && lma.bindingCache.includes(net),
      { pass: `lma1's Binding Cache holds ${nai} with ${hnp}`, fail: `lma1's Binding Cache dump lacks ${nai} or ${hnp}` });
    c.verdict('LMA-BCE-04').expect(lma.routes.split('\n').some((l) => l.startsWith(net)),
      { pass: `lma1 routes ${hnp} into the tunnel`, fail: `lma1 has no route for ${hnp}` }, [], { field: 'ip -6 route (lma1)', expected: hnp, seen: lma.routes.split('\n').slice(0, 6).join(' | ') });
    await judgeMagTunnelState(c, 'mag1', hnp);
  });
});
