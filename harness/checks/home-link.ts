// C.12 and the access-link side of C.7/C.11: the MAG's Router Advertisements emulate the MN's home
// link (RFC 5213 §6.7-§6.9.5): HNPs only after acceptance, from the right link-local and link-layer
// address, the same at every MAG.
import { isLinkLocal } from '../../wire/index.js';
import {
  accepted, partitionPoint, pushTo, setText, settingKnown, unknownSetting, type Exchange, type FrameRef, type NdFrame, type Session,
  type Trace,
} from '../trace/index.js';
import { check } from './check.js';
import { mhEv, ndEv, seconds } from './evidence.js';
import { isWithdrawingRa } from './prefix-withdrawal.js';
import {
  accessRas, byMagAndMn, eventsOf, HANDOVER_KINDS, hnpsOf, macOfLlId, magMnKey, pointCarries, prefixesAt, rasOn, rasWithin, registrationAt, servedOn,
  type RaAt,
} from './helpers.js';

/** Seconds after an acceptance within which the MAG is expected to have advertised the prefix. */
const RA_AFTER_PBA_S = 5;
/** An RS is answered within this (RFC 4861 rate limits included). */
const RS_ANSWER_S = 4;

const advertised = (r: RaAt): string[] => r.ra.prefixes.filter((p) => p.validLifetime > 0).map((p) => p.prefix);

export const raRouterLifetime = check('ra-router-lifetime', ['RA-01'], (t, [j]) => {
  for (const r of accessRas(t)) {
    if (advertised(r).length === 0) continue;
    if (r.ra.routerLifetime > 0) j!.pass(() => `RA router lifetime ${r.ra.routerLifetime} s`, [ndEv(t, r.f)]);
    else j!.fail('RA advertising a prefix has router lifetime 0', [ndEv(t, r.f)], { field: 'Router Lifetime', expected: '> 0', seen: 0 });
  }
});

export const raCarriesHnp = check('ra-carries-hnp', ['RA-02', 'MAG-PBA-05'], (t, [each, after]) => {
  const ras = accessRas(t);
  for (const r of ras) {
    // RFC 5213 §6.12: an RA withdrawing prefixes that stopped being the MN's is RA-12's.
    if (isWithdrawingRa(t, r)) continue;
    for (const s of servedOn(t, r.point, r.f.ref.time)) {
      const want = prefixesAt(s, r.f.ref.time);
      const missing = want.filter((p) => !r.ra.prefixes.some((o) => o.prefix === p && o.onLink && o.validLifetime > 0));
      if (missing.length === 0) each!.pass(() => `RA on ${r.point.name} carries ${setText(want)} on-link`, [ndEv(t, r.f)]);
      else each!.fail(() => `RA on ${r.point.name} lacks on-link PIO ${setText(missing)} of ${s.mnId}`, [ndEv(t, r.f)], () => ({ field: 'PIO', expected: setText(want), seen: setText(r.ra.prefixes.map((p) => `${p.prefix}${p.onLink ? '' : ' (L=0)'}`)) }));
    }
  }
  for (const s of t.sessions) {
    for (const e of s.events) {
      if ((e.kind !== 'attach' && e.kind !== 'handover' && e.kind !== 'reattach') || e.exchange.magIgnores !== undefined) continue;
      const points = t.accessPointsOf(e.mag).filter((p) => pointCarries(p, s));
      if (points.length === 0) continue;
      const window = points.flatMap((p) => rasWithin(rasOn(t, p), e.time, RA_AFTER_PBA_S));
      // In trace order, as one list of all access RAs would give them.
      if (points.length > 1) window.sort((a, b) => a.f.ref.time - b.f.ref.time || t.pointIndex(a.point.name) - t.pointIndex(b.point.name) || a.f.ref.frame - b.f.ref.frame);
      if (window.length === 0) continue;
      const good = window.find((r) => e.hnps.every((p) => advertised(r).includes(p)));
      const ev = [mhEv(t, e.exchange.pba!), ndEv(t, (good ?? window[0]!).f)];
      if (good) after!.pass(() => `${e.mag} advertised ${setText(e.hnps)} ${seconds(good.f.ref.time - e.time)} after the PBA`, ev);
      else after!.fail(() => `none of the ${window.length} RA(s) after the PBA advertises ${setText(e.hnps)}`, ev, () => ({ field: 'PIO', expected: setText(e.hnps), seen: setText(advertised(window[0]!)) }));
    }
  }
});

