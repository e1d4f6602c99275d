// What both roles do with a Mobility Header before looking at its type (RFC 6275 §9.2): drop
// malformed ones with a log line and a counter, and answer an unknown type with a rate-limited
// Binding Error (status 2).
import { decodeMobilityHeader, encodeMobilityHeader, type MobilityHeader } from '../wire/index.js';
import type { Clock } from './clock.js';
import type { Counters, Logger } from './log.js';

/** RFC 6275 §9.3.3 wants Binding Errors rate-limited: garbage must not turn a daemon into a reflector. */
const BE_PER_SECOND = 50;

export class MhScreen {
  private tokens = BE_PER_SECOND;
  private refilledAt = 0;

  constructor(
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly counters: Counters,
    private readonly send: (bytes: Uint8Array, dst: string) => void,
    /** false: unknown types are dropped silently (quirk no-binding-error). */
    private readonly answerUnknown: boolean,
  ) {}

  /** The message when it is well-formed and of one of `handled` types; null otherwise (already dealt with). */
  screen(buf: Uint8Array, src: string, handled: readonly number[]): MobilityHeader | null {
    this.counters.inc('mh_rx');
    const msg = decodeMobilityHeader(buf, 0, buf.length);
    if (msg.malformed !== undefined || msg.length !== buf.length) {
      this.counters.inc('malformed_dropped');
      this.log.warn('mh-malformed-dropped', { src, type: msg.type, why: msg.malformed ?? `header length says ${msg.length} octets, ${buf.length} arrived` });
      return null;
    }
    if (msg.payloadProto !== 59) {
      this.counters.inc('malformed_dropped');
      this.log.warn('mh-payload-proto-dropped', { src, type: msg.type, payloadProto: msg.payloadProto });
      return null;
    }
    if (handled.includes(msg.type)) return msg;
    // Types of the base protocol that simply have no business here are dropped, not answered.
    if (msg.type >= 0 && msg.type <= 7) {
      this.counters.inc('unexpected_dropped');
      this.log.info('mh-unexpected-dropped', { src, type: msg.name });
      return null;
    }
    this.bindingError(msg.type, src);
    return null;
  }

  private bindingError(type: number, src: string): void {
    this.counters.inc('unknown_mh_type');
    if (!this.answerUnknown) return;
    const now = this.clock.now();
    this.tokens = Math.min(BE_PER_SECOND, this.tokens + ((now - this.refilledAt) * BE_PER_SECOND) / 1000);
    this.refilledAt = now;
    if (this.tokens < 1) { this.counters.inc('be_rate_limited'); return; }
    this.tokens--;
    this.log.info('be-tx', { dst: src, mhType: type, status: 2 });
    this.send(encodeMobilityHeader({ type: 7, status: 2, homeAddress: '::' }), src);
    this.counters.inc('be_tx');
  }
}
