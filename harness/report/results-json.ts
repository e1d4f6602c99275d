// results.json: the run, one line per requirement (verdict over all cases), and the cases.
import { catalogIndex, findRequirement, rfcOf } from '../catalog/index.js';
import type { Evidence, Verdict } from '../checks/index.js';
import type { CaseResult, RunResult } from './types.js';

export interface RequirementSummary {
  id: string;
  /** The RFC it comes from (catalog/index.ts rfcOf): reports group requirements by it. */
  rfc: string;
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
          id: v.id, rfc: r !== undefined ? rfcOf(r) : 'outside the catalog', verdict: v.verdict, level: r?.level ?? '', levelText: r?.levelText ?? '', role: r?.roleText ?? '',
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
  // In catalog order, so that the requirements of one RFC stay together.
  return [...by.values()].sort((a, b) => catalogIndex(a.id) - catalogIndex(b.id));
}

/** How many IUT nodes (over all cases) used each data plane: { seg6: 22 }. */
export function dataplaneCounts(cases: readonly CaseResult[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const c of cases) for (const d of Object.values(c.dataplanes ?? {})) out[d.backend] = (out[d.backend] ?? 0) + 1;
  return out;
}

/** "seg6" when every node used one back-end, else "seg6 (20 nodes), none (2 nodes)"; '' when none said. */
export function dataplaneSummary(cases: readonly CaseResult[]): string {
  const counts = Object.entries(dataplaneCounts(cases));
  if (counts.length <= 1) return counts[0]?.[0] ?? '';
  return counts.map(([k, n]) => `${k} (${n} node${n === 1 ? '' : 's'})`).join(', ');
}

/**
 * results.json: the run (with `dataplanes`, the back-ends its IUT nodes used), a `summary`
 * (cases, errored, requirements judged), the `errors` (cases that could not run, with the cause),
 * one line per requirement, and the cases (each with `status`, its `dataplanes`, and `error`).
 */
export function resultsJson(result: RunResult): string {
  const errored = result.cases.filter((c) => c.error !== undefined);
  const requirements = requirementSummaries(result.cases);
  const count = (v: Verdict) => requirements.filter((r) => r.verdict === v).length;
  return JSON.stringify({
    run: { ...result.run, dataplanes: dataplaneCounts(result.cases) },
    summary: {
      cases: result.cases.length, errored: errored.length, skipped: result.cases.filter((c) => c.skipped !== undefined).length, requirementsJudged: requirements.length,
      verdicts: Object.fromEntries(ORDER.map((v) => [v, count(v)])),
    },
    errors: errored.map((c) => ({ case: c.name, error: c.error })),
    requirements,
    cases: result.cases.map((c) => ({ status: c.error !== undefined ? 'error' : c.skipped !== undefined ? 'skipped' : 'completed', ...c })),
    ...(result.robustness !== undefined ? { robustness: result.robustness } : {}),
  }, null, 1);
}
