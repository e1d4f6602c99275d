// C.3 (what a trace shows of PBU validation) and C.4: how the LMA builds its PBAs (RFC 5213 §5.3).
import { isZeroPrefix } from '../../wire/index.js';
import {
  countOptions, optionOf, presenceText, readAsSent, sameSet, sessionPrefixes, setText, type Exchange, type PbuFrame,
  type Session, type Trace,
} from '../trace/index.js';
import { settingKnown, unknownSetting } from '../trace/settings.js';
import { check } from './check.js';
import { mhEv, seconds } from './evidence.js';
import { answered, hnpsOf, holding, isAccepted, lingerGuessed, llaOf, prefixHolders } from './helpers.js';

type Answered = Exchange & { pba: NonNullable<Exchange['pba']> };
const answeredOf = new WeakMap<Trace, Answered[]>();

/**
 * Answered exchanges: the LMA's PBAs, to MAGs and to tester stimuli alike (shared by the checks
 * here). A PBA its receiver dropped as malformed (Exchange.droppedPbas) is judged too, from the
 * bytes as sent (options after the declared end of the MH included), as an exchange of its own
 * that belongs to no session; its evidence frame says it was malformed and dropped.
 */
function pairs(t: Trace): readonly Answered[] {
  let list = answeredOf.get(t);
  if (list === undefined) {
    list = [];
    for (const ex of t.exchanges) {
      for (const pba of ex.droppedPbas ?? []) {
        const lenient: Answered = { ...ex, pba: readAsSent(pba) };
        delete lenient.session;
        delete lenient.event;
        list.push(lenient);
      }
      if (answered(ex)) list.push(ex);
    }
    answeredOf.set(t, list);
  }
  return list;
}

const evPair = (t: Trace, ex: Exchange) => ex.pba ? [mhEv(t, ex.pbu), mhEv(t, ex.pba)] : [mhEv(t, ex.pbu)];

// ---------------------------------------------------------------------------------------------
// C.3

/** MIPv6 home-registration codes: an LMA that sends them applied RFC 6275 home-agent rules to a PBU. */
const HOME_REGISTRATION_CODES = new Set([131, 132, 133]);

export const lmaNoHaoRule = check('lma-no-hao-rule', ['LMA-VAL-03'], (t, [j]) => {
  for (const ex of pairs(t)) {
    const hao = ex.pbu.ipv6?.extensionHeaders.some((h) => h.type === 60 && h.options.some((o) => o.type === 0xc9));
    if (hao) continue;
    const s = ex.pba.mh.status;
    if (HOME_REGISTRATION_CODES.has(s)) j!.fail(() => `PBU without a Home Address option rejected with ${s} (${ex.pba.mh.statusName})`, evPair(t, ex), { field: 'status', expected: 'not 131-133', seen: s });
    else if (s === 0) j!.pass('PBU without a Home Address option accepted', evPair(t, ex));
  }
});

/** §5.3.1 order of the checks a trace can see the inputs of; 152-154 depend on provisioning and may come first. */
function expectedStatus(f: PbuFrame): { status: number; why: string } | undefined {
  const missing: [number, string][] = [];
  if (countOptions(f, 8) === 0) missing.push([160, 'MN-ID']);
  if (countOptions(f, 22) === 0 && countOptions(f, 36) === 0) missing.push([158, 'HNP']);
  if (countOptions(f, 23) === 0) missing.push([161, 'HI']);
  if (countOptions(f, 24) === 0) missing.push([162, 'ATT']);
  if (missing.length === 0) return undefined;
  return { status: missing[0]![0], why: `missing ${missing.map((x) => x[1]).join(' and ')}` };
}

