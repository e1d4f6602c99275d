// data-plane: the bidirectional tunnel between MAG and LMA, probed with packets no ordinary MN
// sends: ECN-marked traffic, a link-local source toward the Internet, and a tunnelled packet for
// a prefix nobody holds, tunnelled packets with chosen outer and inner ECN fields (catalog C.13).
//
// Purpose: RFC 2473 encapsulation with the ECN rules of §5.6.3 on entry and exit, the MAG refusing
// to forward link-local sources, and the MAG dropping decapsulated packets it has no link for.
// RFC 5213 §5.6.1, §5.6.2, §5.6.3, §6.10.2, §6.10.5; RFC 2473.
//
//   mn1 ── ap1 ── mag1 ══════ lma1 ── cn1          (topology.yaml; testers in mn1 and lma1)
//
//   mn1                  mag1                      lma1                  cn1
//    │══ echo ECT(0) ═══▶│═══ outer ECN ECT(0)? ═══▶│── echo ────────────▶│   FWD-06 uplink
//    │◀═ echo ECT(1) ════│◀══ outer ECN ECT(1)? ════│◀─ echo ECT(1) ──────│   FWD-06 downlink
//    │── echo src fe80:: ▶│  not forwarded                                      FWD-11
//                         │◀══ [cn1 → 2001:db8:8000:ff::1] ══ tester in lma1    FWD-14: nothing on ap1
//    │                   │                          │◀─ echo to mn1 ─────│   FWD-04: lma1's route for mn1's HNP
//    │                   │                          │  (route get: into the tunnel, not back out; the echo addressed to lma1)
//   ECN on tunnel exit (FWD-07), outer / inner ECN of a crafted tunnelled echo, each way:
//    │◀─ echo ECN seen? ──│◀══ outer X [cn1 → mn1, inner Y] ══ tester in lma1   MAG exit, on ap1
//         tester in mag1 ══ outer X [mn1 → cn1, inner Y] ══▶│── echo ECN seen? ─▶│   LMA exit, on lma1-cn1
//      CE over ECT(0) or ECT(1) → CE; ECT(0) over Not-ECT → Not-ECT; Not-ECT over CE → CE
import { conformanceCase, expect, type CaptureWatch, type LiveFrame } from '../../harness/conformance/index.js';
import type { TesterAgent } from '../../harness/active/agent-client.js';
import { echoRequest, ipv6InIpv6 } from '../../harness/active/stimulus.js';

const NOBODYS = '2001:db8:8000:ff::1';
const NOT_ECT = 0, ECT0 = 0x02, ECT1 = 0x01, CE = 0x03;
const ECN_NAME = ['Not-ECT', 'ECT(1)', 'ECT(0)', 'CE'];

/**
 * RFC 5213 §5.6.3 (RFC 3168 full functionality) on tunnel exit: [outer, inner, the inner ECN the
 * exit forwards]. Left out where RFC 6040 (which updates RFC 3168) differs: ECT(1) over ECT(0)
 * (RFC 6040 forwards ECT(1)) and CE over Not-ECT (RFC 6040 drops it).
 */
const EXIT_RULES: [number, number, number][] = [
  [CE, ECT0, CE],
  [CE, ECT1, CE],
  [ECT0, NOT_ECT, NOT_ECT],
  [NOT_ECT, CE, CE],
];

/** The tunnelled frame whose inner packet goes from `src` to `dst`, with its outer and inner ECN bits. */
function tunnelled(src: string, dst: string) {
  return (f: LiveFrame) => {
    const inner = f.frame.inner?.ipv6;
    if (f.frame.ipv6 === undefined || inner === undefined || inner.src !== src || inner.dst !== dst) return undefined;
    return { outer: f.frame.ipv6.trafficClass & 3, inner: inner.trafficClass & 3 };
  };
}

