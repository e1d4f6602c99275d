// Verdict aggregation over the instances a check finds: FAIL if any instance fails (evidence: the
// first few failures and a count), PASS if all pass and there was at least one, otherwise
// INCONCLUSIVE (or NOT-APPLICABLE when the check says the requirement does not apply here).
import type { Evidence, LazyFrame, RequirementResult } from './types.js';

/** Failures (and passes) kept as evidence; the rest are only counted. */
export const MAX_FAILURE_EVIDENCE = 5;
export const MAX_PASS_EVIDENCE = 2;

export interface Detail {
  field?: string;
  expected?: string | number | boolean;
  seen?: string | number | boolean;
}

export class Judge {
  private passes: Evidence[] = [];
  private failures: Evidence[] = [];
  private passCount = 0;
  private failCount = 0;
  private notApplicable?: string;
  private noInstance = 'no instance of this behaviour in the trace';

  constructor(readonly id: string, readonly check: string) {}

  pass(message: string, frames: LazyFrame[] = [], detail: Detail = {}): void {
    this.passCount++;
    if (this.passes.length < MAX_PASS_EVIDENCE) this.passes.push(evidence(message, frames, detail));
  }

  fail(message: string, frames: LazyFrame[] = [], detail: Detail = {}): void {
    this.failCount++;
    if (this.failures.length < MAX_FAILURE_EVIDENCE) this.failures.push(evidence(message, frames, detail));
  }

  /** The requirement does not apply to this trace's setting (e.g. sequence-number mode). */
  na(reason: string): void {
    this.notApplicable = reason;
  }

  /** What was missing when no instance turns up. */
  inconclusiveBecause(reason: string): void {
    this.noInstance = reason;
  }

  get instances(): number {
    return this.passCount + this.failCount;
  }

  result(): RequirementResult {
    const base = { id: this.id, check: this.check, checked: this.passCount + this.failCount, failed: this.failCount };
    if (this.failCount > 0) {
      const more = this.failCount > 1 ? ` (${this.failCount} of ${this.failCount + this.passCount} instances fail)` : '';
      return { ...base, verdict: 'FAIL', message: this.failures[0]!.message + more, evidence: this.failures };
    }
    if (this.passCount > 0) {
      const msg = this.passCount === 1 ? this.passes[0]!.message : `${this.passCount} instances pass; e.g. ${this.passes[0]!.message}`;
      return { ...base, verdict: 'PASS', message: msg, evidence: this.passes };
    }
    if (this.notApplicable !== undefined) return { ...base, verdict: 'NOT-APPLICABLE', message: this.notApplicable, evidence: [] };
    return { ...base, verdict: 'INCONCLUSIVE', message: this.noInstance, evidence: [] };
  }
}

function evidence(message: string, frames: LazyFrame[], d: Detail): Evidence {
  const e: Evidence = { message, frames: frames.map((f) => (typeof f === 'function' ? f() : f)) };
  if (d.field !== undefined) e.field = d.field;
  if (d.expected !== undefined) e.expected = String(d.expected);
  if (d.seen !== undefined) e.seen = String(d.seen);
  return e;
}
