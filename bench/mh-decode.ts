// Micro-benchmark of the Mobility Header decoder alone: ns per decode of the catalog A.8 PBU
// (9 options), with and without checksum verification, of a small PBA, and of the PBUs and PBAs
// of 200 MNs in turn, as a capture holds them (distinct NAIs, link-layer IDs and Timestamps: what
// the decoder's caches meet in practice), laid out in one buffer as a capture reader hands them over.
// Run: npx tsc -p tsconfig.json && node dist/bench/mh-decode.js [iterations]

import { encodeMobilityHeader, decodeMobilityHeader, type ChecksumContext } from '../wire/mh.js';
import { parseIpv6 } from '../wire/bytes.js';

const src = parseIpv6('2001:db8:0:1::1');
const dst = parseIpv6('2001:db8:0:2::1');
const pbu = encodeMobilityHeader({
  type: 5, seq: 42, flags: { A: true, H: true, P: true }, lifetime: 600, autoPad: true,
  options: [
    { type: 22, prefix: '::/0' }, { type: 23, value: 1 }, { type: 24, value: 3 },
    { type: 8, subtype: 1, id: 'mn1@example.com' }, { type: 27, seconds: 1700000000, fraction: 0x8000 },
    { type: 26, address: 'fe80::200:5eff:fe00:5213' }, { type: 25, id: '020000000001' },
  ],
}, { src, dst });
const pba = encodeMobilityHeader({
  type: 6, status: 0, seq: 42, lifetime: 600, flags: { P: true }, autoPad: true,
  options: [{ type: 22, prefix: '2001:db8:1::/64' }, { type: 8, subtype: 1, id: 'mn1@example.com' }],
});

const addrBuf = new Uint8Array(32);
addrBuf.set(src, 0);
addrBuf.set(dst, 16);
const ctx: ChecksumContext = { addrBuf, srcOff: 0, dstOff: 16 };

/** The PBU and PBA of each of `mns` MNs, each behind the 32 octets of its pseudo-header addresses. */
function signallingOf(mns: number): { buf: Uint8Array; offsets: number[]; lengths: number[] } {
  const msgs: Uint8Array[] = [];
  for (let i = 0; i < mns; i++) {
    const hex = (n: number) => n.toString(16).padStart(2, '0');
    const options = [
      { type: 23, value: 1 }, { type: 24, value: 3 }, { type: 8, subtype: 1, id: `mn${i}@example.com` },
      { type: 27, seconds: 1800000000 + i, fraction: 0 }, { type: 25, id: `02000000${hex(i >> 8)}${hex(i & 0xff)}` },
    ] as const;
    msgs.push(encodeMobilityHeader({ type: 5, seq: i, flags: { A: true, P: true }, lifetime: 3600, autoPad: true,
      options: [{ type: 22, prefix: '::/0' }, ...options, { type: 26, address: '::' }] }, { src, dst }));
    msgs.push(encodeMobilityHeader({ type: 6, status: 0, seq: i, flags: { P: true }, lifetime: 3600, autoPad: true,
      options: [{ type: 22, prefix: `2001:db8:aa:${i.toString(16)}::/64` }, ...options, { type: 26, address: 'fe80::200:5eff:fe00:5213' }] }, { src: dst, dst: src }));
  }
  const buf = new Uint8Array(msgs.reduce((n, m) => n + 32 + m.length, 0));
  const offsets: number[] = [], lengths: number[] = [];
  let p = 0;
  msgs.forEach((m, k) => {
    buf.set(k % 2 === 0 ? src : dst, p);
    buf.set(k % 2 === 0 ? dst : src, p + 16);
    buf.set(m, p + 32);
    offsets.push(p + 32);
    lengths.push(m.length);
    p += 32 + m.length;
  });
  return { buf, offsets, lengths };
}

/** CPU time of this process per call, so that other load on a shared machine does not count. */
function nsPerCall(iterations: number, call: (i: number) => number): { ns: number; sink: number } {
  let sink = 0;
  for (let i = 0; i < 200_000; i++) sink += call(i);
  const start = process.cpuUsage();
  for (let i = 0; i < iterations; i++) sink += call(i);
  const used = process.cpuUsage(start);
  return { ns: ((used.user + used.system) * 1000) / iterations, sink };
}

function report(label: string, { ns, sink }: { ns: number; sink: number }): void {
  console.log(`${label.padEnd(40)} ${ns.toFixed(0).padStart(5)} ns/decode CPU (${(1e3 / ns).toFixed(2)} M/s, sink ${sink % 7})`);
}

function measure(label: string, buf: Uint8Array, iterations: number, withCtx?: ChecksumContext): void {
  report(label, nsPerCall(iterations, () => decodeMobilityHeader(buf, 0, buf.length, withCtx).options.length));
}

const iterations = Number(process.argv[2] ?? 2_000_000);
const mix = signallingOf(200);
const mixCtx: ChecksumContext = { addrBuf: mix.buf, srcOff: 0, dstOff: 16 };
for (let round = 1; round <= 2; round++) {
  console.log(`round ${round}`);
  measure('PBU, 9 options, no checksum', pbu, iterations);
  measure('PBU, 9 options, checksum verified', pbu, iterations, ctx);
  measure(`PBA, ${decodeMobilityHeader(pba, 0, pba.length).options.length} options, no checksum`, pba, iterations);
  report('PBU+PBA of 200 MNs, checksum verified', nsPerCall(iterations, (i) => {
    const k = i % mix.offsets.length, off = mix.offsets[k]!;
    mixCtx.srcOff = off - 32;
    mixCtx.dstOff = off - 16;
    return decodeMobilityHeader(mix.buf, off, mix.lengths[k]!, mixCtx).options.length;
  }));
}
