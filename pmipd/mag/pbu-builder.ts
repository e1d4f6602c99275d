// The PBUs a MAG sends (RFC 5213 §6.9.1.1, §6.9.1.3, §6.9.1.4; catalog C.2, C.9, C.10).
import { timestampFromDate, type MobilityHeaderSpec, type MobilityOptionSpec } from '../../wire/index.js';
import type { Quirks } from '../quirks.js';
import type { BulEntry, PbuKind } from './bul.js';
import { ipv4RequestOptions } from './ipv4-request.js';

export interface PbuParams {
  kind: PbuKind;
  seq: number;
  hi: number;
  /** Requested lifetime in 4-second units (ignored for a de-registration). */
  lifetimeUnits: number;
  accessTechnology: number;
  /** Put a Timestamp option in (TimestampBasedApproachInUse). */
  timestamps: boolean;
  /** FixedMAGLinkLocalAddressOnAllAccessLinks is set: no Link-local Address option. */
  fixedLinkLocal: boolean;
  wallMs: number;
  /** An Access Network Identifier option to add (RFC 7077 §6.1, after ANI-PARAMS-REQUESTED). */
  ani?: MobilityOptionSpec;
  /** RFC 5845 §3.3.1: the downlink GRE key, in every registration and refresh PBU. */
  greKey?: number;
  /** RFC 6909 §3.1: the IPv4 Traffic Offload Selector request, in registration and refresh PBUs. */
  offload?: MobilityOptionSpec;
  /** RFC 5844 §4.2.2.1 (domain ipv4Transport): (F) when forced, the IPv4-Proxy-CoA in an IPv4 Care-of Address option. */
  ipv4Transport?: { forceUdp: boolean; pcoa: string };
}

export function buildPbu(e: BulEntry, p: PbuParams, quirks: Quirks): MobilityHeaderSpec {
  const options: MobilityOptionSpec[] = [];
  // A registration asks for what it was told to (::/0 at first); refresh and de-registration list
  // every assigned prefix by value (REREG-03, DEREG-02).
  const zeroRefresh = p.kind === 'refresh' && quirks.has('refresh-with-zero-hnp');
  const prefixes = zeroRefresh ? [] : p.kind === 'register' ? e.request : e.hnps;
  // RFC 5844 §3.2.3.1: an IPv4-only MN's PBUs carry no HNP option.
  const hnpService = e.ipv6Service !== false || quirks.has('ipv4-only-sends-hnp');
  if (hnpService && prefixes.length === 0) options.push({ type: 22, prefix: '::/0' });
  else if (hnpService) for (const h of prefixes) options.push({ type: 22, prefix: h.text });
  options.push({ type: 23, value: p.hi });
  options.push({ type: 24, value: quirks.has('att-zero') ? 0 : p.accessTechnology });
  options.push({ type: 8, subtype: 1, id: e.mnId });
  if (p.timestamps && !quirks.has('omit-timestamp')) {
    const ts = timestampFromDate(p.wallMs);
    options.push({ type: 27, seconds: ts.seconds, fraction: ts.fraction });
  }
  if (!p.fixedLinkLocal) options.push({ type: 26, address: e.lla ?? '::' });
  if (!quirks.has('no-mn-ll-id')) options.push({ type: 25, id: e.mac.replace(/:/g, '') });
  if (p.ani !== undefined) options.push(p.ani);
  if (p.greKey !== undefined && p.kind !== 'deregister') options.push({ type: 33, key: p.greKey });
  options.push(...ipv4RequestOptions(e, p.kind, quirks));
  if (p.offload !== undefined && p.kind !== 'deregister') options.push(p.offload);
  if (p.ipv4Transport !== undefined) options.push({ type: 32, address: p.ipv4Transport.pcoa });
  const unaligned = quirks.has('unaligned-options');
  if (unaligned) {
    // Packed as they come; only the end is padded to the 8-octet multiple the MH needs.
    const len = 12 + options.reduce((n, o) => n + optionSize(o), 0);
    const pad = (8 - (len % 8)) % 8;
    if (pad === 1) options.push({ type: 0 });
    else if (pad > 1) options.push({ type: 1, length: pad - 2 });
  }
  return {
    type: 5,
    seq: p.seq,
    flags: { A: true, P: true, F: p.ipv4Transport?.forceUdp === true },
    lifetimeUnits: p.kind === 'deregister' ? 0 : p.lifetimeUnits,
    options,
    autoPad: !unaligned,
  };
}

function optionSize(o: MobilityOptionSpec): number {
  switch (o.type) {
    case 8: return 3 + Buffer.byteLength((o as { id: string }).id);
    case 22: return 20;
    case 23: case 24: return 4;
    case 25: return 4 + (o as { id: string }).id.length / 2;
    case 26: return 18;
    case 27: return 10;
    case 33: return 8;
    case 32: case 36: return 8;
    // RFC 6909 §3.1: Type, Length, the M/Reserved word; a MAG's request has no TS sub-option.
    case 53: if ((o as { ts?: unknown }).ts === undefined) return 6;
      throw new Error('no size for option 53 with a TS sub-option: a MAG does not send one');
    default: throw new Error(`no size for option ${o.type}`);
  }
}

/** The Handoff Indicator of a PBU of `kind` (REREG-04, DEREG-03, MAG-PBU-09, HO-01). */
export function handoffIndicator(kind: PbuKind, attachHi: number, quirks: Quirks): number {
  switch (kind) {
    case 'register': return quirks.has('hi-3-on-attach') && attachHi === 1 ? 3 : attachHi;
    case 'refresh': return quirks.has('refresh-hi-1') ? 1 : 5;
    case 'deregister': return quirks.has('dereg-hi-1') ? 1 : 4;
  }
}
