// D.4: RFC 7077 Update Notifications on the wire: what a UPN carries, its numbering, the D flag and
// the timing of a retransmission, the UPA that answers A = 1 (number and MN-ID/Group copied), what
// the MAG does for FORCE-REREGISTRATION (a PBU), a vendor reason without VSO (129) and
// ANI-PARAMS-REQUESTED (a PBU with the ANI option), a repeated UPN not acted on twice, and no UPN
// after Binding Error 2. UPDATE-SESSION-PARAMETERS (UPN-07's 128) needs to know what the MAG could
// apply: the update-notification-mag case judges it. UPN-11 (same SA) is SEC's.
import type { UpdateNotification, UpdateNotificationAck } from '../../wire/index.js';
import { optionOf, type MhFrame, type Trace } from '../trace/index.js';
import { check } from './check.js';
import { mhEv, seconds } from './evidence.js';

export type UpnFrame = MhFrame & { mh: UpdateNotification };
export type UpaFrame = MhFrame & { mh: UpdateNotificationAck };

/** How long the MAG may take to answer or act. */
const REACTION_S = 2;
/** RFC 7077 §7: MIN_DELAY_BETWEEN_UPDATE_NOTIFICATION_REPLAY (1000 ms), MAX_..._RETRANSMIT_COUNT (1). */
const MIN_REPLAY_S = 1;
const MAX_RETRANSMISSIONS = 1;
const TOLERANCE_S = 0.05;

const cache = new WeakMap<Trace, { upns: UpnFrame[]; upas: UpaFrame[] }>();
function notifications(t: Trace): { upns: UpnFrame[]; upas: UpaFrame[] } {
  let r = cache.get(t);
  if (r === undefined) {
    const ok = t.signalling.filter((f) => f.discarded === undefined);
    r = { upns: ok.filter((f): f is UpnFrame => f.mh.type === 19), upas: ok.filter((f): f is UpaFrame => f.mh.type === 20) };
    cache.set(t, r);
  }
  return r;
}

const isIut = (t: Trace, a: string): boolean => !t.roles.testers.includes(a);
const fromIutLma = (t: Trace, f: MhFrame): boolean => isIut(t, f.src) && t.roles.lmas.includes(f.src);
const toIutMag = (t: Trace, f: MhFrame): boolean => isIut(t, f.dst) && t.roles.mags.includes(f.dst);
const target = (f: MhFrame): string => { const id = optionOf(f, 8)?.id; const g = optionOf(f, 50); return id ?? (g !== undefined ? `group ${g.groupId}` : 'nobody'); };

/** Transmissions of one notification: same sender, receiver and Sequence #, in order. */
function groups(list: readonly UpnFrame[]): UpnFrame[][] {
  const m = new Map<string, UpnFrame[]>();
  for (const f of list) {
    const k = `${f.src}>${f.dst}#${f.mh.seq}`;
    const g = m.get(k);
    if (g === undefined) m.set(k, [f]); else g.push(f);
  }
  return [...m.values()];
}

function upaFor(t: Trace, upn: UpnFrame): UpaFrame | undefined {
  return notifications(t).upas.find((a) => a.src === upn.dst && a.dst === upn.src && a.mh.seq === upn.mh.seq && a.ref.time >= upn.ref.time && a.ref.time - upn.ref.time <= REACTION_S);
}

/** The MAG's registration PBUs for the MN(s) a UPN names, from it up to REACTION_S later (and before `until`). */
function pbusAfter(t: Trace, upn: UpnFrame, until = Infinity) {
  const id = optionOf(upn, 8)?.id;
  // A de-registration is the MN leaving (or the MAG stopping), never the answer to a UPN.
  return t.exchanges.filter((x) => x.mag === upn.dst && !x.pbu.fromTester && !x.deregistration && (id === undefined || x.mnId === id)
    && x.pbu.ref.time > upn.ref.time && x.pbu.ref.time - upn.ref.time <= REACTION_S && x.pbu.ref.time < until);
}

