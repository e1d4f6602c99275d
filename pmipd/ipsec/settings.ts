// The IPsec part of the domain file:
//   ipsec: off | manual | ikev2        (default off)
//   esp: null-sha256 | aes-gcm-128 | aes-cbc-sha256   (default null-sha256)
//   ipsecKeys:                         (manual: one entry per MAG, keys as ESP_KEY_OCTETS says)
//     - { mag: mag1, magToLma: { spi: 4096, key: "<hex>" }, lmaToMag: { spi: 4097, key: "<hex>" } }
//   ipsecWaitMs: 60000                 (ikev2: how long a MAG waits for its SAs and ESP out policy before its first PBU)
import type { FieldPath, YamlReader } from '../../harness/yaml-located.js';
import { ESP_ALGORITHMS, ESP_KEY_OCTETS, type EspAlgorithm } from '../../wire/esp.js';
import { IPSEC_MODES, type IpsecMode } from './esp.js';

export const IPSEC_FIELDS = ['ipsec', 'esp', 'ipsecKeys', 'ipsecWaitMs'] as const;

export interface DirectionKey { spi: number; key: string }
export interface PairKeys { mag: string; magToLma: DirectionKey; lmaToMag: DirectionKey }

export interface IpsecSettings {
  mode: IpsecMode;
  esp: EspAlgorithm;
  /** manual: the keys of each MAG–LMA pair. */
  keys: PairKeys[];
  waitMs: number;
}

function directionKey(r: YamlReader, p: FieldPath, esp: EspAlgorithm): DirectionKey {
  r.map(p, ['spi', 'key']);
  // SPIs 1..255 are reserved (RFC 4303 §2.1).
  const spi = r.int([...p, 'spi'], undefined, 256, 0xffffffff);
  const key = r.str([...p, 'key']).toLowerCase().replace(/^0x/, '');
  if (!/^[0-9a-f]*$/.test(key) || key.length !== ESP_KEY_OCTETS[esp] * 2) r.fail([...p, 'key'], `an ${esp} key is ${ESP_KEY_OCTETS[esp]} octets in hex (${ESP_KEY_OCTETS[esp] * 2} digits)`);
  return { spi, key };
}

export function readIpsec(r: YamlReader, magNames: readonly string[]): IpsecSettings {
  // YAML 1.1 readers take a bare `off` for false.
  const mode = r.raw(['ipsec']) === false ? 'off' : r.oneOf(['ipsec'], IPSEC_MODES, 'off');
  const esp = r.oneOf(['esp'], ESP_ALGORITHMS, 'null-sha256');
  const keys: PairKeys[] = [];
  const n = r.list(['ipsecKeys'], false);
  for (let i = 0; i < n; i++) {
    const p = ['ipsecKeys', i];
    r.map(p, ['mag', 'magToLma', 'lmaToMag']);
    const mag = r.str([...p, 'mag']);
    if (!magNames.includes(mag)) r.fail([...p, 'mag'], `no MAG named "${mag}" in mags`);
    if (keys.some((k) => k.mag === mag)) r.fail([...p, 'mag'], `a second key entry for MAG "${mag}"`);
    const k = { mag, magToLma: directionKey(r, [...p, 'magToLma'], esp), lmaToMag: directionKey(r, [...p, 'lmaToMag'], esp) };
    if (k.magToLma.spi === k.lmaToMag.spi) r.fail([...p, 'lmaToMag', 'spi'], 'must differ from magToLma.spi');
    keys.push(k);
  }
  if (mode === 'manual') {
    const without = magNames.filter((m) => !keys.some((k) => k.mag === m));
    if (without.length > 0) r.fail(['ipsecKeys'], `ipsec: manual needs keys for every MAG; none for ${without.join(', ')}`);
  }
  return { mode, esp, keys, waitMs: r.int(['ipsecWaitMs'], 60_000, 100, 3_600_000) };
}
