// DHCPv6 (RFC 8415) as PMIPv6's stateful address configuration uses it (RFC 5213 §6.11): the MN
// talks to the MAG's relay agent on UDP 547, the relay wraps each message in a Relay-Forward to
// the server and unwraps the Relay-Reply. Every message type decodes; the options the checks read
// get a type of their own, every other option (and one whose length does not fit its structure)
// stays raw, so encodeDhcpv6(decodeDhcpv6(b)) gives b back octet for octet.
import { formatIpv6, fromHex, parseIpv6, toHex, viewOf } from './bytes.js';
import { WireEncodeError } from './encode-error.js';

export const UDP_PORT_DHCPV6_CLIENT = 546;
export const UDP_PORT_DHCPV6_SERVER = 547;
/** All_DHCP_Relay_Agents_and_Servers (RFC 8415 §7.1). */
export const ALL_DHCP_RELAY_AGENTS_AND_SERVERS = 'ff02::1:2';

export const DHCPV6_SOLICIT = 1;
export const DHCPV6_ADVERTISE = 2;
export const DHCPV6_REQUEST = 3;
export const DHCPV6_CONFIRM = 4;
export const DHCPV6_RENEW = 5;
export const DHCPV6_REBIND = 6;
export const DHCPV6_REPLY = 7;
export const DHCPV6_RELEASE = 8;
export const DHCPV6_DECLINE = 9;
export const DHCPV6_RECONFIGURE = 10;
export const DHCPV6_INFORMATION_REQUEST = 11;
export const DHCPV6_RELAY_FORW = 12;
export const DHCPV6_RELAY_REPL = 13;

export const DHCPV6_MESSAGE_NAME: Readonly<Record<number, string>> = {
  1: 'Solicit', 2: 'Advertise', 3: 'Request', 4: 'Confirm', 5: 'Renew', 6: 'Rebind', 7: 'Reply', 8: 'Release',
  9: 'Decline', 10: 'Reconfigure', 11: 'Information-Request', 12: 'Relay-Forward', 13: 'Relay-Reply',
};

export const OPTION_CLIENTID = 1;
export const OPTION_SERVERID = 2;
export const OPTION_IA_NA = 3;
export const OPTION_IAADDR = 5;
export const OPTION_ORO = 6;
export const OPTION_ELAPSED_TIME = 8;
export const OPTION_RELAY_MSG = 9;
export const OPTION_STATUS_CODE = 13;
export const OPTION_RAPID_COMMIT = 14;
export const OPTION_INTERFACE_ID = 18;

export const DHCPV6_OPTION_NAME: Readonly<Record<number, string>> = {
  1: 'Client Identifier', 2: 'Server Identifier', 3: 'IA_NA', 5: 'IA Address', 6: 'Option Request', 8: 'Elapsed Time',
  9: 'Relay Message', 13: 'Status Code', 14: 'Rapid Commit', 18: 'Interface-ID',
};

/** Relay-Forward and Relay-Reply (RFC 8415 §9) have the relay header; the others a transaction ID (§8). */
export function isRelayMessageType(type: number): boolean {
  return type === DHCPV6_RELAY_FORW || type === DHCPV6_RELAY_REPL;
}

export function dhcpv6MessageName(type: number): string {
  return DHCPV6_MESSAGE_NAME[type] ?? `type-${type}`;
}

/** Client and Server Identifier: a DUID (RFC 8415 §11), kept as hex; `duidType` read from its first two octets. */
interface DuidBase { duid: string; duidType?: number }
export interface ClientIdOption extends DuidBase { code: 1 }
export interface ServerIdOption extends DuidBase { code: 2 }
export type DuidOption = ClientIdOption | ServerIdOption;
export interface IaNaOption { code: 3; iaid: number; t1: number; t2: number; options: Dhcpv6Option[] }
export interface IaAddrOption { code: 5; address: string; preferredLifetime: number; validLifetime: number; options: Dhcpv6Option[] }
export interface OroOption { code: 6; requested: number[] }
/** Hundredths of a second since the client began the exchange. */
export interface ElapsedTimeOption { code: 8; hundredths: number }
export interface RelayMessageOption { code: 9; message: Dhcpv6Message }
export interface StatusCodeOption { code: 13; status: number; text: string }
export interface RapidCommitOption { code: 14 }
export interface InterfaceIdOption { code: 18; id: string }
/** Any other option, or a known one whose length does not fit its structure (`malformed` says how). */
export interface RawDhcpv6Option { code: number; raw: string; malformed?: string }

