// Mobility sessions from the exchanges, in the order the LMA decided them: an MN interface
// (MN-ID with its link-layer ID, or with its access technology when there is none) attaches,
// refreshes, hands over between MAGs and de-registers (RFC 5213 §5.3, §5.4). A PBA granting
// prefixes disjoint from the session's starts a new session when the §5.4.1 lookup allowed the
// LMA not to find the old one; the old one lives on beside it.
import { isZeroPrefix } from '../../wire/index.js';
import { pushTo } from './multimap.js';
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

/** HNPs of the accepted PBA (none for any other exchange). */
function grantedBy(ex: Exchange): string[] {
  return ex.pba !== undefined && accepted(ex) ? optionsOf(ex.pba, 22).map((o) => o.prefix) : [];
}

/**
 * Whether RFC 5213 §5.4.1 lets the LMA take `ex` for a new mobility session rather than an
 * update of `s` (whose prefixes are `hnps`; `live` sessions of the MN-ID exist): the PBU names
 * other prefixes (§5.4.1.1); or, with ::/0, its MN-LL-ID and ATT do not find `s` (§5.4.1.2) and
 * it signals a new interface (HI 1), the MN-ID has several sessions, or HI 4 came with no
 * de-registration from the previous MAG (§5.4.1.2, §5.4.1.3: after MaxDelayBeforeNewBCEAssign).
 * Where the lookup must find `s`, a PBA granting other prefixes stays in `s`: the checks judge it.
 */
function newSessionAllowed(ex: Exchange, s: Session, hnps: readonly string[], live: number): boolean {
  const named = ex.hnps.filter((p) => !isZeroPrefix(p));
  if (named.length > 0) return !named.some((p) => hnps.includes(p));
  if (ex.llId !== undefined && ex.att === s.att) return false;
  if (ex.hi === 1 || live > 1) return true;
  return ex.hi === 4 && s.end === undefined;
}

/**
 * The session of `list` (one MN interface's, oldest first) an exchange belongs to: the one holding
 * a prefix the PBU names or the PBA grants, else the latest at the PBU's MAG, else the latest.
 */
function pick(list: readonly Session[] | undefined, ex: Exchange, current: Map<Session, string[]>): Session | undefined {
  if (list === undefined || list.length <= 1) return list?.[0];
  for (const want of [ex.hnps.filter((p) => !isZeroPrefix(p)), grantedBy(ex)]) {
    if (want.length === 0) continue;
    for (let i = list.length - 1; i >= 0; i--) if (current.get(list[i]!)!.some((p) => want.includes(p))) return list[i];
  }
  for (let i = list.length - 1; i >= 0; i--) if (list[i]!.mag === ex.mag) return list[i];
  return list[list.length - 1];
}

/** PBAs this close together may leave the LMA in the other order than it decided (see decisionOrder). */
const SAME_TURN_S = 0.01;

/**
 * The exchanges in the order the LMA decided them: by PBA (or unanswered PBU) time, except for a
 * PBU with HI 4 the LMA held for the previous MAG's de-registration (§5.4.1.2, §5.4.1.3): the
 * de-registration releases it, and the held PBA may leave a moment before the de-registration's
 * own. Such a de-registration (PBA within SAME_TURN_S after the held one, PBU after the held PBU,
 * from another MAG) is taken as decided first.
 */
function decisionOrder(exchanges: readonly Exchange[]): Exchange[] {
  const out = [...exchanges].sort((a, b) => decisionTime(a) - decisionTime(b));
  for (let i = 1; i < out.length; i++) {
    const x = out[i]!;
    if (x.pba === undefined || !x.deregistration || x.mnId === undefined) continue;
    let to = i;
    for (let j = i - 1; j >= 0 && decisionTime(x) - decisionTime(out[j]!) < SAME_TURN_S; j--) {
      const y = out[j]!;
      if (y.mnId !== x.mnId) continue;
      if (y.hi !== 4 || y.deregistration || y.pba === undefined || y.mag === x.mag || y.pbu.ref.time >= x.pbu.ref.time) break;
      to = j;
    }
    if (to < i) { out.splice(i, 1); out.splice(to, 0, x); }
  }
  return out;
}

