// ipv4-transport: PMIPv6 between MAGs and an LMA that reach each other over IPv4 only (RFC 5844 §4).
// mag1 registers mn1 with Mobility Headers in UDP 5436 and tunnels its IPv6 and IPv4 traffic in
// plain IPv4 (protocol 41 / 4); mag2 asks for IPv4-UDP encapsulation (F = 1) from an LMA whose
// AcceptForcedIPv4UDPEncapsulationRequest is 0, and is refused with 129; the LMA revokes mn1 over
// the same UDP ports and addresses as the last successful PBU exchange.
//
// Purpose: the IPv4 transport of RFC 5844 §4: signalling (V4-13), the F flag and the data
// encapsulation it decides (V4-14), Binding Revocation over it (BR-10).
// RFC 5844 §4.1.3.1, §4.1.3.2, §4.1.4.1, §4.2.2.1, §4.2.2.2; RFC 5846 §4. pmipd tunnels over IPv4
// on its tun back-end only (the kernel back-ends it drives are IPv6 tunnels).
//
//   mn1 (dual) ─ ap1 ─ mag1 ══ 192.0.2.0/24 ══ lma1 ─ cn1      mn2 ─ ap2 ─ mag2 ══ 198.51.100.0/24 ══ lma1
//                                                            (topology.yaml; IPv4-LMAA 192.0.2.2)
//
//   mag1 (192.0.2.1)                 lma1 (192.0.2.2)                   mag2 (198.51.100.1)
//    │── UDP 5436>5436 PBU mn1, ck 0 ──▶│   V4-13                            │
//    │◀─ UDP 5436>5436 PBA 0, ck 0 ─────│   V4-13                            │
//    │══ IPv4 proto 41 / 4 (mn1<>cn1) ══│   V4-14 (F = 0: plain IPv4)        │
//    │                                  │◀── UDP PBU mn2, F = 1 ─────────────│
//    │                                  │─── PBA 129 ───────────────────────▶│  V4-14 (Accept... = 0)
//    │                                  │◀── UDP PBU, MH ck 0xbeef ──────────│  from a probe address on
//    │                                  │─── PBA (154) to that port ────────▶│  mag2, any port: V4-14
//    │◀═ UDP 5436 Heartbeats, ck 0 ════▶│   every 1 s: V4-13                 │
//    │◀─ UDP 5436>5436 BRI mn1 ─────────│   revoke mn1: BR-10                │
//    │── UDP 5436>5436 BRA ────────────▶│   BR-10                            │
import { decodeMobilityHeader, encodeMobilityHeader, findOption, fromHex, toHex, type MobilityHeader } from '../../wire/index.js';
import { conformanceCase, expect, type LiveFrame } from '../../harness/conformance/index.js';
import { pollUntil } from '../../harness/poll.js';

const MN1 = 'mn1@example.org', MN2 = 'mn2@example.org', PROBE = 'probe@example.org';
/** The probe's source: no MAG of the domain (its PBU gets 154), declared a tester. */
const PROBE_SRC = '198.51.100.9';
/** Sends argv[3] (hex) over UDP from argv[1] (an ephemeral port) to argv[2]:5436; prints the reply (hex). */
const SEND_MH = `import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((sys.argv[1], 0))
s.settimeout(3)
s.sendto(bytes.fromhex(sys.argv[3]), (sys.argv[2], 5436))
print(s.recvfrom(4096)[0].hex())
`;
const LMAA4 = '192.0.2.2';
const CN4 = '203.0.113.2', CN4_ROUTER = '203.0.113.1';

/** A Mobility Header over IPv4/UDP. */
function udpMh(f: LiveFrame): { src: string; dst: string; sport: number; dport: number; mh: MobilityHeader } | undefined {
  const { mh, ipv4, udp } = f.frame;
  return mh !== undefined && ipv4 !== undefined && udp !== undefined ? { src: ipv4.src, dst: ipv4.dst, sport: udp.srcPort, dport: udp.dstPort, mh } : undefined;
}
const mnOf = (mh: MobilityHeader) => findOption(mh.options, 8)?.id;