/** When each MAG was first granted each prefix by a PBA it could take, per session: "sessionId|mag|prefix" -> time. */
function firstGrants(t: Trace): Map<string, number> {
  const m = new Map<string, number>();
  for (const s of t.sessions) {
    for (const e of s.events) {
      if (e.exchange.pba === undefined || !accepted(e.exchange) || e.exchange.magIgnores !== undefined) continue;
      for (const p of e.hnps) { const k = `${s.id}|${e.mag}|${p}`; if (!m.has(k)) m.set(k, e.time); }
    }
  }
  return m;
}

export const raOnlyAfterPba = check('ra-only-after-pba', ['RA-03', 'HO-11'], (t, [j, ho]) => {
  ho!.inconclusiveBecause('no RA at a new MAG after a handover');
  let grants: Map<string, number> | undefined;
  let owners: Map<string, Session[]> | undefined;
  for (const r of accessRas(t)) {
    const mag = r.point.mag;
    if (mag === undefined) continue;
    if (grants === undefined || owners === undefined) {
      grants = firstGrants(t);
      owners = new Map();
      for (const s of t.sessions) for (const p of new Set(s.events.flatMap((e) => e.hnps))) pushTo(owners, p, s);
    }
    for (const prefix of advertised(r)) {
      for (const s of owners.get(prefix) ?? []) {
        const granted = grants.get(`${s.id}|${mag}|${prefix}`);
        const ok = granted !== undefined && granted <= r.f.ref.time;
        const handover = eventsOf(s, HANDOVER_KINDS, mag).length > 0;
        const ev = [ndEv(t, r.f)];
        const judges = handover ? [j!, ho!] : [j!];
        for (const x of judges) {
          if (ok) x.pass(() => `${r.point.name} advertises ${prefix} after its PBA`, ev);
          else x.fail(() => `${r.point.name} advertises ${s.mnId}'s ${prefix} before ${mag} had a PBA granting it`, ev, { field: 'PIO', expected: 'only after the accepting PBA', seen: prefix });
        }
      }
    }
  }
});

export const raAfterRejection = check('ra-after-rejection', ['RA-04', 'MAG-PBA-06'], (t, [ra, mag]) => {
  for (const x of [ra, mag]) x!.inconclusiveBecause('no rejected registration followed by RAs on that MN\'s link');
  // Built at the first rejection: every HNP of the trace, accepted registrations per MAG and MN,
  // access RAs per MAG (both in time order).
  let allHnps: Set<string> | undefined;
  let acceptedOf: Map<string, Exchange[]> | undefined;
  let rasOfMag: Map<string | undefined, RaAt[]> | undefined;
  for (const ex of t.magExchanges) {
    if (ex.pba === undefined || accepted(ex) || ex.deregistration) continue;
    if (allHnps === undefined || acceptedOf === undefined || rasOfMag === undefined) {
      allHnps = new Set();
      for (const s of t.sessions) for (const e of s.events) for (const p of e.hnps) allHnps.add(p);
      acceptedOf = byMagAndMn(t.magExchanges.filter(accepted));
      rasOfMag = new Map();
      for (const r of accessRas(t)) pushTo(rasOfMag, r.point.mag, r);
    }
    const everyHnp = allHnps;
    const later = acceptedOf.get(magMnKey(ex)) ?? [];
    const until = later[partitionPoint(later.length, (i) => later[i]!.pbu.ref.time <= ex.pba!.ref.time)]?.pbu.ref.time ?? Infinity;
    const mac = macOfLlId(ex.llId);
    const own = new Set([...hnpsOf(ex.pbu), ...hnpsOf(ex.pba)].filter((p) => !p.startsWith('::')));
    const ras = rasOfMag.get(ex.mag) ?? [];
    for (let k = partitionPoint(ras.length, (i) => ras[i]!.f.ref.time <= ex.pba!.ref.time); k < ras.length && ras[k]!.f.ref.time < until; k++) {
      const r = ras[k]!;
      if (mac !== undefined && r.point.mnMacs.length > 0 && !r.point.mnMacs.includes(mac)) continue;
      if (servedOn(t, r.point, r.f.ref.time).length > 0) continue;
      const bad = advertised(r).filter((p) => everyHnp.has(p) || own.has(p));
      const ev = [mhEv(t, ex.pba), ndEv(t, r.f)];
      for (const x of [ra!, mag!]) {
        if (bad.length === 0) x.pass(`after status ${ex.pba.mh.status} the RA on ${r.point.name} advertises no HNP`, ev);
        else x.fail(`after status ${ex.pba.mh.status} the RA on ${r.point.name} still advertises ${setText(bad)}`, ev, { field: 'PIO', expected: 'no HNP', seen: setText(bad) });
      }
    }
  }
});

