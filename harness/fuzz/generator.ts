// The fuzz input generator: input `index` of a campaign seeded with `seed` is a pure function of
// (seed, index, context), so any input can be made again without storing it. An input is one or
// more complete IPv6 packets: a conformant message from the models (models.ts) with mutations of
// its values, its options and its octets, a stateful sequence, or (for a MAG target) Router and
// Neighbor Solicitations for its access link. Each input names the message type and the fields it
// mutated, for the report's counts.
import {
  IPPROTO_ICMPV6, IPPROTO_MH, MH_OPTION, MH_OPTION_NAME, MhEncodeError, encodeMobilityHeader, ipv6PseudoChecksum,
  parseIpv6, toHex, type MobilityHeaderSpec, type MobilityOptionSpec,
} from '../../wire/index.js';
import { itemSeed, Rng } from '../prng.js';
import {
  COMMON_FIELDS, OPTION_TYPES, modelsFor, optionValue, pbuOptions, timestampOption,
  type FieldModel, type FuzzTarget, type MessageModel, type ModelContext,
} from './models.js';

export interface GenContext extends ModelContext {
  /** Source addresses of the emulated peer: the first is the one the target knows best. */
  peer: readonly string[];
  /** Where the peer's messages go: the LMAA or the MAG's Proxy-CoA. */
  targetAddress: string;
  /** MAG target: the MN-side sender of RS/NS, its link-local source and MAC. */
  access?: { src: string; mac: string };
}

/** Which sender puts a packet on the wire: the emulated peer, or the MN-side one on the access link. */
export type Channel = 'peer' | 'access';

export interface FuzzPacket {
  channel: Channel;
  /** A complete IPv6 packet, header included. */
  bytes: Uint8Array;
  /** Destination for sendto (scoped, e.g. "ff02::2%eth0", on the access link). */
  dst: string;
}

export interface FuzzInput {
  index: number;
  /** 'PBU', 'PBA', ..., 'RS', 'NS', 'MH-200', or a sequence: 'seq:handover-race'. */
  message: string;
  /** Mutated fields, e.g. 'PBU.lifetime', 'option.MN-ID.nai', 'mh.headerLen', 'ipv6.payloadLength'. */
  fields: string[];
  packets: FuzzPacket[];
}

const parsed = new Map<string, Uint8Array>();

/** parseIpv6, remembered: a campaign uses a handful of addresses millions of times (never write into the result). */
function address(text: string): Uint8Array {
  let b = parsed.get(text);
  if (b === undefined) {
    b = parseIpv6(text);
    if (parsed.size < 256) parsed.set(text, b);
  }
  return b;
}

/** The largest Mobility Header: Header Len is one octet of 8-octet units after the first 8. */
export const MH_MAX_OCTETS = (255 + 1) * 8;
const IPV6_HEADER = 40;

/** The access interface name the MN-side sender uses (scoped destinations). */
export const ACCESS_IFACE = 'eth0';

/** The channel of input `index`, decided before generating it (each sender generates only its own). */
export function channelOf(seed: number, index: number, target: FuzzTarget): Channel {
  if (target !== 'mag') return 'peer';
  return new Rng(itemSeed(seed, index)).next() < ND_SHARE ? 'access' : 'peer';
}

/** Share of a MAG target's inputs that are RS/NS on its access link. */
const ND_SHARE = 0.3;

export function generateInput(seed: number, index: number, ctx: GenContext): FuzzInput {
  const rng = new Rng(itemSeed(seed, index));
  // The first draw is channelOf's.
  const ndDraw = rng.next();
  const input: FuzzInput = { index, message: '', fields: [], packets: [] };
  if (ctx.target === 'mag' && ndDraw < ND_SHARE && ctx.access !== undefined) {
    ndInput(rng, ctx, input);
    return input;
  }
  const kind = rng.weighted([80, ctx.target === 'lma' ? 10 : 4, 4, 3]);
  if (kind === 1) sequence(rng, ctx, input);
  else if (kind === 2) unknownType(rng, ctx, input);
  else if (kind === 3) {
    const model = rng.pick(modelsFor(ctx.target));
    input.message = model.name;
    input.packets.push(mhPacket(ctx, encode(model.base(ctx, rng), input.fields, model), rng, [], ctx.peer[0]!));
  } else mutatedMessage(rng, ctx, input);
  return input;
}

// ---------------------------------------------------------------------------------------------
// One mutated message

