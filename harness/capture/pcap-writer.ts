// Writer of classic pcap and pcapng, to a file (buffered, for generating benchmark captures of
// millions of frames) or to memory (for tests). write() is synchronous: the file sink flushes its
// 1 MiB buffer with writeSync, which keeps the per-frame cost to a few stores and one copy.

import { closeSync, openSync, writeSync } from 'node:fs';
import {
  BLOCK, BYTE_ORDER_MAGIC, LINKTYPE, OPT, PCAP_HEADER_LEN, PCAP_MAGIC_NS, PCAP_MAGIC_US,
  PCAP_RECORD_HEADER_LEN, pad4,
} from './pcap-format.js';
import { Timescale, type TimeParts } from './pcap-timescale.js';

export interface PcapngInterfaceOptions {
  linkType: number;
  name?: string;
  description?: string;
  /** Default 262144; 0 means no limit. */
  snaplen?: number;
  /** if_tsresol byte: 6 = µs (the default, option not written), 9 = ns, 0x80 | n = 2^-n s. */
  tsresol?: number;
  /** if_tsoffset in seconds: timestamps are stored relative to it. */
  tsOffset?: number;
}

export interface PcapWriterOptions {
  format?: 'pcap' | 'pcapng';
  /** Classic pcap's link type, or pcapng's only interface when `interfaces` is not given. Default ETHERNET. */
  linkType?: number;
  /** Classic pcap: nanosecond timestamps (magic a1b23c4d) instead of microseconds. */
  nanosecond?: boolean;
  bigEndian?: boolean;
  /**
   * Frames longer than this are cut (originalLength keeps the full length). Default 262144.
   * In pcapng it is the default interface's; each of `interfaces` has its own.
   */
  snaplen?: number;
  /** pcapng: the interfaces of the first section; write(…, {interfaceId}) indexes them. */
  interfaces?: PcapngInterfaceOptions[];
}

/**
 * A timestamp: exact parts, or seconds since the epoch as a number, which is taken to the nearest
 * microsecond (a double holds no more than that for present-day times).
 */
export type WriteTime = number | TimeParts;

export interface WriteOptions {
  interfaceId?: number;
  /** Length on the wire when `data` is already cut; default data.length. */
  originalLength?: number;
}

const DEFAULT_SNAPLEN = 262144;
const BUFFER_SIZE = 1 << 20;
const utf8 = new TextEncoder();

interface Sink {
  flush(buf: Uint8Array, len: number): void;
  close(): void;
}

function fileSink(path: string): Sink {
  const fd = openSync(path, 'w');
  return {
    flush(buf, len) {
      for (let off = 0; off < len;) off += writeSync(fd, buf, off, len - off);
    },
    close() { closeSync(fd); },
  };
}

interface WriterInterface {
  linkType: number;
  snaplen: number;
  timescale: Timescale;
  tsOffset: number;
}

export class PcapWriter {
  /** Frames written so far. */
  frames = 0;
  // Uint8Array rather than Buffer, whose slice() would make toBytes() return a view.
  private buf = new Uint8Array(BUFFER_SIZE);
  private dv = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
  private pos = 0;
  private flushed = 0;
  private le: boolean;
  private readonly format: 'pcap' | 'pcapng';
  private readonly pcapNs: boolean;
  private readonly snaplen: number;
  private ifaces: WriterInterface[] = [];
  private readonly parts: TimeParts = { timeSec: 0, timeNsec: 0 };
  private closed = false;

  /** `sink` undefined: the capture stays in memory, see toBytes(). */
  constructor(opts: PcapWriterOptions = {}, private readonly sink?: Sink) {
    this.format = opts.format ?? 'pcap';
    this.le = !opts.bigEndian;
    this.pcapNs = opts.nanosecond ?? false;
    this.snaplen = opts.snaplen ?? DEFAULT_SNAPLEN;
    if (this.format === 'pcap') {
      if (opts.interfaces) throw new Error('pcap writer: interfaces are a pcapng feature; use linkType');
      this.writePcapHeader(opts.linkType ?? LINKTYPE.ETHERNET);
    } else {
      this.newSection({
        bigEndian: opts.bigEndian,
        interfaces: opts.interfaces ?? [{ linkType: opts.linkType ?? LINKTYPE.ETHERNET, snaplen: this.snaplen }],
      });
    }
  }

  /** Bytes produced so far, buffered or not. */
  get bytes(): number { return this.flushed + this.pos; }

