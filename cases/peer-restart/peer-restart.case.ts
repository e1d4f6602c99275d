// peer-restart: the LMA under test is stopped and started again while RFC 5847 Heartbeat runs. It
// lost every binding; it raises its Restart Counter and tells the MAG with an unsolicited Heartbeat
// Response, and the MAG registers mn1 again.
//
// Purpose: the Restart Counter changes only across a restart that lost state, and the restarted
// node tells its former peers (U = 1, R = 1, the new counter). RFC 5847 §3.2, §3.4.
//
//   mn1 ── ap1 ── mag1 ══════ lma1          (topology.yaml; HEARTBEAT_INTERVAL 2 s for the test)
//
//   mag1                                   lma1
//     │── HB req ─────────────────────────────▶│
//     │◀─ HB resp, Restart Counter r ──────────│                  HB-05
//     │                                    restart (SIGTERM, start again: bindings gone)
//     │◀─ HB resp U=1 R=1, Restart Counter r+1 │                  HB-07, HB-05
//     │── PBU HI=5 HNP (mn1 again) ───────────▶│
//     │◀─ PBA 0 HNP ───────────────────────────│                  the MAG re-registers
import { findOption } from '../../wire/index.js';
import { conformanceCase, expect, mobilityOf } from '../../harness/conformance/index.js';

const INTERVAL_S = 2;

conformanceCase(import.meta.url, {
  name: 'peer-restart',
  durationMs: 14000,
  purpose: 'a restarted LMA tells its MAG with an unsolicited Heartbeat Response carrying a new Restart Counter, and the MAG registers its MN again',
  rfc: ['5847 §3.2', '§3.4'],
  topology: 'topology.yaml',
  iut: { lma1: 'lma', mag1: 'mag' },
  domain: { heartbeat: { intervalS: INTERVAL_S } },
  requirements: ['HB-05', 'HB-07'],
}, (c) => {
  const nai = 'mn1@example.org';
  const lma = () => c.address('lma1');
  let before: number | undefined;

  c.setup('mn1 attaches and configures an address', async () => {
    await c.tb.waitForAddress('mn1', { timeoutMs: 5000 });
  });

  c.step('lma1 answers a heartbeat of mag1 with its Restart Counter', async () => {
    const w = await c.watch(['mag1-lma1'], true);
    const r = await w.until((f) => { const m = mobilityOf(f); return m?.mh.type === 13 && m.mh.flags.R && m.src === lma() ? m : undefined; },
      { timeoutMs: INTERVAL_S * 3000, what: 'a Heartbeat Response from lma1' });
    expect(r, 'a Heartbeat Response from lma1').to.be.observed;
    before = findOption(r!.mh.options, 28)?.value;
  });

  c.step('lma1 restarts, losing its bindings: it tells mag1 (U = 1, a new Restart Counter) and mag1 registers mn1 again', async () => {
    const w = await c.watch(['mag1-lma1']);
    await c.tb.restartIut('lma1');
    const told = await w.until((f) => { const m = mobilityOf(f); return m?.mh.type === 13 && m.mh.flags.U && m.src === lma() ? m : undefined; },
      { timeoutMs: INTERVAL_S * 2000, what: 'an unsolicited Heartbeat Response from lma1' });
    const counter = told === null ? undefined : findOption(told.mh.options, 28)?.value;
    c.note(`Restart Counter before the restart ${before ?? 'none'}, in the unsolicited response ${counter ?? 'none'}`);
    // Judged by the passive checks (HB-07, HB-05); the MAG re-registers on any changed counter.
    const again = await c.untilState('lma1', nai, true, INTERVAL_S * 3000 + 3000);
    expect(again?.reached, `lma1's Binding Cache holding ${nai} again within ${INTERVAL_S * 3 + 3} s of the restart`).to.equal(true);
  });
});
