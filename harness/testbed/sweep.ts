// Removal of what dead runs left behind: `pmip-testbed clean` and the start of every run call
// sweepDeadRuns. A run is swept only when its owner is gone (PID and start time no longer
// match); a live run's namespaces, and namespaces without a run record (someone else's), are
// never touched. For each dead run: kill every process inside its namespaces (found from /proc
// as `ip netns pids` does, so a daemon started by a killed harness is found too) and the
// processes it recorded outside them, delete the namespaces with `ip -batch`, remove the run
// directory.
import { rm } from 'node:fs/promises';
import { ipBatch } from '../netns.js';
import { pollUntil } from '../poll.js';
import { LINES_PER_HOST_BATCH } from './builder.js';
import { netnsPrefix, runIdOfNetns } from './names.js';
import { namedNamespaces, pidsByNetns } from './netns-scan.js';
import { isSameProcess, listRuns, processGone, type RunInfo } from './run-state.js';

/** A run directory without a state file is left alone this long: its owner may be writing it. */
const YOUNG_RUN_MS = 30000;
const KILL_WAIT_MS = 5000;

export interface SweepReport {
  swept: { runId: string; netns: number; processes: number }[];
  live: { runId: string; pid: number; launcher: string }[];
  /** Run directories too young to judge (no state file yet). */
  pending: string[];
  /** Namespaces that look like ours but have no run record: reported, never deleted. */
  unowned: string[];
  errors: string[];
}

function kill(pid: number): boolean {
  try {
    process.kill(pid, 'SIGKILL');
    return true;
  } catch {
    return false;
  }
}

/**
 * Kills every process inside `netns` and the `extra` processes, waits until they are gone, then
 * deletes the namespaces in one batch. Used by teardown and by the sweep alike.
 */
export async function destroyNetns(names: string[], extra: number[] = []): Promise<number> {
  const wanted = new Set(names);
  const netns = (await namedNamespaces()).filter((n) => wanted.has(n));
  const pids = new Set<number>(extra);
  for (const list of (await pidsByNetns(netns)).values()) for (const p of list) pids.add(p);
  const killed = [...pids].filter(kill);
  if (killed.length > 0) {
    await pollUntil(() => killed.every(processGone), { what: `processes ${killed.join(' ')} to exit after SIGKILL`, timeoutMs: KILL_WAIT_MS });
  }
  for (let i = 0; i < netns.length; i += LINES_PER_HOST_BATCH) {
    await ipBatch(netns.slice(i, i + LINES_PER_HOST_BATCH).map((n) => `netns del ${n}`), { force: true });
  }
  return killed.length;
}

/** Kills a dead run's processes and deletes its namespaces and directory. */
export async function sweepRun(run: RunInfo, existingNetns: string[]): Promise<{ netns: number; processes: number }> {
  const prefix = netnsPrefix(run.runId);
  const netns = existingNetns.filter((n) => n.startsWith(prefix));
  const outside = (run.state?.processes ?? []).filter((p) => p.netns === null && isSameProcess(p.pid, p.startTime)).map((p) => p.pid);
  const processes = await destroyNetns(netns, outside);
  await rm(run.dir, { recursive: true, force: true });
  return { netns: netns.length, processes };
}

export async function sweepDeadRuns(): Promise<SweepReport> {
  const report: SweepReport = { swept: [], live: [], pending: [], unowned: [], errors: [] };
  const [runs, existing] = await Promise.all([listRuns(), namedNamespaces()]);
  for (const run of runs) {
    if (run.alive) {
      report.live.push({ runId: run.runId, pid: run.state!.owner.pid, launcher: run.state!.launcher });
      continue;
    }
    if (!run.state && run.ageMs < YOUNG_RUN_MS) {
      report.pending.push(run.runId);
      continue;
    }
    try {
      report.swept.push({ runId: run.runId, ...(await sweepRun(run, existing)) });
    } catch (err) {
      report.errors.push(`run ${run.runId}: ${(err as Error).message}`);
    }
  }
  const known = new Set(runs.map((r) => r.runId));
  report.unowned = existing.filter((n) => {
    const id = runIdOfNetns(n);
    return id !== undefined && !known.has(id);
  });
  return report;
}

export interface Leftovers { netns: string[]; processes: number[]; runDir: boolean }

/** What of a run still exists: the proof of a clean teardown or sweep. */
export async function leftovers(runId: string, recorded: { pid: number; startTime: number | null }[] = []): Promise<Leftovers> {
  const prefix = netnsPrefix(runId);
  const netns = (await namedNamespaces()).filter((n) => n.startsWith(prefix));
  const inNetns = [...(await pidsByNetns(netns)).values()].flat();
  const processes = [...new Set([...inNetns, ...recorded.filter((p) => isSameProcess(p.pid, p.startTime)).map((p) => p.pid)])];
  const runDir = (await listRuns()).some((r) => r.runId === runId);
  return { netns, processes, runDir };
}
