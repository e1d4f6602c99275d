// `pmip-testbed run`: the conformance suite against an implementation, with a report at the end.
import { existsSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { findRequirement } from '../catalog/index.js';
import { parseCommandArgs, UsageError } from './args.js';
import {
  aggregate, compareBaseline, loadBaseline, mandatoryFailures, writeBaseline, type Baseline, type RequirementOutcome,
} from '../conformance/baseline.js';
import { loadProfile, UnknownQuirk } from '../conformance/profile.js';
import { discoverCases, runSuite, selectCases, type CaseOutcome, type SuiteCase } from '../conformance/suite.js';
import type { CaseResult, RunResult } from '../report/index.js';
import { writeReport } from '../report/index.js';

const HELP = `usage: pmip-testbed run [--iut NAME|FILE] [--topology FILE] [--cases GLOB]... [--quirk NAME]... [options]

Runs the PMIPv6 conformance suite (cases/) against an implementation under test: each case builds
its topology, starts the IUT on its LMA and/or MAGs, provokes it (emulated MAG or LMA, MN moves),
captures every link and judges the requirement IDs it declares. Cases run side by side, each in
its own isolated topology. A report (index.html, junit.xml, results.json) is written at the end.

options:
  --iut NAME|FILE      pmipd (default), or a YAML file giving lma:/mag: adapter specs
  --topology FILE      run every case on this topology instead of its own (same node ids)
  --cases GLOB         only cases whose name or path matches (repeatable), e.g. 'lma-*' 'handover/*'
  --quirk NAME         run the IUT with this deliberate deviation (repeatable; pmipd --list-quirks)
  --jobs N             cases run side by side (default 3)
  --report DIR         where the report goes (default reports/run-<timestamp>)
  --baseline FILE      expected results (default baselines/<iut>.yaml when it exists)
  --update-baseline    write this run's verdicts to the baseline file instead of comparing
  --list               list the cases and the requirement IDs each judges, then exit
  -h, --help           this text

exit status: 0 when every verdict matches the baseline (without a baseline: no MUST or MUST NOT
requirement FAILs); 1 otherwise; 2 on a usage error.
`;

const OPTIONS = {
  iut: { type: 'string' }, topology: { type: 'string' }, cases: { type: 'string', multiple: true },
  quirk: { type: 'string', multiple: true }, jobs: { type: 'string' }, report: { type: 'string' },
  baseline: { type: 'string' }, 'update-baseline': { type: 'boolean' }, list: { type: 'boolean' },
} as const;

function stamp(d: Date): string {
  return d.toISOString().replace(/[-:]/g, '').replace(/\..*$/, 'Z');
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

function counts(r: CaseResult | undefined): string {
  const v = r?.verdicts ?? [];
  const n = (k: string) => v.filter((x) => x.verdict === k).length;
  return `${String(n('PASS')).padStart(3)} PASS ${String(n('FAIL')).padStart(2)} FAIL ${String(n('INCONCLUSIVE')).padStart(2)} INCONCL ${String(n('NOT-APPLICABLE')).padStart(2)} N/A`;
}

/** A CaseResult for a case that produced none (it crashed before judging). */
function failedCase(o: CaseOutcome): CaseResult {
  const d = o.case.def;
  return {
    name: d.name, purpose: d.purpose, rfcSections: d.rfc, requirementIds: d.requirements,
    steps: [{ description: `the case did not complete: ${o.error ?? 'unknown error'}` }],
    verdicts: [], captures: [], logs: [{ node: 'case', path: o.log }], timings: {},
  };
}

function listCases(cases: SuiteCase[]): string {
  const w = Math.max(...cases.map((c) => c.def.name.length));
  return cases.map((c) => `${c.def.name.padEnd(w)}  ${c.path}\n${' '.repeat(w + 2)}${c.def.purpose}\n${' '.repeat(w + 2)}${c.def.requirements.join(' ')}`).join('\n\n') + '\n';
}

function table(outcomes: ReadonlyMap<string, RequirementOutcome>, baseline: Baseline | undefined): string {
  const rows = [...outcomes.values()];
  const w = Math.max(12, ...rows.map((r) => r.id.length));
  return rows.map((o) => {
    const level = findRequirement(o.id)?.level ?? '';
    const exp = baseline?.requirements.get(o.id);
    const note = exp !== undefined && exp.verdict === o.verdict ? ' [baseline]' : o.knownDeviation !== undefined ? ' [known deviation]' : '';
    return `${o.id.padEnd(w)} ${o.verdict.padEnd(14)} ${level.padEnd(10)} ${o.message}${note}`;
  }).join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const args = parseCommandArgs(argv, OPTIONS, HELP);
  if (!args) return 0;
  const v = args.values;
  if (args.positionals.length > 0) throw new UsageError(`unexpected argument '${args.positionals[0]}'`, HELP);
  const jobs = v.jobs === undefined ? 3 : Number(v.jobs);
  if (!Number.isInteger(jobs) || jobs < 1) throw new UsageError(`--jobs wants a positive integer, not '${v.jobs}'`, HELP);
  const iut = v.iut ?? 'pmipd';
  let profile;
  try { profile = loadProfile(iut); } catch (err) { throw new UsageError((err as Error).message, HELP); }
  const quirks = v.quirk ?? [];
  for (const q of quirks) {
    try { profile.quirkRole(q); } catch (err) { if (err instanceof UnknownQuirk) throw new UsageError(err.message, HELP); throw err; }
  }
  if (v.topology !== undefined && !existsSync(v.topology)) throw new UsageError(`no topology file ${v.topology}`, HELP);

  const all = await discoverCases();
  const cases = selectCases(all, v.cases ?? []);
  if (v.list) { process.stdout.write(listCases(cases)); return 0; }
  if (cases.length === 0) {
    throw new UsageError(all.length === 0 ? 'no cases found under dist/cases (build first: npm run build)'
      : `no case matches ${(v.cases ?? []).join(' ')} (cases: ${all.map((c) => c.def.name).join(', ')})`, HELP);
  }

  const baselineFile = v.baseline ?? join('baselines', `${profile.name.replace(/[^a-z0-9_.-]/gi, '_')}.yaml`);
  let baseline: Baseline | undefined;
  if (existsSync(baselineFile)) baseline = await loadBaseline(baselineFile);
  else if (v.baseline !== undefined && !v['update-baseline']) throw new UsageError(`no baseline file ${v.baseline}`, HELP);

  const started = new Date();
  const reportDir = resolve(v.report ?? join('reports', `run-${stamp(started)}`));
  const what = `${profile.name}${quirks.length > 0 ? ` with quirk ${quirks.join(', ')}` : ''}`;
  process.stdout.write(`conformance suite against ${what}: ${cases.length} case(s), ${jobs} at a time; output in ${relative(process.cwd(), reportDir) || '.'}\n`);
  const width = Math.max(...cases.map((c) => c.def.name.length));
  const tag = (i: number, n: number) => `[${String(i).padStart(String(n).length)}/${n}]`;
  const outcomes = await runSuite({
    runs: cases.map((c) => ({ case: c, quirks })), iut, jobs, outDir: reportDir, ...(v.topology !== undefined ? { topology: v.topology } : {}),
    onEvent: (e) => {
      if (e.kind === 'start') {
        process.stdout.write(`${tag(e.index, e.total)} start  ${e.label}\n`);
        return;
      }
      const o = e.outcome;
      const r = o.output?.result;
      const err = o.error ?? o.output?.error;
      process.stdout.write(`${tag(e.index, e.total)} done   ${e.label.padEnd(width)}  ${counts(r)}  ${seconds(o.elapsedMs).padStart(7)}${err ? `\n        ${err.split('\n').join('\n        ')}` : ''}\n`);
    },
  });
  const finished = new Date();

  const results = outcomes.map((o) => o.output?.result ?? failedCase(o));
  const summary = aggregate(results);
  const partial = cases.length < all.length || v.topology !== undefined;
  const changes = baseline !== undefined && !v['update-baseline'] ? compareBaseline(baseline, summary, partial) : [];
  const notes = [
    ...quirks.map((q) => `pmipd quirk ${q} (deliberate deviation)`),
    ...changes.map((c) => `${c.id}: ${c.seen}, the baseline expects ${c.expected} (${c.kind})`),
    ...outcomes.filter((o) => o.error).map((o) => `case ${o.case.def.name}: ${o.error!.split('\n')[0]}`),
  ];
  const run: RunResult = {
    run: {
      id: `run-${stamp(started)}`, started: started.toISOString(), finished: finished.toISOString(), tool: 'pmip-testbed run',
      command: `pmip-testbed run ${argv.join(' ')}`.trim(), iut: what, ...(notes.length > 0 ? { notes } : {}),
    },
    cases: results,
  };
  const written = await writeReport(reportDir, run, { copyFiles: false });

  process.stdout.write(`\n${table(summary, baseline)}\n\n`);
  const n = (k: string) => [...summary.values()].filter((o) => o.verdict === k).length;
  process.stdout.write(`${summary.size} requirements judged by ${results.length} case(s): ${n('PASS')} PASS, ${n('FAIL')} FAIL, ${n('INCONCLUSIVE')} INCONCLUSIVE, ${n('NOT-APPLICABLE')} NOT-APPLICABLE; ${seconds(finished.getTime() - started.getTime())}\n`);
  const crashed = outcomes.filter((o) => o.error !== undefined || o.output === undefined);
  let code = crashed.length > 0 ? 1 : 0;
  if (v['update-baseline']) {
    await writeBaseline(baselineFile, profile.name, summary, baseline);
    process.stdout.write(`baseline written: ${baselineFile}\n`);
  } else if (baseline !== undefined) {
    if (changes.length === 0) process.stdout.write(`verdicts match the baseline ${baselineFile}${partial ? ' (partial run: changes to or from FAIL only)' : ''}\n`);
    else {
      process.stdout.write(`${changes.length} verdict(s) differ from the baseline ${baselineFile}:\n`);
      for (const c of changes) process.stdout.write(`  ${c.id.padEnd(12)} ${c.seen.padEnd(14)} expected ${c.expected} (${c.kind}): ${c.message}\n`);
      code = 1;
    }
  } else {
    const must = mandatoryFailures(summary);
    process.stdout.write(`no baseline (${baselineFile}); ${must.length} MUST-level failure(s)\n`);
    if (must.length > 0) code = 1;
  }
  if (crashed.length > 0) process.stdout.write(`${crashed.length} case(s) did not complete: ${crashed.map((o) => o.case.def.name).join(', ')}\n`);
  process.stdout.write(`report: ${relative(process.cwd(), written.html)}\n`);
  return code;
}
