// Lookups several checks share.
import type { RouterAdvertisement } from '../../wire/index.js';
import {
  accepted, magStateAt, optionOf, optionsOf, partitionPoint, pushTo, sessionPrefixes, settingKnown, unknownSetting, type CapturePoint, type Exchange,
  type MhFrame, type NdFrame, type Session, type SessionEvent, type Trace,
} from '../trace/index.js';

/** Mobility Headers the implementations under test sent (first sightings, not tester stimuli). */
export function iutMessages(t: Trace): MhFrame[] {
  return t.iutSignalling;
}

export function hnpsOf(f: MhFrame): string[] {
  return optionsOf(f, 22).map((o) => o.prefix);
}

export function llaOf(f: MhFrame): string | undefined {
  return optionOf(f, 26)?.address;
}

const macs = new Map<string, string>();

/** "02000000aa05" -> "02:00:00:00:aa:05" (remembered: every PBU of an MN carries the same one). */
export function macOfLlId(llId: string | undefined): string | undefined {
  if (llId === undefined || llId.length !== 12) return undefined;
  let mac = macs.get(llId);
  if (mac === undefined) {
    if (macs.size >= 65536) macs.clear();
    macs.set(llId, mac = llId.replace(/(..)(?!$)/g, '$1:'));
  }
  return mac;
}

export interface RaAt { f: NdFrame; ra: RouterAdvertisement; point: CapturePoint }

const rasOfTrace = new WeakMap<Trace, RaAt[]>();

/** Router Advertisements seen on access links, in time order (shared: do not modify). */
export function accessRas(t: Trace): readonly RaAt[] {
  let out = rasOfTrace.get(t);
  if (out === undefined) {
    out = [];
    for (const f of t.ndOnAccess(134)) if (f.msg.name === 'RA') out.push({ f, ra: f.msg, point: t.points[t.pointIndex(f.ref.point)]! });
    rasOfTrace.set(t, out);
  }
  return out;
}

const rasOfPoint = new WeakMap<Trace, Map<CapturePoint, RaAt[]>>();

/** The access RAs of one capture point, in time order. */
export function rasOn(t: Trace, point: CapturePoint): readonly RaAt[] {
  let m = rasOfPoint.get(t);
  if (m === undefined) {
    m = new Map();
    for (const r of accessRas(t)) pushTo(m, r.point, r);
    rasOfPoint.set(t, m);
  }
  return m.get(point) ?? [];
}

/** The RAs of `list` (time-ordered) sent at `from` or up to `seconds` later. */
export function rasWithin(list: readonly RaAt[], from: number, seconds: number): RaAt[] {
  const out: RaAt[] = [];
  for (let k = partitionPoint(list.length, (i) => list[i]!.f.ref.time < from); k < list.length && list[k]!.f.ref.time - from <= seconds; k++) out.push(list[k]!);
  return out;
}

/** True when the access point carries the session's MN (by MAC; a point without known MNs counts). */
export function pointCarries(point: CapturePoint, s: Session): boolean {
  const mac = macOfLlId(s.llId);
  return mac === undefined || point.mnMacs.length === 0 || point.mnMacs.includes(mac);
}

const candidates = new WeakMap<CapturePoint, Session[]>();

/**
 * Sessions whose MN sits on this access point and that its MAG serves at time t, as the MAG sees
 * it (a PBA it must ignore registered nothing): what its Router Advertisements answer for.
 */
export function servedOn(t: Trace, point: CapturePoint, time: number): Session[] {
  if (point.mag === undefined) return [];
  let c = candidates.get(point);
  if (c === undefined) {
    c = t.sessions.filter((s) => pointCarries(point, s) && s.events.some((e) => e.mag === point.mag));
    candidates.set(point, c);
  }
  return c.filter((s) => magStateAt(s, time)?.mag === point.mag);
}

/** [start, end) of the time a session holds its prefixes (the BCE lingers MinDelayBeforeBCEDelete after de-registration). */
export function holding(t: Trace, s: Session): [number, number] {
  return [s.start, s.end === undefined ? Infinity : s.end + t.settings.minDelayBeforeBceDeleteMs / 1000];
}

/**
 * Whether session `o` still held its prefixes at `time` only because the LMA keeps a de-registered
 * binding for MinDelayBeforeBCEDelete, and that delay is a default: a verdict on that alone rests
 * on nothing the capture shows (the reason, naming the option), else undefined.
 */