export const lmaMissingOptions = check('lma-missing-options', ['LMA-ERR-01', 'LMA-ERR-05', 'LMA-ERR-06', 'LMA-ERR-07', 'LMA-ERR-12'],
  (t, [e01, e05, e06, e07, e12]) => {
    for (const j of [e01, e05, e06, e07, e12]) j!.inconclusiveBecause('no PBU lacking a mandatory option was sent');
    const judges: Record<number, typeof e01> = { 160: e01, 158: e05, 161: e06, 162: e07 };
    for (const ex of t.exchanges) {
      if (ex.pbu.discarded !== undefined) continue;
      const exp = expectedStatus(ex.pbu);
      if (exp === undefined) continue;
      const several = exp.why.includes(' and ');
      const targets = several ? [judges[exp.status]!, e12!] : [judges[exp.status]!];
      // A reply its receiver dropped as malformed is still the LMA's answer: read it as sent.
      const reply = ex.pba ?? (ex.droppedPbas !== undefined ? readAsSent(ex.droppedPbas[0]!) : undefined);
      const ev = reply !== undefined ? [mhEv(t, ex.pbu), mhEv(t, reply)] : [mhEv(t, ex.pbu)];
      if (reply === undefined) {
        for (const j of targets) j.fail(() => `PBU ${exp.why} got no PBA`, ev, { field: 'PBA status', expected: exp.status, seen: 'no PBA' });
        continue;
      }
      const m = reply.mh;
      // The MN may be unknown or unauthorised: those checks come earlier in §5.3.1.
      const earlier = exp.status !== 160 && (m.status === 152 || m.status === 153 || m.status === 154);
      const problems: string[] = [];
      if (m.status !== exp.status && !earlier) problems.push(`status ${m.status}, expected ${exp.status}`);
      if (exp.status === 160 && optionOf(reply, 8)?.length !== 1) problems.push('the PBA lacks an MN-ID option with an empty identifier');
      if (exp.status === 158 && !(hnpsOf(reply).length === 1 && isZeroPrefix(hnpsOf(reply)[0]!))) problems.push('the PBA does not carry exactly one :: HNP');
      if (exp.status === 161 && optionOf(reply, 23)?.value !== 0) problems.push('the PBA does not carry HI = 0');
      if (exp.status === 162 && optionOf(reply, 24)?.value !== 0) problems.push('the PBA does not carry ATT = 0');
      const statusWrong = m.status !== exp.status && !earlier;
      const detail = statusWrong ? { field: 'PBA status', expected: exp.status, seen: m.status }
        : { field: 'PBA options', expected: `as §5.3.6 requires for status ${exp.status}`, seen: problems.join('; ') };
      for (const j of targets) {
        if (problems.length === 0) j.pass(() => `PBU ${exp.why} rejected with ${m.status}`, ev);
        else j.fail(() => `PBU ${exp.why}: ${problems.join('; ')}`, ev, detail);
      }
    }
  });

/** PBUs whose PBA may legitimately not come (§5.3.1, §5.3.5, RFC 6275 §9.2). */
function silentDropAllowed(ex: Exchange): boolean {
  if (ex.pbu.discarded !== undefined || !ex.pbu.mh.flags.A) return true;
  const kind = ex.event?.kind;
  return ex.deregistration && (kind === undefined || kind === 'dereg-ignored');
}

export const lmaAnswersEveryPbu = check('lma-answers-every-pbu', ['LMA-ERR-13'], (t, [j]) => {
  const end = t.end;
  for (const ex of t.exchanges) {
    if (ex.pba !== undefined) { j!.pass(() => `PBU seq ${ex.pbu.mh.seq} answered by a PBA`, evPair(t, ex)); continue; }
    const dropped = ex.droppedPbas?.[0];
    if (dropped !== undefined) { j!.pass(() => `PBU seq ${ex.pbu.mh.seq} answered by a PBA (malformed and dropped by the MAG: MH-01..04 judge its format)`, [mhEv(t, ex.pbu), mhEv(t, dropped)]); continue; }
    if (silentDropAllowed(ex) || end - ex.pbu.ref.time < 2) continue;
    j!.fail(() => `PBU seq ${ex.pbu.mh.seq} from ${ex.mag} got no PBA`, [mhEv(t, ex.pbu)], () => ({ field: 'PBA', expected: `seq ${ex.pbu.mh.seq}`, seen: 'none' }));
  }
});

