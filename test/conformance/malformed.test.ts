// Verdicts follow what the receiver does with a malformed Mobility Header (RFC 6275 §9.2, catalog
// C.1). A PBA its MAG must discard acknowledges nothing: the PBU after it is a retransmission
// (MAG-RTX-*), not a refresh (REREG-*), and no session starts. The sender of the malformed message
// gets the FAIL (MH-01..04, with the octet counts), and the LMA's other PBA checks read its bytes as
// sent, saying it was dropped. One trace per kind of malformation, each shown both ways.
import { expect } from 'chai';
import { withShortHeaderLen, type MobilityHeaderSpec, type MobilityOptionSpec } from '../../wire/index.js';
import { runChecks, type RequirementResult } from '../../harness/checks/index.js';
import type { Trace } from '../../harness/trace/index.js';
import { buildTrace, exchange, LMA, MAG2, MN4, spec, type Scenario, type Spec } from './scenario.js';

type Mh = Extract<Spec, { kind: 'mh' }>;

const optionsOf = (s: Mh): MobilityOptionSpec[] => (s.msg as unknown as { options: MobilityOptionSpec[] }).options;

/** As OAI's BAs: the Timestamp last, no padding after it, Header Len 8 octets short of the padded message. */
function oaiStyle(s: Mh): void {
  const options = optionsOf(s);
  options.push(...options.splice(options.findIndex((o) => o.type === 27), 1));
  s.rewrite = withShortHeaderLen;
}

/** Ways to make a PBA its MAG must discard, and what the trace says about it. */
const MALFORMATIONS: Record<string, [(s: Mh) => void, RegExp]> = {
  'a bad checksum': [(s) => { s.badChecksum = true; }, /checksum is wrong/],
  'Payload Proto 6': [(s) => { (s.msg as { payloadProto?: number }).payloadProto = 6; }, /Payload Proto is 6, not 59/],
  'a Header Len too short for a PBA': [(s) => { s.rewrite = (mh) => { mh[1] = 0; return mh; }; }, /shorter than the 12 octets a PBA needs/],
  'an option running past Header Len (OAI)': [oaiStyle, /option 27 at offset \d+ overruns the header/],
  'an option of the wrong length': [(s) => {
    const hi = optionsOf(s).find((o) => o.type === 23)!;
    Object.assign(hi, { type: 23, length: 3, data: '000100' });
  }, /option 23 \(Handoff Indicator\) at offset \d+ has length 3/],
};

/** MN4 attaches at MAG2: PBU 600 is answered by `first`, PBU 601 one second later by a good PBA. */
function attach(first: ((s: Mh) => void) | null): Scenario {
  const sc: Scenario = {
    points: [{ name: 'trn', kind: 'transport' }],
    specs: [
      ...exchange('a1', 30.0, MAG2, { mn: MN4, seq: 600, hi: 1 }, { hnps: [MN4.hnp], lla: MN4.lla }),
      ...exchange('a2', 31.0, MAG2, { mn: MN4, seq: 601, hi: 1 }, { hnps: [MN4.hnp], lla: MN4.lla }),
      ...exchange('a3', 33.0, MAG2, { mn: MN4, seq: 602, hi: 5, hnp: MN4.hnp, lla: MN4.lla }, { hnps: [MN4.hnp] }),
    ],
    options: {},
  };
  if (first) first(spec(sc, 'a1-pba', 'mh'));
  return sc;
}

function verdicts(t: Trace, ...ids: string[]): Record<string, RequirementResult> {
  return Object.fromEntries(runChecks(t, { only: ids }).map((r) => [r.id, r]));
}

const pbuOf = (t: Trace, seq: number) => t.exchanges.find((x) => x.pbu.mh.seq === seq)!;

