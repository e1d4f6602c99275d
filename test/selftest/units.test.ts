// The pure parts of the active tester and of the suite runner: crafted PBUs byte by byte, the
// emulated LMA's answers, merging verdicts, the baseline comparison, case selection, reading a
// capture while it is written, and what the trace is told about a topology.
import { expect } from 'chai';
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeMobilityHeader, encodeIpv6, parseIpv6, type BindingAck, type BindingUpdate } from '../../wire/index.js';
import { EmulatedLma, type EmulatedLmaConfig } from '../../harness/active/emulated-lma.js';
import type { Sent } from '../../harness/active/emulated-mag.js';
import { judgeReply, replyMatches } from '../../harness/active/judge-reply.js';
import { echoRequest, ipv6InIpv6, mhPacket, pbuSpec, restampPbu, unknownTypeSpec } from '../../harness/active/stimulus.js';
import { aggregate, compareBaseline, loadBaseline, writeBaseline, type Baseline } from '../../harness/conformance/baseline.js';
import { CaptureTail } from '../../harness/conformance/live-capture.js';
import { pmipdProfile, traceSettings } from '../../harness/conformance/profile.js';
import { globRegExp, selectCases, type SuiteCase } from '../../harness/conformance/suite.js';
import { capturePointSpecs, traceEvents } from '../../harness/conformance/topology-view.js';
import { ActiveVerdict, mergeResults, worstVerdict } from '../../harness/conformance/verdicts.js';
import type { RequirementResult } from '../../harness/checks/index.js';
import type { CaseResult } from '../../harness/report/index.js';
import { loadTopology } from '../../harness/topology/load.js';

const MAG = '2001:db8::1', LMA = '2001:db8::2';

describe('active tester: crafted PBUs', () => {
  const spec = pbuSpec({ seq: 0x1234, mnId: 'a@b', timestamp: { seconds: 0x0102030405, fraction: 0x0607 } });
  const { packet, mh } = mhPacket(spec, MAG, LMA);

  it('lays out a conformant initial PBU as catalog §A.3/§A.8 says', () => {
    // Common header: Payload Proto 59, MH type 5, reserved 0; Sequence #, A|P flags, lifetime 40 s = 10 units.
    expect([mh[0], mh[2], mh[3]]).to.deep.equal([59, 5, 0]);
    expect([mh[6], mh[7], mh[8], mh[9], mh[10], mh[11]]).to.deep.equal([0x12, 0x34, 0x82, 0x00, 0x00, 10]);
    // HNP first, at offset 12 (8n+4): type 22, length 18, reserved, prefix length 0, ::.
    expect([mh[12], mh[13], mh[14], mh[15]]).to.deep.equal([22, 18, 0, 0]);
    // HI 1 at 32, ATT 3 at 36, MN-ID (type 8, len 4, subtype 1, "a@b") at 40.
    expect([...mh.subarray(32, 40)]).to.deep.equal([23, 2, 0, 1, 24, 2, 0, 3]);
    expect([...mh.subarray(40, 46)]).to.deep.equal([8, 4, 1, 0x61, 0x40, 0x62]);
    // Timestamp at 8n+2 after a PadN; its 48.16 bits as given.
    const ts = mh.indexOf(27, 46);
    expect(ts % 8).to.equal(2);
    expect([...mh.subarray(ts, ts + 10)]).to.deep.equal([27, 8, 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07]);
    expect(mh.length % 8).to.equal(0);
    expect(mh[1]).to.equal(mh.length / 8 - 1);
  });

  it('wraps it in an IPv6 header with a checksum that verifies, or one that does not when asked', () => {
    expect([packet[6], packet.length - 40]).to.deep.equal([135, mh.length]);
    const ctx = { addrBuf: packet, srcOff: 8, dstOff: 24 };
    expect((decodeMobilityHeader(packet, 40, mh.length, ctx) as BindingUpdate).checksumOk).to.equal(true);
    const bad = mhPacket(spec, MAG, LMA, { badChecksum: true }).packet;
    expect((decodeMobilityHeader(bad, 40, mh.length, { addrBuf: bad, srcOff: 8, dstOff: 24 }) as BindingUpdate).checksumOk).to.equal(false);
  });

  // A slow machine (a VM under emulation) takes hundreds of ms between crafting and sending: the
  // agent stamps the PBU as it leaves, and the packet must be the one crafted with that time.
  it('is restamped at sending time into exactly the packet crafted with that time, bad checksum kept bad', () => {
    for (const [mnId, badChecksum] of [['a@b', false], ['a@b', true], ['mn17@example.org', false], ['x', true]] as const) {
      const [early, late] = [1_700_000_000_123, 1_700_000_987_654];
      const o = badChecksum ? { badChecksum } : {};
      const stamped = mhPacket(pbuSpec({ seq: 7, mnId, timestamp: early }), MAG, LMA, o).packet;
      expect(restampPbu(stamped, late), `${mnId} ${badChecksum}`).to.equal(true);
      const crafted = mhPacket(pbuSpec({ seq: 7, mnId, timestamp: late }), MAG, LMA, o).packet;
      const checksumOk = (decodeMobilityHeader(stamped, 40, stamped.length - 40, { addrBuf: stamped, srcOff: 8, dstOff: 24 }) as BindingUpdate).checksumOk;
      expect(checksumOk, `${mnId}: checksum`).to.equal(!badChecksum);
      // The deliberately wrong checksum stays wrong by the same amount, not by the same bits.
      if (badChecksum) stamped.set(crafted.subarray(44, 46), 44);
      expect([...stamped], `${mnId} ${badChecksum}`).to.deep.equal([...crafted]);
    }
    const untimed = mhPacket(pbuSpec({ seq: 7, timestamp: null }), MAG, LMA).packet;
    expect(restampPbu(untimed, 1)).to.equal(false);
    expect(restampPbu(mhPacket(unknownTypeSpec(200), MAG, LMA).packet, 1)).to.equal(false);
  });

  it('leaves out what it is told to and lies about Header Len when asked', () => {
    const m = decodeMobilityHeader(mhPacket(pbuSpec({ seq: 1, mnId: null, hnps: [], hi: null, att: null, lla: null, timestamp: null }), MAG, LMA).mh, 0, 16) as BindingUpdate;
    expect(m.options.filter((o) => o.type > 1)).to.deep.equal([]);
    const short = mhPacket(pbuSpec({ seq: 1, headerLen: 1 }), MAG, LMA).mh;
    expect([short[1], short.length > 16]).to.deep.equal([1, true]);
    expect([...mhPacket(unknownTypeSpec(200), MAG, LMA).mh.subarray(0, 4)]).to.deep.equal([59, 0, 200, 0]);
  });

  it('builds echo requests from any source and RFC 2473 encapsulation around them', () => {
    const echo = echoRequest('fe80::1', '2001:db8::9', { trafficClass: 2 });
    expect([echo[0], echo[1], echo[6], echo[40]]).to.deep.equal([0x60, 0x20, 58, 128]);
    const t = ipv6InIpv6(LMA, MAG, echo);
    expect([t[6], t.length]).to.deep.equal([41, 40 + echo.length]);
    expect([...t.subarray(8, 24)]).to.deep.equal([...parseIpv6(LMA)]);
  });
});

