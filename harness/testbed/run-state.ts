// The record of a run on disk, so that whatever a run creates can be found and removed even if
// the run was killed: /run/pmip-testbed/<runid>/ (override: $PMIP_TESTBED_RUN_DIR) holds
//   state.json     what the run created (namespaces, processes, captures) and who owns it
//   topology.json  the resolved topology, for `exec`, `attach`, `handover` from another process
// /run is a tmpfs like /run/netns: after a reboot both the namespaces and the records are gone.
// The owner is a PID plus its start time (from /proc), so a recycled PID does not keep a dead
// run looking alive. The directory is made before anything else, and the state file is always
// replaced whole (write + rename), so a sweep never reads half a record.
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Topology } from '../topology/model.js';
import type { NodeKind } from '../topology/schema.js';
import { checkRunId, netnsName, newRunId } from './names.js';

export const RUN_ROOT_ENV = 'PMIP_TESTBED_RUN_DIR';

export function runRoot(): string {
  return process.env[RUN_ROOT_ENV] ?? '/run/pmip-testbed';
}

export interface ProcessRecord { name: string; node?: string; netns: string | null; pid: number; startTime: number | null }

export interface RunState {
  version: 1;
  runId: string;
  /** What started the run: "pmip-testbed up", "api" (the Testbed facade), "bench". */
  launcher: string;
  owner: { pid: number; startTime: number | null; argv: string[] };
  createdAt: string;
  status: 'building' | 'up' | 'tearing down';
  topology: { name: string; file: string; params: Record<string, number> };
  /** Captures, logs, IUT configs, events.jsonl: kept after the run. */
  outDir: string;
  nodes: Record<string, { kind: NodeKind; netns: string }>;
  processes: ProcessRecord[];
  captures: { name: string; file: string }[];
}

/** Fields 3... of /proc/PID/stat, or undefined if there is no such process. */
function statFields(pid: number): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count from the last ')'.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/** Field 22 of /proc/PID/stat (clock ticks since boot), or undefined if there is no such process. */
export function processStartTime(pid: number): number | undefined {
  const f = statFields(pid);
  return f ? Number(f[19]) : undefined;
}

/** No such process, or a zombie (dead, holding nothing, waiting to be reaped). */
export function processGone(pid: number): boolean {
  const f = statFields(pid);
  return f === undefined || f[0] === 'Z' || f[0] === 'X';
}

/** True if `pid` runs and is the process that had `startTime`. */
export function isSameProcess(pid: number, startTime: number | null): boolean {
  const f = statFields(pid);
  return f !== undefined && !processGone(pid) && (startTime === null || Number(f[19]) === startTime);
}

export function ownerAlive(state: RunState): boolean {
  return isSameProcess(state.owner.pid, state.owner.startTime);
}

export class RunRecord {
  private writing: Promise<void> = Promise.resolve();

  private constructor(readonly dir: string, readonly state: RunState) {}

  /** Creates the run directory (a fresh run id unless one is given) and its first state. */
  static async create(opts: { runId?: string; launcher: string; topology: Topology; outDir: (runId: string) => string }): Promise<RunRecord> {
    const root = runRoot();
    await mkdir(root, { recursive: true, mode: 0o755 });
    for (let attempt = 0; ; attempt++) {
      const runId = opts.runId !== undefined ? checkRunId(opts.runId) : newRunId();
      const dir = join(root, runId);
      try {
        await mkdir(dir);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        if (opts.runId !== undefined) throw new Error(`run id ${runId} is in use (${dir} exists)`);
        if (attempt > 20) throw new Error(`cannot find a free run id in ${root}`);
        continue;
      }
      const t = opts.topology;
      const state: RunState = {
        version: 1,
        runId,
        launcher: opts.launcher,
        owner: { pid: process.pid, startTime: processStartTime(process.pid) ?? null, argv: process.argv },
        createdAt: new Date().toISOString(),
        status: 'building',
        topology: { name: t.name, file: t.file, params: t.params },
        outDir: opts.outDir(runId),
        nodes: Object.fromEntries(Object.values(t.nodes).map((n) => [n.id, { kind: n.kind, netns: netnsName(runId, n.id) }])),
        processes: [],
        captures: [],
      };
      const record = new RunRecord(dir, state);
      await writeFile(join(dir, 'topology.json'), JSON.stringify(t));
      await record.save();
      return record;
    }
  }

  get runId(): string {
    return this.state.runId;
  }

  /** Applies `change` and writes the state; writes are queued so they land in order. */
  update(change: (s: RunState) => void): Promise<void> {
    change(this.state);
    return this.save();
  }

  private save(): Promise<void> {
    const text = JSON.stringify(this.state, null, 1);
    this.writing = this.writing.then(async () => {
      const tmp = join(this.dir, `.state.${process.pid}.tmp`);
      await writeFile(tmp, text);
      await rename(tmp, join(this.dir, 'state.json'));
    });
    return this.writing;
  }

  async remove(): Promise<void> {
    await this.writing.catch(() => undefined);
    await rm(this.dir, { recursive: true, force: true });
  }
}

export interface RunInfo {
  runId: string;
  dir: string;
  state?: RunState;
  /** Why the state could not be read (a run directory without a state file, a bad file). */
  problem?: string;
  alive: boolean;
  /** Age of the directory, for judging a run that has not written its state yet. */
  ageMs: number;
}

export async function readRun(runId: string): Promise<RunInfo> {
  const dir = join(runRoot(), runId);
  const ageMs = await stat(dir).then((s) => Date.now() - s.mtimeMs, () => Number.NaN);
  if (Number.isNaN(ageMs)) return { runId, dir, problem: 'no such run directory', alive: false, ageMs: 0 };
  try {
    const state = JSON.parse(await readFile(join(dir, 'state.json'), 'utf8')) as RunState;
    if (state.version !== 1 || state.runId !== runId) return { runId, dir, problem: 'state.json is not a pmip-testbed run state', alive: false, ageMs };
    return { runId, dir, state, alive: ownerAlive(state), ageMs };
  } catch (err) {
    return { runId, dir, problem: `cannot read state.json: ${(err as Error).message}`, alive: false, ageMs };
  }
}

/** Every run directory under the run root, newest first. */
export async function listRuns(): Promise<RunInfo[]> {
  let names: string[];
  try {
    names = await readdir(runRoot());
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const runs = await Promise.all(names.filter((n) => /^[a-z][a-z0-9]{4}$/.test(n)).map(readRun));
  return runs.sort((a, b) => a.ageMs - b.ageMs);
}

export async function readTopologySnapshot(run: RunInfo): Promise<Topology> {
  return JSON.parse(await readFile(join(run.dir, 'topology.json'), 'utf8')) as Topology;
}
