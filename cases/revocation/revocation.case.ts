// revocation: RFC 5846 Binding Revocation between the LMA and the MAG under test, with an emulated
// MAG (tester1) that claims mn1 with HI 4, holds a session that never answers BRIs, and sends a
// BRA nobody asked for.
//
// Purpose: the LMA revokes at the previous MAG on HI 4 instead of waiting (trigger 4) and acts on
// the answer; the MAG answers 132 while the MN is still on its link and 0 once it left; BRIs carry
// P and the MN-ID, go to the binding's Proxy-CoA and are retransmitted once; every BRI is answered
// with its number and flags; a global BRI has G = 1, trigger 128, no options; a stray BRA is
// dropped. A prefix revoked while its MN is still attached is withdrawn on the MN's link by an RA
// with zero lifetimes, and both MAG and LMA drop its routes (RFC 5213 §6.12).
// RFC 5846 §5, §6.1, §6.2, §6.3, §8.1, §9.1, §11; RFC 5213 §6.12.
//
//   mn1 mn2 mn3 ── ap1 ── mag1 ══════ lma1 ══════ tester1 (emulated MAG)          (topology.yaml)
//
//   tester1                      lma1                          mag1
//     │── PBU mn1 HI=4 ─────────▶│── BRI trigger 4 (mn1) ──────▶│ probes mn1: there  step 1: BR-07, BR-04 (132),
//     │◀─ PBA 0 (new prefix) ────│◀─ BRA 132 ───────────────────│                    BR-01, BR-02, BR-03
//     │── PBU mn1 L=0 ──────────▶│  (tester1 lets that session go)
//     │                 mn1 leaves ap1
//     │── PBU mn1 HI=4 ─────────▶│── BRI trigger 4 (mn1) ──────▶│ probes: gone       step 2: BR-04 (0), BR-07
//     │◀─ PBA 0 (mn1's prefix) ──│◀─ BRA 0 ─────────────────────│
//     │◀─ BRI trigger 1 (mn1) ───│  revoke mn1 (tester1 keeps silent)                step 3: BR-05, BR-02
//     │◀─ BRI again after 1 s ───│  then no more
//     │                          │── BRI trigger 1 (mn2) ──────▶│                    step 4: BR-03, BR-01
//     │                          │◀─ BRA 0 ─────────────────────│── RA mn2's HNP 0/0 ▶ mn2   RA-12, state of both
//     │                          │── BRI G=1 trigger 128 ──────▶│                    step 5: BR-08, BR-03
//     │                          │◀─ BRA 0 G=1 ─────────────────│── RA mn3's HNP 0/0 ▶ mn3   RA-12
//     │── BRA seq nobody's ─────▶│  (dropped: no answer)                              step 6: BR-06
import { conformanceCase, expect, grantedPrefixes, mobilityOf, type EmulatedMag } from '../../harness/conformance/index.js';
import { pollUntil } from '../../harness/poll.js';

const MN1 = 'mn1@example.org';
const MIN_DELAY_MS = 1000;