// ---------------------------------------------------------------------------------------------
// C.4

export const pbaAddresses = check('pba-addresses', ['LMA-PBA-01'], (t, [j]) => {
  for (const ex of pairs(t)) {
    if (ex.pba.src === ex.pbu.dst && ex.pba.dst === ex.pbu.src) j!.pass(() => `PBA ${ex.pba.src} > ${ex.pba.dst} mirrors the PBU`, evPair(t, ex));
    else j!.fail(() => `PBA ${ex.pba.src} > ${ex.pba.dst} does not mirror PBU ${ex.pbu.src} > ${ex.pbu.dst}`, evPair(t, ex),
      () => ({ field: 'IPv6 src > dst', expected: `${ex.pbu.dst} > ${ex.pbu.src}`, seen: `${ex.pba.src} > ${ex.pba.dst}` }));
  }
});

export const pbaFlags = check('pba-flags', ['LMA-PBA-02'], (t, [j]) => {
  for (const ex of pairs(t)) {
    if (!ex.pbu.mh.flags.P) continue;
    if (ex.pba.mh.flags.P) j!.pass('PBA has P = 1', evPair(t, ex));
    else j!.fail('PBA answering a PBU has P = 0', evPair(t, ex), { field: 'BA flags.P', expected: 1, seen: 0 });
  }
});

export const pbaSequence = check('pba-sequence', ['LMA-PBA-03'], (t, [j]) => {
  for (const ex of pairs(t)) {
    if (ex.pba.mh.status === 135) continue;
    if (ex.pba.mh.seq === ex.pbu.mh.seq) j!.pass(() => `PBA echoes Sequence # ${ex.pbu.mh.seq}`, evPair(t, ex));
    else j!.fail(() => `PBA Sequence # ${ex.pba.mh.seq}, PBU had ${ex.pbu.mh.seq}`, evPair(t, ex), { field: 'Sequence #', expected: ex.pbu.mh.seq, seen: ex.pba.mh.seq });
  }
});

/** Option-copy rules of §5.3.6: MN-ID, HI, ATT always present (empty/0 when the PBU had none). */
export const pbaCopies = check('pba-copied-options', ['LMA-PBA-04', 'LMA-PBA-05', 'LMA-PBA-06', 'LMA-PBA-07', 'LMA-PBA-08', 'LMA-PBA-11'],
  (t, [mnid, hi, att, lli, ts, lla]) => {
    for (const ex of pairs(t)) {
      // Both messages read alike, as their senders wrote them (options after a declared end too):
      // these judge what the LMA copies, MH-02 judges where it put it.
      const u = readAsSent(ex.pbu), a = readAsSent(ex.pba);
      const ev = evPair(t, ex);
      const uId = optionOf(u, 8), aId = optionOf(a, 8);
      const wantId = uId ? `${uId.subtype}:${uId.id}` : 'empty';
      const seenId = aId ? (aId.length === 1 ? 'empty' : `${aId.subtype}:${aId.id}`) : 'absent';
      if (wantId === seenId) mnid!.pass('PBA MN-ID copied from the PBU', ev);
      else mnid!.fail(() => `PBA MN-ID ${seenId}, PBU had ${wantId}`, ev, { field: 'MN-ID', expected: wantId, seen: seenId });
      for (const [j, type, name] of [[hi, 23, 'HI'], [att, 24, 'ATT']] as const) {
        const want = optionOf(u, type)?.value ?? 0;
        const seen = optionOf(a, type)?.value;
        if (seen === want) j!.pass(() => `PBA ${name} ${seen} copied`, ev);
        else j!.fail(() => `PBA ${name} ${seen ?? 'absent'}, PBU had ${want}`, ev, { field: name, expected: want, seen: seen ?? 'absent' });
      }
      const uL = optionOf(u, 25)?.id, aL = optionOf(a, 25)?.id;
      if (uL === aL) lli!.pass(uL === undefined ? 'no MN-LL-ID in PBU nor PBA' : 'PBA MN-LL-ID copied', ev);
      else lli!.fail(() => `PBA MN-LL-ID ${aL ?? 'absent'}, PBU had ${uL ?? 'none'}`, ev, { field: 'MN-LL-ID', expected: uL ?? 'absent', seen: aL ?? 'absent' });
      for (const [j, type, name, field] of [[ts, 27, 'Timestamp', 'Timestamp option'], [lla, 26, 'Link-local Address option', 'LLA option']] as const) {
        const inU = countOptions(u, type) > 0, inA = countOptions(a, type) > 0;
        const inBoth = () => {
          const where = ([['PBU', presenceText(ex.pbu, type)], ['PBA', presenceText(ex.pba, type)]] as const).filter(([, p]) => p !== 'present').map(([n, p]) => `in the ${n} ${p}`);
          return where.length === 0 ? 'present in both' : `present in both; ${where.join('; ')}`;
        };
        if (inU === inA) j!.pass(() => `${name} ${inU ? inBoth() : 'absent in both'}`, ev);
        else j!.fail(() => `${name} ${presenceText(ex.pba, type)} in the PBA but ${presenceText(ex.pbu, type)} in the PBU`, ev, () => ({ field, expected: inU ? 'present' : 'absent', seen: presenceText(ex.pba, type) }));
      }
    }
  });

