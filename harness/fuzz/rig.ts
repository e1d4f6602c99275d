// The fuzzing rig: the small topology (topologies/fuzz-lma.yaml or fuzz-mag.yaml) with the IUT
// started through its adapter, the fuzz agents in the emulated peer's namespace (and for a MAG
// target on its access link), and the checks between batches: the IUT's process alive, the
// liveness probe (a conformant PBU answered, or a real MN attach), its RSS and descriptors, its
// log. The campaign, the replay of a reproducer and the minimisation all drive one rig.
import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { controlRequest } from '../../pmipd/control-socket.js';
import { checkSocketPath } from '../iut/adapter.js';
import { ADAPTERS } from '../iut/registry.js';
import { domainProfile, loadProfile, PROFILES, type IutRole } from '../conformance/profile.js';
import { vmDescription } from '../vm/guest.js';
import { pollUntil, START_DEADLINE_MS } from '../poll.js';
import { describeExit, type SupervisedProcess } from '../process/supervisor.js';
import { loadTopology } from '../topology/load.js';
import { primaryAddress, type Topology } from '../topology/model.js';
import type { IutSpec } from '../topology/schema.js';
import { Testbed } from '../testbed/testbed.js';
import type { DataplaneChoice } from '../iut/adapter.js';
import type { AgentInit, BatchResult, ProbeResult, SentPacket } from './fuzz-agent.js';
import { ACCESS_IFACE, type Channel } from './generator.js';
import { fatalLine, GrowthWatch, processFigures, type ProcessFigures } from './health.js';
import type { FuzzTarget } from './models.js';

const AGENT = join(dirname(fileURLToPath(import.meta.url)), 'fuzz-agent.js');
const TOPOLOGIES = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'topologies');

/** The node running the IUT in each fuzz topology. */
export const IUT_NODE: Record<FuzzTarget, string> = { lma: 'lma1', mag: 'mag1' };
const PEER_NODE: Record<FuzzTarget, string> = { lma: 'tester1', mag: 'lma1' };
const PROBE_NAI = 'probe1@example.org';
/** MAG target: the MN the probe attaches, and how many times before the probe fails. */
const PROBE_MN = 'mn1';
const MAG_PROBE_ATTEMPTS = 2;
/** How long a process that is gone from /proc may take to be reaped (its exit status). */
const EXIT_INFO_DEADLINE_MS = 5000;

export interface RigOptions {
  target: FuzzTarget;
  /** pmipd (default), an adapter of the registry (oai-pmipv6, opmip, command ...) or a YAML file with lma:/mag: specs. */
  iut: string;
  quirks: string[];
  seed: number;
  outDir: string;
  dataplane?: DataplaneChoice;
  /** Per attempt of the probe (three PBUs; an MN attach gets three times this). */
  probeTimeoutMs?: number;
}

/** Why the IUT is not healthy: a crash, a hang (probe unanswered), a fatal log line, growth. */
export interface Failure { kind: 'crash' | 'hang' | 'log' | 'growth'; what: string }

/** Why `iut` cannot be fuzzed in `role` with `quirks` (an unknown name, a quirk of the other role), or null. */
export function iutProblem(iut: string, role: IutRole, quirks: string[]): string | null {
  const isFile = /\.ya?ml$/.test(iut);
  if (!isFile && PROFILES[iut] === undefined && ADAPTERS[iut] === undefined) {
    return `unknown IUT "${iut}" (known: ${[...new Set([...Object.keys(PROFILES), ...Object.keys(ADAPTERS)])].join(', ')}, or a YAML file with lma:/mag: adapter specs)`;
  }
  if (quirks.length > 0 && PROFILES[iut] === undefined) return `--quirk is for ${Object.keys(PROFILES).join(', ')}; ${iut} has none`;
  for (const q of quirks) {
    try {
      const r = PROFILES[iut]!.quirkRole(q);
      if (r !== role) return `quirk ${q} is for the ${r.toUpperCase()}, and --target is ${role}`;
    } catch (err) {
      return (err as Error).message;
    }
  }
  return null;
}

/** The adapter spec of the IUT for `role`: a profile's (pmipd: timers and MNs of the topology), an adapter by name, or a file's. */
export async function fuzzIutSpec(iut: string, role: IutRole, topology: Topology, quirks: string[]): Promise<IutSpec> {
  const problem = iutProblem(iut, role, quirks);
  if (problem !== null) throw new Error(problem);
  if (/\.ya?ml$/.test(iut) || PROFILES[iut] !== undefined) {
    // In a VM, the domain profile for slow machines (a wider TimestampValidityWindow), as `run --vm`.
    const needs = domainProfile(vmDescription() !== undefined).apply({});
    const spec = await loadProfile(iut).spec({ topology, node: IUT_NODE[role], role, needs, quirks });
    // Every malformed input is a log line at debug; info keeps the log's size in proportion
    // (and the adapter waits for pmipd's ready line, an info line).
    if (spec.adapter === 'pmipd') return { ...spec, options: { ...spec.options, logLevel: 'info' } };
    return spec;
  }
  return { adapter: iut };
}

