// Verdicts over a whole run (a requirement judged by several cases gets the worst of them) and the
// expected-results file of an IUT (baselines/<iut>.yaml): its known deviations, so that CI fails
// only on a change.
//
//   iut: pmipd
//   requirements:
//     SEC-01: { verdict: FAIL, reason: "pmipd has no IPsec" }
//     MH-07: { verdict: PASS }        # unlisted requirements are expected to PASS
//     HO-06: { verdict: [FAIL, INCONCLUSIVE], reason: "..." }   # either: the race the row needs
//                                                               # happens only in one order
import { readFile, writeFile } from 'node:fs/promises';
import { parse, stringify } from 'yaml';
import { findRequirement, isMandatory, REQUIREMENTS } from '../catalog/index.js';
import type { RequirementResult, Verdict } from '../checks/index.js';
import type { CaseResult } from '../report/index.js';
import { worstVerdict } from './verdicts.js';

const VERDICTS: readonly Verdict[] = ['PASS', 'FAIL', 'INCONCLUSIVE', 'NOT-APPLICABLE'];

/** A requirement's verdict over the run, and which case said what. */
export interface RequirementOutcome {
  id: string;
  verdict: Verdict;
  message: string;
  byCase: { case: string; verdict: Verdict; message: string }[];
  knownDeviation?: string;
}

/** Verdicts of the requirements the cases declare, worst over the cases that judge each. */
export function aggregate(results: readonly CaseResult[]): Map<string, RequirementOutcome> {
  const byId = new Map<string, { case: string; r: RequirementResult }[]>();
  for (const c of results) {
    for (const r of c.verdicts) {
      if (!c.requirementIds.includes(r.id)) continue;
      let l = byId.get(r.id);
      if (l === undefined) byId.set(r.id, l = []);
      l.push({ case: c.name, r });
    }
  }
  const out = new Map<string, RequirementOutcome>();
  for (const [id, list] of byId) {
    const verdict = worstVerdict(list.map((x) => x.r.verdict));
    const decisive = list.find((x) => x.r.verdict === verdict)!;
    const o: RequirementOutcome = {
      id, verdict, message: `${decisive.case}: ${decisive.r.message}`,
      byCase: list.map((x) => ({ case: x.case, verdict: x.r.verdict, message: x.r.message })),
    };
    if (decisive.r.knownDeviation !== undefined) o.knownDeviation = decisive.r.knownDeviation;
    out.set(id, o);
  }
  return new Map([...out].sort((a, b) => catalogOrder(a[0]) - catalogOrder(b[0])));
}

const ORDER = new Map(REQUIREMENTS.map((r, i) => [r.id, i]));
export function catalogOrder(id: string): number {
  return ORDER.get(id) ?? Number.MAX_SAFE_INTEGER;
}

/**
 * `verdict` is what is expected; `also`: other verdicts that match too. Only for a row whose case
 * cannot force the circumstance it judges (a race that goes either way): the reason must say which
 * order gives which verdict.
 */
export interface BaselineEntry { verdict: Verdict; also?: readonly Verdict[]; reason?: string }

/** Whether a verdict is what the entry (absent: PASS) expects. */
export function matchesBaseline(e: BaselineEntry | undefined, seen: Verdict): boolean {
  return e === undefined ? seen === 'PASS' : e.verdict === seen || (e.also?.includes(seen) ?? false);
}

/** "FAIL" or "FAIL or INCONCLUSIVE". */
export function expectedText(e: BaselineEntry | undefined): string {
  return e === undefined ? 'PASS' : [e.verdict, ...(e.also ?? [])].join(' or ');
}

export interface Baseline {
  file: string;
  iut: string;
  requirements: Map<string, BaselineEntry>;
}

/** A baseline file that cannot be used: says where and why. */
export class BaselineError extends Error {
  override readonly name = 'BaselineError';
}

export async function loadBaseline(file: string): Promise<Baseline> {
  let doc: unknown;
  try {
    doc = parse(await readFile(file, 'utf8'));
  } catch (err) {
    throw new BaselineError(`${file}: ${(err as Error).message}`);
  }
  const d = doc as { iut?: unknown; requirements?: unknown } | null;
  if (d === null || typeof d !== 'object' || typeof d.requirements !== 'object' || d.requirements === null) {
    throw new BaselineError(`${file}: expected "iut: NAME" and "requirements: { ID: { verdict, reason } }"`);
  }
  const requirements = new Map<string, BaselineEntry>();
  for (const [id, v] of Object.entries(d.requirements as Record<string, unknown>)) {
    if (findRequirement(id) === undefined) throw new BaselineError(`${file}: ${id} is not a requirement of the catalog`);
    const e = v as { verdict?: unknown; reason?: unknown } | null;
    const listed = e !== null && typeof e === 'object' ? (Array.isArray(e.verdict) ? e.verdict as unknown[] : [e.verdict]) : [];
    if (listed.length === 0 || !listed.every((x) => VERDICTS.includes(x as Verdict)) || new Set(listed).size !== listed.length) {
      throw new BaselineError(`${file}: ${id}: verdict must be one of ${VERDICTS.join(', ')}, or a list of different ones`);
    }
    const [verdict, ...also] = listed as Verdict[];
    if (also.length > 0 && typeof e!.reason !== 'string') throw new BaselineError(`${file}: ${id}: a list of verdicts needs a reason saying when each is seen`);
    requirements.set(id, { verdict: verdict!, ...(also.length > 0 ? { also } : {}), ...(typeof e!.reason === 'string' ? { reason: e!.reason } : {}) });
  }
  return { file, iut: typeof d.iut === 'string' ? d.iut : '', requirements };
}

