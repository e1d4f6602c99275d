// A conformance case: a mocha spec that builds its topology, runs the implementation under test,
// provokes it, captures everything, and judges the requirement IDs it declares (FRR topotest and
// TAHI style: the case states its purpose, RFC sections, steps, and a judgement per requirement).
//
//   conformanceCase(import.meta.url, {
//     name: 'attach', purpose: '...', rfc: ['5213 §6.9.1.1'], topology: 'topology.yaml',
//     iut: { lma1: 'lma', mag1: 'mag' }, requirements: ['MAG-PBU-09', ...],
//   }, (c) => {
//     c.step('mn1 gets an address from its HNP', async () => { await c.tb.waitForAddress('mn1'); });
//   });
//
// Mocha sees: a before hook (Testbed.up), one `it` per step, one `it` that stops the run and
// judges the captures, then one `it` per declared requirement (PASS or NOT-APPLICABLE passes,
// FAIL fails with the evidence, INCONCLUSIVE is pending). Outside mocha (the runner listing the
// suite) the call only registers the definition.
import { AssertionError } from 'node:assert';
import { mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatIpv6, parseIpv6 } from '../../wire/index.js';
import { requirement } from '../catalog/index.js';
import { check, Judge, PLATFORM_DEVIATIONS, runChecks, type Check, type RequirementResult } from '../checks/index.js';
import { ipBatch } from '../netns.js';
import { pollUntil, START_DEADLINE_MS, TimeoutError } from '../poll.js';
import { analysisCase, type CaseResult, type CaseStep } from '../report/index.js';
import type { TeardownResult } from '../testbed/testbed.js';
import { Testbed } from '../testbed/testbed.js';
import { loadTopology } from '../topology/load.js';
import { primaryAddress, type Topology } from '../topology/model.js';
import type { IutSpec } from '../topology/schema.js';
import { loadTrace, type Trace } from '../trace/index.js';
import { TesterAgent } from '../active/agent-client.js';
import { espSasBeside } from '../capture/esp-sas.js';
import { EmulatedMag, type Sent } from '../active/emulated-mag.js';
import { describeReply, describeWant, judgeReply, type ReplyWant } from '../active/judge-reply.js';
import type { EmulatedLmaConfig } from '../active/emulated-lma.js';
import { CaptureWatch } from './live-capture.js';
import { domainProfile, loadProfile, neededOrdering, roleClaims, traceSettings, type DomainNeeds, type IutProfile, type IutRole } from './profile.js';
import { applyCapabilities, type RoleClaim } from './capabilities.js';
import { vmDescription } from '../vm/guest.js';
import { capturePointSpecs, traceEvents } from './topology-view.js';
import { ActiveVerdict, mergeResults, resolveActive } from './verdicts.js';
import { degradeWithoutDataplane } from './degraded.js';
import type { DataplaneChoice, DataplaneUse } from '../iut/adapter.js';
import { withoutStacks } from '../error-text.js';
import { skipReason, type CaseNeed } from './requires.js';
import { protectEmulatedMag } from '../ipsec/pmipd-ipsec.js';

export interface CaseDefinition {
  /** Short and unique: "lma-rejections". */
  name: string;
  purpose: string;
  /** RFC sections the case exercises: "5213 §5.3.1". */
  rfc: string[];
  /** The topology file, relative to the case's own folder. */
  topology: string;
  /** Nodes that run the implementation under test, and as what. */
  iut: Record<string, IutRole>;
  /** Requirement IDs the case judges; its report shows their verdicts. */
  requirements: string[];
  domain?: DomainNeeds;
  /** Capture points to run (default all of the topology's). */
  captures?: string[];
  /** false: the MNs stay unplugged until the case attaches them (after its testers are ready). */
  attachAtStart?: boolean;
  /** Deadline for the whole case (default 60 s). */
  timeoutMs?: number;
  /** How long the case usually takes (ms): the runner starts long cases first. */
  durationMs?: number;
  /** What the machine must offer; without it the case is SKIPPED, its reason named. */
  needs?: CaseNeed[];
}

/** A registered case: its definition and the file it lives in. */
export interface CaseEntry { def: CaseDefinition; file: string; sourceDir: string }

