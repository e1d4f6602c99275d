// Every writer variant read back field by field, and read again with tiny chunk sizes so that
// records, headers and options straddle chunk boundaries at every possible place.

import { expect } from 'chai';
import { readFile } from 'node:fs/promises';
import { createPcapWriter, type PcapWriter, type PcapWriterOptions, type PcapngInterfaceOptions } from '../../harness/capture/pcap-writer.js';
import { LINKTYPE, readCapture, readCaptureAll, type CaptureRecord } from '../../harness/capture/pcap-reader.js';
import { BLOCK } from '../../harness/capture/pcap-format.js';
import { makeFrames, makeTmpDir, nsecAtResolution, type FrameSpec, type TmpDir } from './pcap-fixtures.js';

interface Expected {
  timeSec: number;
  timeNsec: number;
  capturedLength: number;
  originalLength: number;
  linkType: number;
  interfaceId: number;
  interfaceName: string | undefined;
  data: Uint8Array;
}

interface ModelInterface {
  linkType: number;
  name?: string;
  snaplen: number;
  tsresol: number;
  globalId: number;
}

/** Writes through a PcapWriter and keeps what the reader must give back for each frame. */
class Recorder {
  readonly expected: Expected[] = [];
  private section: ModelInterface[] = [];
  private nextGlobalId = 0;

  constructor(readonly writer: PcapWriter, interfaces: PcapngInterfaceOptions[]) {
    this.describe(interfaces);
  }

  write(f: FrameSpec): void {
    this.writer.write(f.data, { timeSec: f.timeSec, timeNsec: f.timeNsec }, { interfaceId: f.interfaceId });
    const i = this.section[f.interfaceId]!;
    this.expect(i, f.data, f.timeSec, nsecAtResolution(f.timeNsec, i.tsresol));
  }

  simple(data: Uint8Array): void {
    this.writer.writeSimple(data);
    this.expect(this.section[0]!, data, 0, 0);
  }

  newSection(bigEndian: boolean, interfaces: PcapngInterfaceOptions[]): void {
    this.writer.newSection({ bigEndian, interfaces });
    this.describe(interfaces);
  }

  private describe(interfaces: PcapngInterfaceOptions[]): void {
    this.section = interfaces.map((i) => ({
      linkType: i.linkType, name: i.name, snaplen: i.snaplen ?? 262144, tsresol: i.tsresol ?? 6,
      globalId: this.nextGlobalId++,
    }));
  }

  private expect(i: ModelInterface, data: Uint8Array, timeSec: number, timeNsec: number): void {
    const capturedLength = i.snaplen === 0 ? data.length : Math.min(data.length, i.snaplen);
    this.expected.push({
      timeSec, timeNsec, capturedLength, originalLength: data.length, linkType: i.linkType,
      interfaceId: i.globalId, interfaceName: i.name, data: data.slice(0, capturedLength),
    });
  }
}

function pick(r: CaptureRecord): Expected {
  return {
    timeSec: r.timeSec, timeNsec: r.timeNsec, capturedLength: r.capturedLength, originalLength: r.originalLength,
    linkType: r.linkType, interfaceId: r.interfaceId, interfaceName: r.interfaceName, data: r.data.slice(),
  };
}

function expectRecords(records: CaptureRecord[], expected: Expected[]): void {
  expect(records.length).to.equal(expected.length);
  records.forEach((r, i) => {
    expect(r.index, 'index').to.equal(i + 1);
    expect(pick(r), `frame ${i + 1}`).to.deep.equal(expected[i]);
    expect(r.time, `frame ${i + 1} time`).to.be.closeTo(r.timeSec + r.timeNsec / 1e9, 1e-6);
  });
}

const ngInterfaces: PcapngInterfaceOptions[] = [
  { linkType: LINKTYPE.ETHERNET, name: 'eth0' },
  { linkType: LINKTYPE.RAW, name: 'ip6tnl-mag1', description: 'tunnel to LMA', tsresol: 9, snaplen: 0, tsOffset: -3600 },
  { linkType: LINKTYPE.LINUX_SLL2, name: 'any', tsresol: 0x80 | 20, snaplen: 200 },
];

