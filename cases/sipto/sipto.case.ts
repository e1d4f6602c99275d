// sipto: selective IPv4 traffic offload at the MAG (RFC 6909; the seed's SIPTO over WLAN: "not
// all traffic needs to be routed back to the home network"). The LMA authorises offload of
// 198.51.100.0/24 (the internet, behind the local gateway lgw1); every other IPv4 flow of the MN
// goes home through the tunnel.
//
// Purpose: the MAG asks for offload in its PBU, the LMA grants its selector in the PBA (and only
// then: X-OFF-01); the MN's flow to the internet server leaves at the MAG by its breakout link,
// NATed to the MAG's breakout address, and never enters the tunnel (X-OFF-02); its flow to cn1 in
// the home network is tunnelled and never broken out (X-OFF-03); after a handover the new MAG
// breaks the flow out at its own breakout link with its own address, and the old MAG has removed
// its breakout rules (X-OFF-04). IPv6: a domain policy (RFC 6909 signals IPv4 only) breaks out
// the flows from mn1's HNP to 2001:db8:ff::/64 at mag1 with NAT66, the rest is tunnelled (X-OFF-05).
// What pmipd's policy says for a handover: offloaded flows have no
// mobility (their NAT state stays at the old MAG); the new MAG applies the policy it is granted
// anew, so new flows break out there. The case configures mn1's IPv4 HoA itself (no DHCPv4 yet)
// and, after the move, flushes mn1's ARP cache as an MN re-attaching to a WLAN would.
// RFC 6909 §3, §3.1, §3.2; RFC 6088 §3.1; RFC 5844 §3.2.4; RFC 5213 §6.10.5. X-OFF rows are project-local
// (harness/catalog/local-requirements.ts): the shared catalog has no offload rows.
//
//   mn1 ─ ap1 ─ mag1 ══╗   mag1 brk0 100.64.1.2 ─┐
//     ┊                 ╠═ lma1 ─ cn1 192.0.2.2   lgw1 198.51.100.10     (topologies/sipto.yaml)
//     └┈▶ ap2 ─ mag2 ══╝   mag2 brk0 100.64.2.2 ─┘
//
//   mn1          mag1                     lma1                 lgw1 / cn1
//    │            │── PBU + option 53 ─────▶│  X-OFF-01            │
//    │            │◀─ PBA + 53 [dst 198.51.100.0/24] ─│           │
//    │── ping 198.51.100.10 ─▶│── brk0, src 100.64.1.2 (NAT44) ───────▶│ lgw1   X-OFF-02 (not in the tunnel)
//    │── ping 192.0.2.2 ──────▶│══ tunnel, NH 4 ═══▶│────────────────▶│ cn1    X-OFF-03 (not on brk0)
//    │── ping6 2001:db8:ff::10 ▶│── brk0, src 2001:db8:f1::1 (NAT66) ───▶│ lgw1   X-OFF-05; ping6 cn1 tunnelled
//    ┊ moves to ap2: mag2 PBU + 53, PBA + 53; mag1 de-registers and removes its rules
//    │── ping 198.51.100.10 ─▶ mag2 ── brk0, src 100.64.2.2 ─────────▶│ lgw1   X-OFF-04
//    ╳ leaves: mag2 PBU L=0 (no 53) ─▶ lma1, PBA without 53               X-OFF-01; mag2's rules gone
import { findOption, findOptions, type DecodedPacket } from '../../wire/index.js';
import { conformanceCase, expect, mobilityOf, type CaseRun } from '../../harness/conformance/index.js';
import { pollUntil } from '../../harness/poll.js';

const NAI = 'mn1@example.org';
const INTERNET = '198.51.100.10';
const INTERNET6 = '2001:db8:ff::10';
const CN = '192.0.2.2';
/** The breakout links' IPv6 prefixes are fixed in topologies/sipto.yaml (MAG ::1, lgw1 ::2). */
const BREAKOUT = {
  mag1: { interface: 'brk0', address: '100.64.1.2/24', gateway: '100.64.1.1', gateway6: '2001:db8:f1::2' },
  mag2: { interface: 'brk0', address: '100.64.2.2/24', gateway: '100.64.2.1', gateway6: '2001:db8:f2::2' },
};
/** Project-local rows (harness/catalog/local-requirements.ts). */
const GRANT = 'X-OFF-01', OFFLOADED = 'X-OFF-02', TUNNELLED = 'X-OFF-03', AFTER_HANDOVER = 'X-OFF-04', IPV6 = 'X-OFF-05';

