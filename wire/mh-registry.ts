// Code points of the Mobility Header (IANA "Mobile IPv6 parameters"; catalog A.2, A.7, A.9, A.10).
// Each registry is written once as a name -> value `*_CODE` object (for code that crafts messages)
// and derived as a value -> name table (for decoders and reports).

/** Any octet value: lets the message union discriminate exactly on `type`. */
type Enumerate<N extends number, Acc extends number[] = []> =
  Acc['length'] extends N ? Acc[number] : Enumerate<N, [...Acc, Acc['length']]>;
export type Octet = Enumerate<256>;

export const MH_TYPE = {
  BRR: 0, HOTI: 1, COTI: 2, HOT: 3, COT: 4, BU: 5, BA: 6, BE: 7,
  FBU: 8, FBACK: 9, FNA: 10, EMH: 11, HAS: 12, HEARTBEAT: 13, HI: 14, HACK: 15,
  BINDING_REVOCATION: 16, LRI: 17, LRA: 18, UPN: 19, UPA: 20,
  FLOW_BINDING: 21, SUBSCRIPTION_QUERY: 22, SUBSCRIPTION_RESPONSE: 23,
} as const;

/** Short message names. BU/BA/Binding Revocation get their final name from flags or B.R. Type. */
export const MH_TYPE_NAME: Readonly<Record<number, string>> = {
  0: 'BRR', 1: 'HoTI', 2: 'CoTI', 3: 'HoT', 4: 'CoT', 5: 'BU', 6: 'BA', 7: 'BE',
  8: 'FBU', 9: 'FBack', 10: 'FNA', 11: 'EMH', 12: 'HAS', 13: 'Heartbeat', 14: 'HI', 15: 'HAck',
  16: 'BR', 17: 'LRI', 18: 'LRA', 19: 'UPN', 20: 'UPA',
  21: 'FlowBinding', 22: 'SubscriptionQuery', 23: 'SubscriptionResponse',
};

export const BINDING_REVOCATION_TYPE = { BRI: 1, BRA: 2 } as const;

export const MH_OPTION = {
  PAD1: 0, PADN: 1, BINDING_REFRESH_ADVICE: 2, ALTERNATE_COA: 3, NONCE_INDICES: 4,
  AUTHORIZATION_DATA: 5, MOBILE_NETWORK_PREFIX: 6, MH_LINK_LAYER_ADDRESS: 7, MN_ID: 8,
  AUTH: 9, MESG_ID: 10, CGA_PARAMETERS_REQUEST: 11, CGA_PARAMETERS: 12, SIGNATURE: 13,
  PERMANENT_HOME_KEYGEN_TOKEN: 14, CARE_OF_TEST_INIT: 15, CARE_OF_TEST: 16, DNS_UPDATE: 17,
  EXPERIMENTAL: 18, VENDOR_SPECIFIC: 19, SERVICE_SELECTION: 20, BADF: 21,
  HOME_NETWORK_PREFIX: 22, HANDOFF_INDICATOR: 23, ACCESS_TECHNOLOGY_TYPE: 24,
  MN_LINK_LAYER_ID: 25, LINK_LOCAL_ADDRESS: 26, TIMESTAMP: 27, RESTART_COUNTER: 28,
  IPV4_HOME_ADDRESS: 29, IPV4_ADDRESS_ACK: 30, NAT_DETECTION: 31, IPV4_COA: 32, GRE_KEY: 33,
  MH_IPV6_ADDRESS_PREFIX: 34, BINDING_ID: 35, IPV4_HOA_REQUEST: 36, IPV4_HOA_REPLY: 37,
  IPV4_DEFAULT_ROUTER: 38, IPV4_DHCP_SUPPORT_MODE: 39, CONTEXT_REQUEST: 40, LMA_ADDRESS: 41,
  MN_LINK_LOCAL_IID: 42, TRANSIENT_BINDING: 43, FLOW_SUMMARY: 44, FLOW_ID: 45,
  REDIRECT_CAPABILITY: 46, REDIRECT: 47, LOAD_INFORMATION: 48, ALTERNATE_IPV4_COA: 49,
  MN_GROUP_ID: 50, MAG_IPV6_ADDRESS: 51, ACCESS_NETWORK_ID: 52, DELEGATED_MNP: 55,
  IPV4_TRAFFIC_OFFLOAD_SELECTOR: 53,
} as const;

