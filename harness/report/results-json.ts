// results.json: the run, one line per requirement (verdict over all cases), and the cases.
import { findRequirement } from '../catalog/index.js';
import type { Evidence, Verdict } from '../checks/index.js';
import type { CaseResult, RunResult } from './types.js';

export interface RequirementSummary {
  id: string;
  verdict: Verdict;
  level: string;
  levelText: string;
  role: string;
  section: string;
  statement: string;
  message: string;
  knownDeviation?: string;
  evidence: (Evidence & { case: string })[];
}

const ORDER: Verdict[] = ['FAIL', 'PASS', 'INCONCLUSIVE', 'NOT-APPLICABLE'];

/** A requirement's verdict over every case: FAIL wins, then PASS, then INCONCLUSIVE. */
export function requirementSummaries(cases: readonly CaseResult[]): RequirementSummary[] {
  const by = new Map<string, RequirementSummary>();
  for (const c of cases) {
    for (const v of c.verdicts) {
      const r = findRequirement(v.id);
      let s = by.get(v.id);
      if (s === undefined) {
        s = {
          id: v.id, verdict: v.verdict, level: r?.level ?? '', levelText: r?.levelText ?? '', role: r?.roleText ?? '',
          section: r?.section ?? '', statement: r?.statement ?? '', message: v.message, evidence: [],
        };
        by.set(v.id, s);
      } else if (ORDER.indexOf(v.verdict) < ORDER.indexOf(s.verdict)) {
        s.verdict = v.verdict;
        s.message = v.message;
      }
      if (v.knownDeviation !== undefined) s.knownDeviation = v.knownDeviation;
      for (const e of v.evidence) if (s.evidence.length < 5) s.evidence.push({ ...e, case: c.name });
    }
  }
  return [...by.values()];
}

export function resultsJson(result: RunResult): string {
  return JSON.stringify({ run: result.run, requirements: requirementSummaries(result.cases), cases: result.cases }, null, 1);
}
