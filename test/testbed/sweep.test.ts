import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { listNetns, netnsPids, nsExec } from '../../harness/netns.js';
import { pollUntil } from '../../harness/poll.js';
import { netnsName, netnsPrefix } from '../../harness/testbed/names.js';
import { isSameProcess, processStartTime, readRun, type RunState } from '../../harness/testbed/run-state.js';
import { leftovers, sweepDeadRuns } from '../../harness/testbed/sweep.js';
import { Testbed } from '../../harness/testbed/testbed.js';
import { cli, cliUp, exitOf, FLAT_RADVD, TOPOLOGIES, usePrivateRunRoot } from './run-root.js';

const NONE = { netns: [], processes: [], runDir: false };

async function ours(runId: string): Promise<string[]> {
  return (await listNetns()).filter((n) => n.startsWith(netnsPrefix(runId)));
}

/** A process living in `netns`, detached from us as a daemon of a killed harness would be. */
async function daemonIn(netns: string): Promise<number> {
  const child = spawn('ip', ['netns', 'exec', netns, 'sleep', '300'], { detached: true, stdio: 'ignore' });
  child.unref();
  const pid = child.pid!;
  await pollUntil(async () => (await nsExec(null, 'ip', ['netns', 'pids', netns])).stdout.includes(String(pid)), { what: `sleep in ${netns}`, timeoutMs: 3000 });
  return pid;
}

/** A run record as a dead owner would have left it. */
function fakeRun(root: string, runId: string, owner: { pid: number; startTime: number | null }, nodes: string[]): RunState {
  const state: RunState = {
    version: 1, runId, launcher: 'test', owner: { ...owner, argv: [] }, createdAt: new Date().toISOString(), status: 'up',
    topology: { name: 'fake', file: '/dev/null', params: {} }, outDir: '/nonexistent',
    nodes: Object.fromEntries(nodes.map((n) => [n, { kind: 'cn', netns: netnsName(runId, n) }])), processes: [], captures: [],
  };
  mkdirSync(join(root, runId));
  writeFileSync(join(root, runId, 'state.json'), JSON.stringify(state));
  return state;
}

describe('testbed/sweep', function () {
  this.timeout(30000 * 4); // a slow VM: `up` of seven captures under TCG
  const root = usePrivateRunRoot();
  const extraNetns: string[] = [];
  after(async () => {
    for (const n of extraNetns) await nsExec(null, 'ip', ['netns', 'del', n], { reject: false });
  });

  it('a run SIGKILLed midway is swept completely by `pmip-testbed clean`', async () => {
    const { child, runId } = await cliUp([FLAT_RADVD, '--out', join(root.out, 'killed')]);
    const state = (await readRun(runId)).state!;
    // 2 radvd (mag1, mag2) and 7 tcpdump (one per capture point), all inside the run's namespaces.
    expect(state.processes.map((p) => p.name).sort()).to.deep.equal([
      'iut mag1', 'iut mag2', 'tcpdump ap1', 'tcpdump ap2', 'tcpdump lma1-cn1', 'tcpdump mag1-lma1', 'tcpdump mag2-lma1', 'tcpdump mn1', 'tcpdump mn2',
    ]);
    child.kill('SIGKILL');
    expect(await exitOf(child)).to.deep.equal({ code: null, signal: 'SIGKILL' });
    // The harness died without cleaning: namespaces and daemons are still there (radvd also
    // forks a privilege-separation child, so there are more processes than recorded).
    expect(await ours(runId)).to.have.length(8);
    expect(state.processes.filter((p) => isSameProcess(p.pid, p.startTime))).to.have.length(9);
    const inside = (await Promise.all((await ours(runId)).map(netnsPids))).flat();
    expect(inside).to.include.members(state.processes.map((p) => p.pid));

    const r = await cli(['clean']);
    expect(r.exitCode, r.stderr).to.equal(0);
    // Runs of other people (other run roots) may show up as "left alone" lines after it.
    expect(r.stdout.split('\n')[0]).to.equal(`swept run ${runId}: 8 namespaces, ${inside.length} processes`);
    expect(inside.filter((p) => isSameProcess(p, null))).to.deep.equal([]);
    expect(await leftovers(runId, state.processes)).to.deep.equal(NONE);
    expect((await cli(['clean'])).stdout).to.not.include('swept');
  });

  it('every run starts by sweeping what dead runs left', async () => {
    const { child, runId: dead } = await cliUp([join(TOPOLOGIES, 'handover.yaml'), '--no-captures', '--out', join(root.out, 'dead')]);
    child.kill('SIGKILL');
    await exitOf(child);
    // The IUT daemons (and whatever children they have) outlive the killed harness.
    const inside = (await Promise.all((await ours(dead)).map(netnsPids))).flat();
    expect(inside).to.not.be.empty;
    const tb = await Testbed.up(join(TOPOLOGIES, 'handover.yaml'), { iut: false, captures: false, outDir: join(root.out, 'next'), keepOutput: false });
    try {
      expect(tb.sweepReport!.swept).to.deep.equal([{ runId: dead, netns: 7, processes: inside.length }]);
      expect(await leftovers(dead)).to.deep.equal(NONE);
    } finally {
      await tb.down();
    }
  });

  it('never touches a live run, nor namespaces without a run record', async () => {
    const tb = await Testbed.up(join(TOPOLOGIES, 'flat-domain.yaml'), { iut: false, captures: false, outDir: join(root.out, 'live'), keepOutput: false });
    const stray = 'ptzz9zz-x';
    await nsExec(null, 'ip', ['netns', 'add', stray]);
    extraNetns.push(stray);
    try {
      const r = await sweepDeadRuns();
      expect(r.swept).to.deep.equal([]);
      expect(r.live).to.deep.equal([{ runId: tb.runId, pid: process.pid, launcher: 'api' }]);
      expect(r.unowned).to.include(stray);
      expect(await ours(tb.runId)).to.have.length(8);
      expect(await listNetns()).to.include(stray);
      await tb.ping('mag1', 'cn1');
    } finally {
      await tb.down();
    }
  });

  it('a recycled owner PID does not keep a dead run alive; processes in its namespaces are killed', async () => {
    const runId = 'zpidr';
    const ns = netnsName(runId, 'n1');
    await nsExec(null, 'ip', ['netns', 'add', ns]);
    extraNetns.push(ns);
    const daemon = await daemonIn(ns);
    // Our own PID, but another start time: the process that owned the run is gone.
    fakeRun(root.dir, runId, { pid: process.pid, startTime: processStartTime(process.pid)! - 1 }, ['n1']);
    const r = await sweepDeadRuns();
    expect(r.swept).to.deep.equal([{ runId, netns: 1, processes: 1 }]);
    expect(isSameProcess(daemon, null)).to.equal(false);
    expect(await leftovers(runId)).to.deep.equal(NONE);
  });

  it('a run directory without a state file is left alone while young, swept when old', async () => {
    const runId = 'zyoun';
    const ns = netnsName(runId, 'n1');
    mkdirSync(join(root.dir, runId));
    await nsExec(null, 'ip', ['netns', 'add', ns]);
    extraNetns.push(ns);
    let r = await sweepDeadRuns();
    expect(r.pending).to.deep.equal([runId]);
    expect(await listNetns()).to.include(ns);
    const past = new Date(Date.now() - 120000);
    utimesSync(join(root.dir, runId), past, past);
    r = await sweepDeadRuns();
    expect(r.swept).to.deep.equal([{ runId, netns: 1, processes: 0 }]);
    expect(await leftovers(runId)).to.deep.equal(NONE);
  });
});
