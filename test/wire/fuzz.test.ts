// Malformed input never throws out of the decoder: 100k mutations of the sample corpus (fixed
// seed), each decoded, rendered as JSON and as a summary line, then all of them written to a
// capture and read back, so that every frame is shown to come back.
import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SAMPLE_FRAMES } from '../support/sample-frames.js';
import { mulberry32 } from '../../harness/prng.js';
import { decodeFrame, summarizeFrame } from '../../wire/index.js';
import { createPcapWriter } from '../../harness/capture/pcap-writer.js';
import { readCapture } from '../../harness/capture/pcap-reader.js';

const MUTATIONS = 100_000;
const SEED = 0x5213;

/** One mutation: flipped bits, overwritten bytes, a cut, an insertion, or a duplicated span. */
function mutate(src: Uint8Array, rnd: () => number): Uint8Array {
  const pick = (n: number) => Math.floor(rnd() * n);
  let b = Uint8Array.from(src);
  const kind = pick(6);
  const rounds = 1 + pick(4);
  for (let r = 0; r < rounds; r++) {
    switch (kind) {
      case 0: { const i = pick(b.length); b[i]! ^= 1 << pick(8); break; }
      case 1: b[pick(b.length)] = pick(256); break;
      // Length and type fields are where decoders go wrong: set bytes to the extremes.
      case 2: b[pick(b.length)] = [0, 1, 0x7f, 0x80, 0xff][pick(5)]!; break;
      case 3: b = b.subarray(0, pick(b.length)); break;
      case 4: {
        const at = pick(b.length + 1);
        const ins = Uint8Array.from({ length: 1 + pick(16) }, () => pick(256));
        const out = new Uint8Array(b.length + ins.length);
        out.set(b.subarray(0, at)); out.set(ins, at); out.set(b.subarray(at), at + ins.length);
        b = out;
        break;
      }
      default: {
        const from = pick(b.length), len = pick(b.length - from + 1), at = pick(b.length + 1);
        const out = new Uint8Array(b.length + len);
        out.set(b.subarray(0, at)); out.set(b.subarray(from, from + len), at); out.set(b.subarray(at), at + len);
        b = out;
      }
    }
    if (b.length === 0) break;
  }
  return b;
}

describe('decoder fuzz (100k mutations, fixed seed)', function () {
  this.timeout(120_000);
  let dir: string;
  before(() => { dir = mkdtempSync(join(tmpdir(), 'pmip-fuzz-')); });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('never throws, always returns a frame, and every frame comes back from a capture', async () => {
    const rnd = mulberry32(SEED);
    const file = join(dir, 'fuzz.pcapng');
    const linkTypes = [...new Set(SAMPLE_FRAMES.map((s) => s.linkType))];
    const w = createPcapWriter(file, { format: 'pcapng', interfaces: linkTypes.map((linkType) => ({ linkType })) });
    let malformed = 0;
    const failures: string[] = [];
    for (let i = 0; i < MUTATIONS; i++) {
      const sample = SAMPLE_FRAMES[i % SAMPLE_FRAMES.length]!;
      const bytes = mutate(sample.bytes, rnd);
      try {
        const frame = decodeFrame(sample.linkType, bytes, 0, bytes.length);
        if (frame.linkType !== sample.linkType) throw new Error('no frame came back');
        JSON.stringify(frame);
        summarizeFrame(frame);
        if (frame.malformed) malformed++;
      } catch (err) {
        if (failures.length < 5) failures.push(`mutation ${i} of "${sample.name}" (${Buffer.from(bytes).toString('hex')}): ${(err as Error).stack}`);
      }
      w.write(bytes, 1_800_000_000 + i / 1000, { interfaceId: linkTypes.indexOf(sample.linkType) });
    }
    w.close();
    expect(failures, failures.join('\n\n')).to.deep.equal([]);
    // The mutations must actually reach the error paths, or this test proves little.
    expect(malformed).to.be.greaterThan(MUTATIONS / 10);

    let back = 0;
    const summary = await readCapture(file, (rec) => {
      const frame = decodeFrame(rec.linkType, rec.buf, rec.offset, rec.capturedLength);
      if (frame.linkType === rec.linkType) back++;
    });
    expect(summary.frames).to.equal(MUTATIONS);
    expect(back).to.equal(MUTATIONS);
  });
});
