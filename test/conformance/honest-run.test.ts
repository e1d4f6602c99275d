// Honest runs, on synthetic outcomes: a case that could not run is an ERROR everywhere (console
// conclusion, exit status, junit.xml, results.json, index.html, listed first); a run that judged
// nothing fails; "verdicts match the baseline" only when every case ran; data-plane requirements
// are INCONCLUSIVE, with the IUT's reason, when a node ran without a data plane; the data plane
// each node used is in the report.
import { expect } from 'chai';
import type { RequirementResult, Verdict } from '../../harness/checks/index.js';
import type { Baseline } from '../../harness/conformance/baseline.js';
import { conclude } from '../../harness/conformance/conclusion.js';
import { caseError, caseResultOf, type CaseOutcome, type SuiteCase } from '../../harness/conformance/suite.js';
import { degradeWithoutDataplane, missingDataplane, needsDataPlane, NO_DATAPLANE_REASON } from '../../harness/conformance/degraded.js';
import { junitXml, reportHtml, resultsJson, type CaseResult, type RunResult } from '../../harness/report/index.js';

const verdict = (id: string, v: Verdict, message = `${id} ${v}`): RequirementResult => ({ id, verdict: v, message, evidence: [], checked: 1, failed: v === 'FAIL' ? 1 : 0 });

function caseOf(name: string, verdicts: RequirementResult[], extra: Partial<CaseResult> = {}): CaseResult {
  return {
    name, purpose: `the ${name} case`, rfcSections: [], requirementIds: verdicts.map((v) => v.id), steps: [], verdicts,
    captures: [], logs: [], timings: {}, ...extra,
  };
}

const START_FAILURE = 'testbed up: IUT of node lma1 (pmipd adapter): ip -6 route add 2001:db8::2/128 encap seg6local action End.DX6 nh6 :: dev eth0 table 200: Error: lwt encapsulation type not supported.\n'
  + 'iut lma1 ended (exit code 1) before printing / ready role=/m; last 2 lines of lma1.log:\n    pmipd: ip -6 route add …: Error: lwt encapsulation type not supported.';

const ok = caseOf('attach', [verdict('MAG-PBU-01', 'PASS'), verdict('FWD-01', 'PASS')], { dataplanes: { lma1: { backend: 'seg6' }, mag1: { backend: 'seg6' } } });
const broken = caseOf('handover', [], { requirementIds: ['HO-01'], error: START_FAILURE });
const baseline: Baseline = { file: 'baselines/pmipd.yaml', iut: 'pmipd', requirements: new Map() };
const input = { partial: false, updating: false, baselineFile: 'baselines/pmipd.yaml' };

