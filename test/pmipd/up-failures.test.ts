// `pmip-testbed up` when pmipd cannot run: a forced data plane the kernel lacks is refused before
// anything is built, and a pmipd that dies at start-up is reported by its cause on the first line,
// then its log tail, never with a JavaScript stack trace (unless --debug); nothing is left behind.
// A run directory too long for a UNIX socket address is refused with the way out.
import { expect } from 'chai';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { detectKernelFeatures } from '../../harness/kernel-features.js';
import { RUN_ROOT_ENV } from '../../harness/testbed/run-state.js';
import { Testbed } from '../../harness/testbed/testbed.js';
import { rejection } from '../support/rejection.js';
import { cli, TOPOLOGIES, usePrivateRunRoot } from '../testbed/run-root.js';

const STACK_FRAME = /^\s+at \S.*:\d+:\d+\)?$/m;

/** flat-domain with `options` given to the LMA's pmipd. */
function flatWithLmaOptions(dir: string, name: string, options: string): string {
  const file = join(dir, `${name}.yaml`);
  const text = readFileSync(join(TOPOLOGIES, 'flat-domain.yaml'), 'utf8').replace('lma: { iut: { adapter: pmipd } }', `lma: { iut: { adapter: pmipd, options: ${options} } }`);
  writeFileSync(file, text);
  return file;
}

describe('pmip-testbed up: pmipd that cannot run', function () {
  this.timeout(60_000);
  const dirs = usePrivateRunRoot();

  it('a forced data plane the kernel lacks: one line naming the feature and the probe, exit 1', async function () {
    const f = await detectKernelFeatures();
    const missing = (['ip6tnl', 'seg6'] as const).find((k) => !f[k]);
    if (missing === undefined) this.skip(); // a kernel with every back-end
    const r = await cli(['up', flatWithLmaOptions(dirs.out, 'forced', `{ domain: { dataplane: ${missing} } }`), '--no-captures']);
    expect(r.exitCode).to.equal(1);
    expect(r.stderr.trim().split('\n')).to.have.length(1);
    expect(r.stderr).to.match(new RegExp(`^pmip-testbed: kernel lacks ${missing} \\(needed by the IUT of node lma1 \\(pmipd adapter\\)\\): .* \\(probe said: `));
  });

  it('pmipd dying at start-up: its cause first, then its log tail, no stack trace; --debug shows stacks', async () => {
    const topo = flatWithLmaOptions(dirs.out, 'bad', '{ domain: { lma: { transportInterface: nosuch0 } } }');
    const r = await cli(['up', topo, '--no-captures']);
    expect(r.exitCode).to.equal(1);
    const lines = r.stderr.trim().split('\n');
    expect(lines[0]).to.equal('pmip-testbed: IUT of node lma1 (pmipd adapter): lma.transportInterface nosuch0 does not exist in this network namespace');
    expect(r.stderr).to.match(/last \d+ lines of .*lma1\.log:/);
    expect(r.stderr).to.not.match(STACK_FRAME);
    const d = await cli(['--debug', 'up', topo, '--no-captures']);
    expect(d.exitCode).to.equal(1);
    expect(d.stderr).to.match(STACK_FRAME);
  });

  it('a run directory too long for a UNIX socket address: refused, naming the limit and PMIP_TESTBED_RUN_DIR', async () => {
    const saved = process.env[RUN_ROOT_ENV]!;
    const deep = join(saved, 'x'.repeat(100));
    mkdirSync(deep, { recursive: true });
    process.env[RUN_ROOT_ENV] = deep;
    try {
      const err = await rejection(Testbed.up(join(TOPOLOGIES, 'flat-domain.yaml'), { captures: false, keepOutput: false }));
      expect(err.message).to.match(/^IUT of node lma1 \(pmipd adapter\): its control socket \S+\/pmipd\.sock is \d+ bytes, longer than a UNIX socket address allows \(107\): set PMIP_TESTBED_RUN_DIR/);
    } finally {
      process.env[RUN_ROOT_ENV] = saved;
    }
  });
});
