// The testbed facade: a topology file in, a running testbed out, and everything undone at the end.
//
//   import { Testbed } from '../harness/testbed/testbed.js';
//
//   const tb = await Testbed.up('topologies/flat-domain.yaml');   // build, capture, start IUTs, attach MNs
//   try {
//     const addr = await tb.waitForAddress('mn1');                 // global address from an RA
//     await tb.ping('mn1', 'cn1');
//     await tb.handover('mn1', 'ap2');                              // carrier flip, same interface and MAC, new RS
//     await tb.waitForAddress('mn1', { prefix: '2001:db8:0:4::/64' });
//     const { stdout } = await tb.exec('mag1', 'ip', ['-6', 'route']);
//     const state = await tb.collectState('mag1');                  // addresses, routes, rules, links, binding cache
//   } finally {
//     const { captures, events, leftovers } = await tb.down();      // pcap files with packet counts, the event log
//   }
//
// Order of Testbed.up: sweep what dead runs left; record the run (/run/pmip-testbed/<runid>/);
// build (builder.ts); start the capture points and wait until each listens; prepare and start
// the IUTs (LMAs, then MAGs, then the rest), each ready before the next kind; give carrier to the
// MNs the topology places on APs. Each step registers its undo on a defer stack right after it
// succeeds; down(), a failure during up, SIGINT and SIGTERM all unwind it, newest first: IUTs
// stopped (their last words captured), captures stopped and flushed, processes stopped,
// namespaces deleted, the run record removed.
//
// Output (captures/<point>.pcap, logs/, iut/<node>/ configs, events.jsonl) goes to
// options.outDir, by default <tmpdir>/pmip-testbed/<runid>/, and is kept unless keepOutput is false.
// Run-time files (UNIX sockets, pid files) never go there, as the output directory may be on a
// share where sockets do not work (9p in a VM): they go to the run directory's iut/<node>/
// (runtimeDir), on /run, which goes with the run.
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { RunningCapture } from '../capture/tcpdump.js';
import { DeferStack, unwindOnSignals } from '../defer.js';
import type { DataplaneChoice, DataplaneUse, IutAdapter, RunningIut } from '../iut/adapter.js';
import { collectNodeState, type NodeState } from '../iut/state.js';
import { ADAPTERS, loadAdapter } from '../iut/registry.js';
import { iutVars } from '../iut/vars.js';
import { requireKernelFeatures } from '../kernel-features.js';
import type { NsExecOptions, NsExecResult } from '../netns.js';
import { Supervisor, type SupervisorOptions } from '../process/supervisor.js';
import { formatPath, SchemaValidator } from '../topology/json-schema.js';
import { loadTopology } from '../topology/load.js';
import { primaryAddress, type Topology, type TopologyNode } from '../topology/model.js';
import type { IutSpec, NodeKind } from '../topology/schema.js';
import { buildTopology, type BuildTimings } from './builder.js';
import { selectCapturePoints, startCaptures, type CaptureResult } from './captures.js';
import { EventLog, type TestbedEvent } from './event-log.js';
import { TopologyControl, type MnLocation, type MoveOptions, type PingResult } from './events.js';
import { netnsName } from './names.js';
import { processStartTime, RunRecord } from './run-state.js';
import { destroyNetns, leftovers, sweepDeadRuns, type Leftovers, type SweepReport } from './sweep.js';
import { START_DEADLINE_MS } from '../poll.js';

