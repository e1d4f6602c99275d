// Mobility options (RFC 6275 §6.2 and the PMIPv6 companions; layouts in catalog A.7).
// The decoder runs once per option of every captured MH, so it reads bytes by index, builds one
// object literal per option type (stable shapes) and formats text only for address/ID fields.

import { fromHex, parseIpv4, parseIpv6, toHex } from './bytes.js';
import { ipv4Text, ipv6PrefixText, ipv6Text } from './intern.js';
import { ByteKeyedCache } from './mh-byte-cache.js';
import {
  ACCESS_TECHNOLOGY, HANDOFF_INDICATOR, IPV4_HOA_REPLY_STATUS, MH_OPTION, MH_OPTION_NAME, MN_ID_SUBTYPE,
  OPTION_ALIGNMENT, octetNames,
} from './mh-registry.js';
import { decodeIpv4TsSubOption, encodeIpv4TsSubOption, type Ipv4TsSubOption } from './traffic-selector.js';

/** Bad input to an encoder (a caller mistake, not a wire problem). */
export class MhEncodeError extends Error {
  override name = 'MhEncodeError';
}

interface OptionBase {
  name: string;
  /** Offset of the Type byte from the first byte of the MH (alignment checks MH-10/MH-11). */
  offset: number;
  /** The Length byte. Pad1 has none and reports 0. */
  length: number;
  /** Set only on an option kept raw because its length does not fit its type. */
  malformed?: string;
}

export interface Pad1Option extends OptionBase { type: 0 }
export interface PadNOption extends OptionBase {
  type: 1;
  nonZero: boolean;
  /** Hex of the contents, present only when they are not all zero (so they re-encode as sent). */
  data?: string;
}
export interface BindingRefreshAdviceOption extends OptionBase {
  type: 2;
  /** Refresh Interval in 4-second units, as carried. */
  interval: number;
}
export interface AlternateCoaOption extends OptionBase { type: 3; address: string }
export interface MnIdentifierOption extends OptionBase {
  type: 8;
  subtype: number;
  subtypeName: string;
  /**
   * UTF-8 text for the NAI subtype (1), lower-case hex for every other subtype. An NAI whose octets
   * are not printable text (control octets, invalid UTF-8) reads `mn1\x00@x (binary NAI)`:
   * octets outside printable ASCII as \xNN, a backslash as two, then BINARY_NAI_SUFFIX (so it is shown
   * as binary wherever MN-IDs are printed, and re-encodes as sent).
   */
  id: string;
  validNai: boolean;
}
export interface VendorSpecificOption extends OptionBase {
  type: 19;
  vendorId: number;
  subtype: number;
  data: string;
}
export interface HomeNetworkPrefixOption extends OptionBase {
  type: 22;
  reserved: number;
  prefixLength: number;
  /** Prefix text and length, e.g. "2001:db8:1::/64". */
  prefix: string;
}
export interface HandoffIndicatorOption extends OptionBase { type: 23; reserved: number; value: number; valueName: string }
export interface AccessTechnologyTypeOption extends OptionBase { type: 24; reserved: number; value: number; valueName: string }
export interface MnLinkLayerIdOption extends OptionBase { type: 25; reserved: number; id: string }
export interface LinkLocalAddressOption extends OptionBase { type: 26; address: string }
export interface TimestampOption extends OptionBase {
  type: 27;
  /** RFC 5213 §8.8: 48 bits of seconds since 1970-01-01 UTC ... */
  seconds: number;
  /** ... and 16 bits of 1/65536 s. */
  fraction: number;
  /** The RFC reading as ISO-8601 UTC with milliseconds (expanded years past 9999). */
  iso: string;
  /** The seconds lie past 2100: the sender most likely wrote an NTP timestamp (catalog G.3). */
  ntpLike: boolean;
  /** When ntpLike: the same 64 bits read as an NTP timestamp (RFC 5905, era by RFC 4330 §3). */
  ntpIso?: string;
}
export interface RestartCounterOption extends OptionBase { type: 28; value: number }
export interface GreKeyOption extends OptionBase {
  type: 33;
  reserved: number;
  /** Absent when the option has length 2 (a request for a key, RFC 5845 §6.1). */
  key?: number;
}
export interface Ipv4HoaRequestOption extends OptionBase {
  type: 36;
  /** 6 bits. */
  prefixLength: number;
  /** The 10 bits after the prefix length. */
  reserved: number;
  address: string;
}
export interface Ipv4HoaReplyOption extends OptionBase {
  type: 37;
  status: number;
  statusName: string;
  prefixLength: number;
  /** The 2 bits after the prefix length. */
  reserved: number;
  address: string;
}
export interface Ipv4DefaultRouterOption extends OptionBase { type: 38; reserved: number; address: string }
export interface Ipv4DhcpSupportModeOption extends OptionBase {
  type: 39;
  /** The 15 bits before S. */
  reserved: number;
  S: boolean;
}
export interface MnGroupIdOption extends OptionBase { type: 50; subtype: number; reserved: number; groupId: number }
/** RFC 5555 §3.2.2, used by RFC 5844 §4.2.2 in a PBA: the LMA grants IPv4-UDP encapsulation (F). */
export interface NatDetectionOption extends OptionBase {
  type: 31;
  F: boolean;
  /** The 15 bits after F. */
  reserved: number;
  /** Seconds; 0 when no NAT keepalive is asked for. */
  refreshTime: number;
}
/** RFC 5555 §3.1.1: the sender's IPv4 care-of address (the MAG's IPv4-Proxy-CoA over IPv4 transport). */
export interface Ipv4CoaOption extends OptionBase { type: 32; reserved: number; address: string }

