import { expect } from 'chai';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EventLog } from '../../harness/testbed/event-log.js';
import { readRun } from '../../harness/testbed/run-state.js';
import { leftovers } from '../../harness/testbed/sweep.js';
import { cli, cliUp, exitOf, FLAT_RADVD, usePrivateRunRoot } from './run-root.js';

const COMMANDS = ['up', 'down', 'clean', 'exec', 'attach', 'detach', 'handover'];

describe('testbed/cli', function () {
  this.timeout(30000);
  const root = usePrivateRunRoot();

  it('lists the testbed commands, and each has --help', async () => {
    const top = await cli(['--help']);
    for (const c of COMMANDS) expect(top.stdout).to.match(new RegExp(`^  ${c} +\\S`, 'm'));
    const helps = await Promise.all(COMMANDS.map((c) => cli([c, '--help'])));
    for (const [i, r] of helps.entries()) {
      expect(r.exitCode, COMMANDS[i]).to.equal(0);
      expect(r.stdout).to.match(new RegExp(`^usage: pmip-testbed ${COMMANDS[i]}`));
    }
  });

  it('user mistakes get one clear line, never a stack trace', async () => {
    const bad = join(root.out, 'bad.yaml');
    writeFileSync(bad, 'name: bad\nnodes:\n  mag1: { kind: mag }\n  ap1: { kind: ap }\nlinks:\n  - ["mag1:acc0", "ap2"]\n');
    const cases: [string[], number, RegExp][] = [
      [['up', bad], 1, /^pmip-testbed: .*bad\.yaml:6:19: links\[0\]\[1\]: unknown node 'ap2' \(did you mean 'ap1'\?\)$/],
      [['up', join(root.out, 'none.yaml')], 1, /^pmip-testbed: cannot read topology .*none\.yaml: no such file$/],
      [['up'], 2, /^pmip-testbed up: a TOPOLOGY file is required\n\nusage:/],
      [['up', bad, '--param', 'mns'], 2, /^pmip-testbed up: --param takes NAME=INTEGER, not 'mns'/],
      [['exec', 'mn1', '--', 'true'], 1, /^pmip-testbed: no testbed is up \(start one with: pmip-testbed up TOPOLOGY\.yaml\)$/],
      [['exec', 'mn1'], 2, /^pmip-testbed exec: a COMMAND is required after --/],
      [['handover', '--run', 'BAD', 'mn1', 'ap2'], 1, /^pmip-testbed: invalid run id 'BAD'/],
      [['down'], 1, /^pmip-testbed: no testbed is up/],
    ];
    const results = await Promise.all(cases.map(([args]) => cli(args)));
    for (const [i, r] of results.entries()) {
      const [args, code, re] = cases[i]!;
      expect(r.exitCode, args.join(' ')).to.equal(code);
      expect(r.stderr, args.join(' ')).to.match(re);
      expect(r.stderr).to.not.match(/^\s+at /m);
    }
  });

  it('up, exec, handover, detach, attach and down against a topology that is up', async () => {
    const out = join(root.out, 'flat');
    const { child, runId, output } = await cliUp([FLAT_RADVD, '--out', out]);
    try {
      expect(output()).to.match(new RegExp(`^  mn1 +mn +pt${runId}-mn1 +pmip-testbed exec mn1 -- bash$`, 'm'));
      const link = await cli(['exec', 'mn1', '--', 'ip', '-j', 'link', 'show', 'dev', 'eth0']);
      expect(JSON.parse(link.stdout)[0].address).to.equal('02:00:00:00:01:01');
      expect((await cli(['exec', '--run', runId, 'cn1', '--', 'sh', '-c', 'exit 7'])).exitCode).to.equal(7);
      const unknown = await cli(['exec', 'mn9', '--', 'true']);
      expect(unknown.stderr).to.equal(`pmip-testbed: run ${runId} (flat-domain) has no node 'mn9' (nodes: lma1, mag1, mag2, ap1, ap2, mn1, mn2, cn1)`);

      const ho = await cli(['handover', 'mn1', 'ap2']);
      expect(ho.exitCode, ho.stderr).to.equal(0);
      expect(ho.stdout.split('\n').map((l) => l.replace(/^\S+ /, ''))).to.deep.equal([
        'mn1 leaves ap1 for ap2 (carrier down)', 'mn1 attached to ap2 (carrier up)', 'mn1 solicits (RS) on eth0',
      ]);
      expect((await cli(['detach', 'mn2'])).stdout).to.match(/^\S+Z mn2 detached from ap2 \(carrier down\)$/);
      expect((await cli(['attach', 'mn2', 'ap1', '--no-solicit'])).stdout).to.match(/^\S+Z mn2 attached to ap1 \(carrier up\)$/);
      expect((await cli(['handover', 'mn2', 'ap1'])).stderr).to.equal('pmip-testbed: mn2 is already attached to ap1');
      const addr = await cli(['exec', 'mn1', '--', 'ip', '-6', 'addr', 'show', 'dev', 'eth0']);
      expect(addr.stdout).to.include('2001:db8:0:4:0:ff:fe00:101/64');

      const down = await cli(['down']);
      expect(down.stdout).to.equal(`run ${runId} (flat-domain) is down; output kept in ${out}`);
      expect(await exitOf(child)).to.deep.equal({ code: 143, signal: null });
      expect(output()).to.match(new RegExp(`^run ${runId} torn down in \\d+ ms\n  ap1: \\d+ packets -> ${out}/captures/ap1\\.pcap$`, 'm'));
      // One log for the run, written by the up process and by the commands beside it.
      const types = EventLog.readFile(join(out, 'events.jsonl')).map((e) => `${e.type}${e.node ? ` ${e.node}` : ''}`);
      expect(types.filter((t) => /^(attach|detach|handover|solicit)/.test(t))).to.deep.equal([
        'attach mn1', 'attach mn2', 'handover mn1', 'attach mn1', 'solicit mn1', 'detach mn2', 'attach mn2',
      ]);
      expect(await leftovers(runId)).to.deep.equal({ netns: [], processes: [], runDir: false });
    } finally {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        await exitOf(child);
      }
      if (!(await readRun(runId)).problem) await cli(['clean']);
    }
  });
});
