// C.5, C.7-C.11, C.14: the signalling over a session's life, judged from the session model:
// prefix allocation, refresh, retransmission, de-registration, handover, multihoming.
import { isZeroPrefix } from '../../wire/index.js';
import {
  accepted, optionOf, partitionPoint, pushTo, sameSet, servingMag, setText, settingKnown, unknownSetting, type Exchange, type Session,
  type SessionEvent, type Trace,
} from '../trace/index.js';
import { check } from './check.js';
import type { Detail, Judge, LazyText } from './judge.js';
import type { LazyFrame } from './types.js';
import { mhEv, seconds } from './evidence.js';
import {
  ARRIVAL_KINDS, byMagAndMn, DEREGISTRATION_KINDS, eventsOf, holding, isRegistration, lastAtOrBefore, lastBefore, lingerGuessed, magMnKey,
  previousRegistration, REGISTRATION_KINDS,
} from './helpers.js';

/** The PBU and its PBA, or the PBAs its MAG dropped as malformed (they show why it went on). */
const evEx = (t: Trace, ex: Exchange) => [mhEv(t, ex.pbu), ...(ex.pba ? [mhEv(t, ex.pba)] : (ex.droppedPbas ?? []).slice(0, 1).map((f) => mhEv(t, f)))];

/** " (its reply was malformed and dropped by the MAG)" when the PBU got only such replies. */
const droppedNote = (ex: Exchange): string => (ex.droppedPbas !== undefined ? ' (the reply to it was malformed and dropped by the MAG)' : '');

function events(t: Trace, kind: SessionEvent['kind'] | ((e: SessionEvent) => boolean)): { s: Session; e: SessionEvent }[] {
  const out: { s: Session; e: SessionEvent }[] = [];
  for (const s of t.sessions) for (const e of s.events) if (typeof kind === 'function' ? kind(e) : e.kind === kind) out.push({ s, e });
  return out;
}

// ---------------------------------------------------------------------------------------------
// C.5 Binding Cache and prefixes

export const bcePrefixesUnique = check('bce-prefixes-unique', ['LMA-BCE-01', 'LMA-BCE-02'], (t, [fresh, perMn]) => {
  const holders = new Map<string, Session[]>();
  for (const s of t.sessions) for (const p of new Set(s.hnps)) pushTo(holders, p, s);
  for (const s of t.sessions) {
    const [a0, a1] = holding(t, s);
    // The first earlier session (in session order) that shares a prefix and overlaps in time.
    let clash: Session | undefined;
    for (const p of s.hnps) {
      for (const o of holders.get(p)!) {
        if (clash !== undefined && o.id >= clash.id) break;
        if (o !== s && o.id < s.id && holding(t, o)[0] < a1 && a0 < holding(t, o)[1]) { clash = o; break; }
      }
    }
    const first = s.events[0]!;
    const ev = evEx(t, first.exchange);
    const asked = first.exchange.hnps.every(isZeroPrefix);
    if (clash === undefined) {
      if (asked) fresh!.pass(() => `new session of ${s.mnId} got unused prefix ${setText(s.hnps)}`, ev);
      perMn!.pass(() => `${setText(s.hnps)} belongs to ${s.mnId}'s session alone`, ev);
      continue;
    }
    const msg = `${setText(s.hnps)} given to ${s.mnId} while session ${clash.id} (${clash.mnId}) still holds it`;
    const detail = { field: 'HNP', expected: 'a prefix no other session holds', seen: setText(s.hnps) };
    const both = [...evEx(t, clash.events[0]!.exchange), ...ev];
    // Held at the later session's start only by a defaulted MinDelayBeforeBCEDelete: no ground for a FAIL.
    const guess = lingerGuessed(t, clash, s.start);
    for (const j of asked ? [fresh!, perMn!] : [perMn!]) {
      if (guess !== undefined) j.undecided(`${setText(s.hnps)} given to ${s.mnId}: ${guess}`, both);
      else j.fail(msg, both, detail);
    }
  }
});

// The LMA-side checks below judge the LMA's answers to emulated MAGs (tester stimuli) as well:
// t.exchanges, not t.magExchanges.

