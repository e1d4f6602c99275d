// C.13 and the data-plane side of C.5, C.10, C.11: where the MNs' packets go. A packet is followed
// across capture points by its fingerprint (the inner packet without hop limit).
import { DATA_TUNNELLED, partitionPoint, pushTo, servingMag, settingKnown, stateAt, unknownSetting, type Session, type Trace } from '../trace/index.js';
import { isLinkLocal } from '../../wire/index.js';
import { check } from './check.js';
import type { Judge } from './judge.js';
import { dataEv, mhEv, seconds } from './evidence.js';
import {
  DEREGISTRATION_KINDS, ENDING_KINDS, eventsOf, HANDOVER_KINDS, lastAtOrBefore, lastBefore, REGISTRATION_KINDS,
} from './helpers.js';

/** How far apart in time two sightings of one packet may be. */
const SAME_PACKET_S = 1;

/** Rows in time order (then row order). */
function byTime(t: Trace, list: number[]): number[] {
  const time = t.data.time;
  return list.sort((a, b) => time[a]! - time[b]! || a - b);
}

type PointKind = 'access' | 'transport' | 'core';

/** Per trace, what rows() and indexBy() built: several checks ask for the same rows. */
const rowLists = new WeakMap<Trace, Map<string, number[]>>();
const rowIndexes = new WeakMap<Trace, Map<string, Map<number, number[]>>>();

function cached<V>(store: WeakMap<Trace, Map<string, V>>, t: Trace, key: string, build: () => V): V {
  let m = store.get(t);
  if (m === undefined) store.set(t, m = new Map());
  let v = m.get(key);
  if (v === undefined) m.set(key, v = build());
  return v;
}

/** Fingerprint -> row indices in time order, for the rows of points of one kind (shared: do not modify). */
function indexBy(t: Trace, kind: PointKind, tunnelled: boolean): Map<number, number[]> {
  return cached(rowIndexes, t, `${kind}|${tunnelled}`, () => {
    const m = new Map<number, number[]>();
    for (const i of rows(t, kind, tunnelled)) pushTo(m, t.data.hash[i]!, i);
    for (const list of m.values()) if (list.length > 1) byTime(t, list);
    return m;
  });
}

/** Slack on the binary-searched window, so that rounding at its edges is left to the exact test. */
const EDGE_S = 1e-6;

/** The first row (in row order) of the same packet within SAME_PACKET_S of row i that `pred` accepts. */
function near(t: Trace, idx: Map<number, number[]>, i: number, pred: (j: number) => boolean = () => true): number | undefined {
  const list = idx.get(t.data.hash[i]!);
  if (list === undefined) return undefined;
  const times = t.data.time;
  const time = times[i]!;
  let best: number | undefined;
  for (let k = partitionPoint(list.length, (x) => times[list[x]!]! < time - SAME_PACKET_S - EDGE_S); k < list.length; k++) {
    const j = list[k]!;
    if (times[j]! > time + SAME_PACKET_S + EDGE_S) break;
    if (j !== i && (best === undefined || j < best) && Math.abs(times[j]! - time) <= SAME_PACKET_S && pred(j)) best = j;
  }
  return best;
}

/** Data rows of a kind of point, tunnelled or plain (shared: do not modify). */
function rows(t: Trace, kind: PointKind, tunnelled: boolean): readonly number[] {
  return cached(rowLists, t, `${kind}|${tunnelled}`, () => {
    const out: number[] = [];
    const d = t.data;
    for (let i = 0; i < d.length; i++) {
      if (t.pointKind(d.point[i]!) === kind && ((d.flags[i]! & DATA_TUNNELLED) !== 0) === tunnelled) out.push(i);
    }
    return out;
  });
}

/** The session owning an address, preferring one active at time t. */
function sessionOf(t: Trace, addressId: number, time: number): Session | undefined {
  const list = t.sessionsOfAddressId(addressId);
  return list.find((s) => stateAt(s, time) !== undefined) ?? list[0];
}

function text(t: Trace, id: number): string {
  return t.addresses.text(id);
}

/**
 * Why a verdict on row i's capture point as the LMA's core side would rest on a default: nothing
 * in the capture showed it is one (no signalling, ND or tunnel: taken as core for want of better).
 */
