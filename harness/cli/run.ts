// `pmip-testbed run`: the conformance suite against an implementation, with a report at the end.
import { existsSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { findRequirement } from '../catalog/index.js';
import { parseCommandArgs, UsageError } from './args.js';
import { loadBaseline, matchesBaseline, pairBaseline, writeBaseline, type Baseline, type RequirementOutcome } from '../conformance/baseline.js';
import { describeStatement } from '../conformance/capabilities.js';
import { conclude } from '../conformance/conclusion.js';
import { domainProfile, IutSelectionError, loadProfile, parseIutSelection, UnknownQuirk, type IutProfile } from '../conformance/profile.js';
import { caseError, caseResultOf, discoverCases, runSuite, selectCases, type SuiteCase } from '../conformance/suite.js';
import { firstLine } from '../error-text.js';
import { DATAPLANE_CHOICES, type DataplaneChoice } from '../iut/adapter.js';
import type { CaseResult, RunResult } from '../report/index.js';
import { dataplaneSummary, writeReport } from '../report/index.js';
import { kernelDescription, vmDescription } from '../vm/guest.js';

/** `run --vm`: the same run, in a VM; the guest's run writes the report and the VM copies it back. */
async function runInVmExitStatus(runArgv: string[]): Promise<number> {
  return (await import('./vm.js')).subcommandInVm('run', runArgv);
}

const HELP = `usage: pmip-testbed run [--iut NAME|mag=NAME,lma=NAME|FILE] [--topology FILE] [--cases GLOB]... [--quirk NAME]... [options]

Runs the PMIPv6 conformance suite (cases/) against an implementation under test: each case builds
its topology, starts the IUT on its LMA and/or MAGs, provokes it (emulated MAG or LMA, MN moves),
captures every link and judges the requirement IDs it declares. Cases run side by side, each in
its own isolated topology. A report (index.html, junit.xml, results.json) is written at the end.

options:
  --iut NAME           the implementation in both roles: pmipd (default), oai-pmipv6, opmip
                       (every one with a capability statement in capabilities/)
  --iut mag=NAME,lma=NAME
                       a MAG of one implementation with an LMA of another (a role left out
                       runs pmipd); each role gets the case's timers and MNs through its own
                       adapter. An implementation whose adapter is not registered makes each
                       case an ERROR saying so
  --iut FILE           a YAML file (*.yaml) giving lma:/mag: adapter specs
  --topology FILE      run every case on this topology instead of its own (same node ids)
  --cases GLOB         only cases whose name or path matches (repeatable), e.g. 'lma-*' 'handover/*'
  --quirk NAME         run the IUT with this deliberate deviation (repeatable; pmipd --list-quirks)
  --dataplane KIND     the data plane of every pmipd node: auto (default: ip6tnl, then seg6,
                       then tun, else none), ip6tnl, seg6, tun or none. It wins over a
                       'dataplane:' in the pmipd options of an --iut file. A back-end the kernel
                       lacks makes every case an ERROR naming it. With none, every data-plane
                       requirement (FWD-*, ...) is INCONCLUSIVE. The report shows what each node used.
  --jobs N             cases run side by side (default 3)
  --report DIR         where the report goes (default reports/run-<timestamp>)
  --baseline FILE      expected results (default baselines/<iut>.yaml when it exists; for a
                       mixed pair, MAG-only requirements as baselines/<mag>.yaml expects,
                       LMA-only ones as baselines/<lma>.yaml, both-role ones as either side's
                       NOT-APPLICABLE, FAIL or INCONCLUSIVE, in that order, else PASS)
  --update-baseline    write this run's verdicts to the baseline file instead of comparing
                       (one implementation, or a mixed pair with --baseline FILE)
  --list               list the cases and the requirement IDs each judges, then exit
  --vm                 run the suite inside a throwaway VM booting Debian's stock kernel (as
                       \`pmip-testbed vm -- pmip-testbed run ...\`; see pmip-testbed vm --help);
                       the report lands here all the same, its header naming the kernel and VM
  -h, --help           this text

Requirements of an optional feature (timestamps, heartbeat, IPsec, ...) that the capability
statement (capabilities/<implementation>.yaml) of an implementation they judge does not claim are
NOT-APPLICABLE, with that reason; the report prints the statements the run used.

A case that could not run (the testbed or an IUT did not start, the case crashed) is an ERROR:
listed first with its cause, in the report and junit.xml too.

exit status: 0 when every case ran, at least one requirement was judged, and every verdict
matches the baseline (without a baseline: no MUST or MUST NOT requirement FAILs); 1 otherwise;
2 on a usage error.
`;

const OPTIONS = {
  iut: { type: 'string' }, topology: { type: 'string' }, cases: { type: 'string', multiple: true },
  quirk: { type: 'string', multiple: true }, jobs: { type: 'string' }, report: { type: 'string' }, dataplane: { type: 'string' },
  baseline: { type: 'string' }, 'update-baseline': { type: 'boolean' }, list: { type: 'boolean' },
  vm: { type: 'boolean' },
} as const;

/** 20261206T010203Z: the time part of a report directory's name. */
export function stamp(d: Date): string {
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

/** Red on a terminal (and not under NO_COLOR). */
export function red(text: string): string {
  return process.stdout.isTTY && !process.env.NO_COLOR ? `\x1b[31m${text}\x1b[0m` : text;
}

/** "  [seg6]" or "  [lma1 seg6, mag1 none]": the data planes of a case's nodes, for its progress line. */
function dataplaneText(r: CaseResult | undefined): string {
  const d = Object.entries(r?.dataplanes ?? {});
  if (d.length === 0) return '';
  const kinds = [...new Set(d.map(([, x]) => x.backend))];
  return kinds.length === 1 ? `  [${kinds[0]}]` : `  [${d.map(([n, x]) => `${n} ${x.backend}`).join(', ')}]`;
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
    const note = exp !== undefined && matchesBaseline(exp, o.verdict) ? ' [baseline]' : o.knownDeviation !== undefined ? ' [known deviation]' : '';
    return `${o.id.padEnd(w)} ${o.verdict.padEnd(14)} ${level.padEnd(10)} ${o.message}${note}`;
  }).join('\n');
}

