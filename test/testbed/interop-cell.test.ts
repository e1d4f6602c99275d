// A real interop cell on this machine's kernel: `pmip-testbed interop --mag pmipd --lma pmipd`
// runs attach, data-plane, handover and refresh-detach as one `run` of the pair, writes the pair's
// report in its subfolder and the matrix over it, and exits 0 when the verdicts match pmipd's
// baseline.
import { expect } from 'chai';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Matrix } from '../../harness/conformance/interop-matrix.js';
import { cli, usePrivateRunRoot } from './run-root.js';

describe('testbed/interop cell pmipd x pmipd', function () {
  this.timeout(600_000);
  const root = usePrivateRunRoot();

  it('has --help, and a bad --iut or --mag is a usage error naming the bad part', async () => {
    const help = await cli(['interop', '--help']);
    expect(help.exitCode).to.equal(0);
    expect(help.stdout).to.match(/^usage: pmip-testbed interop /);
    const run = await cli(['run', '--iut', 'mag=pmipd,lma=oai']);
    expect(run.exitCode).to.equal(2);
    expect(run.stderr).to.match(/^pmip-testbed run: --iut "mag=pmipd,lma=oai": unknown implementation "oai" in "lma=oai"/);
    const interop = await cli(['interop', '--mag', 'pmipd,pmipd']);
    expect(interop.exitCode).to.equal(2);
    expect(interop.stderr).to.match(/^pmip-testbed interop: --mag "pmipd,pmipd": "pmipd" is given twice/);
  });

  it('runs the pair, writes its report in a subfolder and the matrix over it, exit 0 against the baseline', async () => {
    const out = join(root.out, 'interop');
    const r = await cli(['interop', '--mag', 'pmipd', '--lma', 'pmipd', '--out', out], { timeoutMs: 540_000 });
    expect(r.exitCode, `${r.stdout}\n${r.stderr}`).to.equal(0);
    expect(r.stdout).to.match(/^\[1\/1\] done {4}MAG pmipd × LMA pmipd +\d+\.\d s {2}attach \w+, data-plane PASS, handover PASS, refresh-detach PASS; \d+ FAIL$/m);
    const { matrix } = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as { matrix: Matrix };
    const [cell] = matrix.cells;
    expect(matrix.cells).to.have.length(1);
    expect(cell!.status).to.equal('completed');
    expect(cell!.baseline).to.deep.equal({ file: 'baselines/pmipd.yaml', changes: [] });
    const cellDir = join(out, 'cells', 'mag-pmipd--lma-pmipd');
    const report = readFileSync(join(cellDir, 'index.html'), 'utf8');
    expect(report).to.contain('<h2>Capability statements</h2>');
    const pair = JSON.parse(readFileSync(join(cellDir, 'results.json'), 'utf8')) as { run: { capabilities: { role: string; implementation: string }[] } };
    expect(pair.run.capabilities.map((c) => `${c.role} ${c.implementation}`)).to.deep.equal(['mag pmipd', 'lma pmipd']);
    const pmipd = matrix.implementations.find((p) => p.implementation === 'pmipd')!;
    expect(pmipd.requirements.length).to.be.greaterThan(50);
    for (const e of pmipd.requirements.flatMap((q) => q.entries)) expect(existsSync(join(out, e.link.replace(/#.*$/, '')))).to.equal(true);
    expect(existsSync(join(out, 'implementation-pmipd.html'))).to.equal(true);
  });
});
