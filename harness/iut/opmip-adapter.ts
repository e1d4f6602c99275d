// The `opmip` adapter: runs OPMIP (ATNoG's Open Proxy Mobile IPv6, C++ on Boost.Asio) as the LMA
// or a MAG of a topology. Facts it rests on, measured or read in OPMIP's source (harness/iut/opmip.md
// has the whole list and the conformance findings):
//
// - Built from the pristine archive by our recipe (opmip-build.ts, iut/opmip/) into the IUT
//   cache; prepare() builds it when the cache lacks it (a minute or more; setup and CI build it
//   on the host before the VM, whose root is a throwaway overlay).
// - Configuration is one JSON `node.db` shared by every node: "router-nodes" (LMA and MAGs: id,
//   ip-address, ip-scope-id) and "mobile-nodes" (id = NAI, ip-prefix, link-address = MACs,
//   lma-id). A node's own ip-scope-id is the ifindex of the device its tunnels attach to (the
//   one holding its address); OPMIP reads no other node's, so those are 0. The LMA authorises a
//   PBU only from an address listed as a router node, and serves only MNs whose lma-id is its id.
// - LMA: `opmip-lma -i <id> -d node.db -t 0`. `-t` (put the LMAA on every tunnel device as a
//   /64) defaults to true, which adds a second route for the transport /64 via the tunnel: off.
// - MAG: `opmip-mag -i <id> -d node.db -t 0 -e icmp --link-local-ip <LLA> <access if>...`. The
//   icmp driver learns of an MN from its RS (the Source Link-Layer Address option's MAC must be a
//   link-address in node.db, the RS must arrive on a listed interface); every RS sends a PBU
//   again. It never detects a detachment. It sends RAs from --link-local-ip (default fe80::1),
//   an address it does not configure: the adapter adds it to every access interface. Every MAG
//   gets the same one, as OPMIP's default has it, so an MN handed over keeps its default router
//   (RFC 5213 §6.8); with each MAG's own address (as the adapter first did) the MN went on
//   sending to the old MAG's address after a handover, until neighbour unreachability
//   detection gave up on it.
// - Both need ip6tnl: tunnels are made with SIOCADDTUNNEL on ip6tnl0 (the LMA aborts at its first
//   PBU without it). Ready: "LMA: Started" / "MAG: Started" on stdout (flushed per line).
// - No state dump of any kind (no socket, no signal): bindingCache() reconstructs the Binding
//   Cache / Binding Update List from its log lines, and says so in the dump's first line. The
//   prefixes shown are node.db's, which is what OPMIP's entries hold (it assigns no prefixes).
import { readFile, writeFile } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import { pollUntil, START_DEADLINE_MS, TimeoutError } from '../poll.js';
import { IutError, type IutAdapter, type IutContext, type RunningIut } from './adapter.js';
import { buildOpmip } from './opmip-build.js';
import type { OpmipOptions } from './opmip-options.js';
import { PROJECT_ROOT } from './source-build.js';
import type { IutVars } from './vars.js';

const NAME = 'opmip';
/** opmip-mag's default --link-local-ip (app/opmip-mag/options.cpp): one address for every MAG. */
export const OPMIP_LINK_LOCAL = 'fe80::1';

function options(ctx: IutContext): OpmipOptions {
  return (ctx.node.iut?.options ?? {}) as OpmipOptions;
}

function sourceOf(opts: OpmipOptions): string | undefined {
  if (opts.source === undefined) return undefined;
  return isAbsolute(opts.source) ? opts.source : resolve(PROJECT_ROOT, opts.source);
}

