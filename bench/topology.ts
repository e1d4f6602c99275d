// `npm run bench:topology`: how long the testbed takes to build and tear down scale.yaml with
// 10, 100 and 1000 MNs, against a baseline measured in the same run that does the same
// operations with one `ip` process per operation (what a straightforward script does), and
// how long the flat domain takes to come up whole (captures and IUTs included). After each
// teardown, whatever is left of the run (namespaces, processes, run directory) is counted.
//   node dist/bench/topology.js [--sizes 10,100,1000] [--runs 5] [--baseline-max 1000]
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { DeferStack, unwindOnSignals } from '../harness/defer.js';
import { listNetns } from '../harness/netns.js';
import { linkLines, namespaceJob, nodeIpLines } from '../harness/testbed/builder.js';
import { netnsName, netnsPrefix } from '../harness/testbed/names.js';
import { RunRecord } from '../harness/testbed/run-state.js';
import { destroyNetns, leftovers } from '../harness/testbed/sweep.js';
import { Testbed } from '../harness/testbed/testbed.js';
import { loadTopology } from '../harness/topology/load.js';
import type { Topology } from '../harness/topology/model.js';
import { runBench } from './run-bench.js';

const TOPOLOGIES = join(process.cwd(), 'topologies');

interface Figures { buildMs: number; downMs: number; left: number }

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function countLeft(runId: string): Promise<number> {
  const l = await leftovers(runId);
  return l.netns.length + l.processes.length + (l.runDir ? 1 : 0);
}

/** The testbed's own builder, through the facade (no IUT, no capture: the build alone). */
async function measureTestbed(t: Topology): Promise<Figures> {
  const tb = await Testbed.up(t, { iut: false, captures: false, keepOutput: false, launcher: 'bench' });
  const buildMs = tb.timings.totalMs;
  const r = await tb.down();
  return { buildMs, downMs: r.downMs, left: await countLeft(tb.runId) };
}

/** The same operations as the builder, one `ip` process each, in sequence. */
async function measureBaseline(t: Topology): Promise<Figures> {
  const stack = new DeferStack();
  const stopWatching = unwindOnSignals(stack);
  const record = await RunRecord.create({ launcher: 'bench baseline', topology: t, outDir: () => '/nonexistent' });
  stack.defer('remove the run record', () => record.remove());
  const runId = record.runId;
  const nodes = Object.values(t.nodes);
  const ns = (id: string) => netnsName(runId, id);
  stack.defer('delete the namespaces', () => destroyNetns(nodes.map((n) => ns(n.id))).then(() => undefined));
  // Plain execFile, the cheapest way Node has to run a process, so the baseline is not handicapped.
  const run = promisify(execFile);
  const ip = (args: string[]) => run('ip', args);
  const split = (line: string) => line.split(' ');
  try {
    const t0 = performance.now();
    for (const n of nodes) await ip(['netns', 'add', ns(n.id)]);
    const links = linkLines(t, runId);
    for (const [apNs, lines] of links.aps) for (const line of lines) await ip(['-n', apNs, ...split(line)]);
    for (const line of links.host) await ip(split(line));
    for (const n of nodes) {
      const job = namespaceJob(n, runId);
      // All of a node's sysctls in one call: the cheapest form of "one process per operation".
      await ip(['netns', 'exec', ns(n.id), 'sysctl', '-q', '-w', ...job.sysctls.map(([k, v]) => `${k}=${v}`)]);
      for (const ifname of job.up) await ip(['-n', ns(n.id), 'link', 'set', ifname, 'up']);
      for (const line of nodeIpLines(n)) await ip(['-n', ns(n.id), ...split(line)]);
    }
    for (const n of nodes) if (n.mn?.ap) await ip(['-n', ns(n.mn.ap), 'link', 'set', n.id, 'up']);
    const t1 = performance.now();
    for (const n of nodes) await ip(['netns', 'del', ns(n.id)]);
    const t2 = performance.now();
    await record.remove();
    const left = (await listNetns()).filter((n) => n.startsWith(netnsPrefix(runId))).length;
    return { buildMs: t1 - t0, downMs: t2 - t1, left };
  } finally {
    await stack.unwind();
    stopWatching();
  }
}

