// `pmip-testbed run`: its usage errors, the case list, and the exit status against the baseline
// (a clean case matches; a quirk that breaks a requirement is a regression); a case whose IUT
// cannot start is an ERROR (exit 1, one line of cause first, no stack trace); a run without a
// data plane judges no data-plane requirement.
import { expect } from 'chai';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cli, usePrivateRunRoot } from '../testbed/run-root.js';

describe('pmip-testbed run', function () {
  this.timeout(60_000);
  const dirs = usePrivateRunRoot();

  it('explains itself and lists the cases with the requirement IDs they judge', async () => {
    const help = await cli(['run', '--help']);
    expect(help.exitCode).to.equal(0);
    expect(help.stdout).to.match(/--iut NAME\|mag=NAME,lma=NAME\|FILE/).and.match(/--quirk NAME/).and.match(/exit status/);
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
    expect([iut.exitCode, /--iut "nosuch": unknown implementation "nosuch" \(known: /.test(iut.stderr)]).to.deep.equal([2, true]);
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

  it('a case whose IUT cannot start is an ERROR: listed first with its one-line cause, exit 1, no stack trace, junit <error>', async () => {
    const iut = join(dirs.out, 'broken-iut.yaml');
    // pmipd refuses to start: its LMA's transport interface does not exist.
    writeFileSync(iut, 'name: pmipd-broken\nlma: { adapter: pmipd, options: { domain: { lma: { transportInterface: nosuch0 } } } }\nmag: { adapter: pmipd }\n');
    const report = join(dirs.out, 'broken');
    const r = await cli(['run', '--iut', iut, '--cases', 'lma-pool', '--report', report], { timeoutMs: 45_000 });
    expect(r.exitCode, r.stdout + r.stderr).to.equal(1);
    const cause = 'testbed up: IUT of node lma1 (pmipd adapter): lma.transportInterface nosuch0 does not exist in this network namespace';
    expect(r.stdout).to.include(`[1/1] ERROR  lma-pool  ${cause}`);
    expect(r.stdout).to.match(new RegExp(`\\n1 of 1 case errored: lma-pool\\n  lma-pool: ${cause.replace(/[()]/g, '\\$&')}\\n`));
    expect(r.stdout).to.match(/no requirement was judged/);
    expect(r.stdout + r.stderr).to.not.match(/\n\s+at \S+ \(|verdicts match/);
    expect(readFileSync(join(report, 'junit.xml'), 'utf8')).to.include(`<error message="${cause}" type="ERROR">`);
    const json = JSON.parse(readFileSync(join(report, 'results.json'), 'utf8')) as { summary: { errored: number }; cases: { status: string }[] };
    expect([json.summary.errored, json.cases[0]!.status]).to.deep.equal([1, 'error']);
  });

  it('--dataplane none: every data-plane requirement INCONCLUSIVE with the reason, none PASS, and a run that judged nothing fails', async () => {
    const report = join(dirs.out, 'none');
    const r = await cli(['run', '--cases', 'data-plane', '--dataplane', 'none', '--report', report], { timeoutMs: 45_000 });
    expect(r.exitCode, r.stdout + r.stderr).to.equal(1);
    expect(r.stdout).to.match(/\[1\/1\] done {3}data-plane +0 PASS +0 FAIL +9 INCONCL .*\[none\]/);
    for (const id of ['FWD-01', 'FWD-02', 'FWD-03', 'FWD-04', 'FWD-06', 'FWD-07', 'FWD-10', 'FWD-11', 'FWD-14']) {
      expect(r.stdout).to.match(new RegExp(`^${id} +INCONCLUSIVE .*not judged: lma1, mag1 ran without a data plane: pmipd ran without a data plane \\(dataplane: none\\)`, 'm'));
    }
    expect(r.stdout).to.match(/no requirement was judged \(all 9 INCONCLUSIVE\)/);
    const json = JSON.parse(readFileSync(join(report, 'results.json'), 'utf8')) as { run: { dataplane: string; dataplanes: Record<string, number> }; cases: { dataplanes: Record<string, { backend: string }> }[] };
    expect(json.run).to.deep.include({ dataplane: 'none', dataplanes: { none: 2 } });
    expect(json.cases[0]!.dataplanes).to.deep.equal({ lma1: { backend: 'none' }, mag1: { backend: 'none' } });
  });

  it('--dataplane none: the signalling is judged as with a tunnel (the MAG keeps its MNs: no FAIL beyond the baseline)', async () => {
    const report = join(dirs.out, 'none-attach');
    const r = await cli(['run', '--cases', 'attach', '--dataplane', 'none', '--report', report], { timeoutMs: 45_000 });
    const json = JSON.parse(readFileSync(join(report, 'results.json'), 'utf8')) as { requirements: { id: string; verdict: string; message: string }[] };
    const fails = json.requirements.filter((x) => x.verdict === 'FAIL').map((x) => `${x.id}: ${x.message}`);
    expect(fails.map((f) => f.split(':')[0]), r.stdout).to.have.members(['RA-14']);
    expect(json.requirements.find((x) => x.id === 'MAG-PBU-18')?.verdict, r.stdout).to.equal('PASS');
  });

  it('refuses an unknown --dataplane (exit 2)', async () => {
    const r = await cli(['run', '--dataplane', 'gre']);
    expect([r.exitCode, /--dataplane wants one of auto, ip6tnl, seg6, tun, none, not 'gre'/.test(r.stderr)]).to.deep.equal([2, true]);
  });
});
