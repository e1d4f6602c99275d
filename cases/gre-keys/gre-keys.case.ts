// gre-keys: an MN's whole life (attach, refresh, handover, detach) in a domain using GRE keys
// (RFC 5845), with traffic both ways at each stage.
//
// Purpose: the MAG asks for its downlink key in the PBU, the LMA gives its uplink key in the PBA
// and keeps it for the session (refresh, handover to another MAG, which asks for its own downlink
// key), and every data packet between MAG and LMA is GRE-in-IPv6 carrying the key of its direction.
// RFC 5845 §3.3.1, §3.3.2, §4.2, §5.2, §6.1; RFC 2890 §2.1.
//
//   mn1 ─ ap1 ─ mag1 ═╗
//     ┊                ╠═ lma1 ─ cn1                 (../handover/topology.yaml; ═ : GRE-in-IPv6, a key per direction)
//     └┈▶ ap2 ─ mag2 ═╝
//
//   mn1        mag1                        mag2                        lma1           cn1
//    │ RS ──────▶│── PBU HI=1 GREKey(K1) ───────────────────────────────▶│               │  GRE-01 (PBU)
//    │           │◀─ PBA 0 HNP GREKey(U) ─────────────────────────────────│               │  GRE-01 (PBA)
//    │ ping ────▶│══ GRE key U [mn1 > cn1] ══════════════════════════════▶│── ────────────▶│  step 1: GRE-03 uplink
//    │◀──────────│◀═ GRE key K1 [cn1 > mn1] ══════════════════════════════│◀───────────────│          GRE-03 downlink
//    │           │── PBU HI=5 GREKey(K1) (refresh) ──────────────────────▶│               │  step 2
//    │           │◀─ PBA 0 GREKey(U) ─────────────────────────────────────│               │  GRE-02: same U
//    ┊ moves to ap2                          │── PBU HI=3 GREKey(K2) ────▶│               │  step 3
//    │                                       │◀─ PBA 0 GREKey(U) ─────────│               │  GRE-02: still U
//    │ ping ════════════════════════════════▶│══ GRE key U ═══════════════▶│               │  GRE-03 (keys of mag2's session)
//    │◀══════════════════════════════════════│◀═ GRE key K2 ═══════════════│               │
//    ╳ leaves                                │── PBU L=0 ────────────────▶│               │  step 4
//
// Judgement: GRE-01..03 on the captures (harness/checks/gre.ts): GRE-01 on the first exchange of
// the session, GRE-02 on every accepting PBA of it, GRE-03 on every GRE data packet on
// mag1-lma1 and mag2-lma1 against the keys negotiated before it.
import { conformanceCase, expect } from '../../harness/conformance/index.js';
import { pollUntil } from '../../harness/poll.js';

const NAI = 'mn1@example.org';
const LIFETIME_S = 8;

interface Bce { mnId: string; proxyCoa: string; lastSeq: number; state: string }

conformanceCase(import.meta.url, {
  name: 'gre-keys',
  durationMs: 16_000,
  purpose: 'attach, refresh, handover and detach with RFC 5845 GRE keys: the keys negotiated in PBU/PBA, the uplink key kept for the session, GRE-in-IPv6 data with the key of each direction',
  rfc: ['5845 §3.3.1', '§3.3.2', '§4.2', '§5.2', '§6.1', '2890 §2.1'],
  topology: '../handover/topology.yaml',
  iut: { lma1: 'lma', mag1: 'mag', mag2: 'mag' },
  domain: { greKeys: true, lifetimeS: LIFETIME_S, minDelayBeforeBceDeleteMs: 1500 },
  requirements: ['GRE-01', 'GRE-02', 'GRE-03'],
}, (c) => {
  let address = '';
  let cn = '';
  const bce = async (): Promise<Bce | undefined> => {
    const dump = await c.tb.iut('lma1')!.bindingCache();
    return (JSON.parse(dump ?? '{}') as { bindingCache?: Bce[] }).bindingCache?.find((b) => b.mnId === NAI);
  };
  /** Three pings mn1 → cn1 must all come back: both directions went through the GRE tunnel. */
  const trafficBothWays = async (where: string) => {
    const r = await c.tb.exec('mn1', 'ping', ['-6', '-n', '-c', '3', '-i', '0.2', '-W', '2', cn], { reject: false });
    const got = /(\d+) received/.exec(r.stdout)?.[1];
    expect(Number(got ?? 0), `ping replies mn1 → cn1 ${where} (GRE both ways)`).to.equal(3);
  };

  c.setup('mn1 attaches to mag1 and configures an address from its HNP (PBU and PBA with GRE Key options)', async () => {
    address = await c.tb.waitForAddress('mn1', { timeoutMs: 10_000 });
    cn = await c.tb.addressOf('cn1');
  });

  c.step('mn1 and cn1 exchange pings: uplink with the LMA\'s key, downlink with mag1\'s', async () => {
    // The first echo may wait for neighbour discovery on the links of the path.
    await pollUntil(async () => (await c.tb.exec('mn1', 'ping', ['-6', '-n', '-c', '1', '-W', '1', cn], { reject: false })).exitCode === 0,
      { what: 'a first ping mn1 → cn1 through the GRE tunnel', timeoutMs: 10_000, maxIntervalMs: 200 });
    await trafficBothWays('after the attachment');
  });

  c.step(`mag1 refreshes the ${LIFETIME_S} s binding (the same downlink key); traffic goes on`, async () => {
    const first = await bce();
    expect(first, 'lma1\'s Binding Cache entry for mn1').to.not.equal(undefined);
    await pollUntil(async () => (await bce())?.lastSeq !== first!.lastSeq,
      { what: `a refresh of mn1's binding accepted by lma1 (Sequence # other than ${first!.lastSeq})`, timeoutMs: LIFETIME_S * 3000, maxIntervalMs: 100 });
    await trafficBothWays('after the refresh');
  });

  c.step('mn1 moves to ap2: mag2 registers it with its own downlink key, keeps its address, traffic goes on', async () => {
    await c.tb.handover('mn1', 'ap2');
    const mag2 = c.address('mag2');
    await pollUntil(async () => (await bce())?.proxyCoa === mag2, { what: `lma1 binding mn1 to mag2 (${mag2})`, timeoutMs: 30_000, maxIntervalMs: 100 });
    await c.tb.waitForAddress('mn1', { prefix: c.prefixOf(address), timeoutMs: 30_000 });
    await pollUntil(async () => (await c.tb.exec('mn1', 'ping', ['-6', '-n', '-c', '1', '-W', '1', cn], { reject: false })).exitCode === 0,
      { what: 'a ping mn1 → cn1 through mag2', timeoutMs: 10_000, maxIntervalMs: 200 });
    await trafficBothWays('after the handover');
  });

  c.step('mn1 leaves: mag2 de-registers it and lma1 lets the binding go', async () => {
    await c.tb.detach('mn1');
    await pollUntil(async () => (await bce())?.state !== 'active', { what: 'lma1 to accept mn1\'s de-registration', timeoutMs: 30_000, maxIntervalMs: 100 });
  });
});
