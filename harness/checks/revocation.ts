// D.2: RFC 5846 Binding Revocation on the wire: what a BRI carries and where it goes, every BRI
// answered by a BRA that copies its number and flags, the handover answer by whether the MN is
// still on the MAG's link, the initiator's retransmission, the BRI on HI 4 instead of a blind
// wait, and global revocation. BR-06 (a stray BRA dropped) is an active stimulus; BR-09 (inside
// ESP) is SEC's; BR-10 (IPv4/UDP transport) is ipv4-transport.ts's.
import type { BindingRevocationAck, BindingRevocationIndication } from '../../wire/index.js';
import { optionOf, optionsOf, servingMag, type Exchange, type MhFrame, type Trace } from '../trace/index.js';
import { check } from './check.js';
import { mhEv, seconds } from './evidence.js';
import { macOfLlId } from './helpers.js';

export type BriFrame = MhFrame & { mh: BindingRevocationIndication };
export type BraFrame = MhFrame & { mh: BindingRevocationAck };

/** How long a BRA may take (the responder may probe the MN first, RFC 5846 §9.1). */
const BRA_WINDOW_S = 3;
/** RFC 5846 §11: InitMINDelayBRIs is 1 s and never under 0.5 s; MAX_BRACK_TIMEOUT 2 s; one retry. */
const MIN_RETRANSMIT_S = 0.5;
const MAX_RETRANSMIT_S = 2.2;
const BRI_MAX_RETRIES = 1;
/** Handover triggers (§5.1): 2, 3, 4. */
export const HANDOVER_TRIGGERS = new Set([2, 3, 4]);

const cache = new WeakMap<Trace, { bris: BriFrame[]; bras: BraFrame[] }>();

export function revocations(t: Trace): { bris: BriFrame[]; bras: BraFrame[] } {
  let r = cache.get(t);
  if (r === undefined) {
    const all = t.signalling.filter((f) => f.mh.type === 16 && f.discarded === undefined);
    r = {
      bris: all.filter((f): f is BriFrame => (f.mh as BindingRevocationIndication).brType === 1),
      bras: all.filter((f): f is BraFrame => (f.mh as BindingRevocationAck).brType === 2),
    };
    cache.set(t, r);
  }
  return r;
}

const isIut = (t: Trace, a: string): boolean => !t.roles.testers.includes(a);
const flagsText = (f: { P: boolean; V: boolean; G: boolean }): string => `P=${Number(f.P)} V=${Number(f.V)} G=${Number(f.G)}`;
export const mnOf = (f: BriFrame): string | undefined => optionOf(f, 8)?.id;

/** The BRA answering `bri` (from its destination, the same Sequence #), within the window. */
export function braFor(t: Trace, bri: BriFrame): BraFrame | undefined {
  return revocations(t).bras.find((a) => a.src === bri.dst && a.dst === bri.src && a.mh.seq === bri.mh.seq
    && a.ref.time >= bri.ref.time && a.ref.time - bri.ref.time <= BRA_WINDOW_S);
}

export const briFormat = check('bri-format', ['BR-01'], (t, [j]) => {
  j!.inconclusiveBecause('no per-MN BRI from an LMA under test in the trace');
  for (const f of revocations(t).bris) {
    if (!isIut(t, f.src) || !t.roles.lmas.includes(f.src) || f.mh.flags.G) continue;
    const id = optionOf(f, 8);
    const problems: string[] = [];
    if (!f.mh.flags.P) problems.push('P = 0');
    if (id === undefined) problems.push('no MN Identifier option');
    else if (id.subtype !== 1) problems.push(`MN Identifier subtype ${id.subtype}, not NAI`);
    if (problems.length === 0) j!.pass(() => `${t.nodeName(f.src)}'s BRI seq ${f.mh.seq} (trigger ${f.mh.trigger}) has P = 1 and names ${id!.id}`, [mhEv(t, f)]);
    else j!.fail(() => `${t.nodeName(f.src)}'s BRI seq ${f.mh.seq}: ${problems.join(', ')}`, [mhEv(t, f)], { field: 'BRI', expected: 'P = 1, an MN Identifier (NAI)', seen: problems.join(', ') });
  }
});

