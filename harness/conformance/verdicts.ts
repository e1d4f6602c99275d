// Verdicts a case reaches by provoking the IUT (a crafted PBU answered with the wrong status, a
// retransmission that never came), and how they join the passive checks' verdicts on the same
// requirement. A case judges live, while its steps run; the frames that prove each judgement are
// looked up in the captures afterwards, so active and passive evidence read alike in the report.
import { findRequirement, requirement } from '../catalog/index.js';
import { Judge, mhEv, type Detail, type LazyFrame, type RequirementResult, type Verdict } from '../checks/index.js';
import type { MhFrame, Trace } from '../trace/index.js';

/** A Mobility Header as the tester saw it leave or arrive; found again in the captures by these fields. */
export interface MhRef {
  src: string;
  dst: string;
  type: number;
  seq?: number;
  /** Wall clock, ms. */
  timeMs: number;
}

interface Entry { pass: boolean; message: string; refs: MhRef[]; detail: Detail }

/** The live judgements of one requirement. */
export class ActiveVerdict {
  readonly entries: Entry[] = [];
  notApplicable: string | undefined;
  constructor(readonly id: string) {
    requirement(id);
  }
  pass(message: string, refs: (MhRef | null | undefined)[] = [], detail: Detail = {}): void {
    this.entries.push({ pass: true, message, refs: refs.filter((r): r is MhRef => !!r), detail });
  }
  fail(message: string, refs: (MhRef | null | undefined)[] = [], detail: Detail = {}): void {
    this.entries.push({ pass: false, message, refs: refs.filter((r): r is MhRef => !!r), detail });
  }
  /** pass or fail on `ok`. */
  expect(ok: boolean, message: { pass: string; fail: string }, refs: (MhRef | null | undefined)[] = [], detail: Detail = {}): boolean {
    if (ok) this.pass(message.pass, refs); else this.fail(message.fail, refs, detail);
    return ok;
  }
  na(reason: string): void {
    this.notApplicable = reason;
  }
}

/** Where the tester's message went through the captures: its first sighting. */
export function findMh(t: Trace, r: MhRef): MhFrame | undefined {
  let best: MhFrame | undefined;
  for (const f of t.mh) {
    if (f.duplicateOf !== undefined || f.src !== r.src || f.dst !== r.dst || f.mh.type !== r.type) continue;
    if (r.seq !== undefined && (f.mh as { seq?: number }).seq !== r.seq) continue;
    if (best === undefined || Math.abs(f.ref.time * 1000 - r.timeMs) < Math.abs(best.ref.time * 1000 - r.timeMs)) best = f;
  }
  return best !== undefined && Math.abs(best.ref.time * 1000 - r.timeMs) < 5000 ? best : undefined;
}

/**
 * The active judgements as RequirementResults, with frames from the trace as evidence. An entry
 * whose last message (the reply it judges) a passive judge of `passive` already judged the same
 * way is one instance seen from both sides: left to the passive judge, so it counts once.
 */
export function resolveActive(t: Trace, verdicts: Iterable<ActiveVerdict>, checkName: string, passive?: ReadonlyMap<string, Judge>): RequirementResult[] {
  const out: RequirementResult[] = [];
  for (const v of verdicts) {
    const j = new Judge(v.id, checkName);
    const other = passive?.get(v.id);
    for (const e of v.entries) {
      const found = e.refs.flatMap((r) => findMh(t, r) ?? []);
      const last = found[found.length - 1];
      if (last !== undefined && other?.judgedWith(last, e.pass)) continue;
      const frames: LazyFrame[] = found.map((f) => mhEv(t, f));
      if (e.pass) j.pass(e.message, frames, e.detail); else j.fail(e.message, frames, e.detail);
    }
    // Every entry left to the passive judge: nothing of the case's own to add.
    if (j.instances === 0 && v.entries.length > 0 && v.notApplicable === undefined) continue;
    if (v.notApplicable !== undefined) j.na(v.notApplicable);
    else j.inconclusiveBecause('the case did not reach the step that judges it');
    out.push(j.result());
  }
  return out;
}

const RANK: Record<Verdict, number> = { FAIL: 3, PASS: 2, 'NOT-APPLICABLE': 1, INCONCLUSIVE: 0 };

/** Two judgements of one requirement as one: a failure anywhere fails it; evidence of both sides kept. */
export function mergeResults(a: RequirementResult, b: RequirementResult | undefined): RequirementResult {
  if (b === undefined) return a;
  const [win, lose] = RANK[b.verdict] > RANK[a.verdict] ? [b, a] : [a, b];
  const evidence = win.verdict === 'FAIL' && lose.verdict === 'FAIL' ? [...win.evidence, ...lose.evidence] : win.evidence;
  const checks = [a.check, b.check].filter((c): c is string => c !== undefined);
  const merged: RequirementResult = {
    id: a.id, verdict: win.verdict, message: win.message, evidence,
    checked: (a.check ? a.checked : 0) + (b.check ? b.checked : 0), failed: a.failed + b.failed,
  };
  if (checks.length > 0) merged.check = [...new Set(checks)].join(' + ');
  const dev = a.knownDeviation ?? b.knownDeviation;
  if (dev !== undefined && merged.verdict === 'FAIL') merged.knownDeviation = dev;
  return merged;
}

/** The verdict a requirement gets over several cases: the worst (FAIL over PASS over N/A over INCONCLUSIVE). */
export function worstVerdict(vs: readonly Verdict[]): Verdict {
  let w: Verdict = 'INCONCLUSIVE';
  for (const v of vs) if (RANK[v] > RANK[w]) w = v;
  return w;
}

export function isKnownRequirement(id: string): boolean {
  return findRequirement(id) !== undefined;
}