function coreGuessed(t: Trace, i: number): string | undefined {
  const p = t.points[t.data.point[i]!]!;
  return p.kindSource === 'default' ? `capture ${p.name} is taken as the LMA's core side only because nothing in it says otherwise: give --point ${p.name}=core if it is` : undefined;
}

export const tunnelEndpoints = check('tunnel-endpoints', ['FWD-01'], (t, [j]) => {
  j!.inconclusiveBecause('no MN data on the MAG-LMA link');
  const mags = new Set(t.roles.mags), lmas = new Set(t.roles.lmas);
  const d = t.data;
  for (let i = 0; i < d.length; i++) {
    if (t.pointKind(d.point[i]!) !== 'transport') continue;
    const src = text(t, d.outerSrc[i]!), dst = text(t, d.outerDst[i]!);
    if (d.flags[i]! & DATA_TUNNELLED) {
      if ((mags.has(src) && lmas.has(dst)) || (lmas.has(src) && mags.has(dst))) j!.pass(() => `tunnel ${src} > ${dst}`, [dataEv(t, i)]);
      else j!.fail(() => `tunnelled packet between ${src} and ${dst}, not a MAG-LMA pair`, [dataEv(t, i)], () => ({ field: 'outer src > dst', expected: 'pCoA <> LMAA', seen: `${src} > ${dst}` }));
    } else if (t.sessionsOfAddressId(d.innerSrc[i]!).length > 0 || t.sessionsOfAddressId(d.innerDst[i]!).length > 0) {
      j!.fail(() => `MN packet ${src} > ${dst} crosses the MAG-LMA link without a tunnel`, [dataEv(t, i)], { field: 'encapsulation', expected: 'IPv6-in-IPv6', seen: 'plain' });
    }
  }
});

export const lmaForwarding = check('lma-forwarding', ['FWD-02', 'FWD-03'], (t, [down, up]) => {
  for (const x of [down, up]) x!.inconclusiveBecause('needs both a core and a transport capture with MN traffic');
  if (t.pointsOf('core').length === 0 || t.pointsOf('transport').length === 0) return;
  const trn = indexBy(t, 'transport', true);
  const core = indexBy(t, 'core', false);
  const lmas = new Set(t.roles.lmas);
  const guessed = t.pointsOf('core').filter((p) => p.kindSource === 'default').map((p) => p.name);
  const coreKindsGuessed = guessed.length === t.pointsOf('core').length
    ? `the core capture(s) ${guessed.join(', ')} are taken as the LMA's core side only because nothing in them says otherwise: give --point NAME=core if they are` : undefined;
  for (const i of rows(t, 'core', false)) {
    const time = t.data.time[i]!;
    const s = sessionOf(t, t.data.innerDst[i]!, time);
    const mag = s && servingMag(s, time);
    if (mag === undefined) continue;
    const j = near(t, trn, i, (k) => lmas.has(text(t, t.data.outerSrc[k]!)) && t.data.time[k]! >= time);
    const guess = coreGuessed(t, i);
    if (j !== undefined && text(t, t.data.outerDst[j]!) === mag) down!.pass(() => `downlink to ${text(t, t.data.innerDst[i]!)} tunnelled to ${mag}`, [dataEv(t, i), dataEv(t, j)]);
    else if (guess !== undefined) down!.undecided(() => `downlink to ${text(t, t.data.innerDst[i]!)} not tunnelled to ${mag}: ${guess}`, [dataEv(t, i)]);
    else down!.fail(() => (j === undefined ? `downlink to ${text(t, t.data.innerDst[i]!)} not tunnelled to ${mag}` : `downlink tunnelled to ${text(t, t.data.outerDst[j]!)}, the MN is at ${mag}`),
      j === undefined ? [dataEv(t, i)] : [dataEv(t, i), dataEv(t, j)], () => ({ field: 'outer dst', expected: mag, seen: j === undefined ? 'no tunnelled copy' : text(t, t.data.outerDst[j]!) }));
  }
  for (const i of rows(t, 'transport', true)) {
    if (!t.roles.mags.includes(text(t, t.data.outerSrc[i]!)) || t.sessionsOfAddressId(t.data.innerSrc[i]!).length === 0) continue;
    const time = t.data.time[i]!;
    // MN to MN: the LMA routes the packet back into the destination's tunnel, not onto the core.
    const peer = sessionOf(t, t.data.innerDst[i]!, time);
    const peerMag = peer && servingMag(peer, time);
    const j = peerMag !== undefined
      ? near(t, trn, i, (k) => lmas.has(text(t, t.data.outerSrc[k]!)) && t.data.time[k]! >= time)
      : near(t, core, i, (k) => t.data.time[k]! >= time);
    const where = peerMag !== undefined ? `the tunnel to ${peerMag}` : 'the core';
    if (j !== undefined && t.data.innerSrc[j] === t.data.innerSrc[i]) up!.pass(() => `uplink from ${text(t, t.data.innerSrc[i]!)} decapsulated and routed into ${where}`, [dataEv(t, i), dataEv(t, j)]);
    else if (peerMag === undefined && coreKindsGuessed) up!.undecided(() => `reverse-tunnelled packet from ${text(t, t.data.innerSrc[i]!)} never reached ${where}: ${coreKindsGuessed}`, [dataEv(t, i)]);
    else up!.fail(() => `reverse-tunnelled packet from ${text(t, t.data.innerSrc[i]!)} never reached ${where}`, [dataEv(t, i)], () => ({ field: 'forwarded copy', expected: `src ${text(t, t.data.innerSrc[i]!)} on ${where}`, seen: 'none' }));
  }
});

