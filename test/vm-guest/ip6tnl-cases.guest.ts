// Run inside `pmip-testbed vm` by .ci/run's VM part (with the testbed's build and clean-up tests):
// on a distribution kernel pmipd must take the ip6tnl data plane, and the attach, data-plane and
// multi-mn cases must pass on it (multi-mn's hairpin traffic once drew ICMPv6 Redirects from the
// LMA's tunnel into the MAG: FWD-14 failed on ip6tnl only). Not part of `npm test` (the host's kernel may have no ip6tnl).
import { expect } from 'chai';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { skipOutsideVm } from '../support/vm-guest.js';

const CLI = fileURLToPath(new URL('../../harness/cli/main.js', import.meta.url));

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? files(p) : [p];
  });
}

/** Every pmipd instance's data plane, from its "ready" log line. */
function dataplanes(reportDir: string): string[] {
  return files(reportDir).filter((f) => f.endsWith('.log')).flatMap((f) =>
    [...readFileSync(f, 'utf8').matchAll(/ info \S+ ready role=(?:lma|mag) .*\bdataplane=(\S+)/g)].map((m) => `${m[1]} (${f.slice(reportDir.length + 1)})`));
}

describe('in a VM on a distribution kernel', function () {
  this.timeout(900_000);

  it('runs the attach, data-plane and multi-mn cases with pmipd on ip6tnl in every instance, matching the baseline', async function () {
    skipOutsideVm(this);
    const report = mkdtempSync(join(tmpdir(), 'pmip-guest-'));
    try {
      const r = await execa(process.execPath, [CLI, 'run', '--cases', 'attach', '--cases', 'data-plane', '--cases', 'multi-mn', '--report', report], { reject: false, all: true });
      expect(r.exitCode, r.all).to.equal(0);
      const planes = dataplanes(report);
      expect(planes, `pmipd instances found in the logs of ${report}:\n${r.all}`).to.not.deep.equal([]);
      expect(planes.filter((p) => !p.startsWith('ip6tnl ')), 'pmipd instances not on ip6tnl').to.deep.equal([]);
    } finally {
      rmSync(report, { recursive: true, force: true });
    }
  });
});
