// The `oai-pmipv6` adapter: runs OpenAirInterface's PMIPv6 daemon (mip6d, UMIP 0.4 based) as the
// MAG or the LMA of a topology. mip6d is built from the pristine source by our recipe
// (oai-pmipv6/recipe.ts) into a cache; prepare() writes its UMIP-grammar config and the MN
// authorisation file; start() runs it inside a private mount namespace where that file lies over
// /etc/pmip/mac-mapping.auth (oai-pmipv6/private-etc.ts). Facts about OAI this rests on:
// oai-pmipv6.md beside this file.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { START_DEADLINE_MS, TimeoutError } from '../poll.js';
import { IutError, type IutAdapter, type IutContext, type RunningIut } from './adapter.js';
import { lmaConfig, macMappingFile, MAC_MAPPING_PATH, magConfig } from './oai-pmipv6/config.js';
import { privateEtcArgs } from './oai-pmipv6/private-etc.js';
import { buildOai } from './oai-pmipv6/recipe.js';
import type { OaiOptions } from './oai-pmipv6-options.js';

const NAME = 'oai-pmipv6';

/**
 * The last line mip6d prints once it serves: the MAG after registering its RS/PBA handlers and
 * reading the MN file (pmip_mag_init), the LMA after its binding cache and PBU handler (pmip_lma_init).
 */
export const READY_LINES = {
  mag: /Starting capturing AP messages for incoming MNs detection/,
  lma: /Initializing the PBU handler/,
} as const;

/** Lines that say why mip6d ended or will not serve, most telling first. */
const FAILURE_LINES = [
  /can't open \/etc\/pmip\/mac-mapping\.auth/,
  /Can't get netmask for device.*/,
  /Failed to add state.*/,
  /private-etc: .*/,
  /(?:syntax error|parse error).*/i,
  /.*failed.*/i,
];

function options(ctx: IutContext): OaiOptions {
  return (ctx.node.iut?.options ?? {}) as OaiOptions;
}

function role(ctx: IutContext): 'mag' | 'lma' {
  const kind = ctx.node.kind;
  if (kind !== 'mag' && kind !== 'lma') throw new IutError(ctx.node.id, NAME, `OAI PMIPv6 runs as an LMA or a MAG, not as a ${kind}`);
  return kind;
}

function failureCause(lines: readonly string[]): string | undefined {
  for (const re of FAILURE_LINES) {
    for (let i = lines.length - 1; i >= 0; i--) {
      const m = re.exec(lines[i]!);
      if (m) return m[0];
    }
  }
  return undefined;
}

export const oaiAdapter: IutAdapter = {
  name: NAME,

  // ip6tnl for the MAG-LMA tunnels (without it: "SIOCADDTUNNEL failed", signalling only);
  // mip6: mip6d's MH socket and XFRM policies need the kernel's Mobile IPv6 (CONFIG_IPV6_MIP6).
  requiredFeatures() {
    return ['mip6', 'ip6tnl'];
  },

  async prepare(ctx) {
    const r = role(ctx);
    const o = options(ctx);
    try {
      // Built here rather than at start: a build failure is the case's ERROR before anything runs.
      await buildOai(o.source);
      const conf = r === 'mag' ? magConfig(ctx.vars, o) : lmaConfig(ctx.vars, ctx.topology, o);
      await writeFile(join(ctx.configDir, 'mip6d.conf'), conf);
      await writeFile(join(ctx.configDir, 'mac-mapping.auth'), macMappingFile(ctx.vars.mns));
    } catch (err) {
      throw new IutError(ctx.node.id, NAME, (err as Error).message);
    }
  },

  async start(ctx): Promise<RunningIut> {
    const r = role(ctx);
    const o = options(ctx);
    let mip6d: string;
    try { mip6d = (await buildOai(o.source)).bin.mip6d!; } catch (err) { throw new IutError(ctx.node.id, NAME, (err as Error).message); }
    const proc = ctx.supervisor.start({
      name: `iut ${ctx.node.id}`, node: ctx.node.id, netns: ctx.netns, cmd: 'unshare',
      args: privateEtcArgs(join(ctx.runtimeDir, 'etc-overlay'), { [MAC_MAPPING_PATH.slice('/etc/'.length)]: join(ctx.configDir, 'mac-mapping.auth') },
        mip6d, ['-c', join(ctx.configDir, 'mip6d.conf')]),
      logFile: ctx.logFile, cwd: ctx.configDir,
    });
    return {
      pid: proc.pid,
      dataplane: { backend: 'ip6tnl' },
      async ready(timeoutMs = START_DEADLINE_MS) {
        try {
          await proc.waitForOutput(READY_LINES[r], { timeoutMs });
        } catch (err) {
          const what = err instanceof TimeoutError ? `not ready: ${err.message}` : (err as Error).message;
          const cause = failureCause(proc.lastLines(80));
          throw new IutError(ctx.node.id, NAME, cause !== undefined ? `${cause}\n${what}` : what);
        }
      },
      async stop() {
        await proc.stop({ signal: 'SIGTERM', graceMs: 3000 });
      },
      // mip6d 0.4 has no way to dump its binding cache or update list (its virtual terminal is
      // compiled out, and no signal prints them); its debug log names MNs by MAC, not by the
      // identities the checks look for, so no dump is offered: the checks go INCONCLUSIVE.
      async bindingCache() {
        return null;
      },
    };
  },
};
