// ipv4-hoa: the IPv4 home address service of RFC 5844 in the signalling. A dual-stack and an
// IPv4-only MN register through mag1 (IPv4 HoA Request, Reply, Default-Router), refresh and leave;
// an emulated MAG sends the LMA the PBUs §3.1.2.1 and §3.1.2.2 make it refuse.
//
// Purpose: the MAG asks for one IPv4 HoA (0.0.0.0/0, then the assigned one) and no HNP for an
// IPv4-only MN; the LMA answers every such PBU with an IPv4 HoA Reply, the Default-Router option
// exactly on success, no HNP when none was asked, and refuses with 158/170/171/172/173/130.
// RFC 5844 §3.1.2.1, §3.1.2.2, §3.1.2.6, §3.2.3.1, §3.2.3.3. Not here (not built yet): the
// IPv4 data plane (V4-09), DHCPv4 and ARP at the MAG (V4-10, V4-11), IPv4 transport (V4-13, V4-14).
//
//   mn1 (dual) ─┐                          tester1 (emulated MAG)
//   mn2 (v4)  ──┴─ ap1 ── mag1 ══ lma1 ══════════╝        (topology.yaml; lifetime 8 s, IPv4 pool /29)
//
//   mag1                                   lma1                                  tester1
//    │── PBU mn1 HNP ::/0 + IPv4 0.0.0.0/0 ─▶│   V4-01                               │
//    │◀─ PBA 0 HNP + Reply 0 a/29 + DR ───────│   V4-06, V4-07                        │
//    │── PBU mn2 IPv4 0.0.0.0/0 (no HNP) ────▶│   V4-01, V4-02                        │
//    │◀─ PBA 0 Reply 0 b/29 + DR (no HNP) ────│   V4-06, V4-07, V4-08                 │
//    │── PBU HI 5, IPv4 a / b ───────────────▶│   V4-12 (refresh)                     │
//    ╳ mn2 leaves: PBU L=0, IPv4 b ──────────▶│   V4-12 (de-registration)             │
//                                             │◀── PBU IPv4 only / neither ──────────│ V4-03: 0 / 158
//                                             │◀── 2 requests / v6-only MN / HNP of v4-only ─│ V4-04: 173/170/172
//                                             │◀── foreign address / pool exhausted ─│ V4-05: 171+129 / 130+128
import { findOption } from '../../wire/index.js';
import { conformanceCase, expect, mobilityOf, type EmulatedMag, type Sent } from '../../harness/conformance/index.js';

const LIFETIME_S = 8;
const V4ONLY = 'v4only@example.org', V6ONLY = 'v6only@example.org';
/** Dual-stack MNs the emulated MAG registers until the /29 pool runs out (with an HNP: only V4-03 probes a PBU without one). */
const FILLERS = Array.from({ length: 8 }, (_, i) => `fill${i + 1}@example.org`);
const REQ = { type: 36, prefixLength: 0, address: '0.0.0.0' } as const;