/** RFC 6757 §3.1.1: the access network's name (an SSID, say) and the access point's. Names are hex of their octets. */
export interface AniNetworkIdentifier {
  type: 1;
  /** E: the network name is UTF-8 text (else octets as the access network has them). */
  E: boolean;
  /** The 7 bits after E. */
  reserved: number;
  networkName: string;
  accessPointName: string;
}
/** RFC 6757 §3.1.2: 24-bit two's complement values as carried (degrees with 9 whole bits). */
export interface AniGeoLocation { type: 2; latitude: number; longitude: number }
/** RFC 6757 §3.1.3: Op-ID Type 1 = Private Enterprise Number, 2 = realm; the identifier as hex. */
export interface AniOperatorIdentifier { type: 3; opIdType: number; opId: string }
/** A sub-option type RFC 6757 does not define, or one whose length does not fit its type. */
export interface AniRawSubOption { type: number; data: string }
export type AniSubOption = AniNetworkIdentifier | AniGeoLocation | AniOperatorIdentifier | AniRawSubOption;

/** RFC 6757 §3: sub-options only; RFC 7077 §6.1 asks for it after an ANI-PARAMS-REQUESTED UPN. */
export interface AccessNetworkIdOption extends OptionBase { type: 52; subOptions: AniSubOption[] }

/**
 * RFC 6909 §3.1 (figure 1), as PyPCAPKit reproduces it (the RFC text itself could not be read
 * here): Type and Length in the second half of a 32-bit word (hence 4n+2, OPTION_ALIGNMENT), then a
 * word holding M (1 bit) and Reserved (31 bits), then the RFC 6089 §4.2.1.4 TS sub-option. A PBU
 * asks for offload with the option and may leave the sub-option out (Length 4); a PBA grants with one.
 */
export interface Ipv4TrafficOffloadSelectorOption extends OptionBase {
  type: 53;
  /** Mode: set, the selector names the flows NOT to offload (every other IPv4 flow is). */
  M: boolean;
  /** The 31 bits after M. */
  reserved: number;
  ts?: Ipv4TsSubOption;
}

export type KnownMobilityOption =
  | Pad1Option | PadNOption | BindingRefreshAdviceOption | AlternateCoaOption | MnIdentifierOption
  | VendorSpecificOption | HomeNetworkPrefixOption | HandoffIndicatorOption | AccessTechnologyTypeOption
  | MnLinkLayerIdOption | LinkLocalAddressOption | TimestampOption | RestartCounterOption | GreKeyOption
  | Ipv4HoaRequestOption | Ipv4HoaReplyOption | Ipv4DefaultRouterOption | Ipv4DhcpSupportModeOption
  | MnGroupIdOption | AccessNetworkIdOption | Ipv4TrafficOffloadSelectorOption | NatDetectionOption | Ipv4CoaOption;
export type KnownOptionType = KnownMobilityOption['type'];
export type OptionOfType<T extends KnownOptionType> = Extract<KnownMobilityOption, { type: T }>;

/**
 * An option of a type this codec does not lay out, or of a known type whose length is wrong (then
 * `malformed` is set). A `type === 22` test therefore also admits a raw option: use findOption().
 */
export interface RawOption extends OptionBase { type: number; data: string }

export type MobilityOption = KnownMobilityOption | RawOption;

type OptionalOptionKeys =
  | 'name' | 'offset' | 'length' | 'malformed' | 'reserved' | 'nonZero' | 'subtypeName' | 'validNai'
  | 'valueName' | 'statusName' | 'iso' | 'ntpLike' | 'ntpIso' | 'prefixLength';
type Loosen<T, K extends PropertyKey> =
  T extends unknown ? Omit<T, K> & Partial<Pick<T, Extract<keyof T, K>>> : never;

/**
 * Encoder input: a decoded option, or the same shape without the derived fields. `length` is
 * honoured for raw options only (to craft a lying Length byte); for other types it must match.
 * HNP takes its prefix length from `prefixLength` or from the "/len" of `prefix`.
 */
export type MobilityOptionSpec = Loosen<MobilityOption, OptionalOptionKeys>;

/** First well-formed option of `type`, typed. */
export function findOption<T extends KnownOptionType>(
  options: readonly MobilityOption[], type: T,
): OptionOfType<T> | undefined {
  for (let i = 0; i < options.length; i++) {
    const o = options[i]!;
    if (o.type === type && o.malformed === undefined) return o as OptionOfType<T>;
  }
  return undefined;
}

/** Every well-formed option of `type` (HNP and Vendor-Specific may repeat). */
export function findOptions<T extends KnownOptionType>(
  options: readonly MobilityOption[], type: T,
): OptionOfType<T>[] {
  const found: OptionOfType<T>[] = [];
  for (let i = 0; i < options.length; i++) {
    const o = options[i]!;
    if (o.type === type && o.malformed === undefined) found.push(o as OptionOfType<T>);
  }
  return found;
}

// ---------------------------------------------------------------------------------------------
// Timestamp (RFC 5213 §8.8): 48.16 fixed point, Unix epoch.

const FRACTION_UNITS = 65536;
/** 2100-01-01T00:00:00Z: a later RFC-format value is implausible, an NTP one lands far beyond it. */
const NTP_LIKE_AFTER = 4102444800;
const NTP_UNIX_OFFSET = 2208988800;
const TWO_32 = 4294967296;