/** How the runner configures a case run (environment PMIP_CONFORMANCE, JSON). */
export interface CaseRunConfig {
  /** IUT profile: "pmipd" or a YAML file. */
  iut: string;
  quirks: string[];
  /** The case's output directory (captures, logs, event log). */
  outDir?: string;
  /** Where the worker writes the CaseResult (JSON). */
  resultFile?: string;
  /** A topology file replacing the case's own (it must have the nodes the case names). */
  topology?: string;
  /** The data plane forced on every IUT node (`run --dataplane`). */
  dataplane?: DataplaneChoice;
}

export const CONFIG_ENV = 'PMIP_CONFORMANCE';
export const DEFAULT_CASE_TIMEOUT_MS = 60_000;
/** Deadlines of whole cases stretch this much inside `pmip-testbed vm` (TCG runs ~10x slower). */
export const VM_CASE_TIMEOUT_FACTOR = 3;

/** A case's deadline on this machine: its own or the default, stretched in a VM (a safety net, not a speed goal). */
export function caseTimeoutMs(def: CaseDefinition): number {
  return (def.timeoutMs ?? DEFAULT_CASE_TIMEOUT_MS) * (vmDescription() !== undefined ? VM_CASE_TIMEOUT_FACTOR : 1);
}

const registry: CaseEntry[] = [];
/** Every case module imported so far registers here. */
export function registeredCases(): readonly CaseEntry[] {
  return registry;
}

let listingOnly = false;
/** While set, importing a case only registers it, even inside a mocha run (the self-test lists cases). */
export function listCasesOnly(on: boolean): void {
  listingOnly = on;
}

/** CaseResults produced in this process (the worker reads them after mocha ends). */
export const producedResults: { result: CaseResult; error?: string; elapsedMs: number }[] = [];

export function runConfig(): CaseRunConfig {
  const raw = process.env[CONFIG_ENV];
  if (raw === undefined || raw === '') return { iut: 'pmipd', quirks: [] };
  return JSON.parse(raw) as CaseRunConfig;
}

/** cases/<x>/ for a compiled dist/cases/<x>/file.js: where the topology and configs live. */
export function sourceDirOf(moduleUrl: string): string {
  const dir = dirname(fileURLToPath(moduleUrl));
  const marker = join('dist', 'cases');
  const i = dir.lastIndexOf(marker);
  return i < 0 ? dir : join(dir.slice(0, i), 'cases', dir.slice(i + marker.length));
}

export function conformanceCase(moduleUrl: string, def: CaseDefinition, body: (c: CaseRun) => void): void {
  for (const id of def.requirements) requirement(id);
  const entry: CaseEntry = { def, file: fileURLToPath(moduleUrl), sourceDir: sourceDirOf(moduleUrl) };
  registry.push(entry);
  if (listingOnly || typeof describe !== 'function') return;
  describe(`${def.name}: ${def.purpose}`, function () {
    this.timeout(caseTimeoutMs(def));
    const c = new CaseRun(entry, runConfig());
    before(async function () {
      const why = await skipReason(def.needs ?? []);
      if (why !== null) {
        c.skipped = why;
        this.skip();
      }
      await c.up();
    });
    body(c);
    it('stops the run and judges the captures', async function () {
      await c.finish();
    });
    for (const id of def.requirements) {
      const r = requirement(id);
      it(`${id} (${r.levelText}) ${r.statement}`, function () {
        const v = c.verdictOf(id);
        if (v === undefined) throw new Error(`${id}: no verdict (the case did not get as far as judging)`);
        if (v.verdict === 'INCONCLUSIVE') { this.test!.title += ` [INCONCLUSIVE: ${v.message}]`; this.skip(); }
        if (v.verdict === 'FAIL') throw new Error(formatFailure(v));
      });
    }
    after(async function () {
      await c.cleanup();
    });
  });
}

function formatFailure(v: RequirementResult): string {
  const lines = [`${v.id} FAIL: ${v.message}${v.knownDeviation ? ` [known deviation: ${v.knownDeviation}]` : ''}`];
  for (const e of v.evidence.slice(0, 3)) {
    if (e.field !== undefined) lines.push(`  ${e.field}: expected ${e.expected ?? '?'}, seen ${e.seen ?? '?'}`);
    for (const f of e.frames.slice(0, 3)) lines.push(`  ${f.point}#${f.frame}: ${f.summary}`);
  }
  return lines.join('\n');
}

/** What `untilState` saw: whether the state changed within the deadline and the sure bounds of when. */
export interface StateChange { reached: boolean; lastOtherAt: number | null; reachedBy: number | null }