/** node.db as OPMIP's loader wants it (arrays; scope ids as strings), for the node whose device has `ownScopeId`. */
export function nodeDb(vars: IutVars, ownScopeId: number, opts: OpmipOptions = {}): Record<string, unknown> {
  if (vars.lma === null) throw new Error('the topology has no LMA');
  const routers = [...vars.lmas, ...vars.mags].filter((r) => r.address !== null).map((r) => ({
    id: r.id, 'ip-address': r.address, 'ip-scope-id': String(r.id === vars.node.id ? ownScopeId : 0),
  }));
  const mns = new Map<string, { nai: string; mac?: string; prefixes: string[] }>();
  for (const mn of vars.mns) mns.set(mn.nai, { nai: mn.nai, mac: mn.mac, prefixes: [mn.hnp] });
  for (const m of opts.mobileNodes ?? []) {
    const cur = mns.get(m.nai);
    mns.set(m.nai, { nai: m.nai, prefixes: m.prefixes ?? cur?.prefixes ?? [], ...(m.mac ?? cur?.mac ? { mac: m.mac ?? cur?.mac } : {}) });
  }
  return {
    'router-nodes': routers,
    'mobile-nodes': [...mns.values()].map((m) => ({
      id: m.nai, 'ip-prefix': m.prefixes, 'link-address': m.mac !== undefined ? [m.mac] : [], 'lma-id': vars.lma!.id,
    })),
  };
}

/** The binding state OPMIP's log lines tell (it has no dump): one line per MN it still holds an entry for. */
export function stateFromLog(log: string, role: 'lma' | 'mag', prefixes: ReadonlyMap<string, string[]>): string {
  const entries = new Map<string, { peer: string; state: string; event: string }>();
  for (const line of log.split('\n')) {
    const m = role === 'lma'
      ? /^LMA: (PBU (?:registration|re-registration|handoff|de-registration)|Binding cache remove entry|Binding expired entry) \[id = ([^,\]]+)(?:, mag = ([^\]]+))?\]/.exec(line)
      : /^MAG: (PBA (?:registration|re-registration|de-registration)) \[delay = [^,]*, id = ([^,]+), lma = ([^,\]]+)(?:, status = (\d+))?\]/.exec(line);
    if (!m) continue;
    const [, event, id, addr, status] = m as unknown as [string, string, string, string | undefined, string | undefined];
    const peer = addr ?? entries.get(id)?.peer ?? '?';
    // The LMA keeps a de-registered or expired entry for MinDelayBeforeBCEDelete, until "remove
    // entry"; the MAG drops its entry at the de-registration's PBA or at a rejecting one.
    if (/remove entry/.test(event) || (role === 'mag' && (/de-registration/.test(event) || (status !== undefined && status !== '0')))) entries.delete(id);
    else entries.set(id, { peer, state: /de-registration|expired/.test(event) ? 'deregistered' : 'registered', event });
  }
  const what = role === 'lma' ? 'Binding Cache' : 'Binding Update List';
  return [
    `# OPMIP ${what} as its log tells it (OPMIP offers no state dump; prefixes from node.db, which its entries hold)`,
    ...[...entries].map(([id, e]) => `${id} ${role === 'lma' ? 'mag' : 'lma'} ${e.peer} prefixes ${(prefixes.get(id) ?? []).join(',') || 'none'} ${e.state} (${e.event})`),
  ].join('\n');
}

async function ifindexOf(ctx: IutContext, dev: string): Promise<number> {
  const r = await ctx.exec('ip', ['-j', 'link', 'show', 'dev', dev]);
  const idx = (JSON.parse(r.stdout) as { ifindex?: number }[])[0]?.ifindex;
  if (idx === undefined) throw new Error(`no ifindex for ${dev}`);
  return idx;
}

async function linkLocalsOf(ctx: IutContext, dev: string): Promise<string[]> {
  const r = await ctx.exec('ip', ['-j', '-6', 'addr', 'show', 'dev', dev, 'scope', 'link']);
  const info = JSON.parse(r.stdout) as { addr_info?: { local?: string }[] }[];
  return (info[0]?.addr_info ?? []).flatMap((a) => (a.local?.startsWith('fe80:') ? [a.local] : []));
}

