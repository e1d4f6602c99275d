// The tick arithmetic against BigInt, at the values where doubles lose digits.

import { expect } from 'chai';
import { Timescale, ticksPerSecond } from '../../harness/capture/pcap-timescale.js';
import { mulberry32 as prng } from '../../harness/prng.js';

function split(ticks: bigint): [number, number] {
  return [Number(ticks >> 32n), Number(ticks & 0xffffffffn)];
}

function bigTime(ticks: bigint, tsresol: number): [number, number] {
  const per = tsresol & 0x80 ? 1n << BigInt(tsresol & 0x7f) : 10n ** BigInt(tsresol);
  return [Number(ticks / per), Number(((ticks % per) * 1_000_000_000n) / per)];
}

const resolutions = [0, 3, 6, 9, 12, 0x80 | 0, 0x80 | 10, 0x80 | 20, 0x80 | 30, 0x80 | 32, 0x80 | 40];

describe('capture: pcapng timestamp ticks', () => {
  it('ticks per second of if_tsresol', () => {
    expect([6, 9, 0x80 | 10, 0].map(ticksPerSecond)).to.deep.equal([1e6, 1e9, 1024, 1]);
  });

  it('1700000000.123456789 s in nanosecond ticks (beyond 2^53) splits exactly', () => {
    const out = { timeSec: 0, timeNsec: 0 };
    new Timescale(9).toTime(0x17979cfe, 0x3d85cd15, out);
    expect(out).to.deep.equal({ timeSec: 1700000000, timeNsec: 123456789 });
    const ts = new Timescale(9);
    ts.fromTime(1700000000, 123456789);
    expect([ts.hi, ts.lo]).to.deep.equal([0x17979cfe, 0x3d85cd15]);
  });

  for (const tsresol of resolutions) {
    it(`tsresol 0x${tsresol.toString(16)}: toTime and fromTime agree with BigInt on random and edge values`, () => {
      const rnd = prng(tsresol + 1);
      const per = tsresol & 0x80 ? 1n << BigInt(tsresol & 0x7f) : 10n ** BigInt(tsresol);
      const ts = new Timescale(tsresol);
      const out = { timeSec: 0, timeNsec: 0 };
      // Times up to 2^34 s (year 2514) as ticks; the tick count itself is capped at 2^64.
      const limit = 1n << 64n;
      const cases: bigint[] = [0n, 1n, per - 1n, per, per + 1n, 1700000000n * per - 1n, 1700000000n * per];
      for (let i = 0; i < 2000; i++) {
        const sec = BigInt(Math.floor(rnd() * 2 ** 34));
        const frac = BigInt(Math.floor(rnd() * 2 ** 32)) * per / 4294967296n;
        cases.push(sec * per + frac);
      }
      for (const ticks of cases.filter((t) => t < limit)) {
        const [hi, lo] = split(ticks);
        ts.toTime(hi, lo, out);
        const [sec, nsec] = bigTime(ticks, tsresol);
        expect([out.timeSec, out.timeNsec], `ticks ${ticks}`).to.deep.equal([sec, nsec]);
        // Back to ticks, floored: the same ticks when a tick is a whole number of nanoseconds,
        // otherwise earlier by less than one nanosecond's worth of ticks (at least one).
        ts.fromTime(sec, nsec);
        const back = (BigInt(ts.hi) << 32n) | BigInt(ts.lo);
        const want = (BigInt(sec) * per) + (BigInt(nsec) * per) / 1_000_000_000n;
        expect(back, `ticks ${ticks} back`).to.equal(want);
        if (1_000_000_000n % per === 0n) expect(back).to.equal(ticks);
        else expect(ticks - back >= 0n && ticks - back <= per / 1_000_000_000n + 1n, `ticks ${ticks} back`).to.equal(true);
      }
    });
  }
});
