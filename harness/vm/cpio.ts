// The initramfs format the kernel unpacks: cpio "newc" (SVR4 without CRC), optionally gzipped.
// Written here rather than with cpio(1) because the host may not have it, and the format is a
// 110-byte ASCII header per entry.

export interface CpioEntry {
  /** Path inside the archive, without a leading slash, e.g. "bin/busybox". */
  path: string;
  /** Full st_mode: type bits included (0o040000 dir, 0o100000 file, 0o120000 symlink). */
  mode: number;
  /** File contents, or a symlink's target. */
  data?: Buffer;
}

export const DIR = 0o040000;
export const FILE = 0o100000;
export const SYMLINK = 0o120000;

const pad4 = (n: number) => (4 - (n % 4)) % 4;

function header(ino: number, mode: number, size: number, nameSize: number): string {
  const fields = [ino, mode, 0, 0, 1, 0, size, 0, 0, 0, 0, nameSize, 0];
  return '070701' + fields.map((f) => f.toString(16).padStart(8, '0')).join('');
}

/** One archive holding `entries` in order (parents before children), ending with the trailer. */
export function cpioNewc(entries: readonly CpioEntry[]): Buffer {
  const parts: Buffer[] = [];
  const add = (ino: number, e: CpioEntry) => {
    const name = Buffer.from(`${e.path}\0`);
    const data = e.data ?? Buffer.alloc(0);
    const head = Buffer.from(header(ino, e.mode, data.length, name.length), 'ascii');
    parts.push(head, name, Buffer.alloc(pad4(head.length + name.length)), data, Buffer.alloc(pad4(data.length)));
  };
  entries.forEach((e, i) => add(i + 1, e));
  add(0, { path: 'TRAILER!!!', mode: 0 });
  return Buffer.concat(parts);
}
