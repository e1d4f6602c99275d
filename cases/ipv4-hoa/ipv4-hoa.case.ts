// ipv4-hoa: the IPv4 home address service of RFC 5844 in the signalling. A dual-stack and an
// IPv4-only MN register through mag1 (IPv4 HoA Request, Reply, Default-Router), refresh and leave;
// an emulated MAG sends the LMA the PBUs §3.1.2.1 and §3.1.2.2 make it refuse.
//
// Purpose: the MAG asks for one IPv4 HoA (0.0.0.0/0, then the assigned one) and no HNP for an
// IPv4-only MN; the LMA answers every such PBU with an IPv4 HoA Reply, the Default-Router option
// exactly on success, no HNP when none was asked, and refuses with 158/170/171/172/173/130.
// mn1's IPv4 traffic to cn1 crosses the tunnel as next header 4, a spoofed source does not (V4-09;
// pmipd carries IPv4 on its tun back-end only; the case configures mn1's HoA itself, cases/ipv4-dhcp gets it by DHCPv4).
// RFC 5844 §3.1.2.1, §3.1.2.2, §3.1.2.6, §3.1.3, §3.2.3.1, §3.2.3.3, §3.2.4. Not here: DHCPv4 and
// ARP at the MAG (V4-10, V4-11: cases/ipv4-dhcp), IPv4 transport (V4-13, V4-14: cases/ipv4-transport).
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
//    │══ IPv4 a > cn1 in IPv6 (NH 4) ════════▶│══▶ cn1, and back: V4-09; spoofed src: not tunnelled
//    ╳ mn2 leaves: PBU L=0, IPv4 b ──────────▶│   V4-12 (de-registration)             │
//                                             │◀── PBU IPv4 only / neither ──────────│ V4-03: 0 / 158
//                                             │◀── 2 requests / v6-only MN / HNP of v4-only ─│ V4-04: 173/170/172
//                                             │◀── foreign address / pool exhausted ─│ V4-05: 171+129 / 130+128
import { findOption } from '../../wire/index.js';
import { conformanceCase, expect, mobilityOf, type EmulatedMag, type Sent } from '../../harness/conformance/index.js';
import { pollUntil } from '../../harness/poll.js';

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
  requirements: ['V4-01', 'V4-02', 'V4-03', 'V4-04', 'V4-05', 'V4-06', 'V4-07', 'V4-08', 'V4-09', 'V4-12'],
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

  c.step('mn1 reaches cn1 over IPv4 from its HoA through the tunnel (next header 4); a spoofed source is not tunnelled', async () => {
    const v = c.verdict('V4-09');
    const pcoa = c.address('mag1'), lmaa = c.address('lma1');
    const granted = await (await c.watch(['mag1-lma1'], true)).until((f) => {
      const x = mobilityOf(f);
      if (x?.mh.type !== 6 || findOption(x.mh.options, 8)?.id !== 'mn1@example.org') return undefined;
      const r = findOption(x.mh.options, 37), dr = findOption(x.mh.options, 38);
      return r?.status === 0 && dr !== undefined ? { hoa: r.address, len: r.prefixLength, router: dr.address } : undefined;
    }, { timeoutMs: 3000, what: 'the PBA granting mn1 an IPv4 HoA' });
    // Without a granted HoA and router (V4-01, V4-06, V4-07 judge why) there is no IPv4 traffic to judge.
    if (granted === null) { c.note('V4-09 not judged: no PBA granted mn1 an IPv4 HoA with a default router'); return; }
    const dp = c.tb.iut('mag1')?.dataplane?.backend;
    if (dp !== 'tun') { c.note(`V4-09 not judged: mag1 runs the ${dp ?? 'unknown'} data plane; pmipd carries IPv4 on tun only`); return; }
    await c.ip('lma1', ['-4', 'addr', 'add', '192.0.2.1/24', 'dev', 'eth2']);
    await c.ip('cn1', ['-4', 'addr', 'add', '192.0.2.2/24', 'dev', 'eth0'], ['-4', 'route', 'add', 'default', 'via', '192.0.2.1']);
    await c.ip('mn1', ['-4', 'addr', 'add', `${granted.hoa}/${granted.len}`, 'dev', 'eth0'], ['-4', 'route', 'add', 'default', 'via', granted.router],
      ['-4', 'addr', 'add', '10.99.99.99/32', 'dev', 'eth0']);
    const w = await c.watch(['mag1-lma1']);
    const ping = (src: string) => c.tb.exec('mn1', 'ping', ['-4', '-n', '-c', '1', '-W', '1', '-I', src, '192.0.2.2'], { reject: false });
    await pollUntil(async () => (await ping(granted.hoa)).exitCode === 0, { what: `an IPv4 ping mn1 (${granted.hoa}) -> cn1`, timeoutMs: 5000, maxIntervalMs: 200 });
    const seen = { up: false, down: false };
    await w.until((f) => {
      const o = f.frame.ipv6, i = f.frame.inner?.ipv4;
      if (o?.nextHeader !== 4 || i === undefined) return undefined;
      if (o.src === pcoa && o.dst === lmaa && i.src === granted.hoa) seen.up = true;
      if (o.src === lmaa && o.dst === pcoa && i.dst === granted.hoa) seen.down = true;
      return seen.up && seen.down ? true : undefined;
    }, { timeoutMs: 3000, what: 'the tunnelled IPv4 echo request and reply' });
    v.expect(seen.up && seen.down, { pass: `IPv4 ${granted.hoa} <-> 192.0.2.2 crossed ${pcoa} <-> ${lmaa} as next header 4, both ways`,
      fail: `IPv4 ${granted.hoa} <-> 192.0.2.2 as next header 4: uplink ${seen.up ? 'seen' : 'not seen'}, downlink ${seen.down ? 'seen' : 'not seen'}` },
    [], { field: 'outer next header / inner IPv4 src', expected: `4 / ${granted.hoa}`, seen: `up ${seen.up}, down ${seen.down}` });
    const spoofWatch = await c.watch(['mag1-lma1']);
    await ping('10.99.99.99');
    const spoofed = await spoofWatch.until((f) => (f.frame.ipv6?.nextHeader === 4 && f.frame.inner?.ipv4?.src === '10.99.99.99' ? true : undefined),
      { timeoutMs: 1500, what: 'a tunnelled packet from the spoofed source' });
    v.expect(spoofed === null, { pass: 'a packet from 10.99.99.99 (not mn1\'s HoA) was not tunnelled', fail: 'mag1 tunnelled a packet from 10.99.99.99, which is not mn1\'s IPv4 HoA' },
      [], { field: 'inner IPv4 src tunnelled', expected: `only ${granted.hoa}`, seen: spoofed === null ? 'only the HoA' : '10.99.99.99' });
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
