// A CaseResult for a set of captures judged passively (what `analyze` reports, and what a case
// of the suite can start from).
import type { RequirementResult } from '../checks/index.js';
import type { Trace } from '../trace/index.js';
import { ladderFromTrace, ladderSize, summarizeTrace, timingsFromTrace } from './from-trace.js';
import type { CaseResult } from './types.js';

export function analysisCase(
  name: string, trace: Trace, verdicts: RequirementResult[], extra: Partial<Pick<CaseResult, 'purpose' | 'rfcSections' | 'requirementIds' | 'logs' | 'steps'>> = {},
): CaseResult {
  const c: CaseResult = {
    name,
    purpose: extra.purpose ?? 'passive analysis of captured traffic',
    rfcSections: extra.rfcSections ?? [],
    requirementIds: extra.requirementIds ?? verdicts.filter((v) => v.checked > 0).map((v) => v.id),
    verdicts,
    trace: summarizeTrace(trace),
    ladder: ladderFromTrace(trace, verdicts),
    captures: trace.points.filter((p) => p.path !== undefined).map((p) => ({ name: p.name, path: p.path! })),
    logs: extra.logs ?? [],
    timings: timingsFromTrace(trace),
  };
  if (extra.steps) c.steps = extra.steps;
  const omitted = ladderSize(trace) - c.ladder!.length;
  if (omitted > 0) c.ladderOmitted = omitted;
  return c;
}
