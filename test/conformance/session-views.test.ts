// The checks whose judgement hangs on the session model and on who sent a PBU: a PBA granting
// other prefixes that starts a new session (§5.4.1), a PBA the MAG must ignore registering nothing
// at the MAG (§6.9.1.2), prefixes of concurrently attached MNs, the LMA's answers to emulated MAGs,
// timestamps in retransmissions, a case's live verdicts counted once beside the passive ones, and
// the testbed's event log read as trace events. Each changed check passes on one trace and fails
// on another, naming a frame where it fails.
import { expect } from 'chai';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MobilityOptionSpec } from '../../wire/index.js';
import { Judge, runChecks, type RequirementResult } from '../../harness/checks/index.js';
import { ActiveVerdict, resolveActive } from '../../harness/conformance/verdicts.js';
import { EventLogError, readEventLog, traceEventsFromLog, type Trace } from '../../harness/trace/index.js';
import {
  buildTrace, exchange, golden, LMA, MAG1, MAG2, MN1, MN2, msg, ra, removeTagged, retransmissions, rs, spec, T0, TESTER,
  type Scenario, type Spec,
} from './scenario.js';

const TESTER2 = '2001:db8:1::98';
const NEW_HNP = '2001:db8:aa:22::/64';

function verdict(sc: Scenario, id: string): RequirementResult {
  const [r] = runChecks(buildTrace(sc), { only: [id] });
  return r!;
}

/** A FAIL that names at least one frame, with what was expected and seen. */
function expectFail(r: RequirementResult): void {
  expect(r.verdict, r.message).to.equal('FAIL');
  const e = r.evidence[0]!;
  expect(e.frames.length, 'evidence frames').to.be.greaterThan(0);
  expect(e.expected).to.be.a('string').and.not.equal(e.seen);
}

function expectPass(r: RequirementResult): void {
  expect(r.verdict, r.message).to.equal('PASS');
  expect(r.checked).to.be.greaterThan(0);
}

const options = (sc: Scenario, tag: string): MobilityOptionSpec[] => msg(sc, tag).options;
const setOpt = (sc: Scenario, tag: string, type: number, patch: Record<string, unknown>): void => {
  const o = options(sc, tag).find((x) => x.type === type);
  if (o === undefined) throw new Error(`${tag} has no option ${type}`);
  Object.assign(o, patch);
};
const dropOpt = (sc: Scenario, tag: string, type: number): void => {
  const m = msg(sc, tag);
  m.options = m.options.filter((o) => o.type !== type);
};
const at = (sc: Scenario, tag: string, time: number): void => { spec(sc, tag).time = time; };

// ---------------------------------------------------------------------------------------------
// §5.4.1: which PBA continues a session and which starts a new one

const MN2_TAGS = ['mn2-attach-pbu', 'mn2-attach-pba', 'mn2-ho-pbu', 'mn2-ho-pba', 'mn2-late-dereg-pbu'];

/**
 * MN2 (no MN-LL-ID anywhere) moves to MAG2 with `hi`; the LMA answers 0.6 s later with another
 * prefix and link-local address. With HI 4 and no de-registration from MAG1 that is a new session
 * (LMA-BCE-11); with HI 3 the lookup must find MN2's only session (LMA-BCE-10), so it is a
 * handover that got the wrong prefix.
 */
const mn2Moves = (hi: number, hnp = NEW_HNP) => (sc: Scenario): void => {
  for (const tag of MN2_TAGS) dropOpt(sc, tag, 25);
  setOpt(sc, 'mn2-ho-pbu', 23, { value: hi });
  setOpt(sc, 'mn2-ho-pba', 23, { value: hi });
  setOpt(sc, 'mn2-ho-pba', 22, { prefix: hnp });
  if (hnp !== MN2.hnp) setOpt(sc, 'mn2-ho-pba', 26, { address: 'fe80::b:2' });
  at(sc, 'mn2-ho-pba', 300.6);
};

/** MAG1 de-registers MN2 (accepted) while the LMA waits on MAG2's HI 4 PBU. */
const mag1Deregisters = (sc: Scenario, time = 300.2, delay = 0.01): void => {
  removeTagged(sc, 'mn2-late-dereg-pbu');
  sc.specs.push(...exchange('mn2-dereg', time, MAG1, { mn: MN2, seq: 104, hi: 4, hnp: MN2.hnp, lla: MN2.lla, lifetime: 0 }, { delay }));
  dropOpt(sc, 'mn2-dereg-pbu', 25);
  dropOpt(sc, 'mn2-dereg-pba', 25);
};

