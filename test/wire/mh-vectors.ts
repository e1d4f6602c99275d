// Mobility Header test vectors, written by hand from the RFC layouts (catalog A.1-A.8).
// Each line is one field or one option; the comment gives the MH offset and the meaning.

import { fromHex } from '../../wire/bytes.js';

const hex = (lines: string[]): string => lines.join('').replace(/\s+/g, '');
export const bytesOf = (h: string): Uint8Array => fromHex(h);

/** Addresses the PBU checksum below was computed for (pCoA -> LMAA). */
export const PBU_SRC = '2001:db8:0:1::1';
export const PBU_DST = '2001:db8:0:2::1';
/** Internet checksum of PBU over the pseudo-header of PBU_SRC/PBU_DST (computed independently in Python). */
export const PBU_CHECKSUM = 0xdb87;

/** The catalog A.8 initial PBU, 104 octets, every option at its A.8 offset. */
export const PBU = hex([
  '3b',                                          // 0  Payload Proto 59
  '0c',                                          // 1  Header Len 12 -> 104 octets
  '05',                                          // 2  MH Type 5 (BU)
  '00',                                          // 3  Reserved
  'db87',                                        // 4  Checksum
  '002a',                                        // 6  Sequence 42
  'c200',                                        // 8  Flags A (0x8000) H (0x4000) P (0x0200)
  '0096',                                        // 10 Lifetime 150 units = 600 s
  '16 12 00 00 00000000000000000000000000000000', // 12 HNP: type 22, len 18, reserved, plen 0, ::
  '17 02 00 01',                                 // 32 Handoff Indicator: reserved, HI 1
  '18 02 00 03',                                 // 36 Access Technology Type: reserved, ATT 3 (802.3)
  '08 10 01 6d6e31406578616d706c652e636f6d',     // 40 MN-ID: len 16, subtype 1 (NAI), "mn1@example.com"
  '1b 08 00006553f100 8000',                     // 58 Timestamp: 1700000000 s + 0x8000/65536 s (.5 s)
  '01 00',                                       // 68 PadN, len 0
  '1a 10 fe80000000000000 02005efffe005213',     // 70 Link-local Address fe80::200:5eff:fe00:5213
  '19 08 0000 020000000001',                     // 88 MN-LL-ID: reserved 16, MAC 02:00:00:00:00:01
  '01 04 00000000',                              // 98 PadN, len 4 -> ends at 104
]);

/** PBA with a non-NAI MN-ID, Pad1 and the RFC 5844/5845 options; 72 octets. */
export const PBA = hex([
  '3b 08 06 00 0000',                            // 0  proto 59, Header Len 8 (72), type 6, reserved, checksum 0
  '00',                                          // 6  Status 0 (accepted)
  '20',                                          // 7  Flags P (0x20)
  '002a',                                        // 8  Sequence 42
  '0096',                                        // 10 Lifetime 150 units
  '16 12 00 40 20010db8000100000000000000000000', // 12 HNP 2001:db8:1::/64
  '08 09 03 21436587092143f5',                   // 32 MN-ID: len 9, subtype 3 (IMSI), 8 octets
  '00',                                          // 43 Pad1
  '21 06 0000 00000064',                         // 44 GRE Key: reserved, key 100
  '25 06 00 60 c000020a',                        // 52 IPv4 HoA Reply: status 0, plen 24 (0x60 >> 2), 192.0.2.10
  '26 06 0000 c0000201',                         // 60 IPv4 Default Router: reserved, 192.0.2.1
  '27 02 0001',                                  // 68 IPv4 DHCP Support Mode: S = 1 -> ends at 72
]);

/** Plain (non-proxy) BA rejecting with 135, a reserved flag bit set, Binding Refresh Advice. */
export const BA = hex([
  '3b 01 06 00 0000',                            // 0  Header Len 1 (16), type 6
  '87',                                          // 6  Status 135 (sequence number out of window)
  '81',                                          // 7  Flags K (0x80) + reserved low bit
  '0007',                                        // 8  Sequence 7
  '0000',                                        // 10 Lifetime 0
  '02 02 0005',                                  // 12 Binding Refresh Advice: interval 5 -> ends at 16
]);

/** MIPv6 BU with every flag except P plus reserved bits 0x5, Alternate CoA and Vendor-Specific. */
export const BU = hex([
  '3b 05 05 00 0000',                            // 0  Header Len 5 (48), type 5
  '0001',                                        // 6  Sequence 1
  'fdf5',                                        // 8  A H L K M R . F T B S D + reserved 0101
  '0004',                                        // 10 Lifetime 4 units = 16 s
  '01 00',                                       // 12 PadN len 0 (puts Alt-CoA at 8n+6)
  '03 10 20010db8 00000000 00000000 0000abcd',   // 14 Alternate CoA 2001:db8::abcd
  '13 07 00001234 01 abcd',                      // 32 Vendor-Specific: vendor 0x1234, subtype 1, data abcd
  '01 05 0102030405',                            // 41 PadN len 5 with non-zero contents -> ends at 48
]);

