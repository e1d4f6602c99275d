// chain-mtu: a link in the middle of the chain (r1-r2) has a smaller MTU than the MAG's own
// links, so only a Packet Too Big from r1 tells the MAG that its tunnel's path got narrower
// (catalog C.12, C.13).
//
// Purpose: a full-size MN packet (as large as the RA's MTU) that no longer fits the tunnel's path
// is not silently lost for good: once r1 has reported the path MTU, the MAG (the tunnel's entry
// point) answers the next such packet with a Packet Too Big of its own toward the MN, giving the
// tunnel MTU (path MTU − 40) and quoting the MN's packet, or else carries it whole; the MNs hear
// the new MTU in an RA; and the MN's traffic at the new size gets through.
// RFC 5213 §6.9.5, §6.10.5 (RFC 2473 rules apply); RFC 2473 §7.1; RFC 8201 §4.
//
//   mn1 ─ ap1 ─ mag1 ─ r1 ═(MTU 1400)═ r2 ─ lma1 ─ cn1      (../../topologies/domain-chaining.yaml)
//
//   mn1                  mag1                 r1                  r2 ... cn1
//    │◀─ RA MTU 1460 ─────│                    │                    │                 RA-10
//   r1-r2 MTU → 1400
//    │══ echo 1460 ══════▶│══ [pCoA → LMAA] 1500 ══▶│ ✕ too big        │                 step 2
//    │                    │◀─ PTB MTU 1400 ──────────│                                 (r1, about the tunnel)
//    │◀─ RA MTU 1360 ─────│                                                            RA-11
//    │══ echo 1460 ══════▶│                                                            step 3: FWD-05
//    │◀─ PTB MTU 1360 [mn1 → cn1] ──│  (or the echo carried whole to cn1)
//    │══ echo 1460 in fragments ≤ 1360 ═══▶│══════════════════════════════▶│══ cn1   step 4
//   (cn1's full-size reply meets the same narrow link on the LMA's side: not judged here)
import { conformanceCase, expect, type LiveFrame } from '../../harness/conformance/index.js';

const LINK_MTU = 1500;
const NARROW_MTU = 1400;
const TUNNEL_OVERHEAD = 40;
/** An echo request filling an IPv6 packet of the RA's MTU (IPv6 40, ICMPv6 8 octets). */
const FULL_SIZE_PAYLOAD = LINK_MTU - TUNNEL_OVERHEAD - 48;

