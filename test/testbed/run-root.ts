// Test support for the testbed engine: a private run root (so that runs of other people on the
// same machine are neither seen nor touched, and whatever a failed test left is swept at the
// end), a temp output directory, and `pmip-testbed` started as a child process.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { pollUntil } from '../../harness/poll.js';
import { RUN_ROOT_ENV } from '../../harness/testbed/run-state.js';
import { sweepDeadRuns } from '../../harness/testbed/sweep.js';

export const CLI = join(process.cwd(), 'dist', 'harness', 'cli', 'main.js');
export const TOPOLOGIES = join(process.cwd(), 'topologies');
/** flat-domain with radvd as the MAGs' IUT: the testbed's tests must not depend on pmipd. */
export const FLAT_RADVD = join(process.cwd(), 'test', 'testbed', 'fixtures', 'flat-domain-radvd.yaml');

/** Points the run root at a temp directory for the duration of a describe block. */
export function usePrivateRunRoot(): { readonly dir: string; readonly out: string } {
  const state = { dir: '', out: '' };
  let saved: string | undefined;
  before(() => {
    saved = process.env[RUN_ROOT_ENV];
    state.dir = mkdtempSync(join(tmpdir(), 'pt-runs-'));
    state.out = mkdtempSync(join(tmpdir(), 'pt-out-'));
    process.env[RUN_ROOT_ENV] = state.dir;
  });
  after(async () => {
    // A test that failed midway may have left a killed run: sweep it before forgetting the root.
    const r = await sweepDeadRuns();
    if (saved === undefined) delete process.env[RUN_ROOT_ENV];
    else process.env[RUN_ROOT_ENV] = saved;
    rmSync(state.dir, { recursive: true, force: true });
    if (r.live.length > 0 || r.errors.length > 0) throw new Error(`runs left in ${state.dir}: ${JSON.stringify(r)}`);
    rmSync(state.out, { recursive: true, force: true });
  });
  return state;
}

export function cli(args: string[], opts: { timeoutMs?: number } = {}) {
  return execa(process.execPath, [CLI, ...args], { reject: false, timeout: opts.timeoutMs ?? 20000, env: process.env });
}

/** `pmip-testbed up ...` in the background; resolves with its run id once it says it is up. */
export async function cliUp(args: string[]): Promise<{ child: ChildProcess; runId: string; output: () => string }> {
  const child = spawn(process.execPath, [CLI, 'up', ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: process.env });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => { out += d.toString(); });
  child.stderr!.on('data', (d: Buffer) => { out += d.toString(); });
  let exited = false;
  child.on('exit', () => { exited = true; });
  const runId = await pollUntil(() => {
    if (exited) throw new Error(`pmip-testbed up ended before it was up:\n${out}`);
    return /^run ([a-z0-9]{5}) is up/m.exec(out)?.[1];
  }, { what: 'pmip-testbed up to say it is up', timeoutMs: 120_000, maxIntervalMs: 20 });
  return { child, runId, output: () => out };
}

export function exitOf(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
}
