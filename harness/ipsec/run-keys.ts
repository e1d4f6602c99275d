// The keys of a run's IPsec (`ipsec: manual` SAs, IKEv2 pre-shared keys): crypto-random per run,
// one set per MAG–LMA pair, made by the first node that asks (the LMA starts first) and read by
// the others from the run directory (on /run, never beside the reports).
import { randomBytes, randomInt } from 'node:crypto';
import { link, readFile, rm, writeFile } from 'node:fs/promises';
import { ESP_KEY_OCTETS, espSaFrom, type EspAlgorithm, type EspSa } from '../../wire/esp.js';
import type { PairKeys } from '../../pmipd/ipsec/settings.js';

export interface RunPair extends PairKeys {
  /** The MAG's and the LMA's addresses. */
  magAddress: string;
  lmaAddress: string;
  /** IKEv2 pre-shared key, hex. */
  psk: string;
}

export interface RunKeys { esp: EspAlgorithm; pairs: RunPair[] }

export interface KeyRequest {
  esp: EspAlgorithm;
  lma: string;
  mags: { name: string; address: string }[];
  /** One SA pair for every MAG (the LMA's quirk wrong-spi-per-mag: the MAGs must hold the same). */
  oneForAll?: boolean;
}

function generate(r: KeyRequest): RunKeys {
  const used = new Set<number>();
  // SPIs 1..255 are reserved (RFC 4303 §2.1); random ones tell runs apart in captures.
  const spi = () => { let s; do s = randomInt(0x1000, 0xffffffff); while (used.has(s)); used.add(s); return s; };
  const dir = () => ({ spi: spi(), key: randomBytes(ESP_KEY_OCTETS[r.esp]).toString('hex') });
  const first = { magToLma: dir(), lmaToMag: dir(), psk: randomBytes(32).toString('hex') };
  return {
    esp: r.esp,
    pairs: r.mags.map((m) => ({
      mag: m.name, magAddress: m.address, lmaAddress: r.lma,
      ...(r.oneForAll ? first : { magToLma: dir(), lmaToMag: dir(), psk: randomBytes(32).toString('hex') }),
    })),
  };
}

/** The run's keys in `file`: made now (atomically, by link) or read as the first node made them. */
export async function runKeys(file: string, r: KeyRequest): Promise<RunKeys> {
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
  await writeFile(tmp, JSON.stringify(generate(r)), { mode: 0o600 });
  try {
    await link(tmp, file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  } finally {
    await rm(tmp, { force: true });
  }
  return JSON.parse(await readFile(file, 'utf8')) as RunKeys;
}

/** The SAs of the run's manual keys (both directions of every pair). */
export function manualSas(k: RunKeys): EspSa[] {
  return k.pairs.flatMap((p) => [
    espSaFrom(p.magToLma.spi, k.esp, p.magToLma.key, { src: p.magAddress, dst: p.lmaAddress }),
    espSaFrom(p.lmaToMag.spi, k.esp, p.lmaToMag.key, { src: p.lmaAddress, dst: p.magAddress }),
  ]);
}
