// lma-validation: an emulated MAG sends the LMA every malformed, unauthorised or out-of-order PBU
// RFC 5213 §5.3.1 and §5.5 name, and other Mobility Headers it must drop or refuse (catalog C.1,
// C.3, C.6 and §E.6).
//
// Purpose: the LMA's checks of a PBU, in §5.3.1 order, with the status each failure gets; the
// silent drops of RFC 6275 §9.2; the timestamp rules.
// RFC 5213 §5.3.1, §5.3.2, §5.3.5, §5.3.6, §5.4.1, §5.5; RFC 6275 §6.2.1, §9.2, §9.5.1.
//
//   tester1 ══╗                        tester1: an authorised MAG (plus a second, rogue address ::a0)
//             ╠══ lma1 ── cn1          tester2: another authorised MAG
//   tester2 ══╝                        (topology.yaml)
//
//   tester1                                   lma1
//      │── PBU a@ (well-formed) ──────────────▶│   accepted: the session later steps refer to
//      │◀─ PBA 0 HNP A ────────────────────────│
//      │── PBU + unknown option 250 ──────────▶│   MH-09: still accepted
//      │── PBU without MN-ID / HNP / HI / ATT ─▶│   LMA-ERR-01/05/06/07/12: 160/158/161/162, 160 first
//      │── PBU nobody@ / guest@ / rogue src ───▶│   LMA-ERR-03/04/02: 153/152/154
//      │── PBU prefix not owned / someone's ───▶│   LMA-ERR-08/09/10: 155/155/159
//      │── PBU TS - 10 s / TS older / seq back ▶│   ORD-04/05/02: 156/157/0
//      │── PBU without TS, seq replayed ───────▶│   ORD-07: 135
//      │── bad checksum / proto 17 / HdrLen 0 ─▶│   MH-05/07/08: silence (barrier PBU → 160 proves it)
//      │── MH type 200 ───────────────────────▶│   MH-06: Binding Error 2
//      │◀─ BE 2 ───────────────────────────────│
//      │── PBU lifetime 0 for no session ──────▶│   LMA-BCE-13: silence
import { findOption } from '../../wire/index.js';
import { conformanceCase, expect, grantedPrefixes, unknownTypeSpec, type EmulatedMag, type Sent } from '../../harness/conformance/index.js';

const A = 'a@example.org', B = 'b@example.org', C = 'c@example.org', D = 'd@example.org', E = 'e@example.org';
const F = 'f@example.org', G = 'g@example.org';
const GUEST = 'guest@example.org', RESTRICTED = 'restricted@example.org';

