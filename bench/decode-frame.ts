// Micro-benchmark of decodeFrame: frames per CPU second per frame kind and for a mix, on one core,
// plus the cost of address text with and without interning. Frames use a few hundred distinct
// addresses, as captures of a testbed do, and lie back to back in one buffer, as a capture reader
// hands them over (the decoders keep a DataView per buffer). Usage: node dist/bench/decode-frame.js
// [seconds-per-case]
import { formatIpv6, parseIpv6 } from '../wire/bytes.js';
import { decodeFrame } from '../wire/frame.js';
import { encodeIcmpv6 } from '../wire/icmpv6.js';
import { ipv6Text } from '../wire/intern.js';
import { encodeIpv6 } from '../wire/ipv6.js';
import { encodeEthernet, ETHERTYPE_IPV6, LINKTYPE_ETHERNET } from '../wire/link.js';
import { encodeMobilityHeader, type MobilityHeaderSpec } from '../wire/mh.js';

const SECONDS = Number(process.argv[2] ?? 1);
const MNS = 200;
const MAGS = 8;
const LMA = '2001:db8:1::ff';

const mnMac = (i: number): string => `02:00:00:00:${(i >> 8).toString(16).padStart(2, '0')}:${(i & 0xff).toString(16).padStart(2, '0')}`;
const mnLinkLocal = (i: number): string => `fe80::ff:fe00:${i.toString(16)}`;
const mnAddress = (i: number): string => `2001:db8:aa:${i.toString(16)}::5`;
const magAddress = (i: number): string => `2001:db8:1::${(i + 1).toString(16)}`;
const MAG_LL = 'fe80::200:5eff:fe00:5213';

function ethernet(payload: Uint8Array): Uint8Array {
  return encodeEthernet({ dst: '02:00:00:00:00:02', src: '02:00:00:00:00:01', ethertype: ETHERTYPE_IPV6 }, payload);
}

function mhFrame(src: string, dst: string, msg: MobilityHeaderSpec): Uint8Array {
  const mh = encodeMobilityHeader(msg, { src: parseIpv6(src), dst: parseIpv6(dst) });
  return ethernet(encodeIpv6({ src, dst, nextHeader: 135, payload: mh }));
}

function icmpFrame(src: string, dst: string, msg: Parameters<typeof encodeIcmpv6>[0]): Uint8Array {
  return ethernet(encodeIpv6({ src, dst, hopLimit: 255, nextHeader: 58, payload: encodeIcmpv6(msg, src, dst) }));
}

function pbu(i: number): Uint8Array {
  return mhFrame(magAddress(i % MAGS), LMA, {
    type: 5, seq: i, flags: { A: true, H: true, P: true }, lifetime: 600, autoPad: true,
    options: [
      { type: 22, prefix: '::/0' }, { type: 23, value: 1 }, { type: 24, value: 3 },
      { type: 8, subtype: 1, id: `mn${i}@example.com` }, { type: 27, seconds: 1700000000 + i, fraction: 0x8000 },
      { type: 26, address: '::' }, { type: 25, id: `0200000000${(i & 0xff).toString(16).padStart(2, '0')}` },
    ],
  });
}

function pba(i: number): Uint8Array {
  return mhFrame(LMA, magAddress(i % MAGS), {
    type: 6, status: 0, flags: { P: true }, seq: i, lifetime: 600, autoPad: true,
    options: [
      { type: 22, prefix: `2001:db8:aa:${i.toString(16)}::/64` }, { type: 23, value: 1 }, { type: 24, value: 3 },
      { type: 8, subtype: 1, id: `mn${i}@example.com` }, { type: 27, seconds: 1700000000 + i, fraction: 0x8000 },
      { type: 26, address: MAG_LL }, { type: 25, id: `0200000000${(i & 0xff).toString(16).padStart(2, '0')}` },
    ],
  });
}

const rs = (i: number): Uint8Array => icmpFrame(mnLinkLocal(i), 'ff02::2', { type: 133, sourceLinkLayer: mnMac(i) });
const ra = (i: number): Uint8Array => icmpFrame(MAG_LL, mnLinkLocal(i), {
  type: 134, curHopLimit: 64, routerLifetime: 1800, sourceLinkLayer: '00:00:5e:00:52:13', mtu: 1460,
  prefixes: [{ type: 3, prefix: `2001:db8:aa:${i.toString(16)}::/64`, validLifetime: 86400, preferredLifetime: 14400 }],
});
const ns = (i: number): Uint8Array => icmpFrame(mnLinkLocal(i), 'ff02::1:ff00:5213', { type: 135, target: MAG_LL, sourceLinkLayer: mnMac(i) });
const na = (i: number): Uint8Array => icmpFrame(MAG_LL, mnLinkLocal(i), { type: 136, router: true, solicited: true, target: MAG_LL, targetLinkLayer: '00:00:5e:00:52:13' });

