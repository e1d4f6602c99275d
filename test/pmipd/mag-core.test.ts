import { expect } from 'chai';
import { findOption, findOptions, type RouterAdvertisement } from '../../wire/index.js';
import { LMAA, MN1_LL, MN1_MAC, MagHarness, domain, settle } from './logic-fixture.js';

describe('pmipd/mag: MN detection, PBUs, RAs', () => {
  let h: MagHarness;
  beforeEach(() => { h = new MagHarness(); });
  afterEach(() => { h.core.close(); expect(h.clock.armed, 'timers left armed').to.equal(0); });

  it('sends the initial PBU of §6.9.1.1 when an entitled MN solicits (C.2)', () => {
    h.rs();
    const pbu = h.lastPbu();
    expect(h.mh.at(-1)!.dst).to.equal(LMAA);
    expect([pbu.type, pbu.flags.A, pbu.flags.P, pbu.lifetimeUnits]).to.deep.equal([5, true, true, 100]);
    expect(findOption(pbu.options, 8)).to.include({ subtype: 1, id: 'mn1@pmip.example' });
    expect(findOptions(pbu.options, 22).map((o) => o.prefix)).to.deep.equal(['::/0']);
    expect(findOption(pbu.options, 23)!.value).to.equal(1);
    expect(findOption(pbu.options, 24)!.value).to.equal(3);
    expect(findOption(pbu.options, 25)!.id).to.equal('020000000101');
    expect(findOption(pbu.options, 26)!.address).to.equal('::');
    const ts = findOption(pbu.options, 27)!;
    expect(ts.seconds * 1000 + Math.floor((ts.fraction * 1000) / 65536)).to.be.closeTo(h.clock.wallMs(), 1);
    expect(pbu.length % 8).to.equal(0);
    for (const o of pbu.options) {
      if (o.type === 22) expect(o.offset % 8).to.equal(4);
      if (o.type === 26) expect(o.offset % 8).to.equal(6);
      if (o.type === 27) expect(o.offset % 8).to.equal(2);
      if (o.type === 25) expect(o.offset % 8).to.equal(0);
    }
    expect(h.core.dump()).to.have.length(1); // MAG-PBU-18
  });

  it('finds the MN by the EUI-64 of its link-local source when the RS has no SLLA', () => {
    h.core.onRouterSolicitation('acc1', MN1_LL, null, MN1_MAC);
    expect(h.pbus()).to.have.length(1);
  });

  it('ignores MNs the domain does not know or that may not use this MAG (MAG-PBU-20)', () => {
    h.rs('02:00:00:00:09:09');
    h.rs('02:00:00:00:01:05'); // only2: mag2 only
    h.rs('02:00:00:00:01:04'); // off: no PMIPv6 service
    expect(h.pbus()).to.have.length(0);
    expect(h.counters.get('rs_not_entitled')).to.equal(3);
  });

  it('after the PBA installs the session and sends the RA from the session LLA (RA-01/02/08/10, MAG-PBA-04/05)', async () => {
    h.rs();
    h.answer();
    await settle();
    expect(h.dp.ops).to.deep.equal(['add acc1 2001:db8:a000::/64 lla=fe80::1234']);
    const ra = h.ras().at(-1)!;
    const m = ra.msg as RouterAdvertisement;
    expect([ra.iface, ra.dst, ra.src]).to.deep.equal(['acc1', MN1_LL, 'fe80::1234']);
    expect(m.routerLifetime).to.equal(1800);
    expect(m.prefixes.map((p) => [p.prefix, p.onLink, p.autonomous])).to.deep.equal([['2001:db8:a000::/64', true, true]]);
    expect(m.mtu).to.equal(1460);
    expect(m.sourceLinkLayer).to.equal('02:aa:00:00:00:01');
    // Periodic RAs follow.
    h.clock.advance(5000);
    expect(h.ras()).to.have.length(2);
  });

  it('sends no RA and installs nothing before the PBA (RA-03, FWD-09) or after a rejection (RA-04, MAG-PBA-06/07)', async () => {
    h.rs();
    h.rs();
    expect(h.ras()).to.have.length(0);
    h.answer(152);
    await settle();
    expect(h.ras()).to.have.length(0);
    expect(h.dp.ops).to.deep.equal([]);
    h.clock.advance(120_000);
    h.rs();
    expect(h.pbus()).to.have.length(1); // no further PBU after 152
  });

  it('retransmits with exponential back-off 1, 2, 4 .. 32 s, each with a new seq and timestamp (C.8)', () => {
    h.present.add(MN1_LL);
    h.rs();
    const gaps: number[] = [];
    let last = 0;
    for (let t = 0; t <= 130_000; t += 100) {
      h.clock.advance(100);
      if (h.pbus().length > gaps.length + 1) { gaps.push(h.clock.now() - last); last = h.clock.now(); }
    }
    expect(gaps.slice(0, 7)).to.deep.equal([1000, 2000, 4000, 8000, 16000, 32000, 32000]);
    const seqs = h.pbus().map((p) => p.seq);
    for (let i = 1; i < seqs.length; i++) expect(seqs[i]).to.equal((seqs[i - 1]! + 1) & 0xffff);
    const ts = h.pbus().map((p) => findOption(p.options, 27)!.seconds);
    for (let i = 1; i < ts.length; i++) expect(ts[i]).to.be.above(ts[i - 1]!);
    // MAG-RTX-06: each retransmission followed a presence probe the MN answered.
    expect(h.icmp.filter((s) => s.msg.name === 'NS' && s.dst === MN1_LL)).to.have.length(h.pbus().length - 1);
  });

  it('refreshes before the lifetime ends with HI 5 and the HNP by value, after a presence check (C.9)', async () => {
    h.rs();
    h.answer();
    await settle();
    h.clock.advance(320_000); // 80 % of 400 s
    const ns = h.icmp.filter((s) => s.msg.name === 'NS');
    expect(ns).to.have.length(1);
    expect([ns[0]!.dst, (ns[0]!.msg as { target: string }).target]).to.deep.equal([MN1_LL, MN1_LL]);
    h.core.onNeighborAdvertisement('acc1', MN1_LL);
    const refresh = h.lastPbu();
    expect(findOption(refresh.options, 23)!.value).to.equal(5);
    expect(findOptions(refresh.options, 22).map((o) => o.prefix)).to.deep.equal(['2001:db8:a000::/64']);
    expect(findOption(refresh.options, 26)!.address).to.equal('fe80::1234');
    expect(refresh.lifetimeUnits).to.equal(100);
  });

  it('withdraws a prefix a refresh PBA no longer grants with zero lifetimes, beside the new one, and moves the routes (RA-12)', async () => {
    h.rs();
    h.answer();
    await settle();
    h.clock.advance(320_000);
    h.core.onNeighborAdvertisement('acc1', MN1_LL);
    h.answer(0, (pba) => { pba.options = (pba.options ?? []).map((o) => (o.type === 22 ? { type: 22, prefix: '2001:db8:a001::/64' } : o)); });
    await settle();
    const m = h.ras().at(-1)!.msg as RouterAdvertisement;
    expect(m.prefixes.map((p) => `${p.prefix} ${p.validLifetime}/${p.preferredLifetime}`)).to.deep.equal(['2001:db8:a001::/64 86400/14400', '2001:db8:a000::/64 0/0']);
    expect(h.dp.ops.slice(-2)).to.deep.equal(['remove acc1 2001:db8:a000::/64', 'add acc1 2001:db8:a001::/64 lla=fe80::1234']);
  });

  it('de-registers when the presence check fails (REREG-05/06)', async () => {
    h.rs();
    h.answer();
    await settle();
    h.clock.advance(320_000 + 900);
    const dereg = h.lastPbu();
    expect([dereg.lifetimeUnits, findOption(dereg.options, 23)!.value]).to.deep.equal([0, 4]);
  });

  it('probes an attached MN every presenceInterval and de-registers once it stops answering', async () => {
    h = new MagHarness({ cfg: domain((y) => y.replace('presenceInterval: 0', 'presenceInterval: 1000')) });
    h.rs();
    h.answer();
    await settle();
    h.clock.advance(1000);
    expect(h.icmp.filter((s) => s.msg.name === 'NS')).to.have.length(1);
    h.core.onNeighborAdvertisement('acc1', MN1_LL);
    h.clock.advance(1000);
    expect(h.icmp.filter((s) => s.msg.name === 'NS')).to.have.length(2);
    const before = h.pbus().length;
    h.clock.advance(900); // three unanswered probes, 300 ms apart
    expect(h.pbus()).to.have.length(before + 1);
    expect(h.lastPbu().lifetimeUnits).to.equal(0);
  });

  it('takes HI 3 from the shared access-network state when the MN was last at another MAG', () => {
    const seen = new Map<string, string>([['mn1@pmip.example', 'mag2']]);
    h = new MagHarness({ knowledge: { lastMag: (n) => seen.get(n) ?? null, record: (n, m) => { seen.set(n, m); } } });
    h.rs();
    expect(findOption(h.lastPbu().options, 23)!.value).to.equal(3);
    h.rs('02:00:00:00:01:02', 'acc1', 'fe80::ff:fe00:102');
    expect(findOption(h.lastPbu().options, 23)!.value).to.equal(1);
  });

  it('de-registers on carrier loss with HI 4 and every HNP, then cleans up on the PBA (C.10)', async () => {
    h.rs();
    h.answer();
    await settle();
    h.core.onLinkChange('acc1', false);
    const dereg = h.lastPbu();
    expect(dereg.lifetimeUnits).to.equal(0);
    expect(findOption(dereg.options, 23)!.value).to.equal(4);
    expect(findOptions(dereg.options, 22).map((o) => o.prefix)).to.deep.equal(['2001:db8:a000::/64']);
    expect(findOption(dereg.options, 25)!.id).to.equal('020000000101');
    expect(findOption(dereg.options, 8)!.id).to.equal('mn1@pmip.example');
    h.answer(0, (s) => { s.lifetimeUnits = 0; });
    await settle();
    expect(h.core.dump()).to.deep.equal([]);
    expect(h.dp.ops.at(-1)).to.equal('remove acc1 2001:db8:a000::/64');
  });

  it('cleans up INITIAL_BINDACK_TIMEOUT after an unanswered de-registration, without retransmitting (DEREG-05, HO-08)', async () => {
    h.rs();
    h.answer();
    await settle();
    h.core.detachByName('mn1@pmip.example');
    const n = h.pbus().length;
    h.clock.advance(999);
    expect(h.core.dump()).to.have.length(1);
    h.clock.advance(1);
    expect(h.core.dump()).to.have.length(0);
    h.clock.advance(60_000);
    expect(h.pbus()).to.have.length(n);
  });

  it('stops retransmitting once the MN has gone (MAG-RTX-06)', () => {
    h.rs();
    h.core.onLinkChange('acc1', false);
    h.clock.advance(60_000);
    expect(h.pbus()).to.have.length(1);
  });

  it('probes the MN before a retransmission and drops the entry when it has left without a carrier event (MAG-RTX-06)', () => {
    h.present.add(MN1_LL);
    h.rs();
    h.clock.advance(1000);
    expect(h.pbus()).to.have.length(2);
    h.present.delete(MN1_LL); // gone from the bridge behind the access link: no carrier change
    h.clock.advance(2000);
    const probes = h.icmp.filter((s) => s.msg.name === 'NS');
    expect(probes.map((s) => [s.iface, s.dst, (s.msg as { target: string }).target])).to.deep.equal(Array(2).fill(['acc1', MN1_LL, MN1_LL]));
    expect(h.pbus(), 'no PBU while the MN does not answer').to.have.length(2);
    h.clock.advance(899); // three probes, 300 ms apart
    expect(h.core.dump()).to.have.length(1);
    h.clock.advance(1);
    expect(h.core.dump()).to.deep.equal([]);
    expect(h.counters.get('detachments')).to.equal(1);
    h.clock.advance(120_000);
    expect(h.pbus()).to.have.length(2);
  });

  it('de-registers instead of retransmitting a refresh for an MN that left (MAG-RTX-06)', async () => {
    h.present.add(MN1_LL);
    h.rs();
    h.answer();
    await settle();
    h.clock.advance(320_000);
    const refresh = h.lastPbu();
    expect(findOption(refresh.options, 23)!.value).to.equal(5);
    h.present.delete(MN1_LL);
    h.clock.advance(1000 + 900);
    expect(h.pbus()).to.have.length(3);
    expect([h.lastPbu().lifetimeUnits, findOption(h.lastPbu().options, 23)!.value]).to.deep.equal([0, 4]);
  });

  it('takes on no MN once stopping: RS, NA and attach are ignored after deregisterAll', async () => {
    h.rs();
    h.answer();
    await settle();
    h.core.deregisterAll('pmipd stopping');
    expect(h.lastPbu().lifetimeUnits).to.equal(0);
    const n = h.pbus().length;
    h.rs();
    h.rs('02:00:00:00:01:02', 'acc1', 'fe80::ff:fe00:102');
    expect(h.core.attachByName('mn2@pmip.example', 'acc1', undefined)).to.match(/stopping/);
    h.clock.advance(5000);
    expect(h.pbus()).to.have.length(n);
    expect(h.counters.get('rs_ignored_stopping')).to.equal(2);
    expect(h.core.dump()).to.deep.equal([]);
  });

  it('follows a transport MTU change: the tunnel, and an unsolicited RA with link MTU − 40 (RA-11)', async () => {
    h.rs();
    h.answer();
    await settle();
    const before = h.ras().length;
    h.mtus.set('eth0', 1400);
    h.rs(); // an RS before the netlink event is answered with the MTU of now
    expect((h.ras().at(-1)!.msg as RouterAdvertisement).mtu).to.equal(1360);
    h.core.onMtuChange('eth0', 1400);
    await settle();
    expect(h.dp.ops.at(-1)).to.equal('transport mtu 1400');
    expect(h.ras(), 'announced already').to.have.length(before + 1);
    h.mtus.set('eth0', 1280);
    h.core.onMtuChange('eth0', 1280);
    const ra = h.ras().at(-1)!;
    expect([h.ras().length, ra.dst, ra.src, (ra.msg as RouterAdvertisement).mtu]).to.deep.equal([before + 2, MN1_LL, 'fe80::1234', 1240]);
    h.mtus.set('acc1', 1400);
    h.core.onMtuChange('acc1', 1400); // the access link allows more than the tunnel: no change
    expect(h.ras()).to.have.length(before + 2);
    h.mtus.set('acc1', 1200);
    h.core.onMtuChange('acc1', 1200);
    expect((h.ras().at(-1)!.msg as RouterAdvertisement).mtu).to.equal(1200);
    h.clock.advance(5000);
    expect((h.ras().at(-1)!.msg as RouterAdvertisement).mtu, 'the periodic RA').to.equal(1200);
  });

  it('takes a Packet Too Big about the tunnel as the path MTU: tunnel MTU and an unsolicited RA follow, never upward nor under 1280 (RA-11)', async () => {
    h.rs();
    h.answer();
    await settle();
    const before = h.ras().length;
    h.core.onTunnelPacketTooBig(1400);
    await settle();
    expect(h.dp.ops.at(-1)).to.equal('transport mtu 1400');
    expect((h.ras().at(-1)!.msg as RouterAdvertisement).mtu).to.equal(1360);
    for (const ignored of [1450, 1500, 1279]) h.core.onTunnelPacketTooBig(ignored);
    expect(h.ras(), 'one RA, for 1400 only').to.have.length(before + 1);
    h.mtus.set('eth0', 1300);
    h.core.onMtuChange('eth0', 1300); // a smaller transport link wins over the learned path MTU
    expect((h.ras().at(-1)!.msg as RouterAdvertisement).mtu).to.equal(1260);
  });

  it('takes no PBA link-local address that is not link-local (multicast, global): the session uses the link\'s own (found by pmip-testbed fuzz)', async () => {
    for (const bad of ['ff02::1', '2001:db8::1', '::1']) {
      const g = new MagHarness();
      g.rs();
      g.answer(0, (s) => { (s.options as { type: number; address?: string }[]).find((o) => o.type === 26)!.address = bad; });
      await settle();
      expect(g.dp.ops, bad).to.deep.equal(['add acc1 2001:db8:a000::/64 lla=null']);
      expect(g.core.dump()[0], bad).to.include({ state: 'registered', lla: null });
    }
  });

  it('refuses a PBA link-local address the MN already uses and registers another at once (MAG-PBA-10)', async () => {
    h.rs();
    const first = h.lastPbu();
    h.answer(0, (s) => { (s.options as { type: number; address?: string }[]).find((o) => o.type === 26)!.address = MN1_LL; });
    expect(h.pbus(), 'a PBU right after the PBA').to.have.length(2);
    const again = h.lastPbu();
    const lla = findOption(again.options, 26)!.address;
    expect(lla).to.match(/^fe80::/);
    expect(lla).to.not.be.oneOf(['::', MN1_LL]);
    expect(again.seq).to.equal((first.seq + 1) & 0xffff);
    expect(findOption(again.options, 23)!.value).to.equal(5);
    expect(findOptions(again.options, 22).map((o) => o.prefix)).to.deep.equal(['2001:db8:a000::/64']);
    h.answer(); // the LMA keeps the MAG's address, and answers before the kernel has the session
    await settle();
    expect(h.dp.ops, 'installed once').to.deep.equal([`add acc1 2001:db8:a000::/64 lla=${lla}`]);
    expect(h.ras().map((r) => r.src)).to.deep.equal([lla]);
    h.clock.advance(5000);
    expect(h.pbus()).to.have.length(2);
    expect(new Set(h.ras().map((r) => r.src))).to.deep.equal(new Set([lla]));
    expect(h.core.dump()[0]).to.include({ state: 'registered', lla });
  });

  it('ignores a PBA with an unknown seq (MAG-PBA-02) and one whose ATT differs, and stops that PBU (MAG-PBA-03)', async () => {
    h.rs();
    h.answer(0, (s) => { s.seq = (s.seq + 7) & 0xffff; });
    expect(h.counters.get('pba_unmatched')).to.equal(1);
    h.answer(0, (s) => { (s.options as { type: number; value?: number }[]).find((o) => o.type === 24)!.value = 4; });
    await settle();
    expect(h.counters.get('pba_mismatch')).to.equal(1);
    expect(h.ras()).to.have.length(0);
    h.clock.advance(60_000);
    expect(h.pbus()).to.have.length(1);
  });

  it('accepts a PBA without the MN-LL-ID the PBU carried (§6.9.1.2 discards different values, not absent ones)', async () => {
    h.rs();
    h.answer(0, (s) => { s.options = (s.options ?? []).filter((o) => o.type !== 25); });
    await settle();
    expect(h.counters.get('pba_mismatch') ?? 0).to.equal(0);
    expect(h.core.dump()[0]).to.include({ state: 'registered' });
  });

  it('ignores a PBA whose MN-LL-ID differs from the PBU\'s (MAG-PBA-03)', async () => {
    h.rs();
    h.answer(0, (s) => { (s.options as { type: number; id?: string }[]).find((o) => o.type === 25)!.id = '020000000bad'; });
    await settle();
    expect(h.counters.get('pba_mismatch')).to.equal(1);
    expect(h.ras()).to.have.length(0);
  });

  it('retries at once with a fresh timestamp after 157 (ORD-09) and with ::/0 after 155 (MAG-PBA-08)', () => {
    const cfg = domain((y) => y.replace('{ nai: mn1@pmip.example, mac: "02:00:00:00:01:01" }', '{ nai: mn1@pmip.example, mac: "02:00:00:00:01:01", prefixes: [2001:db8:bad::/64] }'));
    h = new MagHarness({ cfg });
    h.rs();
    expect(findOptions(h.lastPbu().options, 22).map((o) => o.prefix)).to.deep.equal(['2001:db8:bad::/64']);
    h.answer(155);
    expect(findOptions(h.lastPbu().options, 22).map((o) => o.prefix)).to.deep.equal(['::/0']);
    h.answer(157);
    expect(h.pbus()).to.have.length(3);
  });

  it('uses HI 3 for an MN announced as arriving by handover (HO-01)', () => {
    expect(h.core.expectHandover('mn1@pmip.example', 3)).to.equal(null);
    h.rs();
    expect(findOption(h.lastPbu().options, 23)!.value).to.equal(3);
  });

  it('in RFC 6543 mode sends no LLA option and uses the fixed addresses (MAG-PBU-15, RA-08/09, FIX-01)', async () => {
    h = new MagHarness({ cfg: domain((y) => `fixedMagAddresses: true\n${y}`) });
    h.rs();
    expect(findOption(h.lastPbu().options, 26)).to.equal(undefined);
    h.answer();
    await settle();
    const ra = h.ras().at(-1)!;
    expect(ra.src).to.equal('fe80::200:5eff:fe00:5213');
    expect((ra.msg as RouterAdvertisement).sourceLinkLayer).to.equal('00:00:5e:00:52:13');
  });

  it('uses one increasing sequence counter for all MNs (MAG-PBU-12)', () => {
    h.rs();
    h.rs('02:00:00:00:01:02', 'acc1', 'fe80::ff:fe00:102');
    const [a, b] = h.pbus();
    expect(b!.seq).to.equal((a!.seq + 1) & 0xffff);
  });
});