/** Binding Error, status 2 (unrecognised MH type). */
export const BE = hex([
  '3b 02 07 00 0000',                            // 0  Header Len 2 (24), type 7
  '02',                                          // 6  Status 2
  '00',                                          // 7  Reserved
  '20010db8000000000000000000000099',            // 8  Home Address 2001:db8::99
]);

export const HEARTBEAT_REQUEST = hex([
  '3b 01 0d 00 0000',                            // 0  Header Len 1 (16), type 13
  '0000',                                        // 6  Reserved, U = 0, R = 0 (request)
  '00000005',                                    // 8  Sequence 5 (32 bits)
  '01 02 0000',                                  // 12 PadN len 2 -> ends at 16
]);

export const HEARTBEAT_RESPONSE = hex([
  '3b 02 0d 00 0000',                            // 0  Header Len 2 (24), type 13
  '0003',                                        // 6  U (0x02) and R (0x01)
  'fffffffe',                                    // 8  Sequence 4294967294
  '01 00',                                       // 12 PadN len 0
  '1c 04 0000000a',                              // 14 Restart Counter 10 (4n+2)
  '01 02 0000',                                  // 20 PadN len 2 -> ends at 24
]);

export const BRI = hex([
  '3b 06 10 00 0000',                            // 0  Header Len 6 (56), type 16
  '01',                                          // 6  B.R. Type 1 (BRI)
  '03',                                          // 7  Trigger 3 (inter-MAG handover, different access type)
  '0009',                                        // 8  Sequence 9
  '8000',                                        // 10 P flag
  '08 08 01 6d6e32406c6d61',                     // 12 MN-ID NAI "mn2@lma"
  '01 04 00000000',                              // 22 PadN len 4
  '16 12 00 40 20010db8000100000000000000000000', // 28 HNP 2001:db8:1::/64
  '24 06 80 00 c0000263',                        // 48 IPv4 HoA Request: plen 32 (0x80 >> 2), 192.0.2.99 -> 56
]);

export const BRA = hex([
  '3b 01 10 00 0000',                            // 0  Header Len 1 (16), type 16
  '02',                                          // 6  B.R. Type 2 (BRA)
  '00',                                          // 7  Status 0 (success)
  '0009',                                        // 8  Sequence 9
  '8000',                                        // 10 P flag
  '21 02 0000',                                  // 12 GRE Key option without a key -> ends at 16
]);

export const BR_OTHER = hex([
  '3b 01 10 00 0000',                            // 0  type 16
  '03',                                          // 6  B.R. Type 3 (not defined by RFC 5846)
  '07',                                          // 7  code 7
  '0001',                                        // 8  Sequence 1
  '2001',                                        // 10 G flag (0x2000) + reserved 1
  '01 02 0000',                                  // 12 PadN len 2
]);

export const UPN = hex([
  '3b 02 13 00 0000',                            // 0  Header Len 2 (24), type 19
  '000b',                                        // 6  Sequence 11
  '01',                                          // 8  Notification Reason 1 (FORCE-REREGISTRATION), 8-bit reading
  '40',                                          // 9  A (0x80) clear, D (0x40) set
  '0000',                                        // 10 Reserved
  '32 06 01 00 00000001',                        // 12 MN Group Identifier: subtype 1, reserved, group 1
  '01 02 0000',                                  // 20 PadN len 2 -> ends at 24
]);

export const UPA = hex([
  '3b 01 14 00 0000',                            // 0  Header Len 1 (16), type 20
  '000b',                                        // 6  Sequence 11
  '80',                                          // 8  Status 128
  '000000',                                      // 9  Reserved
  'fa 02 abcd',                                  // 12 unknown option 250, len 2 -> ends at 16
]);

export const BRR = hex([
  '3b 00 00 00 0000',                            // 0  Header Len 0 (8), type 0
  '0000',                                        // 6  Reserved
]);

export const HOTI = hex([
  '3b 01 01 00 0000',                            // 0  Header Len 1 (16), type 1
  '0000',                                        // 6  Reserved
  '0102030405060708',                            // 8  Home Init Cookie
]);

export const UNKNOWN_200 = hex([
  '3b 01 c8 00 0000',                            // 0  Header Len 1 (16), type 200 (unassigned)
  '00112233445566778899',                        // 6  opaque
]);

export const FBU = hex([
  '3b 01 08 00 0000',                            // 0  type 8 (Fast Binding Update), kept opaque
  '00112233445566778899',                        // 6
]);

/** Every vector, for the round-trip test. */
export const ALL_VECTORS: Readonly<Record<string, string>> = {
  PBU, PBA, BA, BU, BE, HEARTBEAT_REQUEST, HEARTBEAT_RESPONSE, BRI, BRA, BR_OTHER, UPN, UPA, BRR, HOTI,
  UNKNOWN_200, FBU,
};
