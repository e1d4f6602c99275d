// Self-validation: the conformance suite against pmipd, once as it is and once per quirk (a
// deliberate deviation, `pmipd --list-quirks`). Without quirks the verdicts must be exactly those
// baselines/pmipd.yaml records; with a quirk, exactly the requirements it breaks must turn FAIL
// (plus the collateral listed below, each with its reason). This is what proves the checks can
// fail. Only the cases that judge a quirk's requirements run with it, side by side.
// Everything runs over pmipd's `tun` data plane (PMIP_SELFTEST_DATAPLANE overrides), the one every
// machine has; test/selftest/dataplanes.test.ts runs a representative data-plane case over each
// kernel back-end the machine has. The IPsec quirks' cases (ipsec-*) need IPv6 ESP: on a kernel
// without it they are SKIPPED and so are those quirks, by name; in the VM they run:
//   pmip-testbed vm -- env PMIP_SELFTEST_CASES='ipsec-*' node node_modules/mocha/bin/mocha.js --no-config \
//     --timeout 1800000 dist/test/selftest/quirks.test.js
// (PMIP_SELFTEST_CASES: only the cases matching these comma-separated globs, and the quirks they judge).
import { expect } from 'chai';
import { join } from 'node:path';
import { aggregate, compareBaseline, loadBaseline } from '../../harness/conformance/baseline.js';
import { pmipdProfile } from '../../harness/conformance/profile.js';
import { caseError, casesJudging, discoverCases, runSuite, selectCases, type CaseOutcome, type SuiteCase, type SuiteRun } from '../../harness/conformance/suite.js';
import type { DataplaneBackend } from '../../harness/iut/adapter.js';
import { usePrivateRunRoot } from '../testbed/run-root.js';

/**
 * Requirements a quirk legitimately breaks besides those pmipd lists for it (reported to the
 * pmipd engineer so the list can be completed): quirk -> { ID: why }. `{ may: why }` marks one
 * whose failure depends on timing (it FAILs or stays unjudged, it never passes wrongly).
 */
type Why = string | { may: string };
const COLLATERAL: Record<string, Record<string, Why>> = {
  'same-hnp-for-all-mns': {
    'LMA-PBA-09': 'the PBAs of concurrently attached MNs carry the same prefix (LMA-PBA-09: across MNs the sets never overlap)',
    'FWD-12': { may: 'two MNs of one MAG share an on-link prefix: their traffic either fails to hairpin or never reaches the MAG' },
    'FWD-14': { may: 'two MNs of one MAG share the prefix, so the MAG can forward a decapsulated packet onto the access link of the wrong MN, depending on which route was installed last' },
  },
  'no-lla': { 'RA-05': { may: 'without a link-local address from the LMA the MAG sends no RA at all; RA-05 fails when the MN\'s RS falls after the PBA' } },
  'lma-no-hnp-route': {
    'FWD-02': 'without a route for the HNP the LMA tunnels none of the CN\'s packets for it (the data-plane case, the only one run for FWD-04)',
    'FWD-06': 'the downlink ECT(1) echo is never tunnelled, so its outer ECN cannot be shown',
  },
};

/**
 * Requirements pmipd lists for a quirk that the quirk cannot make fail (reported to the pmipd
 * engineer so the list can be corrected): quirk -> { ID: why }.
 */
const OVERCLAIMED: Record<string, Record<string, string>> = {};

const JOBS = Number(process.env.PMIP_SELFTEST_JOBS ?? 3);
const DATAPLANE = (process.env.PMIP_SELFTEST_DATAPLANE ?? 'tun') as DataplaneBackend;
const ONLY = (process.env.PMIP_SELFTEST_CASES ?? '').split(',').filter((g) => g !== '');

function failSet(outcomes: CaseOutcome[]): Set<string> {
  const out = new Set<string>();
  for (const o of outcomes) {
    const r = o.output?.result;
    if (r === undefined) continue;
    for (const v of r.verdicts) if (v.verdict === 'FAIL' && r.requirementIds.includes(v.id)) out.add(v.id);
  }
  return out;
}

/**
 * For IDs a quirk should have turned FAIL and did not: what each run judged instead and which of
 * its steps failed, so that a miss on a loaded machine says whether the scenario was not reached
 * (a step's deadline) or the check judged otherwise.
 */
function whyNotFailed(runs: CaseOutcome[], ids: string[]): string {
  if (ids.length === 0) return '';
  const lines = runs.flatMap((o) => {
    const r = o.output?.result;
    if (r === undefined) return [`${o.label}: no result`];
    const seen = ids.filter((id) => r.requirementIds.includes(id)).map((id) => {
      const v = r.verdicts.find((x) => x.id === id);
      return `${id} ${v?.verdict ?? 'not judged'}${v?.message ? ` (${v.message})` : ''}`;
    });
    const failedSteps = (r.steps ?? []).filter((st) => st.verdict === 'FAIL').map((st) => st.description);
    return seen.length === 0 ? [] : [`${o.label}: ${seen.join('; ')}${failedSteps.length ? `; failed steps: ${failedSteps.join(' | ')}` : ''}`];
  });
  return `\n      not FAIL: ${lines.join('\n      ')}`;
}

