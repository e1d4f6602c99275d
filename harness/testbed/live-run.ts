// Finding a testbed that is up, for commands run beside it (exec, attach, handover, down):
// by --run ID, or the only live run.
import { join } from 'node:path';
import type { Topology } from '../topology/model.js';
import { EventLog } from './event-log.js';
import { TopologyControl } from './events.js';
import { checkRunId } from './names.js';
import { listRuns, readRun, readTopologySnapshot, type RunInfo, type RunState } from './run-state.js';

export type LiveRun = RunInfo & { state: RunState };

function describe(r: LiveRun): string {
  return `${r.runId}: ${r.state.topology.name}, started by ${r.state.launcher} (pid ${r.state.owner.pid})`;
}

export async function findLiveRun(runId?: string): Promise<LiveRun> {
  if (runId !== undefined) {
    const r = await readRun(checkRunId(runId));
    if (!r.state) throw new Error(`no run ${runId} (${r.problem})`);
    if (!r.alive) throw new Error(`run ${runId} is not up: its owner (pid ${r.state.owner.pid}) is gone; 'pmip-testbed clean' removes what it left`);
    return r as LiveRun;
  }
  const live = (await listRuns()).filter((r): r is LiveRun => r.alive && r.state !== undefined);
  if (live.length === 0) throw new Error('no testbed is up (start one with: pmip-testbed up TOPOLOGY.yaml)');
  if (live.length > 1) throw new Error(`${live.length} testbeds are up; choose one with --run ID:\n  ${live.map(describe).join('\n  ')}`);
  return live[0]!;
}

/** Control of a live run's topology from this process; events go to the run's events.jsonl. */
export async function controlLiveRun(run: LiveRun): Promise<TopologyControl> {
  const topology: Topology = await readTopologySnapshot(run);
  return new TopologyControl(topology, run.runId, new EventLog(join(run.state.outDir, 'events.jsonl')));
}