export interface TestbedOptions {
  /** Overrides of the topology's parameters, e.g. { mns: 100 }. */
  params?: Record<string, number>;
  /** A fixed run id (5 characters, a-z0-9, starting with a letter); default: a fresh one. */
  runId?: string;
  /** Capture points to run: all (default), none, or these names. */
  captures?: boolean | string[];
  /**
   * IUTs to start: those of the topology (default true), none (false), or replacements keyed by
   * node id or kind ({ mag: { adapter: 'command', options: {...} } }); null: none for that key.
   */
  iut?: boolean | Record<string, IutSpec | null>;
  /** Where captures, logs, configs and the event log go; default <tmpdir>/pmip-testbed/<runid>. */
  outDir?: string;
  /** false: remove outDir at teardown (benchmarks, tests that only look at results). */
  keepOutput?: boolean;
  /** Give carrier to the MNs that the topology places on APs (default true). */
  attach?: boolean;
  /** Sweep what dead runs left before building (default true). */
  sweep?: boolean;
  /** Recorded in the run state: who started the run. */
  launcher?: string;
  /** The data plane of every IUT node, over what the topology says (adapters that have a choice: pmipd). */
  dataplane?: DataplaneChoice;
  /** Deadline for each IUT to become ready (default: the adapter's, 10 s for `command`). */
  readyTimeoutMs?: number;
  onUnexpectedExit?: SupervisorOptions['onUnexpectedExit'];
  /** Called with the teardown result however the testbed ends (down(), a failed up, a signal). */
  onDown?: (result: TeardownResult) => void;
}

export interface UpTimings { sweepMs: number; build: BuildTimings; capturesMs: number; iutMs: number; attachMs: number; totalMs: number }

export interface TeardownResult {
  runId: string;
  outDir: string;
  captures: CaptureResult[];
  events: readonly TestbedEvent[];
  /** Capture warnings (kernel drops, truncation) and undo steps that failed. */
  warnings: string[];
  /** What of the run still exists after teardown: empty lists and false when clean. */
  leftovers: Leftovers;
  downMs: number;
}

export interface TestbedNode { id: string; kind: NodeKind; netns: string }

/** IUT of each node after options.iut is applied, with where the spec came from (for messages). */
function resolveIuts(t: Topology, override: TestbedOptions['iut']): Map<string, IutSpec & { where: string }> {
  const out = new Map<string, IutSpec & { where: string }>();
  if (override === false) return out;
  for (const node of Object.values(t.nodes)) {
    const key = typeof override === 'object' ? ([node.id, node.kind].find((k) => k in override)) : undefined;
    if (key !== undefined) {
      const spec = (override as Record<string, IutSpec | null>)[key];
      if (spec) out.set(node.id, { ...spec, where: `options.iut.${key}` });
    } else if (node.iut) {
      out.set(node.id, { adapter: node.iut.adapter, ...(node.iut.options ? { options: node.iut.options } : {}), where: `${t.file} ${formatPath(node.iut.path)}` });
    }
  }
  for (const [id, spec] of out) {
    const entry = ADAPTERS[spec.adapter];
    if (!entry) throw new Error(`${spec.where}: unknown IUT adapter '${spec.adapter}' for node ${id} (known: ${Object.keys(ADAPTERS).join(', ')})`);
    const issues = new SchemaValidator(entry.optionsSchema).validate(spec.options ?? {}, entry.optionsSchema, ['options']);
    if (issues.length > 0) throw new Error(`${spec.where}: ${issues.map((i) => `${formatPath(i.path)}: ${i.message}`).join('; ')}`);
  }
  return out;
}

/** Start order: anchors first, so gateways find them ready. */
const IUT_ORDER: NodeKind[] = ['lma', 'router', 'mag', 'cn', 'ap', 'mn'];

export class Testbed {
  readonly nodes: Record<string, TestbedNode>;
  /** Set once up() returns. */
  timings!: UpTimings;
  /** What the sweep before this run found and removed. */
  sweepReport: SweepReport | undefined;
  private readonly control: TopologyControl;
  private readonly iuts = new Map<string, RunningIut>();
  /** How each IUT was started, so that it can be started again (restartIut). */
  private readonly iutStarts = new Map<string, { adapter: IutAdapter; ctx: Parameters<IutAdapter['start']>[0] }>();
  private captureResults: CaptureResult[] = [];
  private readonly warnings: string[] = [];
  private result: TeardownResult | undefined;
  private downStarted: number | undefined;
  private stopWatchingSignals: () => void = () => undefined;

  private constructor(
    readonly topology: Topology,
    private readonly record: RunRecord,
    readonly outDir: string,
    readonly events: EventLog,
    readonly supervisor: Supervisor,
    private readonly stack: DeferStack,
    private readonly opts: TestbedOptions,
  ) {
    this.nodes = Object.fromEntries(Object.values(topology.nodes).map((n) => [n.id, { id: n.id, kind: n.kind, netns: netnsName(record.runId, n.id) }]));
    this.control = new TopologyControl(topology, record.runId, events, (text) => supervisor.setActivity(text));
  }

