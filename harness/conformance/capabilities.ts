// Capability statements (in the manner of the ICS and IXIT proformas of standard conformance
// suites): per implementation, which optional features it claims and the facts a tester needs.
// capabilities/<implementation>.yaml:
//
//   implementation: pmipd
//   roles: [mag, lma]
//   features:                 # every feature of harness/conformance/features.ts, true or false
//     timestamps: true
//     heartbeat: false
//     ...
//   facts:
//     mn-identities: [nai]    # what the MN-ID option carries / what the LMA accepts
//     access-technology: 3    # ATT the MAG sends
//     timers: { pbu-lifetime-s: 40, min-delay-before-bce-delete-ms: 10000, ... }
//     notes: [...]
//
// A requirement of a feature an implementation taking part in it does not claim is judged
// NOT-APPLICABLE with that reason; mandatory requirements are judged whatever is claimed.
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findRequirement, type Role } from '../catalog/index.js';
import type { RequirementResult } from '../checks/index.js';
import { YamlReader, YamlSource } from '../yaml-located.js';
import { FEATURES, FEATURE_NAMES, featureOfRequirement, type Feature } from './features.js';

/** capabilities/ of the project (beside dist/ when compiled). */
export const CAPABILITIES_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'capabilities');

export const MN_IDENTITIES = ['nai', 'mac', 'eui64'] as const;
export type MnIdentity = (typeof MN_IDENTITIES)[number];

/** IXIT timers, with the bounds a statement may give. */
export const TIMERS = {
  'pbu-lifetime-s': [4, 65535 * 4],
  'min-delay-before-bce-delete-ms': [0, 3_600_000],
  'max-delay-before-new-bce-assign-ms': [0, 3_600_000],
  'timestamp-validity-window-ms': [0, 3_600_000],
  'initial-bindack-timeout-ms': [1, 60_000],
  'router-advertisement-interval-ms': [1, 3_600_000],
} as const satisfies Record<string, readonly [number, number]>;
export type TimerName = keyof typeof TIMERS;

export type ImplementationRole = 'mag' | 'lma';

export interface CapabilityStatement {
  implementation: string;
  /** The file it was read from. */
  file: string;
  roles: ImplementationRole[];
  features: Record<Feature, boolean>;
  facts: {
    mnIdentities: MnIdentity[];
    accessTechnology?: number;
    timers: Partial<Record<TimerName, number>>;
    notes: string[];
  };
}

/** Reads and checks a statement; a mistake is a YamlConfigError naming file, line and field. */
export function loadCapabilityStatement(file: string): CapabilityStatement {
  const y = new YamlReader(YamlSource.fromFile(file));
  y.map([], ['implementation', 'roles', 'features', 'facts']);
  const implementation = y.str(['implementation']);
  if (!/^[a-z0-9][a-z0-9-]*$/.test(implementation)) y.fail(['implementation'], `must be a lower-case name (letters, digits, -), not "${implementation}"`);
  const roles = y.strings(['roles'], true).map((r, i) => {
    if (r !== 'mag' && r !== 'lma') y.fail(['roles', i], `must be mag or lma, not "${r}"`);
    return r as ImplementationRole;
  });
  if (roles.length === 0) y.fail(['roles'], 'must name at least one role (mag, lma)');
  y.map(['features'], FEATURE_NAMES);
  const features = {} as Record<Feature, boolean>;
  for (const f of FEATURE_NAMES) {
    if (y.raw(['features', f]) === undefined) y.fail(['features', f], `is required: claim it (true) or not (false); ${FEATURES[f].title}`);
    features[f] = y.bool(['features', f], false);
  }
  y.map(['facts'], ['mn-identities', 'access-technology', 'timers', 'notes']);
  const mnIdentities = y.strings(['facts', 'mn-identities'], true).map((m, i) => {
    if (!(MN_IDENTITIES as readonly string[]).includes(m)) y.fail(['facts', 'mn-identities', i], `must be one of ${MN_IDENTITIES.join(', ')}, not "${m}"`);
    return m as MnIdentity;
  });
  const timers: Partial<Record<TimerName, number>> = {};
  if (y.map(['facts', 'timers'], Object.keys(TIMERS), false)) {
    for (const [t, [min, max]] of Object.entries(TIMERS) as [TimerName, readonly [number, number]][]) {
      if (y.raw(['facts', 'timers', t]) !== undefined) timers[t] = y.int(['facts', 'timers', t], undefined, min, max);
    }
  }
  const att = y.raw(['facts', 'access-technology']);
  return {
    implementation, file, roles, features,
    facts: {
      mnIdentities, timers, notes: y.strings(['facts', 'notes']),
      ...(att !== undefined && att !== null ? { accessTechnology: y.int(['facts', 'access-technology'], undefined, 0, 255) } : {}),
    },
  };
}

