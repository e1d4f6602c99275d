#!/usr/bin/env node
// One case in its own process (so cases run side by side, each with its own mocha and testbed):
//   PMIP_CONFORMANCE='{"iut":"pmipd","quirks":[],"outDir":...,"resultFile":...}' node worker.js CASE.js
// Mocha's spec output goes to stdout (the runner keeps it as the case's log); the CaseResult goes
// to resultFile, with the mocha counts added.
import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import Mocha from 'mocha';
import type { CaseResult } from '../report/index.js';
import { producedResults, runConfig } from './case.js';

export interface WorkerOutput {
  result: CaseResult;
  error?: string;
  elapsedMs: number;
  mocha: { passes: number; failures: number; pending: number; failed: string[] };
}

async function main(file: string): Promise<void> {
  const config = runConfig();
  const mocha = new Mocha({ reporter: 'spec', timeout: 120_000, color: false });
  mocha.addFile(resolve(file));
  await mocha.loadFilesAsync();
  const failed: string[] = [];
  const stats = await new Promise<Mocha.Stats>((done) => {
    const runner = mocha.run(() => done(runner.stats!));
    runner.on('fail', (test, err) => failed.push(`${test.title}: ${(err as Error).message.split('\n')[0]}`));
  });
  const produced = producedResults[0];
  if (config.resultFile === undefined || produced === undefined) return;
  const out: WorkerOutput = {
    ...produced,
    mocha: { passes: stats.passes, failures: stats.failures, pending: stats.pending, failed },
  };
  await writeFile(config.resultFile, JSON.stringify(out));
}

const file = process.argv[2];
if (file === undefined) {
  process.stderr.write('usage: worker.js CASE.js\n');
  process.exitCode = 2;
} else {
  main(file).catch((err: unknown) => {
    process.stderr.write(`worker: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
    process.exitCode = 1;
  });
}