function mutatedMessage(rng: Rng, ctx: GenContext, input: FuzzInput): void {
  const model = rng.pick(modelsFor(ctx.target));
  input.message = model.name;
  const spec = model.base(ctx, rng);
  const n = rng.weighted([0, 50, 30, 20]);
  for (let i = 0; i < n; i++) SPEC_MUTATIONS[rng.int(SPEC_MUTATIONS.length)]!(spec as Loose, rng, ctx, input.fields, model);
  let mh = encode(spec, input.fields, model);
  if (rng.chance(0.35)) mh = mutateOctets(mh, rng, model, input.fields);
  const src = rng.chance(0.1) ? rng.pick(ctx.peer) : ctx.peer[0]!;
  input.packets.push(mhPacket(ctx, mh, rng, input.fields, src));
}

/** A spec as the mutations see it: any field may be replaced. */
type Loose = Record<string, unknown> & { options?: MobilityOptionSpec[] };
type SpecMutation = (s: Loose, rng: Rng, ctx: GenContext, fields: string[], model: MessageModel) => void;

const BOUNDARY16 = [0, 1, 2, 0x7fff, 0x8000, 0xfffe, 0xffff];
const BOUNDARY32 = [0, 1, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff];

function options(s: Loose): MobilityOptionSpec[] {
  if (s.options === undefined) s.options = [];
  return s.options;
}

function replaceOption(s: Loose, type: number, o: MobilityOptionSpec): void {
  const opts = options(s);
  const i = opts.findIndex((x) => x.type === type);
  if (i >= 0) opts[i] = o;
  else opts.push(o);
}

/** Multi-octet UTF-8 (2, 3 and 4 octets per character), cut anywhere by the length. */
const UTF8_SAMPLE = [...new TextEncoder().encode('\u00e9\u4e2d\u{1f600}'.repeat(64))];

/** NAIs of every length (0-254 octets, the most an option holds) and encoding. */
export function naiVariant(rng: Rng): { id: string; how: string } {
  const len = rng.pick([0, 1, 2, 63, 64, 65, 127, 128, 129, 200, 253, 254, rng.int(255)]);
  const how = rng.pick(['ascii', 'utf8', 'binary', 'no-realm', 'many-at', 'long-label', 'control']);
  let octets: number[];
  switch (how) {
    case 'utf8': octets = UTF8_SAMPLE.slice(0, len); break;
    case 'binary': octets = [...rng.bytes(len)]; break;
    case 'control': octets = Array.from({ length: len }, (_, i) => (i % 3 === 0 ? rng.int(0x20) : 0x61 + (i % 26))); break;
    case 'many-at': octets = Array.from({ length: len }, (_, i) => (i % 2 === 0 ? 0x40 : 0x61)); break;
    case 'long-label': octets = [0x6d, 0x6e, 0x40, ...new Array<number>(Math.max(0, len - 3)).fill(0x6c)].slice(0, len); break;
    case 'no-realm': octets = new Array<number>(len).fill(0x6e); break;
    default: {
      const base = 'mn1@example.org';
      octets = Array.from({ length: len }, (_, i) => (i < len - base.length ? 0x78 : base.charCodeAt(i - (len - base.length))));
    }
  }
  // The raw form: the escaped binary text the codec reads back as these octets.
  return { id: binaryNai(octets), how: `${how}/${len}` };
}

function binaryNai(octets: number[]): string {
  let s = '';
  for (const c of octets) s += c === 0x5c ? '\\\\' : c >= 0x20 && c < 0x7f ? String.fromCharCode(c) : `\\x${c.toString(16).padStart(2, '0')}`;
  return `${s} (binary NAI)`;
}

