// heartbeat: the MAG and the LMA under test run RFC 5847 Heartbeat while a binding links them;
// an emulated MAG asks the LMA without any binding, then registers one and answers the LMA's
// heartbeats with Binding Error 2, as a peer without Heartbeat support does.
//
// Purpose: requests only while a binding links the pair, every request answered with its own
// Sequence # (binding or not), the Restart Counter in responses only, increasing numbers, and no
// heartbeat again to a peer that said it does not know them. RFC 5847 §3, §3.1, §3.3, §3.4, §5.
//
// The domain runs HEARTBEAT_INTERVAL 2 s so that the case sees several intervals in seconds: the
// RFC's 30 s lower bound (HB-04) is not judged here (the check says so, from the configured
// interval); the heartbeat-interval case judges it with the RFC's 30 s.
//
//   mn1 ── ap1 ── mag1 ══════ lma1 ══════ tester1 (emulated MAG)          (topology.yaml)
//
//   tester1                 lma1                    mag1
//     │── HB req seq N ────▶│                        │            step 1: HB-02 (no binding), HB-05
//     │◀─ HB resp seq N RC ─│                        │
//     │                     │◀── PBU / PBA (mn1) ───▶│
//     │                     │◀── HB req ─────────────│ every 2 s  step 2: HB-01, HB-02, HB-03, HB-04, HB-05
//     │                     │─── HB resp RC ────────▶│
//     │                     │─── HB req ────────────▶│
//     │                     │◀── HB resp RC ─────────│
//     │── PBU (tester MN) ─▶│                        │            step 3: HB-06
//     │◀─ PBA ──────────────│                        │
//     │◀─ HB req ───────────│                        │
//     │── BE status 2 ─────▶│  (no more heartbeats to tester1)
//     │                     │◀── PBU L=0 (mn1 left) ─│            step 4: HB-03 (MAG stops at once,
//     │                     │─── PBA ───────────────▶│            LMA after MinDelayBeforeBCEDelete)
import { findOption } from '../../wire/index.js';
import { conformanceCase, expect, mobilityOf, type EmulatedMag } from '../../harness/conformance/index.js';

const INTERVAL_S = 2;
const MIN_DELAY_MS = 1500;
const TESTER_MN = 'hb-tester@example.org';
const PROBE_SEQ = 0x7fff0001;