describe('active tester: the emulated LMA', () => {
  const config: EmulatedLmaConfig = { prefixes: { 'mn1@x': '2001:db8:8000:1::/64' }, defaultPrefix: '2001:db8:8000::/64', linkLocal: 'fe80::5213:1', scripts: {} };
  const pbu = decodeMobilityHeader(pbuSpecBytes(), 0, pbuSpecBytes().length) as BindingUpdate;
  function pbuSpecBytes(): Uint8Array {
    return mhPacket(pbuSpec({ seq: 77, mnId: 'mn1@x', llId: '02:00:00:00:01:01', timestamp: { seconds: 1000, fraction: 5 } }), MAG, LMA).mh;
  }
  const answer = (lma: EmulatedLma, rule: Parameters<EmulatedLma['answer']>[1]) => {
    const spec = lma.answer(pbu, rule, 2_000_000);
    return spec === null ? null : decodeMobilityHeader(mhPacket(spec, LMA, MAG).mh, 0, 1000) as BindingAck;
  };

  it('accepts as §5.3.6 says: Sequence # copied, its HNP, a link-local address for ::, options echoed', () => {
    const a = answer(new EmulatedLma(config), { answer: true })!;
    expect([a.status, a.seq, a.flags.P, a.lifetime]).to.deep.equal([0, 77, true, 40]);
    const byType = Object.fromEntries(a.options.filter((o) => o.type > 1).map((o) => [o.type, o]));
    expect((byType[22] as { prefix: string }).prefix).to.equal('2001:db8:8000:1::/64');
    expect((byType[26] as { address: string }).address).to.equal('fe80::5213:1');
    expect((byType[25] as { id: string }).id).to.equal('020000000101');
    expect((byType[27] as { seconds: number; fraction: number })).to.include({ seconds: 1000, fraction: 5 });
  });

  it('refuses with the scripted status: the PBU\'s prefixes echoed, its own clock on 157', () => {
    const r = answer(new EmulatedLma(config), { answer: true, status: 157 })!;
    const hnp = r.options.find((o) => o.type === 22) as { prefix: string };
    const ts = r.options.find((o) => o.type === 27) as { seconds: number };
    expect([r.status, r.lifetime, hnp.prefix, ts.seconds]).to.deep.equal([157, 0, '::/0', 2000]);
  });

  it('changes what it is told to, and keeps silent when the rule says so', () => {
    const m = answer(new EmulatedLma(config), { answer: true, mutate: { att: 7, seqDelta: 3 } })!;
    expect([m.seq, (m.options.find((o) => o.type === 24) as { value: number }).value]).to.deep.equal([80, 7]);
    expect(answer(new EmulatedLma(config), { answer: false })).to.equal(null);
  });

  it('follows a script per MN, repeating its last rule', () => {
    const lma = new EmulatedLma({ ...config, scripts: { 'mn1@x': [{ answer: false }, { answer: true, status: 130 }], '*': [{ answer: true, status: 9 }] } });
    expect([1, 2, 3].map(() => lma.ruleFor('mn1@x').status ?? 'silent')).to.deep.equal(['silent', 130, 130]);
    expect(lma.ruleFor('other@x').status).to.equal(9);
  });
});

