// Files laid out by hand from the format specifications, so the reader is checked against the
// specs and not only against our own writer (which the last test checks against the same bytes).

import { expect } from 'chai';
import { createPcapWriter } from '../../harness/capture/pcap-writer.js';
import { LINKTYPE, readCaptureAll } from '../../harness/capture/pcap-reader.js';
import { hexBytes, makeTmpDir, type TmpDir } from './pcap-fixtures.js';

// draft-ietf-opsawg-pcapng §4.1-4.5, little-endian.
const pcapngLE = hexBytes(`
  # Section Header Block
  0a 0d 0d 0a              # block type
  28 00 00 00              # block total length 40
  4d 3c 2b 1a              # byte-order magic 0x1A2B3C4D, written little-endian
  01 00 00 00              # major version 1, minor version 0
  ff ff ff ff ff ff ff ff  # section length -1: not given
  04 00 04 00 70 6d 69 70  # shb_userappl (4), length 4, "pmip"
  00 00 00 00              # opt_endofopt
  28 00 00 00              # block total length 40
  # Interface Description Block
  01 00 00 00              # block type 1
  44 00 00 00              # block total length 68
  01 00 00 00              # LinkType 1 (Ethernet), reserved 0
  00 00 04 00              # SnapLen 262144
  02 00 04 00 65 74 68 30  # if_name (2), length 4, "eth0"
  03 00 0b 00 6d 61 67 31 20 61 63 63 65 73 73 00  # if_description (3), length 11, "mag1 access" + 1 pad
  09 00 01 00 09 00 00 00  # if_tsresol (9), length 1, 9 = nanoseconds, 3 pad
  0e 00 08 00 00 ca 9a 3b 00 00 00 00  # if_tsoffset (14), length 8, 1000000000 s
  00 00 00 00              # opt_endofopt
  44 00 00 00              # block total length 68
  # Enhanced Packet Block
  06 00 00 00              # block type 6
  34 00 00 00              # block total length 52
  00 00 00 00              # interface 0
  4a e6 b6 09 15 cd 21 96  # timestamp high, low: 700000000123456789 ns (+ tsoffset = 1700000000.123456789)
  05 00 00 00              # captured length 5
  3c 00 00 00              # original length 60
  de ad be ef 01 00 00 00  # packet data + 3 bytes padding
  02 00 04 00 01 00 00 00  # epb_flags (2), length 4: inbound
  00 00 00 00              # opt_endofopt
  34 00 00 00              # block total length 52
  # Obsolete Packet Block (appendix)
  02 00 00 00              # block type 2
  24 00 00 00              # block total length 36
  00 00 00 00              # interface 0 (16 bits), drops count 0 (16 bits)
  4a e6 b6 09 16 cd 21 96  # timestamp: 1 ns after the EPB
  04 00 00 00 04 00 00 00  # captured length 4, original length 4
  0a 0b 0c 0d              # packet data
  24 00 00 00              # block total length 36
  # Simple Packet Block
  03 00 00 00              # block type 3
  18 00 00 00              # block total length 24
  06 00 00 00              # original length 6
  11 22 33 44 55 66 00 00  # packet data + 2 bytes padding
  18 00 00 00              # block total length 24
`);

// draft-ietf-opsawg-pcap §4-5, big-endian, nanosecond magic.
const pcapBEns = hexBytes(`
  a1 b2 3c 4d  # magic: nanosecond timestamps, big-endian
  00 02 00 04  # version 2.4
  00 00 00 00  # reserved 1 (thiszone)
  00 00 00 00  # reserved 2 (sigfigs)
  00 00 ff ff  # SnapLen 65535
  00 00 00 71  # LinkType 113 (LINUX_SLL)
  65 53 f1 00  # timestamp seconds 1700000000
  07 5b cd 15  # timestamp nanoseconds 123456789
  00 00 00 03  # captured packet length 3
  00 00 00 40  # original packet length 64
  01 02 03     # packet data
`);

// Little-endian microsecond pcap whose LinkType field also says "4-byte FCS present".
const pcapLEusFcs = hexBytes(`
  d4 c3 b2 a1  # magic: microsecond timestamps, little-endian
  02 00 04 00  # version 2.4
  00 00 00 00 00 00 00 00  # reserved
  00 00 04 00  # SnapLen 262144
  01 00 00 44  # LinkType 1 with FCS bits: length 4 (bits 28-31), F bit (26)
  00 f1 53 65  # 1700000000 s
  40 e2 01 00  # 123456 µs
  02 00 00 00 02 00 00 00  # captured 2, original 2
  aa bb
`);

