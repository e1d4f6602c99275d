// mag-pba-handling: an emulated LMA answers each of seven MNs in its own way (a rejection, a
// timestamp refusal, a PBA the MAG must ignore) to judge what the MAG under test does with PBAs
// (catalog C.6, C.7).
//
// Purpose: no service and no more PBUs after 152; retry with ::/0 after 155; re-registration
// after 157 but not with the LMA's timestamp after 156; a PBA with a bad checksum, an unknown
// Sequence # or copied fields that differ is ignored; no HNP is advertised after a rejection.
// RFC 5213 §5.5, §6.9.1.2, §6.9.2; RFC 6275 §9.2.
//
//   mn2..mn7 ─ ap1 ─ mag1 ══════ lma1 (emulated LMA)          (topology.yaml)
//        mn1 ─ ap2 ─┘
//
//   MN   mag1                  emulated LMA answers           judged
//   mn1  PBU ────────────────▶ 152                            MAG-PBA-07, RA-04, MAG-PBA-06
//   mn2  PBU HNP P ──────────▶ 155, then 0                    MAG-PBA-08: the retry asks ::/0
//   mn3  PBU ────────────────▶ 157, then 0                    ORD-09: a new PBU, newer timestamp
//   mn4  PBU ────────────────▶ 156 (TS = LMA clock), then 0   ORD-10: no retry with that timestamp
//   mn5  PBU ────────────────▶ 0 with a bad checksum, then 0  MAG-PBA-01: ignored, retransmitted
//   mn6  PBU ────────────────▶ 0 with seq + 7, then 0         MAG-PBA-02: ignored, retransmitted
//   mn7  PBU ────────────────▶ 0 with ATT 7                   MAG-PBA-03: ignored, not retransmitted
//   mn8  PBU LLA :: ──────────▶ 0 with LLA = mn8's own LL      MAG-PBA-10: another LLA, a PBU carrying it
import { findOption } from '../../wire/index.js';
import { conformanceCase, expect, mobilityOf, type LmaRule } from '../../harness/conformance/index.js';
import type { Exchange, Trace } from '../../harness/trace/index.js';

const nai = (n: number) => `mn${n}@example.org`;
/** The EUI-64 link-local address of mnN (MAC 02:00:00:00:01:0N). */
const mnLinkLocal = (n: number) => `fe80::ff:fe00:10${n}`;
const ACCEPT: LmaRule = { answer: true, status: 0 };
const REFUSED_PREFIX = '2001:db8:8000:22::/64';
/** How long the MAG is watched for PBUs it should not send. */
const QUIET_WINDOW_MS = 2500;

/** The MAG's PBUs for `mnId` while the case ran (not those of the testbed's teardown). */
function pbusOf(t: Trace, mnId: string, until: number): Exchange[] {
  return t.magExchanges.filter((x) => x.mnId === mnId && x.pbu.ref.time < until).sort((a, b) => a.pbu.ref.time - b.pbu.ref.time);
}

/** The first PBA the LMA sent for `mnId` with `status`, and the PBUs the MAG sent for it afterwards. */
function afterPba(t: Trace, mnId: string, until: number, pred: (x: Exchange) => boolean): { x: Exchange; later: Exchange[] } | undefined {
  const all = pbusOf(t, mnId, until);
  const x = all.find((e) => e.pba !== undefined && pred(e));
  if (x === undefined) return undefined;
  return { x, later: all.filter((e) => e.pbu.ref.time > x.pba!.ref.time) };
}

/** RAs to `mac` on the access link advertising `prefix`, between `from` and `to` (s). */
function rasWithPrefix(t: Trace, mac: string, prefix: string, from: number, to: number): number {
  return t.nd.filter((f) => f.msg.name === 'RA' && f.linkDst === mac && f.ref.time > from && f.ref.time < to
    && f.msg.prefixes.some((p) => p.prefix === prefix)).length;
}