export interface TimestampValue { seconds: number; fraction: number }

/** The 48.16 Timestamp of a Date or a millisecond count since the epoch (the fraction rounds down). */
export function timestampFromDate(date: Date | number): TimestampValue {
  const ms = typeof date === 'number' ? date : date.getTime();
  const seconds = Math.floor(ms / 1000);
  const fraction = Math.floor(((ms - seconds * 1000) * FRACTION_UNITS) / 1000);
  return { seconds, fraction };
}

/** Milliseconds since the epoch (with sub-millisecond precision) of a 48.16 Timestamp. */
export function timestampToMs(ts: TimestampValue): number {
  return ts.seconds * 1000 + (ts.fraction * 1000) / FRACTION_UNITS;
}

const TWO_DIGITS: string[] = [];
for (let i = 0; i < 100; i++) TWO_DIGITS.push(`${i}`.padStart(2, '0'));
const THREE_DIGITS: string[] = [];
for (let i = 0; i < 1000; i++) THREE_DIGITS.push(`${i}`.padStart(3, '0'));

/** "YYYY-MM-DDT" of a day count since the epoch (civil-from-days, H. Hinnant); expanded years past 9999. */
function dayText(days: number): string {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  const y = year >= 0 && year <= 9999 ? `${year}`.padStart(4, '0')
    : (year < 0 ? '-' : '+') + `${Math.abs(year)}`.padStart(6, '0');
  return `${y}-${TWO_DIGITS[month]}-${TWO_DIGITS[day]}T`;
}

// Timestamps of one capture share a day, so the date part is kept from the previous call.
let lastDay = NaN;
let lastDayText = '';

/**
 * ISO-8601 text of a Unix time. Written out rather than through Date because a 48-bit second count
 * overflows Date's range and this runs once per Timestamp option.
 */
export function isoFromUnix(seconds: number, millis: number): string {
  const days = Math.floor(seconds / 86400);
  if (days !== lastDay) {
    lastDayText = dayText(days);
    lastDay = days;
  }
  let rem = seconds - days * 86400;
  const hh = (rem / 3600) | 0;
  rem -= hh * 3600;
  const mm = (rem / 60) | 0;
  return lastDayText + TWO_DIGITS[hh]! + ':' + TWO_DIGITS[mm]! + ':' + TWO_DIGITS[rem - mm * 60]! + '.'
    + THREE_DIGITS[millis]! + 'Z';
}

// A PBA echoes the Timestamp of its PBU and retransmissions repeat it, so the text of recent values
// is kept: a hit costs no string building. Direct-mapped on low bits of the seconds and milliseconds.
const ISO_SLOTS = 1024;
const isoSeconds = new Float64Array(ISO_SLOTS).fill(-1);
const isoMillis = new Int16Array(ISO_SLOTS);
const isoTexts = new Array<string>(ISO_SLOTS).fill('');

/** isoFromUnix, remembered. */
function isoOf(seconds: number, millis: number): string {
  const slot = (seconds ^ (millis << 5)) & (ISO_SLOTS - 1);
  if (isoSeconds[slot] === seconds && isoMillis[slot] === millis) return isoTexts[slot]!;
  const text = isoFromUnix(seconds, millis);
  isoSeconds[slot] = seconds;
  isoMillis[slot] = millis;
  isoTexts[slot] = text;
  return text;
}

function ntpIso(seconds: number, fraction: number): string {
  const ntpSeconds = Math.floor(seconds / FRACTION_UNITS);
  const frac32 = (seconds % FRACTION_UNITS) * FRACTION_UNITS + fraction;
  // RFC 4330 §3: with the top bit clear the value belongs to era 1 (from 2036-02-07).
  const unix = ntpSeconds - NTP_UNIX_OFFSET + (ntpSeconds < 0x80000000 ? TWO_32 : 0);
  return isoFromUnix(unix, Math.floor((frac32 * 1000) / TWO_32));
}

// ---------------------------------------------------------------------------------------------
// Decoding

/** Smallest and largest valid Length per option type; unknown types accept anything. */
const MIN_LEN = new Uint8Array(256);
const MAX_LEN = new Uint8Array(256).fill(255);
function lengthRule(type: number, min: number, max = min): void { MIN_LEN[type] = min; MAX_LEN[type] = max; }
lengthRule(MH_OPTION.BINDING_REFRESH_ADVICE, 2);
lengthRule(MH_OPTION.ALTERNATE_COA, 16);
lengthRule(MH_OPTION.MN_ID, 1, 255);
lengthRule(MH_OPTION.VENDOR_SPECIFIC, 5, 255);
lengthRule(MH_OPTION.HOME_NETWORK_PREFIX, 18);
lengthRule(MH_OPTION.HANDOFF_INDICATOR, 2);
lengthRule(MH_OPTION.ACCESS_TECHNOLOGY_TYPE, 2);
lengthRule(MH_OPTION.MN_LINK_LAYER_ID, 2, 255);
lengthRule(MH_OPTION.LINK_LOCAL_ADDRESS, 16);
lengthRule(MH_OPTION.TIMESTAMP, 8);
lengthRule(MH_OPTION.RESTART_COUNTER, 4);
lengthRule(MH_OPTION.GRE_KEY, 2, 6); // 2 or 6; the values between are refused in decodeOptions
lengthRule(MH_OPTION.IPV4_HOA_REQUEST, 6);
lengthRule(MH_OPTION.IPV4_HOA_REPLY, 6);
lengthRule(MH_OPTION.IPV4_DEFAULT_ROUTER, 6);
lengthRule(MH_OPTION.IPV4_DHCP_SUPPORT_MODE, 2);
lengthRule(MH_OPTION.MN_GROUP_ID, 6);
lengthRule(MH_OPTION.ACCESS_NETWORK_ID, 2, 255);
lengthRule(MH_OPTION.IPV4_TRAFFIC_OFFLOAD_SELECTOR, 4, 255); // the M/Reserved word, then the optional TS sub-option
lengthRule(MH_OPTION.NAT_DETECTION, 6);
lengthRule(MH_OPTION.IPV4_COA, 6);

