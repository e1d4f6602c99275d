// Micro-benchmark of the Mobility Header decoder alone: ns per decode of the catalog A.8 PBU
// (9 options), with and without checksum verification, and of a small PBA.
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

function measure(label: string, buf: Uint8Array, iterations: number, withCtx?: ChecksumContext): void {
  let sink = 0;
  for (let i = 0; i < 200_000; i++) sink += decodeMobilityHeader(buf, 0, buf.length, withCtx).options.length;
  // CPU time of this process, so that other load on a shared machine does not count
  const start = process.cpuUsage();
  for (let i = 0; i < iterations; i++) sink += decodeMobilityHeader(buf, 0, buf.length, withCtx).options.length;
  const used = process.cpuUsage(start);
  const ns = ((used.user + used.system) * 1000) / iterations;
  console.log(`${label.padEnd(34)} ${ns.toFixed(0).padStart(5)} ns/decode CPU (${(1e3 / ns).toFixed(2)} M/s, sink ${sink % 7})`);
}

const iterations = Number(process.argv[2] ?? 2_000_000);
for (let round = 1; round <= 2; round++) {
  console.log(`round ${round}`);
  measure('PBU, 9 options, no checksum', pbu, iterations);
  measure('PBU, 9 options, checksum verified', pbu, iterations, ctx);
  measure(`PBA, ${decodeMobilityHeader(pba, 0, pba.length).options.length} options, no checksum`, pba, iterations);
}
