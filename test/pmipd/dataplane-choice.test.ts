// How pmipd chooses its data plane, run as a process: `auto` logs each probe and, when nothing
// works, runs signalling only and says why on its ready line (the harness parses that line); a
// configured back-end that cannot be set up ends the daemon with one line of cause, no stack.
//
// A kernel without any IPv6-in-IPv6 data plane is played with what this kernel has: the transport
// interface is `lo`, down in a new namespace (seg6 routes need their device up), and /dev/net/tun
// is /dev/null in a private mount namespace (TUNSETIFF: "Inappropriate ioctl for device").
import { expect } from 'chai';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { nsExec } from '../../harness/netns.js';
import { Supervisor } from '../../harness/process/supervisor.js';
import { Scratch } from '../testbed/scratch.js';
import { backendUnavailable } from './tunnel-fixture.js';

const MAIN = 'dist/pmipd/main.js';
/** Runs argv with /dev/net/tun hidden, in a mount namespace of its own (private propagation). */
const WITHOUT_TUN = ['unshare', '-m', 'sh', '-c', 'mount --bind /dev/null /dev/net/tun && exec "$0" "$@"'];

function domainFile(dir: string, dataplane: string, extra = ''): string {
  const file = join(dir, `domain-${dataplane}.yaml`);
  writeFileSync(file, `${extra}dataplane: ${dataplane}\nlma: { address: "2001:db8:ff::1", transportInterface: lo, prefixPool: [2001:db8:a000::/48] }\n`
    + 'mags:\n  - { name: mag1, address: "2001:db8:ff::2", transportInterface: lo, accessInterfaces: [acc0] }\n');
  return file;
}

