// The SAs of a run, written beside its captures (captures/esp-sas.json) so that whoever reads the
// captures later (the suite, `analyze --esp-sa`) can verify and decrypt the signalling:
//   [{ "spi": "0x00001001", "alg": "null-sha256", "key": "<hex>", "src": "...", "dst": "..." }, ...]
// Key layout as pmipd/ipsec/esp.ts ESP_KEY_OCTETS says. A minimal writer: the `esp` branch's
// harness/capture/esp-sas.ts owns the format and its readers (to be merged into one module).
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { EspSa } from '../../pmipd/ipsec/esp.js';

export const ESP_SAS_FILE = 'esp-sas.json';

interface Record { spi: string; alg: string; key: string; src: string; dst: string }

const spiText = (spi: number) => `0x${spi.toString(16).padStart(8, '0')}`;

/** One writer at a time in this process: every node of a run merges into the same file. */
let queue: Promise<void> = Promise.resolve();

/** Adds `sas` to capturesDir/esp-sas.json (an SA already there, same SPI and destination, is kept once). */
export function recordEspSas(capturesDir: string, sas: readonly EspSa[]): Promise<void> {
  const next = queue.then(async () => {
    const file = join(capturesDir, ESP_SAS_FILE);
    let have: Record[] = [];
    try { have = JSON.parse(await readFile(file, 'utf8')) as Record[]; } catch { /* first SAs of the run */ }
    for (const sa of sas) {
      const r: Record = { spi: spiText(sa.spi), alg: sa.alg, key: sa.key, src: sa.src, dst: sa.dst };
      if (!have.some((h) => h.spi === r.spi && h.dst === r.dst)) have.push(r);
    }
    await mkdir(capturesDir, { recursive: true });
    const tmp = `${file}.${process.pid}`;
    await writeFile(tmp, `${JSON.stringify(have, null, 2)}\n`);
    await rename(tmp, file);
  });
  queue = next.catch(() => undefined);
  return next;
}
