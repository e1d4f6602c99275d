// Constants of the two capture file formats, shared by the reader and the writer.
// Classic pcap: https://www.ietf.org/archive/id/draft-ietf-opsawg-pcap-04.html
// pcapng:       https://www.ietf.org/archive/id/draft-ietf-opsawg-pcapng-03.html

import {
  LINKTYPE_ETHERNET, LINKTYPE_IPV4, LINKTYPE_IPV6, LINKTYPE_LINUX_SLL, LINKTYPE_LINUX_SLL2, LINKTYPE_RAW,
} from '../../wire/link.js';

/**
 * The LINKTYPE_* values of wire/link.ts (which decodes them) as one object, for writing captures,
 * plus NULL (BSD loopback), which only a capture file names.
 */
export const LINKTYPE = {
  NULL: 0,
  ETHERNET: LINKTYPE_ETHERNET,
  RAW: LINKTYPE_RAW,
  LINUX_SLL: LINKTYPE_LINUX_SLL,
  IPV4: LINKTYPE_IPV4,
  IPV6: LINKTYPE_IPV6,
  LINUX_SLL2: LINKTYPE_LINUX_SLL2,
} as const;

/** Classic pcap magic numbers, as read in the file's own byte order. */
export const PCAP_MAGIC_US = 0xa1b2c3d4;
export const PCAP_MAGIC_NS = 0xa1b23c4d;
export const PCAP_HEADER_LEN = 24;
export const PCAP_RECORD_HEADER_LEN = 16;
/** The link type is the low 26 bits; the top bits carry FCS information (LT_LINKTYPE in libpcap). */
export const PCAP_LINKTYPE_MASK = 0x03ffffff;

export const BLOCK = {
  SHB: 0x0a0d0d0a,
  IDB: 0x00000001,
  OPB: 0x00000002,
  SPB: 0x00000003,
  NRB: 0x00000004,
  ISB: 0x00000005,
  EPB: 0x00000006,
  DSB: 0x0000000a,
} as const;
export const BYTE_ORDER_MAGIC = 0x1a2b3c4d;

export const OPT = {
  END: 0,
  IF_NAME: 2,
  IF_DESCRIPTION: 3,
  IF_TSRESOL: 9,
  IF_TSOFFSET: 14,
} as const;

/** if_tsresol when the option is absent: microseconds. */
export const DEFAULT_TSRESOL = 6;
/** if_tsresol with this bit set is a power of two (2^-n), otherwise a power of ten (10^-n). */
export const TSRESOL_POW2 = 0x80;

/** Largest record or block accepted; bigger lengths are taken as corruption, not as data to buffer. */
export const MAX_RECORD_LEN = 64 * 1024 * 1024;

export function pad4(n: number): number {
  return (n + 3) & ~3;
}