export const MH_OPTION_NAME: Readonly<Record<number, string>> = {
  0: 'Pad1', 1: 'PadN', 2: 'Binding Refresh Advice', 3: 'Alternate Care-of Address',
  4: 'Nonce Indices', 5: 'Authorization Data', 6: 'Mobile Network Prefix',
  7: 'Mobility Header Link-Layer Address', 8: 'Mobile Node Identifier', 9: 'AUTH', 10: 'MESG-ID',
  11: 'CGA Parameters Request', 12: 'CGA Parameters', 13: 'Signature',
  14: 'Permanent Home Keygen Token', 15: 'Care-of Test Init', 16: 'Care-of Test',
  17: 'DNS-UPDATE-TYPE', 18: 'Experimental', 19: 'Vendor Specific', 20: 'Service Selection',
  21: 'Binding Authorization Data for FMIPv6', 22: 'Home Network Prefix', 23: 'Handoff Indicator',
  24: 'Access Technology Type', 25: 'Mobile Node Link-layer Identifier', 26: 'Link-local Address',
  27: 'Timestamp', 28: 'Restart Counter', 29: 'IPv4 Home Address', 30: 'IPv4 Address Acknowledgement',
  31: 'NAT Detection', 32: 'IPv4 Care-of Address', 33: 'GRE Key',
  34: 'Mobility Header IPv6 Address/Prefix', 35: 'Binding Identifier', 36: 'IPv4 Home Address Request',
  37: 'IPv4 Home Address Reply', 38: 'IPv4 Default-Router Address', 39: 'IPv4 DHCP Support Mode',
  40: 'Context Request', 41: 'Local Mobility Anchor Address',
  42: 'Mobile Node Link-local Address Interface Identifier', 43: 'Transient Binding',
  44: 'Flow Summary', 45: 'Flow Identification', 46: 'Redirect-Capability', 47: 'Redirect',
  48: 'Load Information', 49: 'Alternate IPv4 Care-of Address', 50: 'Mobile Node Group Identifier',
  51: 'MAG IPv6 Address', 52: 'Access Network Identifier', 55: 'Delegated Mobile Network Prefix',
  53: 'IPv4 Traffic Offload Selector',
};

/**
 * Alignment `xn+y` of an option's Type byte, counted from the start of the MH (catalog A.7, MH-10/11).
 * MN-LL-ID has "aligned for its size"; 8n is what implementations use for a MAC.
 */
export const OPTION_ALIGNMENT: Readonly<Record<number, { readonly x: number; readonly y: number }>> = {
  2: { x: 2, y: 0 },
  3: { x: 8, y: 6 },
  22: { x: 8, y: 4 },
  25: { x: 8, y: 0 },
  26: { x: 8, y: 6 },
  27: { x: 8, y: 2 },
  28: { x: 4, y: 2 },
  31: { x: 4, y: 0 },
  32: { x: 4, y: 0 },
  33: { x: 4, y: 0 },
  36: { x: 4, y: 0 },
  37: { x: 4, y: 0 },
  38: { x: 4, y: 0 },
  // RFC 6909 §3.1's figure puts Type at bit 16 of a word, so the M/Reserved word and the TS
  // sub-option start on 4n (inferred from the figure as PyPCAPKit reproduces it; see mh-options.ts).
  53: { x: 4, y: 2 },
};

