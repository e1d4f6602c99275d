// C.2: what the MAG puts in its PBUs (RFC 5213 §6.9.1.1, §6.9.1.5, §8).
import { isLinkLocal, isMulticast, isZeroPrefix, timestampToMs } from '../../wire/index.js';
import {
  accessTechnologyOfLinkType, countOptions, everyOptionOf, optionOf, optionsOf, partitionPoint, pushTo,
  settingKnown, unknownSetting, type CapturePoint, type Exchange, type Trace,
} from '../trace/index.js';
import { check } from './check.js';
import { mhEv, ndEv, seconds } from './evidence.js';
import { macOfLlId } from './helpers.js';

/** How long after an MN shows up its MAG may take to send the PBU. */
const ATTACH_BOUND_S = 5;

function pbus(t: Trace): Exchange[] {
  return t.magExchanges;
}

export const pbuAttach = check('pbu-on-attach', ['MAG-PBU-01'], (t, [j]) => {
  j!.inconclusiveBecause('no MN attachment seen on an access link or in the event log');
  // PBUs by MN MAC and by MN-ID, in time order; built at the first attachment.
  let known: Map<string, Exchange[]> | undefined;
  const judge = (key: string, time: number, mag: string | undefined, what: string, frames: ReturnType<typeof ndEv>[]): void => {
    if (known === undefined) {
      known = new Map();
      for (const ex of pbus(t)) for (const k of [macOfLlId(ex.llId), ex.mnId]) if (k !== undefined) pushTo(known, k, ex);
    }
    const list = known.get(key);
    if (list === undefined) return;
    let pbu: Exchange | undefined;
    for (let k = partitionPoint(list.length, (i) => list[i]!.pbu.ref.time < time - 0.001); k < list.length && pbu === undefined; k++) {
      if (mag === undefined || list[k]!.mag === mag) pbu = list[k];
    }
    if (pbu !== undefined && pbu.pbu.ref.time - time <= ATTACH_BOUND_S) {
      j!.pass(() => `PBU ${seconds(pbu.pbu.ref.time - time)} after ${what}`, [...frames, mhEv(t, pbu.pbu)]);
    } else {
      j!.fail(() => `no PBU within ${ATTACH_BOUND_S} s after ${what}`, pbu ? [...frames, mhEv(t, pbu.pbu)] : frames,
        () => ({ field: 'PBU delay', expected: `<= ${ATTACH_BOUND_S} s`, seen: pbu ? seconds(pbu.pbu.ref.time - time) : 'none' }));
    }
  };
  const seen = new Set<string>();
  for (const f of t.ndOnAccess(133, 135)) {
    if (f.linkSrc === undefined) continue;
    const point = t.points[t.pointIndex(f.ref.point)]!;
    if (!point.mnMacs.includes(f.linkSrc)) continue;
    const key = `${point.name}|${f.linkSrc}`;
    if (seen.has(key)) continue;
    seen.add(key);
    judge(f.linkSrc, f.ref.time, point.mag, `the MN's first ${f.msg.name} on ${point.name}`, [ndEv(t, f)]);
  }
  for (const e of t.events) {
    if (e.kind !== 'attach' && e.kind !== 'link-up' && e.kind !== 'handover') continue;
    const key = e.mnId ?? e.mac;
    if (key !== undefined) judge(key, e.time, undefined, `event ${e.kind} of ${e.mn ?? key}`, []);
  }
});

export const pbuAddresses = check('pbu-addresses', ['MAG-PBU-02'], (t, [j]) => {
  for (const ex of pbus(t)) {
    const f = ex.pbu;
    const acoa = optionOf(f, 3);
    const problems: string[] = [];
    if (isLinkLocal(f.src) || isMulticast(f.src) || f.src === '::') problems.push(`source ${f.src} is not a global unicast address`);
    if (!t.roles.lmas.includes(f.dst)) problems.push(`destination ${f.dst} is not the LMA (${t.roles.lmas.join(', ')})`);
    const points = t.accessPointsOf(ex.mag);
    if (acoa === undefined && points.some((p) => p.magSource === 'given' && p.mag !== f.src)) problems.push('source differs from the declared Proxy-CoA');
    if (problems.length === 0) j!.pass(() => `PBU ${f.src} > ${f.dst}`, [mhEv(t, f)]);
    else j!.fail(() => `PBU ${problems.join('; ')}`, [mhEv(t, f)], () => ({ field: 'IPv6 src/dst', expected: `pCoA > ${t.roles.lmas.join('|')}`, seen: `${f.src} > ${f.dst}` }));
  }
});

