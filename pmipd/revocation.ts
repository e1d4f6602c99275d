// RFC 5846 Binding Revocation, the initiator's half (pmipd's LMA): a BRI goes out, is retransmitted
// after InitMINDelayBRIs while no BRA comes, at most BRIMaxRetriesNumber times with the timeout
// doubling up to MAX_BRACK_TIMEOUT, and the caller learns the BRA (or that none came) to act on.
// A BRA that matches no outstanding BRI is dropped silently (§6.2.2).
import { encodeMobilityHeader, type BindingRevocationAck, type MobilityOptionSpec } from '../wire/index.js';
import type { Timer } from './clock.js';
import type { SignallingContext } from './signalling-context.js';

/** RFC 5846 §11 defaults. */
export const INIT_MIN_DELAY_BRIS_MS = 1000;
export const MAX_BRACK_TIMEOUT_MS = 2000;
export const BRI_MAX_RETRIES = 1;

export interface BriRequest {
  dst: string;
  trigger: number;
  /** Global revocation (G = 1): every binding of the peer. */
  global?: boolean;
  options: MobilityOptionSpec[];
  /** The BRA that answered, or null when the retries ran out. */
  done(bra: BindingRevocationAck | null): void;
}

interface Outstanding { req: BriRequest; bytes: Uint8Array; seq: number; tries: number; timeoutMs: number; timer: Timer }

export class RevocationInitiator {
  private readonly outstanding = new Map<number, Outstanding>();
  private seq: number;

  constructor(
    private readonly c: SignallingContext,
    /** Answers a BRA it cannot match (quirk bra-stray-answered). */
    private readonly answerStray: (src: string) => void,
  ) {
    this.seq = crypto.getRandomValues(new Uint16Array(1))[0]!;
  }

  revoke(req: BriRequest): number {
    this.seq = (this.seq + 1) & 0xffff;
    const seq = this.seq;
    const bytes = encodeMobilityHeader({
      type: 16, brType: 1, trigger: req.trigger, seq, flags: { P: true, G: req.global === true }, options: req.options, autoPad: true,
    });
    const o: Outstanding = { req, bytes, seq, tries: 1, timeoutMs: INIT_MIN_DELAY_BRIS_MS, timer: this.c.clock.setTimer(INIT_MIN_DELAY_BRIS_MS, () => this.expire(o)) };
    this.outstanding.set(seq, o);
    this.transmit(o);
    return seq;
  }

  private transmit(o: Outstanding): void {
    this.c.send(o.bytes, o.req.dst);
    this.c.counters.inc(o.tries > 1 ? 'bri_retransmitted' : 'bri_tx');
    this.c.log.info('bri-tx', { dst: o.req.dst, seq: o.seq, trigger: o.req.trigger, global: o.req.global === true, try: o.tries });
  }

  private expire(o: Outstanding): void {
    if (this.outstanding.get(o.seq) !== o) return;
    if (o.tries <= BRI_MAX_RETRIES && !this.c.quirks.has('bri-no-retransmit')) {
      o.tries++;
      o.timeoutMs = Math.min(o.timeoutMs * 2, MAX_BRACK_TIMEOUT_MS);
      o.timer = this.c.clock.setTimer(o.timeoutMs, () => this.expire(o));
      this.transmit(o);
      return;
    }
    this.outstanding.delete(o.seq);
    this.c.counters.inc('bri_unanswered');
    this.c.log.warn('bri-unanswered', { dst: o.req.dst, seq: o.seq, tries: o.tries });
    o.req.done(null);
  }

  /** A BRA from `src`: it completes the BRI with its Sequence #, or is dropped. */
  receive(bra: BindingRevocationAck, src: string): void {
    const o = this.outstanding.get(bra.seq);
    if (o === undefined || o.req.dst !== src) {
      this.c.counters.inc('bra_unmatched');
      this.c.log.info('bra-unmatched-dropped', { src, seq: bra.seq, status: bra.status });
      if (this.c.quirks.has('bra-stray-answered')) this.answerStray(src);
      return;
    }
    o.timer.cancel();
    this.outstanding.delete(bra.seq);
    this.c.counters.inc('bra_rx');
    this.c.log.info('bra-rx', { src, seq: bra.seq, status: bra.status, name: bra.statusName });
    o.req.done(bra);
  }

  close(): void {
    for (const o of this.outstanding.values()) o.timer.cancel();
    this.outstanding.clear();
  }
}