export const hopLimit = check('tunnel-hop-limit', ['FWD-05'], (t, [j]) => {
  j!.inconclusiveBecause('needs the same MN packet on an access and the core capture');
  const core = indexBy(t, 'core', false);
  for (const i of rows(t, 'access', false)) {
    const k = near(t, core, i);
    if (k === undefined) continue;
    const [a, b] = t.data.time[i]! <= t.data.time[k]! ? [i, k] : [k, i];
    const want = t.data.hopLimit[a]! - 2, seen = t.data.hopLimit[b]!;
    const ev = [dataEv(t, a), dataEv(t, b)];
    const guess = coreGuessed(t, k);
    if (seen === want) j!.pass(() => `hop limit ${t.data.hopLimit[a]} -> ${seen} across MAG and LMA`, ev);
    else if (guess !== undefined) j!.undecided(() => `hop limit ${t.data.hopLimit[a]} -> ${seen} between ${t.dataRef(i).point} and ${t.dataRef(k).point}: ${guess}`, ev);
    else j!.fail(() => `hop limit ${t.data.hopLimit[a]} -> ${seen} across MAG and LMA`, ev, { field: 'inner hop limit', expected: want, seen });
  }
});

export const forwardOnlyWithBinding = check('forward-only-with-binding', ['FWD-09', 'FWD-15'], (t, [before, after]) => {
  for (const x of [before, after]) x!.inconclusiveBecause('no reverse-tunnelled MN traffic');
  for (const i of rows(t, 'transport', true)) {
    const mag = text(t, t.data.outerSrc[i]!);
    if (!t.roles.mags.includes(mag)) continue;
    const time = t.data.time[i]!;
    for (const s of t.sessionsOfAddressId(t.data.innerSrc[i]!)) {
      const regs = eventsOf(s, REGISTRATION_KINDS, mag);
      const lastReg = lastAtOrBefore(regs, time);
      const ev = [dataEv(t, i)];
      if (lastReg === undefined) {
        before!.fail(() => `${mag} tunnelled ${s.mnId}'s packet before any PBA accepted the MN there`, ev, () => ({ field: 'time', expected: 'after the accepting PBA', seen: `${seconds(s.start - time)} before the first PBA` }));
        continue;
      }
      before!.pass(() => `${mag} tunnels ${s.mnId}'s packets after the PBA`, ev);
      const lastEnd = lastAtOrBefore(eventsOf(s, ENDING_KINDS, mag), time);
      const ended = lastEnd !== undefined && lastEnd.time >= lastReg.time ? lastEnd : undefined;
      if (ended === undefined) { if (servingMag(s, time) === mag) after!.pass(() => `${mag} tunnels while the binding is active`, ev); continue; }
      after!.fail(() => `${mag} still tunnels ${s.mnId}'s packets after the ${ended.kind}`, [mhEv(t, ended.exchange.pba ?? ended.exchange.pbu), ...ev], { field: 'uplink', expected: 'not forwarded', seen: 'tunnelled' });
    }
  }
});

