// The public API of the codec: bytes <-> typed objects, from the link layer to the Mobility Header.
// Import from here rather than from the individual modules.
export * from './bytes.js';
export { ipv4Text, ipv6PrefixText, ipv6Text, macText } from './intern.js';
export { WireEncodeError } from './encode-error.js';
export * from './link.js';
export * from './ipv6.js';
export * from './ipv4.js';
export * from './icmpv6.js';
export * from './frame.js';
export * from './esp.js';
export * from './ike.js';
export * from './gre.js';
export * from './dhcpv6.js';
export * from './dhcpv4.js';
export * from './mh.js';
export * from './mh-registry.js';
export * from './prefix.js';
export {
  aniNameText, findOption, findOptions, isoFromUnix, timestampFromDate, timestampToMs,
  type AccessTechnologyTypeOption, type AlternateCoaOption, type BindingRefreshAdviceOption, type GreKeyOption,
  type HandoffIndicatorOption, type HomeNetworkPrefixOption, type Ipv4DefaultRouterOption,
  type Ipv4DhcpSupportModeOption, type Ipv4HoaReplyOption, type Ipv4HoaRequestOption, type KnownMobilityOption,
  type KnownOptionType, type LinkLocalAddressOption, type MnGroupIdOption, type MnIdentifierOption,
  type MnLinkLayerIdOption, type MobilityOption, type MobilityOptionSpec, type OptionOfType, type Pad1Option,
  type PadNOption, type RawOption, type RestartCounterOption, type TimestampOption, type TimestampValue,
  type VendorSpecificOption, type AccessNetworkIdOption, type AniSubOption, type AniNetworkIdentifier,
  type AniGeoLocation, type AniOperatorIdentifier, type AniRawSubOption, type NatDetectionOption, type Ipv4CoaOption,
} from './mh-options.js';
export { type Ipv4TrafficOffloadSelectorOption } from './mh-options.js';
export * from './traffic-selector.js';