conformanceCase(import.meta.url, {
  name: 'data-plane',
  durationMs: 3500,
  purpose: 'the tunnel copies ECN on entry and propagates CE on exit; link-local sources are not forwarded; a decapsulated packet for no known prefix is dropped',
  rfc: ['5213 §5.6.1', '§5.6.2', '§5.6.3', '§6.10.2', '§6.10.5', '2473'],
  topology: 'topology.yaml',
  iut: { lma1: 'lma', mag1: 'mag' },
  requirements: ['FWD-01', 'FWD-02', 'FWD-03', 'FWD-04', 'FWD-06', 'FWD-07', 'FWD-10', 'FWD-11', 'FWD-14'],
}, (c) => {
  let address = '', cn = '';

  c.setup('mn1 attaches and configures an address', async () => {
    address = await c.tb.waitForAddress('mn1', { timeoutMs: 5000 });
    cn = await c.tb.addressOf('cn1');
  });

  const ecn = async (w: CaptureWatch, from: string, to: string, want: number, direction: string): Promise<void> => {
    const seen = await w.until(tunnelled(from, to), { timeoutMs: 2000, what: `the tunnelled ${direction} echo` });
    const v = c.verdict('FWD-06');
    if (seen === null) { v.fail(`no tunnelled ${direction} packet from ${from} to ${to} was seen`); return; }
    v.expect(seen.outer === want, { pass: `${direction}: inner ECN ${want} copied to the outer header`, fail: `${direction}: inner ECN ${seen.inner}, outer ECN ${seen.outer}` },
      [], { field: `outer ECN (${direction})`, expected: want, seen: seen.outer });
  };

  c.step('an ECT(0) echo from mn1 keeps its ECN field in the outer header up the tunnel', async () => {
    const w = await c.watch(['mag1-lma1']);
    await c.tb.exec('mn1', 'ping', ['-6', '-n', '-c', '1', '-W', '1', '-Q', String(ECT0), cn], { reject: false });
    await ecn(w, address, cn, ECT0, 'uplink');
  });

  c.step('an ECT(1) echo from cn1 keeps its ECN field in the outer header down the tunnel', async () => {
    const w = await c.watch(['mag1-lma1']);
    await c.tb.exec('cn1', 'ping', ['-6', '-n', '-c', '1', '-W', '1', '-Q', String(ECT1), address], { reject: false });
    await ecn(w, cn, address, ECT1, 'downlink');
  });

  c.step('lma1 attracts mn1\'s prefix: its route for it leads into the tunnel, and cn1\'s echo to mn1 is addressed to lma1', async () => {
    const core = c.topology.nodes.lma1!.interfaces.find((i) => i.peer === 'cn1')!.name;
    // The route a packet from cn1 to mn1 takes at lma1 (input routing, policy rules included).
    const r = await c.tb.exec('lma1', 'ip', ['-6', '-j', 'route', 'get', address, 'from', cn, 'iif', core], { reject: false });
    const route = r.exitCode === 0 ? (JSON.parse(r.stdout) as { type?: string; dev?: string }[])[0] : undefined;
    const seenRoute = route === undefined ? `none (${r.stderr.trim()})` : `${route.type ?? 'unicast'} dev ${route.dev ?? '?'}`;
    const attracted = route !== undefined && route.dev !== undefined && route.dev !== core && !['unreachable', 'blackhole', 'prohibit', 'throw'].includes(route.type ?? '');
    c.verdict('FWD-04').expect(attracted, { pass: `lma1 routes mn1's ${address} from cn1 into ${seenRoute}`, fail: `lma1 has no route into a tunnel for mn1's ${address}: ${seenRoute}` },
      [], { field: `lma1 route for ${address}`, expected: `a tunnel device, not ${core}`, seen: seenRoute });
    const mac = (JSON.parse((await c.tb.exec('lma1', 'ip', ['-j', 'link', 'show', 'dev', core])).stdout) as { address: string }[])[0]!.address;
    const w = await c.watch(['lma1-cn1']);
    await c.tb.exec('cn1', 'ping', ['-6', '-n', '-c', '1', '-W', '1', address], { reject: false });
    const to = await w.until((f) => (f.frame.ipv6?.src === cn && f.frame.ipv6.dst === address && f.frame.icmpv6?.name === 'echo-request' ? (f.frame.link?.kind === 'ethernet' ? f.frame.link.dst : '?') : undefined), { timeoutMs: 2000, what: 'cn1\'s echo to mn1 on lma1-cn1' });
    c.verdict('FWD-04').expect(to === mac, { pass: `cn1's echo to ${address} goes to lma1 (${mac})`, fail: `cn1's echo to ${address} ${to === null ? 'was not seen' : `went to ${to}, not lma1 (${mac})`}` },
      [], { field: 'Ethernet destination', expected: mac, seen: to ?? 'no echo' });
  });

  c.step('mn1 sends from its link-local address to cn1: the MAG forwards nothing of it', async () => {
    const ll = `fe80${c.topology.nodes.mn1!.mn!.iid}`;
    const agent = await c.agent('mn1', { addresses: [address] });
    const [acc, up] = await Promise.all([c.watch(['ap1']), c.watch(['mag1-lma1', 'lma1-cn1'])]);
    await agent.send(echoRequest(ll, cn, { id: 0x1111 }), cn);
    const fromLl = (f: LiveFrame) => (f.frame.ipv6?.src === ll && f.frame.icmpv6?.type === 128) || f.frame.inner?.ipv6?.src === ll ? true : undefined;
    const sent = await acc.until(fromLl, { timeoutMs: 1000, what: 'the link-local echo on ap1' });
    expect(sent, 'the link-local echo on mn1\'s link').to.be.observed;
    // Forwarding takes well under a millisecond on these links; a second is generous.
    const leaked = await up.until(fromLl, { timeoutMs: 1000, what: 'the link-local echo beyond mag1' });
    c.verdict('FWD-11').expect(leaked === null, { pass: 'the echo from mn1\'s link-local address went no further than its link', fail: 'the echo from mn1\'s link-local address was forwarded beyond mag1' },
      [], { field: 'packet from fe80:: beyond the MAG', expected: 'none', seen: leaked === null ? 'none' : 'forwarded' });
    expect(leaked, 'the link-local echo beyond mag1').not.to.be.observed;
  });

  let lmaTester: Promise<TesterAgent> | undefined;
  const testerInLma = () => (lmaTester ??= c.agent('lma1'));

  c.step(`a packet for ${NOBODYS} (no MN's prefix) tunnelled to mag1 is dropped there`, async () => {
    const lmaa = c.address('lma1'), pcoa = c.address('mag1');
    const agent = await testerInLma();
    const [trn, acc] = await Promise.all([c.watch(['mag1-lma1']), c.watch(['ap1'])]);
    await agent.send(ipv6InIpv6(lmaa, pcoa, echoRequest(cn, NOBODYS, { id: 0x2222 })), pcoa);
    const toNobody = (f: LiveFrame) => (f.frame.ipv6?.dst === NOBODYS || f.frame.inner?.ipv6?.dst === NOBODYS ? true : undefined);
    expect(await trn.until(toNobody, { timeoutMs: 1000, what: 'the crafted tunnelled packet on mag1-lma1' }), 'the crafted tunnelled packet reaching mag1').to.be.observed;
    const out = await acc.until(toNobody, { timeoutMs: 1000, what: `a packet for ${NOBODYS} on ap1` });
    c.verdict('FWD-14').expect(out === null, { pass: `the decapsulated packet for ${NOBODYS} was dropped`, fail: `the decapsulated packet for ${NOBODYS} went out on mn1's link` },
      [], { field: `packet for ${NOBODYS} on the access link`, expected: 'none', seen: out === null ? 'none' : 'sent' });
  });

  /**
   * The far end of the tunnel sends `exit` an echo with outer ECN `outer` around inner ECN
   * `inner`; judged by the ECN field of its decapsulated copy on the exit's far link.
   */
  let magTester: Promise<TesterAgent> | undefined;
  const exitEcn = async (exit: 'mag1' | 'lma1', [outer, inner, want]: [number, number, number], id: number): Promise<void> => {
    const lmaa = c.address('lma1'), pcoa = c.address('mag1');
    const downlink = exit === 'mag1';
    const [src, dst] = downlink ? [cn, address] : [address, cn];
    const agent = downlink ? await testerInLma() : await (magTester ??= c.agent('mag1', { addresses: [pcoa] }));
    const point = downlink ? 'ap1' : 'lma1-cn1';
    const w = await c.watch([point]);
    const [from, to] = downlink ? [lmaa, pcoa] : [pcoa, lmaa];
    await agent.send(ipv6InIpv6(from, to, echoRequest(src, dst, { id, trafficClass: inner }), outer), to);
    const seen = await w.until((f) => {
      const ip = f.frame.ipv6, icmp = f.frame.icmpv6;
      return f.frame.inner === undefined && ip?.src === src && ip.dst === dst && icmp?.name === 'echo-request' && icmp.id === id ? ip.trafficClass & 3 : undefined;
    }, { timeoutMs: 1000, what: `the decapsulated echo on ${point}` });
    const what = `${exit} decapsulating ${ECN_NAME[outer]} over ${ECN_NAME[inner]}`;
    const v = c.verdict('FWD-07');
    if (seen === null) v.fail(`${what}: nothing reached ${point}`, [], { field: `inner ECN on ${point}`, expected: ECN_NAME[want]!, seen: 'no packet' });
    else v.expect(seen === want, { pass: `${what}: ${ECN_NAME[seen]} on ${point}`, fail: `${what}: ${ECN_NAME[seen]} on ${point}` },
      [], { field: `inner ECN on ${point}`, expected: ECN_NAME[want]!, seen: ECN_NAME[seen]! });
  };

  for (const exit of ['mag1', 'lma1'] as const) {
    c.step(`${exit} decapsulates crafted tunnelled echoes: an outer CE marks an ECT inner packet CE, and nothing else changes the inner ECN field`, async () => {
      for (const [k, rule] of EXIT_RULES.entries()) await exitEcn(exit, rule, (exit === 'mag1' ? 0x3300 : 0x4400) + k);
    });
  }
});