/** The statement of a known implementation (capabilities/<name>.yaml), or undefined when it has none. */
export function capabilityStatementOf(implementation: string, dir = CAPABILITIES_DIR): CapabilityStatement | undefined {
  const file = join(dir, `${implementation}.yaml`);
  if (!existsSync(file)) return undefined;
  const s = loadCapabilityStatement(file);
  if (s.implementation !== implementation) throw new Error(`${file}: implementation is "${s.implementation}", but the file is named for ${implementation}`);
  return s;
}

/** Every implementation with a statement in `dir`. */
export function knownImplementations(dir = CAPABILITIES_DIR): string[] {
  let names: string[];
  try { names = readdirSync(dir); } catch { return []; }
  return names.filter((n) => n.endsWith('.yaml')).map((n) => n.slice(0, -'.yaml'.length)).sort();
}

/** An implementation taking part in a case, in a role. */
export interface RoleClaim { role: ImplementationRole; statement: CapabilityStatement }

/**
 * NOT-APPLICABLE for the requirements of a feature that an implementation judged by them does
 * not claim. The implementations judged by a requirement are those in the roles the catalog
 * gives it (MAG, LMA or both) among the roles the case runs as IUT.
 */
export function applyCapabilities(verdicts: readonly RequirementResult[], claims: readonly RoleClaim[]): RequirementResult[] {
  return verdicts.map((v) => {
    const feature = featureOfRequirement(v.id);
    if (feature === undefined) return v;
    const reqRoles = (findRequirement(v.id)?.roles ?? []).map((r: Role) => r.toLowerCase());
    const judged = claims.filter((c) => reqRoles.includes(c.role));
    const lacking = (judged.length > 0 ? judged : claims).filter((c) => !c.statement.features[feature]);
    if (lacking.length === 0) return v;
    const who = [...new Set(lacking.map((c) => `${c.statement.implementation} (${c.role.toUpperCase()})`))].join(', ');
    return {
      id: v.id, verdict: 'NOT-APPLICABLE', checked: 0, failed: 0, evidence: [],
      message: `optional feature ${feature} (${FEATURES[feature].title}) not claimed in the capability statement of ${who}`,
    };
  });
}

/** The statement as printed in a report: the claimed and unclaimed features and the facts. */
export function describeStatement(s: CapabilityStatement): { claimed: Feature[]; notClaimed: Feature[]; facts: string[] } {
  const t = Object.entries(s.facts.timers).map(([k, v]) => `${k} ${v}`);
  return {
    claimed: FEATURE_NAMES.filter((f) => s.features[f]),
    notClaimed: FEATURE_NAMES.filter((f) => !s.features[f]),
    facts: [
      `roles ${s.roles.join(', ')}`, `MN identities ${s.facts.mnIdentities.join(', ')}`,
      ...(s.facts.accessTechnology !== undefined ? [`access technology ${s.facts.accessTechnology}`] : []),
      ...(t.length > 0 ? [`timers: ${t.join(', ')}`] : []), ...s.facts.notes,
    ],
  };
}
