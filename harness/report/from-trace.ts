// What a report shows of a trace: a summary, the ladder of messages, the timings.
import type { MobilityHeader } from '../../wire/index.js';
import type { RequirementResult, Verdict } from '../checks/index.js';
import {
  accepted, partitionPoint, provenanceText, pushTo, type MhFrame, type NdFrame, type SessionEvent, type TestbedEvent, type Trace,
} from '../trace/index.js';
import type { CaseTimings, LadderStep, TraceSummary } from './types.js';
import { spiText } from '../../wire/index.js';

const RANK: Record<Verdict, number> = { FAIL: 3, INCONCLUSIVE: 1, 'NOT-APPLICABLE': 0, PASS: 2 };

export function summarizeTrace(t: Trace): TraceSummary {
  const settings = (Object.keys(t.settings) as (keyof typeof t.settings)[]).map((k) => ({
    name: k, value: JSON.stringify(t.settings[k]), source: provenanceText(t.provenance[k]),
  }));
  return {
    start: t.start, end: t.end,
    points: t.points.map((p) => {
      const o: TraceSummary['points'][number] = { name: p.name, kind: p.kind, kindSource: p.kindSource, frames: p.frames, kept: p.kept };
      if (p.mag !== undefined) o.mag = p.mag;
      if (p.magSource !== undefined) o.magSource = p.magSource;
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
 * A message as a ladder arrow names it: the exchange (PBU/PBA, Heartbeat Request/Response, BRI/BRA,
 * UPN/UPA, BE) and the few fields that pair it with its answer.
 */
export function ladderLabel(m: MobilityHeader): string {
  const rc = (o: MobilityHeader) => { const c = o.options.find((x) => x.type === 28); return c !== undefined && 'value' in c ? ` RC ${c.value}` : ''; };
  switch (m.type) {
    case 5: return `${m.name} seq ${m.seq}${m.lifetimeUnits === 0 ? ' lifetime 0' : ''}`;
    case 6: return `${m.name} seq ${m.seq} status ${m.status}`;
    case 7: return `BE status ${m.status}`;
    case 13: return m.flags.R ? `Heartbeat Response${m.flags.U ? ' (unsolicited)' : ''} seq ${m.seq}${rc(m)}` : `Heartbeat Request seq ${m.seq}`;
    case 16:
      if (m.brType === 1) return `BRI seq ${m.seq} trigger ${m.trigger}${m.flags.G ? ' G' : ''}`;
      if (m.brType === 2) return `BRA seq ${m.seq} status ${m.status}${m.flags.G ? ' G' : ''}`;
      return m.name;
    case 19: return `UPN seq ${m.seq} reason ${m.reason}${m.flags.A ? ' A' : ''}${m.flags.D ? ' D' : ''}`;
    case 20: return `UPA seq ${m.seq} status ${m.status}`;
    default: return m.name;
  }
}

/** Default length of a ladder: a long trace cannot be drawn arrow by arrow, so it is cut (failures kept). */
export const LADDER_LIMIT = 300;

/** What a ladder draws: the signalling, RS and RA on access links, the testbed's events. */
function ladderMessages(t: Trace): { mh: readonly MhFrame[]; nd: readonly NdFrame[]; events: readonly TestbedEvent[] } {
  return {
    mh: t.signalling,
    nd: t.ndOnAccess(133, 134),
    events: t.events,
  };
}

/** How many steps a ladder of the whole trace would have. */
export function ladderSize(t: Trace): number {
  const { mh, nd, events } = ladderMessages(t);
  return mh.length + nd.length + events.length;
}

/**
 * The signalling and home-link messages as a ladder: columns are MNs, MAGs, LMA(s), testers, CN.
 * Long traces are cut to `limit` steps: the first limit/2 failing messages, then the earliest
 * steps. Only the kept steps are built, so the cost is one pass over the messages whatever their number.
 */
export function ladderFromTrace(t: Trace, verdicts: readonly RequirementResult[], limit = LADDER_LIMIT): LadderStep[] {
  const judged = new Map<string, { verdict: Verdict; notes: string[] }>();
  const failing = new Map<string, Set<number>>();
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
  for (const [k, j] of judged) {
    if (j.verdict !== 'FAIL') continue;
    const at = k.lastIndexOf('#');
    let set = failing.get(k.slice(0, at));
    if (set === undefined) failing.set(k.slice(0, at), set = new Set());
    set.add(Number(k.slice(at + 1)));
  }
  const { mh, nd, events } = ladderMessages(t);
  // The steps in time order, ties as a stable sort of [signalling, ND, events] leaves them: a merge
  // of the three lists, each already in time order. visit() gets the source (0 MH, 1 ND, 2 event) and index.
  const walk = (visit: (src: number, i: number) => boolean): void => {
    let a = 0, b = 0, c = 0;
    while (a < mh.length || b < nd.length || c < events.length) {
      const ta = a < mh.length ? mh[a]!.ref.time : Infinity;
      const tb = b < nd.length ? nd[b]!.ref.time : Infinity;
      const tc = c < events.length ? events[c]!.time : Infinity;
      const go = a < mh.length && ta <= tb && ta <= tc ? visit(0, a++) : b < nd.length && tb <= tc ? visit(1, b++) : visit(2, c++);
      if (!go) return;
    }
  };
  const total = mh.length + nd.length + events.length;
  const kept: [number, number][] = [];
  if (total <= limit) {
    walk((src, i) => { kept.push([src, i]); return true; });
  } else {
    const isFail = (src: number, i: number): boolean => {
      const ref = src === 0 ? mh[i]!.ref : src === 1 ? nd[i]!.ref : undefined;
      return ref !== undefined && failing.get(ref.point)?.has(ref.frame) === true;
    };
    const maxFails = Math.trunc(limit / 2);
    let pos = 0;
    const keep = new Set<number>();
    const at: [number, number][] = [];
    if (failing.size > 0 && maxFails > 0) {
      walk((src, i) => {
        if (isFail(src, i)) { keep.add(pos); at[pos] = [src, i]; }
        pos++;
        return keep.size < maxFails;
      });
    }
    pos = 0;
    walk((src, i) => {
      if (keep.size >= limit) return false;
      keep.add(pos);
      at[pos++] = [src, i];
      return true;
    });
    for (const p of [...keep].sort((x, y) => x - y)) kept.push(at[p]!);
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
  const decorate = (s: LadderStep): LadderStep => {
    const j = s.frame ? judged.get(key(s.frame)) : undefined;
    if (j) { s.verdict = j.verdict; s.notes = j.notes; }
    return s;
  };
  return kept.map(([src, i]): LadderStep => {
    if (src === 0) {
      const f = mh[i]!, m = f.mh;
      let label = ladderLabel(m);
      // Protected signalling names its SA; a receiver throws away a forged or malformed message.
      if (f.protection) label = `ESP spi=${spiText(f.protection.spi)} ${label}`;
      if (f.protection?.icv === 'failed') label += ' (ICV failed: dropped)';
      else if (f.discarded !== undefined) label += ' (malformed: dropped)';
      return decorate({ time: f.ref.time, from: t.nodeName(f.src), to: t.nodeName(f.dst), label, kind: 'mh', frame: f.ref });
    }
    if (src === 1) {
      const f = nd[i]!;
      const mn = mnOfPoint(f.ref.point), mag = magOfPoint(f.ref.point);
      const label = f.msg.name === 'RA' ? `RA ${f.msg.prefixes.map((x) => x.prefix).join(' ')}`.trim() : 'RS';
      return decorate(f.msg.type === 133
        ? { time: f.ref.time, from: mn, to: mag, label, kind: 'nd', frame: f.ref }
        : { time: f.ref.time, from: mag, to: mn, label, kind: 'nd', frame: f.ref });
    }
    const e = events[i]!;
    const who = e.mnId !== undefined ? `MN ${e.mnId}` : 'MN';
    return { time: e.time, from: who, to: who, label: `${e.kind}${e.mag ? ` @ ${t.roles.mags.includes(e.mag) ? t.nodeName(e.mag) : e.mag}` : ''}`, kind: 'event' };
  });
}

export function timingsFromTrace(t: Trace): CaseTimings {
  const pbuToPbaMs = t.exchanges.filter((e) => e.pba !== undefined).map((e) => (e.pba!.ref.time - e.pbu.ref.time) * 1000);
  const attachMs: number[] = [];
  const handoverMs: number[] = [];
  // The ND frames of the sessions' MNs (by link-layer source), in time order.
  const macs = new Set(t.sessions.map((s) => s.llId?.replace(/(..)(?!$)/g, '$1:')));
  const ndOf = new Map<string | undefined, NdFrame[]>();
  for (const f of t.nd) if (macs.has(f.linkSrc)) pushTo(ndOf, f.linkSrc, f);
  const moves = t.events.filter((x) => x.kind === 'handover' || x.kind === 'detach');
  for (const s of t.sessions) {
    const first = s.events[0]!;
    const mac = s.llId?.replace(/(..)(?!$)/g, '$1:');
    // The MN's first frame of the 30 s up to the attachment (the lists are in time order).
    const mine = ndOf.get(mac) ?? [];
    const k = partitionPoint(mine.length, (i) => !(first.time - mine[i]!.ref.time < 30));
    const hello = k < mine.length && mine[k]!.ref.time <= first.time ? mine[k] : undefined;
    attachMs.push((first.time - (hello?.ref.time ?? first.exchange.pbu.ref.time)) * 1000);
    let dereg: SessionEvent | undefined;
    for (let i = 1; i < s.events.length; i++) {
      const e = s.events[i]!;
      if (s.events[i - 1]!.kind === 'deregistration') dereg = s.events[i - 1];
      if (e.kind !== 'handover' || !accepted(e.exchange)) continue;
      let ev: TestbedEvent | undefined;
      for (let x = partitionPoint(moves.length, (y) => moves[y]!.time <= e.time) - 1; x >= 0 && ev === undefined; x--) {
        if (moves[x]!.mnId === undefined || moves[x]!.mnId === s.mnId) ev = moves[x];
      }
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