export const BA_STATUS_CODE = {
  ACCEPTED: 0,
  ACCEPTED_PREFIX_DISCOVERY_NECESSARY: 1,
  GRE_KEY_OPTION_NOT_REQUIRED: 2,
  GRE_TUNNELING_BUT_TLV_HEADER_NOT_SUPPORTED: 3,
  MCOA_NOTCOMPLETE: 4,
  MCOA_RETURNHOME_WO_NDP: 5,
  PBU_ACCEPTED_TB_IGNORED_SETTINGSMISMATCH: 6,
  REASON_UNSPECIFIED: 128,
  ADMINISTRATIVELY_PROHIBITED: 129,
  INSUFFICIENT_RESOURCES: 130,
  HOME_REGISTRATION_NOT_SUPPORTED: 131,
  NOT_HOME_SUBNET: 132,
  NOT_HOME_AGENT_FOR_THIS_MOBILE_NODE: 133,
  DUPLICATE_ADDRESS_DETECTION_FAILED: 134,
  SEQUENCE_NUMBER_OUT_OF_WINDOW: 135,
  EXPIRED_HOME_NONCE_INDEX: 136,
  EXPIRED_CARE_OF_NONCE_INDEX: 137,
  EXPIRED_NONCES: 138,
  REGISTRATION_TYPE_CHANGE_DISALLOWED: 139,
  MOBILE_ROUTER_OPERATION_NOT_PERMITTED: 140,
  INVALID_PREFIX: 141,
  NOT_AUTHORIZED_FOR_PREFIX: 142,
  FORWARDING_SETUP_FAILED: 143,
  MIPV6_ID_MISMATCH: 144,
  MIPV6_MESG_ID_REQD: 145,
  MIPV6_AUTH_FAIL: 146,
  PERMANENT_HOME_KEYGEN_TOKEN_UNAVAILABLE: 147,
  CGA_AND_SIGNATURE_VERIFICATION_FAILED: 148,
  PERMANENT_HOME_KEYGEN_TOKEN_EXISTS: 149,
  NON_NULL_HOME_NONCE_INDEX_EXPECTED: 150,
  SERVICE_AUTHORIZATION_FAILED: 151,
  PROXY_REG_NOT_ENABLED: 152,
  NOT_LMA_FOR_THIS_MOBILE_NODE: 153,
  MAG_NOT_AUTHORIZED_FOR_PROXY_REG: 154,
  NOT_AUTHORIZED_FOR_HOME_NETWORK_PREFIX: 155,
  TIMESTAMP_MISMATCH: 156,
  TIMESTAMP_LOWER_THAN_PREV_ACCEPTED: 157,
  MISSING_HOME_NETWORK_PREFIX_OPTION: 158,
  BCE_PBU_PREFIX_SET_DO_NOT_MATCH: 159,
  MISSING_MN_IDENTIFIER_OPTION: 160,
  MISSING_HANDOFF_INDICATOR_OPTION: 161,
  MISSING_ACCESS_TECH_TYPE_OPTION: 162,
  GRE_KEY_OPTION_REQUIRED: 163,
  MCOA_MALFORMED: 164,
  MCOA_NON_MCOA_BINDING_EXISTS: 165,
  MCOA_PROHIBITED: 166,
  MCOA_UNKNOWN_COA: 167,
  MCOA_BULK_REGISTRATION_PROHIBITED: 168,
  MCOA_SIMULTANEOUS_HOME_AND_FOREIGN_PROHIBITED: 169,
  NOT_AUTHORIZED_FOR_IPV4_MOBILITY_SERVICE: 170,
  NOT_AUTHORIZED_FOR_IPV4_HOME_ADDRESS: 171,
  NOT_AUTHORIZED_FOR_IPV6_MOBILITY_SERVICE: 172,
  MULTIPLE_IPV4_HOME_ADDRESS_ASSIGNMENT_NOT_SUPPORTED: 173,
  INVALID_CARE_OF_ADDRESS: 174,
  INVALID_MOBILE_NODE_GROUP_IDENTIFIER: 175,
  REINIT_SA_WITH_HAC: 176,
  NOT_AUTHORIZED_FOR_DELEGATED_MNP: 177,
  REQUESTED_DMNP_IN_USE: 178,
  CANNOT_MEET_QOS_SERVICE_REQUEST: 179,
  CANNOT_SUPPORT_MULTIPATH_BINDING: 180,
} as const;

export const BE_STATUS_CODE = {
  UNKNOWN_BINDING_FOR_HOME_ADDRESS_DESTINATION_OPTION: 1,
  UNRECOGNIZED_MH_TYPE: 2,
} as const;

export const HANDOFF_INDICATOR_CODE = {
  RESERVED: 0,
  ATTACHMENT_OVER_NEW_INTERFACE: 1,
  HANDOFF_BETWEEN_INTERFACES: 2,
  HANDOFF_BETWEEN_MAGS: 3,
  HANDOFF_STATE_UNKNOWN: 4,
  HANDOFF_STATE_NOT_CHANGED: 5,
  ATTACHMENT_OVER_NEW_INTERFACE_SHARING_PREFIXES: 6,
} as const;

export const ACCESS_TECHNOLOGY_CODE = {
  RESERVED: 0, VIRTUAL: 1, PPP: 2, IEEE_802_3: 3, IEEE_802_11: 4, IEEE_802_16E: 5,
  GERAN: 6, UTRAN: 7, E_UTRAN: 8, EHRPD: 9, HRPD: 10, CDMA2000_1XRTT: 11, UMB: 12, NB_IOT: 13,
} as const;

export const MN_ID_SUBTYPE_CODE = {
  NAI: 1, IPV6_ADDRESS: 2, IMSI: 3, P_TMSI: 4, EUI_48: 5, EUI_64: 6, GUTI: 7, DUID: 8,
} as const;