export const upnFormat = check('upn-format', ['UPN-01'], (t, [j]) => {
  j!.inconclusiveBecause('no UPN from an LMA under test in the trace');
  for (const f of notifications(t).upns) {
    if (!fromIutLma(t, f)) continue;
    const problems: string[] = [];
    const ids = Number(optionOf(f, 8) !== undefined) + Number(optionOf(f, 50) !== undefined);
    if (ids === 0) problems.push('neither an MN Identifier nor an MN Group Identifier option');
    if (ids === 2) problems.push('both an MN Identifier and an MN Group Identifier option (one or the other)');
    if (f.mh.reason === 0 || f.mh.reason === 255) problems.push(`Notification Reason ${f.mh.reason} (reserved)`);
    if (!t.roles.mags.includes(f.dst) && !t.roles.testers.includes(f.dst)) problems.push(`sent to ${f.dst}, no MAG's Proxy-CoA`);
    const who = t.nodeName(f.src);
    if (problems.length === 0) j!.pass(() => `${who}'s UPN seq ${f.mh.seq} (${f.mh.reasonName}) to ${t.nodeName(f.dst)} names ${target(f)}`, [mhEv(t, f)]);
    else j!.fail(() => `${who}'s UPN seq ${f.mh.seq}: ${problems.join('; ')}`, [mhEv(t, f)], { field: 'UPN', expected: 'a reason and an MN-ID or Group ID option, to a Proxy-CoA', seen: problems.join('; ') });
  }
});

export const upnSequence = check('upn-sequence', ['UPN-02'], (t, [j]) => {
  j!.inconclusiveBecause('no two UPNs from one LMA under test in the trace');
  const last = new Map<string, UpnFrame>();
  // New notifications only: the first transmission of each (retransmissions repeat the number).
  for (const f of groups(notifications(t).upns.filter((x) => fromIutLma(t, x))).map((g) => g[0]!).sort((a, b) => a.ref.time - b.ref.time)) {
    const prev = last.get(f.src);
    last.set(f.src, f);
    if (prev === undefined) continue;
    const d = (f.mh.seq - prev.mh.seq) & 0xffff;
    const who = t.nodeName(f.src);
    if (d !== 0 && d < 0x8000) j!.pass(() => `${who}'s UPN seq ${f.mh.seq} follows seq ${prev.mh.seq}`, [mhEv(t, prev), mhEv(t, f)]);
    else j!.fail(() => `${who}'s new UPN seq ${f.mh.seq} does not follow seq ${prev.mh.seq}`, [mhEv(t, prev), mhEv(t, f)], { field: 'UPN seq', expected: `after ${prev.mh.seq}`, seen: f.mh.seq });
  }
});

export const upnRetransmission = check('upn-retransmission', ['UPN-03', 'UPN-04'], (t, [flag, timing]) => {
  for (const j of [flag, timing]) j!.inconclusiveBecause('no UPN from an LMA under test was retransmitted or left unanswered in the trace');
  const { upas } = notifications(t);
  for (const g of groups(notifications(t).upns.filter((f) => fromIutLma(t, f)))) {
    const first = g[0]!;
    const who = t.nodeName(first.src);
    const answered = upas.find((a) => a.src === first.dst && a.mh.seq === first.mh.seq && a.ref.time >= first.ref.time);
    const ev = g.slice(0, 3).map((f) => mhEv(t, f));
    if (g.length === 1) {
      // Unanswered with A = 1: one retransmission was due (MAX_..._RETRANSMIT_COUNT 1).
      if (first.mh.flags.A && answered === undefined && t.end - first.ref.time > MIN_REPLAY_S * 2 + 1) {
        const be = t.signalling.some((f) => f.mh.type === 7 && f.src === first.dst && f.ref.time >= first.ref.time && f.ref.time - first.ref.time <= REACTION_S);
        if (!be) timing!.fail(() => `${who}'s UPN seq ${first.mh.seq} (A = 1) got no UPA and was never retransmitted`, ev, { field: 'retransmissions', expected: MAX_RETRANSMISSIONS, seen: 0 });
      }
      if (first.mh.flags.D) flag!.fail(() => `${who}'s first UPN seq ${first.mh.seq} has D = 1`, ev, { field: 'D flag of the first transmission', expected: 0, seen: 1 });
      continue;
    }
    const problems: string[] = [];
    if (first.mh.flags.D) problems.push('the first has D = 1');
    if (!first.mh.flags.A) problems.push('retransmitted although A = 0');
    for (const r of g.slice(1)) {
      if (!r.mh.flags.D) problems.push(`the retransmission at ${seconds(r.ref.time - first.ref.time)} has D = 0`);
      if (r.mh.reason !== first.mh.reason || target(r) !== target(first)) problems.push('a retransmission changes the reason or the MN named');
      if (answered !== undefined && r.ref.time > answered.ref.time) problems.push('retransmitted after the UPA came');
    }
    if (problems.length === 0) flag!.pass(() => `${who}'s UPN seq ${first.mh.seq}: first D = 0, repeated unchanged with D = 1`, ev);
    else flag!.fail(() => `${who}'s UPN seq ${first.mh.seq}: ${problems.join('; ')}`, ev, { field: 'UPN retransmission', expected: 'D = 0 first, then the same UPN with D = 1, only while A = 1 and no UPA', seen: problems.join('; ') });
    const gaps = g.slice(1).map((r, i) => r.ref.time - g[i]!.ref.time);
    const short = gaps.find((x) => x + TOLERANCE_S < MIN_REPLAY_S);
    if (g.length > 1 + MAX_RETRANSMISSIONS) timing!.fail(() => `${who} sent UPN seq ${first.mh.seq} ${g.length} times`, ev, { field: 'transmissions', expected: `at most ${1 + MAX_RETRANSMISSIONS}`, seen: g.length });
    else if (short !== undefined) timing!.fail(() => `${who} retransmitted UPN seq ${first.mh.seq} after ${seconds(short)}`, ev, { field: 'gap between transmissions', expected: `>= ${MIN_REPLAY_S} s`, seen: seconds(short) });
    else timing!.pass(() => `${who} retransmitted UPN seq ${first.mh.seq} once, ${seconds(gaps[0]!)} later`, ev);
  }
});