/**
 * Row i, seen on an access link of `mag`, must go up the tunnel: PASS with its copy tunnelled by
 * `mag`, else FAIL, or undecided for local traffic (`local`) while EnableMAGLocalRouting is unknown
 * (the MAG may then have routed it itself, which only the user knows). FWD-10, FWD-12, FWD-13.
 */
function judgeReverseTunnelled(t: Trace, trn: Map<number, number[]>, i: number, mag: string, j: Judge, local: string | undefined): void {
  const k = near(t, trn, i, (x) => text(t, t.data.outerSrc[x]!) === mag);
  const what = `${text(t, t.data.innerSrc[i]!)} > ${text(t, t.data.innerDst[i]!)}${local === undefined ? '' : ` (${local})`}`;
  if (k !== undefined) j.pass(() => `${what} reverse-tunnelled by ${mag}`, [dataEv(t, i), dataEv(t, k)]);
  else if (local !== undefined && !settingKnown(t, 'enableMagLocalRouting')) j.undecided(() => `${what} not reverse-tunnelled by ${mag} ${unknownSetting('enableMagLocalRouting')}`, [dataEv(t, i)]);
  else j.fail(() => `${what} not reverse-tunnelled by ${mag}`, [dataEv(t, i)], () => ({ field: 'tunnel', expected: `${mag} > LMA`, seen: 'none' }));
}

export const magUplink = check('mag-uplink', ['FWD-10', 'FWD-12'], (t, [remote, local]) => {
  for (const x of [remote, local]) x!.inconclusiveBecause('needs MN traffic on an access and the transport capture');
  if (t.pointsOf('transport').length === 0) return;
  if (t.settings.enableMagLocalRouting) local!.na('EnableMAGLocalRouting = 1');
  const trn = indexBy(t, 'transport', true);
  for (const i of rows(t, 'access', false)) {
    const time = t.data.time[i]!;
    const s = sessionOf(t, t.data.innerSrc[i]!, time);
    const mag = s && servingMag(s, time);
    const point = t.points[t.data.point[i]!]!;
    if (mag === undefined || point.mag !== mag) continue;
    const peer = sessionOf(t, t.data.innerDst[i]!, time);
    const isLocal = peer !== undefined && servingMag(peer, time) === mag;
    if (isLocal && t.settings.enableMagLocalRouting) continue;
    judgeReverseTunnelled(t, trn, i, mag, isLocal ? local! : remote!, isLocal ? 'local MN' : undefined);
  }
});

/** Per access capture point, the link-layer addresses (address ids) that sent Router Advertisements there: its routers'. */
function routerLinkAddresses(t: Trace): Map<number, Set<number>> {
  const out = new Map<number, Set<number>>();
  for (const ra of t.ndOfTypes(134)) {
    if (ra.linkSrc === undefined) continue;
    const point = t.pointIndex(ra.ref.point);
    let set = out.get(point);
    if (set === undefined) out.set(point, set = new Set());
    set.add(t.addresses.id(ra.linkSrc));
  }
  return out;
}

