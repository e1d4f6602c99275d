// pmipd's half of IPsec (RFC 5213 §4): before the first PBU leaves or arrives, the node's kernel
// must protect the Mobility Header between each MAG–LMA pair.
//   manual: pmipd installs the pair's SAs (keys from the domain file) and the SPD itself, and
//           removes them on stop;
//   ikev2:  an IKE daemon (strongSwan's charon, started by the testbed) does; a MAG waits until
//           the SAs with its LMA and an ESP out policy for the Mobility Header exist before its
//           first PBU; both daemons have their policies in place (trap) from the start.
// Quirks: no-ipsec (both roles: nothing protected, unprotected accepted), accept-unprotected-pbu
// (LMA: an allow policy lets MH in without ESP), wrong-spi-per-mag (LMA: one SA for every MAG).
import { ipBatch, nsExec } from '../../harness/netns.js';
import { pollUntil, TimeoutError } from '../../harness/poll.js';
import type { Logger } from '../log.js';
import type { Quirks } from '../quirks.js';
import { ESP_KEY_OCTETS, espSaFrom, type EspSa } from '../../wire/esp.js';
import { mhUnprotectedOut, parseXfrmPolicies, parseXfrmStates, QUIRK_POLICY_PRIORITY, xfrmAlgorithm, xfrmPolicyLines, xfrmStateDeleteLine, xfrmStateLine } from './esp.js';
import type { IpsecSettings, PairKeys } from './settings.js';

export class IpsecUnavailable extends Error {
  override readonly name = 'IpsecUnavailable';
}

/** One MAG–LMA pair seen from this node: the MAG's name (its keys' entry) and the other end's address. */
export interface Pair { mag: string; peer: string }

export interface ProtectOptions {
  settings: IpsecSettings;
  role: 'lma' | 'mag';
  self: string;
  /** Every MAG at the LMA; the MAG itself with its LMA at a MAG. */
  pairs: Pair[];
  quirks: Quirks;
  log: Logger;
}

// Documentation addresses: the probe's SA never matches traffic.
const PROBE_SRC = '2001:db8:ffff::1', PROBE_DST = '2001:db8:ffff::2';

/** Whether this kernel can add an IPv6 ESP SA of the domain's transform (CONFIG_INET6_ESP, the algorithms). */
async function probeEsp(s: IpsecSettings): Promise<void> {
  const key = '00'.repeat(ESP_KEY_OCTETS[s.esp]);
  const sa = espSaFrom(0x100, s.esp, key, { src: PROBE_SRC, dst: PROBE_DST });
  try {
    await ipBatch([xfrmStateLine(sa, 0), `xfrm state delete src ${PROBE_SRC} dst ${PROBE_DST} proto esp spi 0x100`]);
  } catch (err) {
    const said = ((err as { stderr?: string }).stderr ?? (err as Error).message).trim().split('\n')[0];
    throw new IpsecUnavailable(`ipsec: ${s.mode} needs IPv6 ESP with ${s.esp} in the kernel (CONFIG_INET6_ESP; ${xfrmAlgorithm(s.esp, key).split(' ')[0]}): ip xfrm state add said "${said}"`);
  }
}

/** The two SAs of a pair (MAG→LMA, LMA→MAG). */
function pairSas(k: PairKeys, s: IpsecSettings, mag: string, lma: string): [EspSa, EspSa] {
  return [
    espSaFrom(k.magToLma.spi, s.esp, k.magToLma.key, { src: mag, dst: lma }),
    espSaFrom(k.lmaToMag.spi, s.esp, k.lmaToMag.key, { src: lma, dst: mag }),
  ];
}

export interface IpsecPlan {
  /** `ip -batch` lines, in order. */
  install: string[];
  /** Lines undoing them, each on its own (`ip xfrm` leaves a batch at its first error). */
  undo: string[];
  /** ikev2 at a MAG: wait for the IKE daemon's SAs with this LMA before the first PBU. */
  waitFor?: string;
}