function optionName(type: number): string {
  return MH_OPTION_NAME[type] ?? `option-${type}`;
}

function expectedLength(type: number): string {
  if (type === MH_OPTION.GRE_KEY) return '2 or 6';
  return MIN_LEN[type] === MAX_LEN[type] ? `${MIN_LEN[type]}` : `at least ${MIN_LEN[type]}`;
}

const u16 = (b: Uint8Array, i: number): number => (b[i]! << 8) | b[i + 1]!;
const u32 = (b: Uint8Array, i: number): number => b[i]! * 0x1000000 + ((b[i + 1]! << 16) | (b[i + 2]! << 8) | b[i + 3]!);

const utf8Decoder = new TextDecoder('utf-8', { fatal: true });

/** Appended to the escaped text of an NAI whose octets are not printable text (see MnIdentifierOption.id). */
export const BINARY_NAI_SUFFIX = ' (binary NAI)';

const plainNaiOctet = (c: number): boolean => c >= 0x20 && c < 0x7f;

/** The NAI as text; octets that are not printable text make it `mn1\x00@x (binary NAI)`. */
function naiText(b: Uint8Array, start: number, end: number): string {
  let s = '';
  for (let i = start; i < end; i++) {
    const c = b[i]!;
    if (c >= 0x80) {
      let text: string | undefined;
      try { text = utf8Decoder.decode(b.subarray(start, end)); } catch { text = undefined; }
      // Valid UTF-8 is text unless it holds a control character.
      return text !== undefined && !/\p{Cc}/u.test(text) && !text.endsWith(BINARY_NAI_SUFFIX) ? text : escapedNai(b, start, end);
    }
    if (!plainNaiOctet(c)) return escapedNai(b, start, end);
    s += String.fromCharCode(c);
  }
  // Text never ends with the suffix, so the binary form is never ambiguous.
  return s.endsWith(BINARY_NAI_SUFFIX) ? escapedNai(b, start, end) : s;
}

function escapedNai(b: Uint8Array, start: number, end: number): string {
  let s = '';
  for (let i = start; i < end; i++) {
    const c = b[i]!;
    s += c === 0x5c ? '\\\\' : plainNaiOctet(c) ? String.fromCharCode(c) : `\\x${c.toString(16).padStart(2, '0')}`;
  }
  return s + BINARY_NAI_SUFFIX;
}

/** The octets of an NAI as MnIdentifierOption.id gives it (text, or the escaped binary form). */
function naiOctets(id: string): Uint8Array {
  if (!id.endsWith(BINARY_NAI_SUFFIX)) return utf8Encoder.encode(id);
  const text = id.slice(0, -BINARY_NAI_SUFFIX.length);
  const out: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (ch !== '\\') { out.push(ch.charCodeAt(0)); continue; }
    if (text[i + 1] === '\\') { out.push(0x5c); i++; continue; }
    const hex = text.slice(i + 2, i + 4);
    if (text[i + 1] !== 'x' || !/^[0-9a-f]{2}$/.test(hex)) throw new MhEncodeError(`binary NAI "${id}" has a bad escape at ${i}`);
    out.push(parseInt(hex, 16));
    i += 3;
  }
  return Uint8Array.from(out);
}

const MN_ID_SUBTYPE_NAMES = octetNames(MN_ID_SUBTYPE);
const HANDOFF_INDICATOR_NAMES = octetNames(HANDOFF_INDICATOR);
const ACCESS_TECHNOLOGY_NAMES = octetNames(ACCESS_TECHNOLOGY);
const IPV4_HOA_REPLY_STATUS_NAMES = octetNames(IPV4_HOA_REPLY_STATUS);

// Addresses go through wire/intern.ts; these two have variable-length keys.
const hexText = new ByteKeyedCache(toHex, 10, 32, '');
interface NaiInfo { readonly text: string; readonly valid: boolean }
const naiInfo = new ByteKeyedCache<NaiInfo>(
  (b, o, len) => ({ text: naiText(b, o, o + len), valid: isSaneNai(b, o, o + len) }), 10, 64, { text: '', valid: false });

function isRealmChar(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x2d;
}

/**
 * A sane NAI (RFC 7542 shape, ASCII only): printable, non-empty, at most one '@'; after an '@' a realm
 * of dot-separated [A-Za-z0-9-] labels. "user", "user@realm" and "@realm" pass.
 */
function isSaneNai(b: Uint8Array, start: number, end: number): boolean {
  if (start >= end) return false;
  let at = -1;
  for (let i = start; i < end; i++) {
    const c = b[i]!;
    if (c < 0x21 || c > 0x7e) return false;
    if (c === 0x40) {
      if (at >= 0) return false;
      at = i;
    }
  }
  if (at < 0) return true;
  let label = 0;
  for (let i = at + 1; i < end; i++) {
    const c = b[i]!;
    if (c === 0x2e) {
      if (label === 0) return false;
      label = 0;
    } else if (isRealmChar(c)) label++;
    else return false;
  }
  return label > 0;
}