conformanceCase(import.meta.url, {
  name: 'lma-validation',
  durationMs: 2000,
  purpose: 'the LMA refuses each faulty PBU with the status §5.3.1 gives it, drops what RFC 6275 §9.2 says to drop, and applies the §5.5 timestamp rules',
  rfc: ['5213 §5.3.1', '§5.3.2', '§5.3.5', '§5.3.6', '§5.4.1', '§5.5', '6275 §6.2.1', '§9.2', '§9.5.1'],
  topology: 'topology.yaml',
  iut: { lma1: 'lma' },
  domain: {
    extraMobileNodes: [
      { nai: A, mac: '02:00:00:00:0a:01' }, { nai: B, mac: '02:00:00:00:0a:02' }, { nai: C, mac: '02:00:00:00:0a:03' },
      { nai: D, mac: '02:00:00:00:0a:04' }, { nai: E, mac: '02:00:00:00:0a:05' }, { nai: F, mac: '02:00:00:00:0a:06' },
      { nai: G, mac: '02:00:00:00:0a:07' },
      { nai: GUEST, proxyMobility: false }, { nai: RESTRICTED, mags: ['tester2'] },
    ],
  },
  requirements: [
    'MH-01', 'MH-02', 'MH-03', 'MH-04', 'MH-05', 'MH-06', 'MH-07', 'MH-08', 'MH-09',
    'LMA-VAL-02', 'LMA-ERR-01', 'LMA-ERR-02', 'LMA-ERR-03', 'LMA-ERR-04', 'LMA-ERR-05', 'LMA-ERR-06', 'LMA-ERR-07',
    'LMA-ERR-08', 'LMA-ERR-09', 'LMA-ERR-10', 'LMA-ERR-12', 'LMA-ERR-13',
    'LMA-PBA-01', 'LMA-PBA-02', 'LMA-PBA-03', 'LMA-PBA-04', 'LMA-PBA-05', 'LMA-PBA-06', 'LMA-PBA-07', 'LMA-PBA-10',
    'LMA-PBA-14', 'LMA-PBA-18', 'LMA-BCE-13', 'ORD-02', 'ORD-04', 'ORD-05', 'ORD-07', 'SEC-06',
  ],
}, (c) => {
  let m1: EmulatedMag, m2: EmulatedMag;
  let hnpA = '';
  /** a@'s first accepted PBU. */
  let accepted: Sent;
  const mac = (nai: string) => c.def.domain!.extraMobileNodes!.find((m) => m.nai === nai)!.mac!;

  c.setup('the emulated MAGs start on tester1 (with a second, unauthorised address) and tester2', async () => {
    m1 = await c.emulatedMag('tester1', { extraAddresses: 1 });
    m2 = await c.emulatedMag('tester2');
  });

  c.stimulus('a well-formed initial PBU for a@ is accepted', ['LMA-ERR-13'], async () => {
    accepted = await m1.pbu({ mnId: A, llId: mac(A) });
    hnpA = grantedPrefixes(accepted)[0] ?? '';
    return accepted;
  }, { status: 0 });

  c.stimulus('a PBU carrying an unknown mobility option (type 250) is processed normally', ['MH-09'],
    () => m1.pbu({ mnId: B, llId: mac(B), extraOptions: [{ type: 250, data: '0000' }] }), { accepted: true });

  c.stimulus('a PBU without an MN Identifier option is refused with 160', ['LMA-ERR-01'],
    () => m1.pbu({ mnId: null }), { status: 160 });
  c.stimulus('a PBU lacking both MN-ID and HNP is refused for the first fault of §5.3.1: 160', ['LMA-ERR-12'],
    () => m1.pbu({ mnId: null, hnps: [] }), { status: 160 });
  c.stimulus('a PBU without a Home Network Prefix option is refused with 158', ['LMA-ERR-05'],
    () => m1.pbu({ mnId: C, hnps: [] }), { status: 158 });
  c.stimulus('a PBU without a Handoff Indicator option is refused with 161', ['LMA-ERR-06'],
    () => m1.pbu({ mnId: C, hi: null }), { status: 161 });
  c.stimulus('a PBU without an Access Technology Type option is refused with 162', ['LMA-ERR-07'],
    () => m1.pbu({ mnId: C, att: null }), { status: 162 });

  c.stimulus('a PBU for an MN-ID the LMA cannot identify is refused with 153', ['LMA-ERR-03'],
    () => m1.pbu({ mnId: 'nobody@example.org' }), { status: 153 });
  c.stimulus('a PBU for a known MN not entitled to PMIPv6 is refused with 152', ['LMA-ERR-04'],
    () => m1.pbu({ mnId: GUEST }), { status: 152 });
  c.stimulus('a PBU from an address that is no MAG of the domain is refused with 154', ['LMA-ERR-02', 'SEC-06'],
    () => m1.pbu({ mnId: C }, { src: m1.agent.addresses[1]! }), { status: 154 });
  c.stimulus('a PBU from a MAG not authorised for this MN is refused with 154', ['LMA-ERR-02', 'SEC-06'],
    () => m1.pbu({ mnId: RESTRICTED }), { status: 154 });

  c.stimulus('a PBU requesting a prefix the LMA does not own is refused with 155', ['LMA-ERR-08', 'SEC-06'],
    () => m1.pbu({ mnId: G, hnps: ['2001:db8:dead::/64'] }), { status: 155 });
  c.stimulus('a PBU for d@ requesting a@\'s prefix is refused with 155', ['LMA-ERR-09'],
    () => m1.pbu({ mnId: D, hnps: [hnpA] }), { status: 155 });
  c.stimulus('a PBU carrying a non-zero link-local address is accepted (the LMA echoes and keeps it)', ['LMA-PBA-14'],
    () => m1.pbu({ mnId: D, llId: mac(D), lla: 'fe80::d' }), { status: 0 });
  c.stimulus('a refresh of a@ listing its prefix and another one is refused with 159', ['LMA-ERR-10'],
    () => m1.pbu({ mnId: A, llId: mac(A), hi: 5, hnps: [hnpA, '2001:db8:8000:ffff::/64'] }), { status: 159 });

  c.stimulus('a refresh of a@ with a timestamp 10 s behind the LMA clock is refused with 156', ['ORD-04'],
    () => m1.pbu({ mnId: A, llId: mac(A), hi: 5, hnps: [hnpA], timestamp: Date.now() - 10_000 }), { status: 156 });
  c.step('a refresh of a@ with a timestamp older than the last accepted one is refused with 157', async () => {
    const v = c.verdict('ORD-05');
    const newer = await m1.pbu({ mnId: A, llId: mac(A), hi: 5, hnps: [hnpA], timestamp: Date.now() });
    expect(newer, 'the refresh that sets the last accepted timestamp').to.be.accepted;
    const ts = findOption(newer.reply!.mh.options, 27)!;
    // 50 ms older than the accepted one: lower, yet well inside the validity window.
    const lower = await m1.pbu({ mnId: A, llId: mac(A), hi: 5, hnps: [hnpA], timestamp: ts.seconds * 1000 + (ts.fraction * 1000) / 65536 - 50 });
    const status = lower.reply?.mh.type === 6 ? lower.reply.mh.status : undefined;
    v.expect(status === 157, { pass: 'timestamp 50 ms older than the last accepted one refused with 157', fail: `timestamp 50 ms older than the last accepted one answered with ${status ?? 'nothing'}` },
      [newer.ref, newer.replyRef, lower.ref, lower.replyRef], { field: 'PBA status', expected: 157, seen: status ?? 'none' });
    expect(lower).to.be.rejectedWith(157);
  });
  c.step('a refresh of a@ with a lower Sequence # but a newer timestamp is accepted, its Sequence # echoed', async () => {
    const back = await m1.pbu({ mnId: A, llId: mac(A), hi: 5, hnps: [hnpA], seq: (accepted.ref.seq! - 100) & 0xffff, timestamp: Date.now() + 5 });
    const m = back.reply?.mh;
    const ok = m?.type === 6 && m.status === 0 && m.seq === back.ref.seq;
    c.verdict('ORD-02').expect(ok, { pass: `Sequence # ${back.ref.seq} (lower than before) accepted on its timestamp and echoed`, fail: `Sequence # ${back.ref.seq} with a newer timestamp answered ${m?.type === 6 ? `status ${m.status} seq ${m.seq}` : 'with nothing'}` },
      [back.ref, back.replyRef], { field: 'PBA status / seq', expected: `0 / ${back.ref.seq}`, seen: m?.type === 6 ? `${m.status} / ${m.seq}` : 'none' });
    expect(back).to.be.accepted;
  });
  c.step('without a Timestamp option, a replayed Sequence # is refused with 135 naming the last accepted one', async () => {
    const first = await m2.pbu({ mnId: E, llId: mac(E), timestamp: null });
    expect(first, 'the sequence-number registration of e@').to.be.accepted;
    const replay = await m2.pbu({ mnId: E, llId: mac(E), hi: 5, hnps: grantedPrefixes(first), timestamp: null, seq: first.ref.seq! });
    const m = replay.reply?.mh;
    const ok = m?.type === 6 && m.status === 135 && m.seq === first.ref.seq && findOption(m.options, 27) === undefined;
    c.verdict('ORD-07').expect(ok, { pass: 'replayed Sequence # refused with 135, last accepted seq returned, no Timestamp', fail: `replayed Sequence # answered ${m?.type === 6 ? `status ${m.status} seq ${m.seq}${findOption(m.options, 27) ? ' with a Timestamp' : ''}` : 'with nothing'}` },
      [first.ref, first.replyRef, replay.ref, replay.replyRef], { field: 'PBA status / seq', expected: `135 / ${first.ref.seq}`, seen: m?.type === 6 ? `${m.status} / ${m.seq}` : 'none' });
    expect(replay).to.be.rejectedWith(135);
  });

  c.stimulus('a PBU with a wrong checksum is dropped without a reply', ['MH-05', 'LMA-VAL-02'],
    () => m1.pbuExpectingSilence({ mnId: C }, { badChecksum: true }), { silent: true });
  c.stimulus('a PBU whose Payload Proto is not 59 is dropped', ['MH-07', 'LMA-VAL-02'],
    () => m1.pbuExpectingSilence({ mnId: C, payloadProto: 17 }), { silent: true });
  c.stimulus('a PBU whose Header Len is shorter than the message is dropped', ['MH-08', 'LMA-VAL-02'],
    () => m1.pbuExpectingSilence({ mnId: C, headerLen: 1 }), { silent: true });
  c.stimulus('a Mobility Header of unknown type 200 is answered with a Binding Error, status 2', ['MH-06', 'LMA-VAL-02'],
    () => m1.send(unknownTypeSpec(200), { type: 7 }), { bindingError: 2 });
  c.stimulus('a de-registration for an MN without a binding is dropped silently', ['LMA-BCE-13'],
    () => m1.pbuExpectingSilence({ mnId: F, llId: mac(F), lifetime: 0, hi: 4, hnps: ['2001:db8:8000:fffe::/64'] }), { silent: true });

  c.stimulus('a@ de-registers: accepted with lifetime 0', ['LMA-ERR-13'],
    () => m1.pbu({ mnId: A, llId: mac(A), hi: 4, hnps: [hnpA], lifetime: 0 }), { status: 0 });
});
