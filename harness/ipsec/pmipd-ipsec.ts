// IPsec for the pmipd adapter (domain `ipsec: manual | ikev2`): the run's keys (made once per run,
// shared by its nodes), the SAs recorded beside the captures, and with ikev2 the node's charon.
import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { parseXfrmStates, type EspTransform } from '../../pmipd/ipsec/esp.js';
import type { IutContext } from '../iut/adapter.js';
import { recordEspSas } from './sa-file.js';
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

function keysOf(ctx: IutContext, domain: Record<string, unknown>, quirks: readonly string[]): Promise<RunKeys> {
  const lma = ctx.vars.lma?.address;
  if (lma === undefined || lma === null) throw new Error('ipsec: the topology has no LMA with an address');
  return runKeys(join(dirname(ctx.runtimeDir), '.pmipd-ipsec-keys.json'), {
    esp: (domain.esp ?? 'null-sha256') as EspTransform,
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

/** ikev2: starts the node's charon with a connection per pair (the MAG initiating) and loads it. */
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
    swanctlText: swanctlConf({ peers, start: lma ? 'trap' : 'start', esp: keys.esp, mode: quirks.includes('esp-tunnel-mode') ? 'tunnel' : 'transport' }),
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