function rawOption(b: Uint8Array, type: number, len: number, v: number, offset: number): RawOption {
  return { type, name: optionName(type), offset, length: len, data: toHex(b, v, len) };
}

function timestampOption(b: Uint8Array, v: number, offset: number): TimestampOption {
  const seconds = u16(b, v) * TWO_32 + u32(b, v + 2);
  const fraction = u16(b, v + 6);
  const ntpLike = seconds > NTP_LIKE_AFTER;
  const o: TimestampOption = {
    type: 27, name: 'Timestamp', offset, length: 8, seconds, fraction,
    iso: isoOf(seconds, Math.floor((fraction * 1000) / FRACTION_UNITS)), ntpLike,
  };
  if (ntpLike) o.ntpIso = ntpIso(seconds, fraction);
  return o;
}

function padNOption(b: Uint8Array, len: number, v: number, offset: number): PadNOption {
  let nonZero = false;
  for (let i = v; i < v + len; i++) if (b[i] !== 0) { nonZero = true; break; }
  const o: PadNOption = { type: 1, name: 'PadN', offset, length: len, nonZero };
  if (nonZero) o.data = toHex(b, v, len);
  return o;
}

function mnIdOption(b: Uint8Array, len: number, v: number, offset: number): MnIdentifierOption {
  const subtype = b[v]!;
  const nai = subtype === 1 ? naiInfo.get(b, v + 1, len - 1) : undefined;
  return {
    type: 8, name: 'Mobile Node Identifier', offset, length: len, subtype,
    subtypeName: MN_ID_SUBTYPE_NAMES[subtype]!,
    id: nai !== undefined ? nai.text : hexText.get(b, v + 1, len - 1),
    validNai: nai !== undefined && nai.valid,
  };
}

function greKeyOption(b: Uint8Array, len: number, v: number, offset: number): GreKeyOption {
  const o: GreKeyOption = { type: 33, name: 'GRE Key', offset, length: len, reserved: u16(b, v) };
  if (len === 6) o.key = u32(b, v + 2);
  return o;
}

/**
 * Decodes the options in [start, end) of the MH that begins at `mhOff`, appending to `out`. Never
 * throws; returns the first structural problem as text (the options before it are kept).
 */
export function decodeOptions(
  b: Uint8Array, mhOff: number, start: number, end: number, out: MobilityOption[],
): string | undefined {
  let malformed: string | undefined;
  let p = start;
  while (p < end) {
    const t = b[p]!;
    const offset = p - mhOff;
    if (t === 0) {
      out.push({ type: 0, name: 'Pad1', offset, length: 0 });
      p++;
      continue;
    }
    if (p + 1 >= end) return malformed ?? `option ${t} at offset ${offset} has no Length octet`;
    const len = b[p + 1]!;
    const v = p + 2;
    if (v + len > end) return malformed ?? `option ${t} at offset ${offset} overruns the header`;
    p = v + len;
    if (len < MIN_LEN[t]! || len > MAX_LEN[t]! || (t === MH_OPTION.GRE_KEY && len !== 2 && len !== 6)) {
      const raw = rawOption(b, t, len, v, offset);
      raw.malformed = `option ${t} (${raw.name}) at offset ${offset} has length ${len}, expected ${expectedLength(t)}`;
      malformed ??= raw.malformed;
      out.push(raw);
      continue;
    }
    // The length fits the type. The cases are here rather than in a function of their own: a call
    // per option cost a third of building the option.
    switch (t) {
      case 1: out.push(padNOption(b, len, v, offset)); break;
      case 2: out.push({ type: 2, name: 'Binding Refresh Advice', offset, length: len, interval: u16(b, v) }); break;
      case 3: out.push({ type: 3, name: 'Alternate Care-of Address', offset, length: len, address: ipv6Text(b, v) }); break;
      case 8: out.push(mnIdOption(b, len, v, offset)); break;
      case 19:
        out.push({
          type: 19, name: 'Vendor Specific', offset, length: len,
          vendorId: u32(b, v), subtype: b[v + 4]!, data: toHex(b, v + 5, len - 5),
        });
        break;
      case 22:
        out.push({
          type: 22, name: 'Home Network Prefix', offset, length: len, reserved: b[v]!, prefixLength: b[v + 1]!,
          prefix: ipv6PrefixText(b, v + 2, b[v + 1]!),
        });
        break;
      case 23: {
        const value = b[v + 1]!;
        out.push({
          type: 23, name: 'Handoff Indicator', offset, length: len, reserved: b[v]!, value,
          valueName: HANDOFF_INDICATOR_NAMES[value]!,
        });
        break;
      }
      case 24: {
        const value = b[v + 1]!;
        out.push({
          type: 24, name: 'Access Technology Type', offset, length: len, reserved: b[v]!, value,
          valueName: ACCESS_TECHNOLOGY_NAMES[value]!,
        });
        break;
      }
      case 25:
        out.push({
          type: 25, name: 'Mobile Node Link-layer Identifier', offset, length: len,
          reserved: u16(b, v), id: hexText.get(b, v + 2, len - 2),
        });
        break;
      case 26: out.push({ type: 26, name: 'Link-local Address', offset, length: len, address: ipv6Text(b, v) }); break;
      case 27: out.push(timestampOption(b, v, offset)); break;
      case 28: out.push({ type: 28, name: 'Restart Counter', offset, length: len, value: u32(b, v) }); break;
      case 31: {
        const word = u16(b, v);
        out.push({ type: 31, name: 'NAT Detection', offset, length: len, F: (word & 0x8000) !== 0, reserved: word & 0x7fff, refreshTime: u32(b, v + 2) });
        break;
      }
      case 32: out.push({ type: 32, name: 'IPv4 Care-of Address', offset, length: len, reserved: u16(b, v), address: ipv4Text(b, v + 2) }); break;
      case 33: out.push(greKeyOption(b, len, v, offset)); break;
      case 36:
        out.push({
          type: 36, name: 'IPv4 Home Address Request', offset, length: len,
          prefixLength: b[v]! >> 2, reserved: ((b[v]! & 3) << 8) | b[v + 1]!, address: ipv4Text(b, v + 2),
        });
        break;
      case 37: {
        const status = b[v]!;
        out.push({
          type: 37, name: 'IPv4 Home Address Reply', offset, length: len, status,
          statusName: IPV4_HOA_REPLY_STATUS_NAMES[status]!,
          prefixLength: b[v + 1]! >> 2, reserved: b[v + 1]! & 3, address: ipv4Text(b, v + 2),
        });
        break;
      }
      case 38:
        out.push({
          type: 38, name: 'IPv4 Default-Router Address', offset, length: len,
          reserved: u16(b, v), address: ipv4Text(b, v + 2),
        });
        break;
      case 39: {
        const word = u16(b, v);
        out.push({ type: 39, name: 'IPv4 DHCP Support Mode', offset, length: len, reserved: word >> 1, S: (word & 1) === 1 });
        break;
      }
      case 50:
        out.push({
          type: 50, name: 'Mobile Node Group Identifier', offset, length: len,
          subtype: b[v]!, reserved: b[v + 1]!, groupId: u32(b, v + 2),
        });
        break;
      case 52: {
        const subOptions = aniSubOptions(b, v, v + len);
        if (typeof subOptions === 'string') {
          const raw = rawOption(b, t, len, v, offset);
          raw.malformed = `option 52 (Access Network Identifier) at offset ${offset}: ${subOptions}`;
          malformed ??= raw.malformed;
          out.push(raw);
        } else out.push({ type: 52, name: 'Access Network Identifier', offset, length: len, subOptions });
        break;
      }
      case 53: {
        const o = offloadOption(b, len, v, offset);
        if (o.type !== 53) malformed ??= o.malformed;
        out.push(o);
        break;
      }
      default: out.push(rawOption(b, t, len, v, offset));
    }
  }
  return malformed;
}

