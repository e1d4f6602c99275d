// update-notification: RFC 7077 Update Notifications from the LMA under test (operator command
// `notify`) to the MAG under test and to an emulated MAG.
//
// Purpose: a UPN names its session (MN-ID) or all of them (Group ID 1) and carries a reason; its
// numbers go up; the MAG answers A = 1 with a UPA copying number and MN-ID/Group, re-registers on
// FORCE-REREGISTRATION, adds the Access Network Identifier after ANI-PARAMS-REQUESTED and refuses
// parameters it cannot apply (128); an unanswered UPN comes once more with D = 1 after at least
// 1 s; a MAG that answers Binding Error 2 gets no UPN again. RFC 7077 §4.1, §5.1, §5.2, §6.1, §7.
//
//   mn1 mn2 ── ap1 ── mag1 ══════ lma1 ══════ tester1 (emulated MAG)          (topology.yaml)
//
//   tester1                 lma1                              mag1
//     │                     │── UPN reason 1 (mn1) A=0 ──────▶│ ── PBU mn1 ──▶   step 1: UPN-01, 02, 06
//     │                     │── UPN reason 4 (mn1) A=0 ──────▶│ ── PBU + ANI ─▶  step 2: UPN-08
//     │                     │── UPN reason 2 (mn1) A=1 ──────▶│                  step 3: UPN-05, UPN-07 (128)
//     │                     │◀─ UPA 128 (mn1) ────────────────│
//     │                     │── UPN reason 1 Group 1 A=1 ────▶│ ── PBU mn1, mn2  step 4: UPN-05, UPN-06
//     │                     │◀─ UPA 0 (Group 1) ──────────────│
//     │◀─ UPN reason 2 A=1 ─│  (tester1 keeps silent)                            step 5: UPN-03, UPN-04
//     │◀─ same, D=1, ≥1 s ──│
//     │◀─ UPN ──────────────│                                                    step 6: UPN-10
//     │── BE status 2 ─────▶│  (no UPN to tester1 again)
import { conformanceCase, expect, mobilityOf, type EmulatedMag } from '../../harness/conformance/index.js';

const TESTER_MN = 'upn-tester@example.org';
const MN1 = 'mn1@example.org';

