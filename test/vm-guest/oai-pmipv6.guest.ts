// Run inside `pmip-testbed vm` by .ci/run's VM part: OAI PMIPv6 (built from the pristine archive
// by our recipe, on the host before the VM boots: `pmip-testbed build-iut oai-pmipv6`) as the MAG
// of pmipd's LMA. The attach case (registration, then MN <-> CN traffic) must end with exactly the
// verdicts of baselines/oai-mag-pmipd-lma.yaml (pmipd discards OAI's malformed PBUs: MH-02), and
// OAI's MAG must have detected the MN and sent PBUs (its log says so), so a run where mip6d never
// got going cannot pass. On a kernel without ip6tnl or Mobile IPv6 (the host's, typically) it
// skips by name. Not part of `npm test`.
import { expect } from 'chai';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { detectKernelFeatures } from '../../harness/kernel-features.js';
import { buildOai, DEFAULT_OAI_SOURCE } from '../../harness/iut/oai-pmipv6/recipe.js';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const CLI = join(ROOT, 'dist', 'harness', 'cli', 'main.js');

describe('OAI PMIPv6 as the MAG of pmipd\'s LMA', function () {
  this.timeout(900_000);

  it('attaches (and passes traffic where the pair can) with the verdicts of baselines/oai-mag-pmipd-lma.yaml', async function () {
    const have = await detectKernelFeatures();
    const missing = (['ip6tnl', 'mip6'] as const).filter((f) => !have[f]);
    if (missing.length > 0) {
      console.log(`    SKIPPED: the kernel lacks ${missing.join(' and ')} (OAI PMIPv6 needs them): run it with --vm`);
      this.skip();
    }
    if (!existsSync(DEFAULT_OAI_SOURCE)) {
      console.log(`    SKIPPED: no OAI PMIPv6 source at ${DEFAULT_OAI_SOURCE} (set PMIP_TESTBED_IUT_SRC)`);
      this.skip();
    }
    const built = await buildOai();
    // Built on the host: a build inside the VM would be lost with it and slow the run by minutes.
    if (built.built) console.log(`    note: mip6d was built inside the VM (${built.seconds.toFixed(1)} s); build it on the host first`);
    // Under the working directory: the VM copies that back, /tmp it does not.
    mkdirSync(join(ROOT, 'reports'), { recursive: true });
    const report = mkdtempSync(join(ROOT, 'reports', 'oai-guest-'));
    try {
      const r = await execa(process.execPath, [CLI, 'run', '--iut', join(ROOT, 'iut', 'oai-pmipv6', 'oai-mag-pmipd-lma.yaml'),
        '--cases', 'attach', '--baseline', join(ROOT, 'baselines', 'oai-mag-pmipd-lma.yaml'), '--report', report],
      { reject: false, all: true, cwd: ROOT });
      expect(r.exitCode, r.all).to.equal(0);
      const log = readFileSync(join(report, 'cases', 'attach', 'logs', 'mag1.log'), 'utf8');
      expect(log, 'mip6d on mag1 detected mn1 from its RS').to.match(/New MN is found sending RS, start new registration/);
      expect(log, 'mip6d on mag1 sent a PBU').to.match(/mh_send_pbu: Send PBU/);
    } finally {
      rmSync(report, { recursive: true, force: true });
    }
  });
});