function result(id: string, verdict: RequirementResult['verdict'], check = 'c'): RequirementResult {
  return { id, verdict, message: `${id} ${verdict} by ${check}`, evidence: verdict === 'FAIL' ? [{ message: check, frames: [] }] : [], checked: 1, failed: verdict === 'FAIL' ? 1 : 0, check };
}

describe('verdicts: active and passive together, and over cases', () => {
  it('merges two judgements of one requirement: a failure on either side wins, with both sides\' evidence', () => {
    const m = mergeResults(result('MH-05', 'FAIL', 'passive'), result('MH-05', 'FAIL', 'active'));
    expect([m.verdict, m.evidence.length, m.checked, m.failed, m.check]).to.deep.equal(['FAIL', 2, 2, 2, 'passive + active']);
    expect(mergeResults(result('MH-05', 'INCONCLUSIVE'), result('MH-05', 'PASS', 'active')).verdict).to.equal('PASS');
    expect(mergeResults(result('MH-05', 'PASS'), result('MH-05', 'FAIL', 'active')).message).to.equal('MH-05 FAIL by active');
    expect(worstVerdict(['INCONCLUSIVE', 'NOT-APPLICABLE', 'PASS'])).to.equal('PASS');
    expect(worstVerdict([])).to.equal('INCONCLUSIVE');
  });

  it('records a reply judgement on every requirement it names', () => {
    const sent = (status: number | null): Sent => ({
      ref: { src: MAG, dst: LMA, type: 5, seq: 1, timeMs: 0 }, replyRef: null,
      reply: status === null ? null : { index: 0, timeMs: 1, src: LMA, hex: '', type: 6, seq: 1, status, mh: { type: 6, status, statusName: 'X', name: 'PBA' } as unknown as BindingAck },
    });
    expect([replyMatches(sent(153), { status: 153 }), replyMatches(sent(0), { accepted: true }), replyMatches(sent(null), { silent: true }), replyMatches(sent(0), { silent: true })])
      .to.deep.equal([true, true, true, false]);
    const a = new ActiveVerdict('LMA-ERR-03'), b = new ActiveVerdict('SEC-06');
    expect(judgeReply([a, b], sent(0), { status: 153 }, 'unknown MN')).to.equal(false);
    expect([a.entries[0]!.pass, b.entries[0]!.detail.expected]).to.deep.equal([false, 'PBA status 153 (NOT_LMA_FOR_THIS_MOBILE_NODE)']);
    expect(() => new ActiveVerdict('NOPE-1')).to.throw(/not in the catalog/);
  });

  it('takes the worst verdict over the cases that declare a requirement, and compares with a baseline', () => {
    const c = (name: string, ids: string[], vs: RequirementResult[]): CaseResult => ({ name, purpose: '', rfcSections: [], requirementIds: ids, verdicts: vs, captures: [], logs: [], timings: {} });
    const summary = aggregate([
      c('one', ['MH-01', 'MH-02'], [result('MH-01', 'PASS'), result('MH-02', 'PASS'), result('MH-03', 'FAIL')]),
      c('two', ['MH-02', 'SEC-01'], [result('MH-02', 'FAIL'), result('SEC-01', 'FAIL')]),
    ]);
    expect([...summary.keys()]).to.deep.equal(['MH-01', 'MH-02', 'SEC-01']);
    expect(summary.get('MH-02')!.verdict).to.equal('FAIL');
    const baseline: Baseline = { file: 'b.yaml', iut: 'x', requirements: new Map([['SEC-01', { verdict: 'FAIL' }], ['MH-01', { verdict: 'NOT-APPLICABLE' }]]) };
    expect(compareBaseline(baseline, summary, false).map((d) => `${d.id} ${d.kind}`)).to.deep.equal(['MH-01 changed', 'MH-02 regression']);
    expect(compareBaseline(baseline, summary, true).map((d) => `${d.id} ${d.kind}`)).to.deep.equal(['MH-02 regression']);
  });

  it('takes a list of verdicts for a row judged only when a race goes one way, and keeps it when rewriting', async () => {
    const c = (vs: RequirementResult[]): CaseResult => ({ name: 'handover', purpose: '', rfcSections: [], requirementIds: vs.map((v) => v.id), verdicts: vs, captures: [], logs: [], timings: {} });
    const dir = mkdtempSync(join(tmpdir(), 'pmip-baseline-'));
    try {
      const file = join(dir, 'b.yaml');
      writeFileSync(file, 'iut: x\nrequirements:\n  HO-06: { verdict: [FAIL, INCONCLUSIVE], reason: "n-MAG first: FAIL; p-MAG first: not judged" }\n');
      const b = await loadBaseline(file);
      expect(b.requirements.get('HO-06')).to.deep.equal({ verdict: 'FAIL', also: ['INCONCLUSIVE'], reason: 'n-MAG first: FAIL; p-MAG first: not judged' });
      const seen = (v: RequirementResult['verdict']) => compareBaseline(b, aggregate([c([result('HO-06', v)])]), false).map((d) => `${d.kind}: ${d.seen}, expected ${d.expected}`);
      expect([seen('FAIL'), seen('INCONCLUSIVE'), seen('PASS')]).to.deep.equal([[], [], ['fixed: PASS, expected FAIL or INCONCLUSIVE']]);
      await writeBaseline(file, 'x', aggregate([c([result('HO-06', 'INCONCLUSIVE')])]), b);
      expect((await loadBaseline(file)).requirements.get('HO-06')).to.deep.equal(b.requirements.get('HO-06'));
      writeFileSync(file, 'iut: x\nrequirements:\n  HO-06: { verdict: [FAIL, INCONCLUSIVE] }\n');
      await loadBaseline(file).then(() => expect.fail('accepted'), (e: Error) => expect(e.message).to.match(/HO-06: a list of verdicts needs a reason/));
      writeFileSync(file, 'iut: x\nrequirements:\n  HO-06: { verdict: [FAIL, FAIL], reason: r }\n');
      await loadBaseline(file).then(() => expect.fail('accepted'), (e: Error) => expect(e.message).to.match(/HO-06: verdict must be one of/));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('suite: case selection', () => {
  const cs = ['attach/attach', 'lma-validation/lma-validation', 'handover/handover'].map((path): SuiteCase => ({ file: `${path}.case.js`, path, def: { name: path.split('/')[0]!, purpose: '', rfc: [], topology: '', iut: {}, requirements: [] } }));
  it('matches names and paths with shell-like globs', () => {
    expect(globRegExp('lma-*').test('lma-validation')).to.equal(true);
    expect(globRegExp('{attach,handover}').test('handover')).to.equal(true);
    expect(globRegExp('a?tach').test('attach')).to.equal(true);
    expect(globRegExp('lma.x').test('lmaax')).to.equal(false);
    expect(selectCases(cs, ['lma-*', 'handover/*']).map((c) => c.def.name)).to.deep.equal(['lma-validation', 'handover']);
    expect(selectCases(cs, []).length).to.equal(3);
  });
});

describe('live capture: reading a pcap while it is written', () => {
  let dir = '';
  before(() => { dir = mkdtempSync(join(tmpdir(), 'pt-tail-')); });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('returns whole records only, the rest on the next read', async () => {
    const file = join(dir, 'c.pcap');
    const header = Buffer.alloc(24);
    header.writeUInt32LE(0xa1b2c3d4, 0); header.writeUInt16LE(2, 4); header.writeUInt16LE(4, 6);
    header.writeUInt32LE(65535, 16); header.writeUInt32LE(101, 20); // LINKTYPE_RAW
    const pkt = Buffer.from(encodeIpv6({ src: MAG, dst: LMA, nextHeader: 135, payload: mhPacket(pbuSpec({ seq: 9 }), MAG, LMA).mh }));
    const rec = Buffer.alloc(16);
    rec.writeUInt32LE(1700000000, 0); rec.writeUInt32LE(250000, 4); rec.writeUInt32LE(pkt.length, 8); rec.writeUInt32LE(pkt.length, 12);
    writeFileSync(file, Buffer.concat([header, rec, pkt.subarray(0, 10)]));
    const tail = new CaptureTail(file);
    try {
      expect(await tail.read()).to.deep.equal([]);
      appendFileSync(file, pkt.subarray(10));
      const frames = await tail.read();
      expect(frames.map((f) => [f.time, f.frame.mh?.type, (f.frame.mh as BindingUpdate | undefined)?.seq])).to.deep.equal([[1700000000.25, 5, 9]]);
      expect(await tail.read()).to.deep.equal([]);
    } finally {
      await tail.close();
    }
  });
});

describe('what the trace and the IUT are told about a case', () => {
  it('names capture points by kind, with the MAG of each access link, and turns the event log into trace events', async () => {
    const t = await loadTopology('cases/handover/topology.yaml');
    const specs = capturePointSpecs(t, t.captures.map((c) => ({ name: c.name, file: `/x/${c.name}.pcap` })));
    const mag1 = t.nodes.mag1!.interfaces.find((i) => i.role === 'transport')!.address!;
    expect(specs.map((s) => `${s.name}:${s.kind}${s.mag ? `@${s.mag}` : ''}`)).to.deep.equal([
      `ap1:access@${mag1}`, `ap2:access@${t.nodes.mag2!.interfaces.find((i) => i.role === 'transport')!.address!}`,
      'mag1-lma1:transport', 'mag2-lma1:transport', 'lma1-cn1:core',
    ]);
    const events = traceEvents(t, [
      { timeUs: 2_500_000, time: '', type: 'handover', node: 'mn1', text: '', detail: { from: 'ap1', to: 'ap2' } },
      { timeUs: 3_000_000, time: '', type: 'ping', node: 'mn1', text: '' },
    ]);
    expect(events).to.have.length(1);
    expect(events[0]).to.include({ time: 2.5, kind: 'handover', mn: 'mn1', mnId: 'mn1@example.org', mac: '02:00:00:00:01:01', ap: 'ap2' });
  });

  it('gives pmipd the case\'s timers and provisioning, the LMA allocating prefixes unless told otherwise', async () => {
    const t = await loadTopology('cases/multi-mn/topology.yaml');
    const spec = pmipdProfile.spec({ topology: t, node: 'lma1', role: 'lma', quirks: ['pba-no-p-flag'], needs: {
      minDelayBeforeBceDeleteMs: 1500, poolSize: 2, extraMobileNodes: [{ nai: 'guest@example.org', proxyMobility: false }, { nai: 'x@example.org', mags: ['mag2'] }],
    } });
    const domain = (spec.options as { domain: { lma: Record<string, unknown>; mobileNodes: { nai: string; prefixes?: string[]; proxyMobility?: boolean; mags?: string[] }[] } }).domain;
    expect(domain.lma).to.deep.equal({ minDelayBeforeBCEDelete: 1500, prefixPool: ['2001:db8:8000::/63'] });
    expect(domain.mobileNodes.map((m) => `${m.nai}${m.prefixes ? ' fixed' : ''}${m.proxyMobility === false ? ' no-pmip' : ''}${m.mags ? ` ${m.mags}` : ''}`))
      .to.deep.equal(['mn1@example.org', 'mn2@example.org', 'guest@example.org no-pmip', 'mn4@example.org', 'x@example.org mag2']);
    expect((spec.options as { quirks: string[] }).quirks).to.deep.equal(['pba-no-p-flag']);
    expect(pmipdProfile.quirkRole('no-refresh')).to.equal('mag');
    expect(() => pmipdProfile.quirkRole('nope')).to.throw(/no quirk "nope"/);
    expect(traceSettings({ fixedMagAddresses: true }, ['02:00:00:00:01:03'])).to.include({ fixedMagLinkLocal: 'fe80::200:5eff:fe00:5213', fixedMagLinkLayer: '00:00:5e:00:52:13', minDelayBeforeBceDeleteMs: 10000 });
  });
});
