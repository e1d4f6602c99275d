// RFC 5847 Heartbeat, the same in both roles: requests to each peer a binding links us to, every
// HEARTBEAT_INTERVAL; a response to every request, whoever sends it; the peer's Restart Counter
// watched for a restart that lost its state; a peer that misses more than
// MISSING_HEARTBEATS_ALLOWED responses declared unreachable; a peer that answers with Binding
// Error status 2 (it does not know type 13) never asked again. The cores say which peers are
// linked and what a restart or an unreachable peer means for their bindings.
import { encodeMobilityHeader, findOption, MH_OPTION, type HeartbeatMessage, type MobilityOptionSpec } from '../wire/index.js';
import type { Timer } from './clock.js';
import type { HeartbeatSettings } from './config.js';
import type { SignallingContext } from './signalling-context.js';

export interface HeartbeatHooks {
  /** The peer's Restart Counter changed: it restarted and lost its session state (RFC 5847 §3.2). */
  peerRestarted(peer: string, counter: number): void;
  /** More than missingAllowed requests in a row went unanswered (§3.1). */
  peerUnreachable(peer: string): void;
}

interface Peer { timer: Timer | null; outstanding: number | null; missed: number; unreachable: boolean }

export class Heartbeat {
  private readonly linked = new Map<string, Peer>();
  /** Peers that answered a heartbeat with Binding Error 2: never asked again (HB-06). */
  private readonly silenced = new Set<string>();
  /** The last Restart Counter each peer sent. */
  private readonly peerCounters = new Map<string, number>();
  private seq: number;

  constructor(
    private readonly settings: HeartbeatSettings,
    /** Ours, sent in every response (persisted by restart-state.ts). */
    readonly restartCounter: number,
    private readonly c: SignallingContext,
    private readonly hooks: HeartbeatHooks,
  ) {
    this.seq = crypto.getRandomValues(new Uint32Array(1))[0]! >>> 1;
  }

  /** The peers a binding links us to now: requests start for new ones and stop for the rest (HB-03). */
  setLinked(peers: ReadonlySet<string>): void {
    for (const [peer, p] of this.linked) {
      // Quirk hb-without-binding: requests go on after the last binding has gone.
      if (peers.has(peer) || this.c.quirks.has('hb-without-binding')) continue;
      p.timer?.cancel();
      this.linked.delete(peer);
      this.c.log.info('heartbeat-stop', { peer, why: 'no binding links us any more' });
    }
    for (const peer of peers) {
      if (this.linked.has(peer) || this.silenced.has(peer)) continue;
      const p: Peer = { timer: null, outstanding: null, missed: 0, unreachable: false };
      this.linked.set(peer, p);
      this.c.log.info('heartbeat-start', { peer, intervalMs: this.settings.intervalMs });
      // The first request goes at once: a peer that is gone shows from the start.
      this.tick(peer, p);
    }
  }

  private tick(peer: string, p: Peer): void {
    if (p.outstanding !== null) {
      p.missed++;
      this.c.counters.inc('heartbeat_missed');
      if (p.missed > this.settings.missingAllowed && !p.unreachable) {
        p.unreachable = true;
        this.c.counters.inc('heartbeat_peer_unreachable');
        this.c.log.warn('heartbeat-peer-unreachable', { peer, missed: p.missed });
        this.hooks.peerUnreachable(peer);
        if (this.linked.get(peer) !== p) return;
      }
    }
    // Quirk hb-seq-repeats: every request carries the same number.
    if (!this.c.quirks.has('hb-seq-repeats')) this.seq = (this.seq + 1) >>> 0;
    p.outstanding = this.seq;
    this.transmit({ type: 13, flags: { R: false, U: this.c.quirks.has('hb-request-u-flag') }, seq: this.seq, options: [], autoPad: true }, peer);
    this.c.counters.inc('heartbeat_request_tx');
    this.c.log.debug('heartbeat-request-tx', { peer, seq: this.seq });
    p.timer = this.c.clock.setTimer(this.settings.intervalMs, () => this.tick(peer, p));
  }