export const bceRefresh = check('bce-refresh', ['LMA-BCE-05', 'REREG-07'], (t, [same, acceptRefresh]) => {
  for (const ex of t.exchanges) {
    const s = ex.session;
    if (s === undefined || ex.deregistration || ex.hi !== 5) continue;
    const ev = evEx(t, ex);
    if (servingMag(s, ex.pbu.ref.time) !== ex.mag) continue;
    const pba = ex.pba;
    if (pba === undefined) continue;
    // A tester may have crafted the refresh to be refused: the case judges what it provoked.
    if (!accepted(ex) && ex.pbu.fromTester) continue;
    if (!accepted(ex) || pba.mh.lifetimeUnits === 0) {
      const detail = () => ({ field: 'PBA', expected: 'status 0, lifetime > 0', seen: `status ${pba.mh.status}, lifetime ${pba.mh.lifetime} s` });
      // A refresh is acknowledged with status 0 (LMA-BCE-05) and a new lifetime (REREG-07).
      if (!accepted(ex)) same!.fail(() => `refresh from the serving MAG answered with status ${pba.mh.status}`, ev, detail);
      acceptRefresh!.fail(() => `refresh from the serving MAG answered with status ${pba.mh.status}, lifetime ${pba.mh.lifetime} s`, ev, detail);
      continue;
    }
    acceptRefresh!.pass(() => `refresh accepted for ${pba.mh.lifetime} s`, ev);
    const e = ex.event!;
    const prev = previousRegistration(s, e);
    if (prev === undefined) continue;
    if (sameSet(e.hnps, prev.hnps)) same!.pass(() => `refresh keeps ${setText(e.hnps)}`, ev);
    else same!.fail(() => `refresh PBA carries ${setText(e.hnps)}, the session had ${setText(prev.hnps)}`, [...evEx(t, prev.exchange), ...ev], () => ({ field: 'HNP', expected: setText(prev.hnps), seen: setText(e.hnps) }));
  }
});

const MAX_WAIT_TOLERANCE = 0.8;

export const bceHandoffUnknown = check('bce-hi-4-wait', ['LMA-BCE-11'], (t, [j]) => {
  j!.inconclusiveBecause('no PBU with HI = 4 from a new MAG while the session was registered elsewhere');
  const wait = (t.settings.maxDelayBeforeNewBceAssignMs / 1000) * MAX_WAIT_TOLERANCE;
  for (const ex of t.exchanges) {
    const e = ex.event;
    if (e === undefined || ex.hi !== 4 || ex.deregistration || ex.pba === undefined || !accepted(ex)) continue;
    // The session the PBU's lookup found: the one it updated, or the one the LMA left beside a new session.
    const s = e.kind === 'attach' ? ex.session!.replaces : ex.session!;
    // A PBU whose MN-LL-ID and ATT find the session updates it whatever its HI (§5.4.1.2, LMA-BCE-09).
    if (s === undefined || (ex.llId !== undefined && ex.llId === s.llId && ex.att === s.att)) continue;
    const before = servingMag(s, ex.pbu.ref.time - 0.000001);
    if (before === undefined || before === ex.mag) continue;
    const pba = ex.pba;
    const delay = pba.ref.time - ex.pbu.ref.time;
    const prev = e.kind === 'attach' ? lastAtOrBefore(eventsOf(s, REGISTRATION_KINDS), ex.pbu.ref.time) : previousRegistration(s, e);
    // The previous MAG's de-registration after that registration, sent before this PBA: what releases a held PBU.
    const dereg = eventsOf(s, DEREGISTRATION_KINDS, before).find((d) => d.index > (prev?.index ?? -1) && d.exchange.pbu.ref.time <= pba.ref.time);
    const sameHnp = prev !== undefined && sameSet(prev.hnps, e.hnps);
    const ev = evEx(t, ex);
    if (dereg !== undefined) {
      const evd = [...ev, ...evEx(t, dereg.exchange)];
      // Once the previous MAG de-registered, the PBU updates that session (§5.4.1.2, §5.4.1.3).
      if (sameHnp) j!.pass(() => `PBA sent after the previous MAG's de-registration (${seconds(delay)}), same ${setText(e.hnps)}`, evd);
      else j!.fail(() => `the previous MAG de-registered while the LMA waited, yet the HI = 4 PBU got ${setText(e.hnps)}, not the session's ${setText(prev?.hnps ?? [])}`, evd,
        () => ({ field: 'HNP', expected: setText(prev?.hnps ?? []), seen: setText(e.hnps) }));
    } else if (sameHnp) j!.fail(() => `HI = 4 PBU from a new MAG took over the session without the previous MAG's de-registration (PBA after ${seconds(delay)})`, ev,
      () => ({ field: 'HNP', expected: 'a new prefix (new session) after MaxDelayBeforeNewBCEAssign', seen: setText(e.hnps) }));
    else j!.pass(() => `no de-registration came; a new prefix was assigned after ${seconds(delay)}${delay < wait ? ' (the LMA did not wait)' : ''}`, ev);
  }
});

