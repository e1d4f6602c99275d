#!/usr/bin/env node
// A PBU load generator for benchmarks and I/O tests: run inside a MAG's namespace, it registers
// MNs at an LMA over real raw sockets, keeping up to --window PBUs in flight, and prints one JSON
// line: how many PBAs came back, with which statuses, the PBU->PBA latencies and the rate.
import { parseArgs } from 'node:util';
import { encodeMobilityHeader, decodeMobilityHeader, timestampFromDate, type BindingAck } from '../../wire/index.js';
import { MhSocket } from '../io/mh-socket.js';

const { values: v } = parseArgs({
  options: {
    lmaa: { type: 'string' }, src: { type: 'string' }, count: { type: 'string', default: '1' },
    window: { type: 'string', default: '64' }, start: { type: 'string', default: '0' },
    template: { type: 'string', default: 'mn{n}@bench.example' }, timeout: { type: 'string', default: '10000' },
    /** Malformed Mobility Headers sent before each PBU (robustness: they must not slow the PBAs). */
    garbage: { type: 'string', default: '0' },
    /** Send through the bound protocol-135 socket, which the kernel's IPsec policies protect (the LMA's domain has ipsec on). */
    protected: { type: 'boolean', default: false },
  },
});
if (v.lmaa === undefined || v.src === undefined) {
  process.stderr.write('usage: pbu-load --lmaa ADDR --src PROXY-COA [--count N] [--window W] [--start N] [--template mn{n}@realm]\n');
  process.exit(2);
}
const count = Number(v.count), window = Number(v.window), start = Number(v.start), timeoutMs = Number(v.timeout);
const garbage = Number(v.garbage);
let garbageSent = 0;

/** A PBU-typed header whose Header Len promises more than the datagram has, with random contents. */
function junk(): Uint8Array {
  const b = crypto.getRandomValues(new Uint8Array(8 + ((garbageSent * 7) % 48)));
  b[0] = 59; b[2] = 5; b[1] = 40;
  garbageSent++;
  return b;
}

const sentAt = new Map<number, number>();
const latencies: number[] = [];
const statuses: Record<number, number> = {};
let next = 0;
let received = 0;
let seq = 0;
const t0 = performance.now();

const sock = new MhSocket(v.src, (buf) => {
  const m = decodeMobilityHeader(buf, 0, buf.length);
  if (m.type !== 6) return;
  const at = sentAt.get((m as BindingAck).seq);
  if (at === undefined) return;
  sentAt.delete((m as BindingAck).seq);
  latencies.push(performance.now() - at);
  statuses[(m as BindingAck).status] = (statuses[(m as BindingAck).status] ?? 0) + 1;
  received++;
  if (received === count) finish();
  else pump();
}, (err) => { process.stderr.write(`socket: ${err.message}\n`); }, v.protected);

function pbu(n: number): Uint8Array {
  seq = (seq + 1) & 0xffff;
  const ts = timestampFromDate(Date.now());
  return encodeMobilityHeader({
    type: 5, seq, flags: { A: true, P: true }, lifetimeUnits: 900, autoPad: true,
    options: [
      { type: 22, prefix: '::/0' }, { type: 23, value: 1 }, { type: 24, value: 3 },
      { type: 8, subtype: 1, id: v.template!.replace('{n}', String(n)) },
      { type: 27, seconds: ts.seconds, fraction: ts.fraction }, { type: 26, address: '::' },
    ],
  });
}

function pump(): void {
  while (next < count && sentAt.size < window) {
    for (let g = 0; g < garbage; g++) sock.send(junk(), v.lmaa!).catch(() => undefined);
    const bytes = pbu(start + next++);
    sentAt.set(seq, performance.now());
    sock.send(bytes, v.lmaa!).catch((err: Error) => process.stderr.write(`send: ${err.message}\n`));
  }
}

const timer = setTimeout(() => finish(), timeoutMs);

function finish(): void {
  clearTimeout(timer);
  const elapsed = performance.now() - t0;
  latencies.sort((a, b) => a - b);
  const q = (p: number) => latencies.length === 0 ? null : Number(latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))]!.toFixed(3));
  process.stdout.write(JSON.stringify({ sent: next, garbageSent, received, statuses, elapsedMs: Number(elapsed.toFixed(1)), perSecond: Math.round((received / elapsed) * 1000), p50Ms: q(0.5), p99Ms: q(0.99), maxMs: q(1) }) + '\n');
  sock.close();
}

pump();
