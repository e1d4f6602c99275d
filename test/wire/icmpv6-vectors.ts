// ICMPv6 vectors shared by the ICMPv6 and frame tests, written field by field (RFC 4443, 4861,
// 4191, 8106). Checksums were computed independently (Python) over the pseudo-header of src/dst.

export const MN_LL = 'fe80::ff:fe00:1';          // EUI-64 of 02:00:00:00:00:01
export const MAG_LL = 'fe80::200:5eff:fe00:5213'; // RFC 6543 fixed MAG link-local

export interface Vector { name: string; src: string; dst: string; hex: string }

export const RS: Vector = {
  name: 'RS', src: MN_LL, dst: 'ff02::2', hex: [
    '85 00',              // type 133, code 0
    '7b2c',               // checksum
    '00000000',           // reserved
    '01 01 020000000001', // SLLA (length 1 = 8 octets) 02:00:00:00:00:01
  ].join(''),
};

export const RA: Vector = {
  name: 'RA', src: MAG_LL, dst: 'ff02::1', hex: [
    '86 00',    // type 134, code 0
    '9b0c',     // checksum
    '40',       // cur hop limit 64
    '48',       // flags: O (0x40), Prf high (01 << 3)
    '0708',     // router lifetime 1800
    '00000000', // reachable time
    '00000000', // retrans timer
    '01 01 00005e005213',  // SLLA 00:00:5e:00:52:13
    '05 01 0000 000005b4', // MTU 1460
    '03 04 40 c0 00015180 00003840 00000000 20010db800aa00000000000000000000', // PIO /64, L A, valid 86400, pref 14400, 2001:db8:aa::
    '18 02 30 00 00000e10 20010db800ff0000', // Route Information: /48, Prf medium, lifetime 3600, 8 prefix octets
    '19 03 0000 00000258 20010db8000100000000000000000053', // RDNSS: lifetime 600, 2001:db8:1::53
    '1f 03 0000 00000258 076578616d706c6503636f6d00 000000', // DNSSL: lifetime 600, "example.com", padding
    '0e 01 aabbccddeeff',  // option 14 (Nonce), kept raw
  ].join(''),
};

export const NS: Vector = {
  name: 'NS', src: MN_LL, dst: 'ff02::1:ff00:5213', hex: [
    '87 00 7874',         // type 135, code 0, checksum
    '00000000',           // reserved
    'fe80000000000000 02005efffe005213', // target fe80::200:5eff:fe00:5213
    '01 01 020000000001', // SLLA
  ].join(''),
};

export const NA: Vector = {
  name: 'NA', src: MAG_LL, dst: MN_LL, hex: [
    '88 00 88e4',         // type 136, code 0, checksum
    'e0000000',           // R S O, reserved 0
    'fe80000000000000 02005efffe005213', // target
    '02 01 00005e005213', // TLLA
  ].join(''),
};

export const REDIRECT: Vector = {
  name: 'redirect', src: MAG_LL, dst: MN_LL, hex: [
    '89 00 3513',         // type 137, code 0, checksum
    '00000000',           // reserved
    'fe80000000000000 02005efffe005213', // target (the better first hop)
    '20010db800ff00000000000000000001',  // destination 2001:db8:ff::1
    '02 01 00005e005213', // TLLA
    '04 01 000000000000', // Redirected Header, 6 reserved octets, no packet
  ].join(''),
};

export const ECHO: Vector = {
  name: 'echo', src: '2001:db8:aa::5', dst: '2001:db8:ff::1', hex: [
    '80 00 5dcd', // echo request, checksum
    '0001 0003',  // id 1, seq 3
    '61626364',   // data "abcd"
  ].join(''),
};

/** First 48 octets of the packet that caused the error: IPv6 header + echo request header. */
export const INVOKING = [
  '60000000 0578 3a 3f',              // IPv6, payload length 1400, ICMPv6, hop limit 63
  '20010db800aa00000000000000000005', // src 2001:db8:aa::5
  '20010db800ff00000000000000000001', // dst 2001:db8:ff::1
  '80 00 1234 0001 0003',             // echo request id 1 seq 3 (rest not included)
].join('');

export const ERRORS: Vector[] = [
  { name: 'PTB', src: '2001:db8:1::1', dst: '2001:db8:aa::5', hex: '02 00 0d59 00000500' + INVOKING }, // MTU 1280
  { name: 'DU', src: '2001:db8:1::1', dst: '2001:db8:aa::5', hex: '01 04 1355 00000000' + INVOKING },  // port unreachable
  { name: 'TE', src: '2001:db8:1::1', dst: '2001:db8:aa::5', hex: '03 00 1159 00000000' + INVOKING },  // hop limit exceeded
  { name: 'PP', src: '2001:db8:1::1', dst: '2001:db8:aa::5', hex: '04 01 1030 00000028' + INVOKING },  // next header, pointer 40
];

export const MLD: Vector[] = [
  { name: 'MLD report', src: MN_LL, dst: 'ff02::1:ff00:1', hex: '83 00 831f 0000 0000 ff0200000000000000000001ff000001' },
  // MLDv2 query: max response 10000 ms, general, then S/QRV 2, QQIC 125, 0 sources
  { name: 'MLD query', src: MAG_LL, dst: 'ff02::1', hex: '82 00 a583 2710 0000 00000000000000000000000000000000 02 7d 0000' },
  // MLDv2 report with one record: type 4 (CHANGE_TO_EXCLUDE), aux 0, 0 sources, group
  { name: 'MLDv2 report', src: MN_LL, dst: 'ff02::16', hex: '8f 00 7207 0000 0001 04 00 0000 ff0200000000000000000001ff000001' },
];