conformanceCase(import.meta.url, {
  name: 'ipv4-transport',
  durationMs: 30000,
  purpose: 'MAGs and an LMA signal over IPv4/UDP 5436 and tunnel over IPv4, the LMA refuses a forced UDP encapsulation it does not accept (129), and revokes over the same UDP ports',
  rfc: ['5844 §4.1.3.1', '§4.1.3.2', '§4.1.4.1', '§4.2.2.1', '5846 §4'],
  topology: 'topology.yaml',
  iut: { lma1: 'lma', mag1: 'mag', mag2: 'mag' },
  // Heartbeats every second (a test interval) ride over UDP too: V4-13 judges each.
  domain: { revocation: true, heartbeat: { intervalS: 1 }, ipv4Transport: { acceptForcedUdp: false, forceUdp: ['mag2'] } },
  requirements: ['V4-13', 'V4-14', 'BR-10'],
}, (c) => {

  c.setup('mag2 gets a route to the IPv4-LMAA (the testbed routes IPv6 only) and a probe address; cn1 gets IPv4', async () => {
    await c.ip('mag2', ['-4', 'route', 'add', '192.0.2.0/24', 'via', '198.51.100.2'], ['-4', 'addr', 'add', `${PROBE_SRC}/24`, 'dev', 'eth0']);
    c.tester(PROBE_SRC);
    await c.ip('lma1', ['-4', 'addr', 'add', `${CN4_ROUTER}/24`, 'dev', 'eth2']);
    await c.ip('cn1', ['-4', 'addr', 'add', `${CN4}/24`, 'dev', 'eth0'], ['-4', 'route', 'add', 'default', 'via', CN4_ROUTER]);
  });

  c.step('mag1 registers mn1 over IPv4/UDP 5436 and lma1 accepts it', async () => {
    const w = await c.watch(['mag1-lma1'], true);
    const pba = await w.until((f) => {
      const x = udpMh(f);
      return x?.mh.type === 6 && x.mh.status === 0 && mnOf(x.mh) === MN1 ? x : undefined;
    }, { timeoutMs: 8000, what: 'a PBA over IPv4/UDP accepting mn1' });
    expect(pba, 'a PBA 0 for mn1 over IPv4/UDP from lma1 (within 8 s)').to.be.observed;
  });

  c.step('mn1 reaches cn1 over IPv6 and IPv4 through the tunnel in plain IPv4 (F = 0)', async () => {
    const dp = c.tb.iut('mag1')?.dataplane?.backend;
    if (dp !== 'tun') { c.note(`no data judged: mag1 runs the ${dp ?? 'unknown'} data plane; pmipd tunnels over IPv4 on tun only`); return; }
    await c.tb.waitForAddress('mn1', { timeoutMs: 5000 });
    const granted = await (await c.watch(['mag1-lma1'], true)).until((f) => {
      const x = udpMh(f);
      if (x?.mh.type !== 6 || mnOf(x.mh) !== MN1) return undefined;
      const r = findOption(x.mh.options, 37), dr = findOption(x.mh.options, 38);
      return r?.status === 0 && dr !== undefined ? { hoa: r.address, len: r.prefixLength, router: dr.address } : undefined;
    }, { timeoutMs: 3000, what: 'the PBA granting mn1 an IPv4 HoA' });
    if (granted === null) { c.note('no IPv4 data judged: no PBA granted mn1 an IPv4 HoA with a default router'); return; }
    await c.ip('mn1', ['-4', 'addr', 'add', `${granted.hoa}/${granted.len}`, 'dev', 'eth0'], ['-4', 'route', 'add', 'default', 'via', granted.router]);
    const w = await c.watch(['mag1-lma1']);
    const ping4 = () => c.tb.exec('mn1', 'ping', ['-4', '-n', '-c', '1', '-W', '1', CN4], { reject: false });
    await pollUntil(async () => (await ping4()).exitCode === 0, { what: `an IPv4 ping mn1 (${granted.hoa}) -> cn1 ${CN4}`, timeoutMs: 5000, maxIntervalMs: 200 });
    await c.tb.ping('mn1', 'cn1', { timeoutMs: 5000 });
    const seen = await w.until((f) => (f.frame.ipv4?.src === '192.0.2.1' && f.frame.ipv4.dst === LMAA4 && f.frame.inner !== undefined ? true : undefined),
      { timeoutMs: 3000, what: 'mn1 traffic tunnelled over IPv4 from mag1' });
    expect(seen, 'mn1 traffic in an IPv4 outer header 192.0.2.1 > 192.0.2.2').to.be.observed;
  });

  c.step('mag2 asks for IPv4-UDP encapsulation (F = 1); lma1, not accepting it, answers 129', async () => {
    const v = c.verdict('V4-14');
    const w = await c.watch(['mag2-lma1'], true);
    const ex = await w.until((f) => {
      const x = udpMh(f);
      return x?.mh.type === 6 && mnOf(x.mh) === MN2 ? x : undefined;
    }, { timeoutMs: 10000, what: 'lma1\'s answer to mag2\'s PBU for mn2' });
    const pbu = await (await c.watch(['mag2-lma1'], true)).until((f) => {
      const x = udpMh(f);
      return x?.mh.type === 5 && mnOf(x.mh) === MN2 ? x : undefined;
    }, { timeoutMs: 1000, what: 'mag2\'s PBU for mn2' });
    const forced = pbu?.mh.type === 5 && pbu.mh.flags.F;
    if (!forced) { c.note('V4-14 refusal not judged: mag2\'s PBU for mn2 over IPv4/UDP did not have F = 1'); return; }
    const status = ex?.mh.type === 6 ? ex.mh.status : undefined;
    v.expect(status === 129, {
      pass: 'PBU with F = 1 refused with 129 (AcceptForcedIPv4UDPEncapsulationRequest = 0)',
      fail: `PBU with F = 1 to an LMA that does not accept forced UDP: ${status === undefined ? 'no PBA' : `PBA status ${status}`}`,
    }, [], { field: 'PBA status', expected: '129 (Administratively prohibited)', seen: status === undefined ? 'none' : String(status) });
  });

  c.step('a PBU over UDP with a wrong MH checksum (0xbeef) is processed and answered: over IPv4 the LMA ignores the MH checksum', async () => {
    // From an address that is no MAG of the domain: any PBA (154) shows the message was processed, not dropped.
    const pbu = encodeMobilityHeader({ type: 5, seq: 7, flags: { A: true, P: true }, lifetime: 8, autoPad: true, options: [
      { type: 22, prefix: '::/0' }, { type: 23, value: 1 }, { type: 24, value: 3 }, { type: 8, subtype: 1, id: PROBE }, { type: 32, address: PROBE_SRC }] });
    pbu[4] = 0xbe;
    pbu[5] = 0xef;
    const r = await c.tb.exec('mag2', 'python3', ['-c', SEND_MH, PROBE_SRC, LMAA4, toHex(pbu)], { reject: false });
    const reply = r.exitCode === 0 ? fromHex(String(r.stdout).trim()) : undefined;
    const pba = reply === undefined ? undefined : decodeMobilityHeader(reply, 0, reply.length);
    const status = pba?.type === 6 ? pba.status : undefined;
    c.verdict('V4-14').expect(status !== undefined, {
      pass: `a PBU over IPv4/UDP with MH checksum 0xbeef was answered (PBA ${status}): its checksum was ignored`,
      fail: `a PBU over IPv4/UDP with MH checksum 0xbeef: ${status === undefined ? 'no PBA within 3 s (dropped?)' : `PBA status ${status}`}`,
    }, [], { field: 'PBA', expected: 'one (the MH checksum ignored)', seen: status === undefined ? 'none' : `status ${status}` });
  });

  c.step('lma1 revokes mn1: the BRI and BRA travel over IPv4/UDP', async () => {
    const w = await c.watch(['mag1-lma1']);
    await c.iutCommand('lma1', { cmd: 'revoke', mn: MN1 });
    const bra = await w.until((f) => {
      const x = f.frame.mh;
      return x?.type === 16 && x.brType === 2 ? true : undefined;
    }, { timeoutMs: 5000, what: 'mag1\'s BRA to the revocation of mn1' });
    expect(bra, 'a BRA from mag1 (within 5 s of the revoke command)').to.be.observed;
  });
});