conformanceCase(import.meta.url, {
  name: 'ipv4-hoa',
  durationMs: 16000,
  purpose: 'dual-stack and IPv4-only MNs get IPv4 home addresses through the PBU/PBA options of RFC 5844, and the LMA refuses the IPv4 requests §3.1.2.1/§3.1.2.2 make it refuse',
  rfc: ['5844 §3.1.2.1', '§3.1.2.2', '§3.1.2.6', '§3.2.3.1', '§3.2.3.3'],
  topology: 'topology.yaml',
  iut: { lma1: 'lma', mag1: 'mag' },
  domain: {
    lifetimeS: LIFETIME_S,
    // 5 host addresses: the two MNs, the emulated MAG's IPv4-only one, then fillers exhaust it (130).
    ipv4Pool: '10.64.0.0/29',
    extraMobileNodes: [
      { nai: V4ONLY, mac: '02:00:00:00:0b:01', ipv4: 'dynamic', ipv6: false },
      { nai: V6ONLY, mac: '02:00:00:00:0b:02' },
      ...FILLERS.map((nai) => ({ nai, ipv4: 'dynamic' })),
    ],
  },
  requirements: ['V4-01', 'V4-02', 'V4-03', 'V4-04', 'V4-05', 'V4-06', 'V4-07', 'V4-08', 'V4-12'],
}, (c) => {
  let m: EmulatedMag;

  c.setup('the emulated MAG starts on tester1', async () => {
    m = await c.emulatedMag('tester1');
  });

  c.step(`mag1 registers mn1 and mn2 and refreshes both within the ${LIFETIME_S} s lifetime`, async () => {
    const w = await c.watch(['mag1-lma1'], true);
    const refreshed = new Set<string>();
    const done = await w.until((f) => {
      const x = mobilityOf(f);
      const id = x?.mh.type === 5 && findOption(x.mh.options, 23)?.value === 5 ? findOption(x.mh.options, 8)?.id : undefined;
      if (id !== undefined) refreshed.add(id);
      return refreshed.size === 2 ? true : undefined;
    }, { timeoutMs: (LIFETIME_S + 2) * 1000, what: 'refresh PBUs for mn1 and mn2 from mag1' });
    expect(done, 'refresh PBUs for both MNs').to.be.observed;
  });

  c.step('mn2 leaves its link: mag1 de-registers its IPv4 HoA', async () => {
    const w = await c.watch(['mag1-lma1']);
    await c.tb.detach('mn2');
    const dereg = await w.until((f) => {
      const x = mobilityOf(f);
      return x?.mh.type === 5 && x.mh.lifetimeUnits === 0 && findOption(x.mh.options, 8)?.id === 'mn2@example.org' ? x : undefined;
    }, { timeoutMs: 5000, what: 'the de-registration PBU of mn2' });
    expect(dereg, 'a de-registration of mn2 (within 5 s of the detach)').to.be.observed;
  });

  c.stimulus('a PBU with an IPv4 HoA Request and no HNP option is not refused for the missing HNP', ['V4-03'],
    () => m.pbu({ mnId: V4ONLY, llId: '02:00:00:00:0b:01', hnps: [], extraOptions: [REQ] }), { status: 0 });
  c.stimulus('a PBU with neither an HNP nor an IPv4 HoA Request is refused with 158', ['V4-03'],
    () => m.pbu({ mnId: V6ONLY, hnps: [] }), { status: 158 });
  c.stimulus('a PBU with two IPv4 HoA Requests is refused with 173', ['V4-04'],
    () => m.pbu({ mnId: FILLERS[7]!, extraOptions: [REQ, REQ] }), { status: 173 });
  c.stimulus('an IPv4 HoA Request for an MN without IPv4 service is refused with 170', ['V4-04'],
    () => m.pbu({ mnId: V6ONLY, extraOptions: [REQ] }), { status: 170 });
  c.stimulus('an HNP option for an IPv4-only MN is refused with 172', ['V4-04'],
    () => m.pbu({ mnId: V4ONLY, extraOptions: [REQ] }), { status: 172 });

  const judge171or130 = (sent: Sent, ba: number, reply: number, asked: string, what: string) => {
    const pba = sent.reply?.mh.type === 6 ? sent.reply.mh : undefined;
    const r = pba === undefined ? undefined : findOption(pba.options, 37);
    const seen = pba === undefined ? 'no PBA' : `status ${pba.status}, Reply ${r === undefined ? 'absent' : `${r.status} ${r.address}/${r.prefixLength}`}`;
    c.verdict('V4-05').expect(pba?.status === ba && r?.status === reply && r.address === asked,
      { pass: `${what}: ${seen}`, fail: `${what}: ${seen}` }, [sent.ref, sent.replyRef],
      { field: 'PBA status / IPv4 HoA Reply', expected: `${ba} / ${reply} ${asked}`, seen });
    return pba?.status === ba && r?.status === reply;
  };

  c.step('a requested IPv4 HoA the MN may not use is refused with 171 and a Reply with status 129', async () => {
    const sent = await m.pbu({ mnId: FILLERS[0]!, extraOptions: [{ ...REQ, prefixLength: 29, address: '10.64.0.77' }] });
    expect(judge171or130(sent, 171, 129, '10.64.0.77', 'request for 10.64.0.77 (outside the pool)'), 'PBA 171 with Reply 129').to.equal(true);
  });

  c.step('once the IPv4 pool is exhausted a request is refused with 130 and a Reply with status 128', async () => {
    let last: Sent | undefined;
    // Up to all 5 addresses may be free (when mag1's MNs were refused), so up to 5 fillers are accepted before the one refused.
    for (const nai of FILLERS.slice(1, 7)) {
      last = await m.pbu({ mnId: nai, extraOptions: [REQ] });
      const pba = last.reply?.mh;
      if (pba?.type !== 6 || pba.status !== 0) break;
    }
    expect(judge171or130(last!, 130, 128, '0.0.0.0', 'request after the pool ran out'), 'PBA 130 with Reply 128').to.equal(true);
  });
});
