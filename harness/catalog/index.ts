// The requirement catalog in code: every row of parts C and D of the RFC 5213 conformance
// catalog, looked up by ID. The rows are generated (requirements-data.ts); this module indexes them.
import { REQUIREMENT_ROWS } from './requirements-data.js';
import { LOCAL_REQUIREMENT_ROWS } from './local-requirements.js';
import type { PrimaryLevel, Requirement } from './types.js';

export type { Observability, PrimaryLevel, Requirement, Role } from './types.js';

export const REQUIREMENTS: readonly Requirement[] = [...REQUIREMENT_ROWS, ...LOCAL_REQUIREMENT_ROWS];

const byId = new Map(REQUIREMENTS.map((r) => [r.id, r]));

/** An ID that is not in the catalog: a typo in a check or a case. */
export class UnknownRequirementError extends Error {
  override name = 'UnknownRequirementError';
  constructor(readonly id: string) { super(`requirement ${id} is not in the catalog`); }
}

export function findRequirement(id: string): Requirement | undefined {
  return byId.get(id);
}

export function requirement(id: string): Requirement {
  const r = byId.get(id);
  if (r === undefined) throw new UnknownRequirementError(id);
  return r;
}

/**
 * The RFC a requirement comes from, as a report groups them: part C is RFC 5213 (with the RFC 6275
 * rules it inherits); each subsection of part D names its companion RFC ("RFC 5846: Binding Revocation").
 */
export function rfcOf(r: Requirement): string {
  return r.part === 'C' ? 'RFC 5213: Proxy Mobile IPv6 (with the RFC 6275 rules it inherits)' : r.groupTitle;
}

/** Position of a requirement in the catalog (reports list them in this order). */
export function catalogIndex(id: string): number {
  return REQUIREMENTS.findIndex((r) => r.id === id);
}

/** Catalog subsections in order ("C.1" ... "D.5") with their titles and rows. */
export function requirementGroups(): { group: string; title: string; requirements: Requirement[] }[] {
  const groups = new Map<string, { group: string; title: string; requirements: Requirement[] }>();
  for (const r of REQUIREMENTS) {
    let g = groups.get(r.group);
    if (g === undefined) groups.set(r.group, g = { group: r.group, title: r.groupTitle, requirements: [] });
    g.requirements.push(r);
  }
  return [...groups.values()];
}

/** MUST and MUST NOT: the levels whose failure makes a run non-conformant. */
export function isMandatory(level: PrimaryLevel): boolean {
  return level === 'MUST' || level === 'MUST NOT';
}