export const bceSecondInterface = check('bce-second-interface', ['LMA-BCE-12', 'MH6-01', 'MH6-03'], (t, [j, multi, disjoint]) => {
  const ofMn = new Map<string, Session[]>();
  for (const s of t.sessions) pushTo(ofMn, s.mnId, s);
  for (const s of t.sessions) {
    const first = s.events[0]!;
    if (first.exchange.hi !== 1) continue;
    const other = ofMn.get(s.mnId)!.find((o) => o !== s && o.start < s.start && holding(t, o)[1] > s.start);
    if (other === undefined) continue;
    const overlap = s.hnps.filter((p) => other.hnps.includes(p));
    const ev = [...evEx(t, other.events[0]!.exchange), ...evEx(t, first.exchange)];
    const guess = lingerGuessed(t, other, s.start);
    for (const judge of [j!, multi!, disjoint!]) {
      if (overlap.length === 0) judge.pass(() => `second interface of ${s.mnId} got its own session with ${setText(s.hnps)}`, ev);
      else if (guess !== undefined) judge.undecided(() => `interface of ${s.mnId} got ${setText(overlap)}: ${guess}`, ev);
      else judge.fail(() => `second interface of ${s.mnId} got ${setText(overlap)}, already the first interface's`, ev, () => ({ field: 'HNP', expected: `not ${setText(other.hnps)}`, seen: setText(s.hnps) }));
    }
  }
});

export const bceUnknownDereg = check('bce-unknown-dereg', ['LMA-BCE-13'], (t, [j]) => {
  j!.inconclusiveBecause('no de-registration for a binding that does not exist');
  const minDelay = t.settings.minDelayBeforeBceDeleteMs / 1000;
  const minDelayKnown = settingKnown(t, 'minDelayBeforeBceDeleteMs');
  const ofMn = new Map<string, Session[]>();
  for (const s of t.sessions) pushTo(ofMn, s.mnId, s);
  for (const ex of t.exchanges) {
    // The session model files an unanswered de-registration under the ended session it names.
    const dropped = ex.event?.kind === 'dereg-unanswered' && ex.session?.end !== undefined;
    if (!ex.deregistration || (ex.session !== undefined && !dropped) || ex.mnId === undefined) continue;
    const mine = ofMn.get(ex.mnId) ?? [];
    const gone = mine.some((s) => s.end !== undefined && ex.pbu.ref.time - s.end > minDelay);
    const unknown = ex.pbu.fromTester && mine.length === 0;
    const reply = ex.pba ?? ex.droppedPbas?.[0];
    // Gone only by a defaulted MinDelayBeforeBCEDelete: the LMA may still keep the binding and answer rightly.
    if (gone && !unknown && !minDelayKnown && reply !== undefined) {
      j!.undecided(() => `de-registration for ${ex.mnId} got a PBA; whether its binding was gone by then ${unknownSetting('minDelayBeforeBceDeleteMs')}`, evEx(t, ex));
      continue;
    }
    if (!gone && !unknown) continue;
    if (reply === undefined) j!.pass(() => `de-registration for ${ex.mnId}, which has no binding, was dropped silently`, evEx(t, ex));
    else j!.fail(`de-registration for ${ex.mnId}, which has no binding, got a PBA (status ${reply.mh.status})`, [mhEv(t, ex.pbu), mhEv(t, reply)], { field: 'PBA', expected: 'none', seen: `status ${reply.mh.status}` });
  }
});

// ---------------------------------------------------------------------------------------------
// C.7 The MAG after a rejection

export const magStopsAfter152 = check('mag-stops-after-152', ['MAG-PBA-07'], (t, [j]) => {
  j!.inconclusiveBecause('no PBA with status 152 in the trace');
  let byMn: Map<string, Exchange[]> | undefined;
  for (const ex of t.magExchanges) {
    if (ex.pba?.mh.status !== 152) continue;
    byMn ??= byMagAndMn(t.magExchanges);
    const mine = byMn.get(magMnKey(ex))!;
    const later = mine[partitionPoint(mine.length, (i) => mine[i]!.pbu.ref.time <= ex.pba!.ref.time)];
    if (later) j!.fail(() => `PBU for ${ex.mnId} sent again after status 152`, [...evEx(t, ex), mhEv(t, later.pbu)], () => ({ field: 'PBUs after 152', expected: 'none', seen: `seq ${later.pbu.mh.seq}` }));
    else j!.pass(() => `no PBU for ${ex.mnId} after status 152`, evEx(t, ex));
  }
});

// ---------------------------------------------------------------------------------------------
// C.8 Retransmission

/** Chains of PBUs for one MN from one MAG, each repeating an unanswered one. */
function chains(t: Trace): Exchange[][] {
  const out: Exchange[][] = [];
  const head = new Map<Exchange, Exchange[]>();
  for (const ex of t.magExchanges) {
    if (ex.retransmits === undefined) continue;
    let c = head.get(ex.retransmits);
    if (c === undefined) { c = [ex.retransmits]; out.push(c); }
    c.push(ex);
    head.set(ex, c);
  }
  return out;
}

const TOLERANCE = 0.25;