class AgentHandle {
  constructor(readonly node: string, readonly control: string, readonly proc: SupervisedProcess) {}

  async request<T = Record<string, unknown>>(req: Record<string, unknown>, timeoutMs = 30_000): Promise<T> {
    const r = await controlRequest(this.control, req, timeoutMs);
    if (r.ok !== true) throw new Error(`fuzz agent in ${this.node}: ${String(r.error)}`);
    return r as T;
  }
}

export class FuzzRig {
  readonly growth = new GrowthWatch();
  private logOffset = 0;
  /** The probe's MN, for a MAG target. */
  private mnAttached: boolean;

  private constructor(
    readonly opts: RigOptions,
    readonly tb: Testbed,
    private readonly peer: AgentHandle,
    private readonly access: AgentHandle | null,
  ) {
    // The testbed gives carrier to the MNs the topology places on an AP.
    this.mnAttached = opts.target === 'mag';
  }

  static async up(opts: RigOptions): Promise<FuzzRig> {
    const file = join(TOPOLOGIES, `fuzz-${opts.target}.yaml`);
    const topology = await loadTopology(file);
    const spec = await fuzzIutSpec(opts.iut, opts.target, topology, opts.quirks);
    const other: FuzzTarget = opts.target === 'lma' ? 'mag' : 'lma';
    const tb = await Testbed.up(topology, {
      iut: { [opts.target]: spec, [other]: null }, captures: false, outDir: opts.outDir, launcher: 'pmip-testbed fuzz',
      attach: opts.target === 'mag', ...(opts.dataplane !== undefined ? { dataplane: opts.dataplane } : {}),
      onUnexpectedExit: () => undefined,
    });
    try {
      const address = (node: string) => primaryAddress(topology.nodes[node]!)!;
      // The probe's MN is left out of every fuzz input: a MAG rightly stops serving an MN whose PBU
      // was rejected (MAG-PBA-07), and its next attach would look like a hang.
      const probeNai = opts.target === 'lma' ? PROBE_NAI : topology.nodes[PROBE_MN]!.mn!.nai;
      const mns = Object.values(topology.nodes).filter((n) => n.mn !== undefined && n.mn.nai !== probeNai).map((n) => ({ nai: n.mn!.nai, mac: n.mn!.mac }));
      const peerNode = PEER_NODE[opts.target];
      const peerAddresses = opts.target === 'lma' ? [address('tester1'), address('tester2')] : [address('lma1')];
      const ctx = { target: opts.target, mns, peer: peerAddresses, targetAddress: address(IUT_NODE[opts.target]) };
      const peer = await startAgent(tb, peerNode, null);
      const prefixes = Object.fromEntries(Object.values(topology.nodes).filter((n) => n.mn !== undefined).map((n) => [n.mn!.nai, n.mn!.hnp]));
      const emulateLma = { prefixes, defaultPrefix: topology.hnpPool.replace(/\/\d+$/, '/64') };
      await peer.request({ cmd: 'init', init: { seed: opts.seed, channel: 'peer', ctx, probeNai, ...(opts.target === 'mag' ? { emulateLma } : {}) } satisfies AgentInit });
      let access: AgentHandle | null = null;
      if (opts.target === 'mag') {
        const mn2 = topology.nodes.mn2!.mn!;
        const src = await pollUntil(async () => {
          const out = (await tb.exec('mn2', 'ip', ['-6', '-o', 'addr', 'show', 'dev', mn2.ifname, 'scope', 'link'])).stdout;
          return /inet6 (fe80::[0-9a-f:]+)\//.exec(out)?.[1];
        }, { what: 'a link-local address on mn2', timeoutMs: START_DEADLINE_MS, maxIntervalMs: 50 });
        access = await startAgent(tb, 'mn2', ACCESS_IFACE);
        await access.request({ cmd: 'init', init: { seed: opts.seed, channel: 'access', ctx: { ...ctx, access: { src, mac: mn2.mac } } } satisfies AgentInit });
      }
      return new FuzzRig(opts, tb, peer, access);
    } catch (err) {
      await tb.down();
      throw err;
    }
  }

