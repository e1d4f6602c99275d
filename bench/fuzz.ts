// npm run bench:fuzz [COUNT] — the fuzzer against pmipd's LMA on this machine: inputs per second
// (generation, sending and the probe after every batch included) over a 1 000 000-input campaign
// (or COUNT), and the fuzzer's memory at intervals: the harness process and the fuzz agent that
// generates and sends (RSS), with pmipd's RSS beside them. Goal (issue 14): >= 5 000 inputs/s and
// the fuzzer's memory flat. The baseline of the same run: the generator alone, in this process,
// with nothing sent (what the fuzzer cannot beat on one core).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCampaign } from '../harness/fuzz/campaign.js';
import { generateInput, type GenContext } from '../harness/fuzz/generator.js';
import { runBench } from './run-bench.js';

const GOAL = 5000;
const say = (line: string) => process.stdout.write(`${line}\n`);
const mib = (b: number) => (b / 2 ** 20).toFixed(1);

function rssOf(pid: number | null): number {
  if (pid === null) return NaN;
  try { return Number(/^VmRSS:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN) * 1024; } catch { return NaN; }
}

/** The generator alone: inputs per second over `n` inputs, in this process. */
function generatorRate(n: number): number {
  const ctx: GenContext = { target: 'lma', nowMs: Date.now(), mns: [{ nai: 'mn1@example.org', mac: '02:00:00:00:01:01' }], peer: ['2001:db8::1', '2001:db8:0:1::1'], targetAddress: '2001:db8::2' };
  const t = performance.now();
  for (let i = 0; i < n; i++) generateInput(1, i, ctx);
  return (n / (performance.now() - t)) * 1000;
}

async function main(): Promise<void> {
  const count = Number(process.argv[2] ?? 1_000_000);
  if (!Number.isInteger(count) || count < 1000) throw new Error(`COUNT must be an integer of at least 1000, not ${process.argv[2]}`);
  say(`load average before: ${loadavg().map((x) => x.toFixed(2)).join(' ')} on this machine`);
  generatorRate(20_000);
  const gen = generatorRate(100_000);
  say(`baseline: the generator alone, in process, nothing sent: ${Math.round(gen)} inputs/s`);
  const out = mkdtempSync(join(tmpdir(), 'bench-fuzz-'));
  const every = Math.max(50_000, Math.floor(count / 20));
  let nextMark = every;
  const marks: { inputs: number; rate: number; harness: number; agent: number; iut: number }[] = [];
  try {
    const r = await runCampaign({
      target: 'lma', iut: 'pmipd', quirks: [], seed: 1, outDir: out, count, rate: 0, keepGoing: false, replayArgs: [],
      sample: (s) => {
        if (s.inputs < nextMark) return;
        nextMark += every;
        const m = { inputs: s.inputs, rate: s.inputs / (s.elapsedMs / 1000), harness: process.memoryUsage.rss(), agent: rssOf(s.pids.agents[0] ?? null), iut: rssOf(s.pids.iut) };
        marks.push(m);
        say(`${String(m.inputs).padStart(8)} inputs  ${Math.round(m.rate)} inputs/s  fuzzer: harness ${mib(m.harness)} MiB + agent ${mib(m.agent)} MiB RSS  (pmipd ${mib(m.iut)} MiB)`);
      },
    });
    if (r.findings.length > 0) throw new Error(`the campaign found ${r.findings.length} finding(s) in pmipd: ${r.findings[0]!.what}`);
    const first = marks[0], last = marks.at(-1);
    say(`campaign: ${r.inputs} inputs (${r.packets} packets) in ${(r.elapsedMs / 1000).toFixed(1)} s: ${Math.round(r.inputsPerSecond)} inputs/s; ${r.probes.passed} probes passed; ${r.findings.length} findings`);
    say(`ratio to the goal of ${GOAL}/s: ${(r.inputsPerSecond / GOAL).toFixed(2)}; to the generator alone: ${(r.inputsPerSecond / gen).toFixed(2)}`);
    if (first !== undefined && last !== undefined) {
      say(`fuzzer memory from ${first.inputs} to ${last.inputs} inputs: harness ${mib(first.harness)} -> ${mib(last.harness)} MiB, agent ${mib(first.agent)} -> ${mib(last.agent)} MiB (pmipd ${mib(first.iut)} -> ${mib(last.iut)} MiB)`);
    }
    say(`load average after: ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
    say(JSON.stringify({ generatorPerSecond: Math.round(gen), inputsPerSecond: Math.round(r.inputsPerSecond), inputs: r.inputs, marks: marks.map((m) => ({ ...m, rate: Math.round(m.rate) })) }));
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

runBench('fuzz', main);
