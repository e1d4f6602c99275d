// --esp-sa and --esp-sas, shared by `analyze` and `decode`: the SAs that verify and decrypt ESP.
import { existsSync } from 'node:fs';
import { EspSaError, EspSaTable, parseEspSa, type EspSa } from '../../wire/index.js';
import { espSasPathBeside, readEspSas } from '../capture/esp-sas.js';
import { UsageError } from './args.js';

export const ESP_SA_OPTIONS = { 'esp-sa': { type: 'string', multiple: true }, 'esp-sas': { type: 'string' } } as const;

export const ESP_SA_HELP = `  --esp-sa SPI:ALG:KEY     an ESP SA to verify and decrypt signalling with (repeatable), as in
                           Wireshark's ESP SA table. SPI hex (0x...) or decimal; ALG one of
                           null-sha256 (KEY: 32-octet HMAC-SHA-256 key; may be left out: ESP-NULL
                           is read anyway, its ICV then unverified), aes-gcm-128 (KEY: 16-octet
                           AES key + 4-octet salt, RFC 4106), aes-cbc-sha256 (KEY: 16-octet AES
                           key followed by the 32-octet HMAC key, or ENCKEY+AUTHKEY); KEY hex
  --esp-sas FILE           ESP SAs from a JSON file ([{spi, alg, key, src, dst}], what a testbed
                           run writes as captures/esp-sas.json). Without --esp-sa/--esp-sas, an
                           esp-sas.json beside the captures is used (and named on stderr)
`;

/**
 * The SAs of --esp-sa and --esp-sas, or else of an esp-sas.json beside the first capture that has
 * one. Bad SAs are usage errors naming what is wrong.
 */
export async function espSasFromOptions(
  v: { 'esp-sa'?: string[]; 'esp-sas'?: string }, captures: readonly string[], help: string, command: string,
): Promise<EspSa[]> {
  const out: EspSa[] = [];
  try {
    for (const text of v['esp-sa'] ?? []) out.push(parseEspSa(text));
    if (v['esp-sas'] !== undefined) out.push(...await readEspSas(v['esp-sas']));
    if (v['esp-sa'] === undefined && v['esp-sas'] === undefined) {
      for (const path of new Set(captures.map(espSasPathBeside))) {
        if (!existsSync(path)) continue;
        out.push(...await readEspSas(path));
        process.stderr.write(`${command}: ESP SAs from ${path} (${out.length})\n`);
        break;
      }
    }
    new EspSaTable(out); // a duplicate SPI is an error here, not a surprise later
  } catch (err) {
    if (err instanceof EspSaError) throw new UsageError(err.message, help);
    throw err;
  }
  return out;
}