describe('pmipd data plane choice (as a process)', function () {
  this.timeout(30_000);
  let scratch: Scratch;
  let sup: Supervisor;
  let ns: string;
  let dir: string;
  beforeEach(async () => {
    scratch = new Scratch();
    sup = new Supervisor();
    ns = await scratch.netns();
    dir = scratch.tmpDir();
  });
  afterEach(async () => { await sup.stopAll(); await scratch.cleanup(); });

  it('auto with no back-end working: signalling only, every probe logged, the reason on the ready line', async function () {
    const ip6tnl = await backendUnavailable(scratch, 'ip6tnl');
    if (ip6tnl === null) {
      this.test!.title += ' [skipped: this kernel has ip6tnl, so auto cannot end at none here]';
      this.skip();
    }
    const [cmd, ...pre] = WITHOUT_TUN;
    const lma = sup.start({ name: 'lma', netns: ns, cmd: cmd!, args: [...pre, process.execPath, MAIN, '--role', 'lma', '--config', domainFile(dir, 'auto')], logFile: join(dir, 'lma.log') });
    const [ready] = await lma.waitForOutput(/ info lma ready .*/, { timeoutMs: 10_000 });
    const out = lma.output();
    expect(out).to.match(/ info lma dataplane-probe backend=ip6tnl ok=false said=".+"/);
    expect(out).to.match(/ info lma dataplane-probe backend=seg6 ok=false said=".*Nexthop device is not up.*"/);
    expect(out).to.match(/ info lma dataplane-probe backend=tun ok=false said=".*TUNSETIFF.*"/);
    expect(ready).to.match(/ ready role=lma .*dataplane=none dataplaneWhy="no IPv6-in-IPv6 data plane on this kernel: ip6tnl: .+; seg6: .+; tun: .+"/);
    // Signalling runs: the daemon stays up until told to stop, and stops cleanly.
    expect((await lma.stop()).code).to.equal(0);
  });

  it('auto takes the first back-end that works: its probe ok, then the choice, on the ready line', async () => {
    await nsExec(ns, 'ip', ['link', 'set', 'lo', 'up']);
    await nsExec(ns, 'ip', ['-6', 'addr', 'add', '2001:db8:ff::1/128', 'dev', 'lo']);
    const lma = sup.start({ name: 'lma', netns: ns, cmd: process.execPath, args: [MAIN, '--role', 'lma', '--config', domainFile(dir, 'auto')], logFile: join(dir, 'lma.log') });
    const [ready] = await lma.waitForOutput(/ info lma ready .*/, { timeoutMs: 10_000 });
    const chosen = /dataplane=(\S+)/.exec(ready)![1]!;
    expect(['ip6tnl', 'seg6', 'tun']).to.include(chosen);
    expect(ready).to.not.match(/dataplaneWhy/);
    expect(lma.output()).to.match(new RegExp(`dataplane-probe backend=${chosen} ok=true\\n.* info lma dataplane-chosen backend=${chosen}\\n`));
    expect((await lma.stop()).code).to.equal(0);
  });

  it('auto with greKeys skips seg6 (no GRE), says why, and picks a GRE engine: ip6gre beside ip6tnl, else the tun engine', async () => {
    await nsExec(ns, 'ip', ['link', 'set', 'lo', 'up']);
    await nsExec(ns, 'ip', ['-6', 'addr', 'add', '2001:db8:ff::1/128', 'dev', 'lo']);
    const lma = sup.start({ name: 'lma', netns: ns, cmd: process.execPath, args: [MAIN, '--role', 'lma', '--config', domainFile(dir, 'auto', 'greKeys: true\n')], logFile: join(dir, 'lma.log') });
    const [ready] = await lma.waitForOutput(/ info lma ready .*/, { timeoutMs: 10_000 });
    const out = lma.output();
    expect(out).to.match(/ dataplane-probe backend=seg6 ok=false said="skipped: seg6 cannot encapsulate in GRE \(greKeys: true\)"/);
    const chosen = /dataplane=(\S+)/.exec(ready)![1]!;
    expect(['ip6tnl', 'tun']).to.include(chosen);
    const engine = /gre-engine-chosen engine=(\S+)/.exec(out)?.[1];
    if (chosen === 'tun') expect(engine).to.equal('tun');
    else expect(['ip6gre', 'tun']).to.include(engine);
    expect((await lma.stop()).code).to.equal(0);
  });

  it('starts again over what a killed pmipd left in the namespace (seg6: rules, routes, the veth pair), without duplicating a rule', async function () {
    const seg6 = await backendUnavailable(scratch, 'seg6');
    if (seg6 !== null) {
      this.test!.title += ` [skipped: ${seg6}]`;
      this.skip();
    }
    await nsExec(ns, 'ip', ['link', 'set', 'lo', 'up']);
    await nsExec(ns, 'ip', ['-6', 'addr', 'add', '2001:db8:ff::1/128', 'dev', 'lo']);
    const rules = async () => (await nsExec(ns, 'ip', ['-6', 'rule'])).stdout.split('\n').filter((l) => /lookup local/.test(l)).map((l) => l.split(':')[0]);
    const start = () => sup.start({ name: 'lma', netns: ns, cmd: process.execPath, args: [MAIN, '--role', 'lma', '--config', domainFile(dir, 'seg6')], logFile: join(dir, 'lma.log') });
    const first = start();
    await first.waitForOutput(/ info lma ready .*/, { timeoutMs: 10_000 });
    expect(await rules()).to.deep.equal(['105']);
    await first.stop({ signal: 'SIGKILL' });
    const again = start();
    const [ready] = await again.waitForOutput(/ info lma ready .*|^pmipd: .*/m, { timeoutMs: 10_000 });
    expect(ready, again.output()).to.match(/ ready role=lma .*dataplane=seg6/);
    expect(await rules(), 'the local table looked up once, after the decapsulation rule').to.deep.equal(['105']);
    expect((await again.stop()).code).to.equal(0);
    expect(await rules(), 'restored at stop').to.deep.equal(['0']);
  });

  for (const [backend, cause] of [
    ['tun', /^pmipd: data plane tun could not be set up: TUN device pmip6tnl0 \(\/dev\/net\/tun, TUNSETIFF\): Inappropriate ioctl for device$/],
    ['seg6', /^pmipd: data plane seg6 could not be set up: ip -6 route add 2001:db8:ff::1\/128 encap seg6local action End\.DX6 nh6 :: dev lo table 200: .*Nexthop device is not up/],
  ] as const) {
    it(`a configured back-end that cannot be set up (${backend}) ends pmipd with one line of cause and no stack trace`, async () => {
      const [cmd, ...pre] = WITHOUT_TUN;
      const r = await nsExec(ns, cmd!, [...pre, process.execPath, MAIN, '--role', 'lma', '--config', domainFile(dir, backend)], { reject: false, timeoutMs: 20_000 });
      expect(r.exitCode).to.equal(1);
      const lines = r.stderr.split('\n').filter((l) => l.startsWith('pmipd: '));
      expect(lines, r.stderr).to.have.length(1);
      expect(lines[0]).to.match(cause);
      expect(r.stderr, 'no JavaScript stack').to.not.match(/^\s+at /m);
      // What was set up before the failure is gone again.
      expect((await nsExec(ns, 'ip', ['link', 'show', 'pmip6tnl0'], { reject: false })).exitCode).to.not.equal(0);
    });
  }
});
