// Time as the protocol logic sees it: a monotonic clock for timers, a wall clock for the RFC 5213
// Timestamp option, and a scheduler. Injected everywhere so unit tests run in virtual time (the
// 10 s MinDelayBeforeBCEDelete or a 32 s back-off take no real time there).

export interface Timer { cancel(): void }

export interface Clock {
  /** Monotonic milliseconds (arbitrary origin). */
  now(): number;
  /** Milliseconds since the Unix epoch. */
  wallMs(): number;
  /** Runs `fn` once after `ms` milliseconds. */
  setTimer(ms: number, fn: () => void): Timer;
}

export class RealClock implements Clock {
  now(): number { return performance.now(); }
  wallMs(): number { return performance.timeOrigin + performance.now(); }
  setTimer(ms: number, fn: () => void): Timer {
    const t = setTimeout(fn, Math.max(0, ms));
    return { cancel: () => clearTimeout(t) };
  }
}

interface Pending { at: number; seq: number; fn: () => void; cancelled: boolean }

/** A clock that moves only when told to; timers fire in time order (ties in creation order). */
export class VirtualClock implements Clock {
  private mono = 0;
  private seq = 0;
  private pending: Pending[] = [];

  constructor(private readonly wallOrigin = Date.UTC(2025, 0, 1)) {}

  now(): number { return this.mono; }
  wallMs(): number { return this.wallOrigin + this.mono; }

  setTimer(ms: number, fn: () => void): Timer {
    const p: Pending = { at: this.mono + Math.max(0, ms), seq: this.seq++, fn, cancelled: false };
    this.pending.push(p);
    return { cancel: () => { p.cancelled = true; } };
  }

  /** Timers still armed. */
  get armed(): number { return this.pending.filter((p) => !p.cancelled).length; }

  /** Moves time forward by `ms`, firing every timer that falls due on the way, at its own time. */
  advance(ms: number): void {
    const until = this.mono + ms;
    for (;;) {
      this.pending = this.pending.filter((p) => !p.cancelled);
      let next: Pending | undefined;
      for (const p of this.pending) if (p.at <= until && (next === undefined || p.at < next.at || (p.at === next.at && p.seq < next.seq))) next = p;
      if (next === undefined) break;
      this.mono = Math.max(this.mono, next.at);
      next.cancelled = true;
      next.fn();
    }
    this.mono = until;
  }
}