describe(`self-validation: the suite against pmipd over ${DATAPLANE}, without and with each quirk`, function () {
  // PMIP_SELFTEST_TIMEOUT_MS: a VM under TCG runs the IPsec cases (five quirks, two keyings) for longer.
  this.timeout(Number(process.env.PMIP_SELFTEST_TIMEOUT_MS ?? 15 * 60_000));
  const dirs = usePrivateRunRoot();
  const quirks = pmipdProfile.quirks();
  let cases: SuiteCase[] = [];
  let outcomes: CaseOutcome[] = [];

  before(async function () {
    cases = selectCases(await discoverCases(), ONLY);
    const runs: SuiteRun[] = cases.map((c) => ({ case: c, label: `clean--${c.def.name}` }));
    for (const [q, info] of Object.entries(quirks)) {
      for (const c of casesJudging(cases, info.breaks)) runs.push({ case: c, quirks: [q], label: `${q}--${c.def.name}` });
    }
    const t0 = Date.now();
    outcomes = await runSuite({ runs, iut: 'pmipd', jobs: JOBS, outDir: dirs.out, dataplane: DATAPLANE });
    process.stdout.write(`      (${runs.length} case runs, ${JOBS} at a time, in ${((Date.now() - t0) / 1000).toFixed(1)} s)\n`);
    // A run of selected cases (PMIP_SELFTEST_CASES) is one to read: each quirk run's new FAILs and time.
    if (ONLY.length > 0) {
      for (const o of outcomes.filter((x) => x.quirks.length > 0)) {
        const before = failSet(outcomes.filter((x) => x.quirks.length === 0 && x.case === o.case));
        const turned = [...failSet([o])].filter((id) => !before.has(id)).sort();
        process.stdout.write(`      ${o.label}: ${turned.length > 0 ? turned.join(', ') : 'nothing'} FAIL (${(o.elapsedMs / 1000).toFixed(1)} s)\n`);
      }
    }
  });

  const clean = () => outcomes.filter((o) => o.quirks.length === 0);

  it('runs every case to completion', function () {
    const broken = outcomes.filter((o) => caseError(o) !== undefined);
    expect(broken.map((o) => `${o.label}: ${caseError(o)}`)).to.deep.equal([]);
  });

  it(`runs every IUT node on ${DATAPLANE}`, function () {
    const other = outcomes.flatMap((o) => Object.entries(o.output?.result.dataplanes ?? {}).filter(([, d]) => d.backend !== DATAPLANE).map(([n, d]) => `${o.label} ${n}: ${d.backend}`));
    expect(other).to.deep.equal([]);
  });

  it('without quirks, every verdict matches baselines/pmipd.yaml', async function () {
    const baseline = await loadBaseline(join(process.cwd(), 'baselines', 'pmipd.yaml'));
    const summary = aggregate(clean().flatMap((o) => (o.output ? [o.output.result] : [])));
    const changes = compareBaseline(baseline, summary, ONLY.length > 0);
    expect(changes.map((c) => `${c.id}: ${c.seen}, baseline ${c.expected}: ${c.message}`)).to.deep.equal([]);
  });

  it('lists collateral and overclaimed requirements only for quirks pmipd has, and never twice', function () {
    const stale: string[] = [];
    for (const q of [...Object.keys(COLLATERAL), ...Object.keys(OVERCLAIMED)]) {
      if (quirks[q] === undefined) stale.push(`${q}: pmipd has no such quirk any more`);
    }
    for (const [q, ids] of Object.entries(COLLATERAL)) for (const id of Object.keys(ids)) if (quirks[q]?.breaks.includes(id)) stale.push(`${q}: pmipd now lists ${id}; drop it from COLLATERAL`);
    for (const [q, ids] of Object.entries(OVERCLAIMED)) for (const id of Object.keys(ids)) if (quirks[q] !== undefined && !quirks[q].breaks.includes(id)) stale.push(`${q}: pmipd no longer lists ${id}; drop it from OVERCLAIMED`);
    expect(stale).to.deep.equal([]);
  });

  for (const [q, info] of Object.entries(quirks)) {
    const collateral = COLLATERAL[q] ?? {};
    const overclaimed = OVERCLAIMED[q] ?? {};
    const required = Object.keys(collateral).filter((id) => typeof collateral[id] === 'string');
    const optional = Object.keys(collateral).filter((id) => typeof collateral[id] !== 'string');
    const breaks = [...info.breaks.filter((id) => !(id in overclaimed)), ...required];
    it(`quirk ${q} (${info.role.toUpperCase()}) turns exactly ${breaks.join(', ')}${optional.length ? ` (and maybe ${optional.join(', ')})` : ''} FAIL`, function () {
      const mine = outcomes.filter((o) => o.quirks.includes(q));
      const skipped = [...new Set(mine.flatMap((o) => o.output?.result.skipped ?? []))];
      if (mine.length > 0 && mine.every((o) => o.output?.result.skipped !== undefined)) {
        this.test!.title += ` [SKIPPED: ${skipped.join('; ')}]`;
        this.skip();
      }
      const judged = new Set(mine.flatMap((o) => o.case.def.requirements));
      const unjudged = info.breaks.filter((id) => !judged.has(id));
      if (mine.length === 0) {
        this.test!.title += ` [no case judges ${info.breaks.join(', ')}]`;
        this.skip();
      }
      const before = failSet(clean().filter((o) => mine.some((m) => m.case === o.case)));
      const after = failSet(mine);
      const turned = [...after].filter((id) => !before.has(id) && !optional.includes(id)).sort();
      const expected = breaks.filter((id) => judged.has(id)).sort();
      expect(turned, `cases run: ${mine.map((o) => o.case.def.name).join(', ')}${unjudged.length ? `; judged by no case: ${unjudged.join(', ')}` : ''}${whyNotFailed(mine, expected.filter((id) => !turned.includes(id)))}`).to.deep.equal(expected);
      if (unjudged.length > 0) this.test!.title += ` [judged by no case: ${unjudged.join(', ')}]`;
    });
  }
});