  get runId(): string {
    return this.record.runId;
  }

  /** The run's directory on a local file system (/run/pmip-testbed/<runid>): for sockets and other run-time files. */
  get runtimeDir(): string {
    return this.record.dir;
  }

  /** The data plane each IUT node said it uses (nodes whose implementation does not say are left out). */
  dataplanes(): Record<string, DataplaneUse> {
    const out: Record<string, DataplaneUse> = {};
    for (const [id, iut] of this.iuts) if (iut.dataplane !== undefined) out[id] = { ...iut.dataplane };
    return out;
  }

  /** Builds and starts the topology in `file` (or an already loaded one). */
  static async up(file: string | Topology, opts: TestbedOptions = {}): Promise<Testbed> {
    const t0 = performance.now();
    const topology = typeof file === 'string' ? await loadTopology(file, opts.params !== undefined ? { params: opts.params } : {}) : file;
    const iutSpecs = resolveIuts(topology, opts.iut ?? true);
    const adapters = new Map<string, IutAdapter>();
    for (const [id, spec] of iutSpecs) {
      const adapter = await loadAdapter(spec.adapter);
      adapters.set(id, adapter);
      const features = adapter.requiredFeatures(spec, opts.dataplane);
      if (features.length > 0) await requireKernelFeatures(features, `the IUT of node ${id} (${spec.adapter} adapter)`);
    }
    const sweepReport = opts.sweep === false ? undefined : await sweepDeadRuns();
    const t1 = performance.now();

    const stack = new DeferStack();
    const stopWatchingSignals = unwindOnSignals(stack);
    let tb: Testbed | undefined;
    try {
      const record = await RunRecord.create({
        ...(opts.runId !== undefined ? { runId: opts.runId } : {}),
        launcher: opts.launcher ?? 'api',
        topology,
        outDir: (id) => resolve(opts.outDir ?? join(tmpdir(), 'pmip-testbed', id)),
      });
      const outDir = record.state.outDir;
      if (opts.keepOutput === false) stack.defer(`remove ${outDir}`, () => rm(outDir, { recursive: true, force: true }));
      await mkdir(join(outDir, 'logs'), { recursive: true });
      // A fresh log: an output directory may be reused from an earlier run.
      await writeFile(join(outDir, 'events.jsonl'), '');
      const events = new EventLog(join(outDir, 'events.jsonl'));
      const supervisor = new Supervisor(opts.onUnexpectedExit ? { onUnexpectedExit: opts.onUnexpectedExit } : {});
      tb = new Testbed(topology, record, outDir, events, supervisor, stack, opts);
      tb.sweepReport = sweepReport;
      tb.stopWatchingSignals = stopWatchingSignals;
      const self = tb;
      stack.defer('report the teardown', () => self.finish());
      stack.defer(`remove run directory ${record.dir}`, () => record.remove());

      const build = await buildTopology(topology, {
        runId: record.runId,
        onNetnsCreating: (names) => { stack.defer(`delete the namespaces of run ${record.runId}`, () => destroyNetns(names).then(() => undefined)); },
      });
      stack.defer('stop every process', () => supervisor.stopAll());
      const t2 = performance.now();
      await tb.startCaptures();
      const t3 = performance.now();
      await tb.startIuts(iutSpecs, adapters);
      const t4 = performance.now();
      // Runs first on unwind, however the unwind was started (down, failure, signal).
      stack.defer('time the teardown', () => { self.downStarted ??= performance.now(); });
      if (opts.attach !== false) await tb.control.attachInitial();
      await record.update((s) => { s.status = 'up'; });
      const t5 = performance.now();
      tb.timings = { sweepMs: t1 - t0, build, capturesMs: t3 - t2, iutMs: t4 - t3, attachMs: t5 - t4, totalMs: t5 - t0 };
      events.record('up', `run ${record.runId} of ${topology.name} is up`, { detail: { ms: Math.round(t5 - t0) } });
      return tb;
    } catch (err) {
      if (tb) tb.downStarted ??= performance.now();
      const failures = await stack.unwind();
      stopWatchingSignals();
      if (failures.length > 0 && err instanceof Error) err.message += `\n(and cleaning up: ${failures.join('; ')})`;
      throw err;
    }
  }