const ADDRESSES = ['::', '::1', 'fe80::1', 'ff02::1', '2001:db8::1', '2001:db8:8000::', 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', '::ffff:192.0.2.1'];

function prefixVariant(rng: Rng): MobilityOptionSpec {
  const addr = rng.pick([...ADDRESSES, '2001:db8:8000:1::']);
  const len = rng.pick([0, 1, 48, 63, 64, 65, 127, 128, 129, 255, rng.int(256)]);
  if (len <= 128) return { type: MH_OPTION.HOME_NETWORK_PREFIX, prefixLength: len, prefix: addr };
  // Past 128 bits the codec refuses the text form: the raw octets instead.
  return { type: MH_OPTION.HOME_NETWORK_PREFIX, data: `00${len.toString(16).padStart(2, '0')}${toHex(parseIpv6(addr))}` } as MobilityOptionSpec;
}

const SPEC_MUTATIONS: SpecMutation[] = [
  (s, rng, _c, fields, m) => {
    if (!('seq' in s)) return;
    s.seq = m.type === 13 ? rng.pick(BOUNDARY32) : rng.pick(BOUNDARY16);
    fields.push(`${m.name}.seq`);
  },
  (s, rng, _c, fields, m) => {
    if (!('lifetimeUnits' in s)) return;
    s.lifetimeUnits = rng.pick([0, 1, 0xffff, 0xfffe, rng.int(0x10000)]);
    fields.push(`${m.name}.lifetime`);
  },
  (s, rng, _c, fields, m) => {
    // Every flag combination (P/A/H/L and the rest), reserved bits too.
    if (!('flags' in s)) return;
    const flags: Record<string, boolean> = {};
    for (const k of ['A', 'H', 'L', 'K', 'M', 'R', 'P', 'F', 'T', 'B', 'S', 'D', 'U', 'V', 'G']) flags[k] = rng.chance(0.5);
    s.flags = flags;
    if ('reservedFlags' in s || m.type === 5) s.reservedFlags = rng.int(16) & (m.type === 6 ? 1 : m.type === 16 ? 0x1fff : 0xf);
    fields.push(`${m.name}.flags`);
  },
  (s, rng, _c, fields, m) => {
    for (const k of ['status', 'trigger', 'reason']) {
      if (k in s) { s[k] = rng.int(256); fields.push(`${m.name}.${k}`); return; }
    }
  },
  (s, rng, _c, fields) => { s.reserved = rng.range(1, 255); fields.push('mh.reserved'); },
  (s, rng, _c, fields) => {
    const { id, how } = naiVariant(rng);
    replaceOption(s, MH_OPTION.MN_ID, { type: MH_OPTION.MN_ID, subtype: 1, id });
    fields.push(`option.MN-ID.nai(${how.split('/')[0]})`);
  },
  (s, rng, _c, fields) => {
    replaceOption(s, MH_OPTION.MN_ID, { type: MH_OPTION.MN_ID, subtype: rng.int(256), id: toHex(rng.bytes(rng.int(40))) });
    fields.push('option.MN-ID.subtype');
  },
  (s, rng, _c, fields) => { replaceOption(s, MH_OPTION.HOME_NETWORK_PREFIX, prefixVariant(rng)); fields.push('option.HNP.prefix'); },
  (s, rng, _c, fields) => {
    const opts = options(s);
    for (let i = rng.range(1, 16); i > 0; i--) opts.push(prefixVariant(rng));
    fields.push('option.HNP.count');
  },
  (s, rng, ctx, fields) => {
    const now = Math.floor(ctx.nowMs / 1000);
    const seconds = rng.pick([0, 1, 2 ** 48 - 1, now - 10 ** 9, now + 10 ** 9, now - 1, now + 1, now + 2208988800, 2 ** 32 - 1, 2 ** 32]);
    replaceOption(s, MH_OPTION.TIMESTAMP, { type: MH_OPTION.TIMESTAMP, seconds: Math.max(0, Math.min(2 ** 48 - 1, seconds)), fraction: rng.int(0x10000) });
    fields.push('option.Timestamp');
  },
  (s, rng, _c, fields) => { replaceOption(s, MH_OPTION.HANDOFF_INDICATOR, { type: MH_OPTION.HANDOFF_INDICATOR, value: rng.int(256), reserved: rng.chance(0.2) ? rng.int(256) : 0 }); fields.push('option.HI'); },
  (s, rng, _c, fields) => { replaceOption(s, MH_OPTION.ACCESS_TECHNOLOGY_TYPE, { type: MH_OPTION.ACCESS_TECHNOLOGY_TYPE, value: rng.int(256) }); fields.push('option.ATT'); },
  (s, rng, _c, fields) => { replaceOption(s, MH_OPTION.LINK_LOCAL_ADDRESS, { type: MH_OPTION.LINK_LOCAL_ADDRESS, address: rng.pick(ADDRESSES) }); fields.push('option.LLA'); },
  (s, rng, _c, fields) => {
    replaceOption(s, MH_OPTION.MN_LINK_LAYER_ID, { type: MH_OPTION.MN_LINK_LAYER_ID, id: toHex(rng.bytes(rng.pick([0, 1, 6, 8, 20, 253]))) });
    fields.push('option.MN-LL-ID');
  },
  (s, rng, _c, fields) => {
    // A known type with a length that does not fit it.
    const opts = options(s);
    if (opts.length === 0) return;
    const i = rng.int(opts.length);
    const t = opts[i]!.type;
    if (t === MH_OPTION.PAD1) return;
    opts[i] = { type: t, data: toHex(rng.bytes(rng.pick([0, 1, 2, 3, 5, 7, 17, 19, 100, 255]))) } as MobilityOptionSpec;
    fields.push(`option.${optionLabel(t)}.length`);
  },
  (s, rng, _c, fields) => {
    // A Length octet that promises more than follows (it runs past the message).
    const data = rng.bytes(rng.int(8));
    options(s).push({ type: rng.pick(OPTION_TYPES), length: rng.range(data.length + 1, 255), data: toHex(data) } as MobilityOptionSpec);
    s.autoPad = false;
    fields.push('option.length-overrun');
  },
  (s, rng, _c, fields) => {
    const unknown = [53, 54, 56, 57, 100, 127, 128, 200, 254, 255];
    const opts = options(s);
    for (let i = rng.range(1, 3); i > 0; i--) opts.splice(rng.int(opts.length + 1), 0, { type: rng.pick(unknown), data: toHex(rng.bytes(rng.int(24))) } as MobilityOptionSpec);
    fields.push('option.unknown');
  },
  (s, rng, _c, fields) => {
    const opts = options(s);
    if (opts.length === 0) return;
    const o = rng.pick(opts);
    for (let i = rng.range(1, 6); i > 0; i--) opts.splice(rng.int(opts.length + 1), 0, o);
    fields.push(`option.${optionLabel(o.type)}.duplicated`);
  },
  (s, rng, ctx, fields) => {
    // Options up to the most a Mobility Header holds.
    const t = rng.chance(0.3) ? rng.pick([200, 250]) : rng.pick(OPTION_TYPES);
    const o = optionValue(t, ctx, rng);
    const opts = options(s);
    const size = 2 + Math.max(1, estimateLength(o));
    for (let used = 12 + opts.length * 8; used + size + 8 < MH_MAX_OCTETS - 64; used += size + 7) opts.push(o);
    fields.push('option.flood');
  },
  (s, rng, _c, fields) => {
    const opts = options(s);
    if (opts.length === 0) return;
    const o = opts.splice(rng.int(opts.length), 1)[0]!;
    fields.push(`option.${optionLabel(o.type)}.missing`);
  },
  (s, rng, _c, fields) => {
    const opts = options(s);
    for (let i = opts.length - 1; i > 0; i--) { const j = rng.int(i + 1); [opts[i], opts[j]] = [opts[j]!, opts[i]!]; }
    fields.push('option.order');
  },
  (s, rng, ctx, fields) => {
    // Every registered option type, one at a time.
    const t = rng.pick(OPTION_TYPES);
    options(s).splice(rng.int(options(s).length + 1), 0, optionValue(t, ctx, rng));
    fields.push(`option.${optionLabel(t)}.present`);
  },
  (s, rng, _c, fields) => {
    // No alignment padding (xn+y ignored), or a stray Pad1 shifting everything after it.
    s.autoPad = false;
    if (rng.chance(0.5)) options(s).unshift({ type: MH_OPTION.PAD1 });
    fields.push('option.alignment');
  },
  (s, rng, _c, fields) => {
    const opts = options(s);
    const pad: MobilityOptionSpec = rng.chance(0.5)
      ? { type: MH_OPTION.PADN, data: toHex(rng.bytes(rng.range(1, 40))) } as MobilityOptionSpec
      : { type: MH_OPTION.PADN, length: rng.range(6, 255) } as MobilityOptionSpec;
    opts.splice(rng.int(opts.length + 1), 0, pad);
    s.autoPad = false;
    fields.push('option.PadN');
  },
];

function optionLabel(type: number): string {
  const short: Record<number, string> = { 8: 'MN-ID', 22: 'HNP', 23: 'HI', 24: 'ATT', 25: 'MN-LL-ID', 26: 'LLA', 27: 'Timestamp' };
  return short[type] ?? (MH_OPTION_NAME[type] ?? `type-${type}`).replace(/\s+/g, '-');
}

function estimateLength(o: MobilityOptionSpec): number {
  if ('data' in o && typeof o.data === 'string') return o.data.length / 2;
  try {
    return encodeMobilityHeader({ type: 7, status: 1, homeAddress: '::', options: [o], headerLen: 0 }).length - 24 - 2;
  } catch {
    return 16;
  }
}

/**
 * The octets of `spec`. Without autoPad the message is zero-filled to 8n octets (Header Len
 * would otherwise be refused by the encoder); a spec the encoder refuses (a flood past 2048
 * octets) loses options from the end until it fits, and says so.
 */
function encode(spec: MobilityHeaderSpec, fields: string[], model: MessageModel): Uint8Array {
  const s = spec as unknown as Loose;
  for (;;) {
    try {
      if (s.autoPad === false && s.headerLen === undefined) {
        const raw = encodeMobilityHeader({ ...spec, headerLen: 0 } as MobilityHeaderSpec);
        const padded = new Uint8Array(Math.ceil(raw.length / 8) * 8);
        padded.set(raw);
        if (padded.length > MH_MAX_OCTETS) throw new MhEncodeError('too long');
        padded[1] = padded.length / 8 - 1;
        return padded;
      }
      return encodeMobilityHeader(spec);
    } catch (err) {
      if (!(err instanceof MhEncodeError)) throw err;
      const opts = s.options ?? [];
      if (opts.length === 0) throw new Error(`fuzz model ${model.name} made a message the codec refuses: ${err.message}`);
      opts.splice(Math.max(0, opts.length - Math.max(1, opts.length >> 3)));
      if (!fields.includes('option.trimmed')) fields.push('option.trimmed');
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Octet-level mutations of an encoded MH

function mutateOctets(mh: Uint8Array, rng: Rng, model: MessageModel, fields: string[]): Uint8Array {
  let out = mh;
  switch (rng.int(7)) {
    case 0: {
      const hl = out[1]!;
      out[1] = rng.pick([0, Math.max(0, hl - 1), Math.min(255, hl + 1), 255, rng.int(256)]);
      fields.push('mh.headerLen');
      break;
    }
    case 1: {
      const proto = rng.pick([0, 6, 17, 41, 58, 135, 255, rng.int(256)]);
      out[0] = proto === 59 ? 60 : proto;
      fields.push('mh.payloadProto');
      break;
    }
    case 2: out[2] = rng.int(256); fields.push('mh.mhType'); break;
    case 3: {
      // Truncation: inside the common header, the fixed part, or the options.
      const cut = rng.pick([rng.int(6), rng.range(6, 11), rng.int(out.length)]);
      out = out.slice(0, cut);
      fields.push(cut < 6 ? 'truncated.common' : cut < 12 ? 'truncated.fixed' : 'truncated.options');
      break;
    }
    case 4: {
      const more = rng.bytes(rng.range(1, 64));
      const grown = new Uint8Array(out.length + more.length);
      grown.set(out);
      grown.set(more, out.length);
      out = grown;
      fields.push('mh.trailing');
      break;
    }
    case 5: {
      const field: FieldModel = rng.pick([...COMMON_FIELDS.filter((x) => x.name !== 'checksum'), ...model.fields]);
      const v = rng.pick(['zero', 'ones', 'random']);
      for (let i = field.offset; i < field.offset + field.size && i < out.length; i++) out[i] = v === 'zero' ? 0 : v === 'ones' ? 0xff : rng.int(256);
      fields.push(`${model.name}.${field.name}`);
      break;
    }
    default: {
      for (let i = rng.range(1, 4); i > 0; i--) { const at = rng.int(out.length); out[at] = out[at]! ^ (1 << rng.int(8)); }
      fields.push('mh.bitflip');
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// The IPv6 packet around it

/**
 * `mh` from `src` to the target in an IPv6 packet. The checksum covers every octet carried after
 * the MH's start (what the kernel verifies); some inputs get a wrong one, an extension header
 * before the MH, or an IPv6 Payload Length that lies.
 */
function mhPacket(ctx: GenContext, mh: Uint8Array, rng: Rng, fields: string[], src: string): FuzzPacket {
  const s = address(src), d = address(ctx.targetAddress);
  let ext: Uint8Array | null = null;
  if (fields.length > 0 && rng.chance(0.08)) { ext = extensionHeader(rng); fields.push('ipv6.extensionHeader'); }
  const body = new Uint8Array((ext?.length ?? 0) + mh.length);
  if (ext !== null) { ext[0] = IPPROTO_MH; body.set(ext); }
  const mhAt = ext?.length ?? 0;
  body.set(mh, mhAt);
  if (mh.length >= 6) {
    body[mhAt + 4] = 0; body[mhAt + 5] = 0;
    const pair = new Uint8Array(32);
    pair.set(s); pair.set(d, 16);
    let sum = ipv6PseudoChecksum(pair, 0, 16, IPPROTO_MH, body, mhAt, mh.length);
    if (fields.length > 0 && rng.chance(0.03)) {
      sum = rng.pick([0, (sum + 1) & 0xffff, sum ^ 0xffff]);
      fields.push('mh.checksum');
    }
    body[mhAt + 4] = sum >>> 8; body[mhAt + 5] = sum & 0xff;
  }
  const pkt = ipv6(s, d, ext !== null ? 60 : IPPROTO_MH, body, fields.length > 0 && rng.chance(0.05) ? rng.pick([0, 1, 255]) : 64);
  if (fields.length > 0 && rng.chance(0.03)) {
    // Shorter: the receiving kernel trims the MH; longer: it drops the packet.
    const pl = rng.chance(0.5) ? rng.int(body.length) : body.length + rng.range(1, 100);
    pkt[4] = pl >>> 8; pkt[5] = pl & 0xff;
    fields.push('ipv6.payloadLength');
  }
  return { channel: 'peer', bytes: pkt, dst: ctx.targetAddress };
}

function ipv6(src: Uint8Array, dst: Uint8Array, nextHeader: number, body: Uint8Array, hopLimit: number): Uint8Array {
  const out = new Uint8Array(IPV6_HEADER + body.length);
  out[0] = 0x60;
  out[4] = body.length >>> 8; out[5] = body.length & 0xff;
  out[6] = nextHeader;
  out[7] = hopLimit;
  out.set(src, 8);
  out.set(dst, 24);
  out.set(body, IPV6_HEADER);
  return out;
}

/** A Destination Options header: PadN, a Home Address option (RFC 6275 §6.3), or an option to skip. */
function extensionHeader(rng: Rng): Uint8Array {
  const kind = rng.int(3);
  if (kind === 0) return Uint8Array.from([0, 0, 1, 4, 0, 0, 0, 0]);
  if (kind === 1) {
    const h = new Uint8Array(24);
    h[1] = 2; h[2] = 1; h[3] = 2; h[6] = 0xc9; h[7] = 16;
    h.set(parseIpv6(rng.pick(ADDRESSES)), 8);
    return h;
  }
  const h = new Uint8Array(8);
  h[2] = 0x1e; h[3] = 4;
  return h;
}

// ---------------------------------------------------------------------------------------------
// Messages of no known type, and stateful sequences

function unknownType(rng: Rng, ctx: GenContext, input: FuzzInput): void {
  const type = rng.pick([0, 1, 2, 3, 4, 8, 9, 10, 11, 12, 14, 15, 17, 18, 21, 22, 23, 24, 100, 200, 255]);
  input.message = `MH-${type}`;
  const len = rng.pick([6, 8, 16, 24, rng.range(1, 80) * 8]);
  const mh = new Uint8Array(len);
  mh.set(rng.bytes(len));
  mh[0] = 59; mh[1] = len / 8 - 1 | 0; mh[2] = type;
  input.fields.push('mh.mhType');
  input.packets.push(mhPacket(ctx, mh, rng, input.fields, ctx.peer[0]!));
}

/** A PBU of `nai` from `src` as the emulated MAG would send it. */
function pbu(ctx: GenContext, rng: Rng, nai: string, o: { seq: number; hi?: number; lifetimeUnits?: number; timestampMs?: number }): Loose {
  const opts = pbuOptions({ ...ctx, nowMs: o.timestampMs ?? ctx.nowMs }, nai, rng);
  if (o.hi !== undefined) opts[2] = { type: MH_OPTION.HANDOFF_INDICATOR, value: o.hi };
  return { type: 5, seq: o.seq & 0xffff, flags: { A: true, P: true }, lifetimeUnits: o.lifetimeUnits ?? 10, options: opts, autoPad: true };
}

function sequence(rng: Rng, ctx: GenContext, input: FuzzInput): void {
  const pbuModel = modelsFor('lma').find((m) => m.name === 'PBU');
  const nai = ctx.mns.length > 0 ? rng.pick(ctx.mns).nai : 'fz1@fuzz.example';
  const seq = rng.int(0x10000);
  const send = (spec: Loose, src = ctx.peer[0]!, model = pbuModel) => {
    input.packets.push(mhPacket(ctx, encode(spec as unknown as MobilityHeaderSpec, input.fields, model!), rng, [], src));
  };
  if (ctx.target === 'mag') {
    // PBAs and revocations aimed at the MAG's own Binding Update List.
    input.message = 'seq:pba-storm';
    const pba = modelsFor('mag').find((m) => m.name === 'PBA')!;
    for (let i = rng.range(2, 12); i > 0; i--) {
      const s = pba.base(ctx, rng) as unknown as Loose;
      if (rng.chance(0.5)) SPEC_MUTATIONS[rng.int(SPEC_MUTATIONS.length)]!(s, rng, ctx, input.fields, pba);
      send(s, ctx.peer[0], pba);
    }
    return;
  }
  switch (rng.int(5)) {
    case 0: {
      input.message = 'seq:attach-malformed-refresh';
      send(pbu(ctx, rng, nai, { seq }));
      const refresh = pbu(ctx, rng, nai, { seq: seq + 1, hi: 5 });
      for (let i = rng.range(1, 2); i > 0; i--) SPEC_MUTATIONS[rng.int(SPEC_MUTATIONS.length)]!(refresh, rng, ctx, input.fields, pbuModel!);
      let mh = encode(refresh as unknown as MobilityHeaderSpec, input.fields, pbuModel!);
      if (rng.chance(0.5)) mh = mutateOctets(mh, rng, pbuModel!, input.fields);
      input.packets.push(mhPacket(ctx, mh, rng, input.fields, ctx.peer[0]!));
      return;
    }
    case 1: {
      input.message = 'seq:handover-race';
      const peers = ctx.peer.length > 1 ? [ctx.peer[0]!, ctx.peer[1]!] : [ctx.peer[0]!, ctx.peer[0]!];
      if (rng.chance(0.5)) peers.reverse();
      send(pbu(ctx, rng, nai, { seq }), peers[0]);
      send(pbu(ctx, rng, nai, { seq: seq + 1, hi: rng.pick([2, 3, 4]), timestampMs: ctx.nowMs + rng.range(-5, 5) }), peers[1]);
      if (rng.chance(0.5)) send(pbu(ctx, rng, nai, { seq: seq + 2, lifetimeUnits: 0 }), peers[0]);
      input.fields.push('sequence.handover');
      return;
    }
    case 2: {
      input.message = 'seq:deregistration-storm';
      for (let i = rng.range(2, 20); i > 0; i--) {
        const who = ctx.mns.length > 0 && rng.chance(0.8) ? rng.pick(ctx.mns).nai : `fz${rng.int(100)}@fuzz.example`;
        send(pbu(ctx, rng, who, { seq: rng.int(0x10000), lifetimeUnits: 0, hi: 4 }), rng.pick(ctx.peer));
      }
      input.fields.push('sequence.deregistration');
      return;
    }
    case 3: {
      input.message = 'seq:sequence-wrap';
      for (const s of [0xfffe, 0xffff, 0, 1]) send(pbu(ctx, rng, nai, { seq: s, hi: s === 0xfffe ? 1 : 5 }));
      input.fields.push('PBU.seq');
      return;
    }
    default: {
      input.message = 'seq:replay';
      const once = pbu(ctx, rng, nai, { seq, hi: rng.pick([1, 5]) });
      for (let i = rng.range(2, 4); i > 0; i--) send(once);
      input.fields.push('sequence.replay');
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Router and Neighbor Solicitations on a MAG's access link (RFC 4861 §6.1.1, §7.1.1)

function ndInput(rng: Rng, ctx: GenContext, input: FuzzInput): void {
  const access = ctx.access!;
  const flood = rng.chance(0.2) ? rng.range(5, 60) : 1;
  const rs = rng.chance(0.6);
  input.message = rs ? 'RS' : 'NS';
  if (flood > 1) input.fields.push(`${input.message}.flood`);
  for (let i = 0; i < flood; i++) input.packets.push(ndPacket(rng, access, rs, i === 0 ? input.fields : []));
}

function ndPacket(rng: Rng, access: { src: string; mac: string }, rs: boolean, fields: string[]): FuzzPacket {
  const mac = access.mac.split(':').map((h) => parseInt(h, 16));
  const opts: number[] = [];
  const what = rs ? 'RS' : 'NS';
  const optKind = rng.int(6);
  if (optKind === 0) opts.push(1, 1, ...mac);
  else if (optKind === 1) { opts.push(1, 0, ...mac); fields.push(`${what}.option.zeroLength`); }
  else if (optKind === 2) { const n = rng.range(2, 4); opts.push(1, n, ...mac, ...new Array<number>(n * 8 - 8).fill(0)); fields.push(`${what}.option.SLLA.length`); }
  else if (optKind === 3) { for (let i = rng.range(1, 150); i > 0; i--) opts.push(rng.pick([1, 2, 3, 5, 14, 200]), 1, ...rng.bytes(6)); fields.push(`${what}.option.flood`); }
  else if (optKind === 4) { opts.push(1, 4, ...mac); fields.push(`${what}.option.overrun`); }
  const head = rs ? [133, 0, 0, 0, 0, 0, 0, 0] : [135, 0, 0, 0, 0, 0, 0, 0, ...parseIpv6(rng.pick(['fe80::1', 'ff02::1', '::', '2001:db8:8000::1', access.src]))];
  if (!rs && rng.chance(0.2)) fields.push('NS.target');
  let icmp = Uint8Array.from([...head, ...opts]);
  if (rng.chance(0.1)) { icmp[1] = rng.range(1, 255); fields.push(`${what}.code`); }
  if (rng.chance(0.1)) { icmp = icmp.slice(0, rng.int(icmp.length)); fields.push(`${what}.truncated`); }
  const unspecified = rng.chance(0.1);
  if (unspecified) fields.push(`${what}.source.unspecified`);
  const s = address(unspecified ? '::' : access.src);
  const dstText = rs ? rng.pick(['ff02::2', 'ff02::1']) : rng.pick(['ff02::1:ff00:1', 'ff02::1']);
  const d = address(dstText);
  if (icmp.length >= 4) {
    const pair = new Uint8Array(32);
    pair.set(s); pair.set(d, 16);
    const sum = ipv6PseudoChecksum(pair, 0, 16, IPPROTO_ICMPV6, icmp, 0, icmp.length);
    icmp[2] = sum >>> 8; icmp[3] = sum & 0xff;
  }
  const hop = rng.chance(0.1) ? rng.pick([1, 64, 254]) : 255;
  if (hop !== 255) fields.push(`${what}.hopLimit`);
  return { channel: 'access', bytes: ipv6(s, d, IPPROTO_ICMPV6, icmp, hop), dst: `${dstText}%${ACCESS_IFACE}` };
}

/** A conformant PBU (the liveness probe of an LMA target): fresh timestamp, `seq`, for `nai`. */
export function probePbu(ctx: GenContext, nai: string, seq: number): Uint8Array {
  const rng = new Rng(seq);
  const spec = { type: 5, seq, flags: { A: true, P: true }, lifetimeUnits: 100, options: [
    { type: MH_OPTION.MN_ID, subtype: 1, id: nai }, { type: MH_OPTION.HOME_NETWORK_PREFIX, prefix: '::/0' },
    { type: MH_OPTION.HANDOFF_INDICATOR, value: 1 }, { type: MH_OPTION.ACCESS_TECHNOLOGY_TYPE, value: 3 },
    timestampOption(ctx.nowMs), { type: MH_OPTION.LINK_LOCAL_ADDRESS, address: '::' },
  ], autoPad: true } as MobilityHeaderSpec;
  return mhPacket(ctx, encodeMobilityHeader(spec), rng, [], ctx.peer[0]!).bytes;
}

/**
 * The emulated LMA's answer to the `n`th PBU of a MAG target while fuzzing: the conformant PBA
 * (`conformant`, as EmulatedLma makes it), mutated most of the time.
 */
export function fuzzedPba(seed: number, n: number, ctx: GenContext, conformant: MobilityHeaderSpec): FuzzInput {
  const rng = new Rng(itemSeed(seed ^ 0x5ba5ba, n));
  const model = modelsFor('mag').find((m) => m.name === 'PBA')!;
  const input: FuzzInput = { index: -n, message: 'PBA(answer)', fields: [], packets: [] };
  const spec = structuredClone(conformant) as unknown as Loose;
  if (rng.chance(0.85)) for (let i = rng.range(1, 3); i > 0; i--) SPEC_MUTATIONS[rng.int(SPEC_MUTATIONS.length)]!(spec, rng, ctx, input.fields, model);
  let mh = encode(spec as unknown as MobilityHeaderSpec, input.fields, model);
  if (rng.chance(0.35)) mh = mutateOctets(mh, rng, model, input.fields);
  input.packets.push(mhPacket(ctx, mh, rng, input.fields, ctx.peer[0]!));
  return input;
}