conformanceCase(import.meta.url, {
  name: 'sipto',
  durationMs: 20_000,
  purpose: 'the LMA grants IPv4 offload with a traffic selector; the MAG breaks the matching flow out locally with NAT44, tunnels the rest, and the new MAG does the same after a handover',
  rfc: ['6909 §3', '§3.1', '§3.2', '6088 §3.1', '5844 §3.2.4'],
  topology: '../../topologies/sipto.yaml',
  iut: { lma1: 'lma', mag1: 'mag', mag2: 'mag' },
  domain: { offload: { ipv4: [{ dst: '198.51.100.0/24' }], ipv6: ['2001:db8:ff::/64'], mags: BREAKOUT } },
  needs: ['nft-masquerade'],
  requirements: [GRANT, OFFLOADED, TUNNELLED, AFTER_HANDOVER, IPV6],
}, (c) => {
  let hoa = '', router = '', len = 0, hnpAddress = '';

  const ping = (dst: string) => c.tb.exec('mn1', 'ping', ['-4', '-n', '-c', '1', '-W', '1', '-I', hoa, dst], { reject: false });
  /** Whether a ping is answered within 4 s; a broken breakout sends the requests all the same (what the verdicts look at). */
  const answered = (dst: string) => pollUntil(async () => (await ping(dst)).exitCode === 0, { what: `an IPv4 ping mn1 (${hoa}) -> ${dst}`, timeoutMs: 4000, maxIntervalMs: 200 })
    .then(() => true, () => false);

  c.setup('IPv4 on lgw1 (the internet server on its loopback), lma1 and cn1; mag1 registers mn1 with an IPv4 HoA and an offload grant', async () => {
    const granted = await (await c.watch(['mag1-lma1'], true)).until((f) => {
      const x = mobilityOf(f);
      if (x?.mh.type !== 6 || findOption(x.mh.options, 8)?.id !== NAI) return undefined;
      const r = findOption(x.mh.options, 37), dr = findOption(x.mh.options, 38);
      return r?.status === 0 && dr !== undefined ? { hoa: r.address, len: r.prefixLength, router: dr.address } : undefined;
    }, { timeoutMs: 5000, what: 'the PBA granting mn1 an IPv4 HoA' });
    expect(granted, 'a PBA granting mn1 an IPv4 HoA with a default router (within 5 s)').to.be.observed;
    ({ hoa, len, router } = granted!);
    hnpAddress = await c.tb.waitForAddress('mn1', { timeoutMs: 5000 });
    await c.ip('lgw1', ['-4', 'addr', 'add', '100.64.1.1/24', 'dev', 'eth0'], ['-4', 'addr', 'add', '100.64.2.1/24', 'dev', 'eth1'], ['-4', 'addr', 'add', `${INTERNET}/32`, 'dev', 'lo'], ['-6', 'addr', 'add', `${INTERNET6}/128`, 'dev', 'lo']);
    await c.ip('lma1', ['-4', 'addr', 'add', '192.0.2.1/24', 'dev', 'eth2']);
    await c.ip('cn1', ['-4', 'addr', 'add', `${CN}/24`, 'dev', 'eth0'], ['-4', 'route', 'add', 'default', 'via', '192.0.2.1']);
    await c.ip('mn1', ['-4', 'addr', 'add', `${hoa}/${len}`, 'dev', 'eth0'], ['-4', 'route', 'add', 'default', 'via', router]);
  });

  c.step('mag1 asked for offload and lma1 granted the 198.51.100.0/24 selector (the passive check judges every PBA)', async () => {
    const pba = await (await c.watch(['mag1-lma1'], true)).until((f) => {
      const x = mobilityOf(f);
      return x?.mh.type === 6 && findOption(x.mh.options, 8)?.id === NAI && findOptions(x.mh.options, 53).length > 0 ? x : undefined;
    }, { timeoutMs: 2000, what: 'a PBA to mag1 carrying an IPv4 Traffic Offload Selector' });
    expect(pba, 'a PBA to mag1 granting offload').to.be.observed;
  });

  c.step(`mn1's ping to the internet server ${INTERNET} leaves at mag1's breakout NATed to 100.64.1.2; its ping to cn1 goes through the tunnel`, async () => {
    if (c.tb.iut('mag1')?.dataplane?.backend !== 'tun') { c.note(`${OFFLOADED}, ${TUNNELLED} not judged: mag1 does not run the tun data plane (pmipd carries IPv4 on tun only)`); return; }
    let ok = false;
    const seen = await flowSeen(c, 'mag1', async () => { ok = await answered(INTERNET); }, INTERNET, hoa);
    c.verdict(OFFLOADED).expect(seen.breakoutFrom === '100.64.1.2' && !seen.tunnelled && ok, {
      pass: `the echo to ${INTERNET} left by mag1-breakout from 100.64.1.2, never entered the tunnel, and was answered`,
      fail: `the echo to ${INTERNET}: breakout source ${seen.breakoutFrom ?? 'not seen'}, in the tunnel: ${seen.tunnelled ? 'yes' : 'no'}, answered: ${ok ? 'yes' : 'no'}`,
    }, [], { field: 'breakout source / tunnelled / answered', expected: '100.64.1.2 / no / yes', seen: `${seen.breakoutFrom ?? 'none'} / ${seen.tunnelled ? 'yes' : 'no'} / ${ok ? 'yes' : 'no'}` });
    const home = await flowSeen(c, 'mag1', async () => { ok = await answered(CN); }, CN, hoa);
    c.verdict(TUNNELLED).expect(home.tunnelled && home.breakoutFrom === null && ok, {
      pass: `the echo to cn1 ${CN} crossed the tunnel as next header 4, never the breakout link, and was answered`,
      fail: `the echo to cn1 ${CN}: in the tunnel: ${home.tunnelled ? 'yes' : 'no'}, on the breakout link from ${home.breakoutFrom ?? 'nowhere'}, answered: ${ok ? 'yes' : 'no'}`,
    }, [], { field: 'tunnelled / breakout / answered', expected: 'yes / none / yes', seen: `${home.tunnelled ? 'yes' : 'no'} / ${home.breakoutFrom ?? 'none'} / ${ok ? 'yes' : 'no'}` });
  });

  c.step(`mn1's IPv6 ping to ${INTERNET6} (the domain's IPv6 offload prefix) leaves at mag1's breakout NATed to 2001:db8:f1::1; its IPv6 ping to cn1 goes through the tunnel`, async () => {
    const ping6 = (dst: string) => pollUntil(async () => (await c.tb.exec('mn1', 'ping', ['-6', '-n', '-c', '1', '-W', '1', '-I', hnpAddress, dst], { reject: false })).exitCode === 0,
      { what: `an IPv6 ping mn1 (${hnpAddress}) -> ${dst}`, timeoutMs: 4000, maxIntervalMs: 200 }).then(() => true, () => false);
    let out = false, home = false;
    const seen = await flowSeen(c, 'mag1', async () => { out = await ping6(INTERNET6); }, INTERNET6, hnpAddress);
    const cn = c.address('cn1');
    const homeSeen = await flowSeen(c, 'mag1', async () => { home = await ping6(cn); }, cn, hnpAddress);
    const ok = seen.breakoutFrom === '2001:db8:f1::1' && !seen.tunnelled && out && homeSeen.tunnelled && homeSeen.breakoutFrom === null && home;
    c.verdict(IPV6).expect(ok, {
      pass: `the echo to ${INTERNET6} left by mag1-breakout from 2001:db8:f1::1 (NAT66), never entered the tunnel; the echo to cn1 ${cn} crossed the tunnel only; both answered`,
      fail: `the echo to ${INTERNET6}: breakout source ${seen.breakoutFrom ?? 'not seen'}, tunnelled ${seen.tunnelled ? 'yes' : 'no'}, answered ${out ? 'yes' : 'no'}; to cn1: tunnelled ${homeSeen.tunnelled ? 'yes' : 'no'}, breakout source ${homeSeen.breakoutFrom ?? 'none'}, answered ${home ? 'yes' : 'no'}`,
    }, [], { field: 'internet: breakout source / tunnelled; cn1: tunnelled / breakout', expected: '2001:db8:f1::1 / no; yes / none', seen: `${seen.breakoutFrom ?? 'none'} / ${seen.tunnelled ? 'yes' : 'no'}; ${homeSeen.tunnelled ? 'yes' : 'no'} / ${homeSeen.breakoutFrom ?? 'none'}` });
  });

  c.step('mn1 moves to ap2: mag2 is granted offload, breaks the flow to the internet out at its own breakout; mag1 removed its breakout rules', async () => {
    const w = await c.watch(['mag2-lma1']);
    await c.tb.handover('mn1', 'ap2');
    const pba = await w.until((f) => {
      const x = mobilityOf(f);
      return x?.mh.type === 6 && x.mh.status === 0 && findOption(x.mh.options, 8)?.id === NAI && findOptions(x.mh.options, 53).length > 0 ? x : undefined;
    }, { timeoutMs: 5000, what: 'the PBA to mag2 granting offload' });
    expect(pba, 'the PBA to mag2 granting offload (within 5 s)').to.be.observed;
    if (c.tb.iut('mag2')?.dataplane?.backend !== 'tun') { c.note(`${AFTER_HANDOVER} not judged: mag2 does not run the tun data plane`); return; }
    // The same router address, now mag2's MAC: a re-attaching MN resolves it again.
    await c.ip('mn1', ['-4', 'neigh', 'flush', 'dev', 'eth0']);
    const oldRulesGone = await pollUntil(async () => !(await c.tb.exec('mag1', 'ip', ['-4', 'rule', 'show'])).stdout.includes(`from ${hoa} iif`), { what: 'mag1 removing its rules for mn1', timeoutMs: 8000, maxIntervalMs: 250 })
      .then(() => true, () => false);
    let ok = false;
    const seen = await flowSeen(c, 'mag2', async () => { ok = await answered(INTERNET); }, INTERNET, hoa, 'mag1');
    c.verdict(AFTER_HANDOVER).expect(seen.breakoutFrom === '100.64.2.2' && !seen.tunnelled && !seen.atOldMag && oldRulesGone && ok, {
      pass: `after the handover the echo to ${INTERNET} left by mag2-breakout from 100.64.2.2, not through mag2's tunnel nor mag1; mag1 holds no rule for ${hoa}`,
      fail: `after the handover: mag2 breakout source ${seen.breakoutFrom ?? 'not seen'}, in mag2's tunnel: ${seen.tunnelled ? 'yes' : 'no'}, on mag1's breakout: ${seen.atOldMag ? 'yes' : 'no'}, mag1's rules removed: ${oldRulesGone ? 'yes' : 'no'}, answered: ${ok ? 'yes' : 'no'}`,
    }, [], { field: 'mag2 breakout source / tunnelled / mag1 rules', expected: '100.64.2.2 / no / removed', seen: `${seen.breakoutFrom ?? 'none'} / ${seen.tunnelled ? 'yes' : 'no'} / ${oldRulesGone ? 'removed' : 'still there'}` });
  });

  // The de-registration PBU asks for nothing: its PBA must grant nothing (X-OFF-01, passive).
  c.step('mn1 leaves ap2: mag2 de-registers it (no offload asked, none granted) and removes its breakout rules', async () => {
    const w = await c.watch(['mag2-lma1']);
    await c.tb.detach('mn1');
    const ack = await w.until((f) => { const x = mobilityOf(f); return x?.mh.type === 6 && x.mh.lifetimeUnits === 0 ? x : undefined; },
      { timeoutMs: 5000, what: 'the PBA to mag2\'s de-registration' });
    expect(ack, 'the PBA to mag2\'s de-registration (within 5 s)').to.be.observed;
    await pollUntil(async () => !(await c.tb.exec('mag2', 'ip', ['-4', 'rule', 'show'])).stdout.includes(`from ${hoa} iif`), { what: 'mag2 removing its breakout rules for mn1', timeoutMs: 3000, maxIntervalMs: 100 });
  });
});

