// The `pmipd` adapter: runs pmip-testbed's own PMIPv6 daemon as the LMA or a MAG of a topology.
// prepare() writes one domain file per node from the topology (LMAA, MAGs with their Proxy-CoA
// and interfaces, the MNs with NAI, MAC and HNP, the HNP pool); start() runs
// `node dist/pmipd/main.js` in the node with a control socket, which also serves the state dump.
// The control socket and the MAGs' shared access-network state live in the run's runtime
// directory (a local file system), the domain file beside the reports.
import { writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { controlRequest } from '../../pmipd/control-socket.js';
import { pollUntil, START_DEADLINE_MS, TimeoutError } from '../poll.js';
import type { KernelFeature } from '../kernel-features.js';
import type { IutSpec } from '../topology/schema.js';
import { checkSocketPath, IutError, type DataplaneChoice, type DataplaneUse, type IutAdapter, type IutContext, type RunningIut } from './adapter.js';
import type { PmipdOptions } from './pmipd-options.js';
import { IPV4_HOA_POOL, ipv4ProvisionOf } from './pmipd-ipv4.js';
import type { IutVars } from './vars.js';
import { prepareIpsec, startIpsec, type NodeIpsec } from '../ipsec/pmipd-ipsec.js';

const MAIN = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'pmipd', 'main.js');

/** Kernel features each back-end needs; `auto` (pmipd probes and falls back) and `none` need none. */
const BACKEND_FEATURES: Record<DataplaneChoice, KernelFeature[]> = {
  auto: [], none: [], tun: ['tun'], ip6tnl: ['ip6tnl'],
  // Only seg6 steers next header 41 to its decapsulation route with an ipproto rule.
  seg6: ['seg6', 'seg6local', 'ip6-rule-ipproto'],
};

/** The data plane a node's pmipd will be asked for: the one forced on every node wins over the spec's. */
export function requestedDataplane(spec: Pick<IutSpec, 'options'>, forced?: DataplaneChoice): DataplaneChoice {
  const own = ((spec.options ?? {}) as PmipdOptions).domain?.dataplane;
  return forced ?? (typeof own === 'string' && own in BACKEND_FEATURES ? own as DataplaneChoice : 'auto');
}

/**
 * The data plane named on pmipd's ready line: `… ready role=lma … dataplane=tun`, plus
 * `dataplaneWhy="…"` (JSON-quoted when it holds spaces) when auto found none.
 */
export function parseReadyLine(line: string): DataplaneUse | undefined {
  const backend = / dataplane=(\S+)/.exec(line)?.[1];
  if (backend === undefined) return undefined;
  const raw = / dataplaneWhy=("(?:[^"\\]|\\.)*"|\S+)/.exec(line)?.[1];
  let why: string | undefined;
  if (raw !== undefined) {
    try { why = raw.startsWith('"') ? JSON.parse(raw) as string : raw; } catch { why = raw; }
  }
  return { backend, ...(why !== undefined ? { why } : {}) };
}