describe('conformance/honest runs', () => {
  describe('the conclusion of a run', () => {
    it('passes when every case ran and the verdicts match the baseline', () => {
      const c = conclude({ ...input, results: [ok], baseline });
      expect(c.exitCode).to.equal(0);
      expect(c.errorLines).to.deep.equal([]);
      expect(c.lines).to.deep.equal(['verdicts match the baseline baselines/pmipd.yaml']);
    });

    it('fails when a case errored, lists it first with its one-line cause, and never says the baseline matched', () => {
      const c = conclude({ ...input, results: [ok, broken], baseline });
      expect(c.exitCode).to.equal(1);
      expect(c.errorLines[0]).to.equal('1 of 2 cases errored: handover');
      expect(c.errorLines[1]).to.equal(`  handover: ${START_FAILURE.split('\n')[0]}`);
      expect(c.lines.join('\n')).to.not.match(/verdicts match/);
      expect(c.lines.join('\n')).to.match(/cannot be matched: 1 case\(s\) did not run/);
      expect(c.lines.at(-1)).to.equal('1 of 2 cases errored: handover');
      // The cases that ran are judged as usual.
      expect([...c.summary.keys()]).to.have.members(['MAG-PBU-01', 'FWD-01']);
    });

    it('fails a run that judged nothing: every case errored (the issue\'s 11 of 11), or all verdicts INCONCLUSIVE', () => {
      const all = conclude({ ...input, results: Array.from({ length: 11 }, (_, i) => ({ ...broken, name: `case${i}` })), baseline });
      expect(all.exitCode).to.equal(1);
      expect(all.errorLines[0]).to.match(/^11 of 11 cases errored: case0, case1/);
      expect(all.lines).to.include('no requirement was judged: the run proves nothing');
      const inconclusive = conclude({ ...input, results: [caseOf('data-plane', [verdict('FWD-01', 'INCONCLUSIVE')])], baseline: { ...baseline, requirements: new Map([['FWD-01', { verdict: 'INCONCLUSIVE' }]]) } });
      expect(inconclusive.exitCode).to.equal(1);
      expect(inconclusive.lines.join('\n')).to.match(/no requirement was judged \(all 1 INCONCLUSIVE\)/);
      expect(inconclusive.lines.join('\n')).to.not.match(/verdicts match/);
    });

    it('still fails on a regression, and without a baseline on a MUST failure', () => {
      const fail = caseOf('attach', [verdict('MAG-PBU-01', 'FAIL')]);
      expect(conclude({ ...input, results: [fail], baseline }).exitCode).to.equal(1);
      const nb = conclude({ ...input, results: [fail] });
      expect([nb.exitCode, nb.lines[0]]).to.deep.equal([1, 'no baseline (baselines/pmipd.yaml); 1 MUST-level failure(s)']);
    });

    it('does not write a baseline from a run where a case errored', () => {
      const c = conclude({ ...input, updating: true, results: [ok, broken], baseline });
      expect(c.writeBaseline).to.equal(false);
      expect(c.exitCode).to.equal(1);
      expect(c.lines[0]).to.match(/^baseline not written .*1 case\(s\) did not run/);
      expect(conclude({ ...input, updating: true, results: [ok] }).writeBaseline).to.equal(true);
    });
  });

  describe('the outcome of a case worker', () => {
    const suiteCase: SuiteCase = { file: '/x/attach.case.js', path: 'attach/attach', def: { name: 'attach', purpose: 'p', rfc: [], topology: 't.yaml', iut: {}, requirements: ['MAG-PBU-01'] } };
    const outcome = (o: Partial<CaseOutcome>): CaseOutcome => ({ case: suiteCase, quirks: [], label: 'attach', elapsedMs: 1, log: '/x/case.log', outDir: '/x', ...o });
    const output = (result: CaseResult) => ({ result, elapsedMs: 1, mocha: { passes: 0, failures: 0, pending: 0, failed: [] } });

    it('a worker that crashed, timed out or wrote nothing is an ERROR with the case log', () => {
      const crashed = caseResultOf(outcome({ error: 'the worker exited with code 1\n    worker: boom' }));
      expect(crashed).to.deep.include({ name: 'attach', error: 'the worker exited with code 1\n    worker: boom', verdicts: [] });
      expect(crashed.logs).to.deep.equal([{ node: 'case', path: '/x/case.log' }]);
      expect(caseError(outcome({}))).to.equal('the case wrote no result');
    });

    it('a case that reported it could not run is an ERROR, its verdicts dropped; a completed one is itself', () => {
      const own = caseOf('attach', [verdict('MAG-PBU-01', 'PASS')], { error: 'testbed up: no' });
      expect(caseResultOf(outcome({ output: output(own) }))).to.deep.include({ error: 'testbed up: no', verdicts: [] });
      expect(caseResultOf(outcome({ output: output(ok) }))).to.equal(ok);
      expect(caseError(outcome({ output: output(ok) }))).to.equal(undefined);
    });
  });

  describe('the report of a run with an errored case', () => {
    const run: RunResult = { run: { id: 'r', started: '2026-12-05T00:00:00Z', tool: 't', dataplane: 'auto' }, cases: [ok, broken] };

    it('junit.xml: the errored case is one <error> with the cause as its message', () => {
      const x = junitXml(run);
      expect(x).to.match(/<testsuites name="r" errors="1">/);
      expect(x).to.match(/<testsuite name="handover" tests="1" failures="0" skipped="0" errors="1">/);
      expect(x).to.include('<error message="testbed up: IUT of node lma1 (pmipd adapter): ip -6 route add 2001:db8::2/128 encap seg6local action End.DX6 nh6 :: dev eth0 table 200: Error: lwt encapsulation type not supported." type="ERROR">');
      expect(x).to.match(/<testsuite name="attach" tests="2" failures="0" skipped="0" errors="0">/);
    });

    it('results.json: summary, errors, each case\'s status and data planes, the run\'s back-ends', () => {
      const j = JSON.parse(resultsJson(run)) as {
        run: { dataplane: string; dataplanes: Record<string, number> };
        summary: { cases: number; errored: number; requirementsJudged: number };
        errors: { case: string; error: string }[];
        cases: { name: string; status: string; error?: string; dataplanes?: Record<string, { backend: string }> }[];
      };
      expect(j.summary).to.deep.include({ cases: 2, errored: 1, requirementsJudged: 2 });
      expect(j.errors).to.deep.equal([{ case: 'handover', error: START_FAILURE }]);
      expect(j.cases.map((c) => [c.name, c.status])).to.deep.equal([['attach', 'completed'], ['handover', 'error']]);
      expect(j.cases[0]!.dataplanes).to.deep.equal({ lma1: { backend: 'seg6' }, mag1: { backend: 'seg6' } });
      expect(j.run.dataplanes).to.deep.equal({ seg6: 2 });
      expect(j.run.dataplane).to.equal('auto');
    });

    it('index.html: the errors first and in red, the errored case first, the data planes in the header and per case', () => {
      const h = reportHtml(run);
      const errors = h.indexOf('<div class="errors">');
      expect(errors).to.be.greaterThan(0);
      expect(errors).to.be.lessThan(h.indexOf('<div class="cards">'));
      expect(h).to.include('1 of 2 cases errored');
      expect(h.indexOf('<section class="case error" id="case-1">')).to.be.lessThan(h.indexOf('<section class="case" id="case-0">'));
      expect(h).to.match(/data plane used: seg6/).and.match(/data plane forced: auto/);
      expect(h).to.match(/data plane: lma1 <b class="">seg6<\/b>/);
      expect(h).to.match(/--fail:#c62828/).and.match(/\.errors\{[^}]*color:var\(--fail\)/);
    });
  });

  describe('degraded, never silent: a node without a data plane', () => {
    const why = 'no IPv6-in-IPv6 data plane on this kernel: ip6tnl: Unknown device type; seg6: lwt encapsulation type not supported; tun: /dev/net/tun: ENOENT';
    const judged = [verdict('FWD-11', 'PASS'), verdict('FWD-02', 'FAIL'), verdict('HO-09', 'PASS'), verdict('MAG-PBU-01', 'PASS')];

    it('knows the data-plane requirements: FWD-* and those judged on tunnelled traffic or tunnel state', () => {
      for (const id of ['FWD-01', 'FWD-14', 'HO-09', 'HO-10', 'LMA-BCE-04', 'MAG-PBA-04', 'DEREG-09']) expect(needsDataPlane(id), id).to.equal(true);
      for (const id of ['MAG-PBU-01', 'LMA-PBA-02', 'RA-05', 'HO-01', 'DEREG-01']) expect(needsDataPlane(id), id).to.equal(false);
    });

    it('turns every data-plane verdict INCONCLUSIVE with the reason pmipd gave, adds the declared ones missing, keeps the rest', () => {
      const out = degradeWithoutDataplane(judged, ['FWD-11', 'FWD-02', 'HO-09', 'MAG-PBU-01', 'FWD-14'], { lma1: { backend: 'none', why }, mag1: { backend: 'tun' } });
      const by = new Map(out.map((v) => [v.id, v]));
      for (const id of ['FWD-11', 'FWD-02', 'HO-09', 'FWD-14']) {
        expect(by.get(id), id).to.deep.include({ verdict: 'INCONCLUSIVE', message: `not judged: lma1 ran without a data plane: ${why}` });
      }
      expect(by.get('MAG-PBU-01')!.verdict).to.equal('PASS');
      expect(out.filter((v) => v.verdict === 'PASS').map((v) => v.id)).to.deep.equal(['MAG-PBU-01']);
    });

    it('says so when none was forced (no probe reason), and changes nothing when every node had a data plane', () => {
      expect(missingDataplane({ lma1: { backend: 'none' }, mag1: { backend: 'none' } })).to.equal(`lma1, mag1 ran without a data plane: ${NO_DATAPLANE_REASON}`);
      expect(degradeWithoutDataplane(judged, [], { lma1: { backend: 'tun' } })).to.deep.equal(judged);
      expect(degradeWithoutDataplane(judged, [], {})).to.deep.equal(judged);
    });
  });
});