/** MN -> CN echo, tunnelled MAG -> LMA (seg6 reduced form: plain next header 41). */
function tunnelled(i: number): Uint8Array {
  const src = mnAddress(i), dst = '2001:db8:ff::1';
  const echo = encodeIcmpv6({ type: 128, id: i, seq: 1, dataLength: 56 }, src, dst);
  const inner = encodeIpv6({ src, dst, nextHeader: 58, payload: echo });
  return ethernet(encodeIpv6({ src: magAddress(i % MAGS), dst: LMA, nextHeader: 41, payload: inner }));
}

const KINDS: Record<string, (i: number) => Uint8Array> = { PBU: pbu, PBA: pba, RS: rs, RA: ra, NS: ns, NA: na, 'IP6-in-IP6 echo': tunnelled };

/** Frames laid out back to back in one buffer, as a capture reader hands them over. */
interface Corpus { buf: Uint8Array; offsets: Int32Array; lengths: Int32Array }

function corpus(frames: Uint8Array[]): Corpus {
  const total = frames.reduce((n, f) => n + f.length, 0);
  const buf = new Uint8Array(total);
  const offsets = new Int32Array(frames.length), lengths = new Int32Array(frames.length);
  let p = 0;
  frames.forEach((f, i) => { buf.set(f, p); offsets[i] = p; lengths[i] = f.length; p += f.length; });
  return { buf, offsets, lengths };
}

let sink = 0;

function framesPerSecond(c: Corpus): number {
  const n = c.offsets.length;
  const run = (count: number): void => {
    for (let k = 0; k < count; k++) {
      const i = k % n;
      const f = decodeFrame(LINKTYPE_ETHERNET, c.buf, c.offsets[i]!, c.lengths[i]!);
      if (f.malformed !== undefined) sink++;
    }
  };
  run(200_000); // warm-up: let the optimizer settle
  let count = 0;
  // Runs for SECONDS of wall time but counts this process's CPU time: other load on a shared
  // machine then does not count against the decoder.
  const cpu = process.cpuUsage();
  const deadline = process.hrtime.bigint() + BigInt(Math.round(SECONDS * 1e9));
  while (process.hrtime.bigint() < deadline) { run(100_000); count += 100_000; }
  const used = process.cpuUsage(cpu);
  return count / ((used.user + used.system) / 1e6);
}

function addressTextCost(format: (buf: Uint8Array, off: number) => string): number {
  const addrs = new Uint8Array(16 * 300);
  for (let i = 0; i < 300; i++) addrs.set(parseIpv6(i % 2 ? mnAddress(i) : mnLinkLocal(i)), 16 * i);
  let len = 0;
  for (let k = 0; k < 1_000_000; k++) len += format(addrs, 16 * (k % 300)).length;
  const cpu = process.cpuUsage();
  const N = 5_000_000;
  for (let k = 0; k < N; k++) len += format(addrs, 16 * (k % 300)).length;
  const used = process.cpuUsage(cpu);
  sink += len & 1;
  return ((used.user + used.system) * 1000) / N;
}

const lines: string[] = [];
for (const [name, make] of Object.entries(KINDS)) {
  const frames = Array.from({ length: MNS }, (_, i) => make(i));
  lines.push(`${name.padEnd(21)} ${(framesPerSecond(corpus(frames)) / 1e6).toFixed(2)} M frames/s  (${frames[0]!.length} octets)`);
}
/** Frames of the given kinds, `weight` of each per MN, interleaved so a mix is not sorted runs. */
function mix(weights: Record<string, number>): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let i = 0; i < MNS; i++) {
    for (const [name, w] of Object.entries(weights)) for (let j = 0; j < w; j++) out.push(KINDS[name]!(i));
  }
  return out;
}
const MIXES: Record<string, Record<string, number>> = {
  'mix, all kinds equal': { PBU: 1, PBA: 1, RS: 1, RA: 1, NS: 1, NA: 1, 'IP6-in-IP6 echo': 1 },
  'mix, no MH': { RS: 1, RA: 1, NS: 1, NA: 1, 'IP6-in-IP6 echo': 1 },
  'mix, 80% data': { PBU: 1, PBA: 1, RS: 1, RA: 1, NS: 1, NA: 1, 'IP6-in-IP6 echo': 24 },
};
for (const [name, weights] of Object.entries(MIXES)) {
  const frames = mix(weights);
  lines.push(`${name.padEnd(21)} ${(framesPerSecond(corpus(frames)) / 1e6).toFixed(2)} M frames/s  (${frames.length} distinct frames)`);
}
lines.push(`address text, 300 distinct: formatIpv6 ${addressTextCost(formatIpv6).toFixed(1)} ns, interned ipv6Text ${addressTextCost(ipv6Text).toFixed(1)} ns`);
process.stdout.write(`decodeFrame, node ${process.version}, one core, CPU time\n${lines.join('\n')}\n`);
if (sink < 0) process.stdout.write('');