/** One run of a case: the testbed, the testers, the live judgements, the result. */

export class CaseRun {
  readonly def: CaseDefinition;
  topology!: Topology;
  private testbed: Testbed | undefined;
  private teardown: TeardownResult | undefined;
  private readonly agents: TesterAgent[] = [];
  /** Nodes that ran a tester agent (their logs go in the report). */
  private readonly agentNodes: string[] = [];
  /** Sources of crafted stimuli, for the trace. */
  private readonly testerAddresses: string[] = [];
  private readonly watches: CaptureWatch[] = [];
  /** Judgements made on the captures after the run (traceCheck). */
  private readonly caseChecks: Check[] = [];
  private readonly active = new Map<string, ActiveVerdict>();
  private readonly steps: CaseStep[] = [];
  private readonly notes: string[] = [];
  private results = new Map<string, RequirementResult>();
  private caseResult: CaseResult | undefined;
  private errors: string[] = [];
  /** Why the case could not run (the testbed or an IUT did not come up): it is an ERROR. */
  private fatal: string | undefined;
  /** Why the case did not run on this machine (a need it lacks): SKIPPED, no verdicts. */
  skipped: string | undefined;
  /** The data plane each IUT node said it uses. */
  private dataplanes: Record<string, DataplaneUse> = {};
  private readonly started = Date.now();
  readonly outDir: string;
  /** Timings a case measures itself (packets lost in a handover). */
  readonly timings: { packetsLost?: number } = {};
  /**
   * When the steps ended (s since the epoch): what the IUT does while the testbed stops (daemons
   * shutting down, MNs still soliciting) is captured too, and a case may leave it out of its judgements.
   */
  stepsEnded = Infinity;

  constructor(readonly entry: CaseEntry, readonly config: CaseRunConfig) {
    this.def = entry.def;
    this.outDir = resolve(config.outDir ?? join(tmpdir(), 'pmip-cases', `${this.def.name}-${Date.now().toString(36)}`));
  }

  private loadedProfile: IutProfile | undefined;
  /** The --iut profile of the run. */
  get profile(): IutProfile {
    return this.loadedProfile ??= loadProfile(this.config.iut);
  }

  private loadedClaims: RoleClaim[] | undefined;
  /** The implementations of the run in the roles this case runs as IUT, with their capability statements. */
  private get claims(): RoleClaim[] {
    return this.loadedClaims ??= roleClaims(this.profile, Object.values(this.def.iut));
  }

  /**
   * The case's domain as this machine's domain profile adjusts it (see domainProfile), with the
   * ordering (timestamps or sequence numbers) its implementations claim.
   */
  get domain(): DomainNeeds {
    const needs = domainProfile(vmDescription() !== undefined).apply(this.def.domain ?? {});
    return neededOrdering(this.profile.domain?.(needs) ?? needs, this.claims);
  }

  get tb(): Testbed {
    if (this.testbed === undefined) throw new Error(`case ${this.def.name}: the testbed is not up`);
    return this.testbed;
  }

  /** Builds the topology with the IUT on the nodes the case names (and quirks routed to their role). */
  async up(): Promise<void> {
    try {
      await this.bringUp();
    } catch (err) {
      // The case cannot run: an ERROR, whose first line is the cause.
      this.fatal = `testbed up: ${withoutStacks((err as Error).message)}`;
      this.errors.push(this.fatal.split('\n')[0]!);
      throw err;
    }
  }

