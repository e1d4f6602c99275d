// Mobility sessions from the exchanges, in the order the LMA decided them: an MN interface
// (MN-ID with its link-layer ID, or with its access technology when there is none) attaches,
// refreshes, hands over between MAGs and de-registers (RFC 5213 §5.3, §5.4).
import { optionOf, optionsOf } from './options.js';
import { partitionPoint } from './search.js';
import type { Exchange, Session, SessionEvent, SessionEventKind } from './types.js';

export const ACCEPTED_LIMIT = 128;

export function accepted(ex: Exchange): boolean {
  return ex.pba !== undefined && ex.pba.mh.status < ACCEPTED_LIMIT;
}

/** When the LMA's decision is visible: the PBA, or the PBU when nothing answered it. */
export function decisionTime(ex: Exchange): number {
  return (ex.pba ?? ex.pbu).ref.time;
}

export function sessionKey(ex: Exchange): string | undefined {
  if (ex.mnId === undefined) return undefined;
  return ex.llId !== undefined ? `${ex.mnId}|ll:${ex.llId}` : `${ex.mnId}|att:${ex.att ?? ''}`;
}

export function buildSessions(exchanges: readonly Exchange[], minDelayS: number): { sessions: Session[]; orphans: Exchange[] } {
  const sessions: Session[] = [];
  const orphans: Exchange[] = [];
  const open = new Map<string, Session>();
  const ordered = [...exchanges].sort((a, b) => decisionTime(a) - decisionTime(b));
  for (const ex of ordered) {
    const key = sessionKey(ex);
    if (key === undefined) { orphans.push(ex); continue; }
    let s = open.get(key);
    const t = decisionTime(ex);
    const event = (kind: SessionEventKind): void => {
      const e: SessionEvent = { kind, index: s!.events.length, time: t, mag: ex.mag, exchange: ex, hnps: ex.hnps };
      if (ex.pba !== undefined && accepted(ex)) {
        e.hnps = optionsOf(ex.pba, 22).map((o) => o.prefix);
        const lla = optionOf(ex.pba, 26)?.address;
        if (lla !== undefined) e.lla = lla;
      }
      s!.events.push(e);
      ex.session = s;
      ex.event = e;
    };
    if (ex.pba === undefined) {
      if (s !== undefined && ex.deregistration) event(s.mag !== ex.mag ? 'dereg-ignored' : 'dereg-unanswered');
      else orphans.push(ex);
      continue;
    }
    if (!accepted(ex)) {
      if (s !== undefined && s.end === undefined) event('rejected');
      else orphans.push(ex);
      continue;
    }
    if (ex.deregistration) {
      if (s === undefined || s.end !== undefined) { orphans.push(ex); continue; }
      // A de-registration from a MAG that no longer serves the session must be ignored (§5.3.5);
      // one the LMA accepted anyway ends the session all the same.
      event(s.mag === ex.mag ? 'deregistration' : 'dereg-foreign');
      s.end = t;
      continue;
    }
    if (s === undefined || (s.end !== undefined && t - s.end > minDelayS)) {
      s = { id: sessions.length + 1, mnId: ex.mnId!, events: [], hnps: [], mag: ex.mag, start: t };
      if (ex.llId !== undefined) s.llId = ex.llId;
      if (ex.att !== undefined) s.att = ex.att;
      sessions.push(s);
      open.set(key, s);
      event('attach');
      s.hnps = s.events[0]!.hnps;
      const lla = s.events[0]!.lla;
      if (lla !== undefined) s.lla = lla;
      continue;
    }
    if (s.end !== undefined) {
      event(s.mag === ex.mag ? 'reattach' : 'handover');
      delete s.end;
    } else event(s.mag === ex.mag ? 'refresh' : 'handover');
    s.mag = ex.mag;
  }
  return { sessions, orphans };
}

/** What a session looks like from some time on: who serves it, with which prefixes and link-local address. */
export interface SessionState {
  mag: string;
  hnps: string[];
  lla?: string;
  /** The accepted registration that brought this state about. */
  event: SessionEvent;
}

interface Timeline { times: number[]; states: (SessionState | undefined)[] }

const timelines = new WeakMap<Session, Timeline>();

const REGISTRATIONS = new Set<SessionEventKind>(['attach', 'refresh', 'handover', 'reattach']);

/** State changes only: a refresh that changes nothing adds no entry, so lookups stay short. */
function timeline(s: Session): Timeline {
  let tl = timelines.get(s);
  if (tl !== undefined) return tl;
  tl = { times: [], states: [] };
  let cur: SessionState | undefined;
  for (const e of s.events) {
    let next: SessionState | undefined = cur;
    if (e.kind === 'deregistration' || e.kind === 'dereg-foreign') next = undefined;
    else if (REGISTRATIONS.has(e.kind)) {
      const same = cur !== undefined && cur.mag === e.mag && cur.lla === e.lla && cur.hnps.join() === e.hnps.join();
      if (!same) {
        next = { mag: e.mag, hnps: e.hnps, event: e };
        if (e.lla !== undefined) next.lla = e.lla;
      }
    }
    if (next !== cur) { tl.times.push(e.time); tl.states.push(next); cur = next; }
  }
  timelines.set(s, tl);
  return tl;
}

/** The session's state at time t: undefined before it starts and after an accepted de-registration. */
export function stateAt(s: Session, t: number): SessionState | undefined {
  const tl = timeline(s);
  const n = partitionPoint(tl.times.length, (i) => tl.times[i]! <= t);
  return n === 0 ? undefined : tl.states[n - 1];
}

/** The MAG serving the session at time t (undefined before it or after an accepted de-registration). */
export function servingMag(s: Session, t: number): string | undefined {
  return stateAt(s, t)?.mag;
}

const granted = new WeakMap<Session, readonly string[]>();

/** Every HNP the session was granted (computed once: a session is complete when the trace is built). */
export function sessionPrefixes(s: Session): readonly string[] {
  let list = granted.get(s);
  if (list === undefined) {
    const all = new Set<string>();
    for (const e of s.events) if (e.exchange.pba !== undefined && accepted(e.exchange)) for (const p of e.hnps) all.add(p);
    granted.set(s, list = [...all]);
  }
  return list;
}