  private get iutNode(): string { return IUT_NODE[this.opts.target]; }

  /** The IUT's process (the adapter's), while the supervisor has one running. */
  iutProcess(): SupervisedProcess | undefined {
    const name = `iut ${this.iutNode}`;
    return this.tb.supervisor.list().filter((p) => p.spec.name === name).at(-1);
  }

  /** The IUT's process id (while it runs) and the fuzz agents'. */
  pids(): { iut: number | null; agents: number[] } {
    const iut = this.iutProcess();
    return { iut: iut?.running === true ? iut.pid : null, agents: [this.peer, ...(this.access !== null ? [this.access] : [])].map((a) => a.proc.pid) };
  }

  get logFile(): string { return join(this.tb.outDir, 'logs', `${this.iutNode}.log`); }

  /** Sends inputs [from, from + count) of every channel; `healthy`: all before them passed the checks. */
  async batch(from: number, count: number, rate: number, healthy: boolean): Promise<BatchResult[]> {
    if (this.opts.target === 'mag') await this.peer.request({ cmd: 'lma-mode', fuzzing: true });
    const agents = [this.peer, ...(this.access !== null ? [this.access] : [])];
    // Each agent sends its own channel's inputs of the range; with --rate each paces its share.
    const share = rate > 0 && agents.length > 1 ? rate / agents.length : rate;
    return Promise.all(agents.map((a) => a.request<BatchResult & { ok: true }>({ cmd: 'batch', from, count, rate: share, healthy })));
  }

  /** Packets sent since the last healthy batch, in sending order. */
  async pending(): Promise<SentPacket[]> {
    const agents = [this.peer, ...(this.access !== null ? [this.access] : [])];
    const all = (await Promise.all(agents.map((a) => a.request<{ packets: SentPacket[] }>({ cmd: 'pending' })))).flatMap((r) => r.packets);
    return all.sort((a, b) => a.timeMs - b.timeMs);
  }

  /** Sends recorded packets as they are, each through its channel's agent, in order. */
  async replay(packets: readonly { channel: Channel; dst: string; hex: string }[]): Promise<void> {
    // The generated PBAs a MAG got are in the reproducer: the emulated LMA answers by the RFC meanwhile.
    if (this.opts.target === 'mag') await this.peer.request({ cmd: 'lma-mode', fuzzing: false });
    let run: { channel: Channel; dst: string; hex: string }[] = [];
    const flush = async () => {
      if (run.length === 0) return;
      const agent = run[0]!.channel === 'access' ? this.access : this.peer;
      if (agent === null) throw new Error('the reproducer has access-link packets, but this target has no access-link sender');
      await agent.request({ cmd: 'replay', packets: run });
      run = [];
    };
    for (const p of packets) {
      if (run.length > 0 && run[0]!.channel !== p.channel) await flush();
      run.push(p);
    }
    await flush();
  }

  /**
   * Every check: the process alive, the probe answered, growth within bounds, no fatal output
   * since the last check. Resolves with the first failure, or null; `probe` says how it went.
   */
  async check(): Promise<{ failure: Failure | null; probe: ProbeResult | null; figures: ProcessFigures | null }> {
    const proc = this.iutProcess();
    const dead = async (): Promise<Failure | null> => {
      if (proc !== undefined && proc.running && processFigures(proc.pid) !== null) return null;
      // How it ended, once the supervisor has reaped it (at once, or the deadline).
      let timer: NodeJS.Timeout | undefined;
      const exit = proc === undefined ? null : await Promise.race([proc.exited, new Promise<null>((r) => { timer = setTimeout(() => r(null), EXIT_INFO_DEADLINE_MS); })]);
      clearTimeout(timer);
      return { kind: 'crash', what: `the IUT's process ended${exit !== null ? ` (${describeExit(exit)})` : ''}` };
    };
    let failure = await dead();
    let probe: ProbeResult | null = null;
    if (failure === null) {
      // A crash while the probe waits ends the wait.
      const exited = proc!.exited.then(() => null);
      probe = await Promise.race([this.probe(), exited]);
      failure = await dead();
      if (failure === null && probe !== null && !probe.ok) failure = { kind: 'hang', what: `the liveness probe failed: ${probe.detail}` };
    }
    const fatal = this.newFatalOutput();
    if (failure === null && fatal !== null) failure = { kind: 'log', what: `the IUT logged: ${fatal}` };
    else if (failure !== null && fatal !== null) failure.what += `; it logged: ${fatal}`;
    const figures = proc !== undefined ? processFigures(proc.pid) : null;
    if (failure === null && figures !== null) {
      const grew = this.growth.check(figures);
      if (grew !== null) failure = { kind: 'growth', what: grew };
    }
    return { failure, probe, figures };
  }