export type Dhcpv6Option =
  | DuidOption | IaNaOption | IaAddrOption | OroOption | ElapsedTimeOption | RelayMessageOption | StatusCodeOption
  | RapidCommitOption | InterfaceIdOption | RawDhcpv6Option;

interface MessageBase {
  msgType: number;
  /** DHCPV6_MESSAGE_NAME, for reading decoded JSON (ignored by the encoder). */
  name?: string;
  options: Dhcpv6Option[];
  /** Octets after the last whole option (an option overrunning the message), hex. */
  trailing?: string;
  malformed?: string;
}

export interface Dhcpv6ClientServerMessage extends MessageBase { transactionId: number }
export interface Dhcpv6RelayMessage extends MessageBase { hopCount: number; linkAddress: string; peerAddress: string }
export type Dhcpv6Message = Dhcpv6ClientServerMessage | Dhcpv6RelayMessage;

export function isRelay(m: Dhcpv6Message): m is Dhcpv6RelayMessage {
  return 'linkAddress' in m;
}

const CLIENT_HEADER = 4;
const RELAY_HEADER = 34;
/** Relay Message options nest; deeper than this the message stays raw (RFC 8415 §19: HOP_COUNT_LIMIT is 8). */
const MAX_NESTING = 8;

function decodeOptions(buf: Uint8Array, off: number, end: number, depth: number, into: MessageBase | undefined): Dhcpv6Option[] {
  const v = viewOf(buf);
  const out: Dhcpv6Option[] = [];
  let p = off;
  while (p < end) {
    if (end - p < 4 || p + 4 + v.getUint16(p + 2) > end) {
      const why = end - p < 4 ? `${end - p} octets left, an option header has 4` : `option ${v.getUint16(p)} of length ${v.getUint16(p + 2)} overruns its container by ${p + 4 + v.getUint16(p + 2) - end} octets`;
      if (into !== undefined) { into.trailing = toHex(buf, p, end - p); into.malformed ??= why; }
      else out.push({ code: -1, raw: toHex(buf, p, end - p), malformed: why });
      break;
    }
    const code = v.getUint16(p), len = v.getUint16(p + 2), d = p + 4;
    out.push(decodeOption(buf, code, d, len, depth));
    p = d + len;
  }
  return out;
}

function rawOption(buf: Uint8Array, code: number, d: number, len: number, malformed?: string): RawDhcpv6Option {
  const o: RawDhcpv6Option = { code, raw: toHex(buf, d, len) };
  if (malformed !== undefined) o.malformed = malformed;
  return o;
}

function decodeOption(buf: Uint8Array, code: number, d: number, len: number, depth: number): Dhcpv6Option {
  const v = viewOf(buf);
  const wrongLength = (want: string) => rawOption(buf, code, d, len, `${DHCPV6_OPTION_NAME[code]} of ${len} octets (${want})`);
  switch (code) {
    case OPTION_CLIENTID: case OPTION_SERVERID: {
      if (len < 2) return wrongLength('a DUID has at least its 2-octet type');
      return { code, duid: toHex(buf, d, len), duidType: v.getUint16(d) } as DuidOption;
    }
    case OPTION_IA_NA: {
      if (len < 12) return wrongLength('at least 12');
      const inner = decodeOptions(buf, d + 12, d + len, depth, undefined);
      if (inner.some((o) => o.code === -1)) return wrongLength('its options overrun it');
      return { code, iaid: v.getUint32(d), t1: v.getUint32(d + 4), t2: v.getUint32(d + 8), options: inner };
    }
    case OPTION_IAADDR: {
      if (len < 24) return wrongLength('at least 24');
      const inner = decodeOptions(buf, d + 24, d + len, depth, undefined);
      if (inner.some((o) => o.code === -1)) return wrongLength('its options overrun it');
      return { code, address: formatIpv6(buf, d), preferredLifetime: v.getUint32(d + 16), validLifetime: v.getUint32(d + 20), options: inner };
    }
    case OPTION_ORO: {
      if (len % 2 !== 0) return wrongLength('a multiple of 2');
      const requested: number[] = [];
      for (let i = 0; i < len; i += 2) requested.push(v.getUint16(d + i));
      return { code, requested };
    }
    case OPTION_ELAPSED_TIME:
      if (len !== 2) return wrongLength('2');
      return { code, hundredths: v.getUint16(d) };
    case OPTION_RELAY_MSG: {
      if (depth >= MAX_NESTING) return rawOption(buf, code, d, len);
      const m = decodeMessage(buf, d, len, depth + 1);
      if (m === null) return wrongLength('too short for a message');
      return { code, message: m };
    }
    case OPTION_STATUS_CODE: {
      if (len < 2) return wrongLength('at least 2');
      const text = Buffer.from(buf.buffer, buf.byteOffset + d + 2, len - 2).toString('utf8');
      // Only text that encodes back to the same octets is taken as text.
      if (Buffer.byteLength(text, 'utf8') !== len - 2) return wrongLength('its message is not UTF-8');
      return { code, status: v.getUint16(d), text };
    }
    case OPTION_RAPID_COMMIT:
      if (len !== 0) return wrongLength('0');
      return { code };
    case OPTION_INTERFACE_ID:
      return { code, id: toHex(buf, d, len) };
    default:
      return rawOption(buf, code, d, len);
  }
}

