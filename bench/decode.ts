// `npm run bench:decode`: how fast captures are read and decoded, against pcap-parser and tshark
// measured in the same run on the same file. Every measurement runs in its own process so that
// its peak memory (VmHWM) is its own.
//   node dist/bench/decode.js [--frames 1000000] [--big 4000000] [--runs 3]
//   node dist/bench/decode.js --measure reader|decode|pcap-parser FILE   (one measurement, JSON)
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { readCapture } from '../harness/capture/pcap-reader.js';
import { decodeFrame } from '../wire/frame.js';
import { EspSaTable } from '../wire/esp.js';
import { MIX_ESP_SAS, writeMixCapture } from './capture-mix.js';
import { runBench } from './run-bench.js';

interface Measurement { frames: number; seconds: number; peakRssMiB: number }

function peakRssMiB(): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

async function measure(kind: string, file: string): Promise<Measurement> {
  const t0 = process.hrtime.bigint();
  let frames = 0;
  if (kind === 'reader') {
    await readCapture(file, () => { frames++; });
  } else if (kind === 'decode' || kind === 'decode-esp') {
    // Touch the result so the decode cannot be optimised away.
    let mh = 0;
    const sas = kind === 'decode-esp' ? new EspSaTable(MIX_ESP_SAS) : undefined;
    await readCapture(file, (rec) => {
      const f = decodeFrame(rec.linkType, rec.buf, rec.offset, rec.capturedLength, sas);
      if (f.mh !== undefined || f.inner?.icmpv6 !== undefined) mh++;
      frames++;
    });
    if (mh === 0) throw new Error('decoded nothing');
  } else if (kind === 'pcap-parser') {
    const pcapParser = createRequire(import.meta.url)('pcap-parser') as { parse(path: string): NodeJS.EventEmitter };
    await new Promise<void>((resolve, reject) => {
      const p = pcapParser.parse(file);
      p.on('packet', () => { frames++; });
      p.on('end', resolve);
      p.on('error', reject);
    });
  } else {
    throw new Error(`unknown measurement '${kind}'`);
  }
  return { frames, seconds: Number(process.hrtime.bigint() - t0) / 1e9, peakRssMiB: peakRssMiB() };
}

function inChild(kind: string, file: string): Measurement {
  const r = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--measure', kind, file], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${kind} measurement failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as Measurement;
}

