// The ESP security associations of a run, written beside its captures (captures/esp-sas.json) so
// that whoever reads the captures later (the suite, `analyze --esp-sas`) can verify and decrypt the
// signalling, as Wireshark's ESP SA table does. One module for the writer (the testbed's keying)
// and the readers.
//
//   [{ "spi": "0x00001001", "alg": "aes-gcm-128", "key": "<hex>", "src": "2001:db8:1::1", "dst": "2001:db8:1::2" }, ...]
//
// `spi`: hex string (0x...) or a number; `alg`: null-sha256 | aes-gcm-128 | aes-cbc-sha256; `key`:
// hex, the octets wire/esp.ts espSaFrom describes (aes-gcm-128: AES key + salt; aes-cbc-sha256:
// AES key + HMAC key; null-sha256: HMAC key, may be "" when unknown); `src`/`dst`: the SA's addresses.
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { EspSaError, espSaFrom, espSaKeyHex, spiText, type EspAlgorithm, type EspSa } from '../../wire/esp.js';

/** The file name beside the captures. */
export const ESP_SAS_FILE = 'esp-sas.json';

/** One entry of esp-sas.json. */
export interface EspSaRecord {
  spi: string | number;
  alg: EspAlgorithm;
  key: string;
  src?: string;
  dst?: string;
}

export function espSaRecord(sa: EspSa): EspSaRecord {
  const r: EspSaRecord = { spi: spiText(sa.spi), alg: sa.alg, key: espSaKeyHex(sa) };
  if (sa.src !== undefined) r.src = sa.src;
  if (sa.dst !== undefined) r.dst = sa.dst;
  return r;
}

/** The SAs of a parsed esp-sas.json; `where` names the file in errors. */
export function espSasFromJson(data: unknown, where: string): EspSa[] {
  if (!Array.isArray(data)) throw new EspSaError(`${where}: not a JSON array of {spi, alg, key, src, dst}`);
  return data.map((x: unknown, i) => {
    const at = `${where}: entry ${i + 1}`;
    if (typeof x !== 'object' || x === null || Array.isArray(x)) throw new EspSaError(`${at} is not an object`);
    const r = x as Record<string, unknown>;
    const unknown = Object.keys(r).filter((k) => !['spi', 'alg', 'key', 'src', 'dst'].includes(k));
    if (unknown.length > 0) throw new EspSaError(`${at}: unknown field ${unknown.map((k) => `"${k}"`).join(', ')} (fields: spi, alg, key, src, dst)`);
    if (typeof r.spi !== 'string' && typeof r.spi !== 'number') throw new EspSaError(`${at}: "spi" must be a hex string (0x...) or a number`);
    if (typeof r.alg !== 'string') throw new EspSaError(`${at}: "alg" is missing`);
    if (r.key !== undefined && typeof r.key !== 'string') throw new EspSaError(`${at}: "key" must be a hex string`);
    for (const k of ['src', 'dst'] as const) if (r[k] !== undefined && typeof r[k] !== 'string') throw new EspSaError(`${at}: "${k}" must be an address`);
    let sa: EspSa;
    try {
      sa = espSaFrom(r.spi, r.alg, r.key as string | undefined);
    } catch (err) {
      throw new EspSaError(`${at}: ${(err as Error).message}`);
    }
    if (typeof r.src === 'string') sa.src = r.src;
    if (typeof r.dst === 'string') sa.dst = r.dst;
    return sa;
  });
}

export async function readEspSas(path: string): Promise<EspSa[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new EspSaError(`${path}: cannot be read (${(err as Error).message})`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new EspSaError(`${path}: not JSON (${(err as Error).message})`);
  }
  return espSasFromJson(data, path);
}

export async function writeEspSas(path: string, sas: readonly EspSa[]): Promise<void> {
  await writeFile(path, `${JSON.stringify(sas.map(espSaRecord), null, 2)}\n`);
}

/**
 * Where the SAs of a capture file are recorded: its directory's esp-sas.json. For a testbed run that
 * is <outDir>/captures/esp-sas.json (testbed/captures.ts captureFile puts every point there).
 */
export function espSasPathBeside(captureFile: string): string {
  return join(dirname(captureFile), ESP_SAS_FILE);
}

/** The SAs recorded beside a capture file, or [] when there is no esp-sas.json. */
export async function espSasBeside(captureFile: string): Promise<EspSa[]> {
  const path = espSasPathBeside(captureFile);
  return existsSync(path) ? readEspSas(path) : [];
}

/** One writer at a time in this process: every node of a run adds to the same file. */
let recording: Promise<void> = Promise.resolve();

/**
 * Adds `sas` to capturesDir/esp-sas.json, as the testbed's keying makes them (manual keys at
 * prepare, IKEv2's once negotiated); an SA already there (same SPI and destination) is kept once.
 */
export function recordEspSas(capturesDir: string, sas: readonly EspSa[]): Promise<void> {
  const next = recording.then(async () => {
    const file = join(capturesDir, ESP_SAS_FILE);
    const have = existsSync(file) ? await readEspSas(file) : [];
    for (const sa of sas) if (!have.some((h) => h.spi === sa.spi && h.dst === sa.dst)) have.push(sa);
    await mkdir(capturesDir, { recursive: true });
    const tmp = `${file}.${process.pid}`;
    await writeEspSas(tmp, have);
    await rename(tmp, file);
  });
  recording = next.catch(() => undefined);
  return next;
}