/** What this node's kernel gets (no I/O): the unit tests read the quirks' deviations here. */
export function planIpsec(o: Omit<ProtectOptions, 'log'>): IpsecPlan {
  const s = o.settings;
  const plan: IpsecPlan = { install: [], undo: [] };
  if (s.mode === 'off') return plan;
  const allow = (dir: 'in' | 'out') => {
    const sel = dir === 'in' ? `src ::/0 dst ${o.self}/128 proto 135` : `src ${o.self}/128 dst ::/0 proto 135`;
    plan.install.push(`xfrm policy add ${sel} dir ${dir} priority ${QUIRK_POLICY_PRIORITY}`);
    plan.undo.push(`xfrm policy delete ${sel} dir ${dir}`);
  };
  // Allow policies outrank the pair's own and whatever an IKE daemon installs.
  if (o.quirks.has('no-ipsec')) {
    allow('out');
    allow('in');
    return plan;
  }
  if (o.quirks.has('accept-unprotected-pbu')) allow('in');
  const mode = o.quirks.has('esp-tunnel-mode') ? 'tunnel' : 'transport';
  if (s.mode === 'ikev2') {
    if (o.role === 'mag') plan.waitFor = o.pairs[0]!.peer;
    return plan;
  }
  // wrong-spi-per-mag: the first MAG's SA pair (keys, SPIs, reqid) serves every MAG.
  const one = o.role === 'lma' && o.quirks.has('wrong-spi-per-mag');
  // spd-pbu-pba-only: the LMA protects only the PBAs it sends and the PBUs it receives.
  const mhTypes: [number, number] | undefined = o.role === 'lma' && o.quirks.has('spd-pbu-pba-only') ? [6, 5] : undefined;
  for (const [i, p] of o.pairs.entries()) {
    const keyOf = one ? o.pairs[0]!.mag : p.mag;
    const k = s.keys.find((x) => x.mag === keyOf);
    if (k === undefined) throw new IpsecUnavailable(`ipsec: manual: no ipsecKeys entry for MAG ${keyOf}`);
    const [up, down] = o.role === 'lma' ? pairSas(k, s, p.peer, o.self) : pairSas(k, s, o.self, p.peer);
    const reqid = one ? 1 : i + 1;
    // Inbound, the kernel finds an SA by destination and SPI alone: one SA for all is held once.
    const states = one && i > 0 ? [down] : [up, down];
    const policies = xfrmPolicyLines(o.self, p.peer, reqid, { mode, ...(mhTypes ? { mhTypes } : {}) });
    plan.install.push(...states.map((sa) => xfrmStateLine(sa, reqid, mode)), ...policies.add);
    plan.undo.push(...policies.remove, ...states.map(xfrmStateDeleteLine));
  }
  return plan;
}

/**
 * Protects the signalling as the domain says; resolves with the undo (to run after the last
 * de-registration). Throws IpsecUnavailable on a kernel without IPv6 ESP.
 */
export async function protectSignalling(o: ProtectOptions): Promise<() => Promise<void>> {
  const s = o.settings;
  if (s.mode === 'off') return async () => undefined;
  const plan = planIpsec(o);
  await probeEsp(s);
  if (o.quirks.has('no-ipsec')) o.log.warn('ipsec-disabled-by-quirk', { mode: s.mode });
  const cleanup = async () => {
    const results = await Promise.allSettled(plan.undo.map((l) => ipBatch([l])));
    const failed = results.filter((r) => r.status === 'rejected').length;
    if (failed > 0) o.log.warn('ipsec-cleanup', { failed, of: results.length });
  };
  try {
    await ipBatch(plan.install);
    if (plan.waitFor !== undefined) await waitForSas(o, plan.waitFor);
  } catch (err) {
    await cleanup();
    if (err instanceof IpsecUnavailable) throw err;
    throw new IpsecUnavailable(`ipsec: ${s.mode}: the XFRM set-up failed: ${(err as Error).message.split('\n')[0]}`);
  }
  o.log.info('ipsec-ready', { mode: s.mode, esp: s.esp, pairs: o.pairs.length });
  return cleanup;
}

/**
 * ikev2 at a MAG: polls until the IKE daemon installed an SA each way with the LMA AND the
 * kernel's out policy for every Mobility Header to the LMA has an ESP template. charon installs a
 * CHILD_SA's SAs first and its policies after them (separate netlink requests, milliseconds apart
 * on a loaded VM): a PBU sent once the SAs alone exist matches no policy and leaves in clear.
 */
async function waitForSas(o: ProtectOptions, lma: string): Promise<void> {
  const t0 = Date.now();
  let seen = '';
  /** When each half was first seen (ms after t0): the log shows the gap a wait for SAs alone missed. */
  let sasAt: number | undefined, policyAt: number | undefined;
  // Said before waiting, so that a MAG that never gets ready shows where it stood.
  o.log.info('ipsec-sa-wait', { lma, deadlineMs: o.settings.waitMs });
  try {
    await pollUntil(async () => {
      const [states, policies] = await Promise.all([nsExec(null, 'ip', ['xfrm', 'state']), nsExec(null, 'ip', ['xfrm', 'policy'])]);
      const sas = parseXfrmStates(states.stdout);
      const up = sas.some((x) => x.src === o.self && x.dst === lma);
      const down = sas.some((x) => x.src === lma && x.dst === o.self);
      const clear = mhUnprotectedOut(parseXfrmPolicies(policies.stdout), o.self, lma);
      if (up && down) sasAt ??= Date.now() - t0;
      if (clear === null) policyAt ??= Date.now() - t0;
      seen = `SAs: ${sas.map((x) => `${x.src}>${x.dst} spi 0x${x.spi.toString(16)}`).join(', ') || 'none'}; out policy: ${clear ?? 'ESP for every MH type'}`;
      return up && down && clear === null ? true : { pending: seen };
    }, { what: `IPsec SAs and an ESP out policy with the LMA ${lma} (negotiated by the IKE daemon)`, timeoutMs: o.settings.waitMs, maxIntervalMs: 50 });
  } catch (err) {
    if (err instanceof TimeoutError) throw new IpsecUnavailable(`ipsec: ikev2: the Mobility Header to the LMA ${lma} is not protected after ${o.settings.waitMs} ms (${seen}); is the IKE daemon running and does it know this MAG?`);
    throw err;
  }
  o.log.info('ipsec-sa-up', { lma, waitedMs: Date.now() - t0, sasAtMs: sasAt, policyAtMs: policyAt });
}