export function buildSessions(exchanges: readonly Exchange[], minDelayS: number): { sessions: Session[]; orphans: Exchange[] } {
  const sessions: Session[] = [];
  const orphans: Exchange[] = [];
  // MN interface -> its sessions, oldest first: several when the LMA started one beside a live one.
  const ofKey = new Map<string, Session[]>();
  const ofMn = new Map<string, Session[]>();
  // The HNPs of each session's latest accepted registration.
  const current = new Map<Session, string[]>();
  for (const ex of decisionOrder(exchanges)) {
    const key = sessionKey(ex);
    // A PBU the LMA must discard changes no session, whatever the LMA answered (MH-05..08 judge that).
    if (key === undefined || ex.pbu.discarded !== undefined) { orphans.push(ex); continue; }
    let s = pick(ofKey.get(key), ex, current);
    const t = decisionTime(ex);
    const isLive = (x: Session): boolean => x.end === undefined || t - x.end <= minDelayS;
    const event = (kind: SessionEventKind): void => {
      const e: SessionEvent = { kind, index: s!.events.length, time: t, mag: ex.mag, exchange: ex, hnps: ex.hnps };
      if (ex.pba !== undefined && accepted(ex)) {
        e.hnps = grantedBy(ex);
        const lla = optionOf(ex.pba, 26)?.address;
        if (lla !== undefined) e.lla = lla;
        current.set(s!, e.hnps);
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
    const granted = grantedBy(ex);
    const old = s !== undefined && isLive(s) ? s : undefined;
    const disjoint = old !== undefined && granted.length > 0 && !granted.some((p) => current.get(old)!.includes(p));
    if (old === undefined || (disjoint && newSessionAllowed(ex, old, current.get(old)!, ofMn.get(old.mnId)!.filter(isLive).length))) {
      s = { id: sessions.length + 1, mnId: ex.mnId!, events: [], hnps: [], mag: ex.mag, start: t };
      if (ex.llId !== undefined) s.llId = ex.llId;
      if (ex.att !== undefined) s.att = ex.att;
      if (old !== undefined) s.replaces = old;
      sessions.push(s);
      pushTo(ofKey, key, s);
      pushTo(ofMn, s.mnId, s);
      event('attach');
      s.hnps = s.events[0]!.hnps;
      const lla = s.events[0]!.lla;
      if (lla !== undefined) s.lla = lla;
      continue;
    }
    s = old;
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

/** Whose view of a session: the LMA's Binding Cache, or the MAG's (without the PBAs it must ignore). */
type View = 'lma' | 'mag';

const timelines: Record<View, WeakMap<Session, Timeline>> = { lma: new WeakMap(), mag: new WeakMap() };

const REGISTRATIONS = new Set<SessionEventKind>(['attach', 'refresh', 'handover', 'reattach']);

/** State changes only: a refresh that changes nothing adds no entry, so lookups stay short. */
function timeline(s: Session, view: View): Timeline {
  let tl = timelines[view].get(s);
  if (tl !== undefined) return tl;
  tl = { times: [], states: [] };
  let cur: SessionState | undefined;
  for (const e of s.events) {
    let next: SessionState | undefined = cur;
    if (e.kind === 'deregistration' || e.kind === 'dereg-foreign') next = undefined;
    else if (REGISTRATIONS.has(e.kind) && !(view === 'mag' && e.exchange.magIgnores !== undefined)) {
      const same = cur !== undefined && cur.mag === e.mag && cur.lla === e.lla && cur.hnps.join() === e.hnps.join();
      if (!same) {
        next = { mag: e.mag, hnps: e.hnps, event: e };
        if (e.lla !== undefined) next.lla = e.lla;
      }
    }
    // Events are in decision order; a held PBA may have left a moment before the one decided first.
    if (next !== cur) { tl.times.push(Math.max(e.time, tl.times[tl.times.length - 1] ?? -Infinity)); tl.states.push(next); cur = next; }
  }
  timelines[view].set(s, tl);
  return tl;
}

function at(tl: Timeline, t: number): SessionState | undefined {
  const n = partitionPoint(tl.times.length, (i) => tl.times[i]! <= t);
  return n === 0 ? undefined : tl.states[n - 1];
}

/** The session's state at time t as the LMA has it: undefined before it starts and after an accepted de-registration. */
export function stateAt(s: Session, t: number): SessionState | undefined {
  return at(timeline(s, 'lma'), t);
}

/**
 * The session's state at time t as its MAG has it: a registration whose PBA the MAG must ignore
 * (Exchange.magIgnores) registered nothing there, whatever the LMA decided.
 */
export function magStateAt(s: Session, t: number): SessionState | undefined {
  return at(timeline(s, 'mag'), t);
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
