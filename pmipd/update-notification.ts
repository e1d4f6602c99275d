// RFC 7077 Update Notifications, the LMA's half: a UPN to a MAG for one session (MN-ID) or for all
// of them (MN Group Identifier 1), a random first Sequence # then one up per UPN, A = 1 when an
// answer is wanted (not for FORCE-REREGISTRATION and ANI-PARAMS-REQUESTED unless asked), the same
// UPN again with D = 1 after MIN_DELAY_BETWEEN_UPDATE_NOTIFICATION_REPLAY while no UPA came, at
// most MAX_UPDATE_NOTIFICATION_RETRANSMIT_COUNT times, and no UPN again to a MAG that answered one
// with Binding Error 2 (§5.2).
import { encodeMobilityHeader, UPN_REASON_CODE, type MobilityOptionSpec, type UpdateNotificationAck } from '../wire/index.js';
import type { Timer } from './clock.js';
import type { SignallingContext } from './signalling-context.js';

/** RFC 7077 §7 defaults. */
export const MIN_DELAY_BETWEEN_UPN_REPLAY_MS = 1000;
export const MAX_UPN_RETRANSMIT_COUNT = 1;
/** How soon after a UPN a Binding Error 2 counts as its answer. */
const BE_WINDOW_MS = 2000;

export interface UpnRequest {
  dst: string;
  reason: number;
  /** A: an acknowledgement is wanted (default: not for reasons 1 and 4, RFC 7077 §5.1). */
  ack?: boolean;
  /** MN Identifier option (one session), or null for MN Group Identifier 1 (every session of the pair). */
  mnId: string | null;
}

interface Outstanding { dst: string; seq: number; spec: Parameters<typeof encodeMobilityHeader>[0]; sent: number; timer: Timer | null }

export class UpdateNotifier {
  private readonly outstanding = new Map<number, Outstanding>();
  /** MAGs that answered a UPN with Binding Error 2: they get no more (UPN-10). */
  private readonly unsupported = new Set<string>();
  /** When the last UPN went to each MAG (a Binding Error 2 soon after answers it, whatever its A flag). */
  private readonly lastSent = new Map<string, number>();
  private seq: number;

  constructor(private readonly c: SignallingContext) {
    this.seq = crypto.getRandomValues(new Uint16Array(1))[0]!;
  }

  /** Sends a UPN; its Sequence #, or null when the MAG said it does not know UPNs. */
  notify(r: UpnRequest): number | null {
    if (this.unsupported.has(r.dst) && !this.c.quirks.has('upn-ignores-be2')) {
      this.c.log.info('upn-not-sent', { dst: r.dst, why: 'it answered a UPN with Binding Error 2' });
      return null;
    }
    this.seq = (this.seq + (this.c.quirks.has('upn-seq-decreasing') ? -1 : 1)) & 0xffff;
    const ack = r.ack ?? !(r.reason === UPN_REASON_CODE.FORCE_REREGISTRATION || r.reason === UPN_REASON_CODE.ANI_PARAMS_REQUESTED);
    const group: MobilityOptionSpec = { type: 50, subtype: 1, reserved: 0, groupId: 1 };
    const options: MobilityOptionSpec[] = r.mnId !== null ? [{ type: 8, subtype: 1, id: r.mnId }, ...(this.c.quirks.has('upn-both-ids') ? [group] : [])] : [group];
    const o: Outstanding = { dst: r.dst, seq: this.seq, spec: { type: 19, seq: this.seq, reason: r.reason, flags: { A: ack, D: false }, options, autoPad: true }, sent: 0, timer: null };
    this.transmit(o);
    if (ack) this.outstanding.set(o.seq, o);
    return o.seq;
  }

  private transmit(o: Outstanding): void {
    const again = o.sent > 0;
    const spec = again && !this.c.quirks.has('upn-retransmit-d-clear') ? { ...o.spec, flags: { ...(o.spec as { flags: object }).flags, D: true } } : o.spec;
    this.c.send(encodeMobilityHeader(spec as typeof o.spec), o.dst);
    this.lastSent.set(o.dst, this.c.clock.now());
    o.sent++;
    this.c.counters.inc(again ? 'upn_retransmitted' : 'upn_tx');
    this.c.log.info('upn-tx', { dst: o.dst, seq: o.seq, try: o.sent });
    const ack = (o.spec as { flags: { A: boolean } }).flags.A;
    const retries = this.c.quirks.has('upn-retransmit-thrice') ? 3 : MAX_UPN_RETRANSMIT_COUNT;
    if (ack && o.sent <= retries) o.timer = this.c.clock.setTimer(MIN_DELAY_BETWEEN_UPN_REPLAY_MS, () => this.transmit(o));
    else if (ack) o.timer = this.c.clock.setTimer(MIN_DELAY_BETWEEN_UPN_REPLAY_MS, () => this.giveUp(o));
  }

  private giveUp(o: Outstanding): void {
    if (this.outstanding.get(o.seq) !== o) return;
    this.outstanding.delete(o.seq);
    this.c.counters.inc('upn_unanswered');
    this.c.log.warn('upn-unanswered', { dst: o.dst, seq: o.seq });
  }

  /** A UPA: it ends the UPN with its Sequence #; one matching none is discarded (UPN-11). */
  receive(upa: UpdateNotificationAck, src: string): void {
    const o = this.outstanding.get(upa.seq);
    if (o === undefined || o.dst !== src) {
      this.c.counters.inc('upa_unmatched');
      this.c.log.info('upa-unmatched-dropped', { src, seq: upa.seq });
      return;
    }
    o.timer?.cancel();
    this.outstanding.delete(upa.seq);
    this.c.counters.inc('upa_rx');
    this.c.log.info('upa-rx', { src, seq: upa.seq, status: upa.status, name: upa.statusName });
  }

  /** A Binding Error 2 from a MAG a UPN went to lately: it does not know them (UPN-10). */
  bindingError(src: string, status: number): boolean {
    const at = this.lastSent.get(src);
    if (status !== 2 || at === undefined || this.c.clock.now() - at > BE_WINDOW_MS) return false;
    for (const o of [...this.outstanding.values()].filter((x) => x.dst === src)) { o.timer?.cancel(); this.outstanding.delete(o.seq); }
    this.unsupported.add(src);
    this.c.counters.inc('upn_peer_unsupported');
    this.c.log.warn('upn-peer-unsupported', { peer: src });
    return true;
  }

  close(): void {
    for (const o of this.outstanding.values()) o.timer?.cancel();
    this.outstanding.clear();
  }
}
