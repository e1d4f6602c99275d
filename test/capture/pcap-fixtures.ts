// Shared by the capture tests: deterministic frames, a temp directory, and the timestamp a
// given resolution must give back (computed with BigInt, independently of pcap-timescale.ts).

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fromHex } from '../../wire/bytes.js';
import { mulberry32 } from '../../harness/prng.js';

export interface FrameSpec {
  data: Uint8Array;
  timeSec: number;
  timeNsec: number;
  interfaceId: number;
}


/** Frames of 0..maxLen bytes (every length mod 4 occurs), on interfaces 0..interfaces-1. */
export function makeFrames(count: number, seed: number, interfaces = 1, maxLen = 300): FrameSpec[] {
  const rnd = mulberry32(seed);
  const frames: FrameSpec[] = [];
  let sec = 1_700_000_000;
  for (let i = 0; i < count; i++) {
    const len = i === 0 ? 0 : Math.floor(rnd() * (maxLen + 1));
    const data = new Uint8Array(len);
    for (let j = 0; j < len; j++) data[j] = Math.floor(rnd() * 256);
    sec += Math.floor(rnd() * 3);
    // Edges of the nanosecond field first, then arbitrary values.
    const timeNsec = i === 1 ? 999_999_999 : i === 2 ? 0 : i === 3 ? 1 : Math.floor(rnd() * 1e9);
    frames.push({ data, timeSec: sec, timeNsec, interfaceId: Math.floor(rnd() * interfaces) });
  }
  return frames;
}

/** The nanoseconds that survive storing `nsec` as ticks of if_tsresol `tsresol` (floored). */
export function nsecAtResolution(nsec: number, tsresol: number): number {
  const per = tsresol & 0x80 ? 1n << BigInt(tsresol & 0x7f) : 10n ** BigInt(tsresol);
  const ticks = (BigInt(nsec) * per) / 1_000_000_000n;
  return Number((ticks * 1_000_000_000n) / per);
}

export interface TmpDir {
  path: string;
  file(name: string): string;
  write(name: string, bytes: Uint8Array | string): Promise<string>;
  remove(): Promise<void>;
}

export async function makeTmpDir(): Promise<TmpDir> {
  const path = await mkdtemp(join(tmpdir(), 'pmip-pcap-test-'));
  const file = (name: string) => join(path, name);
  return {
    path,
    file,
    async write(name, bytes) {
      await writeFile(file(name), bytes);
      return file(name);
    },
    remove: () => rm(path, { recursive: true, force: true }),
  };
}

/** Hex fixture with comments: "# ..." to the end of a line is ignored. */
export function hexBytes(text: string): Uint8Array {
  return fromHex(text.replace(/#.*$/gm, ''));
}