  /** A Heartbeat from `src`. */
  receive(msg: HeartbeatMessage, src: string): void {
    if (!msg.flags.R) {
      // HB-02: answered whether or not a binding links us.
      this.c.counters.inc('heartbeat_request_rx');
      this.respond(src, msg.seq, false);
      return;
    }
    this.c.counters.inc(msg.flags.U ? 'heartbeat_unsolicited_rx' : 'heartbeat_response_rx');
    const p = this.linked.get(src);
    if (!msg.flags.U && p !== undefined && p.outstanding === msg.seq) {
      p.outstanding = null;
      p.missed = 0;
      p.unreachable = false;
    } else if (!msg.flags.U) {
      this.c.log.debug('heartbeat-response-unmatched', { src, seq: msg.seq });
    }
    const rc = findOption(msg.options, MH_OPTION.RESTART_COUNTER);
    if (rc === undefined) return;
    const known = this.peerCounters.get(src);
    this.peerCounters.set(src, rc.value);
    if ((known !== undefined && known !== rc.value) || (known === undefined && msg.flags.U)) {
      this.c.counters.inc('heartbeat_peer_restarted');
      this.c.log.info('heartbeat-peer-restarted', { peer: src, counter: rc.value, was: known ?? null, unsolicited: msg.flags.U });
      this.hooks.peerRestarted(src, rc.value);
    }
  }

  /**
   * A Binding Error from `src`: status 2 while a request to it is outstanding means it does not
   * know Heartbeat, and it is never sent one again (RFC 5847 §3, HB-06).
   */
  bindingError(src: string, status: number): void {
    const p = this.linked.get(src);
    if (status !== 2 || p === undefined || p.outstanding === null || this.c.quirks.has('hb-ignores-be2')) return;
    p.timer?.cancel();
    this.linked.delete(src);
    this.silenced.add(src);
    this.c.counters.inc('heartbeat_peer_unsupported');
    this.c.log.warn('heartbeat-peer-unsupported', { peer: src, why: 'Binding Error status 2 in reply to a heartbeat' });
  }

  /** After a restart that lost state: an unsolicited response to each former peer (RFC 5847 §3.2, HB-07). */
  announceRestart(peers: readonly string[]): void {
    if (this.c.quirks.has('hb-no-unsolicited')) return;
    for (const peer of peers) {
      this.seq = (this.seq + 1) >>> 0;
      this.respond(peer, this.seq, true);
      this.c.log.info('heartbeat-restart-announced', { peer, counter: this.restartCounter });
    }
  }

  private respond(dst: string, seq: number, unsolicited: boolean): void {
    const options: MobilityOptionSpec[] = this.c.quirks.has('hb-no-restart-counter') ? [] : [{ type: 28, value: this.restartCounter }];
    const echoed = this.c.quirks.has('hb-wrong-seq') && !unsolicited ? (seq + 1) >>> 0 : seq;
    this.transmit({ type: 13, flags: { R: true, U: unsolicited }, seq: echoed, options, autoPad: true }, dst);
    this.c.counters.inc(unsolicited ? 'heartbeat_unsolicited_tx' : 'heartbeat_response_tx');
  }

  private transmit(spec: Parameters<typeof encodeMobilityHeader>[0], dst: string): void {
    this.c.send(encodeMobilityHeader(spec), dst);
  }

  /** Peer -> whether requests go to it, for the state dump. */
  dump(): { restartCounter: number; peers: { peer: string; missed: number; unreachable: boolean }[]; unsupported: string[] } {
    return {
      restartCounter: this.restartCounter,
      peers: [...this.linked].map(([peer, p]) => ({ peer, missed: p.missed, unreachable: p.unreachable })),
      unsupported: [...this.silenced],
    };
  }

  close(): void {
    for (const p of this.linked.values()) p.timer?.cancel();
    this.linked.clear();
  }
}