export const retransmission = check('pbu-retransmission', ['MAG-RTX-01', 'MAG-RTX-03', 'MAG-RTX-04', 'MAG-RTX-05'], (t, [first, backoff, ts, seq]) => {
  for (const j of [first, backoff, ts, seq]) j!.inconclusiveBecause('no PBU was retransmitted in the trace');
  if (t.settings.timestampMode) seq!.na('timestamp mode'); else ts!.na('sequence-number mode');
  for (const c of chains(t)) {
    for (let i = 1; i < c.length; i++) {
      const a = c[i - 1]!, b = c[i]!;
      const gap = b.pbu.ref.time - a.pbu.ref.time;
      const ev = [...evEx(t, a), mhEv(t, b.pbu)];
      const note = droppedNote(a);
      if (i === 1) {
        if (gap >= 1 * (1 - TOLERANCE) && gap <= 1.5 * (1 + TOLERANCE)) first!.pass(() => `first retransmission after ${seconds(gap)}${note}`, ev);
        else first!.fail(() => `first retransmission after ${seconds(gap)}${note}`, ev, () => ({ field: 'retransmission timer', expected: '1 s (or 1.5 s)', seen: seconds(gap) }));
      } else {
        const prevGap = a.pbu.ref.time - c[i - 2]!.pbu.ref.time;
        const want = Math.min(prevGap * 2, 32);
        if (gap >= want * (1 - TOLERANCE) && gap <= Math.min(want, 32) * (1 + TOLERANCE) + 0.05) backoff!.pass(() => `retransmission gap ${seconds(gap)} after ${seconds(prevGap)}${note}`, ev);
        else backoff!.fail(() => `retransmission gap ${seconds(gap)} after ${seconds(prevGap)}${note}`, ev, () => ({ field: 'back-off', expected: `≈ ${seconds(want)}`, seen: seconds(gap) }));
      }
      if (t.settings.timestampMode) {
        const ta = optionOf(a.pbu, 27), tb = optionOf(b.pbu, 27);
        if (tb === undefined) ts!.fail('retransmission carries no Timestamp option in timestamp mode', ev, () => ({ field: 'Timestamp', expected: ta ? `> ${ta.iso}` : 'present, the current time', seen: 'absent' }));
        // After a PBU without one there is nothing to compare with: MAG-PBU-11 judges that PBU.
        else if (ta === undefined) ts!.pass('retransmission carries a Timestamp', ev);
        else if (tb.seconds * 65536 + tb.fraction > ta.seconds * 65536 + ta.fraction) ts!.pass('retransmission carries a newer Timestamp', ev);
        else ts!.fail(() => `retransmission Timestamp ${tb.iso} is not newer than ${ta.iso}`, ev, () => ({ field: 'Timestamp', expected: `> ${ta.iso}`, seen: tb.iso }));
      } else {
        const diff = (b.pbu.mh.seq - a.pbu.mh.seq + 0x10000) % 0x10000;
        if (diff > 0 && diff < 0x8000) seq!.pass(() => `retransmission Sequence # ${a.pbu.mh.seq} -> ${b.pbu.mh.seq}`, ev);
        else seq!.fail(() => `retransmission Sequence # ${a.pbu.mh.seq} -> ${b.pbu.mh.seq}`, ev, () => ({ field: 'Sequence #', expected: `> ${a.pbu.mh.seq}`, seen: b.pbu.mh.seq }));
      }
    }
  }
});

export const retransmitUntilAnswered = check('pbu-retransmit-until-answered', ['MAG-RTX-02'], (t, [j]) => {
  j!.inconclusiveBecause('no registration PBU went unanswered');
  const repeated = new Set(t.magExchanges.flatMap((e) => (e.retransmits ? [e.retransmits] : [])));
  const end = t.end;
  for (const ex of t.magExchanges) {
    if (ex.pba !== undefined || ex.deregistration || ex.pbu.mh.checksumOk === false) continue;
    if (repeated.has(ex)) { j!.pass(() => `unanswered PBU was retransmitted${droppedNote(ex)}`, evEx(t, ex)); continue; }
    let gap = 1.5;
    for (let r = ex.retransmits; r !== undefined && r.retransmits !== undefined; r = r.retransmits) gap = Math.min(32, gap * 2);
    if (ex.retransmits) gap = Math.min(32, (ex.pbu.ref.time - ex.retransmits.pbu.ref.time) * 2);
    const left = t.events.some((e) => (e.kind === 'detach' || e.kind === 'link-down') && (e.mnId === ex.mnId) && e.time >= ex.pbu.ref.time);
    if (left || end - ex.pbu.ref.time <= gap * (1 + TOLERANCE) + 1) continue;
    j!.fail(() => `unanswered PBU not retransmitted in the ${seconds(end - ex.pbu.ref.time)} the trace goes on${droppedNote(ex)}`, evEx(t, ex), () => ({ field: 'retransmission', expected: `within ≈ ${seconds(gap)}`, seen: 'none' }));
  }
});