function offloadOption(b: Uint8Array, len: number, v: number, offset: number): Ipv4TrafficOffloadSelectorOption | RawOption {
  const head = { type: 53 as const, name: 'IPv4 Traffic Offload Selector', offset, length: len, M: (b[v]! & 0x80) !== 0, reserved: u32(b, v) & 0x7fffffff };
  if (len === 4) return head;
  const ts = decodeIpv4TsSubOption(b, v + 4, v + len);
  if (typeof ts !== 'string') return { ...head, ts };
  const raw = rawOption(b, 53, len, v, offset);
  raw.malformed = `option 53 (IPv4 Traffic Offload Selector) at offset ${offset}: ${ts}`;
  return raw;
}

const i24 = (b: Uint8Array, i: number): number => ((b[i]! << 24) | (b[i + 1]! << 16) | (b[i + 2]! << 8)) >> 8;

/** The sub-options in [start, end), or what is wrong with them. */
function aniSubOptions(b: Uint8Array, start: number, end: number): AniSubOption[] | string {
  const out: AniSubOption[] = [];
  for (let p = start; p < end;) {
    if (p + 2 > end) return `sub-option at ${p - start} has no Length octet`;
    const type = b[p]!;
    const len = b[p + 1]!;
    const v = p + 2;
    if (v + len > end) return `sub-option ${type} overruns the option`;
    p = v + len;
    if (type === 1 && len >= 3) {
      const nameLen = b[v + 1]!;
      const apAt = v + 2 + nameLen;
      if (apAt < v + len && apAt + 1 + b[apAt]! === v + len) {
        out.push({
          type: 1, E: (b[v]! & 0x80) !== 0, reserved: b[v]! & 0x7f,
          networkName: toHex(b, v + 2, nameLen), accessPointName: toHex(b, apAt + 1, b[apAt]!),
        });
        continue;
      }
    } else if (type === 2 && len === 6) {
      out.push({ type: 2, latitude: i24(b, v), longitude: i24(b, v + 3) });
      continue;
    } else if (type === 3 && len >= 1) {
      out.push({ type: 3, opIdType: b[v]!, opId: toHex(b, v + 1, len - 1) });
      continue;
    }
    out.push({ type, data: toHex(b, v, len) });
  }
  return out;
}

function writeAniSubOption(s: AniSubOption, out: number[]): void {
  const what = `Access Network Identifier sub-option ${s.type}`;
  out.push(uint(s.type, 8, `${what} type`), 0);
  const start = out.length;
  if ('data' in s) pushBytes(out, fromHex(s.data));
  else if (s.type === 1) {
    const name = fromHex(s.networkName);
    const ap = fromHex(s.accessPointName);
    out.push((s.E ? 0x80 : 0) | uint(s.reserved ?? 0, 7, `${what} reserved`), uint(name.length, 8, `${what} network name length`));
    pushBytes(out, name);
    out.push(uint(ap.length, 8, `${what} access point name length`));
    pushBytes(out, ap);
  } else if (s.type === 2) {
    for (const [v, n] of [[s.latitude, 'latitude'], [s.longitude, 'longitude']] as const) {
      if (!Number.isInteger(v) || v < -0x800000 || v > 0x7fffff) throw new MhEncodeError(`${what} ${n} must be a 24-bit signed integer, got ${v}`);
      const u = v & 0xffffff;
      out.push(u >>> 16, (u >>> 8) & 0xff, u & 0xff);
    }
  } else {
    out.push(uint(s.opIdType, 8, `${what} Op-ID Type`));
    pushBytes(out, fromHex(s.opId));
  }
  out[start - 1] = uint(out.length - start, 8, `${what} length`);
}

