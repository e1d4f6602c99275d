// The `command` adapter: any implementation, plugged in from YAML alone. Config files and the
// command line are templates filled from the topology (see template.ts and vars.ts); readiness is
// a line of output or a probe command; the binding cache, a command's output.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pollUntil, START_DEADLINE_MS, TimeoutError } from '../poll.js';
import type { IutSpec } from '../topology/schema.js';
import { IutError, type IutAdapter, type IutContext, type RunningIut } from './adapter.js';
import type { CommandOptions } from './command-options.js';
import { renderTemplate, TemplateError } from './template.js';


function options(ctx: IutContext): CommandOptions {
  return ctx.node.iut!.options as unknown as CommandOptions;
}

/** Renders one template; an error names the node's option that holds it. */
function fill(ctx: IutContext, template: string, where: string): string {
  try {
    return renderTemplate(template, ctx.vars as unknown as Record<string, unknown>);
  } catch (err) {
    if (err instanceof TemplateError) throw new IutError(ctx.node.id, 'command', `template ${where}: ${err.message}`);
    throw err;
  }
}

function fillArgv(ctx: IutContext, argv: string[], where: string): string[] {
  return argv.map((a, i) => fill(ctx, a, `${where}[${i}]`));
}

export const commandAdapter: IutAdapter = {
  name: 'command',

  requiredFeatures(spec: IutSpec) {
    return (spec.options as unknown as CommandOptions | undefined)?.requires ?? [];
  },

  async prepare(ctx) {
    for (const [name, template] of Object.entries(options(ctx).files ?? {})) {
      await writeFile(join(ctx.configDir, name), fill(ctx, template, `files.${name}`));
    }
  },

  async start(ctx): Promise<RunningIut> {
    const opts = options(ctx);
    const cmd = fill(ctx, opts.command, 'command');
    const args = fillArgv(ctx, opts.args ?? [], 'args');
    const env = Object.fromEntries(Object.entries(opts.env ?? {}).map(([k, v]) => [k, fill(ctx, v, `env.${k}`)]));
    const readyProbe = opts.ready?.command ? fillArgv(ctx, opts.ready.command, 'ready.command') : undefined;
    const stateCommand = opts.state ? fillArgv(ctx, opts.state.command, 'state.command') : undefined;
    const proc = ctx.supervisor.start({
      name: `iut ${ctx.node.id}`,
      node: ctx.node.id,
      netns: ctx.netns,
      cmd,
      args,
      logFile: ctx.logFile,
      env,
      cwd: ctx.configDir,
    });
    return {
      pid: proc.pid,
      async ready(timeoutMs = opts.ready?.timeoutMs ?? START_DEADLINE_MS) {
        try {
          if (opts.ready?.output) await proc.waitForOutput(new RegExp(opts.ready.output, 'm'), { timeoutMs });
          if (readyProbe) {
            await pollUntil(async () => {
              if (!proc.running) throw new Error(`it ended before the probe succeeded; ${proc.formatTail()}`);
              const r = await ctx.exec(readyProbe[0]!, readyProbe.slice(1), { reject: false, timeoutMs });
              return r.exitCode === 0 || { pending: `${readyProbe.join(' ')} exited ${r.exitCode}${r.stderr.trim() ? `: ${r.stderr.trim().split('\n').at(-1)}` : ''}` };
            }, { what: `readiness probe ${readyProbe.join(' ')}`, timeoutMs, maxIntervalMs: 50 });
          }
          if (!proc.running) throw new Error(`it ended at start-up; ${proc.formatTail()}`);
        } catch (err) {
          const why = err instanceof TimeoutError ? `not ready: ${err.message}` : (err as Error).message;
          throw new IutError(ctx.node.id, 'command', why);
        }
      },
      async stop() {
        await proc.stop({ ...(opts.stop?.signal ? { signal: opts.stop.signal } : {}), ...(opts.stop?.graceMs !== undefined ? { graceMs: opts.stop.graceMs } : {}) });
      },
      async bindingCache() {
        if (!stateCommand) return null;
        const r = await ctx.exec(stateCommand[0]!, stateCommand.slice(1), { reject: false, timeoutMs: 5000 });
        return r.exitCode === 0 ? r.stdout : `${stateCommand.join(' ')} failed (exit ${r.exitCode}): ${r.stderr.trim()}`;
      },
    };
  },
};