  private async startCaptures(): Promise<void> {
    const points = selectCapturePoints(this.topology, this.opts.captures ?? true);
    if (points.length === 0) return;
    const running: RunningCapture[] = await startCaptures(points, this.runId, this.outDir, this.supervisor);
    this.stack.defer('stop the captures', async () => {
      this.captureResults = await Promise.all(running.map((c) => c.stop()));
      for (const c of this.captureResults) this.warnings.push(...c.warnings);
    });
    await this.recordProcesses();
    await this.record.update((s) => { s.captures = running.map((c) => ({ name: c.spec.name, file: c.spec.file })); });
    this.events.record('captures', `capturing at ${points.map((p) => p.name).join(', ')}`, { detail: { points: points.map((p) => p.name) } });
  }

  private async startIuts(specs: Map<string, IutSpec>, adapters: Map<string, IutAdapter>): Promise<void> {
    for (const kind of IUT_ORDER) {
      const nodes = [...specs.keys()].map((id) => this.topology.nodes[id]!).filter((n) => n.kind === kind);
      await Promise.all(nodes.map((n) => this.startIut(n, { ...specs.get(n.id)! }, adapters.get(n.id)!)));
    }
    await this.recordProcesses();
  }

  private async startIut(node: TopologyNode, spec: IutSpec, adapter: IutAdapter): Promise<void> {
    const netns = this.nodes[node.id]!.netns;
    const configDir = join(this.outDir, 'iut', node.id);
    const runtimeDir = join(this.runtimeDir, 'iut', node.id);
    await mkdir(configDir, { recursive: true });
    await mkdir(runtimeDir, { recursive: true });
    const vars = iutVars(this.topology, node, this.runId, netns, configDir, runtimeDir);
    await writeFile(join(configDir, 'iut-vars.json'), JSON.stringify(vars, null, 2));
    const ctx = {
      runId: this.runId,
      topology: this.topology,
      node: { ...node, iut: { ...spec, path: node.iut?.path ?? [] } },
      netns,
      configDir,
      runtimeDir,
      ...(this.opts.dataplane !== undefined ? { dataplane: this.opts.dataplane } : {}),
      logFile: join(this.outDir, 'logs', `${node.id}.log`),
      vars,
      supervisor: this.supervisor,
      exec: (cmd: string, args: string[], o?: NsExecOptions) => this.exec(node.id, cmd, args, o),
    };
    this.supervisor.setActivity(`starting the IUT of ${node.id}`);
    await adapter.prepare(ctx);
    const running = await adapter.start(ctx);
    // Whichever process runs the node's IUT by then (restartIut replaces it).
    this.stack.defer(`stop the IUT of ${node.id}`, () => this.iuts.get(node.id)!.stop());
    this.iuts.set(node.id, running);
    this.iutStarts.set(node.id, { adapter, ctx });
    this.events.record('iut-start', `IUT of ${node.id} started (${spec.adapter}, pid ${running.pid})`, { node: node.id });
    await running.ready(this.opts.readyTimeoutMs ?? START_DEADLINE_MS);
    const dp = running.dataplane;
    this.events.record('iut-ready', `IUT of ${node.id} is ready${dp ? ` (data plane ${dp.backend})` : ''}`, { node: node.id, ...(dp ? { detail: { dataplane: dp.backend, ...(dp.why !== undefined ? { dataplaneWhy: dp.why } : {}) } } : {}) });
  }

  private recordProcesses(): Promise<void> {
    const procs = this.supervisor.list().filter((p) => p.running).map((p) => ({
      name: p.spec.name,
      ...(p.spec.node !== undefined ? { node: p.spec.node } : {}),
      netns: p.spec.netns,
      pid: p.pid,
      startTime: processStartTime(p.pid) ?? null,
    }));
    return this.record.update((s) => { s.processes = procs; });
  }

