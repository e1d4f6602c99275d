// The trace model: what the conformance checks read. Frames of one or more capture points, merged
// on one clock, kept only where they matter (Mobility Header, Neighbor Discovery, ESP, data) and
// then interpreted: PBU/PBA exchanges, mobility sessions, roles, capture point kinds, settings.
import type {
  ArpPacket, BindingAck, BindingUpdate, Dhcpv4Message, Dhcpv6Message, EspLayer, EspSa, Icmpv6Message, Ipv4Header, Ipv6Header, MobilityHeader, UdpHeader,
} from '../../wire/index.js';

/** A frame as a report names it: capture point, 1-based frame number in that capture, time (s). */
export interface FrameRef {
  point: string;
  frame: number;
  time: number;
}

/** Where a capture was taken. `kind` and `mag` are inferred from the traffic when not given. */
export interface CapturePointSpec {
  /** Short label used in evidence, e.g. "acc1", "trn", "core". */
  name: string;
  path: string;
  kind?: CapturePointKind;
  /** For an access link: the Proxy-CoA of the MAG that serves it. */
  mag?: string;
  /** Free text: which node/link the capture was taken on (shown in reports). */
  label?: string;
}

export type CapturePointKind = 'access' | 'transport' | 'core';

export interface CapturePoint {
  name: string;
  path?: string;
  label?: string;
  kind: CapturePointKind;
  kindSource: SettingSource;
  /** Access links: the MAG serving it (Proxy-CoA), when known. */
  mag?: string;
  magSource?: SettingSource;
  /** Access links: link-layer addresses of the mobile nodes seen on it. */
  mnMacs: string[];
  frames: number;
  /** Frames kept by the trace (signalling, ND, ESP, data). */
  kept: number;
  firstTime?: number;
  lastTime?: number;
  /** The capture's link type (pcap LINKTYPE_*) as its first frame has it. */
  linkType?: number;
  /** The longest IPv6 packet captured here (octets from the IPv6 header on) and where. */
  largestIpv6?: { octets: number; ref: FrameRef };
}

/** A Mobility Header seen on the wire (over IPv6, or over IPv4/UDP 5436). */
export interface MhFrame {
  ref: FrameRef;
  src: string;
  dst: string;
  ipv6?: Ipv6Header;
  ipv4?: Ipv4Header;
  udp?: UdpHeader;
  /** Octets of the IPv6 payload from the MH on (payload length minus extension headers); -1 over IPv4. */
  upperLength: number;
  mh: MobilityHeader;
  /** The types of `mh.options`, one character each (see options.ts): what option lookups walk. */
  optionTypes: string;
  /** Link-layer source, when the capture has one. */
  linkSrc?: string;
  /**
   * The ESP that carried it (SPI, sequence, algorithm, whether the ICV verified); absent for a
   * message in clear. One whose ICV failed is kept, flagged, and `discarded` (its receiver drops it).
   */
  protection?: EspLayer;
  /** The same message already seen at another capture point (this frame is a second sighting). */
  duplicateOf?: MhFrame;
  /** Sent from an address declared as a test stimulus source (not a MAG under test). */
  fromTester: boolean;
  /**
   * Why its receiver must discard it (RFC 6275 §9.2, catalog C.1: checksum, Payload Proto, Header
   * Len, options overrunning the header...): then it has no effect on exchanges or sessions.
   */
  discarded?: string;
}

export type PbuFrame = MhFrame & { mh: BindingUpdate };
export type PbaFrame = MhFrame & { mh: BindingAck };

/** A Neighbor Discovery message (RS, RA, NS, NA, Redirect). */
export interface NdFrame {
  ref: FrameRef;
  src: string;
  dst: string;
  hopLimit: number;
  linkSrc?: string;
  linkDst?: string;
  msg: Icmpv6Message;
}

/**
 * An ESP packet (signalling or data protected by IPsec), whatever it carries: every one is here,
 * also those whose Mobility Header is in `mh`. `esp.payloadLength` is unset when it could not be
 * read (encrypted and no SA for its SPI: `esp.note` says so), which checks report as INCONCLUSIVE.
 */
export interface EspFrame {
  ref: FrameRef;
  src: string;
  dst: string;
  spi: number;
  esp: EspLayer;
  /**
   * What the payload was, when read: the MH record (transport mode, or tunnel mode with the MH
   * right after the inner IPv6 header: `esp.nextHeader` tells them apart), a tunnelled packet
   * (tunnel mode: MN data), or another upper layer.
   */
  carries?: MhFrame | 'tunnel' | 'other';
}

/** An IKEv2 message (UDP 500/4500): which exchange, between whom. */
export interface IkeFrame {
  ref: FrameRef;
  src: string;
  dst: string;
  exchangeType: number;
  exchangeName: string;
  response: boolean;
  initiatorSpi: string;
  messageId: number;
}

/** A DHCPv6 message (UDP 546/547): from or to an MN on an access link, or a relay's Relay-Forward/Relay-Reply. */
export interface Dhcpv6Frame {
  ref: FrameRef;
  src: string;
  dst: string;
  srcPort: number;
  dstPort: number;
  msg: Dhcpv6Message;
}

/** A DHCPv4 message (UDP 67/68): an MN and its MAG on an access link, or a MAG's relay and the server (RFC 5844 §3.2.3.2). */
export interface Dhcpv4Frame {
  ref: FrameRef;
  src: string;
  dst: string;
  srcPort: number;
  dstPort: number;
  linkSrc?: string;
  msg: Dhcpv4Message;
}