export const pbuFlags = check('pbu-flags', ['MAG-PBU-03'], (t, [j]) => {
  for (const ex of pbus(t)) {
    const fl = ex.pbu.mh.flags;
    if (fl.P && fl.A) j!.pass('PBU has P and A set', [mhEv(t, ex.pbu)]);
    else j!.fail(() => `PBU flags: ${fl.P ? '' : 'P = 0 '}${fl.A ? '' : 'A = 0'}`.trim(), [mhEv(t, ex.pbu)], () => ({ field: 'BU flags', expected: 'P = 1, A = 1', seen: `P = ${+fl.P}, A = ${+fl.A}` }));
  }
});

export const pbuMnId = check('pbu-mn-id', ['MAG-PBU-04'], (t, [j]) => {
  for (const ex of pbus(t)) {
    const ids = optionsOf(ex.pbu, 8);
    const n = countOptions(ex.pbu, 8);
    if (n === 1 && ids.length === 1 && ids[0]!.subtype === 1 && ids[0]!.validNai) j!.pass(() => `PBU MN-ID NAI ${ids[0]!.id}`, [mhEv(t, ex.pbu)]);
    else j!.fail(() => (n === 0 ? 'PBU has no MN Identifier option' : n > 1 ? `PBU has ${n} MN Identifier options`
      : `PBU MN-ID is subtype ${ids[0]?.subtype ?? '?'} "${ids[0]?.id ?? ''}", not a valid NAI`), [mhEv(t, ex.pbu)],
    () => ({ field: 'MN-ID option', expected: 'one, subtype 1 (NAI)', seen: n === 0 ? 'none' : `${n}, subtype ${ids[0]?.subtype}` }));
  }
});

export const pbuHnp = check('pbu-hnp', ['MAG-PBU-05', 'MAG-PBU-06', 'MAG-PBU-07'], (t, [present, zero, format]) => {
  for (const ex of pbus(t)) {
    const ev = [mhEv(t, ex.pbu)];
    const all = everyOptionOf(ex.pbu, 22);
    if (all.length > 0) present!.pass(() => `PBU carries ${all.length} HNP option(s)`, ev);
    // RFC 5844 §3.2.3.1: an IPv4-only MN's PBU has an IPv4 HoA Request instead (V4-02).
    else if (countOptions(ex.pbu, 36) > 0) continue;
    else present!.fail('PBU carries no HNP option', ev, { field: 'HNP options', expected: '>= 1', seen: 0 });
    const hnps = optionsOf(ex.pbu, 22);
    if (hnps.some((h) => isZeroPrefix(h.prefix))) {
      if (hnps.length === 1) zero!.pass('the all-zero HNP is the only HNP option', ev);
      else zero!.fail(() => `an all-zero HNP sits among ${hnps.length} HNP options`, ev, { field: 'HNP count with ::', expected: 1, seen: hnps.length });
    } else if (hnps.length > 0) zero!.pass(() => `PBU asks for specific prefix(es) ${hnps.map((h) => h.prefix).join(', ')}`, ev);
    for (const o of all) {
      const reserved = 'reserved' in o ? o.reserved : 0;
      if (o.length === 18 && o.malformed === undefined && reserved === 0) format!.pass('HNP option length 18, Reserved 0', ev);
      else format!.fail(() => `HNP option length ${o.length}${reserved ? `, Reserved ${reserved}` : ''}`, ev, () => ({ field: 'HNP option', expected: 'length 18, Reserved 0', seen: `length ${o.length}, Reserved ${reserved}` }));
    }
  }
});

export const pbuHandoffIndicator = check('pbu-hi', ['MAG-PBU-08', 'MAG-PBU-09'], (t, [present, first]) => {
  const seenMn = new Set<string>();
  for (const ex of pbus(t)) {
    const ev = [mhEv(t, ex.pbu)];
    const n = countOptions(ex.pbu, 23);
    if (n === 1 && ex.hi !== undefined) present!.pass(() => `PBU HI = ${ex.hi}`, ev);
    else present!.fail(() => (n === 0 ? 'PBU has no Handoff Indicator option' : `PBU has ${n} Handoff Indicator options (or a malformed one)`), ev, { field: 'HI option', expected: 'one, length 2', seen: n });
    if (ex.mnId === undefined) continue;
    // The MN's first PBU in the trace, asking for a new prefix: a fresh attachment.
    const isFirst = !seenMn.has(ex.mnId) && ex.retransmits === undefined;
    seenMn.add(ex.mnId);
    if (!isFirst || ex.deregistration || !ex.hnps.every(isZeroPrefix)) continue;
    if (t.events.some((e) => e.kind === 'handover' && (e.mnId === ex.mnId))) continue;
    if (ex.hi === 1) first!.pass('first PBU for a new MN has HI = 1', ev);
    else first!.fail(() => `first PBU for a new MN has HI = ${ex.hi ?? 'none'}`, ev, { field: 'HI', expected: 1, seen: ex.hi ?? 'none' });
  }
});

