// `pmip-testbed run`: its usage errors, the case list, and the exit status against the baseline
// (a clean case matches; a quirk that breaks a requirement is a regression).
import { expect } from 'chai';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cli, usePrivateRunRoot } from '../testbed/run-root.js';

describe('pmip-testbed run', function () {
  this.timeout(60_000);
  const dirs = usePrivateRunRoot();

  it('explains itself and lists the cases with the requirement IDs they judge', async () => {
    const help = await cli(['run', '--help']);
    expect(help.exitCode).to.equal(0);
    expect(help.stdout).to.match(/--iut NAME\|FILE/).and.match(/--quirk NAME/).and.match(/exit status/);
    const list = await cli(['run', '--list']);
    expect(list.exitCode).to.equal(0);
    for (const name of ['attach', 'handover', 'lma-validation', 'mag-retransmission']) expect(list.stdout).to.match(new RegExp(`^${name} `, 'm'));
    expect(list.stdout).to.match(/LMA-ERR-03/);
  });

  it('refuses an unknown quirk, an unknown IUT and a glob matching no case (exit 2, no stack trace)', async () => {
    const quirk = await cli(['run', '--quirk', 'nope']);
    expect(quirk.exitCode).to.equal(2);
    expect(quirk.stderr).to.match(/pmipd has no quirk "nope"/).and.not.match(/\n\s+at /);
    const iut = await cli(['run', '--iut', 'nosuch']);
    expect([iut.exitCode, /unknown IUT "nosuch"/.test(iut.stderr)]).to.deep.equal([2, true]);
    const none = await cli(['run', '--cases', 'zzz*']);
    expect([none.exitCode, /no case matches zzz\*/.test(none.stderr)]).to.deep.equal([2, true]);
  });

  it('runs a case, prints its progress and verdicts, matches the baseline and writes the report', async () => {
    const report = join(dirs.out, 'clean');
    const r = await cli(['run', '--cases', 'lma-pool', '--report', report], { timeoutMs: 45_000 });
    expect(r.exitCode, r.stdout + r.stderr).to.equal(0);
    expect(r.stdout).to.match(/\[1\/1\] start {2}lma-pool/).and.match(/\[1\/1\] done {3}lma-pool +2 PASS/);
    expect(r.stdout).to.match(/^LMA-ERR-11 +PASS/m).and.match(/verdicts match the baseline/).and.match(/report: .*index\.html/);
    for (const f of ['index.html', 'junit.xml', 'results.json', 'cases/lma-pool/captures/tester1-lma1.pcap']) expect(existsSync(join(report, f)), f).to.equal(true);
    expect(JSON.parse(readFileSync(join(report, 'results.json'), 'utf8')).cases[0].name).to.equal('lma-pool');
  });

  it('exits 1 when a quirk turns a requirement FAIL that the baseline expects to PASS', async () => {
    const r = await cli(['run', '--cases', 'lma-validation', '--quirk', 'accept-unknown-mn', '--report', join(dirs.out, 'quirk')], { timeoutMs: 45_000 });
    expect(r.exitCode, r.stdout + r.stderr).to.equal(1);
    expect(r.stdout).to.match(/LMA-ERR-03 +FAIL +expected PASS \(regression\)/);
  });
});