describe('conformance/session views: a PBA granting other prefixes', () => {
  it('starts a new session beside the old one when §5.4.1 lets the LMA (HI 4, no de-registration)', () => {
    const sc = golden();
    mn2Moves(4)(sc);
    const t = buildTrace(sc);
    const mine = t.sessions.filter((s) => s.mnId === MN2.nai);
    expect(mine.map((s) => `${s.events.map((e) => `${e.kind}@${e.mag}`).join(' ')} ${s.hnps.join()}`)).to.deep.equal([
      `attach@${MAG1} dereg-unanswered@${MAG1} ${MN2.hnp}`,
      `attach@${MAG2} ${NEW_HNP}`,
    ]);
    expect(mine[1]!.replaces).to.equal(mine[0]);
    expect(mine[0]!.mag).to.equal(MAG1);
  });

  it('keeps a PBA the lookup must match in the session, whatever prefix it grants (HI 3)', () => {
    const sc = golden();
    mn2Moves(3)(sc);
    const mine = buildTrace(sc).sessions.filter((s) => s.mnId === MN2.nai);
    // MAG1's de-registration (300.5 s, unanswered) came while the LMA still had MN2 at MAG1.
    expect(mine.map((s) => s.events.map((e) => `${e.kind}@${e.mag}`).join(' '))).to.deep.equal([`attach@${MAG1} dereg-unanswered@${MAG1} handover@${MAG2}`]);
  });

  for (const id of ['HO-03', 'HO-04', 'LMA-PBA-13']) {
    it(`${id} judges a new session as no handover, and a handover with a new binding as a failure`, () => {
      const ok = golden();
      mn2Moves(4)(ok);
      expectPass(verdict(ok, id));
      const bad = golden();
      mn2Moves(3)(bad);
      expectFail(verdict(bad, id));
    });
  }

  it('LMA-BCE-11: once the previous MAG de-registered, the HI 4 PBU must keep the session\'s prefix', () => {
    const ok = golden();
    mn2Moves(4, MN2.hnp)(ok);
    mag1Deregisters(ok);
    expectPass(verdict(ok, 'LMA-BCE-11'));
    const bad = golden();
    mn2Moves(4)(bad);
    mag1Deregisters(bad);
    const r = verdict(bad, 'LMA-BCE-11');
    expectFail(r);
    expect(r.message).to.match(/de-registered while the LMA waited/);
  });

  it('takes the de-registration that released a held HI 4 PBU as decided first, though its PBA left a moment later', () => {
    const sc = golden();
    mn2Moves(4, MN2.hnp)(sc);
    // The LMA answers the held PBU (300.6 s) while processing MAG1's de-registration, then answers that.
    mag1Deregisters(sc, 300.55, 0.0505);
    const t = buildTrace(sc);
    const mine = t.sessions.filter((s) => s.mnId === MN2.nai);
    expect(mine.map((s) => s.events.map((e) => `${e.kind}@${e.mag}`).join(' '))).to.deep.equal([`attach@${MAG1} deregistration@${MAG1} handover@${MAG2}`]);
    expectPass(verdict(sc, 'LMA-BCE-11'));
    expect(verdict(sc, 'DEREG-06').verdict, 'no foreign de-registration').to.not.equal('FAIL');
  });

  it('LMA-BCE-11 leaves an HI 4 PBU whose MN-LL-ID finds the session to the lookup (LMA-BCE-09)', () => {
    const sc = golden();
    setOpt(sc, 'mn2-ho-pbu', 23, { value: 4 });
    setOpt(sc, 'mn2-ho-pba', 23, { value: 4 });
    expect(verdict(sc, 'LMA-BCE-11').verdict).to.equal('INCONCLUSIVE');
  });
});

// ---------------------------------------------------------------------------------------------
// §6.9.1.2: a PBA the MAG must ignore

