// Bad input: each case gives a clear error naming the file (and the byte offset when the
// structure is broken), or for a cut-off file every complete record and a warning.

import { expect } from 'chai';
import { createPcapWriter } from '../../harness/capture/pcap-writer.js';
import { CaptureFormatError, LINKTYPE, readCapture, readCaptureAll } from '../../harness/capture/pcap-reader.js';
import { makeFrames, makeTmpDir, type TmpDir } from './pcap-fixtures.js';
import { rejection } from '../support/rejection.js';


function pcapOf(count: number): Uint8Array {
  const w = createPcapWriter(null, { format: 'pcap' });
  makeFrames(count, 9).forEach((f) => w.write(f.data, f));
  return w.toBytes();
}

function pcapngOf(count: number): Uint8Array {
  const w = createPcapWriter(null, { format: 'pcapng', interfaces: [{ linkType: LINKTYPE.ETHERNET, name: 'eth0' }] });
  makeFrames(count, 10).forEach((f) => w.write(f.data, f));
  return w.toBytes();
}

describe('capture: reader errors and damaged files', () => {
  let tmp: TmpDir;
  before(async () => { tmp = await makeTmpDir(); });
  after(async () => { await tmp.remove(); });

  it('a text file: names the file and shows the first bytes', async () => {
    const path = await tmp.write('x.txt', 'Hello, world\n');
    const err = await rejection(readCaptureAll(path));
    expect(err).to.be.instanceOf(CaptureFormatError);
    expect(err.message).to.equal(`${path}: not a pcap or pcapng file (first bytes 48 65 6c 6c)`);
  });

  it('an empty file', async () => {
    const path = await tmp.write('empty.pcap', '');
    expect((await rejection(readCaptureAll(path))).message).to.equal(`${path}: empty file, not a pcap or pcapng file`);
  });

  it('a file shorter than a magic number', async () => {
    const path = await tmp.write('short.pcap', Uint8Array.of(0xd4, 0xc3));
    expect((await rejection(readCaptureAll(path))).message).to.equal(`${path}: not a pcap or pcapng file (only 2 bytes)`);
  });

  it('a file cut inside the pcap file header, or inside the first SHB', async () => {
    const pcap = await tmp.write('hdr.pcap', pcapOf(1).subarray(0, 20));
    expect((await rejection(readCaptureAll(pcap))).message).to.equal(`${pcap}: truncated pcap file header (20 bytes)`);
    const ng = await tmp.write('hdr.pcapng', pcapngOf(1).subarray(0, 16));
    expect((await rejection(readCaptureAll(ng))).message).to.equal(`${ng}: truncated pcapng file header (16 bytes)`);
  });

  it('a missing file or a directory: the system error names it', async () => {
    const err = await rejection(readCaptureAll(tmp.file('nope.pcap')));
    expect(err.message).to.contain('ENOENT').and.contain('nope.pcap');
    expect((await rejection(readCaptureAll(tmp.path))).message).to.match(new RegExp(`^${tmp.path}: EISDIR`));
  });

  for (const [format, build] of [['pcap', pcapOf], ['pcapng', pcapngOf]] as const) {
    it(`${format}: last record cut in its data or its header → earlier records, truncated flag, warning`, async () => {
      const whole = build(5);
      const full = await readCaptureAll(await tmp.write(`whole.${format}`, whole));
      const last = full.records[4]!;
      const lastLen = format === 'pcap' ? 16 + last.capturedLength : 32 + ((last.capturedLength + 3) & ~3);
      const lastStart = whole.length - lastLen;
      // What the reader needs before it knows the record's length: a pcap record header, or a
      // pcapng block's type, length and (for an SHB) byte-order magic.
      const headerLen = format === 'pcap' ? 16 : 12;
      expect(last.capturedLength).to.be.greaterThan(8);
      for (const cut of [3, last.capturedLength, lastLen - 5]) {
        const bytes = whole.subarray(0, whole.length - cut);
        const present = bytes.length - lastStart;
        const path = await tmp.write(`cut-${cut}.${format}`, bytes);
        for (const chunkSize of [undefined, 7]) {
          const { summary, records } = await readCaptureAll(path, { chunkSize });
          expect(records.length, `cut ${cut}`).to.equal(4);
          expect(records.map((r) => r.data)).to.deep.equal(full.records.slice(0, 4).map((r) => r.data));
          expect(summary).to.deep.include({ truncated: true, frames: 4, bytes: bytes.length });
          expect(summary.warnings).to.deep.equal([
            `${path}: last record truncated at byte offset ${lastStart}: ${present} of ` +
            `${present >= headerLen ? lastLen : headerLen} bytes present; 4 complete frames read`,
          ]);
        }
      }
    });
  }

  it('pcapng: a block length that is not a multiple of 4 stops with its byte offset', async () => {
    const bytes = pcapngOf(3);
    const at = 28 + 32; // SHB (28) + IDB with if_name "eth0" (32): the first EPB
    new DataView(bytes.buffer).setUint32(at + 4, 13, true);
    const path = await tmp.write('badlen.pcapng', bytes);
    const err = await rejection(readCaptureAll(path));
    expect(err).to.be.instanceOf(CaptureFormatError);
    expect(err.message).to.equal(`${path}: corrupt pcapng block length 13 (block type 0x6) at byte offset ${at}`);
    expect((err as CaptureFormatError).offset).to.equal(at);
  });

  it('pcapng: leading and trailing block lengths that differ', async () => {
    const bytes = pcapngOf(3);
    const dv = new DataView(bytes.buffer);
    const second = 60 + dv.getUint32(64, true);
    dv.setUint32(second + 4, dv.getUint32(second + 4, true) + 4, true);
    const path = await tmp.write('mismatch.pcapng', bytes);
    expect((await rejection(readCaptureAll(path))).message).to.match(
      new RegExp(`: corrupt pcapng block: trailing length \\d+ differs from leading length \\d+ at byte offset ${second}$`));
  });

  it('pcapng: a huge block length is corruption, not a reason to buffer gigabytes', async () => {
    const bytes = pcapngOf(2);
    new DataView(bytes.buffer).setUint32(64, 0xfffffff0, true);
    const path = await tmp.write('huge.pcapng', bytes);
    expect((await rejection(readCaptureAll(path))).message).to.contain('corrupt pcapng block length 4294967280 (block type 0x6) at byte offset 60');
  });

  it('pcapng: a packet on an interface that was never described', async () => {
    const bytes = pcapngOf(2);
    new DataView(bytes.buffer).setUint32(68, 1, true);
    const path = await tmp.write('noiface.pcapng', bytes);
    expect((await rejection(readCaptureAll(path))).message).to.equal(
      `${path}: packet refers to interface 1 but its section describes 1 at byte offset 60`);
  });

  it('pcapng: a bad byte-order magic', async () => {
    const bytes = pcapngOf(1);
    bytes[8] = 0;
    const path = await tmp.write('bom.pcapng', bytes);
    expect((await rejection(readCaptureAll(path))).message).to.equal(`${path}: bad pcapng byte-order magic 0x1a2b3c00 at byte offset 0`);
  });

  it('pcap: an absurd captured length is corruption with its offset', async () => {
    const bytes = pcapOf(2);
    new DataView(bytes.buffer).setUint32(24 + 8, 0x7fffffff, true);
    const path = await tmp.write('caplen.pcap', bytes);
    expect((await rejection(readCaptureAll(path))).message).to.equal(
      `${path}: corrupt pcap record: captured length 2147483647 at byte offset 24`);
  });

  it('a callback that throws stops the read with its error', async () => {
    const path = await tmp.write('cb.pcap', pcapOf(10));
    let calls = 0;
    const err = await rejection(readCapture(path, (r) => { calls++; if (r.index === 3) throw new Error('stop here'); }));
    expect(err.message).to.equal('stop here');
    expect(calls).to.equal(3);
  });

  it('an aborted signal stops the read', async () => {
    const path = await tmp.write('abort.pcap', pcapOf(10));
    const ac = new AbortController();
    ac.abort(new Error('cancelled'));
    expect((await rejection(readCapture(path, () => {}, { signal: ac.signal }))).message).to.equal('cancelled');
  });
});