  private async probe(): Promise<ProbeResult> {
    const timeoutMs = this.opts.probeTimeoutMs ?? 1000;
    if (this.opts.target === 'lma') return (await this.peer.request<{ probe: ProbeResult }>({ cmd: 'probe', timeoutMs }, timeoutMs * 4 + 5000)).probe;
    return this.attachProbe(timeoutMs * 5);
  }

  /**
   * MAG target: mn1 leaves and attaches again, and gets a global address (RS, PBU and PBA when
   * the MAG has no session for it, RA) within the deadline. A second attach before it counts as a
   * failure: under an RS/NS flood on a loaded machine one RA can come too late for the first.
   */
  private async attachProbe(deadlineMs: number): Promise<ProbeResult> {
    await this.peer.request({ cmd: 'lma-mode', fuzzing: false });
    const t = performance.now();
    let why = '';
    for (let attempt = 1; attempt <= MAG_PROBE_ATTEMPTS; attempt++) {
      try {
        if (this.mnAttached) await this.tb.detach(PROBE_MN);
        await this.tb.exec(PROBE_MN, 'ip', ['-6', 'addr', 'flush', 'dev', 'eth0', 'scope', 'global']);
        await this.tb.attach(PROBE_MN, 'ap1');
        this.mnAttached = true;
        await this.tb.waitForAddress(PROBE_MN, { timeoutMs: deadlineMs });
        return { ok: true, attempts: attempt, rttMs: performance.now() - t, status: 0, detail: `${PROBE_MN} attached and got an address${attempt > 1 ? ` at attempt ${attempt} (${why})` : ''}` };
      } catch (err) {
        why = `${PROBE_MN} did not get an address: ${(err as Error).message.split('\n')[0]}`;
      }
    }
    return { ok: false, attempts: MAG_PROBE_ATTEMPTS, rttMs: null, status: null, detail: `${why} (${MAG_PROBE_ATTEMPTS} attaches)` };
  }

  /** The first fatal line the IUT wrote since the last call (its log file read from where it was left). */
  private newFatalOutput(): string | null {
    let size: number;
    try { size = statSync(this.logFile).size; } catch { return null; }
    if (size <= this.logOffset) { this.logOffset = Math.min(this.logOffset, size); return null; }
    const fd = openSync(this.logFile, 'r');
    try {
      const buf = Buffer.alloc(Math.min(size - this.logOffset, 8 << 20));
      const n = readSync(fd, buf, 0, buf.length, this.logOffset);
      this.logOffset += n;
      return fatalLine(buf.toString('utf8', 0, n));
    } finally {
      closeSync(fd);
    }
  }

  /** The IUT's last log lines. */
  logTail(n = 40): string[] {
    return this.iutProcess()?.lastLines(n) ?? [];
  }

  /** A fresh IUT (minimisation, --keep-going after a finding); the log is read on from its end. */
  async restartIut(): Promise<void> {
    await this.tb.restartIut(this.iutNode);
    this.growth.reset();
    try { this.logOffset = statSync(this.logFile).size; } catch { this.logOffset = 0; }
    if (this.opts.target === 'mag') this.mnAttached = true;
  }

  /** Skips what the IUT logged so far (start-up lines). */
  skipLog(): void {
    try { this.logOffset = statSync(this.logFile).size; } catch { /* not yet written */ }
  }

  async down(): Promise<void> {
    await this.tb.down();
  }
}

async function startAgent(tb: Testbed, node: string, device: string | null): Promise<AgentHandle> {
  const control = checkSocketPath(join(tb.runtimeDir, `fuzz-${node}.sock`), `the control socket of the fuzz agent in ${node}`);
  const proc = tb.supervisor.start({
    name: `fuzz agent ${node}`, node, netns: tb.nodes[node]!.netns, cmd: process.execPath,
    args: [AGENT, '--control', control, ...(device !== null ? ['--device', device] : [])], logFile: join(tb.outDir, 'logs', `fuzz-${node}.log`),
  });
  await pollUntil(async () => {
    if (!proc.running) throw new Error(`the fuzz agent in ${node} ended at start-up; ${proc.formatTail()}`);
    if (!existsSync(control)) return false;
    try { return (await controlRequest(control, { cmd: 'ping' }, 1000)).ok === true; } catch { return false; }
  }, { what: `the fuzz agent in ${node}`, timeoutMs: START_DEADLINE_MS, maxIntervalMs: 20 });
  return new AgentHandle(node, control, proc);
}