  private async bringUp(): Promise<void> {
    this.topology = await loadTopology(this.config.topology ?? join(this.entry.sourceDir, this.def.topology));
    const missing = [...Object.keys(this.def.iut), ...(this.def.captures ?? [])].filter((n) => this.topology.nodes[n] === undefined && !this.topology.captures.some((c) => c.name === n));
    if (missing.length > 0) throw new Error(`topology ${this.topology.file} lacks what case ${this.def.name} needs: ${missing.join(', ')}`);
    const profile = this.profile;
    const quirksByRole: Record<IutRole, string[]> = { lma: [], mag: [] };
    for (const q of this.config.quirks) {
      const role = profile.quirkRole(q);
      for (const r of role === 'both' ? (['lma', 'mag'] as const) : [role]) quirksByRole[r].push(q);
    }
    const iut: Record<string, IutSpec | null> = {};
    for (const n of Object.values(this.topology.nodes)) {
      const role = this.def.iut[n.id];
      if (role !== undefined) {
        iut[n.id] = await profile.spec({ topology: this.topology, node: n.id, role, needs: this.domain, quirks: quirksByRole[role] });
      } else if (n.kind === 'lma' || n.kind === 'mag') {
        iut[n.id] = null;
      }
    }
    await mkdir(this.outDir, { recursive: true });
    this.testbed = await Testbed.up(this.topology, {
      // In a VM under emulation Node alone took 40-55 s to start on a loaded host: deadlines stretch like the case's.
      ...(vmDescription() !== undefined ? { readyTimeoutMs: START_DEADLINE_MS * VM_CASE_TIMEOUT_FACTOR } : {}),
      iut, outDir: this.outDir, launcher: `conformance case ${this.def.name}`, attach: this.def.attachAtStart !== false,
      ...(this.def.captures ? { captures: this.def.captures } : {}),
      ...(this.config.dataplane !== undefined ? { dataplane: this.config.dataplane } : {}),
    });
    this.dataplanes = this.testbed.dataplanes();
  }

  /** Preparation every step needs (testers, first attachments): a failure skips the steps. */
  setup(title: string, fn: () => Promise<void>): void {
    const self = this;
    before(title, async function () {
      try {
        await fn();
      } catch (err) {
        self.errors.push(`${title}: ${(err as Error).message.split('\n')[0]}`);
        throw err;
      }
    });
  }

  /** A mocha step; its outcome is listed in the report's steps. */
  step(title: string, fn: () => Promise<void>): void {
    const self = this;
    it(title, async function () {
      const t0 = Date.now();
      try {
        await fn();
        self.steps.push({ time: t0 / 1000, description: title, verdict: 'PASS' });
      } catch (err) {
        const msg = (err as Error).message.split('\n')[0];
        self.steps.push({ time: t0 / 1000, description: `${title}: ${msg}`, verdict: 'FAIL' });
        throw err;
      }
    });
  }

  /**
   * A step that sends one crafted message and judges the reply (or the silence) against `ids`:
   * the verdicts are recorded whatever happens, then the step fails if the reply is wrong.
   */
  stimulus(title: string, ids: string[], send: () => Promise<Sent>, want: ReplyWant): void {
    this.step(title, async () => {
      const sent = await send();
      if (!judgeReply(ids.map((id) => this.verdict(id)), sent, want, title)) {
        throw new AssertionError({ message: `${sent.ref.dst} sent ${describeReply(sent)}, expected ${describeWant(want)}`, actual: describeReply(sent), expected: describeWant(want) });
      }
    });
  }

  /**
   * A judgement made on the captures once the run is over (like a passive check, but knowing
   * what the case did): `run` gets the trace and one Judge per ID, in order.
   */
  traceCheck(name: string, ids: string[], run: (t: Trace, judges: Judge[]) => void): void {
    for (const id of ids) if (!this.def.requirements.includes(id)) throw new Error(`case ${this.def.name} judges ${id} but does not declare it in requirements`);
    this.caseChecks.push(check(`case ${this.def.name}: ${name}`, ids, run));
  }

  /** The live judgement of a requirement the case provokes (merged with the passive check's). */
  verdict(id: string): ActiveVerdict {
    let v = this.active.get(id);
    if (v === undefined) {
      if (!this.def.requirements.includes(id)) throw new Error(`case ${this.def.name} judges ${id} but does not declare it in requirements`);
      this.active.set(id, v = new ActiveVerdict(id));
    }
    return v;
  }

  note(text: string): void {
    this.notes.push(text);
  }

  /** A node's address in the domain (LMAA, Proxy-CoA). */
  address(node: string): string {
    const n = this.topology.nodes[node];
    const a = n ? primaryAddress(n) : undefined;
    if (a === undefined) throw new Error(`node ${node} has no address in topology ${this.topology.name}`);
    return a;
  }

  mn(id: string): { nai: string; mac: string; hnp: string } {
    const n = this.topology.nodes[id];
    if (n?.mn === undefined) throw new Error(`${id} is not an MN of topology ${this.topology.name}`);
    return { nai: n.mn.nai, mac: n.mn.mac, hnp: n.mn.hnp };
  }

