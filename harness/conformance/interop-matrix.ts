// The MAG x LMA interoperability matrix, from the runs of its cells (each a normal `run` of one
// pair, with its own report): per cell the verdict of each case and the count of FAILs, and per
// implementation its requirement verdicts judged across every pair it took part in, a MAG-side
// requirement in the pairs where it was the MAG, an LMA-side one where it was the LMA.
import { findRequirement } from '../catalog/index.js';
import type { Verdict } from '../checks/index.js';
import { firstLine } from '../error-text.js';
import type { CaseResult, RunMeta } from '../report/index.js';
import { relative } from 'node:path';
import { catalogOrder } from './baseline.js';
import { capabilityStatementOf, describeStatement } from './capabilities.js';
import { worstVerdict } from './verdicts.js';
import type { IutRole } from './profile.js';

/** What a cell's run left: its results.json, or why there is none. */
export interface CellRun {
  mag: string;
  lma: string;
  /** The pair's own report directory, relative to the matrix report. */
  dir: string;
  elapsedMs: number;
  /** The `run`'s exit status (null: it did not run). */
  exitCode: number | null;
  result?: { run: RunMeta; cases: CaseResult[] };
  /** Why the cell could not run at all (an adapter not registered, the run crashed). */
  error?: string;
}

export type CaseCellVerdict = Verdict | 'ERROR';

export interface MatrixCell {
  mag: string;
  lma: string;
  /** error: the cell or one of its cases could not run; skipped: it needs the VM (run with --vm). */
  status: 'completed' | 'error' | 'skipped';
  /** One line: why it errored or was skipped. */
  cause?: string;
  elapsedMs: number;
  /** The pair's full report (index.html), relative to the matrix report; absent when the cell wrote none. */
  report?: string;
  cases: { name: string; verdict: CaseCellVerdict; index: number; error?: string }[];
  /** Requirements that FAIL in the cell (over its cases). */
  fails: number;
  baseline?: { file: string; changes: { id: string; expected: string; seen: Verdict; kind: string }[] };
}

export interface ImplementationEntry {
  pair: string;
  role: 'MAG' | 'LMA';
  case: string;
  verdict: Verdict;
  message: string;
  /** The case's section of the pair's report, where the evidence is. */
  link: string;
}

export interface ImplementationRequirement {
  id: string;
  level: string;
  section: string;
  statement: string;
  verdict: Verdict;
  entries: ImplementationEntry[];
}

export interface ImplementationPage {
  implementation: string;
  /** Its capability statement, as the run reports print it. */
  statement?: StatementSummary;
  /** Pairs it took part in ("mag=a,lma=b"), and those of them that errored. */
  pairs: string[];
  errored: string[];
  requirements: ImplementationRequirement[];
}

export type StatementSummary = ReturnType<typeof describeStatement> & { file: string };

/** What the report prints of an implementation's capability statement, if it has one. */
export function statementSummary(implementation: string): StatementSummary | undefined {
  const s = capabilityStatementOf(implementation);
  return s === undefined ? undefined : { file: relative(process.cwd(), s.file), ...describeStatement(s) };
}

export interface Matrix {
  mags: string[];
  lmas: string[];
  /** The cases every cell runs, in column order. */
  cases: string[];
  cells: MatrixCell[];
  implementations: ImplementationPage[];
}

/** The matrix's short name of a case: its column head. */
export const CASE_COLUMNS: Record<string, string> = { attach: 'attach', 'data-plane': 'traffic', handover: 'handover', 'refresh-detach': 'detach' };

export function pairName(mag: string, lma: string): string {
  return `mag=${mag},lma=${lma}`;
}

/** A case's verdict in a cell: FAIL if any of its requirements fails, else PASS if one passes, else the best of the rest. */
function caseVerdict(c: CaseResult): CaseCellVerdict {
  if (c.error !== undefined) return 'ERROR';
  const vs = c.verdicts.filter((v) => c.requirementIds.includes(v.id)).map((v) => v.verdict);
  for (const v of ['FAIL', 'PASS', 'NOT-APPLICABLE'] as const) if (vs.includes(v)) return v;
  return 'INCONCLUSIVE';
}

const MISSING_FEATURE = /kernel lacks (\S+)/;

