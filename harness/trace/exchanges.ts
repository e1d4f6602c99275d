// PBU <-> PBA pairing. A PBA answers the latest unanswered PBU from its destination with the
// same Sequence # (RFC 6275 §6.1.8, RFC 5213 §5.3.6); a PBA that echoes no sequence (status 135
// carries the last accepted one) falls back to the latest unanswered PBU for the same MN-ID.
import { findOption, findOptions, type BindingAck, type BindingUpdate } from '../../wire/index.js';
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

function mnKey(e: Exchange): string {
  return `${e.mag}|${e.mnId ?? ''}|${e.llId ?? ''}`;
}

export function pairExchanges(mh: readonly MhFrame[], roles: Roles): Exchange[] {
  const exchanges: Exchange[] = [];
  const bySeq = new Map<string, Exchange[]>();
  const byMn = new Map<string, Exchange[]>();
  const lastOfMn = new Map<string, Exchange>();
  const lmas = new Set(roles.lmas);
  for (const f of mh) {
    if (f.duplicateOf !== undefined) continue;
    if (isPbu(f)) {
      const m = f.mh;
      const ex: Exchange = {
        pbu: f, mag: f.src, lma: f.dst, hnps: findOptions(m.options, 22).map((o) => o.prefix),
        deregistration: m.lifetimeUnits === 0,
      };
      const mnId = mnIdOf(m);
      if (mnId !== undefined) ex.mnId = mnId;
      const att = findOption(m.options, 24)?.value;
      if (att !== undefined) ex.att = att;
      const ll = findOption(m.options, 25)?.id;
      if (ll !== undefined) ex.llId = ll;
      const hi = findOption(m.options, 23)?.value;
      if (hi !== undefined) ex.hi = hi;
      const prev = lastOfMn.get(mnKey(ex));
      if (prev !== undefined && prev.pba === undefined && prev.deregistration === ex.deregistration
        && f.ref.time - prev.pbu.ref.time < ANSWER_WINDOW_S) ex.retransmits = prev;
      lastOfMn.set(mnKey(ex), ex);
      exchanges.push(ex);
      push(bySeq, `${f.src}|${m.seq}`, ex);
      push(byMn, `${f.src}|${mnId ?? ''}`, ex);
    } else if (isPba(f)) {
      const ex = answered(bySeq.get(`${f.dst}|${f.mh.seq}`), f, lmas)
        ?? answered(byMn.get(`${f.dst}|${mnIdOf(f.mh) ?? ''}`), f, lmas);
      if (ex !== undefined) ex.pba = f;
    }
  }
  return exchanges;
}

function push<K, V>(m: Map<K, V[]>, k: K, v: V): void {
  const list = m.get(k);
  if (list === undefined) m.set(k, [v]);
  else list.push(v);
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