/** A session of another MN that holds one of `prefixes` at `time`, if any. */
function otherHolder(t: Trace, prefixes: readonly string[], mnId: string | undefined, time: number): Session | undefined {
  const holders = prefixHolders(t);
  for (const p of prefixes) {
    for (const o of holders.get(p) ?? []) {
      const [from, until] = holding(t, o);
      if (o.mnId !== mnId && from <= time && time < until) return o;
    }
  }
  return undefined;
}

export const pbaPrefixes = check('pba-hnp', ['LMA-PBA-09', 'LMA-PBA-10'], (t, [ok, rejected]) => {
  rejected!.inconclusiveBecause('no rejected PBU in the trace');
  for (const ex of pairs(t)) {
    // RFC 5844: a PBU with an IPv4 HoA Request and no HNP gets no HNP back (V4-08 judges it).
    if (countOptions(ex.pbu, 22) === 0 && countOptions(ex.pbu, 36) > 0) continue;
    const ev = evPair(t, ex);
    const got = hnpsOf(ex.pba);
    if (isAccepted(ex)) {
      if (ex.deregistration) continue;
      if (got.length === 0 || got.some(isZeroPrefix)) {
        ok!.fail(() => (got.length === 0 ? 'accepted PBA carries no HNP' : 'accepted PBA carries an all-zero HNP'), ev, () => ({ field: 'HNP', expected: 'assigned prefix(es)', seen: setText(got) }));
        continue;
      }
      // Across MNs attached at the same time the prefix sets never overlap.
      const other = otherHolder(t, got, ex.mnId, ex.pba.ref.time);
      const guess = other && lingerGuessed(t, other, ex.pba.ref.time);
      if (other === undefined) ok!.pass(() => `accepted PBA carries HNP ${setText(got)}, no other MN's`, ev);
      else if (guess !== undefined) ok!.undecided(() => `accepted PBA gives ${ex.mnId ?? 'an MN'} a prefix of ${other.mnId}: ${guess}`, [...evPair(t, other.events[0]!.exchange), ...ev]);
      else {
        const shared = got.filter((p) => sessionPrefixes(other).includes(p));
        ok!.fail(() => `accepted PBA gives ${ex.mnId ?? 'an MN'} ${setText(shared)}, which ${other.mnId} holds`, [...evPair(t, other.events[0]!.exchange), ...ev],
          () => ({ field: 'HNP', expected: `prefixes no other MN holds (not ${setText(shared)})`, seen: setText(got) }));
      }
      continue;
    }
    const asked = hnpsOf(ex.pbu);
    const want = asked.length > 0 ? asked : ['::/0'];
    const good = asked.length > 0 ? sameSet(got, asked) : got.length === 1 && isZeroPrefix(got[0]!);
    if (good) rejected!.pass(() => `rejected PBA echoes HNP ${setText(want)}`, ev);
    else rejected!.fail(() => `rejected PBA carries HNP ${setText(got)}, the PBU had ${setText(asked)}`, ev, () => ({ field: 'HNP', expected: setText(want), seen: setText(got) }));
  }
});