/** Text of a Network-Identifier name (hex of its octets), for logs and reports. */
export function aniNameText(hex: string): string {
  return new TextDecoder().decode(fromHex(hex));
}

// ---------------------------------------------------------------------------------------------
// Encoding (crafting PBUs/PBAs: clarity over speed)

/** Checks a field before it is written; a caller mistake becomes a named error. */
export function uint(value: number | undefined, bits: number, what: string): number {
  const max = 2 ** bits - 1;
  if (value === undefined || !Number.isInteger(value) || value < 0 || value > max) {
    throw new MhEncodeError(`${what} must be an integer 0..${max}, got ${String(value)}`);
  }
  return value;
}

export function push16(out: number[], v: number): void { out.push(v >>> 8, v & 0xff); }
export function push32(out: number[], v: number): void { out.push(Math.floor(v / 0x1000000) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff); }
export function pushBytes(out: number[], bytes: Uint8Array): void { for (let i = 0; i < bytes.length; i++) out.push(bytes[i]!); }

const utf8Encoder = new TextEncoder();

function isPadding(o: MobilityOptionSpec): boolean {
  return o.type === MH_OPTION.PAD1 || o.type === MH_OPTION.PADN;
}

/** A spec that must be written from `data`: unknown type, malformed, or a known type given as raw bytes. */
function isRawSpec(o: MobilityOptionSpec): o is Loosen<RawOption, OptionalOptionKeys> {
  if (o.malformed !== undefined || MH_OPTION_NAME[o.type] === undefined) return true;
  if (!('data' in o)) return false;
  if (o.type === MH_OPTION.PADN) return false;
  return !(o.type === MH_OPTION.VENDOR_SPECIFIC && 'vendorId' in o);
}

function prefixParts(o: Loosen<HomeNetworkPrefixOption, OptionalOptionKeys>): { address: string; length: number } {
  const slash = o.prefix.indexOf('/');
  const address = slash < 0 ? o.prefix : o.prefix.slice(0, slash);
  const fromText = slash < 0 ? undefined : Number(o.prefix.slice(slash + 1));
  if (fromText !== undefined && o.prefixLength !== undefined && fromText !== o.prefixLength) {
    throw new MhEncodeError(`Home Network Prefix "${o.prefix}" disagrees with prefixLength ${o.prefixLength}`);
  }
  const length = o.prefixLength ?? fromText;
  if (length === undefined) throw new MhEncodeError(`Home Network Prefix "${o.prefix}" needs a prefix length`);
  return { address, length: uint(length, 8, 'Home Network Prefix length') };
}