export function matrixCell(r: CellRun, cases: readonly string[]): MatrixCell {
  const base = { mag: r.mag, lma: r.lma, elapsedMs: r.elapsedMs };
  const res = r.result;
  if (res === undefined) {
    return { ...base, status: 'error', cause: firstLine(r.error ?? `the run wrote no results.json (exit status ${r.exitCode})`), cases: cases.map((name) => ({ name, verdict: 'ERROR', index: -1 })), fails: 0 };
  }
  const report = `${r.dir}/index.html`;
  const cells = cases.map((name) => {
    const index = res.cases.findIndex((c) => c.name === name);
    const c = res.cases[index];
    if (c === undefined) return { name, verdict: 'ERROR' as const, index, error: 'the run did not run this case' };
    return { name, verdict: caseVerdict(c), index, ...(c.error !== undefined ? { error: firstLine(c.error) } : {}) };
  });
  const failing = new Set(res.cases.flatMap((c) => c.verdicts.filter((v) => v.verdict === 'FAIL' && c.requirementIds.includes(v.id)).map((v) => v.id)));
  const errored = cells.filter((c) => c.verdict === 'ERROR');
  const missing = errored.map((c) => MISSING_FEATURE.exec(c.error ?? '')?.[1]);
  let status: MatrixCell['status'] = 'completed';
  let cause: string | undefined;
  if (errored.length > 0 && missing.every((m) => m !== undefined)) {
    status = 'skipped';
    cause = `needs ${[...new Set(missing)].join(', ')}, which this kernel lacks: run it with --vm`;
  } else if (errored.length > 0) {
    status = 'error';
    cause = `${errored[0]!.name}: ${errored[0]!.error}`;
  } else if (r.error !== undefined) {
    status = 'error';
    cause = firstLine(r.error);
  }
  return {
    ...base, report, status, ...(cause !== undefined ? { cause } : {}), cases: cells, fails: failing.size,
    ...(res.run.baseline !== undefined ? { baseline: res.run.baseline } : {}),
  };
}

/**
 * The requirement verdicts of each implementation over the pairs it took part in. `caseRoles`:
 * the roles each case runs as IUT (a requirement judges the implementation in the roles the
 * catalog gives it, among those).
 */
export function implementationPages(runs: readonly CellRun[], caseRoles: Readonly<Record<string, readonly IutRole[]>>): ImplementationPage[] {
  const names = [...new Set(runs.flatMap((r) => [r.mag, r.lma]))];
  return names.map((impl) => {
    const byId = new Map<string, ImplementationEntry[]>();
    const pairs: string[] = [], errored: string[] = [];
    for (const r of runs) {
      const roles = [...(r.mag === impl ? ['MAG' as const] : []), ...(r.lma === impl ? ['LMA' as const] : [])];
      if (roles.length === 0) continue;
      const pair = pairName(r.mag, r.lma);
      pairs.push(pair);
      if (r.result === undefined || r.result.cases.some((c) => c.error !== undefined)) errored.push(pair);
      for (const [index, c] of (r.result?.cases ?? []).entries()) {
        if (c.error !== undefined) continue;
        const inCase = (caseRoles[c.name] ?? ['mag', 'lma']).map((x) => x.toUpperCase());
        for (const v of c.verdicts) {
          if (!c.requirementIds.includes(v.id)) continue;
          const reqRoles = findRequirement(v.id)?.roles ?? [];
          for (const role of roles) {
            if (!reqRoles.includes(role) || !inCase.includes(role)) continue;
            let l = byId.get(v.id);
            if (l === undefined) byId.set(v.id, l = []);
            l.push({ pair, role, case: c.name, verdict: v.verdict, message: v.message, link: `${r.dir}/index.html#case-${index}` });
          }
        }
      }
    }
    const requirements = [...byId.entries()].sort((a, b) => catalogOrder(a[0]) - catalogOrder(b[0])).map(([id, entries]) => {
      const q = findRequirement(id);
      return { id, level: q?.levelText ?? '', section: q?.section ?? '', statement: q?.statement ?? '', verdict: worstVerdict(entries.map((e) => e.verdict)), entries };
    });
    const statement = statementSummary(impl);
    return { implementation: impl, ...(statement !== undefined ? { statement } : {}), pairs, errored, requirements };
  });
}

export function buildMatrix(runs: readonly CellRun[], mags: string[], lmas: string[], cases: string[], caseRoles: Readonly<Record<string, readonly IutRole[]>>): Matrix {
  return { mags, lmas, cases, cells: runs.map((r) => matrixCell(r, cases)), implementations: implementationPages(runs, caseRoles) };
}

/** The exit status of a matrix: 1 when a cell errored or was skipped, or a verdict differs from its baseline. */
export function matrixExitCode(m: Matrix): number {
  return m.cells.some((c) => c.status !== 'completed' || (c.baseline?.changes.length ?? 0) > 0) ? 1 : 0;
}
