// lma-sessions: two emulated MAGs move sessions between them the ways RFC 5213 §5.4.1 tells the
// LMA to look them up, add second interfaces, race a stale PBU against a handover, and let a
// binding expire (catalog C.5, C.6, C.10, C.11, C.14).
//
// Purpose: the Binding Cache lookup (by prefix; by MN-ID, ATT and link-layer ID; by MN-ID with
// HI 2/3; HI 4 waiting for the old MAG), separate sessions per interface, the timestamp guard
// against a delayed PBU from the previous MAG, refresh, and expiry without refresh.
// RFC 5213 §5.3.3, §5.3.4, §5.3.5, §5.4, §5.4.1.1-§5.4.1.3, §5.5; RFC 6275 §10.3.1.
//
//   tester1 ══╗
//             ╠══ lma1 ── cn1              (topology.yaml; MaxDelayBeforeNewBCEAssign 600 ms)
//   tester2 ══╝
//
//   tester1                 lma1                tester2
//   s1 PBU ::/0 LL L1 ─────▶│◀──── PBU ::/0 LL L1 HI 3        LMA-BCE-09: same HNP
//   s2 PBU ::/0 LL L2 ─────▶│◀──── PBU HNP P2 LL L2 HI 3      LMA-BCE-08: same HNP
//   s3 PBU ::/0 (no LL) ───▶│◀──── PBU ::/0 HI 3              LMA-BCE-10: same HNP
//   s4 PBU ::/0 (no LL) ───▶│◀──── PBU ::/0 HI 4              LMA-BCE-11: after ~600 ms, a new HNP
//   s5 PBU ::/0 (no LL) ───▶│◀──── PBU ::/0 HI 4 … PBU L=0 from tester1 first: the old HNP
//   s6 PBU LL L6a, then LL L6b HI 1                           LMA-BCE-12, MH6-01/03: two sessions
//   s7 PBU LL L7a, then LL L7b HI 2                           HO-12: the session moves interface
//   s8 PBU TS T0 ──────────▶│◀──── PBU HI 3 TS T2
//   s8 PBU TS T1 (T0<T1<T2)▶│  157, downlink still to tester2 ORD-06, HO-13
//   s1 late PBU L=0 ───────▶│  ignored                        DEREG-06, HO-06
//   s9 PBU lifetime 4 s, no refresh: the binding goes          LMA-BCE-14
//   s10 PBU ::/0 (provisioned with two prefixes) → PBA with both, kept by a refresh   MH6-02
import { conformanceCase, expect, grantedPrefixes, type EmulatedMag, type Sent } from '../../harness/conformance/index.js';
import type { ActiveVerdict, MhRef } from '../../harness/conformance/verdicts.js';

const MAX_DELAY_MS = 600;
const SHORT_LIFETIME_S = 4;
const S = (n: number) => `s${n}@example.org`;
const L = (n: number, iface = 'a') => `02:00:00:00:0b:${(n * 2 + (iface === 'a' ? 0 : 1)).toString(16).padStart(2, '0')}`;

function status(s: Sent): number | undefined {
  return s.reply?.mh.type === 6 ? s.reply.mh.status : undefined;
}

/** Judges that `after` got the prefix `before` had (same session) or a different one (`same` false). */
function samePrefix(v: ActiveVerdict, before: Sent, after: Sent, same: boolean, what: string): boolean {
  const p0 = grantedPrefixes(before), p1 = grantedPrefixes(after);
  const ok = status(after) === 0 && p0.length > 0 && (same ? p1.join() === p0.join() : p1.length > 0 && p1.every((p) => !p0.includes(p)));
  const seen = status(after) === undefined ? 'no PBA' : `status ${status(after)}, HNP ${p1.join(' ') || 'none'}`;
  v.expect(ok, { pass: `${what}: ${seen}`, fail: `${what}: ${seen}` }, [before.ref, before.replyRef, after.ref, after.replyRef],
    { field: 'HNP', expected: same ? p0.join(' ') : `not ${p0.join(' ')}`, seen });
  return ok;
}

