// The decoder's output is an interface: `pmip-testbed decode --json` prints it and checks read it.
// This pins it, as JSON.stringify prints it and key for key (a key holding undefined counts), to a
// snapshot taken from the decoder before it was tuned for speed, so a speed-up that changes what
// anyone sees fails here. Three corpora: every sample frame (stored in full, to read a diff), the
// frames of the decode benchmark's capture, and systematic damage to the samples (every octet set
// to 0x00, 0xff or flipped, every truncation), which walks the malformed paths. The last two are
// stored as digests. Each corpus is decoded twice so that what the decoders cache (interned text,
// NAIs) must give the same answer on a hit as on a miss.
// Regenerate, only for an intended change of the output: PMIP_UPDATE_DECODE_SNAPSHOT=1 npx mocha ...
import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeMixCapture } from '../../bench/capture-mix.js';
import { readCapture } from '../../harness/capture/pcap-reader.js';
import { decodeFrame } from '../../wire/frame.js';
import { SAMPLE_FRAMES } from '../support/sample-frames.js';

const FIXTURE = fileURLToPath(new URL('../../../test/wire/fixtures/decode-json-stability.json', import.meta.url));
/** The mix repeats 200 MNs x 8 frames; a stride coprime with 1600 visits each of them once. */
const MIX_FRAMES = 1600;

interface Snapshot {
  samples: { name: string; decoded: unknown }[];
  mix: { frames: number; sha256: string };
  damaged: { frames: number; sha256: string };
}

/** JSON.stringify, except that a key holding undefined shows (plain JSON drops it). */
function keyedJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => (v === undefined ? '<undefined>' : v));
}

/** One frame's two renderings; they differ only when some key holds undefined. */
function renderings(linkType: number, buf: Uint8Array, off: number, len: number): string {
  const f = decodeFrame(linkType, buf, off, len);
  const plain = JSON.stringify(f), keyed = keyedJson(f);
  return plain === keyed ? plain : `${plain}\n${keyed}`;
}

function digest(lines: readonly string[]): string {
  const h = createHash('sha256');
  for (const l of lines) h.update(l).update('\n');
  return h.digest('hex');
}

async function mixRenderings(): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), 'pmip-json-stability-'));
  try {
    const file = join(dir, 'mix.pcap');
    writeMixCapture(file, MIX_FRAMES);
    const out: string[] = [];
    await readCapture(file, (rec) => { out.push(renderings(rec.linkType, rec.buf, rec.offset, rec.capturedLength)); });
    return out;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function damagedRenderings(): string[] {
  const out: string[] = [];
  for (const s of SAMPLE_FRAMES) {
    const b = Uint8Array.from(s.bytes);
    for (let i = 0; i < b.length; i++) {
      const orig = b[i]!;
      for (const v of [0x00, 0xff, orig ^ 0x01, orig ^ 0x80]) {
        b[i] = v;
        out.push(renderings(s.linkType, b, 0, b.length));
      }
      b[i] = orig;
      out.push(renderings(s.linkType, b, 0, i));
    }
  }
  return out;
}

async function snapshot(): Promise<Snapshot> {
  const mix = await mixRenderings();
  const damaged = damagedRenderings();
  return {
    samples: SAMPLE_FRAMES.map((s) => ({ name: s.name, decoded: JSON.parse(renderings(s.linkType, s.bytes, 0, s.bytes.length)) as unknown })),
    mix: { frames: mix.length, sha256: digest(mix) },
    damaged: { frames: damaged.length, sha256: digest(damaged) },
  };
}

describe('decoded frames as JSON (snapshot from before the speed work)', function () {
  this.timeout(120_000);

  if (process.env.PMIP_UPDATE_DECODE_SNAPSHOT === '1') {
    it('writes the snapshot', async () => {
      writeFileSync(FIXTURE, `${JSON.stringify(await snapshot(), null, 1)}\n`);
    });
    return;
  }

  const fixture = JSON.parse(readFileSync(FIXTURE, 'utf8')) as Snapshot;

  it('every sample frame, key for key, twice', () => {
    expect(SAMPLE_FRAMES.map((s) => s.name)).to.deep.equal(fixture.samples.map((s) => s.name));
    for (let round = 0; round < 2; round++) {
      SAMPLE_FRAMES.forEach((s, i) => {
        const f = decodeFrame(s.linkType, s.bytes, 0, s.bytes.length);
        const want = JSON.stringify(fixture.samples[i]!.decoded);
        expect(JSON.stringify(f), s.name).to.equal(want);
        expect(keyedJson(f), `${s.name}: a key holds undefined`).to.equal(want);
      });
    }
  });

  it('the frames of the decode benchmark, twice', async () => {
    for (let round = 0; round < 2; round++) {
      const mix = await mixRenderings();
      expect({ frames: mix.length, sha256: digest(mix) }).to.deep.equal(fixture.mix);
    }
  });

  it('every octet of every sample damaged, and every truncation, twice', () => {
    for (let round = 0; round < 2; round++) {
      const damaged = damagedRenderings();
      expect({ frames: damaged.length, sha256: digest(damaged) }).to.deep.equal(fixture.damaged);
    }
  });
});
