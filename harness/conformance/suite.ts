// The suite: every case under dist/cases (files *.case.js), each run in its own worker process,
// several side by side (each builds its own isolated topology with its own run id).
import { spawn } from 'node:child_process';
import { mkdir, open, readFile, readdir } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { caseTimeoutMs, CONFIG_ENV, listCasesOnly, registeredCases, type CaseDefinition, type CaseRunConfig } from './case.js';
import type { WorkerOutput } from './worker.js';
import type { DataplaneChoice } from '../iut/adapter.js';
import { withoutStackFrames } from '../error-text.js';
import type { CaseResult } from '../report/index.js';

const HERE = dirname(fileURLToPath(import.meta.url));
export const DIST_CASES = resolve(HERE, '..', '..', 'cases');
const WORKER = join(HERE, 'worker.js');
/** Time a worker gets beyond its case's own deadline before it is stopped. */
const WORKER_GRACE_MS = 30_000;

export interface SuiteCase {
  /** The compiled case module. */
  file: string;
  /** "attach/attach" (folder/file, without .case.js): what --cases matches. */
  path: string;
  def: CaseDefinition;
}

async function walk(dir: string): Promise<string[]> {
  let entries;
  try { entries = await readdir(dir, { withFileTypes: true }); } catch { return []; }
  const out: string[] = [];
  for (const e of entries) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...await walk(p));
    else if (e.name.endsWith('.case.js')) out.push(p);
  }
  return out.sort();
}

/** Every case of the suite, read from its module (importing a case only registers it). */
export async function discoverCases(root = DIST_CASES): Promise<SuiteCase[]> {
  const out: SuiteCase[] = [];
  listCasesOnly(true);
  try {
    for (const file of await walk(root)) {
      // A module registers once, when first imported (by this call or an earlier one).
      await import(pathToFileURL(file).href);
      for (const e of registeredCases().filter((x) => x.file === file)) out.push({ file, path: relative(root, file).replace(/\.case\.js$/, ''), def: e.def });
    }
  } finally {
    listCasesOnly(false);
  }
  const names = new Map<string, string>();
  for (const c of out) {
    const other = names.get(c.def.name);
    if (other !== undefined) throw new Error(`two cases are named "${c.def.name}": ${other} and ${c.path}`);
    names.set(c.def.name, c.path);
  }
  return out;
}