describe('capture: reading files laid out by hand from the specs', () => {
  let tmp: TmpDir;
  before(async () => { tmp = await makeTmpDir(); });
  after(async () => { await tmp.remove(); });

  it('pcapng SHB + IDB (name, description, tsresol 9, tsoffset) + EPB + OPB + SPB', async () => {
    const { summary, records } = await readCaptureAll(await tmp.write('hand.pcapng', pcapngLE));
    expect(summary).to.deep.include({ format: 'pcapng', bigEndian: false, frames: 3, sections: 1, bytes: 220, truncated: false });
    expect(summary.interfaces).to.deep.equal([{
      id: 0, section: 0, linkType: LINKTYPE.ETHERNET, snaplen: 262144, tsresol: 9, tsOffset: 1e9,
      name: 'eth0', description: 'mag1 access',
    }]);
    const [epb, opb, spb] = records;
    expect(epb).to.deep.include({
      index: 1, timeSec: 1700000000, timeNsec: 123456789, capturedLength: 5, originalLength: 60,
      linkType: 1, interfaceId: 0, interfaceName: 'eth0',
    });
    expect([...epb!.data]).to.deep.equal([0xde, 0xad, 0xbe, 0xef, 0x01]);
    expect(opb).to.deep.include({ index: 2, timeSec: 1700000000, timeNsec: 123456790, capturedLength: 4, originalLength: 4 });
    expect([...opb!.data]).to.deep.equal([0x0a, 0x0b, 0x0c, 0x0d]);
    expect(spb).to.deep.include({ index: 3, timeSec: 0, timeNsec: 0, capturedLength: 6, originalLength: 6, interfaceName: 'eth0' });
    expect([...spb!.data]).to.deep.equal([0x11, 0x22, 0x33, 0x44, 0x55, 0x66]);
  });

  it('pcapng in big-endian: writer output checked against the spec layout, then read', async () => {
    const w = createPcapWriter(null, {
      format: 'pcapng', bigEndian: true, interfaces: [{ linkType: LINKTYPE.RAW, name: 'tun', tsresol: 9 }],
    });
    w.write(Uint8Array.of(0x60, 0, 0, 0), { timeSec: 1700000000, timeNsec: 123456789 });
    const bytes = w.toBytes();
    expect(bytes.subarray(0, 12)).to.deep.equal(hexBytes('0a0d0d0a 0000001c 1a2b3c4d'));
    expect(bytes.subarray(28, 52)).to.deep.equal(hexBytes(`
      00000001 00000028  # IDB, length 40
      0065 0000          # LinkType 101 (RAW), reserved
      00040000           # SnapLen 262144
      0002 0003 74756e00 # if_name "tun" + pad`));
    expect(bytes.subarray(68 + 12, 68 + 20)).to.deep.equal(hexBytes('17979cfe 3d85cd15')); // 1700000000123456789 ns
    const { summary, records } = await readCaptureAll(await tmp.write('hand-be.pcapng', bytes));
    expect(summary.bigEndian).to.equal(true);
    expect(records[0]).to.deep.include({ timeSec: 1700000000, timeNsec: 123456789, linkType: 101, interfaceName: 'tun' });
  });

  it('classic pcap, big-endian, nanosecond magic', async () => {
    const { summary, records } = await readCaptureAll(await tmp.write('hand-be-ns.pcap', pcapBEns));
    expect(summary).to.deep.include({ format: 'pcap', bigEndian: true, frames: 1, bytes: 43 });
    expect(summary.interfaces[0]).to.deep.include({ linkType: LINKTYPE.LINUX_SLL, snaplen: 65535, tsresol: 9 });
    expect(records[0]).to.deep.include({ timeSec: 1700000000, timeNsec: 123456789, capturedLength: 3, originalLength: 64, linkType: 113 });
    expect(records[0]!.time).to.be.closeTo(1700000000.123456789, 1e-6);
    expect([...records[0]!.data]).to.deep.equal([1, 2, 3]);
  });

  it('classic pcap, little-endian µs, FCS bits masked off the link type', async () => {
    const { summary, records } = await readCaptureAll(await tmp.write('hand-le-us.pcap', pcapLEusFcs));
    expect(summary.interfaces[0]).to.deep.include({ linkType: LINKTYPE.ETHERNET, tsresol: 6 });
    expect(records[0]).to.deep.include({ timeSec: 1700000000, timeNsec: 123456000, capturedLength: 2, linkType: 1 });
  });

  it('our writer produces the hand-laid classic pcap byte for byte', () => {
    const w = createPcapWriter(null, { format: 'pcap', bigEndian: true, nanosecond: true, snaplen: 65535, linkType: LINKTYPE.LINUX_SLL });
    w.write(Uint8Array.of(1, 2, 3), { timeSec: 1700000000, timeNsec: 123456789 }, { originalLength: 64 });
    expect(w.toBytes()).to.deep.equal(pcapBEns);
  });
});
