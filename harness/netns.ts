// Commands run inside network namespaces. Everything goes through execa with argument arrays:
// interface names and addresses come from topology files, and a shell would reinterpret them.
import { execa } from 'execa';

export interface NsExecOptions {
  timeoutMs?: number;
  input?: string;
  /** false: return a failed command's result instead of throwing. */
  reject?: boolean;
}

export interface NsExecResult { stdout: string; stderr: string; exitCode: number }

/** A command that failed; the message says where it ran, what it was and what it printed. */
export class CommandError extends Error {
  override readonly name = 'CommandError';
  constructor(
    readonly netns: string | null,
    readonly commandLine: string,
    readonly exitCode: number | undefined,
    readonly stderr: string,
    why: string,
  ) {
    super(`${netns === null ? 'on the host' : `in netns ${netns}`}: \`${commandLine}\` ${why}${stderr.trim() ? `: ${stderr.trim()}` : ''}`);
  }
}

/** Quotes what a reader would misparse, so messages can be pasted into a shell. */
export function formatCommandLine(cmd: string, args: readonly string[]): string {
  return [cmd, ...args].map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');
}

/** The argv that runs `cmd` in `netns`; `ip netns exec` execs, so the PID is the command's own. */
export function nsArgv(netns: string | null, cmd: string, args: readonly string[]): [string, string[]] {
  return netns === null ? [cmd, [...args]] : ['ip', ['netns', 'exec', netns, cmd, ...args]];
}

export async function nsExec(netns: string | null, cmd: string, args: string[], opts: NsExecOptions = {}): Promise<NsExecResult> {
  const [file, argv] = nsArgv(netns, cmd, args);
  const r = await execa(file, argv, {
    reject: false,
    timeout: opts.timeoutMs,
    ...(opts.input !== undefined ? { input: opts.input } : { stdin: 'ignore' as const }),
  });
  const result = { stdout: r.stdout, stderr: r.stderr, exitCode: r.exitCode ?? (r.failed ? 127 : 0) };
  if (!r.failed || opts.reject === false) return result;
  const commandLine = formatCommandLine(cmd, args);
  const why = r.timedOut
    ? `timed out after ${opts.timeoutMs} ms`
    : r.exitCode === undefined
      ? r.signal ? `was killed by ${r.signal}` : `could not be started (${r.code === 'ENOENT' ? `${cmd}: not found` : r.shortMessage})`
      : `failed with exit code ${r.exitCode}`;
  throw new CommandError(netns, commandLine, r.exitCode, r.stderr, why);
}

export interface IpBatchOptions {
  netns?: string;
  /** Go on after a failing line (`ip -force`); every failing line is reported. */
  force?: boolean;
}

export interface IpBatchFailure { line: number; command: string; message: string }

export class IpBatchError extends Error {
  override readonly name = 'IpBatchError';
  constructor(readonly netns: string | null, readonly failures: IpBatchFailure[]) {
    super(`ip -batch ${netns === null ? 'on the host' : `in netns ${netns}`} failed at ${failures
      .map((f) => `line ${f.line} \`ip ${f.command}\`: ${f.message}`)
      .join('\n  and at ')}`);
  }
}

/** One `ip` process for many commands: spawning is most of the cost of a topology build. */
export async function ipBatch(lines: string[], opts: IpBatchOptions = {}): Promise<void> {
  const bad = lines.findIndex((l) => /[\n\r]/.test(l));
  if (bad >= 0) throw new Error(`ip batch line ${bad + 1} contains a line break: ${JSON.stringify(lines[bad])}`);
  if (lines.length === 0) return;
  const args = [...(opts.netns !== undefined ? ['-n', opts.netns] : []), ...(opts.force ? ['-force'] : []), '-batch', '-'];
  const r = await execa('ip', args, { input: lines.join('\n') + '\n', reject: false });
  if (!r.failed) return;
  // ip prints a line's error, then "Command failed -:N" with N 1-based (blank and comment lines
  // count); with -force, once per failing line.
  const failures: IpBatchFailure[] = [];
  let said: string[] = [];
  for (const text of r.stderr.split('\n').map((l) => l.trim())) {
    const m = /^Command failed -:(\d+)$/.exec(text);
    if (!m) {
      if (text) said.push(text);
      continue;
    }
    const line = Number(m[1]);
    failures.push({ line, command: lines[line - 1] ?? '?', message: said.join('; ') || 'no message' });
    said = [];
  }
  if (failures.length === 0) {
    throw new CommandError(opts.netns ?? null, formatCommandLine('ip', args), r.exitCode, r.stderr, `failed with exit code ${r.exitCode ?? r.signal}`);
  }
  throw new IpBatchError(opts.netns ?? null, failures);
}

/**
 * Devices Linux creates in every new namespace once their tunnel module is loaded (the default
 * net.core.fb_tunnels_only_for_init_net=0): ip6tnl0 on any machine that loaded ip6_tunnel, such
 * as a Debian VM. They belong to no one; listings of a namespace's links leave them out.
 */
export const FALLBACK_TUNNEL_DEVICE = /^(ip6tnl0|sit0|tunl0|gre0|gretap0|erspan0|ip6gre0|ip6gretap0|ip_vti0|ip6_vti0)$/;

export async function listNetns(): Promise<string[]> {
  const { stdout } = await nsExec(null, 'ip', ['netns', 'list']);
  // Lines are "name" or "name (id: N)".
  return stdout.split('\n').map((l) => l.trim().split(' ')[0]).filter((n): n is string => !!n);
}

export async function netnsPids(netns: string): Promise<number[]> {
  const { stdout } = await nsExec(null, 'ip', ['netns', 'pids', netns]);
  return stdout.split('\n').filter((l) => l.trim()).map(Number);
}
