// Other readers and writers as oracles: pcap-parser (npm) and tshark read what our writer wrote
// and must see what our reader sees; files that editcap (wiretap) wrote are read by our reader
// and must hold the frames we put in.

import { expect } from 'chai';
import { execa } from 'execa';
import { createRequire } from 'node:module';
import { createPcapWriter, type PcapngInterfaceOptions } from '../../harness/capture/pcap-writer.js';
import { LINKTYPE, readCaptureAll, type CaptureRecord } from '../../harness/capture/pcap-reader.js';
import { makeFrames, makeTmpDir, type TmpDir } from './pcap-fixtures.js';

interface ParserPacket {
  header: { timestampSeconds: number; timestampMicroseconds: number; capturedLength: number; originalLength: number };
  data: Buffer;
}
interface ParserEmitter {
  on(event: 'packet', f: (p: ParserPacket) => void): ParserEmitter;
  on(event: 'end', f: () => void): ParserEmitter;
  on(event: 'error', f: (e: Error) => void): ParserEmitter;
}
const pcapParser = createRequire(import.meta.url)('pcap-parser') as { parse(path: string): ParserEmitter };

function parseWithPcapParser(path: string): Promise<ParserPacket[]> {
  return new Promise((resolve, reject) => {
    const packets: ParserPacket[] = [];
    pcapParser.parse(path)
      .on('packet', (p) => packets.push(p))
      .on('error', reject)
      .on('end', () => resolve(packets));
  });
}

const TSHARK_FIELDS = ['frame.number', 'frame.time_epoch', 'frame.len', 'frame.cap_len', 'frame.interface_id',
  'frame.interface_name', 'frame.section_number'];

async function tsharkFields(path: string): Promise<string[][]> {
  const { stdout } = await execa('tshark', ['-n', '-r', path, '-T', 'fields', ...TSHARK_FIELDS.flatMap((f) => ['-e', f])]);
  return stdout.split('\n').filter((l) => l !== '').map((l) => l.split('\t'));
}

/**
 * Our record in tshark's terms. SPB frames have no timestamp, and classic pcap has no interface
 * or section fields: tshark prints nothing for them. Sections are numbered from 1.
 */
function asTshark(r: CaptureRecord, section: number | 'classic', spb = false): string[] {
  const time = spb ? '' : `${r.timeSec}.${String(r.timeNsec).padStart(9, '0')}`;
  const row = [String(r.index), time, String(r.originalLength), String(r.capturedLength)];
  return section === 'classic' ? [...row, '', '', ''] : [...row, String(r.interfaceId), r.interfaceName ?? '', String(section)];
}

function frameBytes(records: CaptureRecord[]): string[] {
  return records.map((r) => Buffer.from(r.data).toString('hex'));
}