export const localHostUplink = check('local-host-uplink', ['FWD-13'], (t, [j]) => {
  j!.inconclusiveBecause('needs traffic from a host that is not an MN to an MN of the same MAG, on an access and the transport capture');
  if (t.pointsOf('transport').length === 0) return;
  if (t.settings.enableMagLocalRouting) { j!.na('EnableMAGLocalRouting = 1'); return; }
  const trn = indexBy(t, 'transport', true);
  let routers: Map<number, Set<number>> | undefined;
  const infrastructure = new Set([...t.roles.mags, ...t.roles.lmas]);
  for (const i of rows(t, 'access', false)) {
    const src = t.data.innerSrc[i]!;
    if (t.sessionsOfAddressId(src).length > 0 || isLinkLocal(text(t, src)) || infrastructure.has(text(t, src))) continue;
    const time = t.data.time[i]!;
    const point = t.points[t.data.point[i]!]!;
    const peer = sessionOf(t, t.data.innerDst[i]!, time);
    const mag = peer && servingMag(peer, time);
    if (mag === undefined || point.mag !== mag) continue;
    // Only the host's own transmission: what the MAG itself puts on the link (the packet coming
    // back down the tunnel, or routed locally, its own ICMPv6 errors) has a router's source.
    const sender = t.data.linkSrc[i]!;
    if (sender !== 0 && (routers ??= routerLinkAddresses(t)).get(t.data.point[i]!)?.has(sender)) continue;
    judgeReverseTunnelled(t, trn, i, mag, j!, 'local host to a local MN');
  }
});

export const magDownlink = check('mag-downlink', ['FWD-14'], (t, [j]) => {
  j!.inconclusiveBecause('needs tunnelled downlink and the access capture of its MN');
  const access = indexBy(t, 'access', false);
  const accessTunnelled = indexBy(t, 'access', true);
  for (const i of rows(t, 'transport', true)) {
    const mag = text(t, t.data.outerDst[i]!);
    if (!t.roles.mags.includes(mag)) continue;
    // A router never forwards a packet with a link-local source off its link (RFC 4291 §2.5.6):
    // the MAG rightly drops such a packet (e.g. the ICMPv6 Redirect a Linux LMA sends back into the
    // tunnel it came from when it hairpins traffic between two MNs of one MAG).
    if (isLinkLocal(text(t, t.data.innerSrc[i]!))) continue;
    const time = t.data.time[i]!;
    const s = sessionOf(t, t.data.innerDst[i]!, time);
    if (s === undefined || servingMag(s, time) !== mag) continue;
    const points = t.accessPointsOf(mag).filter((p) => (p.firstTime ?? Infinity) <= time && (p.lastTime ?? -Infinity) >= time);
    if (points.length === 0) continue;
    const still = near(t, accessTunnelled, i);
    const k = near(t, access, i, (x) => t.data.time[x]! >= time);
    if (still !== undefined) j!.fail('packet reached the access link still encapsulated', [dataEv(t, i), dataEv(t, still)], { field: 'encapsulation', expected: 'inner packet only', seen: 'IPv6-in-IPv6' });
    else if (k !== undefined) j!.pass(() => `downlink decapsulated by ${mag} onto ${t.dataRef(k).point}`, [dataEv(t, i), dataEv(t, k)]);
    else j!.fail(() => `downlink to ${text(t, t.data.innerDst[i]!)} tunnelled to ${mag} never reached its access link`, [dataEv(t, i)], { field: 'access copy', expected: 'the inner packet', seen: 'none' });
  }
});

