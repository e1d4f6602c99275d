// DHCPv4 (RFC 2131, options RFC 2132) as an RFC 5844 MAG serves or relays it to an IPv4 MN on its
// access link (§3.2.3.2): the BOOTP header with the relay fields (hops, giaddr), the magic cookie,
// then options. The options the MAG and the checks read get a type of their own; every other
// option, and one whose length does not fit its structure, stays raw; Pad, End and the octets
// after End are kept, so encodeDhcpv4(decodeDhcpv4(b)) gives b back octet for octet.
import { formatIpv4, formatMac, fromHex, parseIpv4, parseMac, toHex, viewOf } from './bytes.js';
import { WireEncodeError } from './encode-error.js';

export const UDP_PORT_DHCPV4_SERVER = 67;
export const UDP_PORT_DHCPV4_CLIENT = 68;

export const BOOTREQUEST = 1;
export const BOOTREPLY = 2;
/** The fixed BOOTP part (RFC 2131 §2), before the magic cookie. */
export const BOOTP_HEADER_LENGTH = 236;
export const DHCP_MAGIC_COOKIE = 0x63825363;
/** The broadcast bit of `flags` (RFC 2131 §2): the client cannot receive unicast before it has an address. */
export const DHCP_FLAG_BROADCAST = 0x8000;

export const DHCPDISCOVER = 1;
export const DHCPOFFER = 2;
export const DHCPREQUEST = 3;
export const DHCPDECLINE = 4;
export const DHCPACK = 5;
export const DHCPNAK = 6;
export const DHCPRELEASE = 7;
export const DHCPINFORM = 8;

export const DHCPV4_MESSAGE_NAME: Readonly<Record<number, string>> = {
  1: 'DISCOVER', 2: 'OFFER', 3: 'REQUEST', 4: 'DECLINE', 5: 'ACK', 6: 'NAK', 7: 'RELEASE', 8: 'INFORM',
};

export const DHCPV4_OPTION = {
  PAD: 0, SUBNET_MASK: 1, ROUTER: 3, DNS: 6, HOSTNAME: 12, REQUESTED_IP: 50, LEASE_TIME: 51, MESSAGE_TYPE: 53,
  SERVER_ID: 54, PARAMETER_REQUEST_LIST: 55, RENEWAL_TIME: 58, REBINDING_TIME: 59, CLIENT_ID: 61, RELAY_AGENT_INFO: 82, END: 255,
} as const;

export const DHCPV4_OPTION_NAME: Readonly<Record<number, string>> = {
  0: 'Pad', 1: 'Subnet Mask', 3: 'Router', 6: 'Domain Name Server', 12: 'Host Name', 50: 'Requested IP Address',
  51: 'IP Address Lease Time', 53: 'DHCP Message Type', 54: 'Server Identifier', 55: 'Parameter Request List',
  58: 'Renewal Time', 59: 'Rebinding Time', 61: 'Client Identifier', 82: 'Relay Agent Information', 255: 'End',
};

export function dhcpv4MessageName(type: number): string {
  return DHCPV4_MESSAGE_NAME[type] ?? `type-${type}`;
}

export interface Dhcpv4PadOption { code: 0 }
export interface Dhcpv4EndOption { code: 255 }
export interface Dhcpv4SubnetMaskOption { code: 1; mask: string }
/** Router (3) and Domain Name Server (6): a list of addresses. */
export interface Dhcpv4AddressListOption { code: 3 | 6; addresses: string[] }
export interface Dhcpv4HostnameOption { code: 12; hostname: string }
/** Requested IP Address (50) and Server Identifier (54). */
export interface Dhcpv4AddressOption { code: 50 | 54; address: string }
/** Lease (51), Renewal T1 (58) and Rebinding T2 (59) times, seconds (0xffffffff: infinite). */
export interface Dhcpv4TimeOption { code: 51 | 58 | 59; seconds: number }
export interface Dhcpv4MessageTypeOption { code: 53; type: number; name?: string }
export interface Dhcpv4ParameterRequestOption { code: 55; requested: number[] }
/** Client Identifier (RFC 2132 §9.14): a type octet (1 = Ethernet, then the MAC) and the identifier, hex. */
export interface Dhcpv4ClientIdOption { code: 61; idType: number; id: string }
/** Relay Agent Information (RFC 3046): sub-options (1 Circuit ID, 2 Remote ID, ...), each kept as hex. */
export interface Dhcpv4RelayAgentInfoOption { code: 82; subOptions: { code: number; data: string }[] }
/** Any other option, or a known one whose length does not fit its structure (`malformed` says how). */
export interface RawDhcpv4Option { code: number; raw: string; malformed?: string }

