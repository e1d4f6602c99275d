// A fuzz campaign: batches of generated inputs against the IUT, every check after each batch,
// and for a failure the inputs since the last healthy check saved as a reproducer (pcapng plus
// the command replaying it), minimised by delta debugging on a fresh IUT per attempt.
import { mkdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { RobustnessFinding, RobustnessResult } from '../report/types.js';
import { ddmin } from './ddmin.js';
import type { BatchResult } from './fuzz-agent.js';
import { decodedFields, readReproducer, writeReproducer, type ReproPacket } from './reproducer.js';
import { mhSocketDrops, RestartingCounter } from './health.js';
import { FuzzRig, type Failure, type RigOptions } from './rig.js';

export interface CampaignOptions extends RigOptions {
  /** Stop after this many inputs ... */
  count?: number;
  /** ... or after this many seconds (whichever comes first; neither: 100 000 inputs). */
  durationS?: number;
  /** Inputs per second; 0: as fast as the IUT sustains (each batch waits for the probe). */
  rate: number;
  keepGoing: boolean;
  /** Inputs per batch (between two checks). */
  batch?: number;
  /** Minimise each finding (default true). */
  minimise?: boolean;
  /** The fuzz command's arguments for the replay line (--iut, --quirk, --dataplane). */
  replayArgs: string[];
  /** Called about once a second, and once at the end with final = true. */
  progress?: (line: string, final: boolean) => void;
  /** Called after every batch (benchmarks sample memory here). */
  sample?: (s: CampaignSample) => void;
}

export interface CampaignSample {
  inputs: number;
  elapsedMs: number;
  /** The IUT's process and the fuzz agents'. */
  pids: { iut: number | null; agents: number[] };
}

export const DEFAULT_COUNT = 100_000;
const DEFAULT_BATCH = 250;
/** Growth is judged from this many inputs on (start-up and JIT warm-up first). */
const WARMUP_INPUTS = 2000;
/** Minimisation gives up after this many attempts (each restarts the IUT). */
const MAX_MINIMISE_TESTS = 200;

function add(into: Record<string, number>, from: Record<string, number>): void {
  for (const [k, v] of Object.entries(from)) into[k] = (into[k] ?? 0) + v;
}

function replayCommand(o: CampaignOptions, file: string): string {
  return ['pmip-testbed', 'fuzz', '--replay', relative(process.cwd(), file) || file, '--target', o.target, ...o.replayArgs].join(' ');
}

export async function runCampaign(o: CampaignOptions): Promise<RobustnessResult> {
  mkdirSync(o.outDir, { recursive: true });
  const rig = await FuzzRig.up(o);
  const result: RobustnessResult = {
    target: o.target, iut: o.iut + (o.quirks.length > 0 ? ` (quirks ${o.quirks.join(', ')})` : ''), seed: o.seed,
    inputs: 0, packets: 0, octets: 0, elapsedMs: 0, inputsPerSecond: 0,
    probes: { passed: 0, failed: 0, retried: 0 }, messages: {}, fields: {}, findings: [], iutFigures: null,
    stopped: 'count', kernelDrops: 0,
  };
  const drops = new RestartingCounter();
  const seeDrops = () => { const pid = rig.pids().iut; if (pid !== null) drops.see(mhSocketDrops(pid)); };
  const limit = o.count ?? (o.durationS !== undefined ? Infinity : DEFAULT_COUNT);
  const deadline = o.durationS !== undefined ? performance.now() + o.durationS * 1000 : Infinity;
  const batchSize = o.batch ?? DEFAULT_BATCH;
  const t0 = performance.now();
  let lastProgress = t0;
  let next = 0;
  let healthy = true;
  /** Time spent saving and minimising findings: not fuzzing, so not in the rate. */
  let findingMs = 0;
  const say = (final: boolean) => {
    const s = (performance.now() - t0) / 1000;
    const f = rig.growth.peak;
    o.progress?.(`fuzz ${o.target} ${o.iut}: ${result.inputs} inputs (${result.packets} packets), ${Math.round(result.inputs / Math.max(s - findingMs / 1000, 1e-3))}/s, `
      + `${result.probes.passed} probes passed, ${result.findings.length} finding(s); IUT peak RSS ${(f.rssBytes / 2 ** 20).toFixed(1)} MiB, ${f.fds} fds; ${s.toFixed(1)} s`, final);
  };
  try {
    rig.skipLog();
    const first = await rig.check();
    if (first.failure !== null) throw new Error(`the IUT is not healthy before the first input: ${first.failure.what}`);
    result.probes.passed++;
    seeDrops();
    const dropsBefore = drops.total;
    while (next < limit && performance.now() < deadline) {
      const count = Math.min(batchSize, limit - next);
      const batches: BatchResult[] = await rig.batch(next, count, o.rate, healthy);
      const from = next;
      next += count;
      for (const b of batches) {
        result.inputs += b.inputs; result.packets += b.packets; result.octets += b.octets;
        add(result.messages, b.messages); add(result.fields, b.fields);
      }
      if (result.inputs < WARMUP_INPUTS) rig.growth.reset();
      const { failure, probe, figures } = await rig.check();
      seeDrops();
      result.kernelDrops = drops.total - dropsBefore;
      if (figures !== null) result.iutFigures = { rssBytes: figures.rssBytes, fds: figures.fds, peakRssBytes: rig.growth.peak.rssBytes, peakFds: rig.growth.peak.fds };
      if (probe?.ok === true) result.probes.passed++;
      else if (probe !== null) result.probes.failed++;
      if (probe?.ok === true && probe.attempts > 1) result.probes.retried++;
      healthy = failure === null;
      if (failure !== null) {
        const tf = performance.now();
        const finding = await recordFinding(rig, o, failure, result.findings.length + 1, from, next);
        result.findings.push(finding);
        o.progress?.(`finding ${finding.id} (${finding.kind}) after input ${next - 1}: ${finding.what}\n  reproducer: ${finding.pcap}\n  replay: ${finding.replay}`, false);
        if (!o.keepGoing) { result.stopped = 'finding'; findingMs += performance.now() - tf; break; }
        await rig.restartIut();
        healthy = true;
        findingMs += performance.now() - tf;
      }
      o.sample?.({ inputs: result.inputs, elapsedMs: performance.now() - t0, pids: rig.pids() });
      if (performance.now() - lastProgress >= 1000) { lastProgress = performance.now(); say(false); }
    }
    if (result.stopped !== 'finding' && next < limit) result.stopped = 'duration';
  } finally {
    result.elapsedMs = performance.now() - t0;
    result.inputsPerSecond = result.inputs / Math.max((result.elapsedMs - findingMs) / 1000, 1e-3);
    result.logTail = rig.logTail();
    say(true);
    await rig.down();
  }
  return result;
}

/** Saves the inputs since the last healthy check, then minimises them on a fresh IUT. */
async function recordFinding(rig: FuzzRig, o: CampaignOptions, failure: Failure, id: number, from: number, to: number): Promise<RobustnessFinding> {
  const dir = join(o.outDir, 'findings');
  mkdirSync(dir, { recursive: true });
  const packets: ReproPacket[] = (await rig.pending()).map((p) => ({ channel: p.channel, dst: p.dst, hex: p.hex, timeMs: p.timeMs }));
  const pcap = join(dir, `finding-${id}.pcapng`);
  writeReproducer(pcap, packets);
  const finding: RobustnessFinding = {
    id, kind: failure.kind, what: failure.what, inputRange: [from, to - 1], packets: packets.length,
    pcap: relative(o.outDir, pcap), replay: replayCommand(o, pcap), logTail: rig.logTail(),
  };
  if (o.minimise === false || failure.kind === 'growth' || packets.length === 0) return finding;
  const m = await minimise(rig, packets, failure);
  if (m === null) {
    finding.minimised = { reproduced: false, packets: 0, tests: 1, pcap: '', replay: '', decoded: [] };
    return finding;
  }
  const minPcap = join(dir, `finding-${id}-min.pcapng`);
  writeReproducer(minPcap, m.items);
  finding.minimised = {
    reproduced: true, packets: m.items.length, tests: m.tests, pcap: relative(o.outDir, minPcap), replay: replayCommand(o, minPcap),
    decoded: m.items.map((p) => decodedFields(p.hex)),
  };
  finding.logTail = m.logTail;
  return finding;
}

/** Whether `packets` make a fresh IUT fail the same way (crash, hang or fatal log line). */
async function reproduces(rig: FuzzRig, packets: readonly ReproPacket[], kind: Failure['kind']): Promise<boolean> {
  await rig.restartIut();
  await rig.replay(packets);
  const { failure } = await rig.check();
  return failure !== null && failure.kind === kind;
}

async function minimise(rig: FuzzRig, packets: ReproPacket[], failure: Failure): Promise<{ items: ReproPacket[]; tests: number; logTail: string[] } | null> {
  if (!(await reproduces(rig, packets, failure.kind))) return null;
  const r = await ddmin(packets, (s) => reproduces(rig, s, failure.kind), { maxTests: MAX_MINIMISE_TESTS });
  // Once more with the result, for the log lines it leaves.
  await reproduces(rig, r.items, failure.kind);
  const logTail = rig.logTail();
  await rig.restartIut();
  return { items: r.items, tests: r.tests + 2, logTail };
}

export interface ReplayResult { packets: number; failure: Failure | null; logTail: string[] }

/** `fuzz --replay FILE`: the reproducer's packets into a fresh IUT, then every check. */
export async function replayFile(o: RigOptions, file: string): Promise<ReplayResult> {
  const packets = await readReproducer(file);
  const rig = await FuzzRig.up(o);
  try {
    rig.skipLog();
    const before = await rig.check();
    if (before.failure !== null) throw new Error(`the IUT is not healthy before the replay: ${before.failure.what}`);
    await rig.replay(packets);
    const { failure } = await rig.check();
    return { packets: packets.length, failure, logTail: rig.logTail() };
  } finally {
    await rig.down();
  }
}