export const IPV4_HOA_REPLY_STATUS_CODE = {
  SUCCESS: 0,
  FAILURE_REASON_UNSPECIFIED: 128,
  ADMINISTRATIVELY_PROHIBITED: 129,
  INCORRECT_IPV4_HOME_ADDRESS: 130,
  INVALID_IPV4_ADDRESS: 131,
  DYNAMIC_IPV4_HOME_ADDRESS_ASSIGNMENT_NOT_AVAILABLE: 132,
} as const;

export const BRI_TRIGGER_CODE = {
  UNSPECIFIED: 0,
  ADMINISTRATIVE_REASON: 1,
  INTER_MAG_HANDOVER_SAME_ACCESS_TYPE: 2,
  INTER_MAG_HANDOVER_DIFFERENT_ACCESS_TYPE: 3,
  INTER_MAG_HANDOVER_UNKNOWN: 4,
  USER_INITIATED_SESSION_TERMINATION: 5,
  ACCESS_NETWORK_SESSION_TERMINATION: 6,
  POSSIBLE_OUT_OF_SYNC_BCE_STATE: 7,
  PER_PEER_POLICY: 128,
  REVOKING_MOBILITY_NODE_LOCAL_POLICY: 129,
} as const;

export const BRA_STATUS_CODE = {
  SUCCESS: 0,
  PARTIAL_SUCCESS: 1,
  BINDING_DOES_NOT_EXIST: 128,
  IPV4_HOA_OPTION_REQUIRED: 129,
  GLOBAL_REVOCATION_NOT_AUTHORIZED: 130,
  REVOKED_MN_IDENTITY_REQUIRED: 131,
  REVOCATION_FAILED_MN_IS_ATTACHED: 132,
  REVOCATION_TRIGGER_NOT_SUPPORTED: 133,
  REVOCATION_FUNCTION_NOT_SUPPORTED: 134,
  PROXY_BINDING_REVOCATION_NOT_SUPPORTED: 135,
} as const;

export const UPN_REASON_CODE = {
  RESERVED: 0,
  FORCE_REREGISTRATION: 1,
  UPDATE_SESSION_PARAMETERS: 2,
  VENDOR_SPECIFIC_REASON: 3,
  ANI_PARAMS_REQUESTED: 4,
  QOS_SERVICE_REQUEST: 5,
  PGW_TRIGGERED_PCSCF_RESTORATION_PCO: 6,
  PGW_TRIGGERED_PCSCF_RESTORATION_DHCP: 7,
  FLOW_MOBILITY: 8,
} as const;

export const UPA_STATUS_CODE = {
  SUCCESS: 0,
  FAILED_TO_UPDATE_SESSION_PARAMETERS: 128,
  MISSING_VENDOR_SPECIFIC_OPTION: 129,
  CANNOT_MEET_QOS_SERVICE_REQUEST: 130,
  REASON_UNSPECIFIED: 131,
  MN_NOT_ATTACHED: 132,
} as const;

function namesByValue(codes: Readonly<Record<string, number>>): Readonly<Record<number, string>> {
  const names: Record<number, string> = {};
  for (const [name, value] of Object.entries(codes)) names[value] = name;
  return Object.freeze(names);
}

export const BA_STATUS = namesByValue(BA_STATUS_CODE);
export const BE_STATUS = namesByValue(BE_STATUS_CODE);
export const HANDOFF_INDICATOR = namesByValue(HANDOFF_INDICATOR_CODE);
export const ACCESS_TECHNOLOGY = namesByValue(ACCESS_TECHNOLOGY_CODE);
export const MN_ID_SUBTYPE = namesByValue(MN_ID_SUBTYPE_CODE);
export const IPV4_HOA_REPLY_STATUS = namesByValue(IPV4_HOA_REPLY_STATUS_CODE);
export const BRI_TRIGGER = namesByValue(BRI_TRIGGER_CODE);
export const BRA_STATUS = namesByValue(BRA_STATUS_CODE);
export const UPN_REASON = namesByValue(UPN_REASON_CODE);
export const UPA_STATUS = namesByValue(UPA_STATUS_CODE);

/** Registry name of `value`, or UNASSIGNED_<n> for a value the table does not list. */
export function codeName(table: Readonly<Record<number, string>>, value: number): string {
  return table[value] ?? `UNASSIGNED_${value}`;
}

/** codeName for every octet value, as an array: what the decoders index once per message. */
export function octetNames(table: Readonly<Record<number, string>>): readonly string[] {
  const names: string[] = [];
  for (let v = 0; v < 256; v++) names.push(codeName(table, v));
  return names;
}
