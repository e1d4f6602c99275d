import { expect } from 'chai';
import { findOption, findOptions, type BindingAck } from '../../wire/index.js';
import { LMAA, LmaHarness, MAG1, MAG2, ROGUE, domain } from './logic-fixture.js';

const hnpsOf = (pba: BindingAck) => findOptions(pba.options, 22).map((h) => h.prefix);
const llaOf = (pba: BindingAck) => findOption(pba.options, 26)?.address;
const LL1 = '020000000101';

describe('pmipd/lma: PBU processing', () => {
  let h: LmaHarness;
  beforeEach(() => { h = new LmaHarness(); });
  afterEach(() => { h.core.close(); expect(h.clock.armed, 'timers left armed').to.equal(0); });

  describe('initial registration (E.1, C.4)', () => {
    it('accepts a first PBU and builds the PBA of §5.3.6', () => {
      const pba = h.pbu({ seq: 77, llId: LL1, lifetimeUnits: 100 })!;
      expect(pba.type).to.equal(6);
      expect(pba.status).to.equal(0);
      expect(pba.flags.P).to.equal(true);
      expect(pba.seq).to.equal(77);
      expect(pba.lifetimeUnits).to.equal(100);
      expect(hnpsOf(pba)).to.deep.equal(['2001:db8:a000::/64']);
      expect(findOption(pba.options, 8)!.id).to.equal('mn1@pmip.example');
      expect(findOption(pba.options, 23)!.value).to.equal(1);
      expect(findOption(pba.options, 24)!.value).to.equal(3);
      expect(findOption(pba.options, 25)!.id).to.equal(LL1);
      expect(llaOf(pba)).to.match(/^fe80::[0-9a-f:]+$/);
      expect(llaOf(pba)).to.not.equal('::');
      // HNP at 8n+4, LLA at 8n+6, Timestamp at 8n+2 (MH-10).
      for (const o of pba.options) {
        if (o.type === 22) expect(o.offset % 8).to.equal(4);
        if (o.type === 26) expect(o.offset % 8).to.equal(6);
        if (o.type === 27) expect(o.offset % 8).to.equal(2);
      }
      expect(h.sent.at(-1)!.dst).to.equal(MAG1);
      expect(h.dp.ops).to.deep.equal([`route 2001:db8:a000::/64 via ${MAG1}`]);
      expect(h.core.bindings()).to.have.length(1);
    });

    it('echoes the Timestamp byte for byte (ORD-03) and never grants more than asked (LMA-PBA-17)', () => {
      const pba = h.pbu({ lifetimeUnits: 5000 })!;
      const sentTs = findOption(pba.options, 27)!;
      expect(sentTs.seconds).to.equal(Math.floor(h.clock.wallMs() / 1000));
      expect(pba.lifetimeUnits).to.equal(900); // maxLifetime 3600 s
      expect(h.pbu({ mnId: 'mn2@pmip.example', lifetimeUnits: 10 })!.lifetimeUnits).to.equal(10);
    });

    it('gives every MN its own prefix (LMA-BCE-01) and an MN with fixed prefixes those', () => {
      const a = hnpsOf(h.pbu({ mnId: 'mn1@pmip.example' })!);
      const b = hnpsOf(h.pbu({ mnId: 'mn2@pmip.example' })!);
      const c = hnpsOf(h.pbu({ mnId: 'mn3@pmip.example' })!);
      expect(a).to.deep.equal(['2001:db8:a000::/64']);
      expect(b).to.deep.equal(['2001:db8:a000:1::/64']);
      expect(c).to.deep.equal(['2001:db8:f00d::/64']);
    });

    it('answers a PBU without the A flag only when it rejects it', () => {
      expect(h.pbu({ flags: { A: false } })).to.equal(undefined);
      expect(h.core.bindings()).to.have.length(1);
      expect(h.pbu({ flags: { A: false }, omit: [23] })!.status).to.equal(161);
    });

    it('skips unknown mobility options (MH-09)', () => {
      const pba = h.pbu({ extra: [{ type: 250, data: 'abcd' }] })!;
      expect(pba.status).to.equal(0);
    });
  });

  describe('rejections (C.3, E.6)', () => {
    const cases: [string, Parameters<LmaHarness['pbu']>[0], string, number][] = [
      ['no MN-ID → 160', { omit: [8] }, MAG1, 160],
      ['a MAG not in the domain → 154', {}, ROGUE, 154],
      ['a MAG the MN may not use → 154', { mnId: 'only2@pmip.example' }, MAG1, 154],
      ['an unknown MN → 153, not 137', { mnId: 'nobody@pmip.example' }, MAG1, 153],
      ['an MN without PMIPv6 service → 152', { mnId: 'off@pmip.example' }, MAG1, 152],
      ['no HNP option → 158', { omit: [22] }, MAG1, 158],
      ['no HI option → 161', { omit: [23] }, MAG1, 161],
      ['no ATT option → 162', { omit: [24] }, MAG1, 162],
      ['a prefix the LMA does not own → 155', { hnps: ['2001:db8:dead::/64'] }, MAG1, 155],
      ['a free pool prefix never assigned to this MN → 155 (LMA-ERR-08)', { hnps: ['2001:db8:a000:2::/64'] }, MAG1, 155],
      ['a pool-length mismatch → 155', { hnps: ['2001:db8:a000::/56'] }, MAG1, 155],
      ['another MN\'s fixed prefix → 155', { hnps: ['2001:db8:f00d::/64'] }, MAG1, 155],
      ['a timestamp 10 s old → 156', { tsOffsetMs: -10_000 }, MAG1, 156],
      ['a timestamp 400 ms ahead → 156', { tsOffsetMs: 400 }, MAG1, 156],
    ];
    for (const [what, spec, src, status] of cases) {
      it(what, () => {
        const pba = h.pbu(spec, src)!;
        expect(pba.status).to.equal(status);
        expect(pba.flags.P).to.equal(true);
        expect(h.core.bindings()).to.have.length(0);
        expect(h.dp.ops).to.deep.equal([]);
        expect(h.counters.get(`rejected_status_${status}`)).to.equal(1);
      });
    }

    it('reports the first failing check of §5.3.1 (LMA-ERR-12)', () => {
      expect(h.pbu({ omit: [8, 22] })!.status).to.equal(160);
      expect(h.pbu({ omit: [22, 23, 24] })!.status).to.equal(158);
      expect(h.pbu({ omit: [23, 24] }, ROGUE)!.status).to.equal(154);
    });

    it('still carries MN-ID, HNP, HI, ATT in a rejection (LMA-ERR-01, -05, -06, -07)', () => {
      let pba = h.pbu({ omit: [8] })!;
      const mnId = findOption(pba.options, 8)!;
      expect([mnId.length, mnId.subtype, mnId.id]).to.deep.equal([1, 1, '']);
      pba = h.pbu({ omit: [22] })!;
      expect(hnpsOf(pba)).to.deep.equal(['::/0']);
      pba = h.pbu({ omit: [23] })!;
      expect(findOption(pba.options, 23)!.value).to.equal(0);
      pba = h.pbu({ omit: [24] })!;
      expect(findOption(pba.options, 24)!.value).to.equal(0);
      pba = h.pbu({ hnps: ['2001:db8:dead::/64'], lla: 'fe80::77' })!;
      expect(hnpsOf(pba)).to.deep.equal(['2001:db8:dead::/64']);
      expect(llaOf(pba)).to.equal('fe80::77');
    });

    it('puts its own clock in the Timestamp of a 156 (ORD-04)', () => {
      const pba = h.pbu({ tsOffsetMs: -10_000 })!;
      const ts = findOption(pba.options, 27)!;
      expect(Math.abs(ts.seconds * 1000 + (ts.fraction * 1000) / 65536 - h.clock.wallMs())).to.be.below(1);
    });

    it('refuses a timestamp older than the last accepted one with 157 (ORD-05)', () => {
      const now = h.clock.wallMs();
      expect(h.pbu({ llId: LL1, tsWallMs: now })!.status).to.equal(0);
      h.clock.advance(100);
      expect(h.pbu({ llId: LL1, hi: 5, hnps: ['2001:db8:a000::/64'], tsWallMs: now - 50 })!.status).to.equal(157);
      expect(h.pbu({ llId: LL1, hi: 5, hnps: ['2001:db8:a000::/64'], tsWallMs: now + 100 })!.status).to.equal(0);
    });

    it('orders by timestamp, not by sequence number (ORD-02)', () => {
      expect(h.pbu({ seq: 500, llId: LL1 })!.status).to.equal(0);
      h.clock.advance(10);
      const pba = h.pbu({ seq: 3, llId: LL1, hi: 5, hnps: ['2001:db8:a000::/64'] })!;
      expect([pba.status, pba.seq]).to.deep.equal([0, 3]);
    });

    it('applies sequence numbers without a Timestamp: 135 with the last accepted seq (ORD-07)', () => {
      const first = h.pbu({ seq: 10, llId: LL1, tsOffsetMs: null })!;
      expect(first.status).to.equal(0);
      expect(findOption(first.options, 27)).to.equal(undefined);
      const replay = h.pbu({ seq: 10, llId: LL1, hi: 5, hnps: ['2001:db8:a000::/64'], tsOffsetMs: null })!;
      expect([replay.status, replay.seq]).to.deep.equal([135, 10]);
      expect(h.pbu({ seq: 11, llId: LL1, hi: 5, hnps: ['2001:db8:a000::/64'], tsOffsetMs: null })!.status).to.equal(0);
    });

    it('refuses a prefix set that only partly matches the session (159) and another MN\'s prefix (155)', () => {
      const cfg = domain((y) => y.replace('prefixes: [2001:db8:f00d::/64]', 'prefixes: [2001:db8:f00d::/64, 2001:db8:f00e::/64]'));
      h = new LmaHarness({ cfg });
      expect(hnpsOf(h.pbu({ mnId: 'mn3@pmip.example' })!)).to.have.length(2);
      expect(h.pbu({ mnId: 'mn3@pmip.example', hnps: ['2001:db8:f00d::/64'], hi: 5 })!.status).to.equal(159);
      h.pbu({ mnId: 'mn1@pmip.example' });
      expect(h.pbu({ mnId: 'mn2@pmip.example', hnps: ['2001:db8:a000::/64'] })!.status).to.equal(155);
    });

    it('gives a pool prefix asked for by value back only to the MN it was last assigned to (§5.3.2, LMA-ERR-08)', () => {
      const HNP = '2001:db8:a000::/64';
      expect(hnpsOf(h.pbu({ lifetimeUnits: 10 })!)).to.deep.equal([HNP]);
      h.clock.advance(40_000); // the binding expires; the prefix is free again
      expect(h.core.bindings()).to.have.length(0);
      const other = h.pbu({ seq: 2, mnId: 'mn2@pmip.example', hnps: [HNP] })!;
      expect([other.status, hnpsOf(other)]).to.deep.equal([155, [HNP]]);
      const again = h.pbu({ seq: 3, hnps: [HNP] })!;
      expect([again.status, hnpsOf(again)]).to.deep.equal([0, [HNP]]);
      expect(h.dp.ops.at(-1)).to.equal(`route ${HNP} via ${MAG1}`);
    });

    it('answers 130 when the pool is exhausted (LMA-ERR-11)', () => {
      h = new LmaHarness({ cfg: domain((y) => y.replace('2001:db8:a000::/62', '2001:db8:a000::/64')) });
      expect(h.pbu({ mnId: 'mn1@pmip.example' })!.status).to.equal(0);
      expect(h.pbu({ mnId: 'mn2@pmip.example' })!.status).to.equal(130);
    });
  });

  describe('refresh, handover, de-registration (C.5, C.10, C.11)', () => {
    const HNP = '2001:db8:a000::/64';

    it('refreshes with the same prefix and LLA (LMA-BCE-05, LMA-PBA-13)', () => {
      const first = h.pbu({ llId: LL1 })!;
      h.clock.advance(1000);
      const refresh = h.pbu({ seq: 2, llId: LL1, hi: 5, hnps: [HNP] })!;
      expect([refresh.status, hnpsOf(refresh), llaOf(refresh)]).to.deep.equal([0, [HNP], llaOf(first)]);
      expect(h.dp.ops).to.have.length(1);
    });

    it('moves the session to the new MAG with the same HNP and LLA, routes replaced (HO-03, HO-04, LMA-BCE-06)', () => {
      const first = h.pbu({ llId: LL1 })!;
      h.clock.advance(5);
      const ho = h.pbu({ seq: 900, llId: LL1, hi: 3 }, MAG2)!;
      expect([ho.status, hnpsOf(ho), llaOf(ho)]).to.deep.equal([0, [HNP], llaOf(first)]);
      expect(h.dp.ops).to.deep.equal([`route ${HNP} via ${MAG1}`, `route ${HNP} via ${MAG2}`]);
      expect(h.core.bindings()[0]!.proxyCoa).to.equal(MAG2);
      // E.4: the old MAG's late de-registration is ignored (DEREG-06, HO-06).
      h.clock.advance(5);
      expect(h.pbu({ seq: 3, llId: LL1, hi: 4, hnps: [HNP], lifetimeUnits: 0 }, MAG1)).to.equal(undefined);
      expect(h.core.bindings()[0]!.state).to.equal('active');
      expect(h.dp.ops).to.have.length(2);
    });

    it('finds the session of an MN without LL-ID by HI 3 (LMA-BCE-10)', () => {
      h.pbu({});
      h.clock.advance(5);
      expect(hnpsOf(h.pbu({ seq: 2, hi: 3 }, MAG2)!)).to.deep.equal([HNP]);
    });

    it('refuses a stale PBU from the previous MAG after a handover with 157 (ORD-06, HO-13)', () => {
      const t0 = h.clock.wallMs();
      h.pbu({ llId: LL1, tsWallMs: t0 });
      h.clock.advance(50);
      h.pbu({ seq: 2, llId: LL1, hi: 3, tsWallMs: t0 + 40 }, MAG2);
      const stale = h.pbu({ seq: 3, llId: LL1, hi: 5, hnps: [HNP], tsWallMs: t0 + 20 }, MAG1)!;
      expect(stale.status).to.equal(157);
      expect(h.core.bindings()[0]!.proxyCoa).to.equal(MAG2);
    });

    it('keeps a de-registered BCE for MinDelayBeforeBCEDelete (10 s default) and blackholes it (DEREG-07..11)', () => {
      expect(h.cfg.lma.minDelayBeforeBCEDelete).to.equal(10_000);
      h.pbu({ llId: LL1 });
      const ack = h.pbu({ seq: 2, llId: LL1, hi: 4, hnps: [HNP], lifetimeUnits: 0 })!;
      expect([ack.status, ack.lifetimeUnits, hnpsOf(ack)]).to.deep.equal([0, 0, [HNP]]);
      expect(h.dp.ops.at(-1)).to.equal(`blackhole ${HNP}`);
      h.clock.advance(9_999);
      expect(h.core.bindings()[0]!.state).to.equal('deleting');
      h.clock.advance(1);
      expect(h.core.bindings()).to.have.length(0);
      expect(h.dp.ops.at(-1)).to.equal(`remove ${HNP}`);
      // The prefix may now go to another MN.
    });

    it('revives the session when a PBU comes within the window (DEREG-10, HO-07, E.5)', () => {
      const first = h.pbu({ llId: LL1 })!;
      h.pbu({ seq: 2, llId: LL1, hi: 4, hnps: [HNP], lifetimeUnits: 0 });
      h.clock.advance(3000);
      const ho = h.pbu({ seq: 3, llId: LL1, hi: 4 }, MAG2)!;
      expect([ho.status, hnpsOf(ho), llaOf(ho)]).to.deep.equal([0, [HNP], llaOf(first)]);
      expect(h.dp.ops.at(-1)).to.equal(`route ${HNP} via ${MAG2}`);
      h.clock.advance(20_000);
      expect(h.core.bindings()[0]!.state).to.equal('active');
    });

    it('drops a de-registration for no session (LMA-BCE-13)', () => {
      expect(h.pbu({ hi: 4, hnps: [HNP], lifetimeUnits: 0 })).to.equal(undefined);
      expect(h.counters.get('pbu_dropped')).to.equal(1);
    });

    it('deletes a BCE when its lifetime runs out (LMA-BCE-14)', () => {
      h.pbu({ lifetimeUnits: 10 });
      h.clock.advance(39_999);
      expect(h.core.bindings()).to.have.length(1);
      h.clock.advance(1);
      expect(h.core.bindings()).to.have.length(0);
      expect(h.dp.ops.at(-1)).to.equal(`remove ${HNP}`);
    });

    it('with HI 4 waits MaxDelayBeforeNewBCEAssign (1.5 s), then makes a new session (LMA-BCE-11)', () => {
      h.pbu({});
      h.clock.advance(5);
      expect(h.pbu({ seq: 2, hi: 4 }, MAG2)).to.equal(undefined);
      h.clock.advance(1499);
      expect(h.sent.filter((s) => s.msg.type === 6)).to.have.length(1);
      h.clock.advance(1);
      const pba = h.lastPba();
      expect(pba.seq).to.equal(2);
      expect(hnpsOf(pba)).to.deep.equal(['2001:db8:a000:1::/64']);
      expect(h.core.bindings()).to.have.length(2);
    });

    it('with HI 4 answers as soon as the previous MAG de-registers, with the same prefix', () => {
      h.pbu({});
      h.clock.advance(5);
      expect(h.pbu({ seq: 2, hi: 4 }, MAG2)).to.equal(undefined);
      h.clock.advance(200);
      h.pbu({ seq: 3, hi: 4, hnps: [HNP], lifetimeUnits: 0 }, MAG1);
      const pba = h.lastPba();
      expect([pba.seq, pba.status, hnpsOf(pba)]).to.deep.equal([2, 0, [HNP]]);
      expect(h.sent.at(-1)!.dst).to.equal(MAG2);
    });

    it('creates a second session for HI 1 without LL-ID match (LMA-BCE-12)', () => {
      h.pbu({ llId: LL1 });
      expect(hnpsOf(h.pbu({ seq: 2, llId: '020000000909', hi: 1 }, MAG2)!)).to.deep.equal(['2001:db8:a000:1::/64']);
      expect(h.core.bindings()).to.have.length(2);
    });
  });

  describe('robustness (MH-05..08)', () => {
    it('drops malformed headers with a counter and answers unknown types with a Binding Error', () => {
      h.core.receive(Uint8Array.from([59, 5, 5, 0, 0, 0]), MAG1);
      h.core.receive(Uint8Array.from([59, 0, 5, 0, 0, 0, 0, 0]), MAG1); // HdrLen 0: too short for a PBU
      h.core.receive(Uint8Array.from([6, 0, 200, 0, 0, 0, 0, 0]), MAG1); // Payload Proto not 59
      h.core.receive(Uint8Array.from([59, 0, 200, 0, 0, 0, 0, 0]), MAG1);
      expect(h.counters.get('malformed_dropped')).to.equal(3);
      expect(h.sent).to.have.length(1);
      expect(h.sent[0]!.msg.type).to.equal(7);
      expect((h.sent[0]!.msg as { status: number }).status).to.equal(2);
      expect(h.sent[0]!.dst).to.equal(MAG1);
    });

    it('survives 20 000 random datagrams and still answers a valid PBU', () => {
      let x = 12345;
      const rnd = () => { x = (x * 1103515245 + 12345) & 0x7fffffff; return x; };
      for (let i = 0; i < 20_000; i++) {
        const len = rnd() % 80;
        const b = new Uint8Array(len);
        for (let j = 0; j < len; j++) b[j] = rnd() & 0xff;
        if (len > 2 && i % 2 === 0) { b[0] = 59; b[2] = 5; b[1] = (len >> 3) - 1; }
        h.core.receive(b, MAG1);
      }
      expect(h.counters.get('malformed_dropped')).to.be.above(1000);
      expect(h.counters.get('be_tx')).to.be.at.most(50);
      expect(h.pbu({ mnId: 'mn2@pmip.example' }, MAG1)!.status).to.equal(0);
    });
  });

  it('sends PBAs from nowhere but the configured LMAA (the I/O layer binds it)', () => {
    expect(h.cfg.lma.address).to.equal(LMAA);
  });
});
