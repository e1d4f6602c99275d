// What the fuzzer knows about the Mobility Header, as data: per message type its fixed fields
// (name, offset, size: where a field mutation writes) and a conformant base message, and per
// mobility option a well-formed value. Everything comes from the codec (wire/): a message type
// the codec learns is one more entry in MESSAGE_MODELS, an option one more in OPTION_MODELS.
// A type with no entry is still fuzzed (as raw octets of plausible length, see optionValue).
import {
  BA_STATUS_CODE, BRA_STATUS_CODE, BRI_TRIGGER_CODE, MH_OPTION, MH_OPTION_NAME, MH_TYPE, UPA_STATUS_CODE,
  UPN_REASON_CODE, toHex, timestampFromDate, type MobilityHeaderSpec, type MobilityOptionSpec,
} from '../../wire/index.js';
import type { Rng } from '../prng.js';

/** Who is fuzzed: the LMA (inputs come from an emulated MAG) or a MAG (from an emulated LMA). */
export type FuzzTarget = 'lma' | 'mag';

/** A fixed field of a message: octets [offset, offset + size) of the MH. */
export interface FieldModel { name: string; offset: number; size: number }

/** What the generator needs from the run to build messages that reach deep into the target. */
export interface ModelContext {
  target: FuzzTarget;
  /** Wall clock (ms) for Timestamp options: valid messages carry a fresh one. */
  nowMs: number;
  /** NAIs the target's domain knows (stateful sequences register them). */
  mns: readonly { nai: string; mac: string }[];
  /** The last PBU the emulated LMA saw from a MAG target: PBAs to it reach its Binding Update List. */
  lastPbu?: { seq: number; nai: string; timestamp?: { seconds: number; fraction: number } };
}

export interface MessageModel {
  /** Short name, as the report counts inputs ('PBU', 'PBA', 'BRI', ...). */
  name: string;
  type: number;
  /** Roles this message is sent to (an LMA gets PBUs, a MAG PBAs; both get BE, Heartbeat, ...). */
  to: readonly FuzzTarget[];
  /** Fixed fields after the 6-octet common header. */
  fields: readonly FieldModel[];
  /** A well-formed instance (random but conformant values). */
  base(ctx: ModelContext, rng: Rng): MobilityHeaderSpec;
}

/** The common header: every MH starts with it (RFC 6275 §6.1.1). */
export const COMMON_FIELDS: readonly FieldModel[] = [
  { name: 'payloadProto', offset: 0, size: 1 }, { name: 'headerLen', offset: 1, size: 1 },
  { name: 'mhType', offset: 2, size: 1 }, { name: 'reserved', offset: 3, size: 1 }, { name: 'checksum', offset: 4, size: 2 },
];

const f = (name: string, offset: number, size: number): FieldModel => ({ name, offset, size });

/** A fresh Timestamp option (RFC 5213 §8.8) at `nowMs`. */
export function timestampOption(nowMs: number): MobilityOptionSpec {
  const ts = timestampFromDate(nowMs);
  return { type: MH_OPTION.TIMESTAMP, seconds: ts.seconds, fraction: ts.fraction };
}

/** The NAI of a fuzzing MN: one the domain knows, or a made-up one (the LMA answers 153). */
function someNai(ctx: ModelContext, rng: Rng): string {
  return ctx.mns.length > 0 && rng.chance(0.7) ? rng.pick(ctx.mns).nai : `fz${rng.int(1000)}@fuzz.example`;
}