function decodeMessage(buf: Uint8Array, off: number, len: number, depth: number): Dhcpv6Message | null {
  if (len < CLIENT_HEADER) return null;
  const type = buf[off]!;
  const end = off + len;
  if (isRelayMessageType(type)) {
    if (len < RELAY_HEADER) return null;
    const m: Dhcpv6RelayMessage = {
      msgType: type, name: dhcpv6MessageName(type), hopCount: buf[off + 1]!,
      linkAddress: formatIpv6(buf, off + 2), peerAddress: formatIpv6(buf, off + 18), options: [],
    };
    m.options = decodeOptions(buf, off + RELAY_HEADER, end, depth, m);
    return m;
  }
  const v = viewOf(buf);
  const m: Dhcpv6ClientServerMessage = { msgType: type, name: dhcpv6MessageName(type), transactionId: v.getUint32(off) & 0xffffff, options: [] };
  m.options = decodeOptions(buf, off + CLIENT_HEADER, end, depth, m);
  return m;
}

/**
 * The DHCPv6 message of the `len` octets at `off` (a UDP payload), or null when it is shorter than
 * its header (4 octets, 34 for a relay message). Never throws.
 */
export function decodeDhcpv6(buf: Uint8Array, off: number, len: number): Dhcpv6Message | null {
  return decodeMessage(buf, off, len, 0);
}

// ---------------------------------------------------------------------------------------------
// Encoding: the decoded shapes are the specs.

class Out {
  private parts: Uint8Array[] = [];
  length = 0;
  push(b: Uint8Array): void { this.parts.push(b); this.length += b.length; }
  u8(n: number): void { this.push(Uint8Array.of(n & 0xff)); }
  u16(n: number): void { this.push(Uint8Array.of((n >> 8) & 0xff, n & 0xff)); }
  u32(n: number): void { const b = new Uint8Array(4); new DataView(b.buffer).setUint32(0, n >>> 0); this.push(b); }
  bytes(): Uint8Array {
    const out = new Uint8Array(this.length);
    let p = 0;
    for (const b of this.parts) { out.set(b, p); p += b.length; }
    return out;
  }
}

function optionBody(o: Dhcpv6Option): Uint8Array {
  const w = new Out();
  if ('raw' in o) return fromHex(o.raw);
  switch (o.code) {
    case OPTION_CLIENTID: case OPTION_SERVERID: w.push(fromHex((o as DuidOption).duid)); break;
    case OPTION_IA_NA: { const a = o as IaNaOption; w.u32(a.iaid); w.u32(a.t1); w.u32(a.t2); w.push(encodeDhcpv6Options(a.options)); break; }
    case OPTION_IAADDR: {
      const a = o as IaAddrOption;
      w.push(parseIpv6(a.address)); w.u32(a.preferredLifetime); w.u32(a.validLifetime); w.push(encodeDhcpv6Options(a.options));
      break;
    }
    case OPTION_ORO: for (const c of (o as OroOption).requested) w.u16(c); break;
    case OPTION_ELAPSED_TIME: w.u16((o as ElapsedTimeOption).hundredths); break;
    case OPTION_RELAY_MSG: w.push(encodeDhcpv6((o as RelayMessageOption).message)); break;
    case OPTION_STATUS_CODE: { const s = o as StatusCodeOption; w.u16(s.status); w.push(Buffer.from(s.text, 'utf8')); break; }
    case OPTION_RAPID_COMMIT: break;
    case OPTION_INTERFACE_ID: w.push(fromHex((o as InterfaceIdOption).id)); break;
    default: throw new WireEncodeError(`DHCPv6 option ${(o as { code: number }).code} has no structure here: give it as raw hex`);
  }
  return w.bytes();
}

