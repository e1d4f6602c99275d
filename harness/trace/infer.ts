// What a trace says about its own setting when nobody told: who is a MAG or an LMA, which domain
// settings are in force, what each capture point looked at. Every inferred value is marked so.
import type { DataTable } from './data-table.js';
import { DATA_TUNNELLED } from './data-table.js';
import { pushTo } from './multimap.js';
import { optionOf } from './options.js';
import { partitionPoint } from './search.js';
import { sessionPrefixes } from './sessions.js';
import { accessTechnologyOfLinkType, isWirelessLinkType } from './settings.js';
import type {
  CapturePoint, CapturePointKind, DomainSettings, FrameRef, MhFrame, NdFrame, Roles, Session, SessionEvent, SettingProvenance,
  SettingSource, TraceOptions,
} from './types.js';

/** RFC 6543 §3: the reserved MAG link-local address and MAC. */
export const RFC6543_LINK_LOCAL = 'fe80::200:5eff:fe00:5213';
export const RFC6543_MAC = '00:00:5e:00:52:13';

export const DEFAULT_SETTINGS: DomainSettings = {
  timestampMode: true,
  fixedMagLinkLocal: null,
  fixedMagLinkLayer: RFC6543_MAC,
  minDelayBeforeBceDeleteMs: 10000,
  maxDelayBeforeNewBceAssignMs: 1500,
  timestampValidityWindowMs: 300,
  enableMagLocalRouting: false,
  accessTechnologies: [3, 1],
  clockToleranceMs: 2000,
  maxLinkMtu: 1500,
  unentitledMns: [],
  heartbeatIntervalMs: 60000,
};

export function resolveRoles(mh: readonly MhFrame[], o: TraceOptions): Roles {
  const mags = new Set<string>(), lmas = new Set<string>(), pbuTargets = new Set<string>();
  const testers = new Set(o.testers ?? []);
  for (const f of mh) {
    if (f.mh.type === 5 && !testers.has(f.src)) { mags.add(f.src); pbuTargets.add(f.dst); }
    if (f.mh.type === 6) lmas.add(f.src);
  }
  // Whoever answers PBUs is an LMA; a PBU sent somewhere that never answers does not make it one.
  if (lmas.size === 0) for (const a of pbuTargets) lmas.add(a);
  return {
    mags: o.mags ?? [...mags], lmas: o.lmas ?? [...lmas], testers: [...testers],
    magSource: o.mags ? 'given' : 'inferred', lmaSource: o.lmas ? 'given' : 'inferred',
  };
}

export interface ResolvedSettings {
  values: DomainSettings;
  provenance: Record<keyof DomainSettings, SettingProvenance>;
}

/** A few frames as evidence of an inference. */
const SHOWN_BY = 3;
const refs = (list: readonly { ref: FrameRef }[]): FrameRef[] => list.slice(0, SHOWN_BY).map((f) => f.ref);

/** The settings the signalling shows (timestamps, link-local address option), over the defaults; then what was given. */
export function resolveSettings(mh: readonly MhFrame[], o: TraceOptions): ResolvedSettings {
  const values = { ...DEFAULT_SETTINGS };
  const provenance = Object.fromEntries(Object.keys(DEFAULT_SETTINGS).map((k): [string, SettingProvenance] => [k, { source: 'default', frames: [] }])) as ResolvedSettings['provenance'];
  const pbus = mh.filter((f) => f.mh.type === 5 && !f.fromTester && f.duplicateOf === undefined);
  if (pbus.length > 0) {
    // Most PBUs decide: one PBU that breaks the rule must show up as a failure, not flip the setting.
    const withTs = pbus.filter((f) => optionOf(f, 27) !== undefined);
    values.timestampMode = withTs.length * 2 >= pbus.length;
    provenance.timestampMode = {
      source: 'inferred', frames: refs(values.timestampMode ? withTs : pbus.filter((f) => optionOf(f, 27) === undefined)),
      how: `${withTs.length} of ${pbus.length} PBUs carry a Timestamp option`,
    };
    const withLla = pbus.filter((f) => optionOf(f, 26) !== undefined);
    values.fixedMagLinkLocal = withLla.length * 2 >= pbus.length ? null : RFC6543_LINK_LOCAL;
    provenance.fixedMagLinkLocal = {
      source: 'inferred', frames: refs(values.fixedMagLinkLocal === null ? withLla : pbus.filter((f) => optionOf(f, 26) === undefined)),
      how: `${withLla.length} of ${pbus.length} PBUs carry a Link-local Address option`,
    };
  }
  applyGiven({ values, provenance }, o);
  return { values, provenance };
}