/**
 * The ATT values a MAG's access links allow, and how that is known; undefined when nothing says.
 * Given: the domain's list. Inferred: the link types of the MAG's own access captures, or of
 * access captures of no known MAG when the trace has one MAG.
 */
function accessTechnologiesOf(t: Trace, mag: string): { atts: number[]; how: string } | undefined {
  const prov = t.provenance.accessTechnologies;
  if (prov.source === 'given') return { atts: t.settings.accessTechnologies, how: 'as given' };
  if (prov.source === 'default') return undefined;
  const shown = (p: CapturePoint) => (p.kind === 'access' && p.linkType !== undefined ? accessTechnologyOfLinkType(p.linkType) : undefined);
  let points = t.points.filter((p) => p.mag === mag && shown(p) !== undefined);
  if (points.length === 0 && t.roles.mags.length === 1) points = t.points.filter((p) => p.mag === undefined && shown(p) !== undefined);
  if (points.length === 0) return undefined;
  const atts = new Set(points.flatMap((p) => shown(p)!.atts));
  return { atts: [...atts], how: `inferred from the link type of ${points.map((p) => `${p.name} (${shown(p)!.name})`).join(', ')}` };
}

export const pbuAtt = check('pbu-att', ['MAG-PBU-10'], (t, [j]) => {
  const allowedOf = new Map<string, ReturnType<typeof accessTechnologiesOf>>();
  for (const ex of pbus(t)) {
    const n = countOptions(ex.pbu, 24);
    const ev = [mhEv(t, ex.pbu)];
    // What the wire alone proves: one well-formed ATT option, not the reserved value 0.
    if (n !== 1 || ex.att === undefined) {
      j!.fail(() => (n !== 1 ? `PBU has ${n} ATT options` : 'PBU ATT option is malformed'), ev, { field: 'ATT option', expected: 'one, length 2', seen: n !== 1 ? `${n} options` : 'malformed' });
      continue;
    }
    const att = ex.att;
    if (att === 0) {
      j!.fail('PBU ATT = 0, a reserved value (whatever the access link)', ev, { field: 'ATT', expected: 'the access technology in use (not 0)', seen: 0 });
      continue;
    }
    if (!allowedOf.has(ex.mag)) allowedOf.set(ex.mag, accessTechnologiesOf(t, ex.mag));
    const allowed = allowedOf.get(ex.mag);
    if (allowed === undefined) j!.undecided(() => `PBU ATT = ${att} ${unknownSetting('accessTechnologies', `no access capture of ${ex.mag} shows its link type`)}`, ev);
    else if (allowed.atts.includes(att)) j!.pass(() => `PBU ATT = ${att} (access technology ${allowed.how})`, ev);
    else j!.fail(() => `PBU ATT = ${att}, not the access technology in use (${allowed.atts.join(' or ')}, ${allowed.how}; give --access-technology if that is wrong)`, ev,
      () => ({ field: 'ATT', expected: allowed.atts.join(' or '), seen: att }));
  }
});

export const pbuTimestamp = check('pbu-timestamp', ['MAG-PBU-11', 'MAG-PBU-12'], (t, [presence, counter]) => {
  const mode = t.settings.timestampMode;
  if (!mode) counter!.na('sequence-number mode: no timestamps in use');
  const lastSeq = new Map<string, { seq: number; ex: Exchange }>();
  for (const ex of pbus(t)) {
    const n = countOptions(ex.pbu, 27);
    const ev = [mhEv(t, ex.pbu)];
    if (mode ? n === 1 : n === 0) presence!.pass(mode ? 'PBU carries a Timestamp option' : 'PBU carries no Timestamp (sequence mode)', ev);
    else presence!.fail(() => (mode ? `PBU carries ${n} Timestamp options in timestamp mode` : 'PBU carries a Timestamp option in sequence-number mode'), ev,
      { field: 'Timestamp option', expected: mode ? 1 : 0, seen: n });
    if (!mode) continue;
    const prev = lastSeq.get(ex.mag);
    const seq = ex.pbu.mh.seq;
    if (prev !== undefined) {
      const diff = (seq - prev.seq + 0x10000) % 0x10000;
      if (diff > 0 && diff < 0x8000) counter!.pass(() => `Sequence # ${prev.seq} -> ${seq} from ${ex.mag}`, ev);
      else counter!.fail(() => `Sequence # did not increase from ${prev.seq} to ${seq} (MAG ${ex.mag})`, [mhEv(t, prev.ex.pbu), ...ev], () => ({ field: 'Sequence #', expected: `> ${prev.seq}`, seen: seq }));
    }
    lastSeq.set(ex.mag, { seq, ex });
  }
});