export const rateLimit = check('pbu-rate-limit', ['MAG-RTX-07'], (t, [j]) => {
  // PBUs per MAG and MN, the groups in order of their first PBU (MAG -> MN-ID or '' -> group).
  const groups: Exchange[][] = [];
  const byMag = new Map<string, Map<string, Exchange[]>>();
  for (const ex of t.magExchanges) {
    let byMn = byMag.get(ex.mag);
    if (byMn === undefined) byMag.set(ex.mag, byMn = new Map());
    const list = byMn.get(ex.mnId ?? '');
    if (list === undefined) { const g = [ex]; byMn.set(ex.mnId ?? '', g); groups.push(g); } else list.push(ex);
  }
  for (const list of groups) {
    const k = `${list[0]!.mag}|${list[0]!.mnId ?? ''}`;
    let lo = 0, worst = 0, at = 0;
    for (let hi = 0; hi < list.length; hi++) {
      while (list[hi]!.pbu.ref.time - list[lo]!.pbu.ref.time >= 1) lo++;
      if (hi - lo + 1 > worst) { worst = hi - lo + 1; at = lo; }
    }
    const mn = k.split('|')[1];
    if (worst <= 3) j!.pass(() => `at most ${worst} PBU(s) per second for ${mn}`, [mhEv(t, list[0]!.pbu)]);
    else j!.fail(() => `${worst} PBUs within one second for ${mn}`, list.slice(at, at + worst).map((e) => mhEv(t, e.pbu)), () => ({ field: 'PBUs per second', expected: '<= 3 (MAX_UPDATE_RATE)', seen: worst }));
  }
});

// ---------------------------------------------------------------------------------------------
// C.9 Re-registration

/** The PBU that started the session at this MAG (attach, handover or re-attach). */
function initialAt(s: Session, mag: string, before: number): SessionEvent | undefined {
  return lastBefore(eventsOf(s, ARRIVAL_KINDS, mag), before);
}

function optionDifferences(a: Exchange, b: Exchange): string[] {
  const out: string[] = [];
  if (a.mnId !== b.mnId) out.push(`MN-ID ${b.mnId} vs ${a.mnId}`);
  if (a.att !== b.att) out.push(`ATT ${b.att} vs ${a.att}`);
  if (a.llId !== b.llId) out.push(`MN-LL-ID ${b.llId ?? 'absent'} vs ${a.llId ?? 'absent'}`);
  for (const [type, name] of [[27, 'Timestamp'], [26, 'LLA']] as const) {
    const x = optionOf(a.pbu, type) !== undefined, y = optionOf(b.pbu, type) !== undefined;
    if (x !== y) out.push(`${name} ${y ? 'present' : 'absent'} vs ${x ? 'present' : 'absent'}`);
  }
  return out;
}

export const refreshPbu = check('refresh-pbu', ['REREG-02', 'REREG-03', 'REREG-04'], (t, [opts, prefixes, hi]) => {
  for (const ex of t.magExchanges) {
    const s = ex.session;
    if (s === undefined || ex.deregistration || servingMag(s, ex.pbu.ref.time) !== ex.mag) continue;
    const init = initialAt(s, ex.mag, ex.pbu.ref.time);
    if (init === undefined || init.exchange === ex) continue;
    const ev = [mhEv(t, init.exchange.pbu), mhEv(t, ex.pbu)];
    const diff = optionDifferences(init.exchange, ex);
    if (diff.length === 0) opts!.pass('refresh PBU repeats the initial options', ev);
    else opts!.fail(() => `refresh PBU differs from the initial one: ${diff.join('; ')}`, ev, () => ({ field: 'options', expected: 'as in the initial PBU', seen: diff.join('; ') }));
    const want = lastAtOrBefore(eventsOf(s, REGISTRATION_KINDS), ex.pbu.ref.time)?.hnps ?? [];
    if (sameSet(ex.hnps, want)) prefixes!.pass(() => `refresh lists ${setText(want)}`, ev);
    else prefixes!.fail(() => `refresh PBU lists ${setText(ex.hnps)}, the session has ${setText(want)}`, ev, () => ({ field: 'HNP', expected: setText(want), seen: setText(ex.hnps) }));
    if (ex.hi === 5) hi!.pass('refresh PBU has HI = 5', ev);
    else hi!.fail(() => `refresh PBU has HI = ${ex.hi ?? 'none'}`, ev, { field: 'HI', expected: 5, seen: ex.hi ?? 'none' });
  }
});

