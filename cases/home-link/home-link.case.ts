// home-link: what the MN sees of its home link at two MAGs using the RFC 6543 fixed addresses
// (catalog C.12, §A.12).
//
// Purpose: Router Advertisements with the HNP, a non-zero router lifetime, the tunnel MTU, from the
// same link-local and link-layer address at every MAG, only after the PBA; an MTU change on the
// path announced to the MN.
// Every Neighbor Discovery message of a MAG comes from the fixed addresses (FIX-01).
// RFC 5213 §6.7, §6.8, §6.9.1.1, §6.9.2, §6.9.3, §6.9.5; RFC 6543 §1, §3.
//
//   mn1 ─ ap1 ─ mag1 ═╗
//     ┊                ╠═ lma1 ─ cn1              (topology.yaml; fixedMagAddresses: true)
//     └┈▶ ap2 ─ mag2 ═╝
//
//   mn1                mag1 (fe80::200:5eff:fe00:5213, 00:00:5e:00:52:13)     lma1
//    │── RS ────────────▶│── PBU (no LLA option) ─────────────────────────────▶│   MAG-PBU-15, LMA-PBA-11
//    │                   │◀─ PBA 0 HNP ─────────────────────────────────────────│
//    │◀── RA HNP MTU ────│   RA-01/02/03/05/06/08/09/10, MAG-PBA-05/09
//    │◀── NS / NA ──────▶│   cn1 pings mn1: mag1 resolves mn1, mn1 resolves its router   FIX-01
//   handover to ap2: RA from mag2 with the same addresses and flags              HO-05, RA-07, HO-11
//   mag2's transport MTU drops to 1400: an RA announces at most 1360            RA-11
import { conformanceCase, expect } from '../../harness/conformance/index.js';

const LOWER_MTU = 1400;

conformanceCase(import.meta.url, {
  name: 'home-link',
  durationMs: 2500,
  purpose: 'both MAGs emulate one home link: same router addresses, the HNP in RAs after the PBA only, the tunnel MTU, and an MTU change announced',
  rfc: ['5213 §6.7', '§6.8', '§6.9.1.1', '§6.9.2', '§6.9.3', '§6.9.5', '6543 §1', '§3'],
  topology: 'topology.yaml',
  iut: { lma1: 'lma', mag1: 'mag', mag2: 'mag' },
  domain: { fixedMagAddresses: true },
  requirements: [
    'RA-01', 'RA-02', 'RA-03', 'RA-05', 'RA-06', 'RA-07', 'RA-08', 'RA-09', 'RA-10', 'RA-11',
    'HO-05', 'HO-11', 'MAG-PBU-15', 'LMA-PBA-11', 'MAG-PBA-05', 'MAG-PBA-09',
    'FIX-01',
  ],
}, (c) => {
  let address = '';

  c.setup('mn1 attaches to mag1 and configures an address', async () => {
    address = await c.tb.waitForAddress('mn1', { timeoutMs: 5000 });
  });

  c.step('mn1 solicits at mag1 and gets its prefix from the fixed router address', async () => {
    const w = await c.watch(['ap1']);
    await c.solicit('mn1');
    const ra = await w.until((f) => (f.frame.icmpv6?.name === 'RA' ? f : undefined), { timeoutMs: 2000, what: 'an RA on ap1' });
    expect(ra, 'an RA answering mn1 at mag1').to.be.observed;
  });

  c.step('cn1 pings mn1: mag1 resolves mn1\'s address and mn1 its router\'s, both sides of the exchange seen on ap1', async () => {
    const w = await c.watch(['ap1']);
    const cn = await c.tb.addressOf('cn1');
    await c.tb.exec('cn1', 'ping', ['-6', '-n', '-c', '1', '-W', '2', address], { reject: false });
    // The echo reply goes back through mag1 only once mn1 resolved its router (or reused the RA's SLLAO).
    const reply = await w.until((f) => (f.frame.ipv6?.src === address && f.frame.ipv6.dst === cn && f.frame.icmpv6?.type === 129 ? f : undefined), { timeoutMs: 3000, what: 'mn1\'s echo reply on ap1' });
    expect(reply, 'mn1\'s echo reply to cn1 on ap1').to.be.observed;
  });

  c.step('mn1 moves to ap2: mag2 advertises the same prefix from the same addresses and mn1 keeps its address', async () => {
    await c.tb.handover('mn1', 'ap2');
    expect(await c.tb.waitForAddress('mn1', { timeoutMs: 3000 })).to.equal(address);
  });

  c.step(`mag2's path MTU drops to ${LOWER_MTU}: an RA to mn1 announces at most ${LOWER_MTU - 40}`, async () => {
    const w = await c.watch(['ap2']);
    await c.tb.exec('mag2', 'ip', ['link', 'set', 'dev', 'eth0', 'mtu', String(LOWER_MTU)]);
    await c.solicit('mn1');
    // An RA mag2 built just before the change (e.g. the one answering the handover) may still be on
    // its way: the first RA announcing the new MTU counts.
    let seen: number | 'no MTU' | 'nothing (no RA)' = 'nothing (no RA)';
    const ra = await w.until((f) => {
      if (f.frame.icmpv6?.name !== 'RA') return undefined;
      seen = f.frame.icmpv6.mtu ?? 'no MTU';
      return typeof seen === 'number' && seen <= LOWER_MTU - 40 ? f : undefined;
    }, { timeoutMs: 2000, what: `an RA on ap2 announcing at most ${LOWER_MTU - 40}` });
    c.verdict('RA-11').expect(ra !== null,
      { pass: `after the path MTU fell to ${LOWER_MTU}, the RA announces MTU ${seen}`, fail: `after the path MTU fell to ${LOWER_MTU}, the last RA announces ${typeof seen === 'number' ? `MTU ${seen}` : seen}` },
      [], { field: 'RA MTU option', expected: `<= ${LOWER_MTU - 40}`, seen });
  });
});