/** The options of a conformant PBU for `nai` (RFC 5213 §6.9.1.1). */
export function pbuOptions(ctx: ModelContext, nai: string, rng: Rng): MobilityOptionSpec[] {
  const mn = ctx.mns.find((m) => m.nai === nai);
  return [
    { type: MH_OPTION.MN_ID, subtype: 1, id: nai },
    { type: MH_OPTION.HOME_NETWORK_PREFIX, prefix: '::/0' },
    { type: MH_OPTION.HANDOFF_INDICATOR, value: rng.pick([1, 1, 3, 4, 5]) },
    { type: MH_OPTION.ACCESS_TECHNOLOGY_TYPE, value: 3 },
    timestampOption(ctx.nowMs),
    { type: MH_OPTION.LINK_LOCAL_ADDRESS, address: '::' },
    ...(mn !== undefined ? [{ type: MH_OPTION.MN_LINK_LAYER_ID, id: mn.mac.replace(/:/g, '') } as MobilityOptionSpec] : []),
  ];
}

/** The options of a PBA answering a PBU of `nai` (RFC 5213 §5.3.6). */
function pbaOptions(ctx: ModelContext, nai: string): MobilityOptionSpec[] {
  const ts = ctx.lastPbu?.timestamp;
  return [
    { type: MH_OPTION.MN_ID, subtype: 1, id: nai },
    { type: MH_OPTION.HOME_NETWORK_PREFIX, prefix: '2001:db8:8000::/64' },
    { type: MH_OPTION.HANDOFF_INDICATOR, value: 1 },
    { type: MH_OPTION.ACCESS_TECHNOLOGY_TYPE, value: 3 },
    ts !== undefined ? { type: MH_OPTION.TIMESTAMP, seconds: ts.seconds, fraction: ts.fraction } : timestampOption(ctx.nowMs),
    { type: MH_OPTION.LINK_LOCAL_ADDRESS, address: 'fe80::5213:1' },
  ];
}