/** Options in order, each with its code and length (a raw option of code -1 is written as its octets). */
export function encodeDhcpv6Options(options: readonly Dhcpv6Option[]): Uint8Array {
  const w = new Out();
  for (const o of options) {
    const body = optionBody(o);
    if (o.code === -1) { w.push(body); continue; }
    if (body.length > 0xffff) throw new WireEncodeError(`DHCPv6 option ${o.code} of ${body.length} octets does not fit its 16-bit length`);
    w.u16(o.code); w.u16(body.length); w.push(body);
  }
  return w.bytes();
}

export function encodeDhcpv6(m: Dhcpv6Message): Uint8Array {
  const w = new Out();
  w.u8(m.msgType);
  if (isRelay(m)) {
    if (!isRelayMessageType(m.msgType)) throw new WireEncodeError(`DHCPv6 message type ${m.msgType} has no relay header`);
    w.u8(m.hopCount); w.push(parseIpv6(m.linkAddress)); w.push(parseIpv6(m.peerAddress));
  } else {
    if (isRelayMessageType(m.msgType)) throw new WireEncodeError(`DHCPv6 ${dhcpv6MessageName(m.msgType)} needs hopCount, linkAddress and peerAddress`);
    const id = m.transactionId;
    if (!Number.isInteger(id) || id < 0 || id > 0xffffff) throw new WireEncodeError(`DHCPv6 transaction ID ${id} does not fit in 24 bits`);
    w.push(Uint8Array.of(id >> 16, (id >> 8) & 0xff, id & 0xff));
  }
  w.push(encodeDhcpv6Options(m.options));
  if (m.trailing !== undefined) w.push(fromHex(m.trailing));
  return w.bytes();
}

// ---------------------------------------------------------------------------------------------
// Lookups the relay and the checks share.

export function findDhcpv6Option<C extends Dhcpv6Option['code']>(options: readonly Dhcpv6Option[], code: C): Extract<Dhcpv6Option, { code: C }> | undefined {
  return options.find((o) => o.code === code && !('raw' in o)) as Extract<Dhcpv6Option, { code: C }> | undefined;
}

/** The client/server message a chain of Relay Message options carries at its bottom (the message itself if not relayed). */
export function innermostDhcpv6(m: Dhcpv6Message): Dhcpv6ClientServerMessage | undefined {
  let cur: Dhcpv6Message = m;
  for (let i = 0; i <= MAX_NESTING; i++) {
    if (!isRelay(cur)) return cur;
    const r = findDhcpv6Option(cur.options, OPTION_RELAY_MSG);
    if (r === undefined) return undefined;
    cur = r.message;
  }
  return undefined;
}

/** The addresses of every IA_NA of a message (IAADDRs with a valid lifetime above 0). */
export function iaNaAddresses(m: Dhcpv6Message): string[] {
  const out: string[] = [];
  for (const o of m.options) {
    if (o.code !== OPTION_IA_NA || 'raw' in o) continue;
    for (const a of (o as IaNaOption).options) if (a.code === OPTION_IAADDR && !('raw' in a) && (a as IaAddrOption).validLifetime > 0) out.push((a as IaAddrOption).address);
  }
  return out;
}

/** One line: "Solicit xid 0x1a2b3c" or "Relay-Forward link fd00::1 peer fe80::1 [Solicit xid 0x1a2b3c]". */
export function dhcpv6Summary(m: Dhcpv6Message): string {
  if (isRelay(m)) {
    const inner = findDhcpv6Option(m.options, OPTION_RELAY_MSG);
    return `DHCPv6 ${dhcpv6MessageName(m.msgType)} hops ${m.hopCount} link ${m.linkAddress} peer ${m.peerAddress}` +
      (inner ? ` [${dhcpv6Summary(inner.message).replace(/^DHCPv6 /, '')}]` : '');
  }
  const addrs = iaNaAddresses(m);
  const status = findDhcpv6Option(m.options, OPTION_STATUS_CODE);
  return `DHCPv6 ${dhcpv6MessageName(m.msgType)} xid 0x${m.transactionId.toString(16).padStart(6, '0')}` +
    (addrs.length ? ` IA_NA ${addrs.join(',')}` : '') + (status && status.status !== 0 ? ` status ${status.status}` : '');
}
