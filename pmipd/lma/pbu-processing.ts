// PBU processing at the LMA as pure functions over the Binding Cache and the policy store:
// validation in RFC 5213 §5.3.1 order, the session lookup of §5.4.1, the timestamp and sequence
// number rules of §5.5, and the PBA contents of §5.3.6. Side effects are left to lma-core.ts.
import {
  BA_STATUS_CODE, MH_OPTION, MH_OPTION_NAME, findOption, findOptions, parsePrefixLoose, timestampFromDate,
  type BindingUpdate, type HomeNetworkPrefixOption, type MnIdentifierOption, type MobilityHeaderSpec,
  type MobilityOptionSpec, type Prefix, type TimestampOption, type TimestampValue,
  type Ipv4HoaRequestOption,
} from '../../wire/index.js';
import { ipv4PbaOptions, ipv4ServiceRefusal, type PbaIpv4 } from './ipv4-hoa.js';
import { offloadPbaOptions } from './offload-policy.js';
import type { Ipv4TrafficSelector } from '../../wire/index.js';
import type { Quirks } from '../quirks.js';
import type { BindingCache, BindingCacheEntry } from './binding-cache.js';
import type { PolicyStore } from './policy.js';

/** What the LMA needs from a decoded PBU. */
export interface PbuView {
  seq: number;
  ackRequested: boolean;
  proxy: boolean;
  lifetimeUnits: number;
  mnIdOption: MnIdentifierOption | undefined;
  /** NAI, or the hex of another identifier subtype. */
  mnId: string | undefined;
  hnpOptions: HomeNetworkPrefixOption[];
  /** The non-zero requested prefixes (canonical). */
  requested: Prefix[];
  hi: number | undefined;
  att: number | undefined;
  llId: string | undefined;
  lla: string | undefined;
  timestamp: TimestampOption | undefined;
  alternateCoa: string | undefined;
  /** RFC 5845: the downlink GRE key the MAG asks for (a GRE Key option with a key), if any. */
  greKey: number | undefined;
  /** Option types this LMA does not know (skipped, RFC 6275 §6.2.1). */
  unknownOptionTypes: number[];
  /** RFC 5844 IPv4 Home Address Request options (more than one is refused with 173). */
  ipv4Requests: Ipv4HoaRequestOption[];
  /** RFC 6909: the MAG asks for IPv4 traffic offload (an IPv4 Traffic Offload Selector option). */
  offloadAsked: boolean;
  /** (F): IPv4-UDP data encapsulation asked for (RFC 5844 §4.1.3.1). */
  forceUdp: boolean;
}

export function viewPbu(msg: BindingUpdate): PbuView {
  const mnIdOption = findOption(msg.options, MH_OPTION.MN_ID);
  const hnpOptions = findOptions(msg.options, MH_OPTION.HOME_NETWORK_PREFIX);
  const requested: Prefix[] = [];
  for (const h of hnpOptions) {
    if (h.prefix === '::/0') continue;
    const p = parsePrefixLoose(h.prefix);
    if (p !== null) requested.push(p);
  }
  const unknownOptionTypes: number[] = [];
  for (const o of msg.options) if (MH_OPTION_NAME[o.type] === undefined) unknownOptionTypes.push(o.type);
  return {
    seq: msg.seq,
    ackRequested: msg.flags.A,
    proxy: msg.flags.P,
    lifetimeUnits: msg.lifetimeUnits,
    mnIdOption,
    mnId: mnIdOption?.id,
    hnpOptions,
    requested,
    hi: findOption(msg.options, MH_OPTION.HANDOFF_INDICATOR)?.value,
    att: findOption(msg.options, MH_OPTION.ACCESS_TECHNOLOGY_TYPE)?.value,
    llId: findOption(msg.options, MH_OPTION.MN_LINK_LAYER_ID)?.id,
    lla: findOption(msg.options, MH_OPTION.LINK_LOCAL_ADDRESS)?.address,
    timestamp: findOption(msg.options, MH_OPTION.TIMESTAMP),
    alternateCoa: findOption(msg.options, MH_OPTION.ALTERNATE_COA)?.address,
    greKey: findOption(msg.options, MH_OPTION.GRE_KEY)?.key,
    unknownOptionTypes,
    ipv4Requests: findOptions(msg.options, MH_OPTION.IPV4_HOA_REQUEST),
    offloadAsked: msg.options.some((o) => o.type === MH_OPTION.IPV4_TRAFFIC_OFFLOAD_SELECTOR),
    forceUdp: msg.flags.F,
  };
}