  /**
   * A tester agent in `node`, sending from the node's address (or `addresses`) plus
   * `extraAddresses` more on the same link (::a0, ::a1, ... of its prefix: sources the LMA does
   * not know, e.g. a rogue MAG).
   */
  async agent(node: string, opts: { extraAddresses?: number; addresses?: string[] } = {}): Promise<TesterAgent> {
    const n = this.topology.nodes[node];
    if (n === undefined) throw new Error(`no node ${node} in topology ${this.topology.name}`);
    const iface = n.interfaces.find((i) => i.role === 'transport' && i.address && i.prefix);
    const addresses = opts.addresses ?? [this.address(node)];
    for (let i = 0; i < (opts.extraAddresses ?? 0); i++) {
      if (iface === undefined) throw new Error(`${node} has no addressed transport link for extra tester addresses`);
      const a = `${iface.prefix!.split('::/')[0]}::a${i}`;
      await ipBatch([`addr add ${a}/64 dev ${iface.name} nodad`], { netns: this.tb.nodes[node]!.netns });
      addresses.push(a);
    }
    const agent = await TesterAgent.start({
      runId: this.tb.runId, runtimeDir: this.tb.runtimeDir, node, netns: this.tb.nodes[node]!.netns, supervisor: this.tb.supervisor,
      logFile: join(this.outDir, 'logs', `tester-${node}.log`),
    }, addresses);
    this.agents.push(agent);
    this.agentNodes.push(node);
    return agent;
  }

  /** Declares `address` a source of crafted stimuli the case sends by other means (a probe socket): the trace judges no MAG by it. */
  tester(address: string): void {
    this.testerAddresses.push(address);
  }

  /** An emulated MAG in `node` (a MAG of the topology without an IUT), talking to the LMA `lma`. */
  async emulatedMag(node: string, opts: { lma?: string; extraAddresses?: number } = {}): Promise<EmulatedMag> {
    const agent = await this.agent(node, { extraAddresses: opts.extraAddresses ?? 0 });
    this.testerAddresses.push(...agent.addresses);
    return new EmulatedMag(agent, this.address(opts.lma ?? 'lma1'));
  }

  /**
   * Gives the emulated MAG in `node` its SA pair with the LMA (domain ipsec: manual): its sends
   * marked `protectable` then go inside ESP (the others still bypass IPsec). `wrongKey`: a wrong
   * key on its MAG→LMA SA.
   */
  async protectTester(node: string, opts: { wrongKey?: boolean } = {}): Promise<void> {
    await protectEmulatedMag({ runDir: this.tb.runtimeDir, netns: this.tb.nodes[node]!.netns, mag: node, ...opts });
  }

  /** An emulated LMA in `node` (the topology's LMA, run without an IUT) answering as `config` says. */
  async emulatedLma(node: string, config: Partial<EmulatedLmaConfig> = {}): Promise<TesterAgent> {
    const agent = await this.agent(node);
    const prefixes: Record<string, string> = {};
    for (const n of Object.values(this.topology.nodes)) if (n.mn) prefixes[n.mn.nai] = n.mn.hnp;
    await agent.emulateLma({ prefixes, defaultPrefix: this.topology.hnpPool.replace(/\/\d+$/, '/64'), linkLocal: 'fe80::5213:1', scripts: {}, ...config });
    return agent;
  }

  /**
   * Whether the IUT's state dump on `node` (Binding Cache, Binding Update List) mentions `text`;
   * null when the implementation offers no dump.
   */
  async stateMentions(node: string, text: string): Promise<boolean | null> {
    const dump = await this.tb.iut(node)?.bindingCache();
    return dump === undefined || dump === null ? null : dump.includes(text);
  }

  /**
   * Polls the state dump of `node` until it does (`present`) or does not mention `text`; null when
   * the implementation offers no dump. A dump takes a while to fetch (a control request into a
   * namespace: ~1.2 s on a loaded machine), and the moment it describes lies anywhere within the
   * fetch, so a timing check may hold against the IUT only these sure bounds (epoch ms):
   * `lastOtherAt`, the start of the last fetch still showing the other state (the change came
   * after it; null when the first fetch already showed the wanted state), and `reachedBy`, the end
   * of the first fetch showing the wanted state (the change came before it; null: not reached
   * before the deadline, then `reached` is false).
   */
  async untilState(node: string, text: string, present: boolean, timeoutMs: number): Promise<StateChange | null> {
    let lastOtherAt: number | null = null, reachedBy: number | null = null;
    let offered = true;
    try {
      await pollUntil(async () => {
        const at = Date.now();
        const mentioned = await this.stateMentions(node, text);
        if (mentioned === null) { offered = false; return true; }
        if (mentioned !== present) { lastOtherAt = at; return false; }
        reachedBy = Date.now();
        return true;
      }, { what: `${node}'s state to ${present ? '' : 'stop '}mention${present ? '' : 'ing'} ${text}`, timeoutMs, maxIntervalMs: 25 });
    } catch (err) {
      if (!(err instanceof TimeoutError)) throw err;
    }
    return offered ? { reached: reachedBy !== null, lastOtherAt, reachedBy } : null;
  }

