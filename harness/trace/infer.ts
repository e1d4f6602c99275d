// What a trace says about its own setting when nobody told: who is a MAG or an LMA, which domain
// settings are in force, what each capture point looked at. Every inferred value is marked so.
import type { DataTable } from './data-table.js';
import { DATA_TUNNELLED } from './data-table.js';
import { pushTo } from './multimap.js';
import { optionOf } from './options.js';
import { partitionPoint } from './search.js';
import { sessionPrefixes } from './sessions.js';
import type {
  CapturePoint, CapturePointKind, DomainSettings, MhFrame, NdFrame, Roles, Session, SessionEvent, SettingSource, TraceOptions,
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

export function resolveSettings(mh: readonly MhFrame[], o: TraceOptions): { values: DomainSettings; sources: Record<keyof DomainSettings, SettingSource> } {
  const given = o.settings ?? {};
  const values = { ...DEFAULT_SETTINGS };
  const sources = Object.fromEntries(Object.keys(DEFAULT_SETTINGS).map((k) => [k, 'default'])) as Record<keyof DomainSettings, SettingSource>;
  const pbus = mh.filter((f) => f.mh.type === 5 && !f.fromTester && f.duplicateOf === undefined);
  if (pbus.length > 0) {
    // Most PBUs decide: one PBU that breaks the rule must show up as a failure, not flip the setting.
    const withTs = pbus.filter((f) => optionOf(f, 27) !== undefined).length;
    values.timestampMode = withTs * 2 >= pbus.length;
    sources.timestampMode = 'inferred';
    const withLla = pbus.filter((f) => optionOf(f, 26) !== undefined).length;
    values.fixedMagLinkLocal = withLla * 2 >= pbus.length ? null : RFC6543_LINK_LOCAL;
    sources.fixedMagLinkLocal = 'inferred';
  }
  for (const [k, v] of Object.entries(given) as [keyof DomainSettings, unknown][]) {
    if (v === undefined) continue;
    (values as Record<string, unknown>)[k] = v;
    sources[k] = 'given';
  }
  return { values, sources };
}

interface PointDraft {
  name: string; path?: string; label?: string; kind?: CapturePointKind; mag?: string;
  frames: number; kept: number; firstTime?: number; lastTime?: number;
}

function macFromLlId(llId: string): string {
  return llId.length === 12 ? llId.replace(/(..)(?!$)/g, '$1:') : llId;
}

export function resolvePoints(
  drafts: readonly PointDraft[], mh: readonly MhFrame[], nd: readonly NdFrame[], data: DataTable,
  sessions: readonly Session[], roles: Roles,
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
  const magOrder = [...roles.mags];
  return drafts.map((d, index): CapturePoint => {
    let kind = d.kind, kindSource: SettingSource = 'given';
    if (kind === undefined) {
      kindSource = 'inferred';
      kind = hasMh.has(d.name) || tunnelAt.has(index) ? 'transport' : hasNd.has(d.name) ? 'access' : 'core';
    }
    const p: CapturePoint = { name: d.name, kind, kindSource, mnMacs: [], frames: d.frames, kept: d.kept };
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
    const mag = magByPrefix(d.name, nd, sessions) ?? magByMac(p.mnMacs, magMacs) ?? magByName(d.name, magOrder);
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

/** "acc2" -> the second MAG in order of first PBU. */
function magByName(name: string, mags: readonly string[]): string | undefined {
  const m = /(\d+)$/.exec(name);
  return m ? mags[Number(m[1]) - 1] : undefined;
}
