// ESP in transport mode between each MAG and its LMA (RFC 5213 §4): the kernel's XFRM commands
// for one MAG–LMA pair and the SAs read back from the kernel. The transforms and the SA type are
// the codec's (wire/esp.ts), so what pmipd installs is what the capture reader opens.
//
// One SA pair per MAG–LMA pair (SEC-05). The SPD selects the Mobility Header (protocol 135, every
// MH type: PBU/PBA and Heartbeat, BRI/BRA, UPN/UPA alike) between the pair's two addresses (SEC-04).
import { ESP_KEY_OCTETS, espSaFrom, espSaKeyHex, type EspAlgorithm, type EspSa } from '../../wire/esp.js';
import { parsePrefixLoose, prefixContains } from '../../wire/prefix.js';

export const IPSEC_MODES = ['off', 'manual', 'ikev2'] as const;
export type IpsecMode = (typeof IPSEC_MODES)[number];

/** strongSwan's esp_proposals keyword for each transform (Debian's charon negotiates null-sha256: ESP:NULL/HMAC_SHA2_256_128). */
export const STRONGSWAN_ESP_PROPOSAL: Record<EspAlgorithm, string> = {
  'null-sha256': 'null-sha256',
  'aes-gcm-128': 'aes128gcm16',
  'aes-cbc-sha256': 'aes128-sha256',
};

/** The algorithm part of `ip xfrm state add` (ICVs of 128 bits: RFC 4868 for HMAC-SHA-256, RFC 4106 for GCM). */
export function xfrmAlgorithm(alg: EspAlgorithm, key: string): string {
  if (key.length !== ESP_KEY_OCTETS[alg] * 2 || !/^[0-9a-f]+$/.test(key)) throw new Error(`an ${alg} key is ${ESP_KEY_OCTETS[alg]} octets of hex`);
  switch (alg) {
    case 'null-sha256': return `auth-trunc hmac(sha256) 0x${key} 128 enc ecb(cipher_null) ""`;
    case 'aes-gcm-128': return `aead rfc4106(gcm(aes)) 0x${key} 128`;
    case 'aes-cbc-sha256': return `enc cbc(aes) 0x${key.slice(0, 32)} auth-trunc hmac(sha256) 0x${key.slice(32)} 128`;
  }
}

/** Priority of pmipd's own policies (lower wins); strongSwan's are far larger numbers. */
export const PAIR_POLICY_PRIORITY = 1000;
/** Priority of a quirk's allow-everything policies: they win over the pair's. */
export const QUIRK_POLICY_PRIORITY = 10;

export type XfrmMode = 'transport' | 'tunnel';

/** `ip -batch` line adding one SA (transport mode unless a quirk says tunnel). */
export function xfrmStateLine(sa: EspSa, reqid: number, mode: XfrmMode = 'transport'): string {
  return `xfrm state add src ${sa.src!} dst ${sa.dst!} proto esp spi 0x${sa.spi.toString(16)} reqid ${reqid} mode ${mode} ${xfrmAlgorithm(sa.alg, espSaKeyHex(sa))}`;
}

export interface PolicyOptions {
  mode?: XfrmMode;
  /** Only these MH types (out, in): a quirk; default every Mobility Header. */
  mhTypes?: [number, number];
}

/**
 * The SPD of one pair at one end: an out and an in policy selecting the Mobility Header between
 * the two addresses, each with the template of its direction's SA.
 */
export function xfrmPolicyLines(local: string, remote: string, reqid: number, o: PolicyOptions = {}): { add: string[]; remove: string[] } {
  const sel = (src: string, dst: string, type?: number) => `src ${src}/128 dst ${dst}/128 proto 135${type !== undefined ? ` type ${type}` : ''}`;
  const tmpl = (src: string, dst: string) => `tmpl src ${src} dst ${dst} proto esp reqid ${reqid} mode ${o.mode ?? 'transport'}`;
  const out = sel(local, remote, o.mhTypes?.[0]), inn = sel(remote, local, o.mhTypes?.[1]);
  return {
    add: [
      `xfrm policy add ${out} dir out priority ${PAIR_POLICY_PRIORITY} ${tmpl(local, remote)}`,
      `xfrm policy add ${inn} dir in priority ${PAIR_POLICY_PRIORITY} ${tmpl(remote, local)}`,
    ],
    remove: [`xfrm policy delete ${out} dir out`, `xfrm policy delete ${inn} dir in`],
  };
}

/** The line removing an SA xfrmStateLine added. */
export function xfrmStateDeleteLine(sa: EspSa): string {
  return `xfrm state delete src ${sa.src!} dst ${sa.dst!} proto esp spi 0x${sa.spi.toString(16)}`;
}

/**
 * The ESP SAs of `ip xfrm state` output (root sees the keys), e.g. what strongSwan negotiated;
 * SAs of other transforms are left out.
 */