/** Ways to spoil MN1's attach PBA so that MAG1 must ignore it, with the reason the trace gives. */
const SPOILED: Record<string, [(sc: Scenario) => void, RegExp]> = {
  'P flag clear': [(sc) => { msg(sc, 'mn1-attach-pba').flags = { P: false }; }, /P flag is clear/],
  'Sequence # of no PBU': [(sc) => { msg(sc, 'mn1-attach-pba').seq = 7; }, /Sequence # 7 answers no PBU/],
  'HI differing': [(sc) => setOpt(sc, 'mn1-attach-pba', 23, { value: 0 }), /HI 0 differs/],
  'ATT differing': [(sc) => setOpt(sc, 'mn1-attach-pba', 24, { value: 1 }), /ATT 1 differs/],
  'MN-ID differing': [(sc) => setOpt(sc, 'mn1-attach-pba', 8, { id: 'other@example.com' }), /MN-ID other@example.com differs/],
  'MN-LL-ID differing': [(sc) => setOpt(sc, 'mn1-attach-pba', 25, { id: '020000000099' }), /MN-LL-ID 020000000099 differs/],
  // A PBA the MAG must discard outright (a bad checksum...) answers nothing at all: malformed.test.ts.
};

const ignored = (sc: Scenario): void => SPOILED['P flag clear']![0](sc);

describe('conformance/session views: a PBA the MAG must ignore registers nothing at the MAG', () => {
  const attachOf = (t: Trace) => t.exchanges.find((x) => x.mnId === MN1.nai && x.hi === 1)!;

  it('leaves a well-formed PBA to be taken', () => {
    expect(attachOf(buildTrace(golden())).magIgnores).to.equal(undefined);
  });

  it('takes a PBA that lacks an option the PBU had (§6.9.1.2 ignores different values, not absent ones; OPMIP\'s LMA sends no MN-LL-ID)', () => {
    const sc = golden();
    const pba = msg(sc, 'mn1-attach-pba');
    pba.options = pba.options.filter((o) => o.type !== 25);
    expect(attachOf(buildTrace(sc)).magIgnores).to.equal(undefined);
  });

  for (const [what, [spoil, why]] of Object.entries(SPOILED)) {
    it(`notes why: ${what}`, () => {
      const sc = golden();
      spoil(sc);
      const t = buildTrace(sc);
      const x = attachOf(t);
      expect(x.pba, 'the PBA is still paired with the PBU').to.not.equal(undefined);
      expect(x.magIgnores).to.match(why);
      // The LMA created the binding all the same (its side of the session is unchanged).
      expect(x.session?.events[0]?.kind).to.equal('attach');
    });
  }

  it('RA-05: an RS after an ignored PBA is not owed the HNP; after a taken one it is', () => {
    const rsAfter = (sc: Scenario): void => { sc.specs.push(rs('mn1-rs-late', 'acc1', 5.0, MN1)); };
    const bad = golden();
    rsAfter(bad);
    expectFail(verdict(bad, 'RA-05'));
    const ok = golden();
    rsAfter(ok);
    ignored(ok);
    const r = verdict(ok, 'RA-05');
    expectPass(r);
    expect(r.checked, 'only the RS after the refresh the MAG took').to.equal(1);
  });

  it('RA-02: an RA without the HNP after an ignored PBA is no failure', () => {
    const bareRa = (sc: Scenario): void => { sc.specs.push(ra('mn1-ra-bare', 'acc1', 5.0, MN1.lla, [])); };
    const bad = golden();
    bareRa(bad);
    expectFail(verdict(bad, 'RA-02'));
    const ok = golden();
    bareRa(ok);
    ignored(ok);
    expectPass(verdict(ok, 'RA-02'));
  });

  it('MAG-PBA-05: no RA with the HNP is owed after an ignored PBA', () => {
    const noHnp = (sc: Scenario): void => { spec(sc, 'mn1-ra', 'nd').msg.prefixes = []; };
    const bad = golden();
    noHnp(bad);
    expectFail(verdict(bad, 'MAG-PBA-05'));
    const ok = golden();
    noHnp(ok);
    ignored(ok);
    expectPass(verdict(ok, 'MAG-PBA-05'));
  });
});

// ---------------------------------------------------------------------------------------------
// LMA-PBA-09: concurrently attached MNs never share a prefix

/** MN1 attaches and de-registers; MN2 is then given MN1's prefix at `time`. */
function prefixReuse(time: number, minDelayBeforeBceDeleteMs?: number): Scenario {
  return {
    points: [{ name: 'trn', kind: 'transport' }],
    specs: [
      ...exchange('mn1-attach', 1, MAG1, { mn: MN1, seq: 10, hi: 1 }, { hnps: [MN1.hnp], lla: MN1.lla }),
      ...exchange('mn1-dereg', 5, MAG1, { mn: MN1, seq: 11, hi: 4, hnp: MN1.hnp, lla: MN1.lla, lifetime: 0 }, {}),
      ...exchange('mn2-attach', time, MAG1, { mn: MN2, seq: 12, hi: 1 }, { hnps: [MN1.hnp], lla: MN2.lla }),
    ],
    options: minDelayBeforeBceDeleteMs === undefined ? {} : { settings: { minDelayBeforeBceDeleteMs } },
  };
}

describe('conformance/session views: LMA-PBA-09 across MNs', () => {
  it('passes when the prefix goes to another MN after the first one\'s binding is gone', () => {
    expectPass(verdict(prefixReuse(30), 'LMA-PBA-09'));
  });

  it('fails when another MN still holds it (here: its binding waits MinDelayBeforeBCEDelete)', () => {
    const r = verdict(prefixReuse(9, 10000), 'LMA-PBA-09');
    expectFail(r);
    expect(r.message).to.include(`which ${MN1.nai} holds`);
    expect(r.evidence[0]!.frames.map((f) => f.frame)).to.deep.equal([1, 2, 5, 6]);
  });

  it('is inconclusive when only a defaulted MinDelayBeforeBCEDelete says the binding still waited', () => {
    const r = verdict(prefixReuse(9), 'LMA-PBA-09');
    expect(r.verdict).to.equal('INCONCLUSIVE');
    expect(r.message).to.include('--min-delay-bce');
  });

  it('fails on the golden trace with MN2 given MN1\'s prefix', () => {
    const sc = golden();
    setOpt(sc, 'mn2-attach-pba', 22, { prefix: MN1.hnp });
    expectFail(verdict(sc, 'LMA-PBA-09'));
  });
});

// ---------------------------------------------------------------------------------------------
// The LMA's answers to emulated MAGs (tester stimuli)

/**
 * Two emulated MAGs: MN1 attaches at TESTER, refreshes and de-registers; MN2 (no MN-LL-ID)
 * attaches at TESTER and TESTER2 sends HI 4 for it, answered 0.6 s later with a new prefix.
 */
function emulatedMags(): Scenario {
  const specs: Spec[] = [
    ...exchange('t-attach', 1, TESTER, { mn: MN1, seq: 10, hi: 1 }, { hnps: [MN1.hnp], lla: MN1.lla }),
    ...exchange('t-refresh', 5, TESTER, { mn: MN1, seq: 11, hi: 5, hnp: MN1.hnp, lla: MN1.lla }, { hnps: [MN1.hnp] }),
    ...exchange('t-dereg', 10, TESTER, { mn: MN1, seq: 12, hi: 4, hnp: MN1.hnp, lla: MN1.lla, lifetime: 0 }, {}),
    ...exchange('t-mn2', 20, TESTER, { mn: MN2, seq: 13, hi: 1 }, { hnps: [MN2.hnp], lla: MN2.lla }),
    ...exchange('t-mn2-hi4', 21, TESTER2, { mn: MN2, seq: 1, hi: 4 }, { hnps: [NEW_HNP], lla: 'fe80::b:2', delay: 0.6 }),
  ];
  const sc: Scenario = { points: [{ name: 'trn', kind: 'transport' }], specs, options: { testers: [TESTER, TESTER2], lmas: [LMA] } };
  for (const tag of ['t-mn2-pbu', 't-mn2-pba', 't-mn2-hi4-pbu', 't-mn2-hi4-pba']) dropOpt(sc, tag, 25);
  return sc;
}

describe('conformance/session views: LMA-side checks judge the answers to emulated MAGs', () => {
  const cases: [string, (sc: Scenario) => void][] = [
    ['LMA-BCE-05', (sc) => setOpt(sc, 't-refresh-pba', 22, { prefix: '2001:db8:aa:77::/64' })],
    ['REREG-07', (sc) => { msg(sc, 't-refresh-pba').lifetime = 0; }],
    ['DEREG-07', (sc) => at(sc, 't-dereg-pba', 12)],
    ['LMA-BCE-11', (sc) => setOpt(sc, 't-mn2-hi4-pba', 22, { prefix: MN2.hnp })],
  ];
  for (const [id, spoil] of cases) {
    it(`${id} passes and fails on the tester's exchanges`, () => {
      expectPass(verdict(emulatedMags(), id));
      const sc = emulatedMags();
      spoil(sc);
      expectFail(verdict(sc, id));
    });
  }

  it('leaves a refresh a tester may have crafted to be refused to the case', () => {
    const sc = emulatedMags();
    msg(sc, 't-refresh-pba').status = 156;
    for (const id of ['LMA-BCE-05', 'REREG-07']) expect(verdict(sc, id).verdict, id).to.equal('INCONCLUSIVE');
  });

  it('HO-01 does not judge a tester\'s Handoff Indicator; HO-02 counts what a tester registered', () => {
    const sc = emulatedMags();
    setOpt(sc, 't-mn2-hi4-pbu', 23, { value: 2 });
    setOpt(sc, 't-mn2-hi4-pba', 23, { value: 2 });
    setOpt(sc, 't-mn2-hi4-pba', 22, { prefix: MN2.hnp });
    expect(verdict(sc, 'HO-01').verdict).to.equal('INCONCLUSIVE');
    // A MAG under test hands MN1 over from the tester: MN1 was registered, by the tester.
    const known = emulatedMags();
    removeTagged(known, 't-dereg-pbu', 't-dereg-pba');
    known.specs.push(...exchange('mag-ho', 8, MAG2, { mn: MN1, seq: 500, hi: 3 }, { hnps: [MN1.hnp], lla: MN1.lla }));
    expectPass(verdict(known, 'HO-02'));
    const unknown = emulatedMags();
    unknown.specs.push(...exchange('mag-ho', 8, MAG2, { mn: { ...MN1, nai: 'mn7@example.com' }, seq: 500, hi: 3 }, { hnps: ['2001:db8:aa:7::/64'], lla: MN1.lla }));
    expectFail(verdict(unknown, 'HO-02'));
  });
});

// ---------------------------------------------------------------------------------------------
// MAG-RTX-04/05: timestamps in retransmissions

describe('conformance/session views: MAG-RTX-04 in timestamp mode', () => {
  it('fails a retransmission that carries no Timestamp, and does not judge it by sequence number', () => {
    const sc = retransmissions();
    sc.options.settings = { timestampMode: true };
    expectPass(verdict(sc, 'MAG-RTX-04'));
    dropOpt(sc, 'rtx-2-pbu', 27);
    const r = verdict(sc, 'MAG-RTX-04');
    expectFail(r);
    expect(r.evidence[0]!.seen).to.equal('absent');
    expect(verdict(sc, 'MAG-RTX-05').verdict).to.equal('NOT-APPLICABLE');
  });
});

// ---------------------------------------------------------------------------------------------
// A case's live verdict and the passive check on the same messages

describe('conformance/session views: a live verdict on messages a passive check judged counts once', () => {
  const sc = golden();
  const t = buildTrace(sc);
  const judges = new Map<string, Judge>();
  const [passive] = runChecks(t, { only: ['LMA-BCE-05'], judges });
  const refresh = (tag: string) => {
    const s = spec(sc, tag, 'mh');
    return { src: s.src, dst: s.dst, type: s.msg.type, seq: (s.msg as { seq: number }).seq, timeMs: (T0 + s.time) * 1000 };
  };
  const live = (pass: boolean): ActiveVerdict => {
    const v = new ActiveVerdict('LMA-BCE-05');
    if (pass) v.pass('refresh kept its prefix', [refresh('mn1-refresh-pbu'), refresh('mn1-refresh-pba')]);
    else v.fail('refresh changed its prefix', [refresh('mn1-refresh-pbu'), refresh('mn1-refresh-pba')]);
    return v;
  };

  it('the passive judge remembers the refresh it passed', () => {
    expect(passive!.verdict).to.equal('PASS');
    const pba = t.mh.find((f) => f.mh.type === 6 && f.ref.time === T0 + spec(sc, 'mn1-refresh-pba').time)!;
    expect(judges.get('LMA-BCE-05')!.judgedWith(pba, true)).to.equal(true);
    expect(judges.get('LMA-BCE-05')!.judgedWith(pba, false)).to.equal(false);
  });

  it('an agreeing live judgement adds no instance; a disagreeing one stays and fails', () => {
    expect(resolveActive(t, [live(true)], 'case x', judges)).to.deep.equal([]);
    const [r] = resolveActive(t, [live(false)], 'case x', judges);
    expect(r!.verdict).to.equal('FAIL');
    expect(r!.checked).to.equal(1);
    // Without the passive judges (another caller), the live judgement counts as before.
    expect(resolveActive(t, [live(true)], 'case x').map((x) => x.verdict)).to.deep.equal(['PASS']);
  });
});

// ---------------------------------------------------------------------------------------------
// The testbed's event log

describe('conformance/session views: the testbed\'s events.jsonl as trace events', () => {
  let dir = '';
  before(async () => { dir = await mkdtemp(join(tmpdir(), 'pmip-events-')); });
  after(async () => { await rm(dir, { recursive: true, force: true }); });

  const logged = [
    { timeUs: 1_800_000_001_500_000, time: '', type: 'attach', node: 'mn1', text: 'mn1 attached to ap1', detail: { ap: 'ap1', mnId: MN1.nai, mac: MN1.mac, mag: MAG1 } },
    { timeUs: 1_800_000_002_000_000, time: '', type: 'ping', node: 'cn1', text: 'ping' },
    { timeUs: 1_800_000_003_250_000, time: '', type: 'handover', node: 'mn1', text: 'mn1 leaves ap1 for ap2', detail: { from: 'ap1', to: 'ap2', mnId: MN1.nai, mac: MN1.mac, mag: MAG2 } },
    { timeUs: 1_800_000_004_000_000, time: '', type: 'detach', node: 'mn2', text: 'mn2 detached from ap2', detail: { ap: 'ap2' } },
  ];

  it('reads a run\'s events.jsonl: the MN moves, in seconds, with MN-ID, MAC and MAG', async () => {
    const file = join(dir, 'events.jsonl');
    await writeFile(file, logged.map((e) => JSON.stringify(e)).join('\n'));
    expect(await readEventLog(file)).to.deep.equal([
      { time: 1_800_000_001.5, kind: 'attach', mn: 'mn1', mnId: MN1.nai, mac: MN1.mac, ap: 'ap1', mag: MAG1 },
      { time: 1_800_000_003.25, kind: 'handover', mn: 'mn1', mnId: MN1.nai, mac: MN1.mac, ap: 'ap2', mag: MAG2 },
      { time: 1_800_000_004, kind: 'detach', mn: 'mn2', ap: 'ap2' },
    ]);
  });

  it('takes what an entry leaves out from the topology\'s identities', () => {
    const [e] = traceEventsFromLog([logged[3]!], { mn: (n) => (n === 'mn2' ? { nai: MN2.nai, mac: MN2.mac } : undefined), magOfAp: () => MAG2 });
    expect(e).to.deep.equal({ time: 1_800_000_004, kind: 'detach', mn: 'mn2', mnId: MN2.nai, mac: MN2.mac, ap: 'ap2', mag: MAG2 });
  });

  it('refuses a file in another format with a clear, named error', async () => {
    const file = join(dir, 'old.jsonl');
    await writeFile(file, JSON.stringify({ time: 1, kind: 'attach', mnId: MN1.nai }));
    let err: unknown;
    try { await readEventLog(file); } catch (e) { err = e; }
    expect(err).to.be.instanceOf(EventLogError);
    expect((err as Error).message).to.match(/entry 1 needs a numeric "timeUs"/);
  });

  it('judges DEREG-01 from the log: an MN that left without a de-registration', () => {
    const sc = golden();
    sc.options.events = traceEventsFromLog([{ timeUs: (T0 + 200) * 1e6, type: 'detach', node: 'mn1', detail: { ap: 'ap1', mnId: MN1.nai, mac: MN1.mac } }]);
    expectPass(verdict(sc, 'DEREG-01'));
    removeTagged(sc, 'mn1-dereg-pbu', 'mn1-dereg-pba');
    expect(verdict(sc, 'DEREG-01').verdict).to.equal('FAIL');
    // An entry naming no MN cannot be matched to PBUs: not judged.
    sc.options.events = traceEventsFromLog([{ timeUs: (T0 + 200) * 1e6, type: 'detach', node: 'mn1', detail: { ap: 'ap1' } }]);
    expect(verdict(sc, 'DEREG-01').verdict).to.equal('INCONCLUSIVE');
  });
});
