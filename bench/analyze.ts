// Benchmark of `pmip-testbed analyze`: a 1M-frame synthetic capture (bench/capture-mix.ts) loaded
// into a trace, every passive check run, and the report written. Goal: under 5 s on one core.
// Usage: node dist/bench/analyze.js [frames]
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runChecks } from '../harness/checks/index.js';
import { analysisCase, writeReport } from '../harness/report/index.js';
import { loadTrace } from '../harness/trace/index.js';
import { writeMixCapture } from './capture-mix.js';
import { runBench } from './run-bench.js';

runBench('analyze', async () => {
  const frames = Number(process.argv[2] ?? 1_000_000);
  const dir = await mkdtemp(join(tmpdir(), 'pmip-bench-analyze-'));
  try {
    const pcap = join(dir, 'trn.pcap');
    writeMixCapture(pcap, frames);
    const t0 = performance.now();
    const trace = await loadTrace([{ name: 'trn', path: pcap }]);
    const t1 = performance.now();
    // What the trace holds on to (the garbage of decoding collected first when --expose-gc allows).
    (globalThis as { gc?: () => void }).gc?.();
    const heapMb = process.memoryUsage().heapUsed / 2 ** 20;
    const tc = performance.now();
    const results = runChecks(trace);
    const t2 = performance.now();
    await writeReport(join(dir, 'report'), { run: { id: 'bench', started: new Date().toISOString(), tool: 'bench' }, cases: [analysisCase('bench', trace, results)] }, { copyFiles: false });
    const t3 = performance.now();
    const s = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;
    process.stdout.write(`analyze ${frames} frames (node ${process.version}): load+decode ${s(t1 - t0)}, checks ${s(t2 - tc)}, report ${s(t3 - t2)}, total ${s(t3 - tc + t1 - t0)} ` +
      `(${trace.mh.length} MH, ${trace.nd.length} ND, ${trace.data.length} data kept in ${heapMb.toFixed(0)} MiB of heap; ${trace.exchanges.length} exchanges, ${trace.sessions.length} sessions)\n`);
    process.exitCode = t3 - tc + t1 - t0 < 5000 ? 0 : 1;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
