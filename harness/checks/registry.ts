// The registry of passive checks: requirement ID -> check, and running them over a trace.
import { findRequirement, REQUIREMENTS, type Requirement } from '../catalog/index.js';
import type { Trace } from '../trace/index.js';
import type { Check } from './check.js';
import { FORWARDING_CHECKS } from './forwarding.js';
import { HEARTBEAT_CHECKS } from './heartbeat.js';
import { REVOCATION_CHECKS } from './revocation.js';
import { UPDATE_NOTIFICATION_CHECKS } from './update-notification.js';
import { GRE_CHECKS } from './gre.js';
import { DHCPV6_CHECKS } from './dhcpv6.js';
import { IPV4_CHECKS } from './ipv4.js';
import { IPV4_ACCESS_CHECKS } from './ipv4-access.js';
import { OFFLOAD_CHECKS } from './offload.js';
import { FIXED_ADDRESS_CHECKS } from './fixed-addresses.js';
import { PREFIX_WITHDRAWAL_CHECKS } from './prefix-withdrawal.js';
import { IPV4_TRANSPORT_CHECKS } from './ipv4-transport.js';
import { HOME_LINK_CHECKS } from './home-link.js';
import { Judge } from './judge.js';
import { LMA_PBA_CHECKS } from './lma-pba.js';
import { MAG_PBU_CHECKS } from './mag-pbu.js';
import { MH_CHECKS } from './mh-format.js';
import { MOBILITY_CHECKS } from './mobility.js';
import { SECURITY_CHECKS } from './security.js';
import type { RequirementResult } from './types.js';

export const CHECKS: readonly Check[] = [
  ...MH_CHECKS, ...MAG_PBU_CHECKS, ...LMA_PBA_CHECKS, ...MOBILITY_CHECKS, ...HOME_LINK_CHECKS, ...FORWARDING_CHECKS, ...SECURITY_CHECKS,
  ...HEARTBEAT_CHECKS, ...REVOCATION_CHECKS, ...UPDATE_NOTIFICATION_CHECKS,
  ...GRE_CHECKS,
  ...DHCPV6_CHECKS,
  ...IPV4_CHECKS,
  ...IPV4_ACCESS_CHECKS,
  ...OFFLOAD_CHECKS,
  ...FIXED_ADDRESS_CHECKS,
  ...PREFIX_WITHDRAWAL_CHECKS,
  ...IPV4_TRANSPORT_CHECKS,
];

const byRequirement = new Map<string, Check>();
for (const c of CHECKS) {
  for (const id of c.requirements) {
    if (findRequirement(id) === undefined) throw new Error(`check ${c.name} judges ${id}, which is not in the catalog`);
    if (byRequirement.has(id)) throw new Error(`${id} is judged by both ${byRequirement.get(id)!.name} and ${c.name}`);
    byRequirement.set(id, c);
  }
}

/** The check that judges a requirement, if any. */
export function checkFor(id: string): Check | undefined {
  return byRequirement.get(id);
}

/** Requirement IDs that have a passive check. */
export function checkedRequirements(): string[] {
  return REQUIREMENTS.filter((r) => byRequirement.has(r.id)).map((r) => r.id);
}

export interface RunChecksOptions {
  /** Only these requirement IDs (default: every requirement of the catalog). */
  only?: readonly string[];
  /** Failures expected on this platform: requirement ID -> why (kept FAIL, marked). */
  knownDeviations?: Readonly<Record<string, string>>;
  /**
   * Filled with the judge of every requirement run, tracking the frames its instances name
   * (Judge.trackFrames): a caller merging other judgements of the same messages counts them once.
   */
  judges?: Map<string, Judge>;
}

function unchecked(r: Requirement): RequirementResult {
  const o = r.observability;
  // An informational row (e.g. RA-13: the PIO lifetimes are the MAG's choice) states a freedom no
  // trace can show broken: a check of it could never fail, so none is made.
  const informational = /^Informational\b/.test(r.howToCheck);
  const why = informational ? 'informational (a freedom of the implementation, nothing to judge)'
    : o.none ? 'not observable' : o.stimulus ? 'needs a crafted stimulus (active test)' : o.state ? 'needs the IUT state' : 'no passive check yet';
  return { id: r.id, verdict: 'INCONCLUSIVE', message: `not judged from captures: ${why} (${o.text})`, evidence: [], checked: 0, failed: 0 };
}

/** Runs the checks over a trace; one result per requirement, in catalog order. */
export function runChecks(trace: Trace, opts: RunChecksOptions = {}): RequirementResult[] {
  const wanted = opts.only ? new Set(opts.only) : undefined;
  const results = new Map<string, RequirementResult>();
  for (const c of CHECKS) {
    if (wanted && !c.requirements.some((id) => wanted.has(id))) continue;
    const judges = c.requirements.map((id) => new Judge(id, c.name));
    if (opts.judges) for (const j of judges) opts.judges.set(j.id, j.trackFrames());
    c.run(trace, judges);
    for (const j of judges) results.set(j.id, j.result());
  }
  const out: RequirementResult[] = [];
  for (const r of REQUIREMENTS) {
    if (wanted && !wanted.has(r.id)) continue;
    const res = results.get(r.id) ?? unchecked(r);
    const dev = opts.knownDeviations?.[r.id];
    if (dev !== undefined && res.verdict === 'FAIL') res.knownDeviation = dev;
    out.push(res);
  }
  return out;
}