describe('conformance/malformed messages: the verdicts follow what the receiver does with them', () => {
  it('a well-formed reply is taken: the PBU after it is a refresh and REREG-03/04 judge it', () => {
    const t = buildTrace(attach(null));
    const [a1, a2] = [pbuOf(t, 600), pbuOf(t, 601)];
    expect(a1.pba, 'the PBA answers PBU 600').to.not.equal(undefined);
    expect(a2.retransmits).to.equal(undefined);
    expect(a2.event?.kind).to.equal('refresh');
    const v = verdicts(t, 'REREG-03', 'REREG-04', 'MAG-RTX-01');
    // PBU 601 asks for ::/0 with HI 1 after a registration: a faulty refresh, rightly blamed.
    expect(v['REREG-03']!.verdict, v['REREG-03']!.message).to.equal('FAIL');
    expect(v['REREG-04']!.verdict, v['REREG-04']!.message).to.equal('FAIL');
    expect(v['MAG-RTX-01']!.verdict).to.equal('INCONCLUSIVE');
  });

  for (const [what, [spoil, why]] of Object.entries(MALFORMATIONS)) {
    it(`a PBA with ${what} is dropped: PBU 601 retransmits PBU 600, the session starts with its PBA`, () => {
      const t = buildTrace(attach(spoil));
      const [a1, a2, a3] = [pbuOf(t, 600), pbuOf(t, 601), pbuOf(t, 602)];
      expect(a1.pba, 'the dropped PBA answers nothing').to.equal(undefined);
      expect(a1.droppedPbas?.map((f) => f.discarded)).to.have.length(1);
      expect(a1.droppedPbas![0]!.discarded).to.match(why);
      expect(a1.session, 'no session from a dropped PBA').to.equal(undefined);
      expect(a2.retransmits).to.equal(a1);
      expect(a2.event?.kind).to.equal('attach');
      expect(a3.event?.kind).to.equal('refresh');
      const v = verdicts(t, 'MAG-RTX-01', 'MAG-RTX-02', 'REREG-02', 'REREG-03', 'REREG-04', 'LMA-ERR-13', 'MH-01', 'MH-02', 'MH-03', 'MH-04');
      for (const id of ['MAG-RTX-01', 'MAG-RTX-02']) {
        expect(v[id]!.verdict, `${id}: ${v[id]!.message}`).to.equal('PASS');
        expect(v[id]!.message).to.match(/malformed and dropped/);
      }
      // Only the real refresh (PBU 602) is judged as one, and it is right.
      for (const id of ['REREG-02', 'REREG-03', 'REREG-04']) {
        expect(v[id]!.verdict, `${id}: ${v[id]!.message}`).to.equal('PASS');
        expect(v[id]!.checked, id).to.equal(1);
      }
      expect(v['LMA-ERR-13']!.verdict, 'the LMA did answer every PBU').to.equal('PASS');
      // The sender of the malformed PBA is blamed, in the MH requirement its malformation breaks.
      const blamed = Object.values(v).filter((r) => r.id.startsWith('MH-') && r.verdict === 'FAIL');
      if (what !== 'an option of the wrong length') {
        expect(blamed.map((r) => r.id), what).to.have.length.greaterThan(0);
        for (const r of blamed) expect(r.evidence[0]!.frames.map((f) => f.summary).join(' '), r.id).to.match(/^2001:db8:1::2 > 2001:db8:1::3: PBA/);
      }
    });
  }

  it('OAI-style PBAs: MH-02 and MH-03 FAIL with octet counts, the Timestamp is present after the declared end, LMA-PBA-* read leniently', () => {
    const sc = attach(MALFORMATIONS['an option running past Header Len (OAI)']![0]);
    spec(sc, 'a1-pba', 'mh').msg = { ...(spec(sc, 'a1-pba', 'mh').msg as MobilityHeaderSpec & { type: 6 }), flags: { P: false } };
    const t = buildTrace(sc);
    const v = verdicts(t, 'MH-02', 'MH-03', 'LMA-PBA-02', 'LMA-PBA-05', 'LMA-PBA-06', 'LMA-PBA-08', 'ORD-01');
    const dropped = pbuOf(t, 600).droppedPbas![0]!;
    const declared = dropped.mh.length, carried = dropped.upperLength;
    expect(carried - declared, 'Header Len 4 octets short of what is carried').to.equal(4);
    expect(v['MH-02']!.verdict).to.equal('FAIL');
    expect(v['MH-02']!.message).to.include(`= ${declared} octets, but the IPv6 payload after extension headers holds ${carried}`);
    expect(v['MH-02']!.message).to.include(`present after the declared end of the Mobility Header (Header Len says ${declared} octets, the option ends at ${carried})`);
    expect(v['MH-03']!.verdict).to.equal('FAIL');
    expect(v['MH-03']!.message).to.include(`wrong for the ${declared} octets Header Len declares, but right over all ${carried} octets of the IPv6 payload`);
    // Judged from the bytes as sent: the P flag is clear (a FAIL), HI and ATT are echoed, the Timestamp is there.
    expect(v['LMA-PBA-02']!.verdict).to.equal('FAIL');
    expect(v['LMA-PBA-02']!.evidence[0]!.frames[1]!.summary).to.match(/\[malformed, dropped by its receiver: option 27 at offset \d+ overruns the header/);
    for (const id of ['LMA-PBA-05', 'LMA-PBA-06']) expect(v[id]!.verdict, `${id}: ${v[id]!.message}`).to.equal('PASS');
    for (const id of ['LMA-PBA-08', 'ORD-01']) {
      expect(v[id]!.verdict, `${id}: ${v[id]!.message}`).to.equal('PASS');
      expect(v[id]!.evidence.map((e) => e.message).join(' | ')).to.include(`present after the declared end of the Mobility Header (Header Len says ${declared} octets, the option ends at ${carried})`);
    }
    expect(t.describeMh(dropped)).to.include(`present after the declared end of the Mobility Header (Header Len says ${declared} octets, the option ends at ${carried})`);
  });

  // OAI's PBUs and PBAs both end with a Timestamp past their declared end: LMA-PBA-08 reads the
  // two alike (as sent), so the copy is judged and MH-02 alone blames the placement.
  for (const [what, pbaTimestamp, verdict] of [['kept', true, 'PASS'], ['left out', false, 'FAIL']] as const) {
    it(`OAI-style PBU and PBA, the PBA's Timestamp ${what}: LMA-PBA-08 reads both as sent and says ${verdict}`, () => {
      const sc = attach(oaiStyle);
      const pbu = spec(sc, 'a1-pbu', 'mh');
      oaiStyle(pbu);
      if (!pbaTimestamp) {
        const pba = spec(sc, 'a1-pba', 'mh');
        optionsOf(pba).splice(optionsOf(pba).findIndex((o) => o.type === 27), 1);
        delete pba.rewrite;
      }
      const t = buildTrace(sc);
      const r = runChecks(t, { only: ['LMA-PBA-08'] })[0]!;
      expect(r.verdict, r.message).to.equal(verdict);
      const text = r.evidence.map((e) => e.message).join(' | ');
      expect(text, 'the PBU\'s Timestamp counted, where it lies named').to.match(/PBU present after the declared end of the Mobility Header|present after the declared end of the Mobility Header \([^)]*\) in the PBU/);
    });
  }

  it('every PBA dropped: the MAG is judged on its back-off (MAG-RTX-03), never on refreshes', () => {
    const sc: Scenario = { points: [{ name: 'trn', kind: 'transport' }], specs: [], options: {} };
    for (const [i, at] of [30, 31, 33, 37].entries()) {
      const ex = exchange(`r${i}`, at, MAG2, { mn: MN4, seq: 600 + i, hi: 1 }, { hnps: [MN4.hnp], lla: MN4.lla });
      oaiStyle(ex[1] as Mh);
      sc.specs.push(...ex);
    }
    const t = buildTrace(sc);
    expect(t.sessions).to.have.length(0);
    const v = verdicts(t, 'MAG-RTX-01', 'MAG-RTX-02', 'MAG-RTX-03', 'REREG-03', 'REREG-04');
    for (const id of ['MAG-RTX-01', 'MAG-RTX-02', 'MAG-RTX-03']) expect(v[id]!.verdict, `${id}: ${v[id]!.message}`).to.equal('PASS');
    for (const id of ['REREG-03', 'REREG-04']) expect(v[id]!.checked, id).to.equal(0);
  });

  it('a dropped PBA ends no session: a de-registration answered only by one leaves it open', () => {
    const sc = attach(null);
    sc.specs.push(...exchange('d', 40.0, MAG2, { mn: MN4, seq: 603, hi: 4, hnp: MN4.hnp, lla: MN4.lla, lifetime: 0 }, {}));
    oaiStyle(spec(sc, 'd-pba', 'mh'));
    const t = buildTrace(sc);
    const s = pbuOf(t, 600).session!;
    expect(s.end, 'the session is not ended').to.equal(undefined);
    expect(pbuOf(t, 603).event?.kind).to.equal('dereg-unanswered');
  });

  it('a PBU its LMA must discard starts no session, even when the LMA answers it (MH-05 blames the LMA)', () => {
    const sc = attach(null);
    spec(sc, 'a1-pbu', 'mh').badChecksum = true;
    const t = buildTrace(sc);
    expect(pbuOf(t, 600).session).to.equal(undefined);
    expect(pbuOf(t, 601).event?.kind).to.equal('attach');
    const v = verdicts(t, 'MH-05');
    expect(v['MH-05']!.verdict).to.equal('FAIL');
    expect(v['MH-05']!.evidence[0]!.frames[1]!.summary).to.match(new RegExp(`^${LMA} > `));
  });
});
