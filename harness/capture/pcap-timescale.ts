// Exact conversion between pcapng 64-bit tick counts and (seconds, nanoseconds).
// A nanosecond tick count of today (~1.7e18) is far beyond 2^53, so the common resolutions are
// done by long division on 16-bit digits, every step exact in a double. BigInt, which allocates
// per frame, is kept for the rare resolutions finer than 1 ns or 2^-32 s.

import { DEFAULT_TSRESOL, TSRESOL_POW2 } from './pcap-format.js';

const TWO32 = 4294967296;

export interface TimeParts {
  timeSec: number;
  timeNsec: number;
}

/** Timestamp ticks per second for an if_tsresol byte. */
export function ticksPerSecond(tsresol: number): number {
  return tsresol & TSRESOL_POW2 ? 2 ** (tsresol & 0x7f) : 10 ** tsresol;
}

export class Timescale {
  readonly tsresol: number;
  private readonly mode: 'dec' | 'pow2' | 'big';
  /** dec: ticks per second; pow2 and big: the exponent. */
  private readonly d: number;
  /** dec: nanoseconds per tick. */
  private readonly nsPerTick: number;
  /** pow2: 2^n, 2^(32-n), and the factor that turns a fraction of 2^n ticks into ns after ·5^9. */
  private readonly scale: number;
  private readonly hiScale: number;
  private readonly fracScale: number;
  /** Result of fromTime: the tick count's high and low 32 bits. */
  hi = 0;
  lo = 0;

  constructor(tsresol = DEFAULT_TSRESOL) {
    this.tsresol = tsresol;
    const n = tsresol & 0x7f;
    if (tsresol & TSRESOL_POW2) {
      this.mode = n <= 32 ? 'pow2' : 'big';
      this.d = n;
      this.nsPerTick = 0;
    } else {
      this.mode = n <= 9 ? 'dec' : 'big';
      this.d = 10 ** n;
      this.nsPerTick = n <= 9 ? 10 ** (9 - n) : 0;
    }
    this.scale = 2 ** n;
    this.hiScale = 2 ** (32 - n);
    this.fracScale = 2 ** (9 - n);
  }

  /** Splits the tick count hi·2^32 + lo into out.timeSec and out.timeNsec (sub-ns ticks are floored). */
  toTime(hi: number, lo: number, out: TimeParts): void {
    if (this.mode === 'dec') {
      // Math.floor(a / b) is exact for integers a < 2^53, b >= 1: the true quotient is at least
      // 1/b below the next integer, more than half an ulp of a value below 2^53/b, so rounding
      // never reaches that integer.
      const d = this.d;
      let sec: number, rem: number;
      if (hi < 0x200000) {
        const v = hi * TWO32 + lo; // < 2^53
        sec = Math.floor(v / d);
        rem = v - sec * d;
      } else {
        // Long division by 16-bit digits: each partial dividend stays below d·2^16 < 2^46.
        const r2 = hi % d;
        let t = r2 * 65536 + (lo >>> 16);
        const q1 = Math.floor(t / d);
        t = (t - q1 * d) * 65536 + (lo & 0xffff);
        const q0 = Math.floor(t / d);
        rem = t - q0 * d;
        sec = ((hi - r2) / d) * TWO32 + q1 * 65536 + q0;
      }
      out.timeSec = sec;
      out.timeNsec = rem * this.nsPerTick;
    } else if (this.mode === 'pow2') {
      const loSec = Math.floor(lo / this.scale);
      const frac = lo - loSec * this.scale;
      out.timeSec = hi * this.hiScale + loSec;
      // frac·10^9 / 2^n = frac·5^9 · 2^(9-n): frac·5^9 < 2^53 and scaling by a power of 2 stay exact.
      out.timeNsec = Math.floor(frac * 1953125 * this.fracScale);
    } else {
      const ticks = (BigInt(hi) << 32n) | BigInt(lo);
      const per = this.tsresol & TSRESOL_POW2 ? 1n << BigInt(this.d) : BigInt(this.d);
      out.timeSec = Number(ticks / per);
      out.timeNsec = Number(((ticks % per) * 1_000_000_000n) / per);
    }
  }

  /** Sets this.hi and this.lo to the tick count of (sec, nsec), flooring to the resolution. */
  fromTime(sec: number, nsec: number): void {
    if (this.mode === 'dec') {
      // sec·d + f with sec < 2^32 and d < 2^30, assembled from 16-bit halves so no step exceeds 2^53.
      const d = this.d;
      const f = Math.floor(nsec / this.nsPerTick);
      const sHi = Math.floor(sec / 65536);
      const y = sHi * d;
      const yHi = Math.floor(y / 65536);
      const low = (y - yHi * 65536) * 65536 + (sec - sHi * 65536) * d + f;
      const carry = Math.floor(low / TWO32);
      this.hi = yHi + carry;
      this.lo = low - carry * TWO32;
      return;
    }
    const per = this.tsresol & TSRESOL_POW2 ? 1n << BigInt(this.d) : BigInt(this.d);
    const ticks = BigInt(sec) * per + (BigInt(nsec) * per) / 1_000_000_000n;
    this.hi = Number(ticks >> 32n);
    this.lo = Number(ticks & 0xffffffffn);
  }
}