export const pbaLinkLocal = check('pba-lla', ['LMA-PBA-12', 'LMA-PBA-13', 'LMA-PBA-14'], (t, [fresh, stored, echoed]) => {
  for (const ex of pairs(t)) {
    const asked = llaOf(ex.pbu);
    if (asked === undefined) continue;
    const got = llaOf(ex.pba);
    const ev = evPair(t, ex);
    const s = ex.session;
    const kind = ex.event?.kind;
    if (asked !== '::' || !isAccepted(ex)) {
      if (got === asked) echoed!.pass(() => `PBA echoes LLA ${asked}`, ev);
      else echoed!.fail(() => `PBA LLA ${got ?? 'absent'}, the PBU had ${asked}`, ev, { field: 'LLA', expected: asked, seen: got ?? 'absent' });
      continue;
    }
    if (ex.deregistration) continue;
    if (kind === 'attach') {
      if (got !== undefined && got !== '::' && /^fe[89ab]/i.test(got)) fresh!.pass(() => `LMA generated link-local address ${got}`, ev);
      else fresh!.fail(() => `PBA for a new session carries LLA ${got ?? 'absent'}`, ev, { field: 'LLA', expected: 'a non-zero fe80::/10 address', seen: got ?? 'absent' });
    } else if (s !== undefined && s.lla !== undefined) {
      if (got === s.lla) stored!.pass(() => `PBA (${kind}) returns the stored LLA ${got}`, ev);
      else stored!.fail(() => `PBA (${kind}) carries LLA ${got ?? 'absent'}, the session's is ${s.lla}`, ev, { field: 'LLA', expected: s.lla, seen: got ?? 'absent' });
    }
  }
});

export const pbaNoRoutingHeader = check('pba-no-rh', ['LMA-PBA-15'], (t, [j]) => {
  for (const ex of pairs(t)) {
    if (ex.pba.ipv6?.extensionHeaders.some((h) => h.type === 43)) j!.fail('PBA carries a Routing Header', evPair(t, ex), { field: 'extension headers', expected: 'no Routing Header', seen: 'Routing Header' });
    else if (ex.pba.ipv6) j!.pass('PBA has no Routing Header', evPair(t, ex));
  }
});

export const pbaLifetime = check('pba-lifetime', ['LMA-PBA-17', 'LMA-PBA-18'], (t, [granted, dereg]) => {
  for (const ex of pairs(t)) {
    if (!isAccepted(ex)) continue;
    const ev = evPair(t, ex);
    const want = ex.pbu.mh.lifetimeUnits, got = ex.pba.mh.lifetimeUnits;
    if (ex.deregistration) {
      if (got === 0) dereg!.pass('de-registration PBA has Lifetime 0', ev);
      else dereg!.fail(() => `de-registration PBA has Lifetime ${got * 4} s`, ev, () => ({ field: 'Lifetime', expected: 0, seen: `${got * 4} s` }));
    } else if (got <= want) granted!.pass(() => `granted ${got * 4} s of the ${want * 4} s asked`, ev);
    else granted!.fail(() => `granted ${got * 4} s, more than the ${want * 4} s asked`, ev, () => ({ field: 'Lifetime', expected: `<= ${want * 4} s`, seen: `${got * 4} s` }));
  }
});