  write(data: Uint8Array, time: WriteTime, opts: WriteOptions = {}): void {
    const t = this.toParts(time);
    const orig = opts.originalLength ?? data.length;
    if (this.format === 'pcap') {
      if (opts.interfaceId) throw new Error('pcap writer: classic pcap has only interface 0');
      const caplen = Math.min(data.length, this.snaplen);
      this.reserve(PCAP_RECORD_HEADER_LEN + caplen);
      const dv = this.dv, p = this.pos, le = this.le;
      dv.setUint32(p, t.timeSec, le);
      dv.setUint32(p + 4, this.pcapNs ? t.timeNsec : Math.floor(t.timeNsec / 1000), le);
      dv.setUint32(p + 8, caplen, le);
      dv.setUint32(p + 12, orig, le);
      this.buf.set(caplen === data.length ? data : data.subarray(0, caplen), p + PCAP_RECORD_HEADER_LEN);
      this.pos = p + PCAP_RECORD_HEADER_LEN + caplen;
    } else {
      const ifId = opts.interfaceId ?? 0;
      const iface = this.iface(ifId);
      const caplen = iface.snaplen === 0 ? data.length : Math.min(data.length, iface.snaplen);
      iface.timescale.fromTime(t.timeSec - iface.tsOffset, t.timeNsec);
      const len = 32 + pad4(caplen);
      const p = this.blockStart(BLOCK.EPB, len);
      const dv = this.dv, le = this.le;
      dv.setUint32(p + 8, ifId, le);
      dv.setUint32(p + 12, iface.timescale.hi, le);
      dv.setUint32(p + 16, iface.timescale.lo, le);
      dv.setUint32(p + 20, caplen, le);
      dv.setUint32(p + 24, orig, le);
      this.blockBody(p + 28, caplen === data.length ? data : data.subarray(0, caplen), len);
    }
    this.frames++;
  }

  /** pcapng Simple Packet Block: no timestamp, implicitly on interface 0 and cut at its snaplen. */
  writeSimple(data: Uint8Array, originalLength = data.length): void {
    const iface = this.iface(0);
    const caplen = iface.snaplen === 0 ? data.length : Math.min(data.length, iface.snaplen);
    const len = 16 + pad4(caplen);
    const p = this.blockStart(BLOCK.SPB, len);
    this.dv.setUint32(p + 8, originalLength, this.le);
    this.blockBody(p + 12, data.subarray(0, caplen), len);
    this.frames++;
  }

  /** Any pcapng block with a ready body (for example a custom or statistics block); body is padded. */
  writeBlock(type: number, body: Uint8Array): void {
    this.requirePcapng('writeBlock');
    const len = 12 + pad4(body.length);
    const p = this.blockStart(type, len);
    this.blockBody(p + 8, body, len);
  }

  /** Starts a new pcapng section (its own byte order and interfaces, numbered from 0 again). */
  newSection(opts: { bigEndian?: boolean; interfaces: PcapngInterfaceOptions[] }): void {
    this.requirePcapng('newSection');
    this.le = !opts.bigEndian;
    const p = this.blockStart(BLOCK.SHB, 28);
    const dv = this.dv, le = this.le;
    dv.setUint32(p + 8, BYTE_ORDER_MAGIC, le);
    dv.setUint16(p + 12, 1, le);
    dv.setUint16(p + 14, 0, le);
    dv.setInt32(p + 16, -1, le); // section length unknown: -1 as a 64-bit value
    dv.setInt32(p + 20, -1, le);
    dv.setUint32(p + 24, 28, le);
    this.pos = p + 28;
    this.ifaces = [];
    for (const i of opts.interfaces) this.writeInterface(i);
  }

  /** Flushes and closes the file (no-op in memory). Further writes throw. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.sink) {
      this.sink.flush(this.buf, this.pos);
      this.flushed += this.pos;
      this.pos = 0;
      this.sink.close();
    }
  }

  /** The capture written so far, for a writer created without a file. */
  toBytes(): Uint8Array {
    if (this.sink) throw new Error('pcap writer: toBytes() is for in-memory writers');
    return this.buf.subarray(0, this.pos).slice();
  }

  private toParts(time: WriteTime): TimeParts {
    if (typeof time !== 'number') return time;
    let sec = Math.floor(time);
    let usec = Math.round((time - sec) * 1e6);
    if (usec === 1e6) { sec++; usec = 0; }
    this.parts.timeSec = sec;
    this.parts.timeNsec = usec * 1000;
    return this.parts;
  }