export const MESSAGE_MODELS: readonly MessageModel[] = [
  {
    name: 'PBU', type: MH_TYPE.BU, to: ['lma'],
    fields: [f('seq', 6, 2), f('flags', 8, 2), f('lifetime', 10, 2)],
    base: (ctx, rng) => ({
      type: 5, seq: rng.int(0x10000), flags: { A: true, P: true }, lifetimeUnits: rng.range(1, 900),
      options: pbuOptions(ctx, someNai(ctx, rng), rng), autoPad: true,
    }),
  },
  {
    name: 'PBA', type: MH_TYPE.BA, to: ['mag'],
    fields: [f('status', 6, 1), f('flags', 7, 1), f('seq', 8, 2), f('lifetime', 10, 2)],
    base: (ctx, rng) => {
      const to = ctx.lastPbu;
      return {
        type: 6, status: rng.chance(0.7) ? BA_STATUS_CODE.ACCEPTED : rng.pick(Object.values(BA_STATUS_CODE)), flags: { P: true },
        seq: to !== undefined && rng.chance(0.8) ? to.seq : rng.int(0x10000), lifetimeUnits: rng.range(0, 900),
        options: pbaOptions(ctx, to?.nai ?? someNai(ctx, rng)), autoPad: true,
      };
    },
  },
  {
    name: 'BE', type: MH_TYPE.BE, to: ['lma', 'mag'],
    fields: [f('status', 6, 1), f('reservedBits', 7, 1), f('homeAddress', 8, 16)],
    base: (_ctx, rng) => ({ type: 7, status: rng.pick([1, 2]), homeAddress: '2001:db8:8000::1', autoPad: true }),
  },
  {
    name: 'Heartbeat', type: MH_TYPE.HEARTBEAT, to: ['lma', 'mag'],
    fields: [f('flags', 6, 2), f('seq', 8, 4)],
    base: (_ctx, rng) => ({ type: 13, flags: { U: rng.chance(0.5), R: rng.chance(0.5) }, seq: rng.int(2 ** 32), options: [{ type: MH_OPTION.RESTART_COUNTER, value: rng.int(2 ** 32) }], autoPad: true }),
  },
  {
    name: 'BRI', type: MH_TYPE.BINDING_REVOCATION, to: ['lma', 'mag'],
    fields: [f('brType', 6, 1), f('trigger', 7, 1), f('seq', 8, 2), f('flags', 10, 2)],
    base: (ctx, rng) => ({
      type: 16, brType: 1, trigger: rng.pick(Object.values(BRI_TRIGGER_CODE)), seq: rng.int(0x10000), flags: { P: true, G: rng.chance(0.2) },
      options: [{ type: MH_OPTION.MN_ID, subtype: 1, id: someNai(ctx, rng) }], autoPad: true,
    }),
  },
  {
    name: 'BRA', type: MH_TYPE.BINDING_REVOCATION, to: ['lma', 'mag'],
    fields: [f('brType', 6, 1), f('status', 7, 1), f('seq', 8, 2), f('flags', 10, 2)],
    base: (ctx, rng) => ({
      type: 16, brType: 2, status: rng.pick(Object.values(BRA_STATUS_CODE)), seq: rng.int(0x10000), flags: { P: true },
      options: [{ type: MH_OPTION.MN_ID, subtype: 1, id: someNai(ctx, rng) }], autoPad: true,
    }),
  },
  {
    name: 'UPN', type: MH_TYPE.UPN, to: ['mag'],
    fields: [f('seq', 6, 2), f('reason', 8, 1), f('flags', 9, 1), f('reservedBits', 10, 2)],
    base: (ctx, rng) => ({
      type: 19, seq: rng.int(0x10000), reason: rng.pick(Object.values(UPN_REASON_CODE)), flags: { A: rng.chance(0.5) },
      options: [{ type: MH_OPTION.MN_ID, subtype: 1, id: someNai(ctx, rng) }], autoPad: true,
    }),
  },
  {
    name: 'UPA', type: MH_TYPE.UPA, to: ['lma'],
    fields: [f('seq', 6, 2), f('status', 8, 1), f('reservedBits', 9, 3)],
    base: (ctx, rng) => ({
      type: 20, seq: rng.int(0x10000), status: rng.pick(Object.values(UPA_STATUS_CODE)),
      options: [{ type: MH_OPTION.MN_ID, subtype: 1, id: someNai(ctx, rng) }], autoPad: true,
    }),
  },
  {
    // A plain MIPv6 Binding Update (P clear): an LMA answers 131 or drops it.
    name: 'BU', type: MH_TYPE.BU, to: ['lma'],
    fields: [f('seq', 6, 2), f('flags', 8, 2), f('lifetime', 10, 2)],
    base: (ctx, rng) => ({ type: 5, seq: rng.int(0x10000), flags: { A: true, H: true }, lifetimeUnits: rng.range(0, 900), options: pbuOptions(ctx, someNai(ctx, rng), rng), autoPad: true }),
  },
];

/** Message models a target receives. */
export function modelsFor(target: FuzzTarget): MessageModel[] {
  return MESSAGE_MODELS.filter((m) => m.to.includes(target));
}

/** Octets of a known option's value when the codec lays it out as raw data (no entry below). */
const RAW_LENGTHS: Readonly<Record<number, number>> = {
  [MH_OPTION.NONCE_INDICES]: 4, [MH_OPTION.AUTHORIZATION_DATA]: 12, [MH_OPTION.MOBILE_NETWORK_PREFIX]: 18,
  [MH_OPTION.MH_LINK_LAYER_ADDRESS]: 7, [MH_OPTION.AUTH]: 16, [MH_OPTION.MESG_ID]: 8, [MH_OPTION.IPV4_ADDRESS_ACK]: 6,
  [MH_OPTION.NAT_DETECTION]: 6, [MH_OPTION.IPV4_COA]: 6, [MH_OPTION.MH_IPV6_ADDRESS_PREFIX]: 18, [MH_OPTION.BINDING_ID]: 4,
  [MH_OPTION.CONTEXT_REQUEST]: 2, [MH_OPTION.LMA_ADDRESS]: 18, [MH_OPTION.MN_LINK_LOCAL_IID]: 8, [MH_OPTION.TRANSIENT_BINDING]: 4,
  [MH_OPTION.ACCESS_NETWORK_ID]: 8, [MH_OPTION.MAG_IPV6_ADDRESS]: 18, [MH_OPTION.DELEGATED_MNP]: 18,
};