export function timestampNumber(ts: TimestampValue): number {
  return ts.seconds * 65536 + ts.fraction;
}

/** RFC 6275 §9.5.1: `seq` is newer than `last` in the 2^16 space with a 2^15 half window. */
export function seqNewer(seq: number, last: number): boolean {
  const d = (seq - last) & 0xffff;
  return d !== 0 && d < 0x8000;
}

export type Lookup =
  | { kind: 'update'; bce: BindingCacheEntry }
  | { kind: 'new' }
  | { kind: 'wait'; bce: BindingCacheEntry }
  | { kind: 'reject'; status: number };

/**
 * RFC 5213 §5.4.1: which mobility session a PBU is for. `waited`: the PBU already waited
 * MaxDelayBeforeNewBCEAssign for the previous MAG's de-registration (HI = 4).
 */
export function lookupSession(cache: BindingCache, v: PbuView, mnId: string, proxyCoa: string, waited: boolean): Lookup {
  if (v.requested.length > 0) {
    // §5.4.1.1: by prefix.
    let found: BindingCacheEntry | undefined;
    let unmatched = 0;
    for (const p of v.requested) {
      const bce = cache.byPrefix(p.text);
      if (bce === undefined) { unmatched++; continue; }
      if (bce.mnId !== mnId) return { kind: 'reject', status: BA_STATUS_CODE.NOT_AUTHORIZED_FOR_HOME_NETWORK_PREFIX };
      if (found !== undefined && found !== bce) return { kind: 'reject', status: BA_STATUS_CODE.BCE_PBU_PREFIX_SET_DO_NOT_MATCH };
      found = bce;
    }
    if (found === undefined) return { kind: 'new' };
    if (unmatched > 0 || found.hnps.length !== v.requested.length) return { kind: 'reject', status: BA_STATUS_CODE.BCE_PBU_PREFIX_SET_DO_NOT_MATCH };
    const llMatch = v.llId !== undefined && found.llId === v.llId && found.att === v.att;
    const noLl = v.llId === undefined && found.llId === null;
    if (llMatch || v.hi === 2 || (noLl && found.att === v.att && v.hi === 3) || (found.proxyCoa === proxyCoa && found.att === v.att)) {
      return { kind: 'update', bce: found };
    }
    if (v.hi === 4) return waitOrNew(found, waited);
    // A new session cannot use prefixes another session holds.
    return { kind: 'reject', status: BA_STATUS_CODE.NOT_AUTHORIZED_FOR_HOME_NETWORK_PREFIX };
  }
  const sessions = cache.forMn(mnId);
  if (v.llId !== undefined) {
    // §5.4.1.2: by (MN-ID, ATT, LL-ID).
    const hit = sessions.find((b) => b.att === v.att && b.llId === v.llId);
    if (hit !== undefined) return { kind: 'update', bce: hit };
    if (v.hi === 2 && sessions.length === 1) return { kind: 'update', bce: sessions[0]! };
  } else if (sessions.length === 1 && (v.hi === 2 || v.hi === 3)) {
    // §5.4.1.3
    return { kind: 'update', bce: sessions[0]! };
  }
  if (v.hi === 4 && sessions.length === 1) return waitOrNew(sessions[0]!, waited);
  return { kind: 'new' };
}

/** HI = 4 with one candidate session (§5.4.1.2/§5.4.1.3, LMA-BCE-11, E.5). */
function waitOrNew(bce: BindingCacheEntry, waited: boolean): Lookup {
  if (bce.state === 'deleting') return { kind: 'update', bce };
  return waited ? { kind: 'new' } : { kind: 'wait', bce };
}

export type Decision =
  | { action: 'reject'; status: number; mnId: string | undefined; lastSeq?: number }
  | { action: 'drop'; why: string }
  | { action: 'wait'; mnId: string; bce: BindingCacheEntry }
  | { action: 'register'; mnId: string; lookup: Extract<Lookup, { kind: 'update' | 'new' }> }
  | { action: 'deregister'; mnId: string; bce: BindingCacheEntry };

export interface DecideContext {
  cache: BindingCache;
  policy: PolicyStore;
  quirks: Quirks;
  /** LMA wall clock, ms since the epoch. */
  nowWallMs: number;
  timestampValidityWindow: number;
  /** The PBU already waited for a de-registration (HI = 4). */
  waited: boolean;
}

