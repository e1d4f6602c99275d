// heartbeat-interval: the MAG and the LMA under test run RFC 5847 Heartbeat at the RFC's shortest
// interval, 30 s, and the capture runs long enough to hold two requests each way.
//
// Purpose: consecutive Heartbeat Requests from one node to its peer are at least 30 s apart and
// numbered upward (HB-04). The heartbeat case runs a 2 s interval to see many intervals quickly
// and leaves the 30 s bound to this one. RFC 5847 §3, §5.
//
//   mn1 ── ap1 ── mag1 ══════ lma1          (topology.yaml; HEARTBEAT_INTERVAL 30 s)
//
//   mag1                         lma1
//     │── PBU / PBA (mn1) ─────────▶│
//     │── HB req seq N ────────────▶│   t0 (a binding now links them)
//     │◀─ HB req seq M ─────────────│   t0'
//     │   ... 30 s ...              │
//     │── HB req seq N+1 ──────────▶│   t0 + 30 s   HB-04: gap ≥ 30 s, seq increases
//     │◀─ HB req seq M+1 ───────────│   t0' + 30 s
import { conformanceCase, expect, mobilityOf } from '../../harness/conformance/index.js';

const INTERVAL_S = 30;

conformanceCase(import.meta.url, {
  name: 'heartbeat-interval',
  durationMs: 40000,
  timeoutMs: 90_000,
  purpose: 'heartbeats at the RFC\'s 30 s interval: consecutive requests at least 30 s apart, numbered upward',
  rfc: ['5847 §3', '§5'],
  topology: 'topology.yaml',
  iut: { lma1: 'lma', mag1: 'mag' },
  domain: { heartbeat: { intervalS: INTERVAL_S } },
  requirements: ['HB-04'],
}, (c) => {
  c.setup('mn1 attaches and configures an address', async () => {
    await c.tb.waitForAddress('mn1', { timeoutMs: 5000 });
  });

  c.step(`mag1 and lma1 each send a second Heartbeat Request about ${INTERVAL_S} s after their first`, async () => {
    const w = await c.watch(['mag1-lma1'], true);
    const requests = new Map<string, number>();
    const done = await w.until((f) => {
      const m = mobilityOf(f);
      if (m?.mh.type === 13 && !m.mh.flags.R) requests.set(m.src, (requests.get(m.src) ?? 0) + 1);
      return [...requests.values()].filter((n) => n >= 2).length === 2 ? true : undefined;
    }, { timeoutMs: (INTERVAL_S + 10) * 1000, what: 'two Heartbeat Requests from each side' });
    expect(done, `two Heartbeat Requests from mag1 and from lma1 within ${INTERVAL_S + 10} s`).to.be.observed;
  });
});