export const upaAnswers = check('upa-answers', ['UPN-05'], (t, [j]) => {
  j!.inconclusiveBecause('no UPN with A = 1 to a MAG under test in the trace');
  for (const f of notifications(t).upns) {
    if (!f.mh.flags.A || !toIutMag(t, f)) continue;
    const upa = upaFor(t, f);
    const who = t.nodeName(f.dst);
    if (upa === undefined) {
      if (t.end - f.ref.time > REACTION_S) j!.fail(() => `${who} did not answer UPN seq ${f.mh.seq} (A = 1) with a UPA`, [mhEv(t, f)], { field: 'UPA', expected: `seq ${f.mh.seq} to ${f.src}`, seen: 'none' });
      continue;
    }
    const copied = target(upa) === target(f);
    if (copied) j!.pass(() => `${who} answered UPN seq ${f.mh.seq} with UPA ${upa.mh.status} (${upa.mh.statusName}), ${target(f)} copied`, [mhEv(t, f), mhEv(t, upa)]);
    else j!.fail(() => `${who}'s UPA to UPN seq ${f.mh.seq} does not copy ${target(f)}`, [mhEv(t, f), mhEv(t, upa)], { field: 'UPA MN-ID / Group ID', expected: target(f), seen: target(upa) });
  }
});

/** First sightings of each notification (retransmissions left out): what a MAG acts on. */
const firstOf = (t: Trace) => groups(notifications(t).upns.filter((f) => toIutMag(t, f))).map((g) => g[0]!);

export const upnForceReregistration = check('upn-force-reregistration', ['UPN-06'], (t, [j]) => {
  j!.inconclusiveBecause('no FORCE-REREGISTRATION UPN to a MAG under test in the trace');
  for (const f of firstOf(t)) {
    if (f.mh.reason !== 1) continue;
    const pbus = pbusAfter(t, f);
    if (pbus.length > 0) j!.pass(() => `${t.nodeName(f.dst)} re-registered ${target(f)} ${seconds(pbus[0]!.pbu.ref.time - f.ref.time)} after FORCE-REREGISTRATION`, [mhEv(t, f), mhEv(t, pbus[0]!.pbu)]);
    else if (t.end - f.ref.time > REACTION_S) j!.fail(() => `${t.nodeName(f.dst)} sent no PBU for ${target(f)} after FORCE-REREGISTRATION`, [mhEv(t, f)], { field: 'PBU after the UPN', expected: `within ${REACTION_S} s`, seen: 'none' });
  }
});

export const upnVendorReason = check('upn-vendor-reason', ['UPN-07'], (t, [j]) => {
  j!.inconclusiveBecause('no VENDOR-SPECIFIC-REASON UPN without a Vendor-Specific option (A = 1) to a MAG under test in the trace');
  for (const f of firstOf(t)) {
    if (f.mh.reason !== 3 || !f.mh.flags.A || optionOf(f, 19) !== undefined) continue;
    const upa = upaFor(t, f);
    if (upa === undefined) continue; // UPN-05 judges the missing answer
    if (upa.mh.status === 129) j!.pass(() => `${t.nodeName(f.dst)} answered a vendor reason without VSO with 129`, [mhEv(t, f), mhEv(t, upa)]);
    else j!.fail(() => `${t.nodeName(f.dst)} answered a vendor reason without VSO with ${upa.mh.status} (${upa.mh.statusName})`, [mhEv(t, f), mhEv(t, upa)], { field: 'UPA status', expected: '129 (MISSING-VENDOR-SPECIFIC-OPTION)', seen: upa.mh.status });
  }
});