export interface BaselineChange {
  id: string;
  /** What the baseline expects, e.g. "PASS" or "FAIL or INCONCLUSIVE". */
  expected: string;
  seen: Verdict;
  /** regression: a new FAIL; fixed: an expected FAIL now passes; changed: any other difference. */
  kind: 'regression' | 'fixed' | 'changed';
  reason?: string;
  message: string;
}

/**
 * The requirements whose verdict differs from the baseline. `partial`: not every case ran, so a
 * requirement may be judged by fewer cases than usual; only changes to or from FAIL count then.
 */
export function compareBaseline(b: Baseline, outcomes: ReadonlyMap<string, RequirementOutcome>, partial: boolean): BaselineChange[] {
  const changes: BaselineChange[] = [];
  for (const o of outcomes.values()) {
    const e = b.requirements.get(o.id);
    if (matchesBaseline(e, o.verdict)) continue;
    const expectsFail = e?.verdict === 'FAIL' || (e?.also?.includes('FAIL') ?? false);
    const kind = o.verdict === 'FAIL' ? 'regression' : expectsFail && o.verdict === 'PASS' ? 'fixed' : 'changed';
    if (partial && kind === 'changed') continue;
    changes.push({ id: o.id, expected: expectedText(e), seen: o.verdict, kind, ...(e?.reason !== undefined ? { reason: e.reason } : {}), message: o.message });
  }
  return changes;
}

/** MUST / MUST NOT failures not declared as known deviations: what fails a run without a baseline. */
export function mandatoryFailures(outcomes: ReadonlyMap<string, RequirementOutcome>): RequirementOutcome[] {
  return [...outcomes.values()].filter((o) => o.verdict === 'FAIL' && o.knownDeviation === undefined && isMandatory(findRequirement(o.id)?.level ?? 'INFO'));
}

/** Writes the run's verdicts as the new baseline, keeping the reasons of the old one. */
export async function writeBaseline(file: string, iut: string, outcomes: ReadonlyMap<string, RequirementOutcome>, previous?: Baseline): Promise<void> {
  const requirements: Record<string, { verdict: Verdict | Verdict[]; reason?: string }> = {};
  for (const o of outcomes.values()) {
    const old = previous?.requirements.get(o.id);
    // A list of verdicts stays as it was while the run saw one of them.
    if (old?.also !== undefined && matchesBaseline(old, o.verdict)) {
      requirements[o.id] = { verdict: [old.verdict, ...old.also], ...(old.reason !== undefined ? { reason: old.reason } : {}) };
      continue;
    }
    if (o.verdict === 'PASS') continue;
    requirements[o.id] = { verdict: o.verdict, reason: old?.verdict === o.verdict && old.reason ? old.reason : o.knownDeviation ?? o.message };
  }
  const head = `# Expected results of the conformance suite for ${iut}: every requirement the suite judges is\n`
    + '# expected to PASS unless listed here with the verdict it gets and why. `pmip-testbed run` fails\n'
    + '# when a verdict differs from this file; `pmip-testbed run --update-baseline` rewrites it.\n';
  await writeFile(file, head + stringify({ iut, requirements }, { lineWidth: 0 }));
}

/**
 * The expected results of a MAG of one implementation with an LMA of another: a requirement the
 * catalog gives to the MAG only is expected as the MAG implementation's baseline says, one of the
 * LMA only as the LMA's, and one of both roles as the first of NOT-APPLICABLE (a side does not
 * claim its feature), FAIL, INCONCLUSIVE that either side expects, else PASS. A side without a baseline file expects every requirement to PASS;
 * undefined when neither side has one.
 */
const PAIR_EXPECTATION: readonly Verdict[] = ['NOT-APPLICABLE', 'FAIL', 'INCONCLUSIVE'];

export function pairBaseline(mag: Baseline | undefined, lma: Baseline | undefined, names: { mag: string; lma: string }): Baseline | undefined {
  if (mag === undefined && lma === undefined) return undefined;
  const pass: BaselineEntry = { verdict: 'PASS' };
  const requirements = new Map<string, BaselineEntry>();
  const ids = new Set([...(mag?.requirements.keys() ?? []), ...(lma?.requirements.keys() ?? [])]);
  for (const id of ids) {
    const roles = findRequirement(id)?.roles ?? ['MAG', 'LMA'];
    const sides = [
      ...(roles.includes('MAG') ? [{ who: `${names.mag} (MAG)`, e: mag?.requirements.get(id) ?? pass }] : []),
      ...(roles.includes('LMA') ? [{ who: `${names.lma} (LMA)`, e: lma?.requirements.get(id) ?? pass }] : []),
    ];
    const verdict = PAIR_EXPECTATION.find((v) => sides.some((s) => s.e.verdict === v)) ?? 'PASS';
    if (verdict === 'PASS') continue;
    const deciding = sides.filter((s) => s.e.verdict === verdict);
    const reasons = deciding.filter((s) => s.e.reason !== undefined).map((s) => `${s.who}: ${s.e.reason}`);
    const also = [...new Set(deciding.flatMap((s) => s.e.also ?? []))].filter((v) => v !== verdict);
    requirements.set(id, { verdict, ...(also.length > 0 ? { also } : {}), ...(reasons.length > 0 ? { reason: reasons.join('; ') } : {}) });
  }
  const file = [mag ? `${mag.file} (MAG)` : undefined, lma ? `${lma.file} (LMA)` : undefined].filter((x) => x !== undefined).join(' + ');
  return { file, iut: `mag=${names.mag},lma=${names.lma}`, requirements };
}