conformanceCase(import.meta.url, {
  name: 'mag-pba-handling',
  durationMs: 6000,
  purpose: 'the MAG acts on each rejection status as §6.9.1.2 says and ignores PBAs it cannot trust or match',
  rfc: ['5213 §5.5', '§6.9.1.2', '§6.9.2', '6275 §9.2'],
  topology: 'topology.yaml',
  iut: { mag1: 'mag' },
  attachAtStart: false,
  domain: { extraMobileNodes: [{ nai: nai(2), mac: '02:00:00:00:01:02', prefixes: [REFUSED_PREFIX] }] },
  requirements: ['MAG-PBA-01', 'MAG-PBA-02', 'MAG-PBA-03', 'MAG-PBA-06', 'MAG-PBA-07', 'MAG-PBA-08', 'MAG-PBA-10', 'RA-04', 'ORD-09', 'ORD-10'],
}, (c) => {
  c.setup('the emulated LMA starts on lma1 with one script per MN', async () => {
    await c.emulatedLma('lma1', {
      scripts: {
        [nai(1)]: [{ answer: true, status: 152 }],
        [nai(2)]: [{ answer: true, status: 155 }, ACCEPT],
        [nai(3)]: [{ answer: true, status: 157 }, ACCEPT],
        [nai(4)]: [{ answer: true, status: 156 }, ACCEPT],
        [nai(5)]: [{ answer: true, status: 0, badChecksum: true }, ACCEPT],
        [nai(6)]: [{ answer: true, status: 0, mutate: { seqDelta: 7 } }, ACCEPT],
        [nai(7)]: [{ answer: true, status: 0, mutate: { att: 7 } }],
        [nai(8)]: [{ answer: true, status: 0, mutate: { lla: mnLinkLocal(8) } }, ACCEPT],
      },
    });
  });

  c.step('the eight MNs attach; the ones whose second PBU is accepted get registered', async () => {
    const w = await c.watch(['mag1-lma1']);
    for (let n = 1; n <= 8; n++) await c.tb.attach(`mn${n}`, n === 1 ? 'ap2' : 'ap1');
    const pending = new Set([2, 3, 5, 6].map(nai));
    await w.until((f) => {
      const m = mobilityOf(f);
      if (m?.mh.type === 6 && m.mh.status === 0 && m.mh.checksumOk !== false) pending.delete(findOption(m.mh.options, 8)?.id ?? '');
      return pending.size === 0 ? true : undefined;
    }, { timeoutMs: 15_000, what: 'mn2, mn3, mn5 and mn6 registered' });
    expect([...pending], 'MNs whose retry was not accepted within 15 s').to.deep.equal([]);
  });

  c.step('mn1 (refused with 152) solicits: the RA answering it carries no home network prefix', async () => {
    await c.solicit('mn1');
  });

  c.step(`no PBU for mn1 (152) or mn7 (ignored PBA) during the next ${QUIET_WINDOW_MS} ms`, async () => {
    const w = await c.watch(['mag1-lma1']);
    const pbu = await w.until((f) => {
      const m = mobilityOf(f);
      const id = m?.mh.type === 5 ? findOption(m.mh.options, 8)?.id : undefined;
      return id === nai(1) || id === nai(7) ? id : undefined;
    }, { timeoutMs: QUIET_WINDOW_MS, what: 'a PBU for mn1 or mn7' });
    expect(pbu, 'a PBU for mn1 or mn7').not.to.be.observed;
  });

  c.traceCheck('no prefix advertised to the refused MN', ['RA-04', 'MAG-PBA-06'], (t, [ra, mag]) => {
    const a = afterPba(t, nai(1), c.stepsEnded, (x) => x.pba!.mh.status === 152);
    if (a === undefined) { ra!.inconclusiveBecause('no 152 for mn1 in the trace'); mag!.inconclusiveBecause('no 152 for mn1 in the trace'); return; }
    const mac = c.mn('mn1').mac;
    const from = a.x.pba!.ref.time;
    const rs = t.nd.filter((f) => f.msg.name === 'RS' && f.linkSrc === mac && f.ref.time > from && f.ref.time < c.stepsEnded).length;
    const ras = t.nd.filter((f) => f.msg.name === 'RA' && f.ref.point === 'ap2' && f.ref.time > from && f.ref.time < c.stepsEnded);
    const withPrefix = ras.filter((f) => f.msg.name === 'RA' && f.msg.prefixes.length > 0);
    for (const j of [ra!, mag!]) {
      if (withPrefix.length > 0) j.fail(`after 152, mn1's link got ${withPrefix.length} RA(s) with a prefix`, [], { field: 'PIO', expected: 'none', seen: withPrefix.map((f) => (f.msg.name === 'RA' ? f.msg.prefixes.map((p) => p.prefix).join(' ') : '')).join(', ') });
      else if (rs > 0) j.pass(`after 152, mn1 solicited ${rs} time(s) and got ${ras.length === 0 ? 'no RA' : 'RAs without a prefix'}`);
      else j.inconclusiveBecause('mn1 did not solicit after the rejection');
    }
  });

  c.traceCheck('a link-local address the MN already uses is not taken', ['MAG-PBA-10'], (t, [j]) => {
    const mine = mnLinkLocal(8);
    const a = afterPba(t, nai(8), c.stepsEnded, (x) => findOption(x.pba!.mh.options, 26)?.address === mine);
    if (a === undefined) { j!.inconclusiveBecause('the LMA did not hand out mn8\'s own link-local address'); return; }
    const from = a.x.pba!.ref.time;
    const rasFromIt = t.nd.filter((f) => f.msg.name === 'RA' && f.src === mine && f.ref.time > from && f.ref.time < c.stepsEnded).length;
    const newLla = a.later.find((x) => { const o = findOption(x.pbu.mh.options, 26)?.address; return o !== undefined && o !== '::' && o !== mine; });
    if (rasFromIt > 0) j!.fail(`mag1 sent ${rasFromIt} RA(s) from ${mine}, mn8's own link-local address`, [], { field: 'RA source', expected: 'another link-local address', seen: mine });
    else if (newLla === undefined) j!.fail(`no PBU for mn8 carrying a link-local address of the MAG's choice followed the PBA handing out ${mine}`, [], { field: 'PBU with a new LLA', expected: 'sent at once', seen: 'none' });
    else j!.pass(`mag1 left ${mine} to mn8 and registered ${findOption(newLla.pbu.mh.options, 26)!.address} instead`);
  });

  c.traceCheck('the retry after 155 asks for ::/0', ['MAG-PBA-08'], (t, [j]) => {
    const a = afterPba(t, nai(2), c.stepsEnded, (x) => x.pba!.mh.status === 155);
    if (a === undefined) { j!.inconclusiveBecause('no 155 for mn2 in the trace'); return; }
    const next = a.later[0];
    if (next === undefined) j!.pass('mag1 did not ask for the refused prefix again');
    else if (next.hnps.includes(REFUSED_PREFIX)) j!.fail(`after 155 mag1 asked for ${REFUSED_PREFIX} again`, [], { field: 'HNP', expected: '::/0 or none', seen: next.hnps.join(' ') });
    else j!.pass(`after 155 mag1 asked for ${next.hnps.join(' ')}`);
  });

  c.traceCheck('re-registration after 157', ['ORD-09'], (t, [j]) => {
    const a = afterPba(t, nai(3), c.stepsEnded, (x) => x.pba!.mh.status === 157);
    if (a === undefined) { j!.inconclusiveBecause('no 157 for mn3 in the trace'); return; }
    const next = a.later[0];
    const ts0 = findOption(a.x.pbu.mh.options, 27), ts1 = next && findOption(next.pbu.mh.options, 27);
    const newer = ts0 !== undefined && ts1 !== undefined && ts1.seconds * 65536 + ts1.fraction > ts0.seconds * 65536 + ts0.fraction;
    if (next !== undefined && newer) j!.pass(`mag1 re-registered ${(next.pbu.ref.time - a.x.pba!.ref.time).toFixed(3)} s after 157 with a newer timestamp`);
    else j!.fail(next === undefined ? 'no new PBU for mn3 after 157' : 'the PBU after 157 carries no newer timestamp', [], { field: 'PBU after 157', expected: 'a new registration with a fresh timestamp', seen: next === undefined ? 'none' : 'stale or no timestamp' });
  });

  c.traceCheck('no retry with the LMA\'s timestamp after 156', ['ORD-10'], (t, [j]) => {
    const a = afterPba(t, nai(4), c.stepsEnded, (x) => x.pba!.mh.status === 156);
    if (a === undefined) { j!.inconclusiveBecause('no 156 for mn4 in the trace'); return; }
    const lmaTs = findOption(a.x.pba!.mh.options, 27);
    const copied = a.later.find((x) => {
      const ts = findOption(x.pbu.mh.options, 27);
      return ts !== undefined && lmaTs !== undefined && ts.seconds === lmaTs.seconds && ts.fraction === lmaTs.fraction;
    });
    if (copied) j!.fail('mag1 retried with the timestamp the LMA sent in its 156 PBA', [], { field: 'Timestamp', expected: 'the MAG\'s own clock', seen: lmaTs!.iso });
    else j!.pass(a.later.length === 0 ? 'mag1 did not retry after 156' : 'mag1 retried with its own clock, not the PBA\'s timestamp');
  });

  c.traceCheck('a PBA the MAG must ignore is ignored', ['MAG-PBA-01', 'MAG-PBA-02', 'MAG-PBA-03'], (t, [bad, unknown, mismatch]) => {
    const judge = (j: NonNullable<typeof bad>, n: number, what: string, retransmits: boolean) => {
      const all = pbusOf(t, nai(n), c.stepsEnded);
      const first = all[0];
      const faulty = t.mh.find((f) => f.mh.type === 6 && f.dst === first?.pbu.src && f.ref.time > (first?.pbu.ref.time ?? Infinity)
        && findOption(f.mh.options, 8)?.id === nai(n));
      if (first === undefined || faulty === undefined) { j.inconclusiveBecause(`no PBU/PBA for mn${n} in the trace`); return; }
      const good = all.find((x) => x !== first && x.pba !== undefined && x.pba.mh.status === 0 && x.pba.mh.checksumOk !== false);
      const ras = rasWithPrefix(t, c.mn(`mn${n}`).mac, c.mn(`mn${n}`).hnp, faulty.ref.time, good?.pba!.ref.time ?? Infinity);
      const again = all.some((x) => x.pbu.ref.time > faulty.ref.time && !x.deregistration);
      if (ras > 0) j.fail(`mag1 advertised mn${n}'s prefix after ${what}`, [], { field: 'RA', expected: 'no HNP before a valid PBA', seen: `${ras} RA(s) with it` });
      else if (again !== retransmits) j.fail(`after ${what} mag1 ${again ? 'sent the PBU again' : 'did not retransmit'}`, [], { field: 'PBU afterwards', expected: retransmits ? 'a retransmission' : 'none', seen: again ? 'sent' : 'none' });
      else j.pass(`mag1 ignored ${what}${retransmits ? ' and retransmitted' : ' and did not send that PBU again'}`);
    };
    judge(bad!, 5, 'a PBA with a bad checksum', true);
    judge(unknown!, 6, 'a PBA with an unknown Sequence #', true);
    judge(mismatch!, 7, 'a PBA whose ATT differs from the PBU\'s', false);
  });
});