function tshark(file: string): Measurement {
  const t0 = process.hrtime.bigint();
  const out = execFileSync('tshark', ['-r', file, '-Y', 'mipv6', '-T', 'fields', '-e', 'frame.number'], { maxBuffer: 1 << 30, stdio: ['ignore', 'pipe', 'ignore'] });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const total = Number(execFileSync('capinfos', ['-c', '-M', '-r', file], { encoding: 'utf8' }).trim().split(/\s+/).pop());
  // tshark reads and dissects every frame; -Y only selects which to print.
  void out;
  return { frames: total, seconds, peakRssMiB: NaN };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const rate = (m: Measurement) => m.frames / m.seconds;
const fmt = (r: number) => (r >= 1e6 ? `${(r / 1e6).toFixed(2)} M ` : `${(r / 1e3).toFixed(1)} k `);

async function main(): Promise<void> {
  const { values } = parseArgs({ options: {
    measure: { type: 'string' }, frames: { type: 'string', default: '1000000' }, big: { type: 'string', default: '4000000' },
    runs: { type: 'string', default: '3' }, 'no-tshark': { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
  }, allowPositionals: true, args: process.argv.slice(2) });
  if (values.help) {
    process.stdout.write('usage: npm run bench:decode [-- --frames N] [--big N] [--runs N] [--no-tshark]\n');
    return;
  }
  if (values.measure) {
    const file = process.argv[process.argv.length - 1]!;
    process.stdout.write(JSON.stringify(await measure(values.measure, file)));
    return;
  }
  const frames = Number(values.frames), big = Number(values.big), runs = Number(values.runs);
  const dir = mkdtempSync(join(tmpdir(), 'pmip-bench-decode-'));
  try {
    const file = join(dir, 'mix.pcap');
    process.stderr.write(`generating ${frames} frames (PBU/PBA, RS/RA/NS/NA, tunnelled data)...\n`);
    writeMixCapture(file, frames);
    process.stderr.write(`  ${(statSync(file).size / 2 ** 20).toFixed(0)} MiB\n`);
    const results: Record<string, Measurement> = {};
    const med = (kind: string, f: string): Measurement => {
      const ms = Array.from({ length: runs }, () => inChild(kind, f));
      return ms.find((x) => x.seconds === median(ms.map((y) => y.seconds)))!;
    };
    for (const kind of ['reader', 'decode', 'pcap-parser']) {
      const m = med(kind, file);
      results[kind] = m;
      process.stderr.write(`  ${kind.padEnd(12)} ${fmt(rate(m))}frames/s (median of ${runs})\n`);
    }
    const haveTshark = !values['no-tshark'] && existsSync('/usr/bin/tshark');
    if (haveTshark) {
      results.tshark = tshark(file);
      process.stderr.write(`  ${'tshark'.padEnd(12)} ${fmt(rate(results.tshark))}frames/s\n`);
    }
    // Signalling alone, in clear and in ESP-NULL (verified with its keys, and read without them).
    const sigFrames = Math.max(1, Math.floor(frames / 4));
    const plainSig = join(dir, 'signalling.pcap'), espSig = join(dir, 'signalling-esp-null.pcap');
    writeMixCapture(plainSig, sigFrames, { signallingOnly: true });
    writeMixCapture(espSig, sigFrames, { signallingOnly: true, esp: true });
    const sig = { plain: med('decode', plainSig), keyed: med('decode-esp', espSig), unkeyed: med('decode', espSig) };
    process.stderr.write(`  signalling in clear ${fmt(rate(sig.plain))}frames/s, in ESP-NULL ${fmt(rate(sig.keyed))}frames/s (keys) / ${fmt(rate(sig.unkeyed))}frames/s (no keys)\n`);
    process.stderr.write(`generating ${big} frames for the memory check...\n`);
    const bigFile = join(dir, 'big.pcap');
    writeMixCapture(bigFile, big);
    const bigDecode = inChild('decode', bigFile);
    rmSync(bigFile);

    const r = (k: string) => rate(results[k]!);
    const rows: [string, string, string][] = [
      ['(a) our reader alone', `${fmt(r('reader'))}frames/s`, 'goal >= 5 M frames/s'],
      ['(b) our reader + full decode', `${fmt(r('decode'))}frames/s`, ''],
      ['(c) pcap-parser, counting frames', `${fmt(r('pcap-parser'))}frames/s`, ''],
      ['(d) tshark -r FILE -Y mipv6', haveTshark ? `${fmt(r('tshark'))}frames/s` : 'skipped (tshark not installed)', ''],
      ['ratio (a) / (c)', `${(r('reader') / r('pcap-parser')).toFixed(1)}x`, ''],
      ['ratio (b) / (c)', `${(r('decode') / r('pcap-parser')).toFixed(1)}x`, 'goal >= 3x'],
      ['ratio (b) / (d)', haveTshark ? `${(r('decode') / r('tshark')).toFixed(1)}x` : '-', 'goal >= 30x'],
      [`(e) PBU/PBA only, in clear (${sigFrames})`, `${fmt(rate(sig.plain))}frames/s`, ''],
      ['(f) the same in ESP-NULL, ICV verified', `${fmt(rate(sig.keyed))}frames/s`, ''],
      ['(g) the same in ESP-NULL, no keys', `${fmt(rate(sig.unkeyed))}frames/s`, ''],
      ['ratio (f) / (e)', `${(rate(sig.keyed) / rate(sig.plain)).toFixed(2)}x`, 'ESP-NULL read and verified vs clear'],
      ['ratio (g) / (e)', `${(rate(sig.unkeyed) / rate(sig.plain)).toFixed(2)}x`, 'ESP-NULL from its trailer vs clear'],
      [`(b) on the ${big}-frame file`, `${fmt(rate(bigDecode))}frames/s`, 'JIT warm-up spread over more frames'],
      [`peak RSS, full decode, ${frames} frames`, `${results.decode!.peakRssMiB.toFixed(0)} MiB`, ''],
      [`peak RSS, full decode, ${big} frames`, `${bigDecode.peakRssMiB.toFixed(0)} MiB`, 'goal: flat as the file grows'],
    ];
    const w = Math.max(...rows.map((x) => x[0].length));
    process.stdout.write(`\nbench:decode (${frames} frames, same file and run for every row)\n`);
    for (const [k, v, goal] of rows) process.stdout.write(`  ${k.padEnd(w)}  ${v.padEnd(18)} ${goal}\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

runBench('decode', main);
