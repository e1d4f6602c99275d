// Watching a capture while tcpdump is still writing it (-U flushes every packet): a case waits
// for "the MAG sent its refresh PBU" by reading the new records of the file, never by sleeping.
// Classic little- or big-endian microsecond pcap, as Debian's tcpdump writes it.
import { open, type FileHandle } from 'node:fs/promises';
import { decodeFrame, type DecodedFrame, type EspSaTable, type MobilityHeader } from '../../wire/index.js';
import { PCAP_HEADER_LEN, PCAP_LINKTYPE_MASK, PCAP_MAGIC_US, PCAP_RECORD_HEADER_LEN } from '../capture/pcap-format.js';
import { pollUntil, TimeoutError } from '../poll.js';

export interface LiveFrame {
  /** Seconds since the epoch. */
  time: number;
  frame: DecodedFrame;
}

/** The records appended to a pcap file since the last read; an incomplete last record waits for the next. */
export class CaptureTail {
  private handle: FileHandle | undefined;
  private offset = 0;
  private pending = Buffer.alloc(0);
  private little = true;
  private linkType = -1;

  /** `sas`: the run's ESP SAs, so that encrypted signalling shows (ESP-NULL shows without). */
  constructor(readonly file: string, private readonly sas?: EspSaTable) {}

  async read(): Promise<LiveFrame[]> {
    if (this.handle === undefined) {
      try { this.handle = await open(this.file, 'r'); } catch { return []; }
    }
    const chunk = Buffer.alloc(256 * 1024);
    const out: LiveFrame[] = [];
    for (;;) {
      const { bytesRead } = await this.handle.read(chunk, 0, chunk.length, this.offset);
      if (bytesRead === 0) break;
      this.offset += bytesRead;
      this.pending = Buffer.concat([this.pending, chunk.subarray(0, bytesRead)]);
    }
    let p = 0;
    const buf = this.pending;
    if (this.linkType < 0) {
      if (buf.length < PCAP_HEADER_LEN) return out;
      this.little = buf.readUInt32LE(0) === PCAP_MAGIC_US;
      if (!this.little && buf.readUInt32BE(0) !== PCAP_MAGIC_US) throw new Error(`${this.file}: not a microsecond classic pcap`);
      this.linkType = (this.little ? buf.readUInt32LE(20) : buf.readUInt32BE(20)) & PCAP_LINKTYPE_MASK;
      p = PCAP_HEADER_LEN;
    }
    const u32 = (o: number) => (this.little ? buf.readUInt32LE(o) : buf.readUInt32BE(o));
    while (p + PCAP_RECORD_HEADER_LEN <= buf.length) {
      const caplen = u32(p + 8);
      if (p + PCAP_RECORD_HEADER_LEN + caplen > buf.length) break;
      const time = u32(p) + u32(p + 4) / 1e6;
      out.push({ time, frame: decodeFrame(this.linkType, buf, p + PCAP_RECORD_HEADER_LEN, caplen, this.sas) });
      p += PCAP_RECORD_HEADER_LEN + caplen;
    }
    this.pending = buf.subarray(p);
    return out;
  }

  async close(): Promise<void> {
    await this.handle?.close();
    this.handle = undefined;
  }
}

/** The Mobility Header of a frame with its IPv6 addresses, or undefined. */
export function mobilityOf(f: LiveFrame): { time: number; src: string; dst: string; mh: MobilityHeader } | undefined {
  const mh = f.frame.mh, ip = f.frame.ipv6;
  if (mh === undefined || ip === undefined) return undefined;
  return { time: f.time, src: ip.src, dst: ip.dst, mh };
}

/** Frames appearing in a set of captures from the moment it is opened. */
export class CaptureWatch {
  private constructor(private readonly tails: CaptureTail[]) {}

  /** Starts watching `files` now (or from their first frame with `fromStart`), reading ESP with `sas`. */
  static async open(files: string[], fromStart = false, sas?: EspSaTable): Promise<CaptureWatch> {
    const tails = files.map((f) => new CaptureTail(f, sas));
    if (!fromStart) for (const t of tails) await t.read();
    return new CaptureWatch(tails);
  }

  /**
   * The first new frame `pred` accepts, once it shows up; null once `timeoutMs` passes (the
   * observation window of a behaviour that may rightly not happen, e.g. a quirk that never refreshes).
   */
  async until<T>(pred: (f: LiveFrame) => T | undefined, opts: { timeoutMs: number; what: string }): Promise<T | null> {
    try {
      return (await pollUntil(async () => {
        for (const t of this.tails) {
          for (const f of await t.read()) {
            const hit = pred(f);
            if (hit !== undefined) return { hit };
          }
        }
        return undefined;
      }, { what: opts.what, timeoutMs: opts.timeoutMs, maxIntervalMs: 25 })).hit;
    } catch (err) {
      if (err instanceof TimeoutError) return null;
      throw err;
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.tails.map((t) => t.close()));
  }
}