export const briDestination = check('bri-destination', ['BR-02'], (t, [j]) => {
  j!.inconclusiveBecause('no BRI from an LMA under test for a binding the trace shows');
  for (const f of revocations(t).bris) {
    if (!isIut(t, f.src) || !t.roles.lmas.includes(f.src)) continue;
    const id = mnOf(f);
    const time = f.ref.time;
    const sessions = t.sessions.filter((s) => (f.mh.flags.G || s.mnId === id) && s.events[0]!.exchange.lma === f.src);
    const at = new Set(sessions.map((s) => servingMag(s, time)).filter((m): m is string => m !== undefined));
    if (at.size === 0) continue;
    const what = f.mh.flags.G ? 'global BRI' : `BRI for ${id}`;
    if (at.has(f.dst)) j!.pass(() => `${t.nodeName(f.src)}'s ${what} went to ${t.nodeName(f.dst)}, which holds the binding`, [mhEv(t, f)]);
    else j!.fail(() => `${t.nodeName(f.src)}'s ${what} went to ${t.nodeName(f.dst)}, but the binding is at ${[...at].map((a) => t.nodeName(a)).join(', ')}`, [mhEv(t, f)], { field: 'BRI destination', expected: [...at].join(' or '), seen: f.dst });
  }
});

export const briAnswered = check('bri-answered', ['BR-03'], (t, [j]) => {
  j!.inconclusiveBecause('no BRI to an implementation under test in the trace');
  const bes = t.signalling.filter((f) => f.mh.type === 7 && f.mh.status === 2);
  for (const bri of revocations(t).bris) {
    if (!isIut(t, bri.dst)) continue;
    const who = t.nodeName(bri.dst);
    const bra = braFor(t, bri);
    if (bra !== undefined) {
      const same = bra.mh.flags.P === bri.mh.flags.P && bra.mh.flags.V === bri.mh.flags.V && bra.mh.flags.G === bri.mh.flags.G;
      if (same) j!.pass(() => `${who} answered BRI seq ${bri.mh.seq} with BRA ${bra.mh.status} (${bra.mh.statusName}), flags copied`, [mhEv(t, bri), mhEv(t, bra)]);
      else j!.fail(() => `${who}'s BRA to BRI seq ${bri.mh.seq} does not copy its flags`, [mhEv(t, bri), mhEv(t, bra)], { field: 'BRA flags', expected: flagsText(bri.mh.flags), seen: flagsText(bra.mh.flags) });
      continue;
    }
    const near = (f: MhFrame) => f.src === bri.dst && f.dst === bri.src && f.ref.time >= bri.ref.time && f.ref.time - bri.ref.time <= BRA_WINDOW_S;
    if (bes.some(near)) continue; // the node does not implement RFC 5846
    const other = revocations(t).bras.find(near);
    if (other !== undefined) j!.fail(() => `${who} answered BRI seq ${bri.mh.seq} with another Sequence #`, [mhEv(t, bri), mhEv(t, other)], { field: 'BRA seq', expected: bri.mh.seq, seen: other.mh.seq });
    else if (t.end - bri.ref.time > BRA_WINDOW_S) j!.fail(() => `${who} did not answer BRI seq ${bri.mh.seq} within ${BRA_WINDOW_S} s`, [mhEv(t, bri)], { field: 'BRA', expected: `seq ${bri.mh.seq}`, seen: 'none' });
  }
});

/** Whether the MN shows on an access link of `mag` between `from` and `to` (it answers the MAG's probes, solicits...). */
function seenOnLinkOf(t: Trace, mag: string, mac: string, from: number, to: number): boolean {
  return t.nd.some((f) => f.linkSrc === mac && f.ref.time >= from && f.ref.time <= to && t.points[t.pointIndex(f.ref.point)]?.mag === mag);
}

export const braMnAttached = check('bra-mn-attached', ['BR-04'], (t, [j]) => {
  j!.inconclusiveBecause('no handover BRI (trigger 2-4) answered by a MAG under test in the trace');
  for (const bri of revocations(t).bris) {
    if (!HANDOVER_TRIGGERS.has(bri.mh.trigger) || bri.mh.flags.G || !isIut(t, bri.dst) || !t.roles.mags.includes(bri.dst)) continue;
    const bra = braFor(t, bri);
    const id = mnOf(bri);
    if (bra === undefined || id === undefined) continue;
    const mac = t.sessions.map((s) => (s.mnId === id ? macOfLlId(s.llId) : undefined)).find((m) => m !== undefined);
    // The MN's last move before the BRI: it left (detach, handover away) or came (attach).
    const move = t.events.filter((e) => (e.kind === 'detach' || e.kind === 'handover' || e.kind === 'attach') && e.mnId === id && e.time < bri.ref.time).at(-1);
    const left = move !== undefined && move.kind !== 'attach';
    const since = Math.max(bri.ref.time - 1.5, left ? move.time : -Infinity);
    const attached = mac !== undefined && seenOnLinkOf(t, bri.dst, mac, since, bra.ref.time + 0.1);
    const who = t.nodeName(bri.dst);
    const ev = [mhEv(t, bri), mhEv(t, bra)];
    const s = bra.mh.status;
    if (attached) {
      if (s === 132) j!.pass(() => `${who} answered 132 (MN attached): ${id} was still on its link`, ev);
      else j!.fail(() => `${who} answered ${s} (${bra.mh.statusName}) although ${id} was still on its link`, ev, { field: 'BRA status', expected: '132 (revocation failed, MN is attached)', seen: s });
    } else if (left) {
      if (s === 0 || s === 128) j!.pass(() => `${who} answered ${s} (${bra.mh.statusName}): ${id} had left its link`, ev);
      else j!.fail(() => `${who} answered ${s} (${bra.mh.statusName}) although ${id} had left its link`, ev, { field: 'BRA status', expected: '0 (success)', seen: s });
    } else {
      j!.undecided(() => `whether ${id} was still on ${who}'s link is not in the trace (no access capture shows it, no event says it left)`, ev);
    }
  }
});