function applyGiven(r: ResolvedSettings, o: TraceOptions): void {
  for (const [k, v] of Object.entries(o.settings ?? {}) as [keyof DomainSettings, unknown][]) {
    if (v === undefined) continue;
    (r.values as unknown as Record<string, unknown>)[k] = v;
    r.provenance[k] = { source: 'given', frames: [] };
  }
}

/**
 * What the capture points show besides the signalling, for the settings not given: the access
 * technology by the access captures' link types, RFC 6543's fixed addresses by the RAs that use them.
 */
export function inferFromCaptures(r: ResolvedSettings, points: readonly CapturePoint[], nd: readonly NdFrame[], o: TraceOptions): void {
  const given = (k: keyof DomainSettings): boolean => o.settings?.[k] !== undefined;
  if (!given('accessTechnologies')) {
    const atts = new Set<number>(), shown: FrameRef[] = [], how: string[] = [];
    for (const p of points) {
      const tech = p.kind === 'access' && p.linkType !== undefined ? accessTechnologyOfLinkType(p.linkType) : undefined;
      if (tech === undefined) continue;
      for (const a of tech.atts) atts.add(a);
      shown.push({ point: p.name, frame: 1, time: p.firstTime ?? 0 });
      how.push(`${p.name} is ${tech.name}`);
    }
    if (atts.size > 0) {
      r.values.accessTechnologies = [...atts];
      r.provenance.accessTechnologies = { source: 'inferred', frames: shown.slice(0, SHOWN_BY), how: `link type of the access captures: ${how.join(', ')}` };
    }
  }
  const access = new Set(points.filter((p) => p.kind === 'access').map((p) => p.name));
  const ras = nd.filter((f) => f.msg.name === 'RA' && access.has(f.ref.point));
  if (!given('fixedMagLinkLayer')) {
    const fixed = ras.filter((f) => f.linkSrc === RFC6543_MAC || (f.msg.name === 'RA' && f.msg.sourceLinkLayer === RFC6543_MAC));
    // Only a use of the reserved MAC shows the domain uses it; other MACs may be a MAG breaking the rule.
    if (fixed.length > 0) {
      r.values.fixedMagLinkLayer = RFC6543_MAC;
      r.provenance.fixedMagLinkLayer = { source: 'inferred', frames: refs(fixed), how: `${fixed.length} of ${ras.length} access RAs come from ${RFC6543_MAC}` };
    }
  }
  if (!given('fixedMagLinkLocal')) {
    const fixed = ras.filter((f) => f.src === RFC6543_LINK_LOCAL);
    if (fixed.length > 0) {
      r.values.fixedMagLinkLocal = RFC6543_LINK_LOCAL;
      r.provenance.fixedMagLinkLocal = { source: 'inferred', frames: refs(fixed), how: `${fixed.length} of ${ras.length} access RAs come from ${RFC6543_LINK_LOCAL}` };
    }
  }
}

/** A capture point as the builder gathered it, before its kind and MAG are resolved. */
export interface PointDraft {
  name: string; path?: string; label?: string; kind?: CapturePointKind; mag?: string;
  frames: number; kept: number; firstTime?: number; lastTime?: number; linkType?: number;
  largestIpv6?: { octets: number; ref: FrameRef };
}

function macFromLlId(llId: string): string {
  return llId.length === 12 ? llId.replace(/(..)(?!$)/g, '$1:') : llId;
}

