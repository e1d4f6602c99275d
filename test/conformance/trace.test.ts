// The trace model on the golden scenario: roles, capture points, pairing and sessions.
import { expect } from 'chai';
import { buildTrace, golden, LMA, MAG1, MAG2, MN1, MN2, retransmissions, TESTER } from './scenario.js';

describe('conformance/trace', () => {
  const t = buildTrace(golden());

  it('infers roles from the signalling, testers apart', () => {
    expect(t.roles.mags).to.deep.equal([MAG1, MAG2]);
    expect(t.roles.lmas).to.deep.equal([LMA]);
    expect(t.roles.testers).to.deep.equal([TESTER]);
    expect(t.settings.timestampMode).to.equal(true);
    expect(t.provenance.timestampMode.source).to.equal('inferred');
    expect(t.settings.fixedMagLinkLocal).to.equal(null);
  });

  it('pairs every PBU with its PBA by MAG and sequence number, leaving the ignored ones unanswered', () => {
    const unanswered = t.exchanges.filter((e) => e.pba === undefined).map((e) => e.pbu.mh.seq);
    expect(unanswered).to.deep.equal([104, 900, 906]);
    for (const e of t.exchanges) if (e.pba) expect(e.pba.mh.seq).to.equal(e.pbu.mh.seq);
  });

  it('follows each MN through attach, refresh, de-registration and handover', () => {
    const [s1, s2] = t.sessions;
    expect(s1!.mnId).to.equal(MN1.nai);
    expect(s1!.events.map((e) => `${e.kind}@${e.mag}`)).to.deep.equal([`attach@${MAG1}`, `refresh@${MAG1}`, `deregistration@${MAG1}`, `handover@${MAG2}`]);
    expect(s1!.hnps).to.deep.equal([MN1.hnp]);
    expect(s1!.lla).to.equal(MN1.lla);
    expect(s2!.events.map((e) => e.kind)).to.deep.equal(['attach', 'handover', 'dereg-ignored']);
    expect(s2!.mag).to.equal(MAG2);
    expect(t.sessionsOfAddress(MN2.hoa)).to.deep.equal([s2]);
  });

  it('labels the capture points and their MAG and MNs', () => {
    const acc1 = t.points.find((p) => p.name === 'acc1')!;
    expect(acc1).to.include({ kind: 'access', mag: MAG1 });
    expect(acc1.mnMacs).to.deep.equal([MN1.mac]);
    expect(t.nodeName(MAG2)).to.equal('MAG2');
    expect(t.nodeName(MN1.hoa)).to.equal(`MN ${MN1.nai}`);
  });

  it('chains retransmissions of an unanswered PBU', () => {
    const r = buildTrace(retransmissions());
    expect(r.exchanges.map((e) => e.retransmits?.pbu.mh.seq ?? null)).to.deep.equal([null, 600, 601]);
    expect(r.sessions).to.have.length(1);
  });
});