/** The cause pmipd gave for ending: its last `pmipd: …` line (a failing `ip` command and its error). */
export function startFailureCause(lines: readonly string[]): string | undefined {
  for (let i = lines.length - 1; i >= 0; i--) {
    const m = /^pmipd: (.+)$/.exec(lines[i]!);
    if (m) return m[1];
  }
  return undefined;
}

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
    mobileNodes: vars.mns.map((mn) => ({ nai: mn.nai, mac: mn.mac, prefixes: [mn.hnp], ...ipv4ProvisionOf(mn.family ?? 'ipv6') })),
  };
  if (vars.mns.some((mn) => (mn.family ?? 'ipv6') !== 'ipv6')) (base.lma as Record<string, unknown>).ipv4Pool = IPV4_HOA_POOL;
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

  requiredFeatures(spec, forced) {
    // With auto, pmipd probes ip6tnl, seg6, tun and falls back to none: nothing is required.
    const ipsec = ((spec.options ?? {}) as PmipdOptions).domain?.ipsec;
    return [...BACKEND_FEATURES[requestedDataplane(spec, forced)], ...(ipsec === 'manual' || ipsec === 'ikev2' ? ['esp6' as const] : [])];
  },

  async prepare(ctx) {
    const kind = ctx.node.kind;
    if (kind !== 'lma' && kind !== 'mag') throw new IutError(ctx.node.id, 'pmipd', `pmipd runs as an LMA or a MAG, not as a ${kind}`);
    const lmaIf = kind === 'lma' ? ctx.vars.transport[0]?.name ?? 'eth0' : 'eth0';
    // Shared by the run's MAGs (each node's runtime directory is <run>/iut/<node>).
    const stateDir = join(dirname(ctx.runtimeDir), '.pmipd-access-network');
    const domain = domainFile(ctx.vars, options(ctx), lmaIf, stateDir);
    if (ctx.dataplane !== undefined) domain.dataplane = ctx.dataplane;
    try {
      await prepareIpsec(ctx, domain, options(ctx).quirks ?? []);
      await writeFile(join(ctx.configDir, 'pmipd-domain.yaml'), stringify(domain));
    } catch (err) {
      throw new IutError(ctx.node.id, 'pmipd', (err as Error).message);
    }
  },

  async start(ctx): Promise<RunningIut> {
    const opts = options(ctx);
    let control: string;
    try { control = checkSocketPath(join(ctx.runtimeDir, 'pmipd.sock'), 'its control socket'); } catch (err) { throw new IutError(ctx.node.id, 'pmipd', (err as Error).message); }
    const args = [MAIN, '--role', ctx.node.kind, '--config', join(ctx.configDir, 'pmipd-domain.yaml'), '--control', control,
      '--log-level', opts.logLevel ?? 'info', '--state-dir', ctx.runtimeDir];
    if (ctx.node.kind === 'mag') args.push('--name', ctx.node.id);
    for (const q of opts.quirks ?? []) args.push('--quirk', q);
    // ikev2: the node's IKE daemon first (pmipd at a MAG waits for its SAs).
    let ipsec: NodeIpsec;
    try { ipsec = await startIpsec(ctx, opts.domain ?? {}, opts.quirks ?? []); } catch (err) { throw new IutError(ctx.node.id, 'pmipd', (err as Error).message); }
    const proc = ctx.supervisor.start({
      name: `iut ${ctx.node.id}`, node: ctx.node.id, netns: ctx.netns, cmd: process.execPath, args,
      logFile: ctx.logFile, cwd: ctx.configDir,
    });
    let dataplane: DataplaneUse | undefined;
    return {
      pid: proc.pid,
      get dataplane() { return dataplane; },
      async ready(timeoutMs = START_DEADLINE_MS) {
        try {
          const line = await proc.waitForOutput(/ ready role=.*$/m, { timeoutMs });
          dataplane = parseReadyLine(line[0]);
          await pollUntil(async () => {
            if (!proc.running) throw new Error(`it ended at start-up; ${proc.formatTail()}`);
            try { return (await controlRequest(control, { cmd: 'ping' }, 1000)).ok === true; } catch { return false; }
          }, { what: `pmipd control socket ${control}`, timeoutMs, maxIntervalMs: 20 });
          await ipsec.ready();
        } catch (err) {
          const what = err instanceof TimeoutError ? `not ready: ${err.message}` : (err as Error).message;
          // The cause first, on one line; the message with the log tail after it.
          const cause = startFailureCause(proc.lastLines(50));
          throw new IutError(ctx.node.id, 'pmipd', cause !== undefined ? `${cause}\n${what}` : what);
        }
      },
      async stop() {
        await proc.stop({ signal: 'SIGTERM', graceMs: 3000 });
        await ipsec.stop();
      },
      async command(req) {
        const r = await controlRequest(control, req, 3000);
        if (r.ok !== true) throw new IutError(ctx.node.id, 'pmipd', `${String(req.cmd)}: ${String(r.error)}`);
        return r;
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