export function resolvePoints(
  drafts: readonly PointDraft[], mh: readonly MhFrame[], nd: readonly NdFrame[], data: DataTable,
  sessions: readonly Session[],
): CapturePoint[] {
  const hasMh = new Set<string>();
  for (const f of mh) hasMh.add(f.ref.point);
  const hasNd = new Set<string>();
  const routerSources = new Set<string | undefined>();
  for (const f of nd) {
    if (f.msg.type === 133 || f.msg.type === 134) hasNd.add(f.ref.point);
    if (f.msg.type === 134) routerSources.add(f.linkSrc);
  }
  const tunnelAt = new Set<number>();
  for (let i = 0; i < data.length; i++) if (data.flags[i]! & DATA_TUNNELLED) tunnelAt.add(data.point[i]!);
  const magMacs = new Map<string, Set<string>>();
  for (const s of sessions) {
    if (s.llId === undefined) continue;
    const mac = macFromLlId(s.llId);
    for (const e of s.events) {
      let set = magMacs.get(e.mag);
      if (set === undefined) magMacs.set(e.mag, set = new Set());
      set.add(mac);
    }
  }
  return drafts.map((d, index): CapturePoint => {
    let kind = d.kind, kindSource: SettingSource = 'given';
    if (kind === undefined) {
      kindSource = 'inferred';
      const wireless = d.linkType !== undefined && isWirelessLinkType(d.linkType);
      kind = hasMh.has(d.name) || tunnelAt.has(index) ? 'transport' : hasNd.has(d.name) || wireless ? 'access' : 'core';
      // Nothing showed it: a core capture is what is left over.
      if (kind === 'core') kindSource = 'default';
    }
    const p: CapturePoint = { name: d.name, kind, kindSource, mnMacs: [], frames: d.frames, kept: d.kept };
    if (d.linkType !== undefined) p.linkType = d.linkType;
    if (d.largestIpv6 !== undefined) p.largestIpv6 = d.largestIpv6;
    if (d.path !== undefined) p.path = d.path;
    if (d.label !== undefined) p.label = d.label;
    if (d.firstTime !== undefined) p.firstTime = d.firstTime;
    if (d.lastTime !== undefined) p.lastTime = d.lastTime;
    if (kind !== 'access') return p;
    const macs = new Set<string>();
    for (const f of nd) {
      if (f.ref.point !== d.name || f.linkSrc === undefined || routerSources.has(f.linkSrc)) continue;
      if (f.msg.type === 133 || f.msg.type === 135) macs.add(f.linkSrc);
    }
    p.mnMacs = [...macs];
    if (d.mag !== undefined) { p.mag = d.mag; p.magSource = 'given'; return p; }
    // Nothing else: a MAG guessed from the capture's name would be a default, and the checks that
    // read an access link's MAG would FAIL on it; such a link is judged as one of no known MAG.
    const mag = magByPrefix(d.name, nd, sessions) ?? magByMac(p.mnMacs, magMacs);
    if (mag !== undefined) { p.mag = mag; p.magSource = 'inferred'; }
    return p;
  });
}

/** The MAG whose sessions own the prefixes advertised on this access link. */
function magByPrefix(point: string, nd: readonly NdFrame[], sessions: readonly Session[]): string | undefined {
  const owners = new Map<string, Session[]>();
  for (const s of sessions) for (const p of sessionPrefixes(s)) pushTo(owners, p, s);
  const moves = new Map<Session, SessionEvent[]>();
  const votes = new Map<string, number>();
  for (const f of nd) {
    if (f.ref.point !== point || f.msg.name !== 'RA') continue;
    for (const pio of f.msg.prefixes) {
      for (const s of owners.get(pio.prefix) ?? []) {
        let list = moves.get(s);
        if (list === undefined) moves.set(s, list = s.events.filter((e) => e.kind !== 'rejected' && e.kind !== 'dereg-ignored'));
        // The MAG that had the session when the RA went out (events are in time order).
        const n = partitionPoint(list.length, (i) => list[i]!.time <= f.ref.time + 0.001);
        const mag = n > 0 ? list[n - 1]!.mag : s.events[0]!.mag;
        votes.set(mag, (votes.get(mag) ?? 0) + 1);
      }
    }
  }
  let best: string | undefined, n = 0;
  for (const [m, c] of votes) if (c > n) { best = m; n = c; }
  return best;
}

function magByMac(macs: readonly string[], magMacs: Map<string, Set<string>>): string | undefined {
  for (const [mag, set] of magMacs) if (macs.some((m) => set.has(m))) return mag;
  return undefined;
}
