// PBU <-> PBA pairing. A PBA answers the latest unanswered PBU from its destination with the
// same Sequence # (RFC 6275 §6.1.8, RFC 5213 §5.3.6); a PBA that echoes no sequence (status 135
// carries the last accepted one) falls back to the latest unanswered PBU for the same MN-ID. A PBA
// the MAG must discard is kept beside the PBU (droppedPbas) but does not answer it.
import { findOption, type BindingAck, type BindingUpdate } from '../../wire/index.js';
import { pushTo } from './multimap.js';
import { optionOf, optionsOf } from './options.js';
import type { Exchange, MhFrame, PbaFrame, PbuFrame, Roles } from './types.js';

/** How long a PBU may wait for its PBA, and a retransmission for the PBU it repeats (MAX_BINDACK_TIMEOUT + margin). */
const ANSWER_WINDOW_S = 40;

export function isPbu(f: MhFrame): f is PbuFrame {
  return f.mh.type === 5;
}

export function isPba(f: MhFrame): f is PbaFrame {
  return f.mh.type === 6;
}

export function mnIdOf(m: BindingUpdate | BindingAck): string | undefined {
  return findOption(m.options, 8)?.id;
}

export function pairExchanges(mh: readonly MhFrame[], roles: Roles): Exchange[] {
  const exchanges: Exchange[] = [];
  // MAG -> Sequence # (or MN-ID, '' for none) -> its PBUs: nested maps, no key strings per message.
  const bySeq = new Map<string, Map<number, Exchange[]>>();
  const byMn = new Map<string, Map<string, Exchange[]>>();
  // MAG -> MN-ID -> MN-LL-ID ('' for none) -> its latest PBU.
  const lastOfMn = new Map<string, Map<string, Map<string, Exchange>>>();
  const lmas = new Set(roles.lmas);
  for (const f of mh) {
    if (f.duplicateOf !== undefined) continue;
    if (isPbu(f)) {
      const m = f.mh;
      const ex: Exchange = {
        pbu: f, mag: f.src, lma: f.dst, hnps: optionsOf(f, 22).map((o) => o.prefix),
        deregistration: m.lifetimeUnits === 0,
      };
      const mnId = optionOf(f, 8)?.id;
      if (mnId !== undefined) ex.mnId = mnId;
      const att = optionOf(f, 24)?.value;
      if (att !== undefined) ex.att = att;
      const ll = optionOf(f, 25)?.id;
      if (ll !== undefined) ex.llId = ll;
      const hi = optionOf(f, 23)?.value;
      if (hi !== undefined) ex.hi = hi;
      const ofMn = inner(inner(lastOfMn, f.src), mnId ?? '');
      const prev = ofMn.get(ll ?? '');
      if (prev !== undefined && prev.pba === undefined && prev.deregistration === ex.deregistration
        && f.ref.time - prev.pbu.ref.time < ANSWER_WINDOW_S) ex.retransmits = prev;
      ofMn.set(ll ?? '', ex);
      exchanges.push(ex);
      pushTo(inner(bySeq, f.src), m.seq, ex);
      pushTo(inner(byMn, f.src), mnId ?? '', ex);
    } else if (isPba(f)) {
      const ex = answered(bySeq.get(f.dst)?.get(f.mh.seq), f, lmas)
        ?? answered(byMn.get(f.dst)?.get(optionOf(f, 8)?.id ?? ''), f, lmas);
      if (ex === undefined) continue;
      // A PBA the MAG must discard answers nothing: the PBU stays unanswered (and is retransmitted).
      if (f.discarded !== undefined) { (ex.droppedPbas ??= []).push(f); continue; }
      ex.pba = f;
      const why = magMustIgnore(ex.pbu, f);
      if (why !== undefined) ex.magIgnores = why;
    }
  }
  return exchanges;
}

/**
 * Options whose value in a PBA must be the PBU's, or the MAG ignores it (RFC 5213 §6.9.1.2: a PBA
 * that has one of them "carrying values that are different" from the PBU's). A PBA without one
 * carries no different value: the LMA broke §5.3.6 (LMA-PBA-04..07 judge that), the MAG takes it.
 */
const ECHOED = [[8, 'MN-ID'], [23, 'HI'], [24, 'ATT'], [25, 'MN-LL-ID']] as const;

function optionText(f: MhFrame, type: (typeof ECHOED)[number][0]): string | undefined {
  if (type === 8) return optionOf(f, 8)?.id;
  if (type === 25) return optionOf(f, 25)?.id;
  const v = optionOf(f, type)?.value;
  return v === undefined ? undefined : String(v);
}

/** Why the MAG must ignore `pba`, a PBA it need not discard (MhFrame.discarded), as the answer to `pbu` (MAG-PBA-02/03), or undefined. */
export function magMustIgnore(pbu: PbuFrame, pba: PbaFrame): string | undefined {
  const a = pba.mh;
  if (pbu.mh.flags.P && !a.flags.P) return 'its P flag is clear';
  // A 135 carries the last accepted Sequence # (RFC 6275 §11.7.3) and registers nothing anyway.
  if (a.seq !== pbu.mh.seq && a.status !== 135) return `its Sequence # ${a.seq} answers no PBU (the PBU had ${pbu.mh.seq})`;
  for (const [type, name] of ECHOED) {
    const u = optionText(pbu, type);
    if (u === undefined) continue;
    const got = optionText(pba, type);
    if (got !== undefined && got !== u) return `its ${name} ${got} differs from the PBU's ${u}`;
  }
  return undefined;
}

/** The map under `k`, created empty if missing. */
function inner<K, V>(m: Map<string, Map<K, V>>, k: string): Map<K, V> {
  let i = m.get(k);
  if (i === undefined) m.set(k, i = new Map());
  return i;
}

/** The latest unanswered candidate sent before the PBA, preferring one addressed to the PBA's source. */
function answered(candidates: Exchange[] | undefined, pba: PbaFrame, lmas: Set<string>): Exchange | undefined {
  if (candidates === undefined) return undefined;
  let fallback: Exchange | undefined;
  for (let i = candidates.length - 1; i >= 0; i--) {
    const ex = candidates[i]!;
    const dt = pba.ref.time - ex.pbu.ref.time;
    if (dt < 0) continue;
    if (dt > ANSWER_WINDOW_S) break;
    if (ex.pba !== undefined) continue;
    if (ex.pbu.dst === pba.src) return ex;
    if (fallback === undefined && (lmas.has(pba.src) || lmas.size === 0)) fallback = ex;
  }
  return fallback;
}