/** An Ethernet/IPv4 ARP request or reply (on access links: the MN and its MAG, RFC 5844 §3.2.4). */
export interface ArpFrame {
  ref: FrameRef;
  linkSrc?: string;
  arp: ArpPacket;
}

/** A PBU and the PBA that answers it, if any. */
export interface Exchange {
  pbu: PbuFrame;
  pba?: PbaFrame;
  mag: string;
  lma: string;
  mnId?: string;
  att?: number;
  llId?: string;
  hi?: number;
  hnps: string[];
  deregistration: boolean;
  /** The earlier unanswered PBU this one retransmits (same MAG, same MN, no PBA in between). */
  retransmits?: Exchange;
  /**
   * PBAs answering this PBU that the MAG must discard (MhFrame.discarded): they acknowledge
   * nothing, so `pba` stays unset and a later PBU retransmits this one. The LMA's checks read them
   * from the bytes as sent.
   */
  droppedPbas?: PbaFrame[];
  /**
   * Why the MAG must ignore the PBA (RFC 5213 §6.9.1.2, MAG-PBA-02/03: P flag clear, a Sequence #
   * of no PBU, an MN-ID, HI, ATT or MN-LL-ID differing from the PBU's): such a PBA registers nothing
   * at the MAG, whatever the LMA decided. (A PBA it must discard outright is in droppedPbas.)
   */
  magIgnores?: string;
  session?: Session;
  /** The session event this exchange produced. */
  event?: SessionEvent;
}

export type SessionEventKind =
  | 'attach' | 'refresh' | 'handover' | 'reattach' | 'deregistration' | 'dereg-foreign' | 'dereg-ignored'
  | 'dereg-unanswered' | 'rejected';

export interface SessionEvent {
  kind: SessionEventKind;
  /** Position in the session's events. */
  index: number;
  time: number;
  mag: string;
  exchange: Exchange;
  /** HNPs in the PBA (accepted) or the PBU (otherwise). */
  hnps: string[];
  lla?: string;
}

/** One mobility session: an MN interface (MN-ID + LL-ID, or + ATT) from attach to de-registration. */
export interface Session {
  id: number;
  mnId: string;
  llId?: string;
  att?: number;
  events: SessionEvent[];
  /** HNPs granted by the first accepted PBA. */
  hnps: string[];
  /** Link-local address returned by the first accepted PBA. */
  lla?: string;
  /** The MAG serving the session now (after the last accepted registration). */
  mag: string;
  start: number;
  /** Time of the accepted de-registration that ended it, if any. */
  end?: number;
  /**
   * The live session of the same MN interface the LMA left in place when it created this one
   * (RFC 5213 §5.4.1: the lookup did not match it, e.g. HI 4 and no de-registration came).
   */
  replaces?: Session;
}

/** Testbed event log entry (written by the testbed beside the captures). */
export interface TestbedEvent {
  /** Seconds since the epoch, the captures' clock. */
  time: number;
  kind: 'attach' | 'detach' | 'handover' | 'link-up' | 'link-down' | (string & {});
  /** Testbed name of the mobile node. */
  mn?: string;
  mnId?: string;
  mac?: string;
  /** MAG (name or Proxy-CoA) or access point the event concerns. */
  mag?: string;
  ap?: string;
  detail?: unknown;
}

export type SettingSource = 'given' | 'inferred' | 'default';

/** Where a setting's value comes from: the user or testbed, the capture (and which frames), or a default. */
export interface SettingProvenance {
  source: SettingSource;
  /** Inferred: the frames that showed it (a few). */
  frames: FrameRef[];
  /** Inferred: how, in a few words ("link type of acc1: IEEE 802.11 radiotap"). */
  how?: string;
}

/** PMIPv6 domain settings (RFC 5213 §9) the checks depend on. */
export interface DomainSettings {
  /** TimestampBasedApproachInUse. */
  timestampMode: boolean;
  /** FixedMAGLinkLocalAddressOnAllAccessLinks; null = ALL_ZERO (the LMA hands one out). */
  fixedMagLinkLocal: string | null;
  /** FixedMAGLinkLayerAddressOnAllAccessLinks; null = ALL_ZERO. */
  fixedMagLinkLayer: string | null;
  minDelayBeforeBceDeleteMs: number;
  maxDelayBeforeNewBceAssignMs: number;
  timestampValidityWindowMs: number;
  enableMagLocalRouting: boolean;
  /** ATT values the access links legitimately carry (3 = 802.3, 1 = virtual for veth). */
  accessTechnologies: number[];
  /** Largest believable gap between a PBU timestamp and the capture clock. */
  clockToleranceMs: number;
  /** MTU of the MAG-LMA path; an RA's MTU option must not exceed it minus the 40-octet tunnel header. */
  maxLinkMtu: number;
  /** MNs (MAC or MN-ID) the domain does not entitle to PMIPv6 (MAG-PBU-20). */
  unentitledMns: string[];
  /** HEARTBEAT_INTERVAL of the MAGs and LMAs (RFC 5847 §5; default 60 s). */
  heartbeatIntervalMs: number;
}

export interface TraceOptions {
  settings?: Partial<DomainSettings>;
  /** Addresses of LMAs / MAGs when they should not be inferred from PBU traffic. */
  lmas?: string[];
  mags?: string[];
  /** Sources of crafted stimuli (the active tester): their PBUs are judged as stimuli, not as MAG output. */
  testers?: string[];
  events?: TestbedEvent[];
  /** ESP SAs to verify and decrypt with (analyze --esp-sa, a run's esp-sas.json). */
  espSas?: readonly EspSa[];
}

export interface Roles {
  mags: string[];
  lmas: string[];
  testers: string[];
  magSource: SettingSource;
  lmaSource: SettingSource;
}