  // -- events and probes (see events.ts) --

  attach(mn: string, ap: string, opts?: MoveOptions): Promise<void> { return this.control.attach(mn, ap, opts); }
  detach(mn: string, opts?: { timeoutMs?: number }): Promise<void> { return this.control.detach(mn, opts); }
  handover(mn: string, toAp: string, opts?: MoveOptions): Promise<void> { return this.control.handover(mn, toAp, opts); }
  locate(mn: string): Promise<MnLocation> { return this.control.locate(mn); }
  waitForAddress(mn: string, opts?: { prefix?: string; timeoutMs?: number }): Promise<string> { return this.control.waitForAddress(mn, opts); }
  ping(from: string, to: string, opts?: { timeoutMs?: number }): Promise<PingResult> { return this.control.ping(from, to, opts); }
  addressOf(target: string): Promise<string> { return this.control.addressOf(target); }
  exec(node: string, cmd: string, args: string[], opts?: NsExecOptions): Promise<NsExecResult> { return this.control.exec(node, cmd, args, opts); }

  /** The running IUT of a node, if it has one. */
  iut(node: string): RunningIut | undefined {
    this.control.node(node);
    return this.iuts.get(node);
  }

  /**
   * Stops the IUT of `node` (SIGTERM: it keeps nothing of its sessions, a restart that lost state)
   * and starts it again with the same configuration and run-time directory; resolves once ready.
   * The event log records it (iut-restart), with the node's address, for the checks.
   */
  async restartIut(node: string): Promise<RunningIut> {
    const start = this.iutStarts.get(node);
    const old = this.iuts.get(node);
    if (start === undefined || old === undefined) throw new Error(`node ${node} runs no IUT to restart`);
    this.supervisor.setActivity(`restarting the IUT of ${node}`);
    await old.stop();
    // The restart's time is when the old process was gone: the new one speaks as it starts.
    const stoppedAt = this.events.record('iut-stop', `IUT of ${node} stopped for a restart`, { node }).timeUs;
    const running = await start.adapter.start(start.ctx);
    this.iuts.set(node, running);
    await running.ready(this.opts.readyTimeoutMs ?? START_DEADLINE_MS);
    const address = primaryAddress(this.topology.nodes[node]!);
    this.events.record('iut-restart', `IUT of ${node} restarted (pid ${running.pid})`, { node, timeUs: stoppedAt, ...(address !== undefined ? { detail: { address } } : {}) });
    await this.recordProcesses();
    return running;
  }

  collectState(node: string): Promise<NodeState> {
    return collectNodeState(node, this.control.netns(node), this.iuts.get(node));
  }

  /** Tears everything down (idempotent); resolves with captures, events and proof of no leftovers. */
  async down(): Promise<TeardownResult> {
    if (this.result) return this.result;
    this.downStarted ??= performance.now();
    this.supervisor.setActivity('teardown');
    await this.record.update((s) => { s.status = 'tearing down'; }).catch(() => undefined);
    const failures = await this.stack.unwind();
    this.stopWatchingSignals();
    // finish() ran inside the unwind (TypeScript cannot see that it set the field).
    const result = this.result as TeardownResult | undefined;
    if (!result) throw new Error(`teardown of run ${this.runId} failed: ${failures.join('; ')}`);
    result.warnings.push(...failures);
    return result;
  }

  /** The last undo: whatever ended the run (down, failure, signal), produce the result. */
  private async finish(): Promise<void> {
    const started = this.downStarted ?? performance.now();
    const left = await leftovers(this.runId);
    this.events.record('down', `run ${this.runId} torn down`);
    this.result = {
      runId: this.runId,
      outDir: this.outDir,
      captures: this.captureResults,
      events: this.events.entries,
      warnings: [...this.warnings],
      leftovers: left,
      downMs: performance.now() - started,
    };
    if (left.netns.length > 0 || left.processes.length > 0 || left.runDir) {
      this.result.warnings.push(`run ${this.runId} left behind: ${JSON.stringify(left)}`);
    }
    this.opts.onDown?.(this.result);
  }
}
