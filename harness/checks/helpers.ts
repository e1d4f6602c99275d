// Lookups several checks share.
import {
  findOption, findOptions, type BindingAck, type BindingUpdate, type RouterAdvertisement,
} from '../../wire/index.js';
import {
  accepted, servingMag, stateAt, type CapturePoint, type Exchange, type MhFrame, type NdFrame, type Session, type SessionEvent,
  type Trace,
} from '../trace/index.js';

/** Mobility Headers the implementations under test sent (first sightings, not tester stimuli). */
export function iutMessages(t: Trace): MhFrame[] {
  return t.mh.filter((f) => f.duplicateOf === undefined && !f.fromTester);
}

export function hnpsOf(m: BindingUpdate | BindingAck): string[] {
  return findOptions(m.options, 22).map((o) => o.prefix);
}

export function llaOf(m: BindingUpdate | BindingAck): string | undefined {
  return findOption(m.options, 26)?.address;
}

export function countType(m: { options: readonly { type: number }[] }, type: number): number {
  let n = 0;
  for (const o of m.options) if (o.type === type) n++;
  return n;
}

/** "02000000aa05" -> "02:00:00:00:aa:05" */
export function macOfLlId(llId: string | undefined): string | undefined {
  if (llId === undefined || llId.length !== 12) return undefined;
  return llId.replace(/(..)(?!$)/g, '$1:');
}

export interface RaAt { f: NdFrame; ra: RouterAdvertisement; point: CapturePoint }

/** Router Advertisements seen on access links, in time order. */
export function accessRas(t: Trace): RaAt[] {
  const out: RaAt[] = [];
  for (const f of t.nd) {
    if (f.msg.name !== 'RA') continue;
    const point = t.points[t.pointIndex(f.ref.point)]!;
    if (point.kind === 'access') out.push({ f, ra: f.msg, point });
  }
  return out;
}

/** True when the access point carries the session's MN (by MAC; a point without known MNs counts). */
export function pointCarries(point: CapturePoint, s: Session): boolean {
  const mac = macOfLlId(s.llId);
  return mac === undefined || point.mnMacs.length === 0 || point.mnMacs.includes(mac);
}

const candidates = new WeakMap<CapturePoint, Session[]>();

/** Sessions whose MN sits on this access point and that its MAG serves at time t. */
export function servedOn(t: Trace, point: CapturePoint, time: number): Session[] {
  if (point.mag === undefined) return [];
  let c = candidates.get(point);
  if (c === undefined) {
    c = t.sessions.filter((s) => pointCarries(point, s) && s.events.some((e) => e.mag === point.mag));
    candidates.set(point, c);
  }
  return c.filter((s) => servingMag(s, time) === point.mag);
}

/** The HNPs in force for a session at time t. */
export function prefixesAt(s: Session, time: number): string[] {
  return stateAt(s, time)?.hnps ?? [];
}

/** The accepted registration that set the session's current state at time t. */
export function registrationAt(s: Session, time: number): SessionEvent | undefined {
  return stateAt(s, time)?.event;
}

export function isRegistration(e: SessionEvent): boolean {
  return e.kind === 'attach' || e.kind === 'refresh' || e.kind === 'handover' || e.kind === 'reattach';
}

/** The event just before `e` in its session that was an accepted registration. */
export function previousRegistration(s: Session, e: SessionEvent): SessionEvent | undefined {
  for (let i = e.index - 1; i >= 0; i--) if (isRegistration(s.events[i]!)) return s.events[i];
  return undefined;
}

/** Times of a session's events of some kinds, at one MAG or any, in order (cached). */
const kindTimes = new WeakMap<Session, Map<string, SessionEvent[]>>();
export function eventsOf(s: Session, kinds: readonly string[], mag?: string): SessionEvent[] {
  let m = kindTimes.get(s);
  if (m === undefined) kindTimes.set(s, m = new Map());
  const k = `${kinds.join(',')}|${mag ?? ''}`;
  let list = m.get(k);
  if (list === undefined) {
    list = s.events.filter((e) => kinds.includes(e.kind) && (mag === undefined || e.mag === mag));
    m.set(k, list);
  }
  return list;
}

/** The last of `events` (time-ordered) at or before t. */
export function lastAtOrBefore(events: readonly SessionEvent[], t: number): SessionEvent | undefined {
  let lo = 0, hi = events.length - 1, found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (events[mid]!.time <= t) { found = mid; lo = mid + 1; } else hi = mid - 1;
  }
  return found < 0 ? undefined : events[found];
}

export const REGISTRATION_KINDS = ['attach', 'refresh', 'handover', 'reattach'] as const;

export function isAccepted(ex: Exchange): boolean {
  return accepted(ex);
}

export function answered(ex: Exchange): ex is Exchange & { pba: NonNullable<Exchange['pba']> } {
  return ex.pba !== undefined;
}