export const timestampClock = check('timestamp-clock', ['MAG-PBU-13', 'ORD-08'], (t, [format, sync]) => {
  if (!t.settings.timestampMode) { format!.na('sequence-number mode'); sync!.na('sequence-number mode'); }
  const tol = t.settings.clockToleranceMs;
  // Close to the capture clock proves the timestamp tracks real time; far from it proves so only
  // when the user said how well the capture host's clock was kept (an NTP encoding shows by itself).
  const tolKnown = settingKnown(t, 'clockToleranceMs');
  for (const ex of pbus(t)) {
    const ts = optionOf(ex.pbu, 27);
    if (ts === undefined) continue;
    const ev = [mhEv(t, ex.pbu)];
    const skew = timestampToMs(ts) - ex.pbu.ref.time * 1000;
    const ok = !ts.ntpLike && Math.abs(skew) <= tol;
    const msg = ts.ntpLike ? `Timestamp looks NTP-encoded (${ts.ntpIso}), not 48.16 Unix time` : `Timestamp ${ts.iso} is ${(skew / 1000).toFixed(3)} s from the capture clock`;
    const detail = { field: 'Timestamp', expected: `frame time ±${tol} ms`, seen: ts.iso };
    for (const j of [format!, sync!]) {
      if (ok) j.pass(() => `Timestamp within ${Math.abs(skew).toFixed(0)} ms of the capture clock`, ev);
      else if (ts.ntpLike || tolKnown) j.fail(msg, ev, detail);
      else j.undecided(() => `${msg}: whether that is the MAG's clock or the capture host's ${unknownSetting('clockToleranceMs')}`, ev);
    }
  }
});

export const pbuLinkLayerId = check('pbu-mn-ll-id', ['MAG-PBU-14'], (t, [j]) => {
  // An MN can reach a MAG on a link nobody captured: a MAC seen on any access link is a known MN.
  const allMacs = new Set(t.points.flatMap((p) => p.mnMacs));
  const macsOf = new Map<string, Set<string>>();
  for (const ex of pbus(t)) {
    const ev = [mhEv(t, ex.pbu)];
    let macs = macsOf.get(ex.mag);
    if (macs === undefined) macsOf.set(ex.mag, macs = new Set(t.accessPointsOf(ex.mag).flatMap((p) => p.mnMacs)));
    const o = optionOf(ex.pbu, 25);
    if (o === undefined) {
      if (macs.size === 1) j!.fail(() => `PBU has no MN-LL-ID though the MN's MAC ${[...macs][0]} is known on the access link`, ev, { field: 'MN-LL-ID', expected: [...macs][0], seen: 'absent' });
      continue;
    }
    const mac = macOfLlId(o.id);
    if (/^0*$/.test(o.id)) j!.fail('PBU carries an all-zero MN-LL-ID', ev, { field: 'MN-LL-ID', expected: 'the MN MAC, or no option', seen: o.id });
    else if (macs.size > 0 && (mac === undefined || !allMacs.has(mac))) j!.fail(() => `MN-LL-ID ${mac ?? o.id} is no MAC seen on ${ex.mag}'s access links`, ev, () => ({ field: 'MN-LL-ID', expected: [...macs].join(' or '), seen: mac ?? o.id }));
    else j!.pass(() => `MN-LL-ID ${mac ?? o.id}`, ev);
  }
});

