// The end of a suite run, told truthfully: which cases could not run (ERRORs, listed first), how
// many requirements were judged, whether the verdicts match the baseline, and the exit status.
// A run with an errored case or without a single judged requirement fails, and "verdicts match
// the baseline" is said only when every case of the run ran.
import { firstLine } from '../error-text.js';
import type { CaseResult } from '../report/index.js';
import { aggregate, compareBaseline, mandatoryFailures, type Baseline, type BaselineChange, type RequirementOutcome } from './baseline.js';

export interface ConclusionInput {
  results: readonly CaseResult[];
  baseline?: Baseline;
  /** Not every case of the suite ran, or not on its own topology. */
  partial: boolean;
  /** --update-baseline: the caller writes the baseline when `writeBaseline` says so. */
  updating: boolean;
  baselineFile: string;
}

export interface Conclusion {
  /** Verdicts over the cases that ran. */
  summary: Map<string, RequirementOutcome>;
  errored: CaseResult[];
  changes: BaselineChange[];
  /** The lines saying which cases errored and why: printed first, in red. */
  errorLines: string[];
  /** The closing lines (after the verdict table). */
  lines: string[];
  writeBaseline: boolean;
  exitCode: number;
}

/** "2 of 11 cases errored: attach, handover" (the first line of the error block). */
export function erroredHeadline(errored: readonly CaseResult[], total: number): string {
  return `${errored.length} of ${total} case${total === 1 ? '' : 's'} errored: ${errored.map((c) => c.name).join(', ')}`;
}

export function conclude(input: ConclusionInput): Conclusion {
  const errored = input.results.filter((r) => r.error !== undefined);
  const ran = input.results.filter((r) => r.error === undefined);
  const summary = aggregate(ran);
  // INCONCLUSIVE is no judgement: a run of nothing else proves nothing.
  const decided = [...summary.values()].filter((o) => o.verdict !== 'INCONCLUSIVE').length;
  const nothing = decided === 0;
  const errorLines = errored.length === 0 ? [] : [
    erroredHeadline(errored, input.results.length),
    ...errored.map((c) => `  ${c.name}: ${firstLine(c.error!)}`),
  ];
  const lines: string[] = [];
  let code = 0;
  let changes: BaselineChange[] = [];
  let write = false;
  const b = input.baseline;
  if (input.updating) {
    if (errored.length > 0 || nothing) lines.push(`baseline not written (${input.baselineFile}): ${errored.length > 0 ? `${errored.length} case(s) did not run` : 'no requirement was judged'}`);
    else write = true;
  } else if (b !== undefined) {
    // Cases that did not run leave requirements unjudged: compare like a partial run.
    changes = compareBaseline(b, summary, input.partial || errored.length > 0);
    if (changes.length > 0) {
      lines.push(`${changes.length} verdict(s) differ from the baseline ${input.baselineFile}:`);
      for (const c of changes) lines.push(`  ${c.id.padEnd(12)} ${c.seen.padEnd(14)} expected ${c.expected} (${c.kind}): ${c.message}`);
      code = 1;
    } else if (errored.length > 0) {
      lines.push(`the baseline ${input.baselineFile} cannot be matched: ${errored.length} case(s) did not run`);
    } else if (!nothing) {
      lines.push(`verdicts match the baseline ${input.baselineFile}${input.partial ? ' (partial run: changes to or from FAIL only)' : ''}`);
    }
  } else {
    const must = mandatoryFailures(summary);
    lines.push(`no baseline (${input.baselineFile}); ${must.length} MUST-level failure(s)`);
    if (must.length > 0) code = 1;
  }
  if (nothing) lines.push(`no requirement was judged${summary.size > 0 ? ` (all ${summary.size} INCONCLUSIVE)` : ''}: the run proves nothing`);
  if (errored.length > 0) lines.push(erroredHeadline(errored, input.results.length));
  if (errored.length > 0 || nothing) code = 1;
  return { summary, errored, changes, errorLines, lines, writeBaseline: write, exitCode: code };
}