conformanceCase(import.meta.url, {
  name: 'update-notification',
  durationMs: 16000,
  purpose: 'the LMA notifies sessions and groups, retransmits an unanswered UPN once with D = 1 and stops for a MAG without UPN support; the MAG answers and acts on each reason',
  rfc: ['7077 §4.1', '§5.1', '§5.2', '§6.1', '§7'],
  topology: 'topology.yaml',
  iut: { lma1: 'lma', mag1: 'mag' },
  domain: { updateNotifications: true, extraMobileNodes: [{ nai: TESTER_MN }] },
  requirements: ['UPN-01', 'UPN-02', 'UPN-03', 'UPN-04', 'UPN-05', 'UPN-06', 'UPN-07', 'UPN-08', 'UPN-10'],
}, (c) => {
  let tester: EmulatedMag;
  const lma = () => c.address('lma1');
  const mag = () => c.address('mag1');

  /** Sends `notify` to lma1 and waits for what mag1 does: a PBU (with `pbu`) or a UPA. */
  async function notifyMag(req: Record<string, unknown>, wait: { pbu?: boolean; upa?: boolean; ani?: boolean }): Promise<void> {
    const w = await c.watch(['mag1-lma1']);
    const r = await c.iutCommand('lma1', { cmd: 'notify', ...req });
    expect((r.upns as number[]).length, 'UPNs sent').to.be.greaterThan(0);
    const seen = await w.until((f) => {
      const m = mobilityOf(f);
      if (m === undefined || m.src !== mag()) return undefined;
      if (wait.upa && m.mh.type === 20) return m;
      if (wait.pbu && m.mh.type === 5 && (!wait.ani || m.mh.options.some((o) => o.type === 52))) return m;
      return undefined;
    }, { timeoutMs: 3000, what: `mag1's answer to UPN ${JSON.stringify(req)}` });
    expect(seen, `mag1's ${wait.upa ? 'UPA' : wait.ani ? 'PBU with the Access Network Identifier' : 'PBU'} after the UPN`).to.be.observed;
  }

  c.setup('the emulated MAG starts on tester1; mn1 and mn2 attach to mag1 and configure addresses', async () => {
    tester = await c.emulatedMag('tester1');
    for (const mn of ['mn1', 'mn2']) await c.tb.waitForAddress(mn, { timeoutMs: 5000 });
  });

  c.step('FORCE-REREGISTRATION for mn1: mag1 re-registers it', () => notifyMag({ mn: MN1, reason: 1 }, { pbu: true }));
  c.step('ANI-PARAMS-REQUESTED for mn1: mag1\'s next PBU carries the Access Network Identifier', () => notifyMag({ mn: MN1, reason: 4 }, { pbu: true, ani: true }));

  c.step('UPDATE-SESSION-PARAMETERS for mn1 with A = 1 (nothing mag1 can apply): UPA 128 copying mn1\'s MN-ID', async () => {
    const w = await c.watch(['mag1-lma1']);
    await c.iutCommand('lma1', { cmd: 'notify', mn: MN1, reason: 2, ack: true });
    const upa = await w.until((f) => { const m = mobilityOf(f); return m?.mh.type === 20 && m.src === mag() ? m : undefined; }, { timeoutMs: 3000, what: 'mag1\'s UPA' });
    const status = upa?.mh.type === 20 ? upa.mh.status : undefined;
    c.verdict('UPN-07').expect(status === 128, { pass: 'mag1 answered UPDATE-SESSION-PARAMETERS it cannot apply with UPA 128', fail: `mag1 answered UPDATE-SESSION-PARAMETERS it cannot apply with ${status === undefined ? 'no UPA' : `UPA ${status}`}` },
      [], { field: 'UPA status', expected: '128 (FAILED-TO-UPDATE-SESSION-PARAMETERS)', seen: status ?? 'none' });
    expect(status, 'UPA status').to.equal(128);
  });

  c.step('FORCE-REREGISTRATION for every session at mag1 (Group ID 1, A = 1): a UPA copying the group, then PBUs', () => notifyMag({ group: true, mag: 'mag1', reason: 1, ack: true }, { upa: true }));

  c.step('a UPN with A = 1 to tester1, which keeps silent: lma1 sends it once more, D = 1, at least 1 s later, then no more', async () => {
    expect(await tester.pbu({ mnId: TESTER_MN, llId: '02:00:00:00:0c:01' })).to.be.accepted;
    const w = await c.watch(['tester1-lma1']);
    await c.iutCommand('lma1', { cmd: 'notify', mn: TESTER_MN, reason: 2, ack: true });
    let n = 0;
    const two = await w.until((f) => { const m = mobilityOf(f); if (m?.mh.type === 19 && m.src === lma()) n++; return n >= 2 ? true : undefined; }, { timeoutMs: 3000, what: 'a UPN and its retransmission' });
    expect(two, `a UPN and its retransmission to tester1 (saw ${n})`).to.be.observed;
    const third = await w.until((f) => { const m = mobilityOf(f); return m?.mh.type === 19 && m.src === lma() ? m : undefined; }, { timeoutMs: 2000, what: 'a third UPN' });
    expect(third, 'a third transmission').not.to.be.observed;
  });

  c.step('tester1 answers a UPN with Binding Error 2: lma1 sends it no UPN again', async () => {
    await tester.agent.answerUpns('be2');
    const w = await c.watch(['tester1-lma1']);
    await c.iutCommand('lma1', { cmd: 'notify', mn: TESTER_MN, reason: 1 });
    const be = await w.until((f) => { const m = mobilityOf(f); return m?.mh.type === 7 && m.src === tester.address ? m : undefined; }, { timeoutMs: 2000, what: 'tester1\'s Binding Error' });
    expect(be, 'tester1\'s Binding Error 2').to.be.observed;
    await c.iutCommand('lma1', { cmd: 'notify', mn: TESTER_MN, reason: 1 });
    const again = await w.until((f) => { const m = mobilityOf(f); return m?.mh.type === 19 && m.src === lma() && m.time > be!.time ? m : undefined; }, { timeoutMs: 2500, what: 'a UPN after the Binding Error' });
    expect(again, 'a UPN to tester1 after its Binding Error 2').not.to.be.observed;
  });
});