  private requirePcapng(what: string): void {
    if (this.format !== 'pcapng') throw new Error(`pcap writer: ${what}() needs format pcapng`);
  }

  private iface(id: number): WriterInterface {
    const iface = this.ifaces[id];
    if (!iface) throw new Error(`pcap writer: interface ${id} not described (section has ${this.ifaces.length})`);
    return iface;
  }

  private writePcapHeader(linkType: number): void {
    this.reserve(PCAP_HEADER_LEN);
    const dv = this.dv, le = this.le;
    dv.setUint32(0, this.pcapNs ? PCAP_MAGIC_NS : PCAP_MAGIC_US, le);
    dv.setUint16(4, 2, le);
    dv.setUint16(6, 4, le);
    dv.setInt32(8, 0, le);
    dv.setUint32(12, 0, le);
    dv.setUint32(16, this.snaplen, le);
    dv.setUint32(20, linkType, le);
    this.pos = PCAP_HEADER_LEN;
  }

  private writeInterface(i: PcapngInterfaceOptions): void {
    const options: [number, Uint8Array][] = [];
    if (i.name !== undefined) options.push([OPT.IF_NAME, utf8.encode(i.name)]);
    if (i.description !== undefined) options.push([OPT.IF_DESCRIPTION, utf8.encode(i.description)]);
    if (i.tsresol !== undefined) options.push([OPT.IF_TSRESOL, Uint8Array.of(i.tsresol)]);
    if (i.tsOffset !== undefined) {
      const v = new DataView(new ArrayBuffer(8));
      v.setBigInt64(0, BigInt(i.tsOffset), this.le);
      options.push([OPT.IF_TSOFFSET, new Uint8Array(v.buffer)]);
    }
    const optLen = options.length === 0 ? 0 : options.reduce((n, [, v]) => n + 4 + pad4(v.length), 4);
    const len = 20 + optLen;
    const snaplen = i.snaplen ?? DEFAULT_SNAPLEN;
    const p = this.blockStart(BLOCK.IDB, len);
    const dv = this.dv, le = this.le;
    dv.setUint16(p + 8, i.linkType, le);
    dv.setUint16(p + 10, 0, le);
    dv.setUint32(p + 12, snaplen, le);
    let o = p + 16;
    for (const [code, value] of options) {
      dv.setUint16(o, code, le);
      dv.setUint16(o + 2, value.length, le);
      this.buf.set(value, o + 4);
      this.buf.fill(0, o + 4 + value.length, o + 4 + pad4(value.length));
      o += 4 + pad4(value.length);
    }
    if (optLen > 0) { dv.setUint32(o, 0, le); o += 4; } // opt_endofopt
    dv.setUint32(o, len, le);
    this.pos = o + 4;
    this.ifaces.push({ linkType: i.linkType, snaplen, timescale: new Timescale(i.tsresol), tsOffset: i.tsOffset ?? 0 });
  }

  /** Reserves a block of `len` bytes and writes its type and length; returns its start. */
  private blockStart(type: number, len: number): number {
    this.reserve(len);
    this.dv.setUint32(this.pos, type, this.le);
    this.dv.setUint32(this.pos + 4, len, this.le);
    return this.pos;
  }

  /** Writes `data` at `at`, zero padding up to the trailing length, and the trailing length. */
  private blockBody(at: number, data: Uint8Array, len: number): void {
    const end = this.pos + len;
    this.buf.set(data, at);
    this.buf.fill(0, at + data.length, end - 4);
    this.dv.setUint32(end - 4, len, this.le);
    this.pos = end;
  }

  private reserve(n: number): void {
    if (this.closed) throw new Error('pcap writer: write after close()');
    if (this.pos + n <= this.buf.length) return;
    if (this.sink) {
      this.sink.flush(this.buf, this.pos);
      this.flushed += this.pos;
      this.pos = 0;
      if (n <= this.buf.length) return;
    }
    const bigger = new Uint8Array(Math.max(2 * this.buf.length, this.pos + n));
    bigger.set(this.buf.subarray(0, this.pos));
    this.buf = bigger;
    this.dv = new DataView(bigger.buffer, bigger.byteOffset, bigger.byteLength);
  }
}

/** A writer to `path` (buffered; call close()) or, with path null, to memory (call toBytes()). */
export function createPcapWriter(path: string | null, opts: PcapWriterOptions = {}): PcapWriter {
  return new PcapWriter(opts, path === null ? undefined : fileSink(path));
}