/** The device holding the node's address (its tunnels' underlay), else its first transport link. */
function underlayOf(vars: IutVars): string {
  const dev = vars.interfaces.find((i) => i.address !== null && i.address === vars.node.address)?.name ?? vars.transport[0]?.name;
  if (dev === undefined) throw new Error(`node ${vars.node.id} has no transport link`);
  return dev;
}

export const opmipAdapter: IutAdapter = {
  name: NAME,

  // Tunnels are ip6tnl devices made by ioctl; there is no fallback.
  requiredFeatures() { return ['ip6tnl']; },

  async prepare(ctx) {
    const { vars, node } = ctx;
    if (node.kind !== 'lma' && node.kind !== 'mag') throw new IutError(node.id, NAME, `OPMIP runs as an LMA or a MAG, not as a ${node.kind}`);
    const opts = options(ctx);
    try {
      await buildOpmip(sourceOf(opts), { progress: (l) => process.stderr.write(`${l}\n`) });
      if (node.kind === 'mag') {
        if (vars.access.length === 0) throw new Error('the MAG has no access link');
        const lla = opts.linkLocal ?? OPMIP_LINK_LOCAL;
        for (const a of vars.access) {
          if (!(await linkLocalsOf(ctx, a.name)).includes(lla)) await ctx.exec('ip', ['-6', 'addr', 'add', `${lla}/64`, 'dev', a.name, 'nodad']);
        }
        await writeFile(join(ctx.configDir, 'link-local'), `${lla}\n`);
      }
      const db = nodeDb(vars, await ifindexOf(ctx, underlayOf(vars)), opts);
      await writeFile(join(ctx.configDir, 'node.db'), `${JSON.stringify(db, null, 2)}\n`);
    } catch (err) {
      throw new IutError(node.id, NAME, (err as Error).message);
    }
  },

  async start(ctx): Promise<RunningIut> {
    const { node, vars } = ctx;
    const role = node.kind as 'lma' | 'mag';
    const opts = options(ctx);
    const built = await buildOpmip(sourceOf(opts));
    const db = join(ctx.configDir, 'node.db');
    const args = ['-i', node.id, '-d', db, '-t', '0'];
    if (role === 'mag') {
      const lla = (await readFile(join(ctx.configDir, 'link-local'), 'utf8')).trim();
      args.push('-e', 'icmp', '--link-local-ip', lla, ...vars.access.map((a) => a.name));
    }
    const proc = ctx.supervisor.start({
      name: `iut ${node.id}`, node: node.id, netns: ctx.netns, cmd: built.bin[`opmip-${role}`]!, args,
      logFile: ctx.logFile, cwd: ctx.configDir,
    });
    const prefixes = new Map(((JSON.parse(await readFile(db, 'utf8')) as { 'mobile-nodes': { id: string; 'ip-prefix': string[] }[] })['mobile-nodes'])
      .map((m) => [m.id, m['ip-prefix']]));
    return {
      pid: proc.pid,
      async ready(timeoutMs = START_DEADLINE_MS) {
        try {
          await proc.waitForOutput(role === 'lma' ? /^LMA: Started/m : /^MAG: Started/m, { timeoutMs });
          await pollUntil(() => {
            if (!proc.running) throw new Error(`it ended at start-up; ${proc.formatTail()}`);
            return true;
          }, { what: 'OPMIP still running', timeoutMs });
        } catch (err) {
          throw new IutError(node.id, NAME, err instanceof TimeoutError ? `not ready: ${err.message}` : (err as Error).message);
        }
      },
      async stop() {
        // SIGINT/SIGTERM: it removes its tunnels and routes, then io_service::run returns.
        await proc.stop({ signal: 'SIGTERM', graceMs: 3000 });
      },
      async bindingCache() {
        let log: string;
        try { log = await readFile(ctx.logFile, 'utf8'); } catch (err) { return `OPMIP log ${ctx.logFile} unreadable: ${(err as Error).message}`; }
        return stateFromLog(log, role, prefixes);
      },
    };
  },
};