export function parseXfrmStates(text: string): EspSa[] {
  const out: EspSa[] = [];
  for (const block of text.split(/^(?=src )/m)) {
    const head = /^src (\S+) dst (\S+)\s+proto esp spi 0x([0-9a-f]+)/m.exec(block);
    if (head === null) continue;
    const hex = (re: RegExp) => re.exec(block)?.[1];
    const auth = hex(/auth-trunc hmac\(sha256\) 0x([0-9a-f]+) 128/);
    const enc = hex(/enc cbc\(aes\) 0x([0-9a-f]+)/);
    const aead = hex(/aead rfc4106\(gcm\(aes\)\) 0x([0-9a-f]+) 128/);
    let alg: EspAlgorithm, key: string;
    if (aead !== undefined) { alg = 'aes-gcm-128'; key = aead; }
    else if (auth !== undefined && enc !== undefined) { alg = 'aes-cbc-sha256'; key = enc + auth; }
    else if (auth !== undefined && /enc ecb\(cipher_null\)/.test(block)) { alg = 'null-sha256'; key = auth; }
    else continue;
    if (key.length !== ESP_KEY_OCTETS[alg] * 2) continue;
    out.push(espSaFrom(Number.parseInt(head[3]!, 16), alg, key, { src: head[1]!, dst: head[2]! }));
  }
  return out;
}

/** One entry of `ip xfrm policy` output, as far as deciding what protects an outgoing Mobility Header needs. */
export interface XfrmPolicy {
  src: string;
  dst: string;
  /** Upper-layer protocol of the selector; undefined: any. */
  proto?: number;
  /** Mobility Header type of the selector (`type N`); undefined: any. */
  mhType?: number;
  dir: string;
  /** Lower wins (the kernel's order). */
  priority: number;
  action: 'allow' | 'block';
  /** The templates' protocols (`esp`, …); none: the policy lets packets pass in clear. */
  tmpl: string[];
}

// `ip` prints protocol 135 by its /etc/protocols name where it has one.
const MH_PROTO_NAMES = new Set(['135', 'mobility-header', 'ipv6-mh', 'mh']);

/** The policies of `ip xfrm policy` output (socket policies and unknown protocols are kept as seen). */
export function parseXfrmPolicies(text: string): XfrmPolicy[] {
  const out: XfrmPolicy[] = [];
  for (const block of text.split(/^(?=src )/m)) {
    const head = /^src (\S+) dst (\S+)(?: proto (\S+))?(?: type (\d+))?/.exec(block);
    const dir = /\bdir (\S+)/.exec(block);
    if (head === null || dir === null) continue;
    const protoText = head[3];
    const proto = protoText === undefined ? undefined : MH_PROTO_NAMES.has(protoText) ? 135 : Number.isInteger(Number(protoText)) ? Number(protoText) : -1;
    out.push({
      src: head[1]!, dst: head[2]!, dir: dir[1]!,
      ...(proto !== undefined ? { proto } : {}),
      ...(head[4] !== undefined ? { mhType: Number(head[4]) } : {}),
      priority: Number(/\bpriority (\d+)/.exec(block)?.[1] ?? 0),
      action: /\baction block\b/.test(block) ? 'block' : 'allow',
      tmpl: [...block.matchAll(/^\s+proto (\S+) /gm)].map((m) => m[1]!),
    });
  }
  return out;
}

/**
 * The out policy the kernel applies to a Mobility Header of type `mhType` from `src` to `dst` (the
 * matching one of lowest priority value), or undefined: such a packet leaves in clear.
 */
export function outPolicyForMh(policies: readonly XfrmPolicy[], src: string, dst: string, mhType: number): XfrmPolicy | undefined {
  const covers = (sel: string, addr: string) => { const p = parsePrefixLoose(sel); return p !== null && prefixContains(p, addr); };
  return policies
    .filter((p) => p.dir === 'out' && (p.proto === undefined || p.proto === 135) && (p.mhType === undefined || p.mhType === mhType) && covers(p.src, src) && covers(p.dst, dst))
    .reduce<XfrmPolicy | undefined>((best, p) => (best === undefined || p.priority < best.priority ? p : best), undefined);
}

/** Whether every Mobility Header from `src` to `dst` leaves inside ESP under these policies; else the first type that would not, and why. */
export function mhUnprotectedOut(policies: readonly XfrmPolicy[], src: string, dst: string): string | null {
  for (let type = 0; type < 256; type++) {
    const p = outPolicyForMh(policies, src, dst, type);
    if (p === undefined) return `no out policy selects MH type ${type} to ${dst}`;
    if (p.action !== 'allow' || !p.tmpl.includes('esp')) return `the out policy for MH type ${type} to ${dst} (priority ${p.priority}) ${p.action === 'block' ? 'blocks it' : 'has no ESP template'}`;
  }
  return null;
}