/** The capability statements of the run's implementations, by role, for the report. */
function capabilitiesMeta(profile: IutProfile): NonNullable<RunResult['run']['capabilities']> {
  return Object.entries(profile.claims?.() ?? {}).map(([role, s]) => ({ role, implementation: s.implementation, file: relative(process.cwd(), s.file), ...describeStatement(s) }));
}

export async function main(argv: string[]): Promise<number> {
  const args = parseCommandArgs(argv, OPTIONS, HELP);
  if (!args) return 0;
  const v = args.values;
  if (v.vm) {
    const { prebuildSelection } = await import('../iut/prebuild.js');
    try { await prebuildSelection(v.iut ?? 'pmipd', (l) => process.stderr.write(`run: ${l}\n`)); } catch (err) { if (err instanceof IutSelectionError) throw new UsageError(err.message, HELP); throw err; }
    return runInVmExitStatus(argv.filter((a) => a !== '--vm'));
  }
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
  if (v.dataplane !== undefined && !(DATAPLANE_CHOICES as readonly string[]).includes(v.dataplane)) {
    throw new UsageError(`--dataplane wants one of ${DATAPLANE_CHOICES.join(', ')}, not '${v.dataplane}'`, HELP);
  }
  const dataplane = v.dataplane as DataplaneChoice | undefined;

  const all = await discoverCases();
  const cases = selectCases(all, v.cases ?? []);
  if (v.list) { process.stdout.write(listCases(cases)); return 0; }
  if (cases.length === 0) {
    throw new UsageError(all.length === 0 ? 'no cases found under dist/cases (build first: npm run build)'
      : `no case matches ${(v.cases ?? []).join(' ')} (cases: ${all.map((c) => c.def.name).join(', ')})`, HELP);
  }

  const sel = parseIutSelection(iut);
  const pair = 'mag' in sel && sel.mag !== sel.lma ? sel : undefined;
  if (pair !== undefined && v['update-baseline'] && v.baseline === undefined) {
    throw new UsageError('--update-baseline of a mixed pair needs --baseline FILE (each implementation\'s own baseline comes from its own runs)', HELP);
  }
  const fileOf = (name: string) => join('baselines', `${name.replace(/[^a-z0-9_.-]/gi, '_')}.yaml`);
  let baselineFile = v.baseline ?? fileOf(profile.name);
  let baseline: Baseline | undefined;
  if (pair !== undefined && v.baseline === undefined) {
    const side = async (name: string) => existsSync(fileOf(name)) ? loadBaseline(fileOf(name)) : undefined;
    baseline = pairBaseline(await side(pair.mag), await side(pair.lma), pair);
    baselineFile = baseline?.file ?? `${fileOf(pair.mag)} + ${fileOf(pair.lma)}`;
  } else if (existsSync(baselineFile)) baseline = await loadBaseline(baselineFile);
  else if (v.baseline !== undefined && !v['update-baseline']) throw new UsageError(`no baseline file ${v.baseline}`, HELP);

  const started = new Date();
  const reportDir = resolve(v.report ?? join('reports', `run-${stamp(started)}`));
  const what = `${profile.name}${quirks.length > 0 ? ` with quirk ${quirks.join(', ')}` : ''}${dataplane !== undefined ? ` (data plane ${dataplane})` : ''}`;
  process.stdout.write(`conformance suite against ${what}: ${cases.length} case(s), ${jobs} at a time; output in ${relative(process.cwd(), reportDir) || '.'}\n`);
  const width = Math.max(...cases.map((c) => c.def.name.length));
  const tag = (i: number, n: number) => `[${String(i).padStart(String(n).length)}/${n}]`;
  const outcomes = await runSuite({
    runs: cases.map((c) => ({ case: c, quirks })), iut, jobs, outDir: reportDir, ...(v.topology !== undefined ? { topology: v.topology } : {}),
    ...(dataplane !== undefined ? { dataplane } : {}),
    onEvent: (e) => {
      if (e.kind === 'start') {
        process.stdout.write(`${tag(e.index, e.total)} start  ${e.label}\n`);
        return;
      }
      const o = e.outcome;
      const r = o.output?.result;
      const fatal = caseError(o);
      if (fatal !== undefined) {
        const tail = fatal.split('\n').slice(1);
        process.stdout.write(`${tag(e.index, e.total)} ${red('ERROR')}  ${e.label.padEnd(width)}  ${red(firstLine(fatal))}  ${seconds(o.elapsedMs).padStart(7)}\n${tail.map((l) => `        ${l}\n`).join('')}`);
        return;
      }
      if (r?.skipped !== undefined) {
        process.stdout.write(`${tag(e.index, e.total)} skip   ${e.label.padEnd(width)}  SKIPPED: ${r.skipped}  ${seconds(o.elapsedMs).padStart(7)}\n`);
        return;
      }
      const err = o.output?.error;
      process.stdout.write(`${tag(e.index, e.total)} done   ${e.label.padEnd(width)}  ${counts(r)}  ${seconds(o.elapsedMs).padStart(7)}${dataplaneText(r)}${err ? `\n        ${err.split('\n').join('\n        ')}` : ''}\n`);
    },
  });
  const finished = new Date();

  const results = outcomes.map(caseResultOf);
  const partial = cases.length < all.length || v.topology !== undefined;
  const end = conclude({ results, ...(baseline !== undefined ? { baseline } : {}), partial, updating: v['update-baseline'] === true, baselineFile });
  const { summary, changes } = end;
  const vm = vmDescription();
  const notes = [
    ...domainProfile(vm !== undefined).notes,
    ...quirks.map((q) => `pmipd quirk ${q} (deliberate deviation)`),
    ...changes.map((c) => `${c.id}: ${c.seen}, the baseline expects ${c.expected} (${c.kind})`),
  ];
  const run: RunResult = {
    run: {
      id: `run-${stamp(started)}`, started: started.toISOString(), finished: finished.toISOString(), tool: 'pmip-testbed run',
      command: `pmip-testbed run ${argv.join(' ')}`.trim(), iut: what, ...(dataplane !== undefined ? { dataplane } : {}),
      kernel: kernelDescription(), ...(vm !== undefined ? { vm } : {}), ...(notes.length > 0 ? { notes } : {}),
      capabilities: capabilitiesMeta(profile),
      ...(baseline !== undefined ? { baseline: { file: baselineFile, changes: changes.map((c) => ({ id: c.id, expected: c.expected, seen: c.seen, kind: c.kind })) } } : {}),
    },
    cases: results,
  };
  const written = await writeReport(reportDir, run, { copyFiles: false });

  if (end.errorLines.length > 0) process.stdout.write(`\n${end.errorLines.map(red).join('\n')}\n`);
  process.stdout.write(summary.size > 0 ? `\n${table(summary, baseline)}\n\n` : '\n');
  const n = (k: string) => [...summary.values()].filter((o) => o.verdict === k).length;
  const skipped = results.filter((r) => r.skipped !== undefined).length;
  const ran = results.length - end.errored.length - skipped;
  const planes = dataplaneSummary(results);
  process.stdout.write(`${summary.size} requirements judged by ${ran} case(s)${skipped > 0 ? ` (${skipped} skipped)` : ''}: ${n('PASS')} PASS, ${n('FAIL')} FAIL, ${n('INCONCLUSIVE')} INCONCLUSIVE, ${n('NOT-APPLICABLE')} NOT-APPLICABLE; ${seconds(finished.getTime() - started.getTime())}${planes ? `; data plane ${planes}` : ''}\n`);
  if (end.writeBaseline) {
    await writeBaseline(baselineFile, profile.name, summary, baseline);
    process.stdout.write(`baseline written: ${baselineFile}\n`);
  }
  for (const r of results) if (r.skipped !== undefined) process.stdout.write(`case ${r.name} SKIPPED: ${r.skipped}\n`);
  for (const line of end.lines) process.stdout.write(`${/errored|no requirement was judged|cannot be matched|not written/.test(line) ? red(line) : line}\n`);
  process.stdout.write(`report: ${relative(process.cwd(), written.html)}\n`);
  return end.exitCode;
}