/** RFC 5213 §5.3.1 in order; the first failing check decides the status (LMA-ERR-12). */
export function decidePbu(v: PbuView, proxyCoa: string, c: DecideContext): Decision {
  const reject = (status: number, extra: { lastSeq?: number } = {}): Decision => ({ action: 'reject', status, mnId: v.mnId, ...extra });
  if (v.unknownOptionTypes.length > 0 && c.quirks.has('reject-unknown-option')) return reject(BA_STATUS_CODE.REASON_UNSPECIFIED);
  if (v.mnId === undefined) return reject(BA_STATUS_CODE.MISSING_MN_IDENTIFIER_OPTION);
  const mnId = v.mnId;
  const mag = c.policy.magAt(proxyCoa);
  if (mag === undefined) return reject(BA_STATUS_CODE.MAG_NOT_AUTHORIZED_FOR_PROXY_REG);
  let mn = c.policy.mobileNode(mnId);
  if (mn === undefined) {
    if (!c.quirks.has('accept-unknown-mn')) return reject(BA_STATUS_CODE.NOT_LMA_FOR_THIS_MOBILE_NODE);
    mn = { nai: mnId, prefixes: [], proxyMobility: true, mags: [] };
  }
  if (!c.policy.mayRegister(mag, mn)) return reject(BA_STATUS_CODE.MAG_NOT_AUTHORIZED_FOR_PROXY_REG);
  if (!mn.proxyMobility) return reject(BA_STATUS_CODE.PROXY_REG_NOT_ENABLED);

  const deregistration = v.lifetimeUnits === 0;
  const lookup = lookupSession(c.cache, v, mnId, proxyCoa, c.waited);
  const existing = lookup.kind === 'update' ? lookup.bce : undefined;

  // §5.5: timestamps when the PBU has one, sequence numbers otherwise.
  // A PBU held back for a de-registration passed these checks when it arrived.
  if (v.timestamp !== undefined && !c.waited) {
    const ts = timestampNumber(v.timestamp);
    const tsMs = (v.timestamp.seconds + v.timestamp.fraction / 65536) * 1000;
    if (Math.abs(tsMs - c.nowWallMs) > c.timestampValidityWindow && !c.quirks.has('ignore-timestamp-window')) {
      return reject(BA_STATUS_CODE.TIMESTAMP_MISMATCH);
    }
    // The newest timestamp any session of this MN accepted guards against a late PBU from the previous MAG.
    const newest = existing?.lastTimestamp ?? null;
    if (newest !== null && ts < newest && !c.quirks.has('accept-stale-timestamp')) {
      return reject(BA_STATUS_CODE.TIMESTAMP_LOWER_THAN_PREV_ACCEPTED);
    }
  } else if (v.timestamp === undefined && existing !== undefined && existing.proxyCoa === proxyCoa && !seqNewer(v.seq, existing.lastSeq)) {
    return reject(BA_STATUS_CODE.SEQUENCE_NUMBER_OUT_OF_WINDOW, { lastSeq: existing.lastSeq });
  }

  // RFC 5844 §3.1.2.1: an IPv4 HoA Request stands in for the HNP option; neither is 158.
  if (v.hnpOptions.length === 0 && (v.ipv4Requests.length === 0 || c.quirks.has('ipv4-requires-hnp'))) return reject(BA_STATUS_CODE.MISSING_HOME_NETWORK_PREFIX_OPTION);
  if (v.hi === undefined) return reject(BA_STATUS_CODE.MISSING_HANDOFF_INDICATOR_OPTION);
  if (v.att === undefined) return reject(BA_STATUS_CODE.MISSING_ACCESS_TECH_TYPE_OPTION);
  const ipv4Refusal = ipv4ServiceRefusal(v, mn, c.quirks);
  if (ipv4Refusal !== null) return reject(ipv4Refusal);

  if (deregistration) {
    // §5.3.5: only the MAG holding the binding may end it; anything else is ignored silently.
    if (lookup.kind !== 'update') return { action: 'drop', why: 'de-registration for no known session' };
    if (lookup.bce.proxyCoa !== proxyCoa && !c.quirks.has('ack-foreign-dereg')) {
      return { action: 'drop', why: `de-registration from ${proxyCoa}, but the binding is at ${lookup.bce.proxyCoa}` };
    }
    return { action: 'deregister', mnId, bce: lookup.bce };
  }
  if (lookup.kind === 'reject') return reject(lookup.status);
  if (lookup.kind === 'wait') return { action: 'wait', mnId, bce: lookup.bce };
  if (lookup.kind === 'new') {
    // §5.3.2: requested prefixes must be the MN's own: fixed, or (checked when claimed from the
    // pool, lma-core assignPrefixes) the pool prefix this LMA last assigned to it.
    for (const p of v.requested) {
      const owner = c.policy.reserved.get(p.text);
      if (owner !== undefined ? owner !== mnId : mn.prefixes.length > 0) return reject(BA_STATUS_CODE.NOT_AUTHORIZED_FOR_HOME_NETWORK_PREFIX);
    }
  }
  return { action: 'register', mnId, lookup };
}