/** Writes the value of a known-type option (everything after Type and Length). */
function writeOptionValue(o: MobilityOptionSpec, out: number[]): void {
  const what = optionName(o.type);
  switch (o.type) {
    case 1: {
      const p = o as Loosen<PadNOption, OptionalOptionKeys>;
      if (p.data !== undefined) pushBytes(out, fromHex(p.data));
      else for (let i = uint(p.length, 8, 'PadN length'); i > 0; i--) out.push(0);
      return;
    }
    case 2: push16(out, uint((o as BindingRefreshAdviceOption).interval, 16, `${what} interval`)); return;
    case 3: case 26: pushBytes(out, parseIpv6((o as AlternateCoaOption | LinkLocalAddressOption).address)); return;
    case 8: {
      const m = o as Loosen<MnIdentifierOption, OptionalOptionKeys>;
      out.push(uint(m.subtype, 8, `${what} subtype`));
      pushBytes(out, m.subtype === 1 ? naiOctets(m.id) : fromHex(m.id));
      return;
    }
    case 19: {
      const s = o as VendorSpecificOption;
      push32(out, uint(s.vendorId, 32, `${what} vendor ID`));
      out.push(uint(s.subtype, 8, `${what} subtype`));
      pushBytes(out, fromHex(s.data));
      return;
    }
    case 22: {
      const h = o as Loosen<HomeNetworkPrefixOption, OptionalOptionKeys>;
      const { address, length } = prefixParts(h);
      out.push(uint(h.reserved ?? 0, 8, `${what} reserved`), length);
      pushBytes(out, parseIpv6(address));
      return;
    }
    case 23: case 24: {
      const h = o as Loosen<HandoffIndicatorOption | AccessTechnologyTypeOption, OptionalOptionKeys>;
      out.push(uint(h.reserved ?? 0, 8, `${what} reserved`), uint(h.value, 8, `${what} value`));
      return;
    }
    case 25: {
      const l = o as Loosen<MnLinkLayerIdOption, OptionalOptionKeys>;
      push16(out, uint(l.reserved ?? 0, 16, `${what} reserved`));
      pushBytes(out, fromHex(l.id));
      return;
    }
    case 27: {
      const t = o as Loosen<TimestampOption, OptionalOptionKeys>;
      const seconds = uint(t.seconds, 48, `${what} seconds`);
      push16(out, Math.floor(seconds / TWO_32));
      push32(out, seconds % TWO_32);
      push16(out, uint(t.fraction, 16, `${what} fraction`));
      return;
    }
    case 28: push32(out, uint((o as RestartCounterOption).value, 32, `${what} value`)); return;
    case 31: {
      const n = o as Loosen<NatDetectionOption, OptionalOptionKeys>;
      push16(out, (n.F ? 0x8000 : 0) | uint(n.reserved ?? 0, 15, `${what} reserved`));
      push32(out, uint(n.refreshTime, 32, `${what} refresh time`));
      return;
    }
    case 32: {
      const c = o as Loosen<Ipv4CoaOption, OptionalOptionKeys>;
      push16(out, uint(c.reserved ?? 0, 16, `${what} reserved`));
      pushBytes(out, parseIpv4(c.address));
      return;
    }
    case 33: {
      const g = o as Loosen<GreKeyOption, OptionalOptionKeys>;
      push16(out, uint(g.reserved ?? 0, 16, `${what} reserved`));
      if (g.key !== undefined) push32(out, uint(g.key, 32, `${what} key`));
      return;
    }
    case 36: {
      const r = o as Loosen<Ipv4HoaRequestOption, OptionalOptionKeys>;
      const word = (uint(r.prefixLength ?? 0, 6, `${what} prefix length`) << 10) | uint(r.reserved ?? 0, 10, `${what} reserved`);
      push16(out, word);
      pushBytes(out, parseIpv4(r.address));
      return;
    }
    case 37: {
      const r = o as Loosen<Ipv4HoaReplyOption, OptionalOptionKeys>;
      out.push(uint(r.status, 8, `${what} status`),
        (uint(r.prefixLength ?? 0, 6, `${what} prefix length`) << 2) | uint(r.reserved ?? 0, 2, `${what} reserved`));
      pushBytes(out, parseIpv4(r.address));
      return;
    }
    case 38: {
      const r = o as Loosen<Ipv4DefaultRouterOption, OptionalOptionKeys>;
      push16(out, uint(r.reserved ?? 0, 16, `${what} reserved`));
      pushBytes(out, parseIpv4(r.address));
      return;
    }
    case 39: {
      const d = o as Loosen<Ipv4DhcpSupportModeOption, OptionalOptionKeys>;
      push16(out, (uint(d.reserved ?? 0, 15, `${what} reserved`) << 1) | (d.S ? 1 : 0));
      return;
    }
    case 50: {
      const g = o as Loosen<MnGroupIdOption, OptionalOptionKeys>;
      out.push(uint(g.subtype, 8, `${what} subtype`), uint(g.reserved ?? 0, 8, `${what} reserved`));
      push32(out, uint(g.groupId, 32, `${what} group ID`));
      return;
    }
    case 52:
      for (const sub of (o as AccessNetworkIdOption).subOptions) writeAniSubOption(sub, out);
      return;
    case 53: {
      const t = o as Loosen<Ipv4TrafficOffloadSelectorOption, OptionalOptionKeys>;
      push32(out, ((t.M ? 0x80000000 : 0) + uint(t.reserved ?? 0, 31, `${what} reserved`)) >>> 0);
      if (t.ts !== undefined) encodeIpv4TsSubOption(t.ts, out, (m) => new MhEncodeError(`${what}: ${m}`));
      return;
    }
    default:
      throw new MhEncodeError(`option type ${o.type} (${what}) has no layout here; give it as { type, data }`);
  }
}

function writeOption(o: MobilityOptionSpec, out: number[]): void {
  uint(o.type, 8, 'option type');
  if (o.type === MH_OPTION.PAD1) {
    out.push(0);
    return;
  }
  const start = out.length;
  out.push(o.type, 0);
  if (isRawSpec(o)) {
    pushBytes(out, fromHex(o.data));
    const natural = out.length - start - 2;
    out[start + 1] = uint(o.length ?? natural, 8, `option ${o.type} length`);
    return;
  }
  writeOptionValue(o, out);
  const len = out.length - start - 2;
  if (len > 255) throw new MhEncodeError(`option ${o.type} (${optionName(o.type)}) is ${len} octets long, more than 255`);
  if (o.length !== undefined && o.length !== len) {
    throw new MhEncodeError(`option ${o.type} (${optionName(o.type)}) has length ${len}, but the spec says ${o.length}`);
  }
  out[start + 1] = len;
}

/** Pad1 for one octet, PadN (zero contents) for more (RFC 6275 §6.2.2, §6.2.3). */
function writePadding(out: number[], n: number): void {
  if (n === 1) out.push(0);
  else if (n > 1) {
    out.push(1, n - 2);
    for (let i = 2; i < n; i++) out.push(0);
  }
}

/**
 * Appends the options to `out`, which already holds the MH from its first byte. With `autoPad`,
 * given Pad1/PadN are dropped and padding is inserted so that every option meets its catalog A.7
 * alignment and the MH ends on a multiple of 8; otherwise the options are written as given.
 */
export function encodeOptions(options: readonly MobilityOptionSpec[], out: number[], autoPad: boolean): void {
  for (const o of options) {
    if (autoPad) {
      if (isPadding(o)) continue;
      const align = OPTION_ALIGNMENT[o.type];
      if (align !== undefined) writePadding(out, (((align.y - out.length) % align.x) + align.x) % align.x);
    }
    writeOption(o, out);
  }
  if (autoPad) writePadding(out, (8 - (out.length % 8)) % 8);
}