export const upnAni = check('upn-ani', ['UPN-08'], (t, [j]) => {
  j!.inconclusiveBecause('no ANI-PARAMS-REQUESTED UPN to a MAG under test in the trace');
  for (const f of firstOf(t)) {
    if (f.mh.reason !== 4) continue;
    const pbus = pbusAfter(t, f);
    const withAni = pbus.find((x) => optionOf(x.pbu, 52) !== undefined);
    if (withAni !== undefined) j!.pass(() => `${t.nodeName(f.dst)} sent a PBU with the Access Network Identifier option for ${target(f)}`, [mhEv(t, f), mhEv(t, withAni.pbu)]);
    else if (t.end - f.ref.time > REACTION_S) j!.fail(() => `${t.nodeName(f.dst)} sent ${pbus.length === 0 ? 'no PBU' : 'PBUs without the Access Network Identifier option'} after ANI-PARAMS-REQUESTED`, [mhEv(t, f), ...pbus.slice(0, 1).map((x) => mhEv(t, x.pbu))], { field: 'ANI option (52) in the next PBU', expected: 'present', seen: pbus.length === 0 ? 'no PBU' : 'absent' });
  }
});

export const upnRepeated = check('upn-repeated', ['UPN-09'], (t, [j]) => {
  j!.inconclusiveBecause('no retransmitted UPN (D = 1) to a MAG under test in the trace');
  for (const g of groups(notifications(t).upns.filter((f) => toIutMag(t, f)))) {
    const [first, ...again] = g;
    for (const r of again) {
      if (!r.mh.flags.D) continue;
      const who = t.nodeName(r.dst);
      const answerOk = !r.mh.flags.A || upaFor(t, r) !== undefined;
      // Reasons 1 and 4 are acted on with a PBU: the repetition must bring none of its own.
      const acts = first!.mh.reason === 1 || first!.mh.reason === 4;
      const extra = acts ? pbusAfter(t, r).filter((x) => !pbusAfter(t, first!, r.ref.time).includes(x)) : [];
      const ev = [mhEv(t, first!), mhEv(t, r), ...extra.slice(0, 1).map((x) => mhEv(t, x.pbu))];
      if (!answerOk) j!.fail(() => `${who} did not answer the repeated UPN seq ${r.mh.seq} (A = 1)`, ev, { field: 'UPA to the repetition', expected: 'sent', seen: 'none' });
      else if (extra.length > 0) j!.fail(() => `${who} acted again on the repeated UPN seq ${r.mh.seq} (${extra.length} more PBU)`, ev, { field: 'PBUs after the repetition', expected: 0, seen: extra.length });
      else j!.pass(() => `${who} answered the repeated UPN seq ${r.mh.seq} without acting on it again`, ev);
    }
  }
});

export const upnAfterBe2 = check('upn-after-be2', ['UPN-10'], (t, [j]) => {
  j!.inconclusiveBecause('no Binding Error 2 answered a UPN of an LMA under test in the trace');
  const { upns } = notifications(t);
  for (const be of t.signalling) {
    if (be.mh.type !== 7 || be.mh.status !== 2 || !isIut(t, be.dst) || !t.roles.lmas.includes(be.dst)) continue;
    const asked = upns.find((f) => f.src === be.dst && f.dst === be.src && f.ref.time <= be.ref.time && be.ref.time - f.ref.time <= REACTION_S);
    if (asked === undefined) continue;
    const later = upns.find((f) => f.src === be.dst && f.dst === be.src && f.ref.time > be.ref.time);
    const who = t.nodeName(be.dst);
    if (later !== undefined) j!.fail(() => `${who} sent UPN seq ${later.mh.seq} to ${t.nodeName(be.src)} after its Binding Error 2`, [mhEv(t, asked), mhEv(t, be), mhEv(t, later)], { field: 'UPNs after Binding Error 2', expected: 'none', seen: `seq ${later.mh.seq}` });
    else if (t.end - be.ref.time > REACTION_S) j!.pass(() => `${who} sent no UPN to ${t.nodeName(be.src)} after its Binding Error 2`, [mhEv(t, asked), mhEv(t, be)]);
  }
});

export const UPDATE_NOTIFICATION_CHECKS = [upnFormat, upnSequence, upnRetransmission, upaAnswers, upnForceReregistration, upnVendorReason, upnAni, upnRepeated, upnAfterBe2];
