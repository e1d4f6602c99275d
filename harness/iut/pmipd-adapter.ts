// The `pmipd` adapter: runs pmip-testbed's own PMIPv6 daemon as the LMA or a MAG of a topology.
// prepare() writes one domain file per node from the topology (LMAA, MAGs with their Proxy-CoA
// and interfaces, the MNs with NAI, MAC and HNP, the HNP pool); start() runs
// `node dist/pmipd/main.js` in the node with a control socket, which also serves the state dump.
import { writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { controlRequest } from '../../pmipd/control-socket.js';
import { pollUntil, START_DEADLINE_MS, TimeoutError } from '../poll.js';
import { IutError, type IutAdapter, type IutContext, type RunningIut } from './adapter.js';
import type { PmipdOptions } from './pmipd-options.js';
import type { IutVars } from './vars.js';

const MAIN = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'pmipd', 'main.js');

function options(ctx: IutContext): PmipdOptions {
  return (ctx.node.iut?.options ?? {}) as PmipdOptions;
}

/** The domain file every node of the topology would write alike (plus this node's overrides). */
export function domainFile(vars: IutVars, opts: PmipdOptions, lmaInterface: string, accessStateDir: string): Record<string, unknown> {
  if (vars.lma === null || vars.lma.address === null) throw new Error('the topology has no LMA with an address');
  const base: Record<string, unknown> = {
    timestamps: true,
    fixedMagAddresses: false,
    dataplane: 'auto',
    lma: {
      name: vars.lma.id, address: vars.lma.address, transportInterface: lmaInterface,
      prefixPool: [vars.hnpPool],
    },
    mag: { accessNetworkStateDir: accessStateDir, presenceInterval: 1000 },
    mags: vars.mags.filter((m) => m.address !== null).map((m) => ({
      name: m.id, address: m.address,
      // Every MAG of a generated topology names its links alike; this node's own are exact.
      transportInterface: m.id === vars.node.id ? vars.transport[0]?.name ?? 'eth0' : 'eth0',
      accessInterfaces: m.id === vars.node.id ? vars.access.map((a) => a.name) : ['acc0'],
    })),
    mobileNodes: vars.mns.map((mn) => ({ nai: mn.nai, mac: mn.mac, prefixes: [mn.hnp] })),
  };
  const over = opts.domain ?? {};
  for (const [k, v] of Object.entries(over)) {
    const cur = base[k];
    base[k] = cur !== null && typeof cur === 'object' && !Array.isArray(cur) && v !== null && typeof v === 'object' && !Array.isArray(v)
      ? { ...(cur as object), ...(v as object) } : v;
  }
  return base;
}

export const pmipdAdapter: IutAdapter = {
  name: 'pmipd',

  requiredFeatures() {
    // ip6tnl or seg6 is chosen at run time; seg6 is what a kernel without ip6tnl must have.
    return ['ip6-rule-ipproto'];
  },

  async prepare(ctx) {
    const kind = ctx.node.kind;
    if (kind !== 'lma' && kind !== 'mag') throw new IutError(ctx.node.id, 'pmipd', `pmipd runs as an LMA or a MAG, not as a ${kind}`);
    const lmaIf = kind === 'lma' ? ctx.vars.transport[0]?.name ?? 'eth0' : 'eth0';
    const stateDir = join(dirname(ctx.configDir), '.pmipd-access-network');
    try {
      await writeFile(join(ctx.configDir, 'pmipd-domain.yaml'), stringify(domainFile(ctx.vars, options(ctx), lmaIf, stateDir)));
    } catch (err) {
      throw new IutError(ctx.node.id, 'pmipd', (err as Error).message);
    }
  },

  async start(ctx): Promise<RunningIut> {
    const opts = options(ctx);
    const control = join(ctx.configDir, 'pmipd.sock');
    const args = [MAIN, '--role', ctx.node.kind, '--config', join(ctx.configDir, 'pmipd-domain.yaml'), '--control', control,
      '--log-level', opts.logLevel ?? 'info'];
    if (ctx.node.kind === 'mag') args.push('--name', ctx.node.id);
    for (const q of opts.quirks ?? []) args.push('--quirk', q);
    const proc = ctx.supervisor.start({
      name: `iut ${ctx.node.id}`, node: ctx.node.id, netns: ctx.netns, cmd: process.execPath, args,
      logFile: ctx.logFile, cwd: ctx.configDir,
    });
    return {
      pid: proc.pid,
      async ready(timeoutMs = START_DEADLINE_MS) {
        try {
          await proc.waitForOutput(/ ready role=/m, { timeoutMs });
          await pollUntil(async () => {
            if (!proc.running) throw new Error(`it ended at start-up; ${proc.formatTail()}`);
            try { return (await controlRequest(control, { cmd: 'ping' }, 1000)).ok === true; } catch { return false; }
          }, { what: `pmipd control socket ${control}`, timeoutMs, maxIntervalMs: 20 });
        } catch (err) {
          throw new IutError(ctx.node.id, 'pmipd', err instanceof TimeoutError ? `not ready: ${err.message}` : (err as Error).message);
        }
      },
      async stop() {
        await proc.stop({ signal: 'SIGTERM', graceMs: 3000 });
      },
      async bindingCache() {
        try {
          return JSON.stringify(await controlRequest(control, { cmd: 'dump' }, 3000), null, 2);
        } catch (err) {
          return `pmipd dump failed: ${(err as Error).message}`;
        }
      },
    };
  },
};