export const downlinkFollowsBinding = check('downlink-follows-binding', ['HO-09', 'LMA-BCE-06', 'DEREG-09'], (t, [ho, bce, wait]) => {
  for (const x of [ho, bce]) x!.inconclusiveBecause('no tunnelled downlink after a handover');
  wait!.inconclusiveBecause('no downlink for an MN while its binding waited for deletion');
  const lmas = new Set(t.roles.lmas);
  const minDelay = t.settings.minDelayBeforeBceDeleteMs / 1000;
  for (const i of rows(t, 'transport', true)) {
    if (!lmas.has(text(t, t.data.outerSrc[i]!))) continue;
    const time = t.data.time[i]!;
    const to = text(t, t.data.outerDst[i]!);
    for (const s of t.sessionsOfAddressId(t.data.innerDst[i]!)) {
      const ev = [dataEv(t, i)];
      const serving = servingMag(s, time);
      if (serving === undefined) {
        const dereg = lastAtOrBefore(eventsOf(s, DEREGISTRATION_KINDS), time);
        if (dereg !== undefined && time - dereg.time <= minDelay) {
          wait!.fail(() => `downlink for ${s.mnId} tunnelled to ${to} ${seconds(time - dereg.time)} after its de-registration`, [mhEv(t, dereg.exchange.pba!), ...ev], () => ({ field: 'downlink', expected: 'dropped while the BCE waits', seen: `tunnelled to ${to}` }));
        }
        continue;
      }
      const ho1 = lastAtOrBefore(eventsOf(s, HANDOVER_KINDS), time);
      if (ho1 === undefined) continue;
      const evs = [mhEv(t, ho1.exchange.pba!), ...ev];
      for (const x of [ho!, bce!]) {
        if (to === serving) x.pass(() => `after the handover, downlink for ${s.mnId} goes to ${serving}`, evs);
        else x.fail(() => `${seconds(time - ho1.time)} after the handover PBA, downlink for ${s.mnId} still goes to ${to}`, evs, { field: 'outer dst', expected: serving, seen: to });
      }
    }
  }
  // Drops during the wait: CN traffic on the core that was not tunnelled.
  if (t.pointsOf('core').length === 0) return;
  const trn = indexBy(t, 'transport', true);
  for (const i of rows(t, 'core', false)) {
    const time = t.data.time[i]!;
    for (const s of t.sessionsOfAddressId(t.data.innerDst[i]!)) {
      if (servingMag(s, time) !== undefined) continue;
      const dereg = lastAtOrBefore(eventsOf(s, DEREGISTRATION_KINDS), time);
      if (dereg === undefined || time - dereg.time > minDelay) continue;
      if (near(t, trn, i) === undefined) wait!.pass(() => `downlink for ${s.mnId} dropped while its binding waits`, [dataEv(t, i)]);
    }
  }
});

/** Per session, the data rows sent from its addresses, in time order. */
function rowsFromSessions(t: Trace): Map<Session, number[]> {
  const m = new Map<Session, number[]>();
  const d = t.data;
  for (let i = 0; i < d.length; i++) for (const s of t.sessionsOfAddressId(d.innerSrc[i]!)) pushTo(m, s, i);
  for (const list of m.values()) byTime(t, list);
  return m;
}

export const addressKept = check('address-kept', ['HO-10'], (t, [j]) => {
  j!.inconclusiveBecause('no MN traffic after a handover');
  let sent: Map<Session, number[]> | undefined;
  for (const s of t.sessions) {
    for (const e of s.events) {
      if (e.kind !== 'handover') continue;
      const prev = lastBefore(eventsOf(s, REGISTRATION_KINDS), e.time);
      if (prev === undefined) continue;
      const lost = prev.hnps.filter((p) => !e.hnps.includes(p));
      if (lost.length > 0) {
        j!.fail(() => `after the handover the MN lost ${lost.join(', ')} and must configure a new address`, [mhEv(t, prev.exchange.pba!), mhEv(t, e.exchange.pba!)], () => ({ field: 'HNP', expected: prev.hnps.join(', '), seen: e.hnps.join(', ') }));
        continue;
      }
      // Events are in time order: the next one that is not a refresh ends the handover's window.
      let k = e.index + 1;
      while (k < s.events.length && (s.events[k]!.time <= e.time || s.events[k]!.kind === 'refresh')) k++;
      const until = s.events[k]?.time ?? Infinity;
      const d = t.data;
      const rows = (sent ??= rowsFromSessions(t)).get(s) ?? [];
      let first: number | undefined;
      for (let x = partitionPoint(rows.length, (y) => d.time[rows[y]!]! <= e.time); x < rows.length && d.time[rows[x]!]! < until; x++) {
        const i = rows[x]!;
        if (first !== undefined && i > first) continue;
        const fromNew = t.pointKind(d.point[i]!) === 'transport' ? text(t, d.outerSrc[i]!) === e.mag : t.points[d.point[i]!]!.mag === e.mag;
        if (fromNew) first = i;
      }
      if (first !== undefined) j!.pass(() => `${s.mnId} keeps sending from ${text(t, d.innerSrc[first]!)} at ${e.mag}`, [mhEv(t, e.exchange.pba!), dataEv(t, first)]);
    }
  }
});

export const FORWARDING_CHECKS = [
  tunnelEndpoints, lmaForwarding, hopLimit, forwardOnlyWithBinding, magUplink, localHostUplink, magDownlink, downlinkFollowsBinding, addressKept,
];