conformanceCase(import.meta.url, {
  name: 'chain-mtu',
  durationMs: 5000,
  purpose: 'a narrower link between two routers of the chain: the MAG learns the path MTU from a Packet Too Big, tells the MN with its own Packet Too Big and an RA, and full-size traffic gets through again',
  rfc: ['5213 §6.9.5', '§6.10.5', '2473 §7.1', '8201 §4'],
  topology: '../../topologies/domain-chaining.yaml',
  iut: { lma1: 'lma', mag1: 'mag', mag2: 'mag' },
  requirements: ['RA-10', 'RA-11', 'FWD-05'],
}, (c) => {
  let address = '', cn = '';

  c.setup('mn1 attaches to mag1 and configures an address; it will not take an MTU from RAs', async () => {
    address = await c.tb.waitForAddress('mn1', { timeoutMs: 5000 });
    cn = c.address('cn1');
    // So that mn1 goes on sending full-size packets after mag1's RA announces the smaller MTU, and
    // only the Packet Too Big of step 3 can tell it (the RA itself is judged on the wire: RA-11).
    const ifname = c.topology.nodes.mn1!.mn!.ifname;
    await c.tb.exec('mn1', 'sysctl', ['-q', '-w', `net.ipv6.conf.${ifname}.accept_ra_mtu=0`]);
  });

  /** One full-size echo from mn1 to cn1, by default "do not fragment" (ping -M do); its reply is not needed. */
  const bigEcho = (extra: string[] = ['-M', 'do']) =>
    c.tb.exec('mn1', 'ping', ['-6', '-n', '-c', '1', '-W', '1', ...extra, '-s', String(FULL_SIZE_PAYLOAD), cn], { reject: false });

  c.step(`the r1-r2 link shrinks to ${NARROW_MTU}; a full-size echo from mn1 makes r1 send mag1 a Packet Too Big about the tunnel`, async () => {
    const link = c.topology.links.find((l) => l.ends.every((e) => e.node === 'r1' || e.node === 'r2'))!;
    for (const e of link.ends) await c.tb.exec(e.node, 'ip', ['link', 'set', 'dev', e.ifname, 'mtu', String(NARROW_MTU)]);
    const w = await c.watch(['mag1-r1']);
    await bigEcho();
    const ptb = await w.until((f) => (f.frame.icmpv6?.name === 'packet-too-big' && f.frame.ipv6?.dst === c.address('mag1') ? f.frame.icmpv6.mtu : undefined),
      { timeoutMs: 2000, what: 'a Packet Too Big to mag1 on mag1-r1' });
    expect(ptb, `r1's Packet Too Big to mag1 (within 2 s)`).to.equal(NARROW_MTU);
  });

  c.step(`mag1 announces MTU ${NARROW_MTU - TUNNEL_OVERHEAD} to mn1, and answers the next full-size echo with a Packet Too Big quoting it (or carries it whole)`, async () => {
    const want = NARROW_MTU - TUNNEL_OVERHEAD;
    const [acc, core] = await Promise.all([c.watch(['ap1'], true), c.watch(['lma1-cn1'])]);
    // The RA may have gone out as soon as r1's Packet Too Big came in: read ap1 from its start.
    let lastRaMtu: number | 'no MTU' | 'no RA' = 'no RA';
    const ra = await acc.until((f) => {
      if (f.frame.icmpv6?.name !== 'RA') return undefined;
      lastRaMtu = f.frame.icmpv6.mtu ?? 'no MTU';
      return typeof lastRaMtu === 'number' && lastRaMtu <= want ? f : undefined;
    }, { timeoutMs: 2000, what: `an RA on ap1 announcing at most ${want}` });
    c.verdict('RA-11').expect(ra !== null,
      { pass: `after r1 reported MTU ${NARROW_MTU}, mag1's RA announces MTU ${String(lastRaMtu)}`, fail: `after r1 reported MTU ${NARROW_MTU}, mag1's last RA announces ${String(lastRaMtu)}` },
      [], { field: 'RA MTU option', expected: `<= ${want}`, seen: lastRaMtu });

    const acc2 = await c.watch(['ap1']);
    await bigEcho();
    const ptb = await acc2.until((f: LiveFrame) => {
      const m = f.frame.icmpv6;
      return m?.name === 'packet-too-big' && f.frame.ipv6?.dst === address ? { mtu: m.mtu, quoted: m.invoking?.ipv6 } : undefined;
    }, { timeoutMs: 1500, what: 'a Packet Too Big to mn1 on ap1' });
    const whole = ptb === null ? await core.until((f) => (f.frame.ipv6?.src === address && f.frame.icmpv6?.type === 128 && f.frame.ipv6.payloadLength === FULL_SIZE_PAYLOAD + 8 ? true : undefined),
      { timeoutMs: 500, what: 'the full-size echo on lma1-cn1' }) : null;
    const v = c.verdict('FWD-05');
    if (whole !== null) v.pass(`the full-size echo from ${address} reached cn1 whole through the narrower path`);
    else if (ptb === null) v.fail(`the full-size echo from ${address} vanished: neither a Packet Too Big to mn1 nor the echo at cn1`, [], { field: 'answer to a packet larger than the tunnel MTU', expected: `Packet Too Big, MTU ${want}`, seen: 'nothing' });
    else {
      const quotesIt = ptb.quoted?.src === address && ptb.quoted.dst === cn;
      v.expect(ptb.mtu === want && quotesIt,
        { pass: `mag1 answered the full-size echo with a Packet Too Big, MTU ${ptb.mtu}, quoting mn1's packet`, fail: `the Packet Too Big to mn1 says MTU ${ptb.mtu}${quotesIt ? '' : ' and does not quote mn1\'s echo'}` },
        [], { field: 'Packet Too Big to the MN', expected: `MTU ${want}, quoting ${address} > ${cn}`, seen: `MTU ${ptb.mtu}, quoting ${ptb.quoted?.src ?? '?'} > ${ptb.quoted?.dst ?? '?'}` });
    }
  });

  c.step('mn1 sends the same payload again, now in fragments within the new MTU: they reach cn1', async () => {
    const core = await c.watch(['lma1-cn1']);
    await bigEcho([]);
    // Only the way up is judged: the LMA's side of the path MTU (cn1's full-size reply) is not.
    const fragment = await core.until((f) => (f.frame.ipv6?.src === address && f.frame.ipv6.extensionHeaders.some((h) => h.name === 'fragment') ? f.frame.ipv6.payloadLength + 40 : undefined),
      { timeoutMs: 2000, what: `a fragment from ${address} on lma1-cn1` });
    expect(fragment, `a fragment of mn1's echo at cn1 (within 2 s)`).to.be.observed;
    expect(fragment!, 'its size').to.be.at.most(NARROW_MTU - TUNNEL_OVERHEAD);
  });
});
