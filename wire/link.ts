// Link layers of the captures the harness reads: Ethernet II with 802.1Q/802.1ad tags, Linux
// cooked capture v1 and v2 (what `tcpdump -i any` writes), raw IP, plus ARP minimally.
import { formatMac, fromHex, parseIpv4, parseMac, toHex } from './bytes.js';
import { ipv4Text, macText } from './intern.js';

// pcap LINKTYPE_* values (tcpdump.org/linktypes.html). 12 and 14 are the DLT_RAW values some
// systems wrote into pcap files before LINKTYPE_RAW (101) existed; they mean raw IP too.
export const LINKTYPE_ETHERNET = 1;
export const LINKTYPE_RAW = 101;
export const LINKTYPE_DLT_RAW_12 = 12;
export const LINKTYPE_DLT_RAW_14 = 14;
export const LINKTYPE_LINUX_SLL = 113;
export const LINKTYPE_IPV4 = 228;
export const LINKTYPE_IPV6 = 229;
export const LINKTYPE_LINUX_SLL2 = 276;

export const ETHERTYPE_IPV4 = 0x0800;
export const ETHERTYPE_ARP = 0x0806;
export const ETHERTYPE_VLAN = 0x8100;
export const ETHERTYPE_QINQ = 0x88a8;
/** Pre-802.1ad vendor QinQ outer tag, still seen on switches. */
export const ETHERTYPE_QINQ_OLD = 0x9100;
export const ETHERTYPE_IPV6 = 0x86dd;

export const ETHERNET_HEADER_LENGTH = 14;
export const SLL_HEADER_LENGTH = 16;
export const SLL2_HEADER_LENGTH = 20;
export const ARPHRD_ETHER = 1;

export function linkTypeName(linkType: number): string {
  switch (linkType) {
    case LINKTYPE_ETHERNET: return 'ethernet';
    case LINKTYPE_RAW: case LINKTYPE_DLT_RAW_12: case LINKTYPE_DLT_RAW_14: return 'raw';
    case LINKTYPE_LINUX_SLL: return 'linux-sll';
    case LINKTYPE_LINUX_SLL2: return 'linux-sll2';
    case LINKTYPE_IPV4: return 'ipv4';
    case LINKTYPE_IPV6: return 'ipv6';
    default: return `linktype-${linkType}`;
  }
}

export function ethertypeName(ethertype: number): string {
  switch (ethertype) {
    case ETHERTYPE_IPV4: return 'ipv4';
    case ETHERTYPE_ARP: return 'arp';
    case ETHERTYPE_IPV6: return 'ipv6';
    case ETHERTYPE_VLAN: return '802.1q';
    case ETHERTYPE_QINQ: case ETHERTYPE_QINQ_OLD: return '802.1ad';
    default: return `0x${ethertype.toString(16).padStart(4, '0')}`;
  }
}

function isVlanTpid(t: number): boolean {
  return t === ETHERTYPE_VLAN || t === ETHERTYPE_QINQ || t === ETHERTYPE_QINQ_OLD;
}

/** Address text and round-trip form of bytes: strings for JSON, Uint8Array accepted when building. */
export type MacLike = string | Uint8Array;

function macBytes(a: MacLike): Uint8Array {
  return typeof a === 'string' ? parseMac(a) : a;
}

// ---------------------------------------------------------------------------------------------
// Ethernet II

export interface VlanTag {
  /** The TPID that introduced this tag: 0x8100 (802.1Q), 0x88a8 (802.1ad) or 0x9100. */
  tpid: number;
  pcp: number;
  dei: boolean;
  vid: number;
}

export interface EthernetHeader {
  kind: 'ethernet';
  dst: string;
  src: string;
  /** Tags outermost first; empty (a shared frozen array) when untagged. */
  vlans: readonly VlanTag[];
  /** The EtherType after the tags (a value below 0x0600 is an 802.3 length). */
  ethertype: number;
  /** Header octets including tags. */
  length: number;
}

