// C.12, RFC 5213 §6.12: a home network prefix that stops being the MN's in the middle of its
// mobility session is withdrawn on the MN's link by a Router Advertisement giving it zero valid
// and preferred lifetimes, and no RA advertises it again unless it is granted again. The trace
// shows two such moments: the LMA revokes a binding whose MN is still attached (an accepted RFC
// 5846 BRI whose trigger is not a handover one), and a re-registration at the same MAG whose PBA
// grants another prefix set (renumbering). The routes both ends must remove are state: the cases
// judge them from the IUTs' dumps.
import { accepted, magStateAt, optionsOf, type CapturePoint, type Session, type Trace } from '../trace/index.js';
import { check } from './check.js';
import { mhEv, ndEv, seconds } from './evidence.js';
import { previousRegistration, pointCarries, prefixesAt, rasOn, registrationAt, type RaAt } from './helpers.js';
import { braFor, HANDOVER_TRIGGERS, mnOf, revocations } from './revocation.js';
import type { LazyFrame } from './types.js';

/** The withdrawing RA is expected within this of the event that invalidated the prefix. */
const WITHDRAW_WITHIN_S = 3;

export interface Withdrawal {
  s: Session;
  mag: string;
  /** When the prefixes stopped being the MN's (the BRI, or the PBA) ... */
  time: number;
  /** ... and from when the MAG has surely acted on it (its BRA, or the PBA). */
  settled: number;
  prefixes: string[];
  cause: LazyFrame[];
  what: string;
}

const cache = new WeakMap<Trace, Withdrawal[]>();

/** Every prefix that stopped being its MN's mid-session, in the trace. */
export function withdrawals(t: Trace): Withdrawal[] {
  let out = cache.get(t);
  if (out !== undefined) return out;
  out = [];
  // The session model knows no revocation: one accepted since the session's last registration at
  // that MAG has ended it there already (its MN may have left, as after a handover trigger).
  const revokedAt = new Map<Session, number>();
  for (const bri of revocations(t).bris) {
    if (!t.roles.lmas.includes(bri.src)) continue;
    const bra = braFor(t, bri);
    if (bra === undefined || bra.mh.status !== 0) continue;
    const id = mnOf(bri);
    const named = optionsOf(bri, 22).map((o) => o.prefix);
    for (const s of t.sessions) {
      if ((!bri.mh.flags.G && s.mnId !== id) || magStateAt(s, bri.ref.time)?.mag !== bri.dst) continue;
      const before = revokedAt.get(s);
      if (before !== undefined && before >= (registrationAt(s, bri.ref.time)?.time ?? Infinity)) continue;
      revokedAt.set(s, bri.ref.time);
      if (HANDOVER_TRIGGERS.has(bri.mh.trigger)) continue;
      const prefixes = prefixesAt(s, bri.ref.time).filter((p) => named.length === 0 || named.includes(p));
      if (prefixes.length > 0) {
        out.push({ s, mag: bri.dst, time: bri.ref.time, settled: bra.ref.time, prefixes, cause: [mhEv(t, bri), mhEv(t, bra)], what: `revocation (BRI trigger ${bri.mh.trigger})` });
      }
    }
  }
  for (const s of t.sessions) {
    for (const e of s.events) {
      if (e.kind !== 'refresh' || e.exchange.pba === undefined || !accepted(e.exchange) || e.exchange.magIgnores !== undefined) continue;
      const prev = previousRegistration(s, e);
      const lost = prev !== undefined && prev.mag === e.mag ? prev.hnps.filter((p) => !e.hnps.includes(p)) : [];
      if (lost.length > 0) out.push({ s, mag: e.mag, time: e.time, settled: e.time, prefixes: lost, cause: [mhEv(t, e.exchange.pba)], what: 'PBA granting other prefixes' });
    }
  }
  cache.set(t, out);
  return out;
}

const zero = (r: RaAt, prefix: string): boolean => r.ra.prefixes.some((p) => p.prefix === prefix && p.validLifetime === 0 && p.preferredLifetime === 0);

/** Whether `r` is a MAG withdrawing prefixes it was told are no longer the MN's (not an advertisement of the home link). */
export function isWithdrawingRa(t: Trace, r: RaAt): boolean {
  return r.point.mag !== undefined && withdrawals(t).some((w) => w.mag === r.point.mag && w.time <= r.f.ref.time && w.prefixes.some((p) => zero(r, p)));
}

/** When the MN of `w` was granted `prefix` again at its MAG, if it was. */
function regranted(t: Trace, w: Withdrawal, prefix: string): number {
  let when = Infinity;
  for (const s of t.sessions) {
    if (s.mnId !== w.s.mnId) continue;
    for (const e of s.events) {
      if (e.time > w.settled && e.time < when && e.mag === w.mag && e.exchange.pba !== undefined && accepted(e.exchange) && e.hnps.includes(prefix)) when = e.time;
    }
  }
  return when;
}

export const prefixWithdrawal = check('prefix-withdrawal', ['RA-12'], (t, [j]) => {
  j!.inconclusiveBecause('no prefix stopped being its MN\'s mid-session on a captured access link (a revocation while the MN was attached, or a PBA granting other prefixes)');
  for (const w of withdrawals(t)) {
    const points: CapturePoint[] = t.accessPointsOf(w.mag).filter((p) => pointCarries(p, w.s));
    if (points.length === 0) continue;
    const ras = points.flatMap((p) => rasOn(t, p)).filter((r) => r.f.ref.time >= w.time).sort((a, b) => a.f.ref.time - b.f.ref.time);
    const within = ras.filter((r) => r.f.ref.time - w.time <= WITHDRAW_WITHIN_S);
    const good = within.find((r) => w.prefixes.every((p) => zero(r, p)));
    const list = w.prefixes.join(', ');
    if (good === undefined) {
      const seen = within.length === 0 ? 'no RA' : within.map((r) => r.ra.prefixes.map((p) => `${p.prefix} ${p.validLifetime}/${p.preferredLifetime}`).join(' ') || 'RA without PIO').join('; ');
      j!.fail(() => `no RA on ${points.map((p) => p.name).join(', ')} withdrew ${w.s.mnId}'s ${list} within ${WITHDRAW_WITHIN_S} s of the ${w.what}`, [...w.cause, ...within.slice(0, 1).map((r) => ndEv(t, r.f))],
        { field: 'PIO valid/preferred lifetime', expected: `${list} 0/0`, seen });
      continue;
    }
    const again = ras.find((r) => r.f.ref.time > w.settled && r.ra.prefixes.some((p) => w.prefixes.includes(p.prefix) && p.validLifetime > 0 && r.f.ref.time < regranted(t, w, p.prefix)));
    if (again !== undefined) {
      const p = again.ra.prefixes.find((x) => w.prefixes.includes(x.prefix) && x.validLifetime > 0)!;
      j!.fail(() => `${t.nodeName(w.mag)} advertised ${p.prefix} again ${seconds(again.f.ref.time - w.time)} after the ${w.what} withdrew it`, [...w.cause, ndEv(t, good.f), ndEv(t, again.f)],
        { field: 'PIO valid lifetime', expected: '0 (withdrawn)', seen: p.validLifetime });
    } else {
      j!.pass(() => `${t.nodeName(w.mag)} withdrew ${w.s.mnId}'s ${list} with zero lifetimes ${seconds(good.f.ref.time - w.time)} after the ${w.what}`, [...w.cause, ndEv(t, good.f)]);
    }
  }
});

export const PREFIX_WITHDRAWAL_CHECKS = [prefixWithdrawal];