export type Dhcpv4Option =
  | Dhcpv4PadOption | Dhcpv4EndOption | Dhcpv4SubnetMaskOption | Dhcpv4AddressListOption | Dhcpv4HostnameOption
  | Dhcpv4AddressOption | Dhcpv4TimeOption | Dhcpv4MessageTypeOption | Dhcpv4ParameterRequestOption | Dhcpv4ClientIdOption
  | Dhcpv4RelayAgentInfoOption | RawDhcpv4Option;

export interface Dhcpv4Message {
  op: number;
  htype: number;
  hlen: number;
  hops: number;
  xid: number;
  secs: number;
  flags: number;
  ciaddr: string;
  yiaddr: string;
  siaddr: string;
  giaddr: string;
  /** The first `hlen` octets of the 16-octet chaddr field (at most 16), as a MAC-style text. */
  chaddr: string;
  /** Non-zero octets of chaddr after the hardware address, hex. */
  chaddrPad?: string;
  /** The 64-octet server name and 128-octet boot file fields, hex, present only when not all zero. */
  sname?: string;
  file?: string;
  /** DHCP Message Type (option 53), for reading decoded JSON (ignored by the encoder). */
  name?: string;
  /** False for a plain BOOTP message (no magic cookie: whatever follows the header is in `trailing`). */
  cookie: boolean;
  options: Dhcpv4Option[];
  /** Octets after End (padding to the 300-octet BOOTP minimum), or after an option overrunning the message, hex. */
  trailing?: string;
  malformed?: string;
}

const OPTIONS_START = BOOTP_HEADER_LENGTH + 4;

function ipv4List(buf: Uint8Array, d: number, len: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < len; i += 4) out.push(formatIpv4(buf, d + i));
  return out;
}

function decodeOption(buf: Uint8Array, code: number, d: number, len: number): Dhcpv4Option {
  const v = viewOf(buf);
  const raw = (why?: string): RawDhcpv4Option => {
    const o: RawDhcpv4Option = { code, raw: toHex(buf, d, len) };
    if (why !== undefined) o.malformed = `${DHCPV4_OPTION_NAME[code]} of ${len} octets (${why})`;
    return o;
  };
  switch (code) {
    case DHCPV4_OPTION.SUBNET_MASK:
      return len === 4 ? { code, mask: formatIpv4(buf, d) } : raw('4');
    case DHCPV4_OPTION.ROUTER: case DHCPV4_OPTION.DNS:
      return len > 0 && len % 4 === 0 ? { code, addresses: ipv4List(buf, d, len) } : raw('a positive multiple of 4');
    case DHCPV4_OPTION.HOSTNAME: {
      const hostname = Buffer.from(buf.buffer, buf.byteOffset + d, len).toString('latin1');
      return len > 0 ? { code, hostname } : raw('at least 1');
    }
    case DHCPV4_OPTION.REQUESTED_IP: case DHCPV4_OPTION.SERVER_ID:
      return len === 4 ? { code, address: formatIpv4(buf, d) } : raw('4');
    case DHCPV4_OPTION.LEASE_TIME: case DHCPV4_OPTION.RENEWAL_TIME: case DHCPV4_OPTION.REBINDING_TIME:
      return len === 4 ? { code, seconds: v.getUint32(d) } : raw('4');
    case DHCPV4_OPTION.MESSAGE_TYPE:
      return len === 1 ? { code, type: buf[d]!, name: dhcpv4MessageName(buf[d]!) } : raw('1');
    case DHCPV4_OPTION.PARAMETER_REQUEST_LIST:
      return len > 0 ? { code, requested: Array.from(buf.subarray(d, d + len)) } : raw('at least 1');
    case DHCPV4_OPTION.CLIENT_ID:
      return len >= 2 ? { code, idType: buf[d]!, id: toHex(buf, d + 1, len - 1) } : raw('at least 2');
    case DHCPV4_OPTION.RELAY_AGENT_INFO: {
      const subOptions: { code: number; data: string }[] = [];
      for (let p = d; p < d + len;) {
        if (p + 2 > d + len || p + 2 + buf[p + 1]! > d + len) return raw('its sub-options overrun it');
        subOptions.push({ code: buf[p]!, data: toHex(buf, p + 2, buf[p + 1]!) });
        p += 2 + buf[p + 1]!;
      }
      return { code, subOptions };
    }
    default:
      return raw();
  }
}