conformanceCase(import.meta.url, {
  name: 'lma-sessions',
  durationMs: 5000,
  purpose: 'the LMA finds, moves, splits and expires sessions as §5.4.1 says, and a stale PBU from the previous MAG cannot pull a session back',
  rfc: ['5213 §5.3.3', '§5.3.4', '§5.3.5', '§5.4', '§5.4.1', '§5.5', '6275 §10.3.1'],
  topology: 'topology.yaml',
  iut: { lma1: 'lma' },
  domain: {
    maxDelayBeforeNewBceAssignMs: MAX_DELAY_MS,
    extraMobileNodes: [
      ...[1, 2, 3, 4, 5, 6, 7, 8, 9].map((n) => ({ nai: S(n) })),
      { nai: S(10), prefixes: ['2001:db8:8000:a0::/64', '2001:db8:8000:a1::/64'] },
    ],
  },
  requirements: [
    'LMA-BCE-05', 'LMA-BCE-08', 'LMA-BCE-09', 'LMA-BCE-10', 'LMA-BCE-11', 'LMA-BCE-12', 'LMA-BCE-14', 'MH6-01', 'MH6-03',
    'HO-03', 'HO-04', 'HO-06', 'HO-12', 'HO-13', 'LMA-PBA-13', 'ORD-06', 'DEREG-06', 'REREG-07', 'MH6-02',
  ],
}, (c) => {
  let m1: EmulatedMag, m2: EmulatedMag;
  let s1: Sent, s9: Sent;

  c.setup('the emulated MAGs start on tester1 and tester2; s9 registers for 4 s and is never refreshed', async () => {
    [m1, m2] = await Promise.all([c.emulatedMag('tester1'), c.emulatedMag('tester2')]);
    s9 = await m1.pbu({ mnId: S(9), llId: L(9), lifetime: SHORT_LIFETIME_S });
    expect(s9).to.be.accepted;
  });

  c.step('§5.4.1.2: a handover with ::/0 and the same MN-ID, ATT and link-layer ID keeps the session', async () => {
    s1 = await m1.pbu({ mnId: S(1), llId: L(1) });
    expect(s1).to.be.accepted;
    const moved = await m2.pbu({ mnId: S(1), llId: L(1), hi: 3 });
    expect(samePrefix(c.verdict('LMA-BCE-09'), s1, moved, true, 'n-MAG PBU with ::/0 and the same LL-ID')).to.equal(true);
  });

  c.step('§5.4.1.1: a handover naming the session\'s prefix keeps the session', async () => {
    const first = await m1.pbu({ mnId: S(2), llId: L(2) });
    const moved = await m2.pbu({ mnId: S(2), llId: L(2), hi: 3, hnps: grantedPrefixes(first) });
    expect(samePrefix(c.verdict('LMA-BCE-08'), first, moved, true, 'n-MAG PBU naming the HNP')).to.equal(true);
  });

  c.step('§5.4.1.3: a handover with ::/0, no link-layer ID and HI 3 keeps the only session of the MN', async () => {
    const first = await m1.pbu({ mnId: S(3) });
    const moved = await m2.pbu({ mnId: S(3), hi: 3 });
    expect(samePrefix(c.verdict('LMA-BCE-10'), first, moved, true, 'n-MAG PBU with ::/0, no LL-ID, HI 3')).to.equal(true);
  });

  c.step(`HI 4 and no de-registration from the old MAG: after MaxDelayBeforeNewBCEAssign (${MAX_DELAY_MS} ms) a new session`, async () => {
    const first = await m1.pbu({ mnId: S(4) });
    const moved = await m2.pbu({ mnId: S(4), hi: 4 }, { timeoutMs: MAX_DELAY_MS + 2000 });
    const waited = moved.reply === null ? 0 : moved.reply.timeMs - moved.ref.timeMs;
    c.note(`LMA-BCE-11: the HI 4 PBU was answered after ${waited} ms`);
    expect(samePrefix(c.verdict('LMA-BCE-11'), first, moved, false, `HI 4 PBU answered after ${waited} ms`)).to.equal(true);
  });

  c.step('HI 4 and the old MAG de-registers while the LMA waits: the session carries on', async () => {
    const first = await m1.pbu({ mnId: S(5) });
    // The de-registration must reach the LMA after the HI 4 PBU, or that PBU's older timestamp
    // is rightly refused (157): send it once the PBU is on the LMA's link.
    const watch = await c.watch(['tester2-lma1']);
    const pending = m2.pbu({ mnId: S(5), hi: 4 }, { timeoutMs: MAX_DELAY_MS + 2000 });
    await watch.until((f) => (f.frame.mh?.type === 5 ? f : undefined), { timeoutMs: 2000, what: 'the HI 4 PBU on tester2-lma1' });
    const dereg = await m1.pbu({ mnId: S(5), hi: 4, lifetime: 0, hnps: grantedPrefixes(first) });
    const moved = await pending;
    expect(dereg, 'the old MAG\'s de-registration').to.be.accepted;
    expect(samePrefix(c.verdict('LMA-BCE-11'), first, moved, true, 'HI 4 PBU with the old MAG de-registering meanwhile')).to.equal(true);
  });

  c.step('a second interface of an MN (another link-layer ID, HI 1) gets a session of its own', async () => {
    const a = await m1.pbu({ mnId: S(6), llId: L(6, 'a') });
    const b = await m1.pbu({ mnId: S(6), llId: L(6, 'b') });
    let ok = true;
    for (const id of ['LMA-BCE-12', 'MH6-01', 'MH6-03']) ok = samePrefix(c.verdict(id), a, b, false, 'second interface, HI 1') && ok;
    expect(ok).to.equal(true);
  });

  c.step('an MN provisioned with two prefixes gets both in one PBA, and a refresh keeps both', async () => {
    const first = await m1.pbu({ mnId: S(10), llId: L(10) });
    expect(grantedPrefixes(first), 'the prefixes granted to s10').to.have.length(2);
    const refresh = await m1.pbu({ mnId: S(10), llId: L(10), hi: 5, hnps: grantedPrefixes(first) });
    expect(refresh).to.be.accepted;
  });

  c.step('HI 2 from another interface of an MN with one session moves that session to it', async () => {
    const a = await m1.pbu({ mnId: S(7), llId: L(7, 'a') });
    const b = await m1.pbu({ mnId: S(7), llId: L(7, 'b'), hi: 2 });
    expect(samePrefix(c.verdict('HO-12'), a, b, true, 'HI 2 from another interface')).to.equal(true);
  });

  c.step('a delayed PBU from the previous MAG, older than the handover, is refused with 157 and the downlink stays', async () => {
    const t0 = Date.now();
    const first = await m1.pbu({ mnId: S(8), llId: L(8), timestamp: t0 });
    const moved = await m2.pbu({ mnId: S(8), llId: L(8), hi: 3, timestamp: t0 + 40 });
    expect(moved, 'the handover to tester2').to.be.accepted;
    const stale = await m1.pbu({ mnId: S(8), llId: L(8), hi: 5, hnps: grantedPrefixes(first), timestamp: t0 + 20 });
    const st = status(stale);
    const refs: MhRef[] = [first.ref, moved.ref, moved.replyRef!, stale.ref, ...(stale.replyRef ? [stale.replyRef] : [])];
    c.verdict('ORD-06').expect(st === 157, { pass: 'the stale PBU from tester1 was refused with 157', fail: `the stale PBU from tester1 got ${st ?? 'no PBA'}` }, refs, { field: 'PBA status', expected: 157, seen: st ?? 'none' });
    // Where does the downlink go now? One echo request to the MN's prefix, seen tunnelled on one of the tester links.
    const [w1, w2] = await Promise.all([c.watch(['tester1-lma1']), c.watch(['tester2-lma1'])]);
    const target = grantedPrefixes(first)[0]!.replace('::/64', '::1');
    await c.tb.exec('cn1', 'ping', ['-6', '-n', '-c', '1', '-W', '0.5', target], { reject: false });
    const tunnelled = (f: { frame: { inner?: { ipv6?: { dst: string } } } }) => (f.frame.inner?.ipv6?.dst === target ? true : undefined);
    const [at1, at2] = await Promise.all([w1.until(tunnelled, { timeoutMs: 800, what: 'downlink to tester1' }), w2.until(tunnelled, { timeoutMs: 800, what: 'downlink to tester2' })]);
    const where = at2 && !at1 ? 'tester2' : at1 ? 'tester1' : 'nowhere';
    c.verdict('HO-13').expect(st === 157 && where === 'tester2', { pass: 'the stale PBU was refused with 157 and the downlink still goes to tester2', fail: `the stale PBU got ${st ?? 'no PBA'} and the downlink goes to ${where}` },
      refs, { field: 'status / downlink', expected: '157 / tester2', seen: `${st ?? 'none'} / ${where}` });
    expect(stale).to.be.rejectedWith(157);
  });

  c.step('a refresh from the MAG holding the session is accepted with the same prefixes', async () => {
    const refresh = await m2.pbu({ mnId: S(1), llId: L(1), hi: 5, hnps: grantedPrefixes(s1) });
    samePrefix(c.verdict('LMA-BCE-05'), s1, refresh, true, 'refresh from the serving MAG');
    const life = refresh.reply?.mh.type === 6 ? refresh.reply.mh.lifetime : 0;
    c.verdict('REREG-07').expect(status(refresh) === 0 && life > 0, { pass: `refresh accepted for ${life} s`, fail: `refresh answered with ${status(refresh) ?? 'nothing'}, lifetime ${life} s` }, [refresh.ref, refresh.replyRef]);
    expect(refresh).to.be.accepted;
  });

  c.stimulus('a late de-registration from the MAG that no longer holds the session is ignored', ['DEREG-06', 'HO-06'],
    () => m1.pbuExpectingSilence({ mnId: S(1), llId: L(1), hi: 4, lifetime: 0, hnps: grantedPrefixes(s1) }), { silent: true });

  c.step(`s9's ${SHORT_LIFETIME_S} s binding, never refreshed, is deleted when it runs out`, async () => {
    const v = c.verdict('LMA-BCE-14');
    const present = await c.stateMentions('lma1', S(9));
    if (present === null) { v.na('the LMA offers no state dump'); return; }
    const life = s9.reply?.mh.type === 6 ? s9.reply.mh.lifetime : SHORT_LIFETIME_S;
    const age = Date.now() - s9.ref.timeMs;
    // Polled past the bound, so that a late deletion is measured rather than cut off.
    const gone = await c.untilState('lma1', S(9), false, Math.max(0, life * 1000 - age) + 4000);
    if (gone === null) { v.na('the LMA offers no state dump'); return; }
    // The sure bounds of the deletion (ms after the PBU): after the start of the last dump fetch
    // listing s9, before the end of the first one without it; a slow fetch widens them, never shifts a verdict.
    const after = gone.lastOtherAt === null ? 0 : Math.round(gone.lastOtherAt - s9.ref.timeMs);
    const before = gone.reachedBy === null ? null : Math.round(gone.reachedBy - s9.ref.timeMs);
    const tooLate = !gone.reached || after > life * 1000 + 2000;
    const tooEarly = before !== null && before < life * 1000 - 250;
    v.expect(!tooLate && !tooEarly, {
      pass: `the binding went between ${after} and ${before} ms after the ${life} s registration`,
      fail: !gone.reached ? `the binding is still there ${Date.now() - s9.ref.timeMs} ms after a ${life} s registration`
        : tooLate ? `the binding was still listed in a dump fetched ${after} ms after a ${life} s registration` : `the binding was gone from a dump returned ${before} ms after the registration, before its ${life} s lifetime`,
    }, [s9.ref, s9.replyRef], { field: 'deletion', expected: `≈ ${life} s after the PBA`, seen: !gone.reached ? 'never' : `between ${after} and ${before} ms` });
    expect(gone.reached, 's9\'s binding going away').to.equal(true);
  });
});