/** A well-formed value of each option type the codec lays out. */
export const OPTION_MODELS: Readonly<Record<number, (ctx: ModelContext, rng: Rng) => MobilityOptionSpec>> = {
  [MH_OPTION.PADN]: (_c, rng) => ({ type: 1, length: rng.range(0, 5) }),
  [MH_OPTION.BINDING_REFRESH_ADVICE]: (_c, rng) => ({ type: 2, interval: rng.int(0x10000) }),
  [MH_OPTION.ALTERNATE_COA]: () => ({ type: 3, address: '2001:db8::99' }),
  [MH_OPTION.MN_ID]: (ctx, rng) => ({ type: 8, subtype: 1, id: someNai(ctx, rng) }),
  [MH_OPTION.VENDOR_SPECIFIC]: (_c, rng) => ({ type: 19, vendorId: rng.int(2 ** 32), subtype: rng.int(256), data: toHex(rng.bytes(rng.int(8))) }),
  [MH_OPTION.HOME_NETWORK_PREFIX]: (_c, rng) => ({ type: 22, prefix: rng.pick(['::/0', '2001:db8:8000::/64', '2001:db8:8000:1::/64']) }),
  [MH_OPTION.HANDOFF_INDICATOR]: (_c, rng) => ({ type: 23, value: rng.range(1, 5) }),
  [MH_OPTION.ACCESS_TECHNOLOGY_TYPE]: (_c, rng) => ({ type: 24, value: rng.range(1, 13) }),
  [MH_OPTION.MN_LINK_LAYER_ID]: (_c, rng) => ({ type: 25, id: toHex(rng.bytes(6)) }),
  [MH_OPTION.LINK_LOCAL_ADDRESS]: (_c, rng) => ({ type: 26, address: rng.pick(['::', 'fe80::1', 'fe80::5213:1']) }),
  [MH_OPTION.TIMESTAMP]: (ctx) => timestampOption(ctx.nowMs),
  [MH_OPTION.RESTART_COUNTER]: (_c, rng) => ({ type: 28, value: rng.int(2 ** 32) }),
  [MH_OPTION.GRE_KEY]: (_c, rng) => (rng.chance(0.5) ? { type: 33 } : { type: 33, key: rng.int(2 ** 32) }),
  [MH_OPTION.IPV4_HOA_REQUEST]: (_c, rng) => ({ type: 36, prefixLength: rng.int(33), address: '0.0.0.0' }),
  [MH_OPTION.IPV4_HOA_REPLY]: (_c, rng) => ({ type: 37, status: rng.pick([0, 128, 129, 130]), prefixLength: 24, address: '192.0.2.7' }),
  [MH_OPTION.IPV4_DEFAULT_ROUTER]: () => ({ type: 38, address: '192.0.2.1' }),
  [MH_OPTION.IPV4_DHCP_SUPPORT_MODE]: (_c, rng) => ({ type: 39, S: rng.chance(0.5) }),
  [MH_OPTION.MN_GROUP_ID]: (_c, rng) => ({ type: 50, subtype: 1, groupId: rng.int(2 ** 32) }),
};

/** Every option type the registry names (Pad1 aside), for "every mobility option". */
export const OPTION_TYPES: readonly number[] = Object.keys(MH_OPTION_NAME).map(Number).filter((t) => t !== MH_OPTION.PAD1);

/** A well-formed option of `type`: from its model, or raw octets of its registered size. */
export function optionValue(type: number, ctx: ModelContext, rng: Rng): MobilityOptionSpec {
  const model = OPTION_MODELS[type];
  if (model !== undefined) return model(ctx, rng);
  return { type, data: toHex(rng.bytes(RAW_LENGTHS[type] ?? rng.range(0, 16))) } as MobilityOptionSpec;
}
