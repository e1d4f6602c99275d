// `analyze` must grow about linearly with the capture. A check or report step that scans the
// trace once per instance (a session's events for each of its exchanges, every address for each
// packet) is quadratic: invisible on test traces, minutes on a 1M-frame capture. Each workload is
// analysed end to end (load, checks, report) at two sizes, 4x apart, in the same process, and the
// CPU times compared: a ratio, not a number of seconds. The benchmark's mix spreads its traffic
// over 200 MNs, so a per-MN rescan stays cheap at these sizes (the code before the per-key indexes
// took 4.3x there); the long session concentrates it on one MN and shows one (that code: 8.7-9.8x).
import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeMixCapture } from '../../bench/capture-mix.js';
import { runChecks, type RequirementResult } from '../../harness/checks/index.js';
import { analysisCase, LADDER_LIMIT, reportHtml, writeReport, type CaseResult } from '../../harness/report/index.js';
import { loadTrace, type CapturePointSpec } from '../../harness/trace/index.js';
import { exchange, LMA, MAG1, MN1, path, rs, writePcaps, type Scenario, type Spec } from './scenario.js';

interface Analysis { cpuMs: number; exchanges: number; results: RequirementResult[]; kase: CaseResult }

async function analyze(points: CapturePointSpec[], reportDir: string): Promise<Analysis> {
  const c0 = process.cpuUsage();
  const trace = await loadTrace(points);
  const results = runChecks(trace);
  const kase = analysisCase('scaling', trace, results);
  await writeReport(reportDir, { run: { id: 'scaling', started: '2026-11-27T00:00:00Z', tool: 'test' }, cases: [kase] }, { copyFiles: false });
  const c = process.cpuUsage(c0);
  return { cpuMs: (c.user + c.system) / 1000, exchanges: trace.exchanges.length, results, kase };
}

/** The faster of two runs: a run slowed down by other work on the machine does not count. */
async function best(points: CapturePointSpec[], reportDir: string): Promise<Analysis> {
  const a = await analyze(points, `${reportDir}-1`);
  const b = await analyze(points, `${reportDir}-2`);
  return a.cpuMs <= b.cpuMs ? a : b;
}

const ratioText = (small: Analysis, large: Analysis): string => `${small.cpuMs.toFixed(0)} ms, then ${large.cpuMs.toFixed(0)} ms`;

/**
 * One MN attached for a long time (a soak test): every 10 s it refreshes its binding at MAG1 and
 * sends a packet to a new correspondent, seen on its access link, the tunnel and the core. One
 * session collects every event; the destinations are all different addresses.
 */
function longSession(periods: number): Scenario {
  const specs: Spec[] = [rs('rs', 'acc1', 0, MN1), ...exchange('attach', 0.1, MAG1, { mn: MN1, seq: 1, hi: 1 }, { hnps: [MN1.hnp], lla: MN1.lla })];
  for (let k = 1; k <= periods; k++) {
    const cn = `2001:db8:ff:${(k >> 16).toString(16)}:${(k & 0xffff).toString(16)}::1`;
    specs.push(...exchange(`refresh-${k}`, k * 10, MAG1, { mn: MN1, seq: (k + 1) & 0xffff, hi: 5, hnp: MN1.hnp, lla: MN1.lla }, { hnps: [MN1.hnp] }));
    specs.push(...path(`up-${k}`, k * 10 + 1, MN1.hoa, cn, k & 0xffff, [{ point: 'acc1', ethSrc: MN1.mac }, { point: 'trn', outer: { src: MAG1, dst: LMA } }, { point: 'core' }]));
  }
  return { points: [{ name: 'acc1', kind: 'access', mag: MAG1 }, { name: 'trn', kind: 'transport' }, { name: 'core', kind: 'core' }], specs, options: {} };
}

describe('conformance/scaling: analyze at 4x the frames takes less than 8x the time', function () {
  this.timeout(300000);
  let dir: string;
  before(() => { dir = mkdtempSync(join(tmpdir(), 'pmip-scaling-')); });
  after(() => rmSync(dir, { recursive: true, force: true }));

  describe('the busy-domain mix of the benchmark (200 MNs, 8 MAGs), 100k and 400k frames', () => {
    let small: Analysis;
    let large: Analysis;
    before(async () => {
      const capture = (n: number): CapturePointSpec[] => {
        const p = join(dir, `mix-${n}.pcap`);
        writeMixCapture(p, n);
        return [{ name: 'trn', path: p }];
      };
      await analyze(capture(10_000), join(dir, 'mix-warm')); // compiles the code paths before anything is timed
      small = await best(capture(100_000), join(dir, 'mix-100k'));
      large = await best(capture(400_000), join(dir, 'mix-400k'));
    });

    it('judges every instance: 4x the exchanges and checked PBUs', () => {
      expect([small.exchanges, large.exchanges]).to.deep.equal([12_500, 50_000]);
      const flags = (a: Analysis): RequirementResult => a.results.find((r) => r.id === 'MAG-PBU-03')!;
      expect(flags(small)).to.include({ verdict: 'PASS', checked: 12_500 });
      expect(flags(large)).to.include({ verdict: 'PASS', checked: 50_000 });
    });

    it('takes less than 8x the CPU time', () => {
      expect(large.cpuMs / small.cpuMs, ratioText(small, large)).to.be.below(8);
    });

    it(`keeps the ladder at ${LADDER_LIMIT} of the 100k messages, says so, and keeps a few evidence frames per requirement`, () => {
      expect(large.kase.ladder).to.have.length(LADDER_LIMIT);
      expect(large.kase.ladderOmitted).to.equal(100_000 - LADDER_LIMIT);
      expect(reportHtml({ run: { id: 'scaling', started: '2026-11-27T00:00:00Z', tool: 'test' }, cases: [large.kase] }))
        .to.include(`… ${100_000 - LADDER_LIMIT} more messages not drawn`);
      for (const r of large.results) expect(r.evidence.length, r.id).to.be.at.most(5);
    });
  });

  describe('one long session (one MN refreshing, new correspondents), 20k and 80k frames', () => {
    let small: Analysis;
    let large: Analysis;
    before(async () => {
      const capture = (periods: number): CapturePointSpec[] => {
        const sc = longSession(periods);
        const paths = writePcaps(sc, mkdtempSync(join(dir, `long-${periods}-`)));
        return sc.points.map((p) => ({ ...p, path: paths.get(p.name)! }));
      };
      await analyze(capture(200), join(dir, 'long-warm'));
      small = await best(capture(4_000), join(dir, 'long-20k'));
      large = await best(capture(16_000), join(dir, 'long-80k'));
    });

    it('follows the session through every refresh', () => {
      const refresh = (a: Analysis): RequirementResult => a.results.find((r) => r.id === 'REREG-04')!;
      expect(refresh(small)).to.include({ verdict: 'PASS', checked: 4_000 });
      expect(refresh(large)).to.include({ verdict: 'PASS', checked: 16_000 });
    });

    it('takes less than 8x the CPU time', () => {
      expect(large.cpuMs / small.cpuMs, ratioText(small, large)).to.be.below(8);
    });
  });
});
