// Verdict aggregation over the instances a check finds: FAIL if any instance fails (evidence: the
// first few failures and a count); INCONCLUSIVE if an instance's verdict hangs on a setting nobody
// gave and the capture does not show (a default is no ground for a verdict); PASS if all pass and
// there was at least one; otherwise INCONCLUSIVE (or NOT-APPLICABLE when the check says the
// requirement does not apply here).
import type { MhFrame } from '../trace/index.js';
import { evidenceFrame } from './evidence.js';
import type { Evidence, LazyFrame, RequirementResult } from './types.js';

/**
 * A message, or what builds it: only the first few instances are kept as evidence, so a check
 * passes a function where the text costs something to build (sets, numbers) and most calls
 * never run it. The same goes for a failure's Detail.
 */
export type LazyText = string | (() => string);

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
  private undecidedOnes: Evidence[] = [];
  private passCount = 0;
  private failCount = 0;
  private undecidedCount = 0;
  private notApplicable?: string;
  private noInstance = 'no instance of this behaviour in the trace';
  /** The signalling frames the instances named, by outcome (only once trackFrames was called). */
  private named?: { pass: Set<MhFrame>; fail: Set<MhFrame> };

  constructor(readonly id: string, readonly check: string) {}

  pass(message: LazyText, frames: LazyFrame[] = [], detail: Detail | (() => Detail) = {}): void {
    this.passCount++;
    if (this.named) remember(this.named.pass, frames);
    if (this.passes.length < MAX_PASS_EVIDENCE) this.passes.push(evidence(message, frames, detail));
  }

  fail(message: LazyText, frames: LazyFrame[] = [], detail: Detail | (() => Detail) = {}): void {
    this.failCount++;
    if (this.named) remember(this.named.fail, frames);
    if (this.failures.length < MAX_FAILURE_EVIDENCE) this.failures.push(evidence(message, frames, detail));
  }

  /**
   * An instance that would pass or fail only by a defaulted setting: `reason` names the setting and
   * the option that gives it (trace/settings.ts unknownSetting). What the wire alone proves is
   * judged with pass() and fail() as ever.
   */
  undecided(reason: LazyText, frames: LazyFrame[] = [], detail: Detail | (() => Detail) = {}): void {
    this.undecidedCount++;
    if (this.undecidedOnes.length < MAX_FAILURE_EVIDENCE) this.undecidedOnes.push(evidence(reason, frames, detail));
  }

  /**
   * From now on remembers the Mobility Headers each instance names, so that another judgement of
   * the same messages (a case's live verdict) can be told apart from a new instance (judgedWith).
   */
  trackFrames(): this {
    this.named ??= { pass: new Set(), fail: new Set() };
    return this;
  }

  /** Whether a tracked instance with this outcome named the frame. */
  judgedWith(frame: MhFrame, pass: boolean): boolean {
    return (pass ? this.named?.pass : this.named?.fail)?.has(frame) ?? false;
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
    if (this.undecidedCount > 0) {
      const n = this.undecidedCount + this.passCount;
      const more = n > 1 ? ` (${this.undecidedCount} of ${n} instances${this.passCount > 0 ? `; the other ${this.passCount} pass` : ''})` : '';
      return { ...base, verdict: 'INCONCLUSIVE', message: this.undecidedOnes[0]!.message + more, evidence: this.undecidedOnes };
    }
    if (this.passCount > 0) {
      const msg = this.passCount === 1 ? this.passes[0]!.message : `${this.passCount} instances pass; e.g. ${this.passes[0]!.message}`;
      return { ...base, verdict: 'PASS', message: msg, evidence: this.passes };
    }
    if (this.notApplicable !== undefined) return { ...base, verdict: 'NOT-APPLICABLE', message: this.notApplicable, evidence: [] };
    return { ...base, verdict: 'INCONCLUSIVE', message: this.noInstance, evidence: [] };
  }
}

function remember(set: Set<MhFrame>, frames: readonly LazyFrame[]): void {
  for (const f of frames) if (typeof f === 'object' && 'mh' in f) set.add(f);
}

function evidence(message: LazyText, frames: LazyFrame[], detail: Detail | (() => Detail)): Evidence {
  const d = typeof detail === 'function' ? detail() : detail;
  const e: Evidence = { message: typeof message === 'function' ? message() : message, frames: frames.map(evidenceFrame) };
  if (d.field !== undefined) e.field = d.field;
  if (d.expected !== undefined) e.expected = String(d.expected);
  if (d.seen !== undefined) e.seen = String(d.seen);
  return e;
}