function fmt(ms: number, digits = 1): string {
  return `${ms.toFixed(digits)} ms`;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: {
    sizes: { type: 'string', default: '10,100,1000' },
    runs: { type: 'string', default: '5' },
    'baseline-max': { type: 'string', default: '1000' },
    help: { type: 'boolean', short: 'h' },
  }, args: process.argv.slice(2) });
  if (values.help) {
    process.stdout.write('usage: npm run bench:topology [-- --sizes 10,100,1000] [--runs 5] [--baseline-max 1000]\n');
    return;
  }
  const sizes = values.sizes.split(',').map(Number);
  const runs = Number(values.runs);
  const baselineMax = Number(values['baseline-max']);

  const rows: string[][] = [];
  let allClean = true;
  for (const n of sizes) {
    const t = await loadTopology(join(TOPOLOGIES, 'scale.yaml'), { params: { mns: n } });
    const nodes = Object.keys(t.nodes).length;
    process.stderr.write(`scale.yaml with ${n} MNs (${nodes} nodes): testbed...`);
    const ours = await measureTestbed(t);
    process.stderr.write(` ${fmt(ours.buildMs, 0)}; baseline...`);
    const base = n <= baselineMax ? await measureBaseline(t) : undefined;
    process.stderr.write(base ? ` ${fmt(base.buildMs, 0)}\n` : ' skipped\n');
    allClean &&= ours.left === 0 && (base?.left ?? 0) === 0;
    rows.push([
      String(n),
      fmt(ours.buildMs / n, 2), fmt(ours.downMs / n, 2),
      base ? fmt(base.buildMs / n, 2) : '-', base ? fmt(base.downMs / n, 2) : '-',
      base ? `${(base.buildMs / ours.buildMs).toFixed(1)}x` : '-',
      fmt(ours.buildMs / nodes, 2),
      `${ours.left}${base ? ` / ${base.left}` : ''}`,
    ]);
  }

  process.stderr.write(`flat-domain.yaml up, ${runs} runs...\n`);
  const whole: number[] = [];
  const bare: number[] = [];
  const downs: number[] = [];
  for (let i = 0; i < runs; i++) {
    const tb = await Testbed.up(join(TOPOLOGIES, 'flat-domain.yaml'), { keepOutput: false, launcher: 'bench' });
    whole.push(tb.timings.totalMs);
    const r = await tb.down();
    downs.push(r.downMs);
    allClean &&= (await countLeft(tb.runId)) === 0;
    const t = await Testbed.up(join(TOPOLOGIES, 'flat-domain.yaml'), { keepOutput: false, iut: false, captures: false, launcher: 'bench' });
    bare.push(t.timings.totalMs);
    await t.down();
    allClean &&= (await countLeft(t.runId)) === 0;
  }

  const header = ['MNs', 'build/MN', 'teardown/MN', 'baseline build/MN', 'baseline teardown/MN', 'speed-up', 'build/node', 'leftovers (ours / baseline)'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) => `  ${r.map((c, i) => c.padStart(widths[i]!)).join('  ')}`;
  process.stdout.write([
    '',
    'bench:topology (scale.yaml: 1 LMA, 1 MAG, 1 AP, 1 CN and N MNs; no IUT, no capture; baseline: one ip process per operation)',
    line(header),
    ...rows.map(line),
    '  goal: build <= 5 ms per MN at 1000 MNs',
    '',
    `flat-domain.yaml up (median of ${runs}; from Testbed.up() to MNs attached: loading, sweep, build, captures listening, IUTs ready):`,
    `  with 7 capture points and 2 radvd IUTs ready: ${fmt(median(whole))}   goal < 300 ms`,
    `  build only (no capture, no IUT):             ${fmt(median(bare))}`,
    `  teardown (IUTs, captures flushed, namespaces): ${fmt(median(downs))}`,
    '',
    `leftovers after every teardown: ${allClean ? 'none' : 'SOME (see the table)'}   goal: none`,
    '',
  ].join('\n'));
  if (!allClean) process.exitCode = 1;
}

runBench('topology', main);