export const pbuLinkLocal = check('pbu-lla', ['MAG-PBU-15'], (t, [j]) => {
  const fixed = t.settings.fixedMagLinkLocal;
  for (const ex of pbus(t)) {
    const ev = [mhEv(t, ex.pbu)];
    const lla = optionOf(ex.pbu, 26);
    if (fixed !== null) {
      if (lla === undefined) j!.pass('no Link-local Address option (fixed MAG link-local address in use)', ev);
      else j!.fail(() => `Link-local Address option present although the MAGs use the fixed ${fixed}`, ev, { field: 'LLA option', expected: 'absent', seen: lla.address });
      continue;
    }
    const initial = ex.hi === 1 && ex.hnps.every(isZeroPrefix);
    if (lla === undefined) j!.fail('PBU has no Link-local Address option (the LMA must supply the link-local address)', ev, { field: 'LLA option', expected: 'present', seen: 'absent' });
    else if (initial && lla.address !== '::') j!.fail(() => `initial PBU LLA is ${lla.address}, not ::`, ev, { field: 'LLA', expected: '::', seen: lla.address });
    else j!.pass(() => `PBU LLA ${lla.address}`, ev);
  }
});

export const pbuNoHao = check('pbu-no-hao', ['MAG-PBU-16'], (t, [j]) => {
  for (const ex of pbus(t)) {
    const ev = [mhEv(t, ex.pbu)];
    const hao = ex.pbu.ipv6?.extensionHeaders.some((h) => h.type === 60 && h.options.some((o) => o.type === 0xc9));
    if (hao) j!.fail('PBU carries a Home Address destination option', ev, { field: 'Destination Options', expected: 'no Home Address option', seen: 'Home Address option' });
    else j!.pass('PBU has no Home Address option', ev);
  }
});

export const pbuLifetime = check('pbu-lifetime', ['MAG-PBU-17'], (t, [j]) => {
  for (const ex of pbus(t)) {
    if (ex.hi === 4 || ex.hi === undefined) continue;
    const ev = [mhEv(t, ex.pbu)];
    const units = ex.pbu.mh.lifetimeUnits;
    if (units > 0) j!.pass(() => `registration PBU (HI ${ex.hi}) lifetime ${units * 4} s`, ev);
    else j!.fail(() => `registration PBU (HI ${ex.hi}) has Lifetime 0`, ev, { field: 'Lifetime', expected: '> 0', seen: 0 });
  }
});

export const pbuStableMnId = check('pbu-stable-mn-id', ['MAG-PBU-19'], (t, [j]) => {
  j!.inconclusiveBecause('no MN was registered by two MAGs');
  const byLl = new Map<string, Exchange[]>();
  for (const ex of pbus(t)) if (ex.llId !== undefined) pushTo(byLl, ex.llId, ex);
  for (const [ll, list] of byLl) {
    const mags = new Set(list.map((e) => e.mag));
    if (mags.size < 2) continue;
    const first = list[0]!;
    const other = list.find((e) => e.mnId !== first.mnId);
    if (other === undefined) j!.pass(() => `MN ${macOfLlId(ll) ?? ll} has MN-ID ${first.mnId} at ${mags.size} MAGs`, [mhEv(t, first.pbu)]);
    else j!.fail(() => `MN ${macOfLlId(ll) ?? ll}: MN-ID ${first.mnId} at ${first.mag} but ${other.mnId} at ${other.mag}`, [mhEv(t, first.pbu), mhEv(t, other.pbu)],
      { field: 'MN-ID', expected: first.mnId ?? '', seen: other.mnId ?? 'none' });
  }
});

export const pbuNotEntitled = check('pbu-not-entitled', ['MAG-PBU-20'], (t, [j]) => {
  const unentitled = t.settings.unentitledMns;
  if (unentitled.length === 0) { j!.na('no MN declared as not entitled to PMIPv6'); return; }
  for (const who of unentitled) {
    const pbu = pbus(t).find((ex) => ex.mnId === who || macOfLlId(ex.llId) === who);
    if (pbu) j!.fail(() => `a PBU was sent for ${who}, which is not entitled to PMIPv6`, [mhEv(t, pbu.pbu)], { field: 'PBU', expected: 'none', seen: 'sent' });
    else if (t.points.some((p) => p.mnMacs.includes(who))) j!.pass(() => `no PBU for ${who}, which is not entitled`);
  }
});

export const MAG_PBU_CHECKS = [
  pbuAttach, pbuAddresses, pbuFlags, pbuMnId, pbuHnp, pbuHandoffIndicator, pbuAtt, pbuTimestamp, timestampClock,
  pbuLinkLayerId, pbuLinkLocal, pbuNoHao, pbuLifetime, pbuStableMnId, pbuNotEntitled,
];