export const refreshBeforeExpiry = check('refresh-before-expiry', ['REREG-01'], (t, [j]) => {
  const end = t.end;
  const bySession = new Map<Session, Exchange[]>();
  for (const x of t.magExchanges) if (x.session) pushTo(bySession, x.session, x);
  for (const s of t.sessions) {
    const mine = bySession.get(s) ?? [];
    let k = 0;
    for (let i = 0; i < s.events.length; i++) {
      const e = s.events[i]!;
      if (!isRegistration(e) || e.exchange.pba === undefined) continue;
      const life = e.exchange.pba.mh.lifetime;
      while (k < mine.length && mine[k]!.pbu.ref.time <= e.time) k++;
      const next = mine[k];
      const ev = evEx(t, e.exchange);
      if (next !== undefined) {
        const gap = next.pbu.ref.time - e.time;
        if (gap < life) j!.pass(() => `next PBU ${seconds(gap)} into a ${life} s binding`, [...ev, mhEv(t, next.pbu)]);
        else j!.fail(() => `next PBU only ${seconds(gap)} after a ${life} s binding was granted`, [...ev, mhEv(t, next.pbu)], () => ({ field: 'refresh time', expected: `< ${life} s`, seen: seconds(gap) }));
      } else if (end - e.time > life && !t.events.some((x) => (x.kind === 'detach' || x.kind === 'link-down') && x.mnId === s.mnId && x.time > e.time)) {
        j!.fail(() => `the ${life} s binding expired with no refresh (trace goes on ${seconds(end - e.time)})`, ev, () => ({ field: 'refresh', expected: `before ${life} s`, seen: 'none' }));
      }
    }
  }
});

// ---------------------------------------------------------------------------------------------
// C.10 De-registration

export const deregOnDetach = check('dereg-on-detach', ['DEREG-01', 'REREG-06'], (t, [dereg, presence]) => {
  for (const j of [dereg, presence]) j!.inconclusiveBecause('the event log records no MN leaving its link');
  for (const e of t.events) {
    // An entry that names no MN (an older log read without its topology) cannot be matched to PBUs.
    if ((e.kind !== 'detach' && e.kind !== 'link-down') || (e.mnId === undefined && e.mac === undefined)) continue;
    const who = e.mnId;
    const mine = (x: Exchange): boolean => x.deregistration && (x.mnId === who || (e.mac !== undefined && x.llId === e.mac.replace(/:/g, '')));
    // magExchanges are in PBU time order: look only at the PBUs of the 5 s after the event.
    const all = t.magExchanges;
    let pbu: Exchange | undefined;
    for (let k = partitionPoint(all.length, (i) => all[i]!.pbu.ref.time < e.time); k < all.length && all[k]!.pbu.ref.time - e.time <= 5; k++) {
      if (mine(all[k]!)) { pbu = all[k]; break; }
    }
    for (const j of [dereg!, presence!]) {
      if (pbu) j.pass(() => `de-registration ${seconds(pbu.pbu.ref.time - e.time)} after ${e.kind} of ${e.mn ?? who}`, [mhEv(t, pbu.pbu)]);
      else j.fail(() => `no de-registration PBU within 5 s after ${e.kind} of ${e.mn ?? who ?? e.mac}`, [], { field: 'PBU lifetime 0', expected: 'within 5 s', seen: 'none' });
    }
  }
});

export const deregPbu = check('dereg-pbu', ['DEREG-02', 'DEREG-03', 'DEREG-04'], (t, [prefixes, hi, opts]) => {
  for (const ex of t.magExchanges) {
    const s = ex.session;
    if (!ex.deregistration || s === undefined) continue;
    const ev = [mhEv(t, ex.pbu)];
    if (ex.hi === 4) hi!.pass('de-registration PBU has HI = 4', ev);
    else hi!.fail(() => `de-registration PBU has HI = ${ex.hi ?? 'none'}`, ev, { field: 'HI', expected: 4, seen: ex.hi ?? 'none' });
    const last = lastAtOrBefore(eventsOf(s, REGISTRATION_KINDS, ex.mag), ex.pbu.ref.time);
    if (last === undefined) continue;
    if (sameSet(ex.hnps, last.hnps)) prefixes!.pass(() => `de-registration lists ${setText(last.hnps)}`, ev);
    else prefixes!.fail(() => `de-registration lists ${setText(ex.hnps)}, the session has ${setText(last.hnps)}`, ev, () => ({ field: 'HNP', expected: setText(last.hnps), seen: setText(ex.hnps) }));
    const init = initialAt(s, ex.mag, ex.pbu.ref.time);
    if (init === undefined) continue;
    const diff = optionDifferences(init.exchange, ex);
    if (diff.length === 0) opts!.pass('de-registration repeats the initial options', [mhEv(t, init.exchange.pbu), ...ev]);
    else opts!.fail(() => `de-registration differs from the initial PBU: ${diff.join('; ')}`, [mhEv(t, init.exchange.pbu), ...ev], () => ({ field: 'options', expected: 'as in the initial PBU', seen: diff.join('; ') }));
  }
});