export function lingerGuessed(t: Trace, o: Session, time: number): string | undefined {
  if (o.end === undefined || time < o.end || settingKnown(t, 'minDelayBeforeBceDeleteMs')) return undefined;
  return `session ${o.id} (${o.mnId}) had been de-registered ${(time - o.end).toFixed(3)} s before; whether its binding still held the prefix ${unknownSetting('minDelayBeforeBceDeleteMs')}`;
}

const holdersOf = new WeakMap<Trace, Map<string, Session[]>>();

/** Prefix -> the sessions ever granted it, in session order (shared: do not modify). */
export function prefixHolders(t: Trace): Map<string, Session[]> {
  let m = holdersOf.get(t);
  if (m === undefined) {
    m = new Map();
    for (const s of t.sessions) for (const p of sessionPrefixes(s)) pushTo(m, p, s);
    holdersOf.set(t, m);
  }
  return m;
}

/** The HNPs in force for a session at time t at its MAG. */
export function prefixesAt(s: Session, time: number): string[] {
  return magStateAt(s, time)?.hnps ?? [];
}

/** The accepted registration that set the session's state at its MAG at time t. */
export function registrationAt(s: Session, time: number): SessionEvent | undefined {
  return magStateAt(s, time)?.event;
}

export function isRegistration(e: SessionEvent): boolean {
  return e.kind === 'attach' || e.kind === 'refresh' || e.kind === 'handover' || e.kind === 'reattach';
}

/** The event just before `e` in its session that was an accepted registration. */
export function previousRegistration(s: Session, e: SessionEvent): SessionEvent | undefined {
  for (let i = e.index - 1; i >= 0; i--) if (isRegistration(s.events[i]!)) return s.events[i];
  return undefined;
}

const kindsKeys = new WeakMap<readonly string[], string>();
/** Session -> kinds ("a,b") -> MAG (undefined: any) -> events. */
const eventLists = new WeakMap<Session, Map<string, Map<string | undefined, SessionEvent[]>>>();

/** A session's events of some kinds, at one MAG or any, in time order (cached: pass constant `kinds`, do not modify). */
export function eventsOf(s: Session, kinds: readonly string[], mag?: string): readonly SessionEvent[] {
  let byKinds = eventLists.get(s);
  if (byKinds === undefined) eventLists.set(s, byKinds = new Map());
  let kk = kindsKeys.get(kinds);
  if (kk === undefined) kindsKeys.set(kinds, kk = kinds.join(','));
  let byMag = byKinds.get(kk);
  if (byMag === undefined) byKinds.set(kk, byMag = new Map());
  let list = byMag.get(mag);
  if (list === undefined) {
    list = s.events.filter((e) => kinds.includes(e.kind) && (mag === undefined || e.mag === mag));
    byMag.set(mag, list);
  }
  return list;
}

/** The last of `events` (time-ordered) at or before t. */
export function lastAtOrBefore(events: readonly SessionEvent[], t: number): SessionEvent | undefined {
  const n = partitionPoint(events.length, (i) => events[i]!.time <= t);
  return n === 0 ? undefined : events[n - 1];
}

/** The last of `events` (time-ordered) strictly before t. */
export function lastBefore(events: readonly SessionEvent[], t: number): SessionEvent | undefined {
  const n = partitionPoint(events.length, (i) => events[i]!.time < t);
  return n === 0 ? undefined : events[n - 1];
}

export const REGISTRATION_KINDS = ['attach', 'refresh', 'handover', 'reattach'] as const;
export const DEREGISTRATION_KINDS = ['deregistration'] as const;
export const HANDOVER_KINDS = ['handover'] as const;
/** What ends a MAG's right to forward for a session. */
export const ENDING_KINDS = ['deregistration', 'rejected'] as const;
/** The events that start a session's stay at a MAG. */
export const ARRIVAL_KINDS = ['attach', 'handover', 'reattach'] as const;

/** "MAG|=MN-ID" ("MAG|" without one): what groups an MN's exchanges at one MAG. */
export function magMnKey(x: Exchange): string {
  return `${x.mag}|${x.mnId === undefined ? '' : `=${x.mnId}`}`;
}

/** Exchanges grouped by magMnKey, each group in the order of `list` (PBU time order for the trace's lists). */
export function byMagAndMn(list: readonly Exchange[]): Map<string, Exchange[]> {
  const m = new Map<string, Exchange[]>();
  for (const x of list) pushTo(m, magMnKey(x), x);
  return m;
}

export function isAccepted(ex: Exchange): boolean {
  return accepted(ex);
}

export function answered(ex: Exchange): ex is Exchange & { pba: NonNullable<Exchange['pba']> } {
  return ex.pba !== undefined;
}
