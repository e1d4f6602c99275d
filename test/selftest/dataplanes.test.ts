// The kernel data planes under the suite: the full self-test runs over tun (quirks.test.ts); here
// the cases that judge the tunnel (data-plane, handover) run over each kernel back-end this kernel
// has (ip6tnl, seg6), with every node on it, every case run, and the verdicts as the baseline
// expects. On a kernel with neither, the block says so and skips.
import { expect } from 'chai';
import { join } from 'node:path';
import { aggregate, compareBaseline, loadBaseline } from '../../harness/conformance/baseline.js';
import { caseError, caseResultOf, discoverCases, runSuite, selectCases, type CaseOutcome } from '../../harness/conformance/suite.js';
import { kernelDataplanes } from '../support/dataplanes.js';
import { usePrivateRunRoot } from '../testbed/run-root.js';

const CASES = ['data-plane', 'handover'];
const backends = await kernelDataplanes();

describe('self-validation: the tunnel cases over each kernel data plane', function () {
  this.timeout(5 * 60_000);
  const dirs = usePrivateRunRoot();

  if (backends.length === 0) {
    it('(this kernel has neither ip6tnl nor seg6: the suite runs over tun only)', function () { this.skip(); });
    return;
  }

  for (const backend of backends) {
    describe(`over ${backend}`, () => {
      let outcomes: CaseOutcome[] = [];
      before(async () => {
        const cases = selectCases(await discoverCases(), CASES);
        outcomes = await runSuite({ runs: cases.map((c) => ({ case: c, label: `${backend}--${c.def.name}` })), iut: 'pmipd', jobs: 2, outDir: join(dirs.out, backend), dataplane: backend });
      });

      it(`runs ${CASES.join(' and ')} to completion with every IUT node on ${backend}`, () => {
        expect(outcomes.map((o) => `${o.label}: ${caseError(o) ?? 'ran'}`)).to.deep.equal(outcomes.map((o) => `${o.label}: ran`));
        for (const o of outcomes) {
          const planes = Object.values(o.output!.result.dataplanes ?? {}).map((d) => d.backend);
          expect(planes, o.label).to.not.be.empty;
          expect(new Set(planes), o.label).to.deep.equal(new Set([backend]));
        }
      });

      it('judges the tunnel as the baseline expects', async () => {
        const baseline = await loadBaseline(join(process.cwd(), 'baselines', 'pmipd.yaml'));
        const changes = compareBaseline(baseline, aggregate(outcomes.map(caseResultOf)), true);
        expect(changes.map((c) => `${c.id}: ${c.seen}, baseline ${c.expected}: ${c.message}`)).to.deep.equal([]);
      });
    });
  }
});