describe('capture: pcap writer → reader round trip', () => {
  let tmp: TmpDir;
  before(async () => { tmp = await makeTmpDir(); });
  after(async () => { await tmp.remove(); });

  for (const nanosecond of [false, true]) {
    for (const bigEndian of [false, true]) {
      const name = `classic pcap, ${nanosecond ? 'ns' : 'µs'}, ${bigEndian ? 'big' : 'little'}-endian`;
      it(name, async () => {
        const opts: PcapWriterOptions = { format: 'pcap', nanosecond, bigEndian, linkType: LINKTYPE.LINUX_SLL2, snaplen: 250 };
        const w = createPcapWriter(null, opts);
        const rec = new Recorder(w, [{ linkType: LINKTYPE.LINUX_SLL2, snaplen: 250, tsresol: nanosecond ? 9 : 6 }]);
        for (const f of makeFrames(200, 1)) rec.write(f);
        const bytes = w.toBytes();
        const magic = bytes.subarray(0, 4);
        const want = nanosecond ? [0xa1, 0xb2, 0x3c, 0x4d] : [0xa1, 0xb2, 0xc3, 0xd4];
        expect([...magic]).to.deep.equal(bigEndian ? want : [...want].reverse());
        const path = await tmp.write(`rt-${nanosecond}-${bigEndian}.pcap`, bytes);
        const { summary, records } = await readCaptureAll(path);
        expect(summary).to.deep.include({
          format: 'pcap', bigEndian, frames: 200, sections: 1, bytes: bytes.length, truncated: false, warnings: [],
        });
        expect(summary.interfaces).to.deep.equal([
          { id: 0, section: 0, linkType: LINKTYPE.LINUX_SLL2, snaplen: 250, tsresol: nanosecond ? 9 : 6, tsOffset: 0 },
        ]);
        expect(rec.expected.some((e) => e.capturedLength < e.originalLength), 'some frames cut at snaplen').to.equal(true);
        expectRecords(records, rec.expected);
      });
    }
  }

  for (const bigEndian of [false, true]) {
    it(`pcapng, ${bigEndian ? 'big' : 'little'}-endian, 3 interfaces, SPBs and blocks to skip`, async () => {
      const w = createPcapWriter(null, { format: 'pcapng', bigEndian, interfaces: ngInterfaces });
      const rec = new Recorder(w, ngInterfaces);
      const frames = makeFrames(300, 2, 3);
      frames.forEach((f, i) => {
        rec.write(f);
        if (i % 50 === 7) rec.simple(f.data);
        if (i === 100) w.writeBlock(BLOCK.ISB, new Uint8Array(20)); // interface 0, zero timestamp, no options
        if (i === 150) w.writeBlock(0x40000bad, Uint8Array.of(1, 2, 3, 4, 5)); // a custom block type
        if (i === 200) w.writeBlock(BLOCK.NRB, new Uint8Array(4)); // nrb_record_end only
      });
      const path = await tmp.write(`rt-${bigEndian}.pcapng`, w.toBytes());
      const { summary, records } = await readCaptureAll(path);
      expect(summary).to.deep.include({ format: 'pcapng', bigEndian, frames: 306, sections: 1, truncated: false });
      expect(summary.interfaces).to.deep.equal([
        { id: 0, section: 0, linkType: LINKTYPE.ETHERNET, snaplen: 262144, tsresol: 6, tsOffset: 0, name: 'eth0' },
        { id: 1, section: 0, linkType: LINKTYPE.RAW, snaplen: 0, tsresol: 9, tsOffset: -3600, name: 'ip6tnl-mag1', description: 'tunnel to LMA' },
        { id: 2, section: 0, linkType: LINKTYPE.LINUX_SLL2, snaplen: 200, tsresol: 0x94, tsOffset: 0, name: 'any' },
      ]);
      expectRecords(records, rec.expected);
    });
  }

  it('pcapng with two sections of opposite byte order: interfaces numbered across sections', async () => {
    const w = createPcapWriter(null, { format: 'pcapng', interfaces: ngInterfaces.slice(0, 2) });
    const rec = new Recorder(w, ngInterfaces.slice(0, 2));
    makeFrames(40, 3, 2).forEach((f) => rec.write(f));
    // snaplen 62: the SPB below is cut at 62 bytes and padded to 64; the reader must stop at 62.
    const second: PcapngInterfaceOptions[] = [{ linkType: LINKTYPE.IPV6, name: 'lo', tsresol: 9, snaplen: 62 }];
    rec.newSection(true, second);
    makeFrames(40, 4, 1).forEach((f) => rec.write(f));
    rec.simple(new Uint8Array(100).fill(7));
    rec.newSection(false, ngInterfaces.slice(2));
    makeFrames(10, 5, 1).forEach((f) => rec.write(f));
    const path = await tmp.write('sections.pcapng', w.toBytes());
    const { summary, records } = await readCaptureAll(path);
    expect(summary.sections).to.equal(3);
    expect(summary.bigEndian).to.equal(false);
    expect(summary.interfaces.map((i) => [i.id, i.section, i.name])).to.deep.equal([
      [0, 0, 'eth0'], [1, 0, 'ip6tnl-mag1'], [2, 1, 'lo'], [3, 2, 'any'],
    ]);
    expect(records[80]).to.deep.include({ capturedLength: 62, originalLength: 100 });
    expectRecords(records, rec.expected);
  });

  it('a file writer gives the same bytes as the in-memory writer, across its buffer flushes', async () => {
    // > 1 MiB so the file writer flushes mid-stream, with one frame larger than its whole buffer.
    const frames = makeFrames(6000, 6, 3, 400);
    frames[3000] = { ...frames[3000]!, data: new Uint8Array(1.5 * 1024 * 1024).fill(0xab) };
    const opts: PcapWriterOptions = { format: 'pcapng', interfaces: ngInterfaces.map((i) => ({ ...i, snaplen: 0 })) };
    const mem = createPcapWriter(null, opts);
    const file = createPcapWriter(tmp.file('flush.pcapng'), opts);
    for (const f of frames) {
      mem.write(f.data, f, { interfaceId: f.interfaceId });
      file.write(f.data, f, { interfaceId: f.interfaceId });
    }
    file.close();
    const onDisk = await readFile(tmp.file('flush.pcapng'));
    expect(onDisk.length).to.be.greaterThan(2 * 1024 * 1024);
    expect(file.bytes).to.equal(onDisk.length);
    expect(Buffer.from(mem.toBytes()).equals(onDisk)).to.equal(true);
    expect(() => file.write(new Uint8Array(1), 0)).to.throw(/after close/);
  });

  it('toBytes() returns a copy that later writes do not change', () => {
    const w = createPcapWriter(null, { format: 'pcap' });
    w.write(Uint8Array.of(1, 2, 3), 1);
    const first = w.toBytes();
    const before = first.slice();
    w.write(Uint8Array.of(9, 9, 9), 2);
    expect(first).to.deep.equal(before);
    expect(w.toBytes().length).to.equal(first.length + 19);
  });

  it('a time given as a number is stored to the nearest microsecond', async () => {
    const w = createPcapWriter(null, { format: 'pcap', nanosecond: true });
    for (const t of [1700000000.123456, 1700000000.9999996, 0.000001]) w.write(new Uint8Array(1), t);
    const path = await tmp.write('float-time.pcap', w.toBytes());
    const { records } = await readCaptureAll(path);
    expect(records.map((r) => [r.timeSec, r.timeNsec])).to.deep.equal([
      [1700000000, 123456000], [1700000001, 0], [0, 1000],
    ]);
  });

  describe('chunk boundaries', () => {
    const files: [string, Uint8Array][] = [];
    before(() => {
      const pcap = createPcapWriter(null, { format: 'pcap', bigEndian: true, nanosecond: true });
      makeFrames(150, 7).forEach((f) => pcap.write(f.data, f));
      files.push(['classic pcap', pcap.toBytes()]);
      const ng = createPcapWriter(null, { format: 'pcapng', interfaces: ngInterfaces });
      makeFrames(150, 8, 3).forEach((f, i) => {
        ng.write(f.data, f, { interfaceId: f.interfaceId });
        if (i % 40 === 0) ng.writeSimple(f.data);
        if (i === 75) ng.newSection({ bigEndian: true, interfaces: ngInterfaces });
      });
      files.push(['pcapng', ng.toBytes()]);
    });

    for (const chunkSize of [7, 64, 1000]) {
      it(`reads identically with ${chunkSize}-byte chunks`, async () => {
        for (const [name, bytes] of files) {
          const path = await tmp.write(`chunks-${name}`, bytes);
          const whole = await readCaptureAll(path);
          const chunked = await readCaptureAll(path, { chunkSize });
          expect(chunked.summary, name).to.deep.equal(whole.summary);
          expect(chunked.records.map(pick), name).to.deep.equal(whole.records.map(pick));
          expect(whole.summary.frames).to.be.at.least(150);
        }
      });
    }

    it('the reused record: buf/offset give the same bytes as data, and the object is the same one', async () => {
      const path = await tmp.write('reuse.pcapng', files[1]![1]);
      const seen = new Set<CaptureRecord>();
      const whole = await readCaptureAll(path);
      let i = 0;
      await readCapture(path, (r) => {
        seen.add(r);
        expect(Buffer.from(r.buf.subarray(r.offset, r.offset + r.capturedLength)).equals(whole.records[i++]!.data)).to.equal(true);
      }, { chunkSize: 100 });
      expect(seen.size).to.equal(1);
      expect(i).to.equal(whole.records.length);
    });
  });
});
