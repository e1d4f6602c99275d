// RFC 5846 in pmipd, in virtual time: the LMA revokes (per MN, per prefix, global; on HI 4 instead
// of waiting), retransmits once, acts on the BRA; the MAG answers and lets go, or says the MN is
// still attached.
import { expect } from 'chai';
import { encodeMobilityHeader, findOption, type BindingRevocationAck, type BindingRevocationIndication, type MobilityOptionSpec } from '../../wire/index.js';
import { LmaHarness, LMAA, MAG1, MAG2, MN1_LL, MagHarness, revocationDomain, settle } from './logic-fixture.js';

const MN = 'mn1@pmip.example';
const bris = (h: LmaHarness) => h.sent.filter((s) => s.msg.type === 16).map((s) => ({ dst: s.dst, m: s.msg as BindingRevocationIndication }));
const bra = (seq: number, status: number, options: MobilityOptionSpec[] = [{ type: 8, subtype: 1, id: MN }]) =>
  encodeMobilityHeader({ type: 16, brType: 2, status, seq, flags: { P: true }, options, autoPad: true });

describe('pmipd binding revocation (RFC 5846)', () => {
  it('is off unless the domain names it: a BRI gets Binding Error 2 and `revoke` is refused', () => {
    const h = new LmaHarness();
    h.core.receive(bra(1, 0), MAG1);
    expect(h.sent.map((s) => s.msg.type)).to.deep.equal([7]);
    expect(() => h.core.revoke({ mn: MN })).to.throw(/revocation: true/);
  });

  it('revokes an MN with a BRI to its MAG (P, trigger 1, MN-ID), retransmits once after 1 s and deletes the binding', () => {
    const h = new LmaHarness({ cfg: revocationDomain() });
    h.pbu({});
    expect(h.core.revoke({ mn: MN })).to.equal(1);
    const [first] = bris(h);
    expect(first!.dst).to.equal(MAG1);
    expect([first!.m.brType, first!.m.trigger, first!.m.flags.P, first!.m.flags.G]).to.deep.equal([1, 1, true, false]);
    expect(findOption(first!.m.options, 8)?.id).to.equal(MN);
    h.clock.advance(999);
    expect(bris(h)).to.have.length(1);
    h.clock.advance(1);
    expect(bris(h).map((b) => b.m.seq)).to.deep.equal([first!.m.seq, first!.m.seq]);
    h.clock.advance(2000);
    expect(bris(h), 'no third transmission').to.have.length(2);
    expect(h.core.bindings(), 'cleaned up after the retries').to.deep.equal([]);
  });

  it('drops a BRA that answers nothing, and acts on the right one', () => {
    const h = new LmaHarness({ cfg: revocationDomain() });
    h.pbu({});
    h.core.revoke({ hnp: '2001:db8:a000::/64' });
    const seq = bris(h)[0]!.m.seq;
    expect(findOption(bris(h)[0]!.m.options, 22)?.prefix).to.equal('2001:db8:a000::/64');
    h.core.receive(bra((seq + 5) & 0xffff, 0), MAG1);
    expect(h.core.bindings()).to.have.length(1);
    h.core.receive(bra(seq, 0), MAG1);
    expect(h.core.bindings()).to.deep.equal([]);
    expect(h.sent.filter((s) => s.msg.type === 7)).to.deep.equal([]);
  });

  it('revokes every binding of a MAG with one global BRI (G = 1, trigger 128, no options)', () => {
    const h = new LmaHarness({ cfg: revocationDomain() });
    h.pbu({});
    h.pbu({ mnId: 'mn2@pmip.example' });
    expect(h.core.revoke({ global: true, mag: 'mag1' })).to.equal(1);
    const [b] = bris(h);
    expect([b!.m.flags.G, b!.m.trigger, b!.m.options.filter((o) => o.type > 1).length]).to.deep.equal([true, 128, 0]);
    h.core.receive(encodeMobilityHeader({ type: 16, brType: 2, status: 0, seq: b!.m.seq, flags: { P: true, G: true }, options: [], autoPad: true }), MAG1);
    expect(h.core.bindings()).to.deep.equal([]);
  });

  it('on HI 4 from a new MAG asks the previous one (trigger 4): BRA 0 hands the same prefix over, 132 makes a new session', () => {
    for (const [status, same] of [[0, true], [132, false]] as const) {
      const h = new LmaHarness({ cfg: revocationDomain() });
      const first = findOption(h.pbu({})!.options, 22)!.prefix;
      expect(h.pbu({ seq: 2, hi: 4 }, MAG2), 'held while the previous MAG is asked').to.equal(undefined);
      const [b] = bris(h);
      expect([b!.dst, b!.m.trigger]).to.deep.equal([MAG1, 4]);
      h.core.receive(bra(b!.m.seq, status), MAG1);
      const pba = h.lastPba();
      expect(pba.status).to.equal(0);
      expect(findOption(pba.options, 22)!.prefix === first, `BRA ${status}`).to.equal(same);
    }
  });

  it('the MAG answers a BRI: 128 for an MN it does not serve, 0 and the session gone otherwise, 132 for a handover while the MN answers', async () => {
    const bri = (seq: number, trigger: number, id = MN) => encodeMobilityHeader({ type: 16, brType: 1, trigger, seq, flags: { P: true }, options: [{ type: 8, subtype: 1, id }], autoPad: true });
    const h = new MagHarness({ cfg: revocationDomain() });
    h.present.add(MN1_LL);
    h.rs();
    h.answer();
    await settle();
    const bras = () => h.mh.filter((s) => s.msg.type === 16).map((s) => s.msg as BindingRevocationAck);
    h.core.receive(bri(1, 1, 'nobody@pmip.example'), LMAA);
    h.core.receive(bri(2, 4), LMAA);
    h.clock.advance(10);
    expect(bras().map((b) => [b.seq, b.status])).to.deep.equal([[1, 128], [2, 132]]);
    expect(h.core.bul.size).to.equal(1);
    h.core.receive(bri(3, 1), LMAA);
    expect(bras().at(-1)!.status).to.equal(0);
    expect(h.core.bul.size).to.equal(0);
    h.core.receive(bri(3, 1), LMAA);
    expect(bras().at(-1)!.status, 'a retransmitted BRI gets the same answer').to.equal(0);
  });
});