conformanceCase(import.meta.url, {
  name: 'revocation',
  durationMs: 18000,
  purpose: 'the LMA revokes bindings (per MN, globally, and on HI 4 instead of waiting), retransmits an unanswered BRI once and drops a stray BRA; the MAG answers every BRI and says 132 while the MN is still there',
  rfc: ['5846 §5', '§6.1', '§6.2', '§6.3', '§8.1', '§9.1', '§11', '5213 §6.12'],
  topology: 'topology.yaml',
  iut: { lma1: 'lma', mag1: 'mag' },
  domain: { revocation: true, minDelayBeforeBceDeleteMs: MIN_DELAY_MS },
  requirements: ['BR-01', 'BR-02', 'BR-03', 'BR-04', 'BR-05', 'BR-06', 'BR-07', 'BR-08', 'RA-12'],
}, (c) => {
  let tester: EmulatedMag;
  let mn1Prefix = '';
  const lma = () => c.address('lma1');

  /** How many bindings lma1 holds for `nai` (its state dump). */
  const bindingsOf = async (nai: string): Promise<number> => {
    const dump = JSON.parse((await c.tb.iut('lma1')!.bindingCache()) ?? '{}') as { bindingCache?: { mnId: string }[] };
    return (dump.bindingCache ?? []).filter((b) => b.mnId === nai).length;
  };

  c.setup('the emulated MAG starts on tester1; mn1, mn2 and mn3 attach to mag1 and configure addresses', async () => {
    tester = await c.emulatedMag('tester1');
    for (const mn of ['mn1', 'mn2', 'mn3']) await c.tb.waitForAddress(mn, { timeoutMs: 5000 });
    mn1Prefix = c.prefixOf(await c.tb.addressOf('mn1'));
  });

  c.step('tester1 claims mn1 with HI 4 while mn1 is still at mag1: lma1 revokes at mag1 (trigger 4), mag1 answers 132, lma1 makes a new session', async () => {
    const s = await tester.pbu({ mnId: MN1, hi: 4, llId: null }, { timeoutMs: 5000 });
    expect(s).to.be.accepted;
    c.note(`tester1's HI 4 PBU for mn1 got ${grantedPrefixes(s).join(' ')} (mn1 has ${mn1Prefix} at mag1)`);
    const gone = await tester.pbu({ mnId: MN1, hi: 4, llId: null, hnps: grantedPrefixes(s), lifetime: 0 });
    expect(gone).to.be.accepted;
    await pollUntil(async () => (await bindingsOf(MN1)) <= 1, { what: 'lma1 to delete tester1\'s session of mn1', timeoutMs: MIN_DELAY_MS + 3000, maxIntervalMs: 50 });
  });

  c.step('mn1 leaves ap1 and tester1 claims it with HI 4: mag1 finds mn1 gone and answers 0, lma1 hands mn1\'s prefix over', async () => {
    await c.tb.detach('mn1');
    const s = await tester.pbu({ mnId: MN1, hi: 4, llId: null }, { timeoutMs: 5000 });
    expect(s).to.be.accepted;
    c.note(`tester1's second HI 4 PBU for mn1 got ${grantedPrefixes(s).join(' ')} (mn1 had ${mn1Prefix})`);
  });

  c.step('revoke mn1 (now at tester1, which never answers): lma1 sends the BRI to tester1 and once more after about 1 s', async () => {
    const w = await c.watch(['tester1-lma1']);
    await c.iutCommand('lma1', { cmd: 'revoke', mn: MN1 });
    let n = 0;
    const two = await w.until((f) => { const m = mobilityOf(f); if (m?.mh.type === 16 && m.src === lma()) n++; return n >= 2 ? true : undefined; },
      { timeoutMs: 4000, what: 'a BRI and its retransmission to tester1' });
    expect(two, `two BRIs to tester1 within 4 s (saw ${n})`).to.be.observed;
    const third = await w.until((f) => { const m = mobilityOf(f); return m?.mh.type === 16 && m.src === lma() ? m : undefined; }, { timeoutMs: 2500, what: 'a third BRI' });
    expect(third, 'a third transmission of the BRI').not.to.be.observed;
  });

  c.step('revoke mn2 at mag1 (still attached): mag1 answers the BRI with a BRA copying its number and flags, withdraws mn2\'s prefix, and both ends drop its routes', async () => {
    const prefix = c.prefixOf(await c.tb.addressOf('mn2'));
    const w = await c.watch(['mag1-lma1']);
    await c.iutCommand('lma1', { cmd: 'revoke', mn: 'mn2@example.org' });
    const bra = await w.until((f) => { const m = mobilityOf(f); return m?.mh.type === 16 && m.src !== lma() ? m : undefined; }, { timeoutMs: 3000, what: 'mag1\'s BRA' });
    expect(bra, 'a BRA from mag1').to.be.observed;
    const status = (bra!.mh as { status?: number }).status;
    if (status !== 0) { c.note(`mag1 answered the revocation of mn2 with ${status}: its routes are not judged`); return; }
    // §6.12: the routes for the revoked prefix go at both ends (their state dumps list the routed prefixes).
    for (const node of ['lma1', 'mag1']) {
      const gone = await c.untilState(node, prefix, false, 3000);
      if (gone === null) { c.note(`${node} offers no state dump: its routes for ${prefix} are not judged`); continue; }
      c.verdict('RA-12').expect(gone.reached, { pass: `${node}'s state no longer holds ${prefix} after the BRA`, fail: `${node}'s state still holds ${prefix} 3 s after the BRA` },
        [], { field: `${node} state`, expected: `no ${prefix}`, seen: gone.reached ? 'none' : prefix });
    }
  });

  c.step('revoke everything at mag1 (global): one BRI with G = 1, trigger 128, no options; mag1 answers it', async () => {
    const w = await c.watch(['mag1-lma1']);
    await c.iutCommand('lma1', { cmd: 'revoke', global: true, mag: 'mag1' });
    const bra = await w.until((f) => { const m = mobilityOf(f); return m?.mh.type === 16 && m.src !== lma() ? m : undefined; }, { timeoutMs: 3000, what: 'mag1\'s BRA to the global BRI' });
    expect(bra, 'a BRA from mag1').to.be.observed;
  });

  c.stimulus('tester1 sends lma1 a BRA for no BRI it sent: lma1 drops it silently', ['BR-06'],
    () => tester.sendExpectingSilence({ type: 16, brType: 2, status: 0, seq: 0x4242, flags: { P: true }, options: [{ type: 8, subtype: 1, id: MN1 }], autoPad: true }, { type: 7 }),
    { silent: true });

});
