// Run inside `pmip-testbed vm` by .ci/run's VM part: pmipd as the MAG, OPMIP as the LMA (the
// interop pair of issue 11 that CI keeps), through the attach case: the MN gets its address,
// reaches the CN through the tunnel, and every verdict matches baselines/opmip.yaml (OPMIP's
// deviations). OPMIP is built on the host before the VM (pmip-testbed build-iut opmip): the
// guest's root is a throwaway overlay, and a build under TCG takes ten minutes.
import { expect } from 'chai';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { MissingKernelFeature, requireKernelFeatures } from '../../harness/kernel-features.js';
import { buildOpmip } from '../../harness/iut/opmip-build.js';
import { PROJECT_ROOT } from '../../harness/iut/source-build.js';
import { skipOutsideVm } from '../support/vm-guest.js';

const CLI = fileURLToPath(new URL('../../harness/cli/main.js', import.meta.url));

describe('in a VM: pmipd MAG × OPMIP LMA', function () {
  this.timeout(900_000);

  it('attaches an MN, passes MN <-> CN traffic through the tunnel, and matches baselines/opmip.yaml', async function () {
    skipOutsideVm(this);
    try {
      await requireKernelFeatures(['ip6tnl'], 'OPMIP');
    } catch (err) {
      if (!(err instanceof MissingKernelFeature)) throw err;
      console.log(`    SKIPPED: ${err.message}`);
      this.skip();
    }
    // Fails (does not skip) when the host did not build it: CI must.
    await buildOpmip(undefined, { cachedOnly: true });
    // Under the project: `pmip-testbed vm` copies it back, so a failure leaves the report to read.
    mkdirSync(join(PROJECT_ROOT, 'reports'), { recursive: true });
    const report = mkdtempSync(join(PROJECT_ROOT, 'reports', 'opmip-guest-'));
    let keep = false;
    try {
      const r = await execa(process.execPath, [CLI, 'run', '--iut', join(PROJECT_ROOT, 'iut', 'opmip', 'pmipd-mag.yaml'), '--cases', 'attach',
        '--baseline', join(PROJECT_ROOT, 'baselines', 'opmip.yaml'), '--report', report], { reject: false, all: true, cwd: PROJECT_ROOT });
      keep = r.exitCode !== 0;
      expect(r.exitCode, `${r.all}\n(report kept in ${report})`).to.equal(0);
      const lmaLog = readFileSync(join(report, 'cases', 'attach', 'logs', 'lma1.log'), 'utf8');
      expect(lmaLog, 'OPMIP registered the MN').to.match(/^LMA: PBU registration \[id = mn1@example\.org, mag = /m);
      const steps = (JSON.parse(readFileSync(join(report, 'results.json'), 'utf8')) as { cases: { steps?: { description: string; verdict: string }[] }[] })
        .cases.flatMap((c) => c.steps ?? []);
      expect(steps.filter((s) => s.verdict !== 'PASS').map((s) => s.description), 'failed steps (address, RA, ping both ways, state)').to.deep.equal([]);
    } finally {
      if (!keep) rmSync(report, { recursive: true, force: true });
    }
  });
});