  /**
   * `ip` commands in `node`, in order, as one `ip -batch` per address family: each command starts
   * with its family flag (`['-4', 'addr', 'add', ...]`), which batch lines cannot carry themselves.
   */
  async ip(node: string, ...cmds: string[][]): Promise<void> {
    const byFamily = new Map<string, string[]>();
    for (const [family, ...rest] of cmds) {
      if (family !== '-4' && family !== '-6') throw new Error(`c.ip: a command must start with -4 or -6, not ${family}`);
      byFamily.set(family, [...byFamily.get(family) ?? [], rest.join(' ')]);
    }
    for (const [family, lines] of byFamily) await this.tb.exec(node, 'ip', [family, '-batch', '-'], { input: `${lines.join('\n')}\n` });
  }

  /** An operator command to the IUT of `node` (pmipd: revoke, notify); fails when it offers none. */
  async iutCommand(node: string, req: Record<string, unknown>): Promise<Record<string, unknown>> {
    const iut = this.tb.iut(node);
    if (iut?.command === undefined) throw new Error(`the IUT of ${node} takes no operator commands (the case needs ${String(req.cmd)})`);
    return iut.command(req);
  }

  /** Makes an MN send a Router Solicitation now (the testbed's IPv6 token trick). */
  async solicit(mn: string): Promise<void> {
    const n = this.topology.nodes[mn];
    if (n?.mn === undefined) throw new Error(`${mn} is not an MN of topology ${this.topology.name}`);
    await this.tb.exec(mn, 'ip', ['token', 'set', n.mn.iid, 'dev', n.mn.ifname]);
  }

  /** The /64 an address is in ("2001:db8:8000::/64" for 2001:db8:8000::ff:fe00:101). */
  prefixOf(address: string): string {
    const b = parseIpv6(address);
    b.fill(0, 8);
    return `${formatIpv6(b, 0)}/64`;
  }

  /** Capture files of the named points (while the run is up). */
  captureFiles(points: string[]): string[] {
    return points.map((p) => {
      if (!this.topology.captures.some((c) => c.name === p)) throw new Error(`no capture point ${p} in topology ${this.topology.name}`);
      return join(this.outDir, 'captures', `${p}.pcap`);
    });
  }

  /** Starts watching the named capture points: frames from now on (closed with the run). */
  async watch(points: string[], fromStart = false): Promise<CaptureWatch> {
    const w = await CaptureWatch.open(this.captureFiles(points), fromStart);
    this.watches.push(w);
    return w;
  }

  /** Stops the run, reads the captures and judges; the CaseResult is ready afterwards. */
  async finish(): Promise<void> {
    const tb = this.testbed;
    if (tb === undefined) throw new Error('the testbed never came up');
    this.stepsEnded = Date.now() / 1000;
    try {
      await this.stopAgents();
      this.teardown = await tb.down();
      await this.judge();
    } catch (err) {
      this.errors.push(`judging: ${(err as Error).message.split('\n')[0]}`);
      throw err;
    }
  }

  private async stopAgents(): Promise<void> {
    await Promise.all([...this.agents.splice(0).map((a) => a.stop()), ...this.watches.splice(0).map((w) => w.close())]);
  }