export const foreignDeregIgnored = check('foreign-dereg-ignored', ['DEREG-06', 'HO-06'], (t, [j, race]) => {
  for (const x of [j, race]) x!.inconclusiveBecause('no de-registration from a MAG that no longer served the MN');
  for (const { e } of events(t, (e) => e.kind === 'dereg-ignored' || e.kind === 'dereg-foreign')) {
    const ev = evEx(t, e.exchange);
    for (const x of [j!, race!]) {
      const dropped = e.exchange.droppedPbas?.find((f) => f.mh.status < 128);
      if (e.kind === 'dereg-ignored' && dropped !== undefined) {
        x.fail(() => `de-registration from ${e.mag}, which no longer served the MN, was accepted (status ${dropped.mh.status}, in a malformed PBA its MAG dropped)`, ev, () => ({ field: 'PBA', expected: 'none', seen: `status ${dropped.mh.status}` }));
      } else if (e.kind === 'dereg-ignored') x.pass(() => `late de-registration from ${e.mag} ignored (no PBA)`, ev);
      else x.fail(() => `de-registration from ${e.mag}, which no longer served the MN, was accepted`, ev, () => ({ field: 'PBA', expected: 'none', seen: `status ${e.exchange.pba?.mh.status}` }));
    }
  }
});

export const deregAccepted = check('dereg-accepted', ['DEREG-07'], (t, [j]) => {
  for (const ex of t.exchanges) {
    const s = ex.session;
    const pba = ex.pba;
    if (!ex.deregistration || s === undefined || servingMag(s, ex.pbu.ref.time) !== ex.mag || pba === undefined) continue;
    if (!accepted(ex) && ex.pbu.fromTester) continue;
    const delay = pba.ref.time - ex.pbu.ref.time;
    const ev = evEx(t, ex);
    if (pba.mh.status === 0 && pba.mh.lifetimeUnits === 0 && delay <= 1) j!.pass(() => `de-registration accepted in ${seconds(delay)}`, ev);
    else j!.fail(() => `de-registration answered with status ${pba.mh.status}, lifetime ${pba.mh.lifetime} s after ${seconds(delay)}`, ev, () => ({ field: 'PBA', expected: 'status 0, lifetime 0, at once', seen: `status ${pba.mh.status}, lifetime ${pba.mh.lifetime} s, ${seconds(delay)}` }));
  }
});

export const takeoverInWindow = check('takeover-in-window', ['DEREG-08', 'DEREG-10', 'HO-07'], (t, [prefix, values, race]) => {
  for (const x of [prefix, values, race]) x!.inconclusiveBecause('no registration arrived while a de-registered binding waited for deletion');
  // Whether the registration came within the wait: a defaulted MinDelayBeforeBCEDelete cannot say
  // the LMA was wrong to start afresh (keeping the binding shows the wait by itself).
  const minDelayKnown = settingKnown(t, 'minDelayBeforeBceDeleteMs');
  const fail = (j: Judge, msg: LazyText, ev: LazyFrame[], detail: Detail): void => {
    if (minDelayKnown) j.fail(msg, ev, detail);
    else j.undecided(() => `${typeof msg === 'function' ? msg() : msg}; whether the binding was still waiting ${unknownSetting('minDelayBeforeBceDeleteMs')}`, ev);
  };
  for (const s of t.sessions) {
    // The latest de-registration before event i.
    let latest = s.events[0]!.kind === 'deregistration' ? s.events[0] : undefined;
    for (let i = 1; i < s.events.length; i++) {
      const e = s.events[i]!;
      const dereg = latest;
      if (e.kind === 'deregistration') latest = e;
      if (e.kind !== 'reattach' && !(e.kind === 'handover' && dereg !== undefined)) continue;
      if (dereg === undefined) continue;
      const prev = previousRegistration(s, e);
      if (prev === undefined) continue;
      const ev = [...evEx(t, dereg.exchange), ...evEx(t, e.exchange)];
      const sameHnp = sameSet(prev.hnps, e.hnps);
      const sameLla = prev.lla === e.lla;
      const msg = `${seconds(e.time - dereg.time)} after the de-registration, ${e.mag} got ${setText(e.hnps)}${e.lla ? ` / ${e.lla}` : ''}`;
      const hnpDetail = { field: 'HNP', expected: setText(prev.hnps), seen: setText(e.hnps) };
      if (sameHnp) prefix!.pass(msg, ev); else fail(prefix!, () => `${msg}; the session had ${setText(prev.hnps)}`, ev, hnpDetail);
      if (sameHnp && sameLla) values!.pass(msg, ev);
      else fail(values!, () => `${msg}; the session had ${setText(prev.hnps)} / ${prev.lla ?? 'no LLA'}`, ev, sameHnp ? { field: 'LLA', expected: prev.lla ?? 'none', seen: e.lla ?? 'none' } : hnpDetail);
      if (e.kind === 'handover') {
        if (sameHnp) race!.pass(msg, ev); else fail(race!, () => `${msg}; the session had ${setText(prev.hnps)}`, ev, hnpDetail);
      }
    }
  }
});