describe('capture: other tools as oracles', function () {
  this.timeout(30000);
  let tmp: TmpDir;
  before(async () => { tmp = await makeTmpDir(); });
  after(async () => { await tmp.remove(); });

  for (const bigEndian of [false, true]) {
    it(`pcap-parser reads our ${bigEndian ? 'big' : 'little'}-endian µs pcap as our reader does`, async () => {
      const w = createPcapWriter(tmp.file(`pp-${bigEndian}.pcap`), { format: 'pcap', bigEndian, snaplen: 200 });
      makeFrames(500, 11).forEach((f) => w.write(f.data, f));
      w.close();
      const theirs = await parseWithPcapParser(tmp.file(`pp-${bigEndian}.pcap`));
      const ours = (await readCaptureAll(tmp.file(`pp-${bigEndian}.pcap`))).records;
      expect(ours.length).to.equal(500);
      expect(theirs.map((p) => [p.header.timestampSeconds, p.header.timestampMicroseconds * 1000,
        p.header.capturedLength, p.header.originalLength, p.data.toString('hex')]))
        .to.deep.equal(ours.map((r) => [r.timeSec, r.timeNsec, r.capturedLength, r.originalLength, Buffer.from(r.data).toString('hex')]));
    });
  }

  it('tshark sees the same frames in our classic pcap (µs and ns)', async () => {
    for (const nanosecond of [false, true]) {
      const path = tmp.file(`ts-${nanosecond}.pcap`);
      const w = createPcapWriter(path, { format: 'pcap', nanosecond, linkType: LINKTYPE.RAW, snaplen: 150 });
      makeFrames(300, 12).forEach((f) => w.write(f.data, f));
      w.close();
      const ours = (await readCaptureAll(path)).records;
      const theirs = await tsharkFields(path);
      expect(theirs).to.deep.equal(ours.map((r) => asTshark(r, 'classic')));
    }
  });

  it('tshark sees the same frames, interfaces and timestamps in our pcapng (tsresol 6, 9, 2^-20, tsoffset, SPB)', async () => {
    const interfaces: PcapngInterfaceOptions[] = [
      { linkType: LINKTYPE.ETHERNET, name: 'acc-mag1' },
      { linkType: LINKTYPE.RAW, name: 'tnl-lma', tsresol: 9, tsOffset: 86400 },
      { linkType: LINKTYPE.LINUX_SLL2, name: 'any', tsresol: 0x80 | 20, snaplen: 100 },
    ];
    const path = tmp.file('ts.pcapng');
    const w = createPcapWriter(path, { format: 'pcapng', interfaces });
    const spbIndexes = new Set<number>();
    makeFrames(300, 13, 3).forEach((f, i) => {
      w.write(f.data, f, { interfaceId: f.interfaceId });
      if (i % 60 === 5) { w.writeSimple(f.data); spbIndexes.add(w.frames); }
    });
    w.close();
    const ours = (await readCaptureAll(path)).records;
    const theirs = await tsharkFields(path);
    expect(theirs).to.deep.equal(ours.map((r) => asTshark(r, 1, spbIndexes.has(r.index))));
  });

  it('tshark agrees on a pcapng with two sections of opposite byte order', async () => {
    const path = tmp.file('ts-sections.pcapng');
    const w = createPcapWriter(path, { format: 'pcapng', bigEndian: true, interfaces: [{ linkType: LINKTYPE.ETHERNET, name: 'a' }] });
    makeFrames(50, 14).forEach((f) => w.write(f.data, f));
    w.newSection({ interfaces: [{ linkType: LINKTYPE.IPV6, name: 'b', tsresol: 9 }] });
    makeFrames(50, 15).forEach((f) => w.write(f.data, f));
    w.close();
    const ours = (await readCaptureAll(path)).records;
    const theirs = await tsharkFields(path);
    // tshark 4.0 shows interface 0 of the first section for frames of later sections (the
    // interface of the right link type is used for dissection all the same), so interface id
    // and name are compared for the first section only.
    const cut = (row: string[], section: number) => (section === 1 ? row : [...row.slice(0, 4), ...row.slice(6)]);
    expect(theirs.map((row) => cut(row, Number(row[6])))).to.deep.equal(
      ours.map((r) => cut(asTshark(r, r.index <= 50 ? 1 : 2), r.index <= 50 ? 1 : 2)));
  });

  for (const [target, tsresol] of [['pcapng', 6], ['nsecpcap', 9]] as const) {
    it(`editcap -F ${target}: wiretap's file holds our frames`, async () => {
      const src = tmp.file(`ed-src-${target}.pcap`);
      const w = createPcapWriter(src, { format: 'pcap', linkType: LINKTYPE.ETHERNET });
      makeFrames(400, 16).forEach((f) => w.write(f.data, f));
      w.close();
      const out = tmp.file(`ed-out.${target}`);
      await execa('editcap', ['-F', target, src, out]);
      const original = await readCaptureAll(src);
      const converted = await readCaptureAll(out);
      expect(converted.summary.format).to.equal(target === 'pcapng' ? 'pcapng' : 'pcap');
      expect(converted.summary.interfaces.map((i) => [i.linkType, i.tsresol])).to.deep.equal([[LINKTYPE.ETHERNET, tsresol]]);
      expect(converted.summary.frames).to.equal(400);
      expect(converted.records.map((r) => [r.timeSec, r.timeNsec, r.capturedLength, r.originalLength, r.linkType]))
        .to.deep.equal(original.records.map((r) => [r.timeSec, r.timeNsec, r.capturedLength, r.originalLength, r.linkType]));
      expect(frameBytes(converted.records)).to.deep.equal(frameBytes(original.records));
    });
  }
});