conformanceCase(import.meta.url, {
  name: 'heartbeat',
  durationMs: 16000,
  purpose: 'the MAG and the LMA send heartbeats only while a binding links them, answer every one with its number and the Restart Counter, and stop for a peer that answers Binding Error 2',
  rfc: ['5847 §3', '§3.1', '§3.3', '§3.4', '§5'],
  topology: 'topology.yaml',
  iut: { lma1: 'lma', mag1: 'mag' },
  domain: { heartbeat: { intervalS: INTERVAL_S, missingAllowed: 3 }, minDelayBeforeBceDeleteMs: MIN_DELAY_MS, extraMobileNodes: [{ nai: TESTER_MN }] },
  requirements: ['HB-01', 'HB-02', 'HB-03', 'HB-04', 'HB-05', 'HB-06'],
}, (c) => {
  let tester: EmulatedMag;
  const mag = () => c.address('mag1');
  const lma = () => c.address('lma1');

  c.setup('the emulated MAG starts on tester1; mn1 attaches and configures an address', async () => {
    tester = await c.emulatedMag('tester1');
    await c.tb.waitForAddress('mn1', { timeoutMs: 5000 });
  });

  c.step('tester1 has no binding and sends a Heartbeat Request: the LMA answers with the same number and its Restart Counter', async () => {
    const sent = await tester.heartbeat(PROBE_SEQ);
    const r = sent.reply?.mh;
    const seen = r === undefined ? 'no reply' : r.type === 13 ? `Heartbeat R=${Number(r.flags.R)} U=${Number(r.flags.U)} seq ${r.seq}, Restart Counter ${findOption(r.options, 28)?.value ?? 'none'}` : r.name;
    const ok = r?.type === 13 && r.flags.R && !r.flags.U && r.seq === PROBE_SEQ;
    c.verdict('HB-02').expect(ok, { pass: `lma1 answered tester1's request without a binding: ${seen}`, fail: `lma1 answered tester1's request without a binding with ${seen}` },
      [sent.ref, sent.replyRef], { field: 'Heartbeat Response', expected: `R=1 U=0 seq ${PROBE_SEQ}`, seen });
    expect(ok, `lma1's answer: ${seen}`).to.equal(true);
  });

  c.step(`mag1 and lma1 exchange heartbeats every ${INTERVAL_S} s while mn1 is registered`, async () => {
    const w = await c.watch(['mag1-lma1'], true);
    const requests = new Map<string, number>();
    const done = await w.until((f) => {
      const m = mobilityOf(f);
      if (m?.mh.type === 13 && !m.mh.flags.R) requests.set(m.src, (requests.get(m.src) ?? 0) + 1);
      return (requests.get(mag()) ?? 0) >= 2 && (requests.get(lma()) ?? 0) >= 2 ? true : undefined;
    }, { timeoutMs: INTERVAL_S * 4000, what: 'two Heartbeat Requests each way' });
    expect(done, `two Heartbeat Requests each way within ${INTERVAL_S * 4} s (mag1 sent ${requests.get(mag()) ?? 0}, lma1 ${requests.get(lma()) ?? 0})`).to.be.observed;
  });

  c.step('tester1 registers a session and answers heartbeats with Binding Error 2: lma1 sends it no heartbeat again', async () => {
    await tester.agent.answerHeartbeats({ mode: 'be2' });
    const w = await c.watch(['tester1-lma1']);
    expect(await tester.pbu({ mnId: TESTER_MN, llId: '02:00:00:00:0b:01' })).to.be.accepted;
    const be = await w.until((f) => { const m = mobilityOf(f); return m?.mh.type === 7 && m.src === tester.address ? m : undefined; },
      { timeoutMs: INTERVAL_S * 2000, what: 'tester1\'s Binding Error 2 to a heartbeat of lma1' });
    expect(be, 'a Heartbeat Request from lma1 to tester1 (answered with Binding Error 2)').to.be.observed;
    const again = await w.until((f) => { const m = mobilityOf(f); return m?.mh.type === 13 && m.src === lma() ? m : undefined; },
      { timeoutMs: INTERVAL_S * 2500, what: 'another heartbeat from lma1 to tester1' });
    expect(again, `a heartbeat from lma1 to tester1 within ${INTERVAL_S * 2.5} s of its Binding Error 2`).not.to.be.observed;
  });

  c.step('mn1 leaves: mag1 stops its heartbeats with the de-registration, lma1 once the binding is deleted', async () => {
    const w = await c.watch(['mag1-lma1']);
    await c.tb.detach('mn1');
    const pba = await w.until((f) => { const m = mobilityOf(f); return m?.mh.type === 6 && m.mh.lifetimeUnits === 0 ? m : undefined; },
      { timeoutMs: 5000, what: 'the PBA accepting mn1\'s de-registration' });
    expect(pba, 'the PBA accepting mn1\'s de-registration').to.be.observed;
    // The passive check HB-03 judges every request; this only keeps the capture running long enough.
    const late = await w.until((f) => {
      const m = mobilityOf(f);
      if (m?.mh.type !== 13 || m.mh.flags.R) return undefined;
      const after = m.time - pba!.time;
      return (m.src === mag() && after > 0.05) || (m.src === lma() && after > MIN_DELAY_MS / 1000 + 1) ? m : undefined;
    }, { timeoutMs: MIN_DELAY_MS + INTERVAL_S * 2500, what: 'a Heartbeat Request without a binding' });
    expect(late, 'a Heartbeat Request from mag1 after its de-registration, or from lma1 after the binding was deleted').not.to.be.observed;
  });
});