/** Everything §5.3.6 puts in a PBA besides what comes from the PBU. */
export interface PbaContents {
  status: number;
  seq: number;
  lifetimeUnits: number;
  /** Accepted: the session's prefixes. Rejected: ignored (the PBU's are echoed). */
  hnps: readonly Prefix[];
  /** The LLA to return when the PBU carried the option. */
  lla: string | null;
  /** The Timestamp to return when the PBU carried one (the PBU's, or the LMA's clock on 156/157). */
  timestamp: TimestampValue | null;
  /** RFC 5845 §3.3.2: the session's uplink GRE key, for a PBA accepting a PBU that carried a GRE Key option. */
  greKey?: number;
  /** RFC 5844: the binding's IPv4 HoA, for a PBU with an IPv4 HoA Request. */
  ipv4?: PbaIpv4;
  /** RFC 6909: the IPv4 offload selectors the domain authorises for this MN. */
  offload?: readonly Ipv4TrafficSelector[];
}

/** RFC 5213 §5.3.6: the PBA for `v`. */
export function buildPba(v: PbuView, c: PbaContents, quirks: Quirks): MobilityHeaderSpec {
  const accepted = c.status < 128;
  const options: MobilityOptionSpec[] = [];
  options.push(v.mnIdOption !== undefined
    ? { type: 8, subtype: v.mnIdOption.subtype, id: v.mnIdOption.id }
    : { type: 8, subtype: 1, id: '' });
  if (accepted) {
    for (const p of c.hnps) options.push({ type: 22, prefix: p.text });
  } else if (v.hnpOptions.length > 0) {
    for (const h of v.hnpOptions) options.push({ type: 22, prefix: h.prefix, reserved: 0 });
  } else if (v.ipv4Requests.length === 0) {
    options.push({ type: 22, prefix: '::/0' });
  }
  // RFC 5844 §3.1.2.6: a PBU with only an IPv4 HoA Request gets no HNP option back.
  if (v.hnpOptions.length === 0 && v.ipv4Requests.length > 0 && quirks.has('ipv4-only-pba-with-hnp')) options.push({ type: 22, prefix: '::/0' });
  options.push({ type: 23, value: quirks.has('pba-hi-zero') ? 0 : v.hi ?? 0 });
  options.push({ type: 24, value: v.att ?? 0 });
  if (v.llId !== undefined) options.push({ type: 25, id: v.llId });
  if (v.lla !== undefined && !quirks.has('no-lla')) options.push({ type: 26, address: c.lla ?? v.lla });
  if (v.timestamp !== undefined && c.timestamp !== null && !quirks.has('pba-no-timestamp')) {
    options.push({ type: 27, seconds: c.timestamp.seconds, fraction: c.timestamp.fraction });
  }
  if (accepted && c.greKey !== undefined && !quirks.has('pba-no-gre-key')) options.push({ type: 33, key: c.greKey });
  options.push(...ipv4PbaOptions(v, c.status, c.ipv4, quirks));
  options.push(...offloadPbaOptions(v.offloadAsked, accepted, (c.ipv4?.grant ?? null) !== null, c.offload ?? [], quirks));
  return {
    type: 6,
    status: c.status,
    flags: { P: v.proxy && !quirks.has('pba-no-p-flag') },
    seq: quirks.has('wrong-seq-in-pba') ? (c.seq + 1) & 0xffff : c.seq,
    lifetimeUnits: c.lifetimeUnits,
    options,
    autoPad: true,
  };
}

/** The LMA's own time as a Timestamp value (for 156/157 replies). */
export function lmaTimestamp(nowWallMs: number): TimestampValue {
  return timestampFromDate(nowWallMs);
}
