import { expect } from 'chai';
import { execa } from 'execa';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DeferStack } from '../../harness/defer.js';
import { netnsPids } from '../../harness/netns.js';
import { pollUntil, TimeoutError } from '../../harness/poll.js';
import { type ExitInfo, type ProcessSpec, type SupervisedProcess, Supervisor } from '../../harness/process/supervisor.js';
import { Scratch } from './scratch.js';
import { rejection } from '../support/rejection.js';


interface Report { p: SupervisedProcess; info: ExitInfo; report: string }

describe('testbed/process/supervisor', () => {
  let scratch: Scratch;
  let ns: string;
  let dir: string;
  let reports: Report[];
  let supervisor: Supervisor;
  const cleanup = new DeferStack();

  const spec = (name: string, script: string, extra: Partial<ProcessSpec> = {}): ProcessSpec => ({
    name, node: 'n1', netns: ns, cmd: 'sh', args: ['-c', script], logFile: join(dir, 'logs', `${name}.log`), ...extra,
  });

  beforeEach(async () => {
    scratch = new Scratch();
    ns = await scratch.netns();
    dir = scratch.tmpDir();
    reports = [];
    supervisor = new Supervisor({ onUnexpectedExit: (p, info, report) => reports.push({ p, info, report }) });
    // Registered after the netns, so processes are stopped before it is deleted (and checked empty).
    cleanup.defer('stop all', () => supervisor.stopAll({ graceMs: 200 }));
  });
  afterEach(async () => {
    const failures = await cleanup.unwind();
    await scratch.cleanup();
    expect(failures).to.deep.equal([]);
  });

  it('starts in the netns with the real PID, logs raw output after a header, waits for output, stops with SIGTERM', async () => {
    const p = supervisor.start(spec('daemon', 'echo out-line; echo err-line >&2; exec sleep 30'));
    // `ip netns exec` execs: the PID execa saw is the one in the namespace, and it is `sleep` by now.
    const m = await p.waitForOutput(/err-(\w+)/, { timeoutMs: 2000, stream: 'stderr' });
    expect(m[1]).to.equal('line');
    await p.waitForOutput(/out-line/, { timeoutMs: 2000, stream: 'stdout' });
    expect(await netnsPids(ns)).to.deep.equal([p.pid]);
    await pollUntil(() => readFileSync(`/proc/${p.pid}/comm`, 'utf8') === 'sleep\n', { what: 'sh to exec sleep', timeoutMs: 2000 });
    expect(p.running).to.equal(true);
    expect(p.output('stdout')).to.equal('out-line\n');
    expect(p.output('stderr')).to.equal('err-line\n');

    const t0 = performance.now();
    const info = await p.stop();
    const stopMs = performance.now() - t0;
    expect(info).to.deep.equal({ code: null, signal: 'SIGTERM', expected: true });
    expect(stopMs).to.be.below(1000);
    expect(p.running).to.equal(false);
    expect(await p.exited).to.equal(info);
    expect(await netnsPids(ns)).to.deep.equal([]);
    expect(reports).to.deep.equal([]);

    const log = readFileSync(p.spec.logFile, 'utf8').split('\n');
    expect(log[0]).to.match(new RegExp(`^# \\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z start daemon \\(node n1, netns ${ns}\\) pid ${p.pid}: sh -c 'echo out-line; echo err-line >&2; exec sleep 30'$`));
    expect(log.slice(1, 3).sort()).to.deep.equal(['err-line', 'out-line']);
    expect(log[3]).to.match(/^# \S+ daemon ended: killed by SIGTERM$/);
    expect(log.slice(4)).to.deep.equal(['']);
  });

  it('a waitForOutput timeout names the pattern and shows the last lines', async () => {
    const p = supervisor.start(spec('quiet', 'echo only-on-stderr >&2; exec sleep 30'));
    await p.waitForOutput(/only-on-stderr/, { timeoutMs: 2000 });
    const err = await rejection(p.waitForOutput(/only-on-stderr/, { timeoutMs: 100, stream: 'stdout' }));
    expect(err).to.be.instanceOf(TimeoutError);
    expect(err.message).to.equal(`timed out after 100 ms waiting for /only-on-stderr/ on stdout of quiet (last seen: last 1 lines of ${p.spec.logFile}:\n    only-on-stderr)`);
  });

  it('waitForOutput fails at once when the process ends without the output', async () => {
    const p = supervisor.start(spec('dies', 'echo nope; exit 1'));
    const t0 = Date.now();
    const err = await rejection(p.waitForOutput(/never/, { timeoutMs: 10_000 }));
    expect(Date.now() - t0).to.be.below(2000);
    expect(err.message).to.equal(`dies ended (exit code 1) before printing /never/; last 1 lines of ${p.spec.logFile}:\n    nope`);
  });

  it('SIGKILLs a process that ignores SIGTERM after the grace period', async () => {
    // The ignored SIGTERM survives exec, so it is sleep itself that ignores it.
    const p = supervisor.start(spec('stubborn', 'trap "" TERM; echo ready; exec sleep 30'));
    await p.waitForOutput(/ready/, { timeoutMs: 2000 });
    const t0 = performance.now();
    const info = await p.stop({ graceMs: 300 });
    const ms = performance.now() - t0;
    expect(info).to.deep.equal({ code: null, signal: 'SIGKILL', expected: true });
    expect(ms).to.be.within(290, 1500);
    expect(await netnsPids(ns)).to.deep.equal([]);
    expect(readFileSync(p.spec.logFile, 'utf8')).to.match(/stubborn ended: killed by SIGKILL\n$/);
  });

  it('stop sends the given signal; a clean exit code is reported', async () => {
    const p = supervisor.start(spec('graceful', 'trap "echo got-int; exit 7" INT; echo ready; while :; do read x; done'));
    await p.waitForOutput(/ready/, { timeoutMs: 2000 });
    const info = await p.stop({ signal: 'SIGINT' });
    expect(info).to.deep.equal({ code: 7, signal: null, expected: true });
    expect(p.output()).to.equal('ready\ngot-int\n');
  });

  it('reports an early exit against the current activity, with the last log lines', async () => {
    supervisor.setActivity('attach mn1 to ap1');
    const p = supervisor.start(spec('lma', 'echo starting; echo boom >&2; exit 3'));
    const info = await p.exited;
    expect(info).to.deep.equal({ code: 3, signal: null, expected: false });
    expect(reports).to.have.length(1);
    expect(reports[0]!.p).to.equal(p);
    expect(reports[0]!.info).to.equal(info);
    expect(reports[0]!.report).to.equal(
      `lma (pid ${p.pid}, node n1, netns ${ns}) ended unexpectedly (exit code 3) during: attach mn1 to ap1; last 2 lines of ${p.spec.logFile}:\n    starting\n    boom`,
    );
    expect(await p.stop()).to.equal(info);
    expect(readFileSync(p.spec.logFile, 'utf8')).to.match(/lma ended: exit code 3 \(unexpected\)\n$/);
  });

  it('the report holds only the last 20 lines; the buffered output is bounded, the log complete', async () => {
    const p = supervisor.start(spec('chatty', 'i=0; while [ $i -lt 20000 ]; do echo "line $i 0123456789"; i=$((i+1)); done; exit 1'));
    await p.exited;
    const lines = reports[0]!.report.split('\n');
    expect(lines[0]).to.match(/during: no recorded activity; last 20 lines of /);
    expect(lines.slice(1)).to.deep.equal(Array.from({ length: 20 }, (_, k) => `    line ${19980 + k} 0123456789`));
    expect(p.output().length).to.be.at.most(64 * 1024);
    expect(p.output()).to.match(/\nline 19999 0123456789\n$/);
    const log = readFileSync(p.spec.logFile, 'utf8').split('\n');
    expect(log).to.have.length(20000 + 3);
    expect(log[1]).to.equal('line 0 0123456789');
  });

  it('kills the whole process group: children die with the leader, even when it exits by itself', async () => {
    const p = supervisor.start(spec('parent', 'sleep 30 & sleep 31 & echo children; wait'));
    await p.waitForOutput(/children/, { timeoutMs: 2000 });
    await pollUntil(async () => (await netnsPids(ns)).length === 3, { what: 'three processes', timeoutMs: 2000 });
    await p.stop();
    expect(await netnsPids(ns)).to.deep.equal([]);

    // The leader exits at once; its child keeps stdout open and would otherwise live on.
    const q = supervisor.start(spec('forker', 'sleep 30 & echo forked; exit 0'));
    const info = await q.exited;
    expect(info).to.deep.equal({ code: 0, signal: null, expected: false });
    expect(q.output()).to.equal('forked\n');
    expect(await netnsPids(ns)).to.deep.equal([]);
  });

  it('a descendant that left the process group cannot keep the exit from being reported', async () => {
    // The leader exits only once the child has its own session (field 6 of /proc/PID/stat).
    const p = supervisor.start(spec('escaper', 'setsid sleep 30 & while [ "$(cut -d" " -f6 /proc/$!/stat)" != $! ]; do :; done; echo left; exit 0'));
    const t0 = Date.now();
    expect(await p.exited).to.deep.equal({ code: 0, signal: null, expected: false });
    expect(Date.now() - t0).to.be.within(900, 3000);
    const escaped = await netnsPids(ns);
    expect(escaped).to.have.length(1); // out of the supervisor's reach, as documented
    for (const pid of escaped) process.kill(pid, 'SIGKILL');
    expect(p.output()).to.equal('left\n');
    expect(readFileSync(p.spec.logFile, 'utf8')).to.contain("# a process outside escaper's process group kept its output open; no longer read\n");
  });

  it('stopAll stops every running process, escalating where needed', async () => {
    const ps = [
      supervisor.start(spec('a', 'echo up; exec sleep 30')),
      supervisor.start(spec('b', 'trap "" TERM; echo up; exec sleep 30')),
      supervisor.start(spec('c', 'echo up; exec sleep 30', { netns: null })),
    ];
    for (const p of ps) await p.waitForOutput(/up/, { timeoutMs: 2000 });
    expect(supervisor.list()).to.deep.equal(ps);
    await supervisor.stopAll({ graceMs: 300 });
    expect(ps.map((p) => p.running)).to.deep.equal([false, false, false]);
    expect((await Promise.all(ps.map((p) => p.exited))).map((i) => i.signal)).to.deep.equal(['SIGTERM', 'SIGKILL', 'SIGTERM']);
    expect(existsSync(`/proc/${ps[2]!.pid}`)).to.equal(false);
    expect(await netnsPids(ns)).to.deep.equal([]);
  });

  it('passes env and cwd; refuses a second running process of the same name', async () => {
    const p = supervisor.start(spec('env', 'echo "$PT_VAR $HOME"; pwd; exec sleep 30', { env: { PT_VAR: 'value-1' }, cwd: dir }));
    await p.waitForOutput(/\n/, { timeoutMs: 2000 });
    await p.waitForOutput(new RegExp(`${dir}\n`), { timeoutMs: 2000 });
    expect(p.output()).to.equal(`value-1 ${process.env.HOME}\n${dir}\n`);
    expect(() => supervisor.start(spec('env', 'true'))).to.throw('a process named env is already running');
  });

  it('a command that does not exist on the host cannot start', () => {
    expect(() => supervisor.start({ ...spec('ghost', ''), netns: null, cmd: 'pt-no-such-command', args: [] }))
      .to.throw('cannot start ghost: pt-no-such-command: not found or not executable');
  });

  it('kills what is still running when the harness exits without stopping it', async () => {
    const supervisorJs = fileURLToPath(new URL('../../harness/process/supervisor.js', import.meta.url));
    const script = `import { Supervisor } from ${JSON.stringify(supervisorJs)};
      const p = new Supervisor().start({ name: 'orphan', netns: ${JSON.stringify(ns)}, cmd: 'sleep', args: ['30'], logFile: ${JSON.stringify(join(dir, 'orphan.log'))} });
      console.log(p.pid); process.exit(0);`;
    const { stdout } = await execa(process.execPath, ['--input-type=module', '-e', script]);
    const pid = Number(stdout);
    expect(pid).to.be.above(1);
    await pollUntil(async () => (await netnsPids(ns)).length === 0, { what: `sleep ${pid} to be gone`, timeoutMs: 2000 });
  });
});
