// The MAG's Binding Update List (RFC 5213 §6.1): one entry per MN session on one access link.
import type { Timer } from '../clock.js';
import type { Prefix } from '../../wire/index.js';
import type { Ipv4TrafficSelector } from '../../wire/index.js';
import type { SessionGreKeys } from '../gre-keys.js';
import type { Ipv4Grant } from '../ipv4/addresses.js';

export type BulState =
  | 'registering'    // initial PBU sent, no PBA yet
  | 'registered'
  | 'refreshing'     // refresh PBU sent, session still in service
  | 'deregistering'  // lifetime-0 PBU sent
  | 'stopped';       // rejected or a PBA that does not match: no more PBUs until an administrator acts

export type PbuKind = 'register' | 'refresh' | 'deregister';

export interface OutstandingPbu {
  kind: PbuKind;
  seq: number;
  hi: number;
  /** Timeout for this transmission, ms (doubles per retransmission). */
  timeoutMs: number;
  sentAt: number;
  transmissions: number;
  timer: Timer | null;
}

export interface BulEntry {
  mnId: string;
  /** The MN's MAC, colon hex. */
  mac: string;
  iface: string;
  /** The MN's link-local address (RS source), the destination of its RAs and presence probes. */
  mnLinkLocal: string | null;
  lma: string;
  state: BulState;
  /** Prefixes the LMA assigned (empty before the first accepting PBA). */
  hnps: Prefix[];
  /** Prefixes to ask for in the next registration PBU; empty = ::/0. */
  request: Prefix[];
  /** The MAG's link-local address on this MN's link (from the PBA, or the RFC 6543 fixed one). */
  lla: string | null;
  /** Granted lifetime, 4-second units. */
  lifetimeUnits: number;
  /** The data plane carries this session, or has been asked to (requests are applied in order). */
  installed: boolean;
  /** The MTU its last RA announced (null before the first RA). */
  raMtu: number | null;
  outstanding: OutstandingPbu | null;
  /** Handoff Indicator for the first PBU (1 new attachment, 3 handover from another MAG). */
  attachHi: number;
  createdAt: number;
  registeredAt: number | null;
  refreshTimer: Timer | null;
  raTimer: Timer | null;
  presenceTimer: Timer | null;
  /** Immediate retries (157, 135) since the last accepted PBA: bounded, then back-off applies. */
  quickRetries: number;
  /** The LMA asked for Access Network Identifier parameters (RFC 7077 reason 4): the next PBU carries them. */
  aniRequested?: boolean;
  /** RFC 5845 (greKeys domain): the downlink key this MAG asks for and the uplink key the LMA gave. */
  gre?: SessionGreKeys;
  /** RFC 5844: the MN is entitled to an IPv4 HoA (PBUs ask for one) / to IPv6 (false: no HNP option). */
  ipv4Service?: boolean;
  ipv6Service?: boolean;
  /** The IPv4 HoA the LMA assigned (null before). */
  ipv4?: Ipv4Grant | null;
  /** RFC 6909: the IPv4 offload selectors the last accepting PBA granted. */
  offload?: Ipv4TrafficSelector[];
}

export class BindingUpdateList {
  private readonly byMn = new Map<string, BulEntry>();
  private readonly bySeq = new Map<number, BulEntry>();

  get(mnId: string): BulEntry | undefined { return this.byMn.get(mnId); }
  add(e: BulEntry): void { this.byMn.set(e.mnId, e); }

  remove(e: BulEntry): void {
    if (this.byMn.get(e.mnId) === e) this.byMn.delete(e.mnId);
    if (e.outstanding !== null && this.bySeq.get(e.outstanding.seq) === e) this.bySeq.delete(e.outstanding.seq);
  }

  /** Records the PBU now outstanding for `e` (the previous one no longer matches a PBA). */
  setOutstanding(e: BulEntry, o: OutstandingPbu | null): void {
    if (e.outstanding !== null) {
      e.outstanding.timer?.cancel();
      if (this.bySeq.get(e.outstanding.seq) === e) this.bySeq.delete(e.outstanding.seq);
    }
    e.outstanding = o;
    if (o !== null) this.bySeq.set(o.seq, e);
  }

  /** The entry whose outstanding PBU has this sequence number (MAG-PBA-02). */
  bySequence(seq: number): BulEntry | undefined { return this.bySeq.get(seq); }

  onInterface(iface: string): BulEntry[] { return [...this.byMn.values()].filter((e) => e.iface === iface); }
  entries(): BulEntry[] { return [...this.byMn.values()]; }
  get size(): number { return this.byMn.size; }
}