export const briRetransmission = check('bri-retransmission', ['BR-05'], (t, [j]) => {
  j!.inconclusiveBecause('no BRI from an implementation under test went unanswered in the trace');
  const groups = new Map<string, BriFrame[]>();
  for (const f of revocations(t).bris) {
    if (!isIut(t, f.src)) continue;
    const k = `${f.src}>${f.dst}#${f.mh.seq}`;
    const g = groups.get(k);
    if (g === undefined) groups.set(k, [f]); else g.push(f);
  }
  for (const g of groups.values()) {
    const first = g[0]!;
    const answered = revocations(t).bras.find((a) => a.src === first.dst && a.dst === first.src && a.mh.seq === first.mh.seq && a.ref.time >= first.ref.time);
    const sent = answered === undefined ? g : g.filter((f) => f.ref.time <= answered.ref.time);
    const who = t.nodeName(first.src);
    const ev = sent.slice(0, 3).map((f) => mhEv(t, f));
    if (answered !== undefined && sent.length === 1) continue; // answered in time: nothing to retransmit
    if (answered === undefined && t.end - first.ref.time < MAX_RETRANSMIT_S + 1) continue;
    if (sent.length === 1) {
      j!.fail(() => `${who} sent BRI seq ${first.mh.seq} to ${t.nodeName(first.dst)} once and never again, without a BRA`, ev, { field: 'BRI transmissions', expected: `1 + ${BRI_MAX_RETRIES} (BRIMaxRetriesNumber)`, seen: 1 });
      continue;
    }
    const gap = sent[1]!.ref.time - first.ref.time;
    if (sent.length > 1 + BRI_MAX_RETRIES) j!.fail(() => `${who} sent BRI seq ${first.mh.seq} ${sent.length} times`, ev, { field: 'BRI transmissions', expected: `at most ${1 + BRI_MAX_RETRIES}`, seen: sent.length });
    else if (gap < MIN_RETRANSMIT_S || gap > MAX_RETRANSMIT_S) j!.fail(() => `${who} retransmitted BRI seq ${first.mh.seq} after ${seconds(gap)}`, ev, { field: 'retransmission delay', expected: 'InitMINDelayBRIs (1 s; 0.5-2 s)', seen: seconds(gap) });
    else j!.pass(() => `${who} retransmitted unanswered BRI seq ${first.mh.seq} once, ${seconds(gap)} later`, ev);
  }
});

/** Whether a BRI the MAG acknowledged with 0 (success) revoked `mnId` there between `from` and `to`. */
function revokedSince(t: Trace, mag: string, mnId: string, from: number, to: number): boolean {
  const { bris, bras } = revocations(t);
  return bris.some((b) => b.dst === mag && b.ref.time > from && b.ref.time < to && (b.mh.flags.G || mnOf(b) === mnId)
    && bras.some((a) => a.src === mag && a.mh.seq === b.mh.seq && a.mh.status === 0 && a.ref.time >= b.ref.time && a.ref.time < to));
}