interface FlowSighting {
  /** Source of the echo request to `dst` seen on `mag`'s breakout link (null: none seen). */
  breakoutFrom: string | null;
  /** The echo request to `dst` seen inside `mag`'s tunnel (next header 4 or 41). */
  tunnelled: boolean;
  /** The echo request to `dst` seen on `old`'s breakout link. */
  atOldMag: boolean;
}

/** An echo request (ICMP or ICMPv6) to `dst` as the outermost packet of `p`, or null. */
function echoTo(p: DecodedPacket | undefined, dst: string): { src: string } | null {
  if (p?.ipv4?.dst === dst && p.ipv4.protocol === 1) return p.ipv4;
  if (p?.ipv6?.dst === dst && p.icmpv6?.type === 128) return p.ipv6;
  return null;
}

/** Where the echo requests `send` makes from `source` toward `dst` appear: `mag`'s breakout link and tunnel (and `old`'s breakout). */
async function flowSeen(c: CaseRun, mag: string, send: () => Promise<unknown>, dst: string, source: string, old?: string): Promise<FlowSighting> {
  const [breakout, tunnel, oldBreakout] = await Promise.all([c.watch([`${mag}-breakout`]), c.watch([`${mag}-lma1`]),
    old !== undefined ? c.watch([`${old}-breakout`]) : Promise.resolve(null)]);
  await send();
  const opts = { timeoutMs: 1500, what: `the echo requests to ${dst}` };
  const [from, tunnelled, atOld] = await Promise.all([
    breakout.until((f) => echoTo(f.frame, dst)?.src, opts),
    tunnel.until((f) => (f.frame.ipv6 !== undefined && f.frame.inner !== undefined && echoTo(f.frame.inner, dst)?.src === source ? true : undefined), opts),
    oldBreakout === null ? Promise.resolve(null) : oldBreakout.until((f) => (echoTo(f.frame, dst) !== null ? true : undefined), opts),
  ]);
  return { breakoutFrom: from, tunnelled: tunnelled === true, atOldMag: atOld === true };
}
