// Degraded, never silent: a case whose IUT ran without a data plane (pmipd's `dataplane: none`,
// chosen by auto on a kernel with no IPv6-in-IPv6 at all, or forced) can still judge signalling,
// but no requirement whose judgement needs tunnelled user traffic or the tunnel's routing state.
// Those are INCONCLUSIVE with the reason the IUT gave, never PASS (a MAG that forwards nothing
// trivially "never forwards a link-local source") and never left out.
import type { RequirementResult } from '../checks/index.js';
import type { DataplaneUse } from '../iut/adapter.js';

/**
 * Besides the whole FWD-* family (catalog C.13), the requirements judged on tunnelled traffic or
 * on the routes into the tunnel (catalog column "observable"), each with why.
 */
const ALSO_DATA_PLANE: Record<string, string> = {
  'LMA-BCE-04': 'the LMA\'s tunnel and HNP routes',
  'LMA-BCE-06': 'downlink after a handover goes to the new MAG (tunnelled downlink)',
  'LMA-BCE-07': 'the tunnel to the old MAG is removed',
  'MAG-PBA-04': 'the MAG\'s tunnel and source routes for the HNP',
  'MAG-PBA-06': 'no uplink forwarded after a rejection (trivially true without forwarding)',
  'DEREG-05': 'routing state and tunnel removed on de-registration',
  'DEREG-09': 'downlink dropped while the BCE waits (trivially true without forwarding)',
  'HO-09': 'downlink only through the new MAG\'s tunnel',
  'HO-10': 'the MN keeps its address: judged from its traffic after the handover',
  'SEC-07': 'ESP on the tunnelled user traffic',
  'V4-09': 'IPv4-in-IPv6 user traffic',
};

export function needsDataPlane(id: string): boolean {
  return id.startsWith('FWD-') || id in ALSO_DATA_PLANE;
}

export const NO_DATAPLANE_REASON = 'pmipd ran without a data plane (dataplane: none)';

/** Why the case had no data plane ("mag1 ran without a data plane: …"), or undefined when every node had one. */
export function missingDataplane(dataplanes: Readonly<Record<string, DataplaneUse>>): string | undefined {
  const without = Object.entries(dataplanes).filter(([, d]) => d.backend === 'none');
  if (without.length === 0) return undefined;
  const whys = [...new Set(without.map(([, d]) => d.why ?? NO_DATAPLANE_REASON))];
  return `${without.map(([n]) => n).join(', ')} ran without a data plane: ${whys.join('; ')}`;
}

/**
 * `verdicts` with every data-plane requirement INCONCLUSIVE (and present, if the case declares it)
 * when a node ran without a data plane; unchanged otherwise.
 */
export function degradeWithoutDataplane(verdicts: readonly RequirementResult[], declared: readonly string[],
  dataplanes: Readonly<Record<string, DataplaneUse>>): RequirementResult[] {
  const why = missingDataplane(dataplanes);
  if (why === undefined) return [...verdicts];
  const inconclusive = (id: string, check?: string): RequirementResult => ({
    id, verdict: 'INCONCLUSIVE', message: `not judged: ${why}`, evidence: [], checked: 0, failed: 0, ...(check !== undefined ? { check } : {}),
  });
  const out = verdicts.map((v) => (needsDataPlane(v.id) ? inconclusive(v.id, v.check) : v));
  const have = new Set(out.map((v) => v.id));
  for (const id of declared) if (needsDataPlane(id) && !have.has(id)) out.push(inconclusive(id));
  return out;
}