// ---------------------------------------------------------------------------------------------
// C.11 Handover signalling

// HO-01/HO-02 judge the n-MAG: a tester's Handoff Indicator is a stimulus, not MAG output. What
// the LMA registered before (for HO-02) counts whoever asked for it.
export const handoverIndicator = check('handover-hi', ['HO-01', 'HO-02'], (t, [value, real]) => {
  for (const { e } of events(t, 'handover')) {
    if (e.exchange.pbu.fromTester) continue;
    const hi = e.exchange.hi;
    const ev = evEx(t, e.exchange);
    if (hi === 3 || hi === 4) value!.pass(() => `n-MAG PBU has HI = ${hi}`, ev);
    else value!.fail(() => `n-MAG PBU for a single-interface MN has HI = ${hi ?? 'none'}`, ev, { field: 'HI', expected: '3 or 4', seen: hi ?? 'none' });
  }
  const registered = new Set<string>();
  for (const ex of [...t.exchanges].sort((a, b) => a.pbu.ref.time - b.pbu.ref.time)) {
    if (ex.mnId === undefined) continue;
    if ((ex.hi === 2 || ex.hi === 3) && !ex.deregistration && !ex.pbu.fromTester) {
      const known = registered.has(ex.mnId);
      const ev = [mhEv(t, ex.pbu)];
      if (known) real!.pass(() => `HI = ${ex.hi} for ${ex.mnId}, which was registered before`, ev);
      else real!.fail(() => `HI = ${ex.hi} for ${ex.mnId}, which had no earlier binding (a new attachment is HI 1, unknown 4)`, ev, { field: 'HI', expected: '1 or 4', seen: ex.hi });
    }
    if (accepted(ex)) registered.add(ex.mnId);
  }
});

export const handoverSameBinding = check('handover-same-binding', ['HO-03', 'HO-04'], (t, [prefix, lla]) => {
  for (const { s, e } of events(t, 'handover')) {
    const prev = previousRegistration(s, e);
    if (prev === undefined) continue;
    const ev = [...evEx(t, prev.exchange), ...evEx(t, e.exchange)];
    if (sameSet(prev.hnps, e.hnps)) prefix!.pass(() => `n-MAG ${e.mag} got the same ${setText(e.hnps)}`, ev);
    else prefix!.fail(() => `n-MAG ${e.mag} got ${setText(e.hnps)}, p-MAG ${prev.mag} had ${setText(prev.hnps)}`, ev, () => ({ field: 'HNP', expected: setText(prev.hnps), seen: setText(e.hnps) }));
    if (s.lla === undefined) continue;
    if (e.lla === s.lla) lla!.pass(() => `n-MAG PBA returns the stored LLA ${s.lla}`, ev);
    else lla!.fail(() => `n-MAG PBA carries LLA ${e.lla ?? 'none'}, the BCE holds ${s.lla}`, ev, { field: 'LLA', expected: s.lla, seen: e.lla ?? 'none' });
  }
});

export const multiplePrefixes = check('multiple-prefixes', ['MH6-02'], (t, [j]) => {
  j!.inconclusiveBecause('no session with two or more prefixes');
  for (const s of t.sessions) {
    if (s.hnps.length < 2) continue;
    for (const e of s.events) {
      if (!isRegistration(e) || e.kind === 'attach') continue;
      const ev = evEx(t, e.exchange);
      if (sameSet(e.hnps, s.hnps)) j!.pass(() => `${e.kind} keeps all of ${setText(s.hnps)}`, ev);
      else j!.fail(() => `${e.kind} PBA carries ${setText(e.hnps)} of the session's ${setText(s.hnps)}`, ev, () => ({ field: 'HNP', expected: setText(s.hnps), seen: setText(e.hnps) }));
    }
  }
});

export const MOBILITY_CHECKS = [
  bcePrefixesUnique, bceRefresh, bceHandoffUnknown, bceSecondInterface, bceUnknownDereg, magStopsAfter152,
  retransmission, retransmitUntilAnswered, rateLimit, refreshPbu, refreshBeforeExpiry, deregOnDetach, deregPbu,
  foreignDeregIgnored, deregAccepted, takeoverInWindow, handoverIndicator, handoverSameBinding, multiplePrefixes,
];