/**
 * The DHCPv4/BOOTP message of the `len` octets at `off` (a UDP payload), or null when it is shorter
 * than the BOOTP header (236 octets). Never throws.
 */
export function decodeDhcpv4(buf: Uint8Array, off: number, len: number): Dhcpv4Message | null {
  if (len < BOOTP_HEADER_LENGTH) return null;
  const v = viewOf(buf);
  const hlen = buf[off + 2]!;
  const hw = Math.min(hlen, 16);
  const m: Dhcpv4Message = {
    op: buf[off]!, htype: buf[off + 1]!, hlen, hops: buf[off + 3]!, xid: v.getUint32(off + 4), secs: v.getUint16(off + 8),
    flags: v.getUint16(off + 10), ciaddr: formatIpv4(buf, off + 12), yiaddr: formatIpv4(buf, off + 16),
    siaddr: formatIpv4(buf, off + 20), giaddr: formatIpv4(buf, off + 24),
    chaddr: hw === 0 ? '' : formatMac(buf, off + 28, hw), cookie: false, options: [],
  };
  const nonZero = (from: number, n: number) => buf.subarray(from, from + n).some((b) => b !== 0);
  if (nonZero(off + 28 + hw, 16 - hw)) m.chaddrPad = toHex(buf, off + 28 + hw, 16 - hw);
  if (nonZero(off + 44, 64)) m.sname = toHex(buf, off + 44, 64);
  if (nonZero(off + 108, 128)) m.file = toHex(buf, off + 108, 128);
  const end = off + len;
  if (len < OPTIONS_START || v.getUint32(off + BOOTP_HEADER_LENGTH) !== DHCP_MAGIC_COOKIE) {
    if (len > BOOTP_HEADER_LENGTH) m.trailing = toHex(buf, off + BOOTP_HEADER_LENGTH, len - BOOTP_HEADER_LENGTH);
    return m;
  }
  m.cookie = true;
  let p = off + OPTIONS_START;
  while (p < end) {
    const code = buf[p]!;
    if (code === DHCPV4_OPTION.PAD) { m.options.push({ code }); p++; continue; }
    if (code === DHCPV4_OPTION.END) { m.options.push({ code }); p++; break; }
    if (p + 2 > end || p + 2 + buf[p + 1]! > end) {
      m.malformed = p + 2 > end ? `option ${code} has no length octet` : `option ${code} of length ${buf[p + 1]} overruns the message by ${p + 2 + buf[p + 1]! - end} octets`;
      break;
    }
    m.options.push(decodeOption(buf, code, p + 2, buf[p + 1]!));
    p += 2 + buf[p + 1]!;
  }
  if (p < end) m.trailing = toHex(buf, p, end - p);
  const type = findDhcpv4Option(m.options, DHCPV4_OPTION.MESSAGE_TYPE);
  if (type !== undefined) m.name = dhcpv4MessageName(type.type);
  return m;
}

// ---------------------------------------------------------------------------------------------
// Encoding: the decoded shapes are the specs.

