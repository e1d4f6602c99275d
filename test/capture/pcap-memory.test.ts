// The reader's memory does not grow with the file: a child process reads a small and a large
// capture, and its peak RSS (VmHWM) must be about the same for both and far below the file size.

import { expect } from 'chai';
import { execa } from 'execa';
import { stat } from 'node:fs/promises';
import { createPcapWriter } from '../../harness/capture/pcap-writer.js';
import { makeTmpDir, type TmpDir } from './pcap-fixtures.js';

const readerUrl = new URL('../../harness/capture/pcap-reader.js', import.meta.url).href;

// Reads argv[1], touching every frame's last byte, then reports frames and peak RSS.
const childScript = `
import { readFileSync } from 'node:fs';
import { readCapture } from ${JSON.stringify(readerUrl)};
let sum = 0;
const summary = await readCapture(process.argv[1], (r) => { sum += r.buf[r.offset + r.capturedLength - 1]; });
const hwmKb = Number(/VmHWM:\\s+(\\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))[1]);
console.log(JSON.stringify({ frames: summary.frames, sum, hwmKb }));
`;

function writeCapture(path: string, frames: number): void {
  const w = createPcapWriter(path, { format: 'pcap' });
  const frame = new Uint8Array(100);
  for (let i = 0; i < frame.length; i++) frame[i] = i;
  for (let i = 0; i < frames; i++) w.write(frame, { timeSec: 1700000000 + (i >>> 16), timeNsec: (i & 0xffff) * 1000 });
  w.close();
}

async function peakWhileReading(path: string): Promise<{ frames: number; sum: number; hwmKb: number }> {
  const { stdout } = await execa('node', ['--input-type=module', '-e', childScript, path]);
  return JSON.parse(stdout) as { frames: number; sum: number; hwmKb: number };
}

describe('capture: reader memory', function () {
  this.timeout(60000);
  let tmp: TmpDir;
  before(async () => { tmp = await makeTmpDir(); });
  after(async () => { await tmp.remove(); });

  it('peak RSS stays flat from a 12 MB to a 230 MB capture (2M frames)', async () => {
    const small = tmp.file('small.pcap');
    const large = tmp.file('large.pcap');
    writeCapture(small, 100_000);
    writeCapture(large, 2_000_000);
    const largeBytes = (await stat(large)).size;
    expect(largeBytes).to.equal(24 + 2_000_000 * 116);
    const s = await peakWhileReading(small);
    const l = await peakWhileReading(large);
    expect([s.frames, s.sum, l.frames, l.sum]).to.deep.equal([100_000, 99 * 100_000, 2_000_000, 99 * 2_000_000]);
    const growthMb = (l.hwmKb - s.hwmKb) / 1024;
    expect(growthMb, `peak RSS ${s.hwmKb} kB → ${l.hwmKb} kB`).to.be.below(16);
    expect(l.hwmKb * 1024, 'peak RSS against the file size').to.be.below(largeBytes / 2);
  });
});