export interface EthernetSpec {
  dst: MacLike;
  src: MacLike;
  vlans?: readonly { tpid?: number; pcp?: number; dei?: boolean; vid: number }[];
  ethertype: number;
}

const NO_VLANS: readonly VlanTag[] = Object.freeze([]);

/** Null when the header (with its tags) is not all captured. */
export function decodeEthernet(buf: Uint8Array, off: number, len: number): EthernetHeader | null {
  if (len < ETHERNET_HEADER_LENGTH) return null;
  let p = off + 12;
  let ethertype = (buf[p]! << 8) | buf[p + 1]!;
  let vlans = NO_VLANS;
  if (isVlanTpid(ethertype)) {
    const tags: VlanTag[] = [];
    while (isVlanTpid(ethertype)) {
      if (p + 6 > off + len) return null;
      const tci = (buf[p + 2]! << 8) | buf[p + 3]!;
      tags.push({ tpid: ethertype, pcp: tci >> 13, dei: (tci & 0x1000) !== 0, vid: tci & 0xfff });
      p += 4;
      ethertype = (buf[p]! << 8) | buf[p + 1]!;
    }
    vlans = tags;
  }
  return { kind: 'ethernet', dst: macText(buf, off), src: macText(buf, off + 6), vlans, ethertype, length: p + 2 - off };
}