export const raAnswersRs = check('ra-answers-rs', ['RA-05'], (t, [j]) => {
  for (const f of t.ndOnAccess(133)) {
    const point = t.points[t.pointIndex(f.ref.point)]!;
    const sessions = servedOn(t, point, f.ref.time).filter((s) => f.linkSrc === undefined || macOfLlId(s.llId) === undefined || macOfLlId(s.llId) === f.linkSrc);
    for (const s of sessions) {
      const want = prefixesAt(s, f.ref.time);
      const answer = rasWithin(rasOn(t, point), f.ref.time, RS_ANSWER_S).find((r) => want.every((p) => advertised(r).includes(p)));
      if (answer) j!.pass(() => `RS answered in ${seconds(answer.f.ref.time - f.ref.time)} with ${setText(want)}`, [ndEv(t, f), ndEv(t, answer.f)]);
      else j!.fail(() => `RS from ${s.mnId} not answered with an RA carrying ${setText(want)} within ${RS_ANSWER_S} s`, [ndEv(t, f)], () => ({ field: 'RA', expected: `PIO ${setText(want)}`, seen: 'none' }));
    }
  }
});

export const raOnlyOwnPrefixes = check('ra-only-own-prefixes', ['RA-06'], (t, [j]) => {
  for (const r of accessRas(t)) {
    const served = servedOn(t, r.point, r.f.ref.time);
    if (served.length === 0) continue;
    const own = new Set(served.flatMap((s) => prefixesAt(s, r.f.ref.time)));
    const foreign = advertised(r).filter((p) => !own.has(p));
    if (foreign.length === 0) { j!.pass(() => `RA on ${r.point.name} carries only ${setText([...own])}`, [ndEv(t, r.f)]); continue; }
    const owner = t.sessions.find((s) => foreign.some((p) => s.hnps.includes(p)));
    j!.fail(() => `RA on ${r.point.name} also advertises ${setText(foreign)}${owner ? `, ${owner.mnId}'s prefix` : ''}`, [ndEv(t, r.f)], () => ({ field: 'PIO', expected: setText([...own]), seen: setText(advertised(r)) }));
  }
});

/** RAs grouped per MN (by the single MN MAC of their access point) across MAGs. */
function rasPerMn(t: Trace): Map<string, RaAt[]> {
  const out = new Map<string, RaAt[]>();
  for (const r of accessRas(t)) {
    if (r.point.mnMacs.length !== 1 || r.point.mag === undefined) continue;
    pushTo(out, r.point.mnMacs[0]!, r);
  }
  return out;
}

export const raSameRouterEverywhere = check('ra-same-router', ['HO-05', 'RA-07'], (t, [addr, flags]) => {
  for (const x of [addr, flags]) x!.inconclusiveBecause('no MN received RAs from two MAGs');
  for (const [mac, list] of rasPerMn(t)) {
    const first = list[0]!;
    const otherMag = list.filter((r) => r.point.mag !== first.point.mag);
    if (otherMag.length === 0) continue;
    const id = (r: RaAt): string => `${r.f.src} / ${r.f.linkSrc ?? '?'} / SLLAO ${r.ra.sourceLinkLayer ?? 'none'}`;
    const fl = (r: RaAt): string => `M=${+r.ra.managed} O=${+r.ra.other} A=${r.ra.prefixes.map((p) => +p.autonomous).join('')}`;
    for (const r of otherMag) {
      const ev = [ndEv(t, first.f), ndEv(t, r.f)];
      if (id(r) === id(first)) addr!.pass(() => `MN ${mac} sees the same router ${id(r)} at ${first.point.mag} and ${r.point.mag}`, ev);
      else addr!.fail(() => `MN ${mac} sees router ${id(first)} at ${first.point.mag} but ${id(r)} at ${r.point.mag}`, ev, () => ({ field: 'RA source', expected: id(first), seen: id(r) }));
      if (fl(r) === fl(first)) flags!.pass(() => `same configuration flags ${fl(r)} at both MAGs`, ev);
      else flags!.fail(() => `configuration flags ${fl(first)} at ${first.point.mag} but ${fl(r)} at ${r.point.mag}`, ev, () => ({ field: 'M/O/A', expected: fl(first), seen: fl(r) }));
    }
  }
});

export const raSourceAddress = check('ra-source', ['RA-08', 'MAG-PBA-09'], (t, [j, pba]) => {
  const fixed = t.settings.fixedMagLinkLocal;
  for (const r of accessRas(t)) {
    for (const s of servedOn(t, r.point, r.f.ref.time)) {
      const reg = registrationAt(s, r.f.ref.time);
      const lla = fixed ?? reg?.lla;
      if (lla === undefined || lla === '::') continue;
      const judges = fixed === null ? [j!, pba!] : [j!];
      const ev = reg ? [mhEv(t, reg.exchange.pba!), ndEv(t, r.f)] : [ndEv(t, r.f)];
      for (const x of judges) {
        if (r.f.src === lla) x.pass(() => `RA from ${lla}`, ev);
        else x.fail(() => `RA for ${s.mnId} comes from ${r.f.src}, not ${lla}`, ev, { field: 'IPv6 source', expected: lla, seen: r.f.src });
      }
    }
  }
  if (fixed !== null) pba!.na(`fixed MAG link-local address ${fixed}: the LMA hands none out`);
});

export const raLinkLayer = check('ra-link-layer', ['RA-09'], (t, [j]) => {
  const mac = t.settings.fixedMagLinkLayer;
  if (mac === null) { j!.na('FixedMAGLinkLayerAddressOnAllAccessLinks is ALL_ZERO'); return; }
  // An RA from RFC 6543's MAC shows the domain uses it (infer.ts); without one, a MAG using its own
  // MAC may be right (ALL_ZERO) or wrong: only the user knows.
  const known = settingKnown(t, 'fixedMagLinkLayer');
  for (const r of accessRas(t)) {
    const seen = `${r.f.linkSrc ?? '?'} / SLLAO ${r.ra.sourceLinkLayer ?? 'none'}`;
    if ((r.f.linkSrc === undefined || r.f.linkSrc === mac) && r.ra.sourceLinkLayer === mac) j!.pass(() => `RA from ${mac}`, [ndEv(t, r.f)]);
    else if (known) j!.fail(() => `RA link-layer source ${seen}, not ${mac}`, [ndEv(t, r.f)], { field: 'Ethernet source / SLLAO', expected: mac, seen });
    else j!.undecided(() => `RA link-layer source ${seen} ${unknownSetting('fixedMagLinkLayer', `no RA comes from ${mac}`)}`, [ndEv(t, r.f)]);
  }
});

/** The longest packet a transport capture holds: the MAG-LMA path carries at least that much. */
function transportFloor(t: Trace): { octets: number; ref: FrameRef } | undefined {
  let best: { octets: number; ref: FrameRef } | undefined;
  for (const p of t.pointsOf('transport')) if (p.largestIpv6 !== undefined && p.largestIpv6.octets > (best?.octets ?? 0)) best = p.largestIpv6;
  return best;
}

export const raMtu = check('ra-mtu', ['RA-10'], (t, [j]) => {
  const known = settingKnown(t, 'maxLinkMtu');
  const limit = t.settings.maxLinkMtu - 40;
  // Without the path MTU, a packet the path carried proves an MTU that fits under it.
  const floor = known ? undefined : transportFloor(t);
  for (const r of accessRas(t)) {
    if (advertised(r).length === 0) continue;
    const mtu = r.ra.mtu;
    const ev = [ndEv(t, r.f)];
    if (mtu === undefined) j!.fail('RA has no MTU option', ev, { field: 'MTU option', expected: known ? `<= ${limit}` : 'present', seen: 'absent' });
    else if (known) {
      if (mtu <= limit) j!.pass(() => `RA MTU ${mtu}`, ev);
      else j!.fail(() => `RA MTU ${mtu} exceeds the tunnel MTU ${limit}`, ev, { field: 'MTU option', expected: `<= ${limit}`, seen: mtu });
    } else if (floor !== undefined && mtu <= floor.octets - 40) {
      j!.pass(() => `RA MTU ${mtu} fits the path, which carried ${floor.octets} octets (${floor.ref.point}#${floor.ref.frame})`, ev);
    } else {
      j!.undecided(() => `RA MTU ${mtu} ${unknownSetting('maxLinkMtu', floor ? `the longest packet on the transport link is ${floor.octets} octets` : 'no transport capture')}`, ev);
    }
  }
});

export const signallingBeforeDad = check('signalling-before-dad', ['RA-14'], (t, [j]) => {
  j!.inconclusiveBecause('no DAD of an attaching MN\'s link-local address was captured');
  const dadsOf = new Map<string | undefined, NdFrame[]>();
  for (const f of t.ndOnAccess(135)) if (f.msg.name === 'NS' && f.src === '::' && isLinkLocal(f.msg.target)) pushTo(dadsOf, f.linkSrc, f);
  for (const s of t.sessions) {
    const e = s.events[0]!;
    const mac = macOfLlId(s.llId);
    if (mac === undefined || e.exchange.pba === undefined) continue;
    const points = new Set(t.accessPointsOf(e.mag).map((p) => p.name));
    // The MN's last DAD NS on its MAG's links in the 10 s up to the PBA (the lists are in time order).
    const dads = dadsOf.get(mac) ?? [];
    let dad: NdFrame | undefined;
    for (let k = partitionPoint(dads.length, (i) => dads[i]!.ref.time <= e.time) - 1; k >= 0 && e.time - dads[k]!.ref.time < 10; k--) {
      if (points.has(dads[k]!.ref.point)) { dad = dads[k]; break; }
    }
    if (dad === undefined) continue;
    const gap = e.time - dad.ref.time;
    const ev = [ndEv(t, dad), mhEv(t, e.exchange.pba)];
    if (gap < 1) j!.pass(() => `PBA ${seconds(gap)} after the MN's DAD NS`, ev);
    else j!.fail(() => `PBA only ${seconds(gap)} after the MN's DAD NS (DAD ends after about 1 s)`, ev, () => ({ field: 'PBA time', expected: '< 1 s after the DAD NS', seen: seconds(gap) }));
  }
});

export const HOME_LINK_CHECKS = [
  raRouterLifetime, raCarriesHnp, raOnlyAfterPba, raAfterRejection, raAnswersRs, raOnlyOwnPrefixes, raSameRouterEverywhere,
  raSourceAddress, raLinkLayer, raMtu, signallingBeforeDad,
];