  private async judge(): Promise<void> {
    const down = this.teardown!;
    const t = this.topology;
    const unentitled = (this.def.domain?.extraMobileNodes ?? []).filter((m) => m.proxyMobility === false).map((m) => m.mac ?? m.nai);
    const addressesOf = (pred: (id: string, kind: string) => boolean) => Object.values(t.nodes)
      .filter((n) => pred(n.id, n.kind)).flatMap((n) => primaryAddress(n) ?? []);
    const lmas = addressesOf((_, kind) => kind === 'lma');
    const mags = addressesOf((id) => this.def.iut[id] === 'mag');
    // The run's ESP SAs (written beside the captures by its keying) let the checks read protected signalling.
    const espSas = down.captures.length > 0 ? await espSasBeside(down.captures[0]!.file) : [];
    const trace: Trace = await loadTrace(capturePointSpecs(t, down.captures.map((c) => ({ name: c.name, file: c.file }))), {
      ...(espSas.length > 0 ? { espSas } : {}),
      settings: traceSettings(this.domain, unentitled),
      lmas, ...(mags.length > 0 ? { mags } : {}),
      testers: this.testerAddresses,
      events: traceEvents(t, down.events),
    });
    const judges = new Map<string, Judge>();
    const passive = runChecks(trace, { only: this.def.requirements, knownDeviations: PLATFORM_DEVIATIONS, judges });
    let verdicts = passive;
    const merge = (results: RequirementResult[]) => {
      const byId = new Map(results.map((r) => [r.id, r]));
      verdicts = verdicts.map((r) => mergeResults(r, byId.get(r.id)));
    };
    merge(resolveActive(trace, this.active.values(), `case ${this.def.name}`, judges));
    for (const k of this.caseChecks) {
      const judges = k.requirements.map((id) => new Judge(id, k.name));
      k.run(trace, judges);
      merge(judges.map((j) => j.result()));
    }
    verdicts = degradeWithoutDataplane(verdicts, this.def.requirements, this.dataplanes);
    verdicts = applyCapabilities(verdicts, this.claims);
    this.results = new Map(verdicts.map((r) => [r.id, r]));
    const logs = [
      ...Object.values(t.nodes).filter((n) => this.def.iut[n.id] !== undefined).map((n) => ({ node: n.id, path: join(this.outDir, 'logs', `${n.id}.log`) })),
      ...[...new Set(this.agentNodes)].map((n) => ({ node: `tester ${n}`, path: join(this.outDir, 'logs', `tester-${n}.log`) })),
      { node: 'events', path: join(this.outDir, 'events.jsonl') },
    ];
    const result = analysisCase(this.def.name, trace, verdicts, {
      purpose: this.def.purpose, rfcSections: this.def.rfc, requirementIds: this.def.requirements, logs, steps: this.steps,
    });
    if (this.timings.packetsLost !== undefined) result.timings.packetsLost = this.timings.packetsLost;
    if (Object.keys(this.dataplanes).length > 0) result.dataplanes = this.dataplanes;
    this.caseResult = result;
    for (const w of down.warnings) this.notes.push(`teardown: ${w}`);
  }

  /** The verdict of a declared requirement, once the case has judged. */
  verdictOf(id: string): RequirementResult | undefined {
    return this.results.get(id);
  }

  /** Whatever happened, leave nothing behind and hand the result (or the error) to the runner. */
  async cleanup(): Promise<void> {
    try {
      await this.stopAgents();
      if (this.testbed !== undefined && this.teardown === undefined) {
        this.teardown = await this.testbed.down();
        if (this.caseResult === undefined) await this.judge().catch((err: Error) => { this.errors.push(`judging: ${err.message}`); });
      }
    } finally {
      this.publish();
    }
  }

  private publish(): void {
    const failedSteps = this.steps.filter((s) => s.verdict === 'FAIL').map((s) => `step failed: ${s.description}`);
    const errors = [...this.errors, ...failedSteps];
    const result: CaseResult = this.caseResult ?? {
      name: this.def.name, purpose: this.def.purpose, rfcSections: this.def.rfc, requirementIds: this.def.requirements,
      steps: this.steps, verdicts: [], captures: [], logs: [], timings: {},
    };
    if (this.skipped !== undefined) {
      producedResults.push({ result: { ...result, verdicts: [], skipped: this.skipped }, elapsedMs: Date.now() - this.started });
      return;
    }
    if (this.notes.length > 0 || errors.length > 0) result.steps = [...(result.steps ?? []), ...[...errors, ...this.notes].map((d) => ({ description: d }))];
    // Could not run: no judgement to show, an ERROR with its cause instead.
    if (this.fatal !== undefined || this.caseResult === undefined) {
      result.error = this.fatal ?? `the case did not get as far as judging: ${errors[0] ?? 'no reason recorded'}`;
      result.verdicts = [];
    }
    const entry = { result, ...(errors.length > 0 ? { error: errors.join('; ') } : {}), elapsedMs: Date.now() - this.started };
    producedResults.push(entry);
  }
}