function optionBody(o: Dhcpv4Option): number[] {
  if ('raw' in o) return Array.from(fromHex(o.raw));
  const u32 = (n: number) => [(n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff];
  switch (o.code) {
    case DHCPV4_OPTION.SUBNET_MASK: return Array.from(parseIpv4(o.mask));
    case DHCPV4_OPTION.ROUTER: case DHCPV4_OPTION.DNS: return o.addresses.flatMap((a) => Array.from(parseIpv4(a)));
    case DHCPV4_OPTION.HOSTNAME: return Array.from(Buffer.from(o.hostname, 'latin1'));
    case DHCPV4_OPTION.REQUESTED_IP: case DHCPV4_OPTION.SERVER_ID: return Array.from(parseIpv4(o.address));
    case DHCPV4_OPTION.LEASE_TIME: case DHCPV4_OPTION.RENEWAL_TIME: case DHCPV4_OPTION.REBINDING_TIME: return u32(o.seconds);
    case DHCPV4_OPTION.MESSAGE_TYPE: return [o.type];
    case DHCPV4_OPTION.PARAMETER_REQUEST_LIST: return [...o.requested];
    case DHCPV4_OPTION.CLIENT_ID: return [o.idType, ...fromHex(o.id)];
    case DHCPV4_OPTION.RELAY_AGENT_INFO:
      return o.subOptions.flatMap((s) => {
        const data = fromHex(s.data);
        if (data.length > 255) throw new WireEncodeError(`relay agent sub-option ${s.code} of ${data.length} octets does not fit its length octet`);
        return [s.code, data.length, ...data];
      });
    default: throw new WireEncodeError(`DHCPv4 option ${(o as { code: number }).code} has no structure here: give it as raw hex`);
  }
}

export function encodeDhcpv4Options(options: readonly Dhcpv4Option[]): Uint8Array {
  const out: number[] = [];
  for (const o of options) {
    if (o.code === DHCPV4_OPTION.PAD || o.code === DHCPV4_OPTION.END) { out.push(o.code); continue; }
    const body = optionBody(o);
    if (body.length > 255) throw new WireEncodeError(`DHCPv4 option ${o.code} of ${body.length} octets does not fit its length octet`);
    out.push(o.code, body.length, ...body);
  }
  return Uint8Array.from(out);
}

export function encodeDhcpv4(m: Dhcpv4Message): Uint8Array {
  const opts = m.cookie ? encodeDhcpv4Options(m.options) : new Uint8Array(0);
  const trailing = m.trailing === undefined ? new Uint8Array(0) : fromHex(m.trailing);
  const out = new Uint8Array(BOOTP_HEADER_LENGTH + (m.cookie ? 4 : 0) + opts.length + trailing.length);
  const v = new DataView(out.buffer);
  out[0] = m.op; out[1] = m.htype; out[2] = m.hlen; out[3] = m.hops;
  v.setUint32(4, m.xid >>> 0); v.setUint16(8, m.secs); v.setUint16(10, m.flags);
  out.set(parseIpv4(m.ciaddr), 12); out.set(parseIpv4(m.yiaddr), 16); out.set(parseIpv4(m.siaddr), 20); out.set(parseIpv4(m.giaddr), 24);
  const hw = m.chaddr === '' ? new Uint8Array(0) : parseMac(m.chaddr).subarray(0, 16);
  out.set(hw, 28);
  if (m.chaddrPad !== undefined) out.set(fromHex(m.chaddrPad).subarray(0, 16 - hw.length), 28 + hw.length);
  if (m.sname !== undefined) out.set(fromHex(m.sname).subarray(0, 64), 44);
  if (m.file !== undefined) out.set(fromHex(m.file).subarray(0, 128), 108);
  let p = BOOTP_HEADER_LENGTH;
  if (m.cookie) { v.setUint32(p, DHCP_MAGIC_COOKIE); p += 4; }
  out.set(opts, p);
  out.set(trailing, p + opts.length);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Lookups the MAG and the checks share.

/** Typed options by code; the ones sharing a shape (3 and 6, 50 and 54, 51/58/59) find theirs too. */
type OptionWithCode<C extends number> = Exclude<Dhcpv4Option, RawDhcpv4Option> extends infer O ? O extends { code: infer K } ? C extends K ? O : never : never : never;

export function findDhcpv4Option<C extends number>(options: readonly Dhcpv4Option[], code: C): OptionWithCode<C> | undefined {
  return options.find((o) => o.code === code && !('raw' in o)) as OptionWithCode<C> | undefined;
}

/** The DHCP Message Type (option 53), or 0 for a plain BOOTP message. */
export function dhcpv4Type(m: Dhcpv4Message): number {
  return findDhcpv4Option(m.options, DHCPV4_OPTION.MESSAGE_TYPE)?.type ?? 0;
}

/** The first Router (option 3) address, or undefined. */
export function dhcpv4Router(m: Dhcpv4Message): string | undefined {
  return findDhcpv4Option(m.options, DHCPV4_OPTION.ROUTER)?.addresses[0];
}

/** One line: "DHCPv4 OFFER xid 0x1a2b3c4d chaddr 02:00:00:00:01:01 yiaddr 10.64.0.2 router 10.64.0.1 via 10.64.0.1". */
export function dhcpv4Summary(m: Dhcpv4Message): string {
  const type = dhcpv4Type(m);
  let s = `DHCPv4 ${type === 0 ? (m.op === BOOTREPLY ? 'BOOTREPLY' : 'BOOTREQUEST') : dhcpv4MessageName(type)} xid 0x${m.xid.toString(16).padStart(8, '0')} chaddr ${m.chaddr}`;
  if (m.yiaddr !== '0.0.0.0') s += ` yiaddr ${m.yiaddr}`;
  const router = dhcpv4Router(m);
  if (router !== undefined) s += ` router ${router}`;
  if (m.giaddr !== '0.0.0.0') s += ` via ${m.giaddr}`;
  return s;
}
