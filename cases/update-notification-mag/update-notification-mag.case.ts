// update-notification-mag: an emulated LMA registers mn1 at the MAG under test, then sends it
// RFC 7077 Update Notifications of its own making: one repeated with D = 1, a vendor reason
// without its Vendor-Specific option, parameters the MAG cannot apply.
//
// Purpose: a repeated UPN is answered again but not acted on twice; reason 3 without a VSO gets
// UPA 129; UPDATE-SESSION-PARAMETERS the MAG cannot apply gets UPA 128; every UPA copies the
// number and the MN-ID. RFC 7077 §5.2, §6.1, §6.2.
//
//   mn1 ── ap1 ── mag1 ══════ lma1 (emulated LMA)          (topology.yaml)
//
//   lma1 (emulated)                         mag1
//     │◀── PBU / PBA (mn1) ─────────────────▶│
//     │── UPN seq S reason 1 A=1 D=0 ───────▶│ ── PBU mn1 ──▶        step 1: UPN-05, UPN-06
//     │◀─ UPA S 0 ───────────────────────────│
//     │── UPN seq S reason 1 A=1 D=1 ───────▶│  (no second PBU)      step 2: UPN-09
//     │◀─ UPA S 0 ───────────────────────────│
//     │── UPN reason 3, no VSO, A=1 ────────▶│                       step 3: UPN-07 (129)
//     │◀─ UPA 129 ───────────────────────────│
//     │── UPN reason 2, A=1 ────────────────▶│                       step 4: UPN-07 (128)
//     │◀─ UPA 128 ───────────────────────────│
import { conformanceCase, expect, type Sent } from '../../harness/conformance/index.js';
import { EmulatedMag } from '../../harness/active/emulated-mag.js';

const MN1 = 'mn1@example.org';

conformanceCase(import.meta.url, {
  name: 'update-notification-mag',
  durationMs: 8000,
  purpose: 'the MAG answers each Update Notification, acts on a repeated one only once, and says 129 and 128 for what it cannot do',
  rfc: ['7077 §5.2', '§6.1', '§6.2'],
  topology: 'topology.yaml',
  iut: { mag1: 'mag' },
  domain: { updateNotifications: true },
  requirements: ['UPN-05', 'UPN-06', 'UPN-07', 'UPN-09'],
}, (c) => {
  /** The emulated LMA's side that sends to mag1 and waits for its answer (the same machinery as an emulated MAG's). */
  let toMag: EmulatedMag;
  const upn = (seq: number, reason: number, D = false) => ({ type: 19 as const, seq, reason, flags: { A: true, D }, options: [{ type: 8 as const, subtype: 1, id: MN1 }], autoPad: true });
  const status = (s: Sent): number | undefined => (s.reply?.mh.type === 20 ? s.reply.mh.status : undefined);

  c.setup('the emulated LMA starts on lma1; mn1 attaches to mag1 and configures an address', async () => {
    const agent = await c.emulatedLma('lma1');
    toMag = new EmulatedMag(agent, c.address('mag1'));
    await c.tb.waitForAddress('mn1', { timeoutMs: 5000 });
  });

  c.step('FORCE-REREGISTRATION with A = 1, then the same UPN again with D = 1: two UPAs, one re-registration', async () => {
    const first = await toMag.send(upn(0x2100, 1), { type: 20, seq: 0x2100 }, { timeoutMs: 2000 });
    expect(status(first), 'UPA to the first UPN').to.equal(0);
    const again = await toMag.send(upn(0x2100, 1, true), { type: 20, seq: 0x2100 }, { timeoutMs: 2000 });
    expect(status(again), 'UPA to the repeated UPN').to.equal(0);
  });

  c.step('VENDOR-SPECIFIC-REASON without a Vendor-Specific option: UPA 129', async () => {
    const s = await toMag.send(upn(0x2101, 3), { type: 20, seq: 0x2101 }, { timeoutMs: 2000 });
    expect(status(s), 'UPA status').to.equal(129);
  });

  c.step('UPDATE-SESSION-PARAMETERS mag1 cannot apply: UPA 128', async () => {
    const s = await toMag.send(upn(0x2102, 2), { type: 20, seq: 0x2102 }, { timeoutMs: 2000 });
    const st = status(s);
    c.verdict('UPN-07').expect(st === 128, { pass: 'mag1 answered UPDATE-SESSION-PARAMETERS it cannot apply with 128', fail: `mag1 answered UPDATE-SESSION-PARAMETERS it cannot apply with ${st ?? 'nothing'}` },
      [s.ref, s.replyRef], { field: 'UPA status', expected: '128 (FAILED-TO-UPDATE-SESSION-PARAMETERS)', seen: st ?? 'none' });
    expect(st, 'UPA status').to.equal(128);
  });
});