export function encodeEthernet(h: EthernetSpec, payload: Uint8Array): Uint8Array {
  const vlans = h.vlans ?? [];
  const hl = ETHERNET_HEADER_LENGTH + 4 * vlans.length;
  const out = new Uint8Array(hl + payload.length);
  out.set(macBytes(h.dst).subarray(0, 6), 0);
  out.set(macBytes(h.src).subarray(0, 6), 6);
  let p = 12;
  for (const v of vlans) {
    const tpid = v.tpid ?? ETHERTYPE_VLAN;
    const tci = ((v.pcp ?? 0) << 13) | (v.dei ? 0x1000 : 0) | (v.vid & 0xfff);
    out[p] = tpid >> 8; out[p + 1] = tpid & 0xff; out[p + 2] = tci >> 8; out[p + 3] = tci & 0xff;
    p += 4;
  }
  out[p] = h.ethertype >> 8; out[p + 1] = h.ethertype & 0xff;
  out.set(payload, hl);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Linux cooked capture (SLL, SLL2): https://www.tcpdump.org/linktypes/LINKTYPE_LINUX_SLL.html

const PACKET_TYPE_NAMES = ['host', 'broadcast', 'multicast', 'otherhost', 'outgoing'];

function packetTypeName(t: number): string {
  return PACKET_TYPE_NAMES[t] ?? `type-${t}`;
}

/** The 8-octet address field: the first `addressLength` octets (at most 8) are the address. */
function sllAddress(buf: Uint8Array, off: number, addressLength: number): string {
  return addressLength === 6 ? macText(buf, off) : formatMac(buf, off, Math.min(addressLength, 8));
}

/** Hex of the octets after the address in the 8-octet field, or undefined when all are zero. */
function sllAddressPad(buf: Uint8Array, off: number, addressLength: number): string | undefined {
  for (let i = addressLength; i < 8; i++) if (buf[off + i] !== 0) return toHex(buf, off + addressLength, 8 - addressLength);
  return undefined;
}

function writeSllAddress(out: Uint8Array, off: number, address: MacLike, pad: string | undefined): number {
  const a = macBytes(address).subarray(0, 8);
  out.set(a, off);
  if (pad !== undefined) out.set(fromHex(pad).subarray(0, 8 - a.length), off + a.length);
  return a.length;
}

export interface SllHeader {
  kind: 'sll';
  /** 0 to us, 1 broadcast, 2 multicast, 3 to someone else, 4 sent by us. */
  packetType: number;
  packetTypeName: string;
  /** ARPHRD_* type of the interface (1 = Ethernet). */
  arphrd: number;
  /** As captured; may exceed 8, of which only 8 octets are present. */
  addressLength: number;
  address: string;
  /** Non-zero octets after the address in its 8-octet field, hex (kept for byte-exact encoding). */
  addressPad?: string;
  /** EtherType of the payload. */
  protocol: number;
  length: number;
}

export interface SllSpec {
  packetType: number;
  arphrd?: number;
  addressLength?: number;
  address: MacLike;
  addressPad?: string;
  protocol: number;
}

export function decodeSll(buf: Uint8Array, off: number, len: number): SllHeader | null {
  if (len < SLL_HEADER_LENGTH) return null;
  const packetType = (buf[off]! << 8) | buf[off + 1]!;
  const addressLength = (buf[off + 4]! << 8) | buf[off + 5]!;
  const h: SllHeader = {
    kind: 'sll', packetType, packetTypeName: packetTypeName(packetType),
    arphrd: (buf[off + 2]! << 8) | buf[off + 3]!, addressLength,
    address: sllAddress(buf, off + 6, addressLength),
    protocol: (buf[off + 14]! << 8) | buf[off + 15]!, length: SLL_HEADER_LENGTH,
  };
  const pad = sllAddressPad(buf, off + 6, addressLength);
  if (pad !== undefined) h.addressPad = pad;
  return h;
}

export function encodeSll(h: SllSpec, payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(SLL_HEADER_LENGTH + payload.length);
  const arphrd = h.arphrd ?? ARPHRD_ETHER;
  out[0] = h.packetType >> 8; out[1] = h.packetType & 0xff;
  out[2] = arphrd >> 8; out[3] = arphrd & 0xff;
  const written = writeSllAddress(out, 6, h.address, h.addressPad);
  const al = h.addressLength ?? written;
  out[4] = al >> 8; out[5] = al & 0xff;
  out[14] = h.protocol >> 8; out[15] = h.protocol & 0xff;
  out.set(payload, SLL_HEADER_LENGTH);
  return out;
}

export interface Sll2Header {
  kind: 'sll2';
  protocol: number;
  /** Must be zero; present only when it is not. */
  reserved?: number;
  interfaceIndex: number;
  arphrd: number;
  packetType: number;
  packetTypeName: string;
  addressLength: number;
  address: string;
  addressPad?: string;
  length: number;
}

export interface Sll2Spec {
  protocol: number;
  reserved?: number;
  interfaceIndex: number;
  arphrd?: number;
  packetType: number;
  addressLength?: number;
  address: MacLike;
  addressPad?: string;
}

export function decodeSll2(buf: Uint8Array, off: number, len: number): Sll2Header | null {
  if (len < SLL2_HEADER_LENGTH) return null;
  const packetType = buf[off + 10]!;
  const addressLength = buf[off + 11]!;
  const reserved = (buf[off + 2]! << 8) | buf[off + 3]!;
  const h: Sll2Header = {
    kind: 'sll2', protocol: (buf[off]! << 8) | buf[off + 1]!,
    interfaceIndex: ((buf[off + 4]! << 24) | (buf[off + 5]! << 16) | (buf[off + 6]! << 8) | buf[off + 7]!) >>> 0,
    arphrd: (buf[off + 8]! << 8) | buf[off + 9]!, packetType, packetTypeName: packetTypeName(packetType),
    addressLength, address: sllAddress(buf, off + 12, addressLength), length: SLL2_HEADER_LENGTH,
  };
  if (reserved !== 0) h.reserved = reserved;
  const pad = sllAddressPad(buf, off + 12, addressLength);
  if (pad !== undefined) h.addressPad = pad;
  return h;
}

export function encodeSll2(h: Sll2Spec, payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(SLL2_HEADER_LENGTH + payload.length);
  const dv = new DataView(out.buffer);
  dv.setUint16(0, h.protocol);
  dv.setUint16(2, h.reserved ?? 0);
  dv.setUint32(4, h.interfaceIndex);
  dv.setUint16(8, h.arphrd ?? ARPHRD_ETHER);
  out[10] = h.packetType;
  const written = writeSllAddress(out, 12, h.address, h.addressPad);
  out[11] = h.addressLength ?? written;
  out.set(payload, SLL2_HEADER_LENGTH);
  return out;
}

export type LinkHeader = EthernetHeader | SllHeader | Sll2Header;

// ---------------------------------------------------------------------------------------------
// ARP (RFC 826): decoded for Ethernet/IPv4, which is all PMIPv6 access links use (RFC 5844 MAGs
// answer ARP for the IPv4 default router); other hardware/protocol pairs keep their body raw.

export const ARP_HEADER_LENGTH = 8;

export interface ArpPacket {
  hardwareType: number;
  protocolType: number;
  hardwareLength: number;
  protocolLength: number;
  operation: number;
  name: string;
  senderMac?: string;
  senderIp?: string;
  targetMac?: string;
  targetIp?: string;
  /** Addresses of a non-Ethernet/IPv4 ARP, hex. */
  data?: string;
}

export type ArpSpec = Omit<ArpPacket, 'name' | 'hardwareType' | 'protocolType' | 'hardwareLength' | 'protocolLength'>
  & Partial<Pick<ArpPacket, 'hardwareType' | 'protocolType' | 'hardwareLength' | 'protocolLength'>>;

const ARP_OPERATIONS = ['reserved', 'request', 'reply', 'rarp-request', 'rarp-reply'];

function isEthernetIpv4Arp(ht: number, pt: number, hl: number, pl: number): boolean {
  return ht === ARPHRD_ETHER && pt === ETHERTYPE_IPV4 && hl === 6 && pl === 4;
}

/** Null when the fixed part or the addresses it announces are not all captured. */
export function decodeArp(buf: Uint8Array, off: number, len: number): ArpPacket | null {
  if (len < ARP_HEADER_LENGTH) return null;
  const hardwareType = (buf[off]! << 8) | buf[off + 1]!;
  const protocolType = (buf[off + 2]! << 8) | buf[off + 3]!;
  const hardwareLength = buf[off + 4]!;
  const protocolLength = buf[off + 5]!;
  const operation = (buf[off + 6]! << 8) | buf[off + 7]!;
  const body = 2 * (hardwareLength + protocolLength);
  if (len < ARP_HEADER_LENGTH + body) return null;
  const a: ArpPacket = {
    hardwareType, protocolType, hardwareLength, protocolLength, operation,
    name: ARP_OPERATIONS[operation] ?? `operation-${operation}`,
  };
  const p = off + ARP_HEADER_LENGTH;
  if (isEthernetIpv4Arp(hardwareType, protocolType, hardwareLength, protocolLength)) {
    a.senderMac = macText(buf, p);
    a.senderIp = ipv4Text(buf, p + 6);
    a.targetMac = macText(buf, p + 10);
    a.targetIp = ipv4Text(buf, p + 16);
  } else {
    a.data = toHex(buf, p, body);
  }
  return a;
}

export function encodeArp(a: ArpSpec): Uint8Array {
  const ht = a.hardwareType ?? ARPHRD_ETHER, pt = a.protocolType ?? ETHERTYPE_IPV4;
  const hl = a.hardwareLength ?? 6, pl = a.protocolLength ?? 4;
  const out = new Uint8Array(ARP_HEADER_LENGTH + 2 * (hl + pl));
  const dv = new DataView(out.buffer);
  dv.setUint16(0, ht); dv.setUint16(2, pt); out[4] = hl; out[5] = pl; dv.setUint16(6, a.operation);
  if (a.data !== undefined) {
    out.set(fromHex(a.data), ARP_HEADER_LENGTH);
  } else if (isEthernetIpv4Arp(ht, pt, hl, pl)) {
    out.set(parseMac(a.senderMac ?? '00:00:00:00:00:00'), 8);
    out.set(parseIpv4(a.senderIp ?? '0.0.0.0'), 14);
    out.set(parseMac(a.targetMac ?? '00:00:00:00:00:00'), 18);
    out.set(parseIpv4(a.targetIp ?? '0.0.0.0'), 24);
  }
  return out;
}
