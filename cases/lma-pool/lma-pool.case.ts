// lma-pool: the LMA's prefix pool runs out (catalog C.3, §E.6).
//
// Purpose: when no prefix can be allocated the PBU is refused with 130, and the session that
// holds the only prefix is not disturbed.
// RFC 5213 §5.3.2.
//
//   tester1 ══════ lma1                    (topology.yaml; a pool of one /64)
//
//   tester1                               lma1
//      │── PBU p1@ ::/0 ───────────────────▶│
//      │◀─ PBA 0 HNP P (the only one) ───────│
//      │── PBU p2@ ::/0 ───────────────────▶│
//      │◀─ PBA 130 ──────────────────────────│   LMA-ERR-11
//      │── refresh p1@ HNP P ──────────────▶│
//      │◀─ PBA 0 HNP P ──────────────────────│
import { conformanceCase, grantedPrefixes, type EmulatedMag, type Sent } from '../../harness/conformance/index.js';

conformanceCase(import.meta.url, {
  name: 'lma-pool',
  durationMs: 1000,
  purpose: 'with its pool exhausted, the LMA refuses a new session with 130 and keeps the existing one',
  rfc: ['5213 §5.3.2'],
  topology: 'topology.yaml',
  iut: { lma1: 'lma' },
  domain: { poolSize: 1, extraMobileNodes: [{ nai: 'p1@example.org' }, { nai: 'p2@example.org' }] },
  requirements: ['LMA-ERR-11', 'LMA-PBA-10'],
}, (c) => {
  let mag: EmulatedMag;
  let first: Sent;

  c.setup('the emulated MAG starts on tester1', async () => {
    mag = await c.emulatedMag('tester1');
  });

  c.stimulus('p1@ registers and gets the pool\'s only prefix', [], async () => (first = await mag.pbu({ mnId: 'p1@example.org' })), { status: 0 });
  c.stimulus('p2@ asks for a prefix from the exhausted pool: refused with 130', ['LMA-ERR-11'],
    () => mag.pbu({ mnId: 'p2@example.org' }), { status: 130 });
  c.stimulus('p1@ refreshes its session: still accepted', [],
    () => mag.pbu({ mnId: 'p1@example.org', hi: 5, hnps: grantedPrefixes(first) }), { status: 0 });
});
