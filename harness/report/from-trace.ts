// What a report shows of a trace: a summary, the ladder of messages, the timings.
import type { RequirementResult, Verdict } from '../checks/index.js';
import { accepted, type Trace } from '../trace/index.js';
import type { CaseTimings, LadderStep, TraceSummary } from './types.js';

const RANK: Record<Verdict, number> = { FAIL: 3, INCONCLUSIVE: 1, 'NOT-APPLICABLE': 0, PASS: 2 };

export function summarizeTrace(t: Trace): TraceSummary {
  const settings = (Object.keys(t.settings) as (keyof typeof t.settings)[]).map((k) => ({
    name: k, value: JSON.stringify(t.settings[k]), source: t.settingSources[k],
  }));
  return {
    start: t.start, end: t.end,
    points: t.points.map((p) => {
      const o: TraceSummary['points'][number] = { name: p.name, kind: p.kind, frames: p.frames, kept: p.kept };
      if (p.mag !== undefined) o.mag = p.mag;
      if (p.path !== undefined) o.path = p.path;
      return o;
    }),
    roles: { mags: t.roles.mags, lmas: t.roles.lmas, testers: t.roles.testers, source: `MAGs ${t.roles.magSource}, LMAs ${t.roles.lmaSource}` },
    settings,
    sessions: t.sessions.map((s) => ({ mnId: s.mnId, hnps: s.hnps, events: s.events.map((e) => ({ kind: e.kind, time: e.time, mag: e.mag })) })),
    counts: { signalling: t.mh.length, nd: t.nd.length, data: t.data.length, esp: t.esp.length, exchanges: t.exchanges.length },
  };
}

const key = (f: { point: string; frame: number }): string => `${f.point}#${f.frame}`;

/**
 * The signalling and home-link messages as a ladder: columns are MNs, MAGs, LMA(s), testers, CN.
 * Long traces are cut to `limit` steps (failures are always kept).
 */
export function ladderFromTrace(t: Trace, verdicts: readonly RequirementResult[], limit = 300): LadderStep[] {
  const judged = new Map<string, { verdict: Verdict; notes: string[] }>();
  for (const r of verdicts) {
    for (const e of r.evidence) {
      for (const f of e.frames) {
        const k = key(f);
        const j = judged.get(k) ?? { verdict: 'PASS' as Verdict, notes: [] };
        if (RANK[r.verdict] > RANK[j.verdict] || !judged.has(k)) j.verdict = r.verdict;
        j.notes.push(`${r.id} ${r.verdict}`);
        judged.set(k, j);
      }
    }
  }
  const macToMn = new Map<string, string>();
  for (const s of t.sessions) if (s.llId !== undefined && s.llId.length === 12) macToMn.set(s.llId.replace(/(..)(?!$)/g, '$1:'), `MN ${s.mnId}`);
  const mnOfPoint = (name: string): string => {
    const p = t.points[t.pointIndex(name)]!;
    return p.mnMacs.length === 1 ? macToMn.get(p.mnMacs[0]!) ?? `MN ${p.mnMacs[0]}` : 'MN';
  };
  const magOfPoint = (name: string): string => {
    const p = t.points[t.pointIndex(name)]!;
    return p.mag !== undefined ? t.nodeName(p.mag) : `MAG (${name})`;
  };
  const steps: LadderStep[] = [];
  const decorate = (s: LadderStep): LadderStep => {
    const j = s.frame ? judged.get(key(s.frame)) : undefined;
    if (j) { s.verdict = j.verdict; s.notes = j.notes; }
    return s;
  };
  for (const f of t.mh) {
    if (f.duplicateOf !== undefined) continue;
    const m = f.mh;
    let label = m.name;
    if (m.type === 5) label = `${m.name} seq ${m.seq}${m.lifetimeUnits === 0 ? ' lifetime 0' : ''}`;
    else if (m.type === 6) label = `${m.name} seq ${m.seq} status ${m.status}`;
    steps.push(decorate({ time: f.ref.time, from: t.nodeName(f.src), to: t.nodeName(f.dst), label, kind: 'mh', frame: f.ref }));
  }
  for (const f of t.nd) {
    const p = t.points[t.pointIndex(f.ref.point)]!;
    if (p.kind !== 'access' || (f.msg.type !== 133 && f.msg.type !== 134)) continue;
    const mn = mnOfPoint(p.name), mag = magOfPoint(p.name);
    const label = f.msg.name === 'RA' ? `RA ${f.msg.prefixes.map((x) => x.prefix).join(' ')}`.trim() : 'RS';
    steps.push(decorate(f.msg.type === 133
      ? { time: f.ref.time, from: mn, to: mag, label, kind: 'nd', frame: f.ref }
      : { time: f.ref.time, from: mag, to: mn, label, kind: 'nd', frame: f.ref }));
  }
  for (const e of t.events) {
    const who = e.mnId !== undefined ? `MN ${e.mnId}` : 'MN';
    steps.push({ time: e.time, from: who, to: who, label: `${e.kind}${e.mag ? ` @ ${t.roles.mags.includes(e.mag) ? t.nodeName(e.mag) : e.mag}` : ''}`, kind: 'event' });
  }
  steps.sort((a, b) => a.time - b.time);
  if (steps.length <= limit) return steps;
  const keep = new Set(steps.filter((s) => s.verdict === 'FAIL').slice(0, limit / 2));
  for (const s of steps) { if (keep.size >= limit) break; keep.add(s); }
  return steps.filter((s) => keep.has(s));
}

export function timingsFromTrace(t: Trace): CaseTimings {
  const pbuToPbaMs = t.exchanges.filter((e) => e.pba !== undefined).map((e) => (e.pba!.ref.time - e.pbu.ref.time) * 1000);
  const attachMs: number[] = [];
  const handoverMs: number[] = [];
  for (const s of t.sessions) {
    const first = s.events[0]!;
    const mac = s.llId?.replace(/(..)(?!$)/g, '$1:');
    const hello = t.nd.find((f) => f.linkSrc === mac && f.ref.time <= first.time && first.time - f.ref.time < 30);
    attachMs.push((first.time - (hello?.ref.time ?? first.exchange.pbu.ref.time)) * 1000);
    for (let i = 1; i < s.events.length; i++) {
      const e = s.events[i]!;
      if (e.kind !== 'handover' || !accepted(e.exchange)) continue;
      const dereg = [...s.events.slice(0, i)].reverse().find((x) => x.kind === 'deregistration');
      const ev = [...t.events].reverse().find((x) => x.time <= e.time && (x.kind === 'handover' || x.kind === 'detach') && (x.mnId === undefined || x.mnId === s.mnId));
      const from = dereg?.exchange.pbu.ref.time ?? ev?.time ?? e.exchange.pbu.ref.time;
      handoverMs.push((e.time - from) * 1000);
    }
  }
  const out: CaseTimings = {};
  if (attachMs.length > 0) out.attachMs = attachMs;
  if (pbuToPbaMs.length > 0) out.pbuToPbaMs = pbuToPbaMs;
  if (handoverMs.length > 0) out.handoverMs = handoverMs;
  return out;
}