export const pbaAcceptStatus = check('pba-accept-status', ['LMA-PBA-19'], (t, [j]) => {
  for (const ex of pairs(t)) {
    const s = ex.pba.mh.status;
    if (s >= 128) continue;
    if (s === 0) j!.pass('acceptance uses status 0', evPair(t, ex));
    else j!.fail(() => `acceptance uses status ${s} (${ex.pba.mh.statusName})`, evPair(t, ex), { field: 'status', expected: 0, seen: s });
  }
});

// ---------------------------------------------------------------------------------------------
// C.6 as far as the PBA shows it

export const pbaTimestamp = check('pba-timestamp', ['ORD-01', 'ORD-03', 'ORD-04', 'ORD-05', 'ORD-07'], (t, [impl, echo, window, lower, seqMode]) => {
  window!.inconclusiveBecause('no PBA with status 156 in the trace');
  lower!.inconclusiveBecause('no PBA with status 157 in the trace');
  seqMode!.inconclusiveBecause('no PBU without a Timestamp was answered');
  const tol = t.settings.clockToleranceMs;
  const tolKnown = settingKnown(t, 'clockToleranceMs');
  for (const ex of pairs(t)) {
    const u = optionOf(ex.pbu, 27), a = optionOf(ex.pba, 27);
    const ev = evPair(t, ex);
    const status = ex.pba.mh.status;
    if (u === undefined) {
      if (a === undefined) seqMode!.pass('PBU without Timestamp answered without one', ev);
      else seqMode!.fail('PBU without Timestamp answered with a Timestamp option', ev, { field: 'Timestamp option', expected: 'absent', seen: a.iso });
      continue;
    }
    if (a === undefined) impl!.fail('PBU carried a Timestamp, the PBA has none', ev, { field: 'Timestamp option', expected: 'present', seen: 'absent' });
    else impl!.pass(() => `PBA carries a Timestamp option${presenceText(ex.pba, 27) === 'present' ? '' : `, ${presenceText(ex.pba, 27)}`}`, ev);
    if (a === undefined) continue;
    if (status === 0) {
      if (a.seconds === u.seconds && a.fraction === u.fraction) echo!.pass(() => `PBA echoes Timestamp ${u.iso}`, ev);
      else echo!.fail(() => `PBA Timestamp ${a.iso} differs from the PBU's ${u.iso}`, ev, () => ({ field: 'Timestamp (seconds.fraction)', expected: `${u.seconds}.${u.fraction}`, seen: `${a.seconds}.${a.fraction}` }));
    }
    if (status === 156 || status === 157) {
      const j = status === 156 ? window! : lower!;
      const skew = a.seconds * 1000 + (a.fraction * 1000) / 65536 - ex.pba.ref.time * 1000;
      if (Math.abs(skew) <= tol) j.pass(() => `status ${status} PBA carries the LMA's current time`, ev);
      else if (!tolKnown) j.undecided(() => `status ${status} PBA Timestamp ${a.iso} is ${seconds(skew / 1000)} off the capture clock: whether that is the LMA's clock or the capture host's ${unknownSetting('clockToleranceMs')}`, ev);
      else j.fail(() => `status ${status} PBA Timestamp ${a.iso} is ${seconds(skew / 1000)} off the LMA's clock`, ev, { field: 'Timestamp', expected: 'the LMA current time', seen: a.iso });
    }
  }
});

export const LMA_PBA_CHECKS = [
  lmaNoHaoRule, lmaMissingOptions, lmaAnswersEveryPbu, pbaAddresses, pbaFlags, pbaSequence, pbaCopies, pbaPrefixes,
  pbaLinkLocal, pbaNoRoutingHeader, pbaLifetime, pbaAcceptStatus, pbaTimestamp,
];