export const briOnHi4 = check('bri-on-hi4', ['BR-07'], (t, [j]) => {
  j!.inconclusiveBecause('no PBU with HI 4 for a session another MAG held, at an LMA that revokes');
  const { bris, bras } = revocations(t);
  for (const ex of t.exchanges) {
    if (ex.hi !== 4 || ex.deregistration || ex.mnId === undefined || !isIut(t, ex.lma)) continue;
    const time = ex.pbu.ref.time;
    const held = t.sessions.find((s) => s.mnId === ex.mnId && s.events[0]!.exchange.lma === ex.lma && servingMag(s, time - 0.001) !== undefined
      && servingMag(s, time - 0.001) !== ex.mag && !revokedSince(t, servingMag(s, time - 0.001)!, ex.mnId!, s.events.at(-1)!.time, time));
    if (held === undefined) continue;
    if (!bris.some((b) => b.src === ex.lma)) { j!.na('the LMA sent no BRI at all: it does not implement Binding Revocation (BR-07 is for one that does)'); continue; }
    const prev = servingMag(held, time - 0.001)!;
    const until = ex.pba?.ref.time ?? time + BRA_WINDOW_S;
    // A de-registration from the previous MAG that came first makes the BRI needless.
    const dereg = t.exchanges.some((x: Exchange) => x.mag === prev && x.mnId === ex.mnId && x.deregistration && x.pbu.ref.time >= time && x.pbu.ref.time < until && x.pbu.ref.time < (bris.find((b) => b.dst === prev && b.ref.time >= time)?.ref.time ?? Infinity));
    if (dereg) continue;
    const bri = bris.find((b) => b.src === ex.lma && b.dst === prev && b.ref.time >= time && b.ref.time <= until && mnOf(b) === ex.mnId);
    const ev = [mhEv(t, ex.pbu), ...(bri ? [mhEv(t, bri)] : []), ...(ex.pba ? [mhEv(t, ex.pba)] : [])];
    if (bri === undefined || bri.mh.trigger !== 4) {
      j!.fail(() => `PBU HI 4 for ${ex.mnId} from ${t.nodeName(ex.mag)}: ${t.nodeName(ex.lma)} ${bri === undefined ? 'sent no BRI' : `sent a BRI with trigger ${bri.mh.trigger}`} to ${t.nodeName(prev)}, which held the session`, ev, { field: 'BRI to the previous MAG', expected: 'trigger 4 (inter-MAG handover, unknown)', seen: bri === undefined ? 'none' : `trigger ${bri.mh.trigger}` });
      continue;
    }
    const bra = bras.find((a) => a.src === prev && a.mh.seq === bri.mh.seq && a.ref.time >= bri.ref.time);
    if (ex.pba === undefined || ex.pba.mh.status >= 128) {
      j!.pass(() => `PBU HI 4 for ${ex.mnId}: ${t.nodeName(ex.lma)} revoked it at ${t.nodeName(prev)} (trigger 4)`, ev);
      continue;
    }
    const granted = optionsOf(ex.pba, 22).map((o) => o.prefix);
    const same = granted.some((p) => held.hnps.includes(p));
    const handedOver = bra?.mh.status === 0;
    if (same === handedOver) j!.pass(() => `PBU HI 4 for ${ex.mnId}: BRI trigger 4 to ${t.nodeName(prev)}, BRA ${bra?.mh.status ?? 'none'}, then ${same ? 'the same prefix' : 'a new session'}`, ev);
    else j!.fail(() => `PBU HI 4 for ${ex.mnId}: after BRA ${bra?.mh.status ?? 'none'} from ${t.nodeName(prev)} the LMA granted ${same ? 'the same prefix' : 'a new prefix'}`, ev, { field: 'PBA prefix', expected: handedOver ? `the session's ${held.hnps.join(' ')}` : 'a new session', seen: granted.join(' ') });
  }
});

export const globalRevocation = check('global-revocation', ['BR-08'], (t, [j]) => {
  j!.inconclusiveBecause('no global BRI (G = 1) from an implementation under test in the trace');
  for (const f of revocations(t).bris) {
    if (!f.mh.flags.G || !isIut(t, f.src)) continue;
    const fromLma = t.roles.lmas.includes(f.src);
    const options = f.mh.options.filter((o) => o.type > 1);
    const problems: string[] = [];
    if (f.mh.trigger !== 128) problems.push(`trigger ${f.mh.trigger} (${f.mh.triggerName})`);
    if (fromLma && options.length > 0) problems.push(`options ${options.map((o) => o.name).join(', ')}`);
    if (!fromLma && optionOf(f, 8) === undefined) problems.push('no MN Identifier naming the MAG');
    const who = t.nodeName(f.src);
    if (problems.length === 0) j!.pass(() => `${who}'s global BRI seq ${f.mh.seq}: G = 1, trigger 128${fromLma ? ', no options' : ', MN-ID of the MAG'}`, [mhEv(t, f)]);
    else j!.fail(() => `${who}'s global BRI seq ${f.mh.seq}: ${problems.join(', ')}`, [mhEv(t, f)], { field: 'global BRI', expected: fromLma ? 'trigger 128, no options' : 'trigger 128, MN-ID of the MAG', seen: problems.join(', ') });
  }
});

export const REVOCATION_CHECKS = [briFormat, briDestination, briAnswered, braMnAttached, briRetransmission, briOnHi4, globalRevocation];
