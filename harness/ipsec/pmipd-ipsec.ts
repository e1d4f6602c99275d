// IPsec for the pmipd adapter (domain `ipsec: manual | ikev2`): the run's keys (made once per run,
// shared by its nodes), the SAs recorded beside the captures, and with ikev2 the node's charon.
import { mkdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { parseXfrmStates } from '../../pmipd/ipsec/esp.js';
import { planIpsec } from '../../pmipd/ipsec/protect.js';
import { Quirks } from '../../pmipd/quirks.js';
import { ipBatch } from '../netns.js';
import type { IutContext } from '../iut/adapter.js';
import { recordEspSas } from '../capture/esp-sas.js';
import type { EspAlgorithm } from '../../wire/esp.js';
import { manualSas, runKeys, type RunKeys } from './run-keys.js';
import { startCharon, swanctlConf, type IkePeer } from './strongswan.js';

export interface NodeIpsec {
  /** Once pmipd is ready: the SAs it uses are recorded. */
  ready(): Promise<void>;
  /** After pmipd stopped. */
  stop(): Promise<void>;
}

const NONE: NodeIpsec = { ready: async () => undefined, stop: async () => undefined };

function modeOf(domain: Record<string, unknown>): 'manual' | 'ikev2' | null {
  return domain.ipsec === 'manual' || domain.ipsec === 'ikev2' ? domain.ipsec : null;
}

/** configDir is <out>/iut/<node>; the captures are <out>/captures/. */
const capturesDir = (ctx: IutContext) => join(dirname(dirname(ctx.configDir)), 'captures');

/** The run's keys: in the run directory (/run/pmip-testbed/<runid>/iut/), never beside the reports. */
export function runKeysPath(runDir: string): string {
  return join(runDir, 'iut', '.pmipd-ipsec-keys.json');
}

function keysOf(ctx: IutContext, domain: Record<string, unknown>, quirks: readonly string[]): Promise<RunKeys> {
  const lma = ctx.vars.lma?.address;
  if (lma === undefined || lma === null) throw new Error('ipsec: the topology has no LMA with an address');
  // runtimeDir is <run>/iut/<node>.
  return runKeys(runKeysPath(dirname(dirname(ctx.runtimeDir))), {
    esp: (domain.esp ?? 'null-sha256') as EspAlgorithm,
    lma,
    mags: ctx.vars.mags.flatMap((m) => (m.address === null ? [] : [{ name: m.id, address: m.address }])),
    oneForAll: modeOf(domain) === 'manual' && ctx.node.kind === 'lma' && quirks.includes('wrong-spi-per-mag'),
  });
}

/** Adds the manual keys to the domain file and records their SAs. */
export async function prepareIpsec(ctx: IutContext, domain: Record<string, unknown>, quirks: readonly string[]): Promise<void> {
  if (modeOf(domain) !== 'manual') return;
  const keys = await keysOf(ctx, domain, quirks);
  domain.ipsecKeys = keys.pairs.map((p) => ({ mag: p.mag, magToLma: p.magToLma, lmaToMag: p.lmaToMag }));
  await recordEspSas(capturesDir(ctx), manualSas(keys));
}

/** ikev2: starts the node's charon with a connection per pair (the MAG trapping and initiating, the LMA trapping) and loads it. */
export async function startIpsec(ctx: IutContext, domain: Record<string, unknown>, quirks: readonly string[]): Promise<NodeIpsec> {
  if (modeOf(domain) !== 'ikev2') return NONE;
  const keys = await keysOf(ctx, domain, quirks);
  const lma = ctx.node.kind === 'lma';
  const peers: IkePeer[] = keys.pairs.filter((p) => lma || p.mag === ctx.node.id).map((p) => (lma
    ? { name: p.mag, local: p.lmaAddress, remote: p.magAddress, psk: p.psk }
    : { name: ctx.vars.lma!.id, local: p.magAddress, remote: p.lmaAddress, psk: p.psk }));
  if (peers.length === 0) throw new Error(`ipsec: ikev2: no MAG–LMA pair for ${ctx.node.id}`);
  const runtimeDir = join(ctx.runtimeDir, 'charon');
  await mkdir(runtimeDir, { recursive: true });
  const charon = await startCharon({
    supervisor: ctx.supervisor, node: ctx.node.id, netns: ctx.netns, runtimeDir,
    logFile: join(dirname(ctx.logFile), `${ctx.node.id}-charon.log`),
    swanctlText: swanctlConf({ peers, start: lma ? 'trap' : 'trap|start', esp: keys.esp, mode: quirks.includes('esp-tunnel-mode') ? 'tunnel' : 'transport' }),
  });
  // What IKEv2 negotiated, so that an encrypting transform stays judgeable.
  const record = async () => recordEspSas(capturesDir(ctx), parseXfrmStates(await charon.xfrmStates()));
  return {
    ready: record,
    async stop() {
      await record().catch(() => undefined);
      await charon.stop();
    },
  };
}

/**
 * Gives an emulated MAG's namespace (a MAG of the domain without an IUT) its SA pair and policies
 * with the LMA, from the run's manual keys, replacing what it had: its protectable sends then
 * travel inside ESP. `wrongKey`: its MAG→LMA SA gets another key (the LMA must drop what fails the ICV).
 */
export async function protectEmulatedMag(o: { runDir: string; netns: string; mag: string; wrongKey?: boolean }): Promise<void> {
  let keys: RunKeys;
  try {
    keys = JSON.parse(await readFile(runKeysPath(o.runDir), 'utf8')) as RunKeys;
  } catch (err) {
    throw new Error(`the run has no IPsec keys (${(err as Error).message}): the domain needs ipsec: manual`);
  }
  const pair = keys.pairs.find((p) => p.mag === o.mag);
  if (pair === undefined) throw new Error(`the run's IPsec keys have no pair for ${o.mag}`);
  const flip = (hex: string) => hex.replace(/^./, (c) => (Number.parseInt(c, 16) ^ 8).toString(16));
  const mine = o.wrongKey ? { ...pair, magToLma: { ...pair.magToLma, key: flip(pair.magToLma.key) } } : pair;
  const plan = planIpsec({
    settings: { mode: 'manual', esp: keys.esp, waitMs: 0, keys: [mine] }, role: 'mag', self: pair.magAddress,
    pairs: [{ mag: o.mag, peer: pair.lmaAddress }], quirks: new Quirks([]),
  });
  // The namespace is the tester's alone: nothing else's SAs to keep.
  await ipBatch(['xfrm policy flush', 'xfrm state flush', ...plan.install], { netns: o.netns });
}