/** Shell-like glob (* ? and {a,b}) to a RegExp over a whole string. */
export function globRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const ch = glob[i]!;
    if (ch === '*') re += '.*';
    else if (ch === '?') re += '.';
    else if (ch === '{') {
      const end = glob.indexOf('}', i);
      if (end < 0) { re += '\\{'; continue; }
      re += `(?:${glob.slice(i + 1, end).split(',').map((s) => s.replace(/[.+^$()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')).join('|')})`;
      i = end;
    } else re += ch.replace(/[.+^$()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/** The cases whose name or path matches one of the globs (all when none is given). */
export function selectCases(cases: SuiteCase[], globs: string[]): SuiteCase[] {
  if (globs.length === 0) return cases;
  const res = globs.map(globRegExp);
  return cases.filter((c) => res.some((r) => r.test(c.def.name) || r.test(c.path) || r.test(`cases/${c.path}`)));
}

/** The cases that judge any of `ids`. */
export function casesJudging(cases: SuiteCase[], ids: readonly string[]): SuiteCase[] {
  return cases.filter((c) => c.def.requirements.some((id) => ids.includes(id)));
}

/** One case to run, with the quirks the IUT gets for it. */
export interface SuiteRun {
  case: SuiteCase;
  quirks?: string[];
  /** Unique in the suite run: names the case's output directory (default the case's name). */
  label?: string;
}

export interface CaseOutcome {
  case: SuiteCase;
  quirks: string[];
  label: string;
  output?: WorkerOutput;
  /** The worker crashed, timed out or wrote no result. */
  error?: string;
  elapsedMs: number;
  /** The worker's output (mocha spec reporter). */
  log: string;
  outDir: string;
}

export type SuiteEvent =
  | { kind: 'start'; run: SuiteRun; label: string; index: number; total: number }
  | { kind: 'finish'; run: SuiteRun; label: string; outcome: CaseOutcome; index: number; total: number };

export interface SuiteOptions {
  runs: SuiteRun[];
  iut: string;
  /** A topology replacing each case's own (same node ids). */
  topology?: string;
  /** Cases run side by side (default 3). */
  jobs?: number;
  /** Each case writes under outDir/cases/<name>/. */
  outDir: string;
  /** The data plane forced on every IUT node (pmipd's `dataplane:`); default: each IUT's own choice. */
  dataplane?: DataplaneChoice;
  onEvent?: (e: SuiteEvent) => void;
}

/** Workers running now: each in its own process group, so a signal to the runner is passed on. */
const workers = new Set<number>();

/** Thrown by runSuite when SIGINT or SIGTERM stopped it (the workers unwound their testbeds). */
export class SuiteInterrupted extends Error {
  override readonly name = 'SuiteInterrupted';
}

async function runOne(run: SuiteRun, o: SuiteOptions): Promise<CaseOutcome> {
  const c = run.case;
  const label = run.label ?? c.def.name;
  const quirks = run.quirks ?? [];
  const outDir = join(resolve(o.outDir), 'cases', label);
  await mkdir(outDir, { recursive: true });
  const resultFile = join(outDir, 'result.json');
  const log = join(outDir, 'case.log');
  const config: CaseRunConfig = {
    iut: o.iut, quirks, outDir, resultFile, ...(o.topology !== undefined ? { topology: resolve(o.topology) } : {}),
    ...(o.dataplane !== undefined ? { dataplane: o.dataplane } : {}),
  };
  const t0 = Date.now();
  const fd = await open(log, 'w');
  let error: string | undefined;
  try {
    const child = spawn(process.execPath, ['--enable-source-maps', WORKER, c.file], {
      env: { ...process.env, [CONFIG_ENV]: JSON.stringify(config) },
      stdio: ['ignore', fd.fd, fd.fd],
      detached: true,
    });
    if (child.pid !== undefined) workers.add(child.pid);
    const deadline = caseTimeoutMs(c.def) + WORKER_GRACE_MS;
    // The deadline is a safety net for a hung worker, not a wait for a condition.
    const timer = setTimeout(() => {
      error = `the case did not end within ${deadline} ms; stopped`;
      try { process.kill(-child.pid!, 'SIGTERM'); } catch { /* already gone */ }
      setTimeout(() => { try { process.kill(-child.pid!, 'SIGKILL'); } catch { /* gone */ } }, 5000).unref();
    }, deadline);
    const code = await new Promise<number | null>((done) => {
      child.once('exit', (exitCode, signal) => done(signal !== null ? -1 : exitCode));
      child.once('error', (err) => { error = `cannot start the worker: ${err.message}`; done(-1); });
    });
    clearTimeout(timer);
    if (child.pid !== undefined) workers.delete(child.pid);
    if (code !== 0 && code !== null && error === undefined) error = `the worker exited with code ${code}`;
  } finally {
    await fd.close();
  }
  let output: WorkerOutput | undefined;
  try {
    output = JSON.parse(await readFile(resultFile, 'utf8')) as WorkerOutput;
  } catch {
    error ??= 'the case wrote no result';
  }
  if (error !== undefined) {
    const tail = withoutStackFrames((await readFile(log, 'utf8').catch(() => '')).trim().split('\n')).slice(-6).join('\n    ');
    error += tail ? `\n    ${tail}` : '';
  }
  return { case: c, quirks, label, ...(output ? { output } : {}), ...(error !== undefined ? { error } : {}), elapsedMs: Date.now() - t0, log, outDir };
}

/** Why the case could not run (worker crash or timeout, testbed or IUT start failure), if it could not. */
export function caseError(o: CaseOutcome): string | undefined {
  return o.error ?? o.output?.result.error ?? (o.output === undefined ? 'the case wrote no result' : undefined);
}

/** The outcome's CaseResult: the case's own, or one saying why there is none; `error` set for an ERROR. */
export function caseResultOf(o: CaseOutcome): CaseResult {
  const error = caseError(o);
  const own = o.output?.result;
  if (own !== undefined) {
    if (error === undefined) return own;
    const logs = own.logs.some((l) => l.path === o.log) ? own.logs : [{ node: 'case', path: o.log }, ...own.logs];
    return { ...own, verdicts: [], logs, error };
  }
  const d = o.case.def;
  return {
    name: o.label, purpose: d.purpose, rfcSections: d.rfc, requirementIds: d.requirements,
    steps: [], verdicts: [], captures: [], logs: [{ node: 'case', path: o.log }], timings: {}, error: error!,
  };
}

/** Runs the cases, `jobs` at a time; outcomes in the order of `runs`. */
export async function runSuite(o: SuiteOptions): Promise<CaseOutcome[]> {
  const jobs = Math.max(1, o.jobs ?? 3);
  const outcomes: CaseOutcome[] = new Array(o.runs.length);
  // Longest first, so that the last lane to finish is not one that started a long case late.
  const order = o.runs.map((_, i) => i).sort((a, b) => (o.runs[b]!.case.def.durationMs ?? 0) - (o.runs[a]!.case.def.durationMs ?? 0));
  let next = 0, started = 0, finished = 0;
  const total = o.runs.length;
  let interrupted: NodeJS.Signals | undefined;
  // Workers live in their own process groups (so a timeout can stop all a case started), hence
  // a Ctrl-C reaches only the runner: pass it on, start nothing new, and let them clean up.
  const onSignal = (sig: NodeJS.Signals) => {
    interrupted = sig;
    next = order.length;
    for (const pid of workers) { try { process.kill(-pid, 'SIGTERM'); } catch { /* gone */ } }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const lane = async (): Promise<void> => {
    while (next < order.length) {
      const i = order[next++]!;
      const run = o.runs[i]!;
      const label = run.label ?? run.case.def.name;
      o.onEvent?.({ kind: 'start', run, label, index: ++started, total });
      const outcome = await runOne(run, o);
      outcomes[i] = outcome;
      o.onEvent?.({ kind: 'finish', run, label, outcome, index: ++finished, total });
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(jobs, o.runs.length) }, lane));
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  if (interrupted !== undefined) throw new SuiteInterrupted(`interrupted by ${interrupted}; the running cases cleaned up`);
  return outcomes;
}
