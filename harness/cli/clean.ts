// `pmip-testbed clean`: remove what dead runs left behind (namespaces, processes, run records).
import { parseCommandArgs, UsageError } from './args.js';
import { runRoot } from '../testbed/run-state.js';
import { sweepDeadRuns } from '../testbed/sweep.js';

const HELP = `usage: pmip-testbed clean

Removes what runs whose process is gone left behind: kills the processes inside their network
namespaces, deletes the namespaces, removes their records (${runRoot()}/<runid>/).
Runs that are up, and namespaces without a run record, are never touched. Every run does this
at its start too.

options:
  -h, --help          this text
`;

export async function main(argv: string[]): Promise<number> {
  const args = parseCommandArgs(argv, {}, HELP);
  if (!args) return 0;
  if (args.positionals.length > 0) throw new UsageError(`unexpected argument '${args.positionals[0]}'`, HELP);
  const r = await sweepDeadRuns();
  const lines: string[] = [];
  for (const s of r.swept) lines.push(`swept run ${s.runId}: ${s.netns} namespaces, ${s.processes} processes`);
  for (const l of r.live) lines.push(`left alone: run ${l.runId} is up (${l.launcher}, pid ${l.pid})`);
  for (const p of r.pending) lines.push(`left alone: run ${p} is being created`);
  if (r.unowned.length > 0) lines.push(`left alone: ${r.unowned.length} namespaces that look like ours but have no run record: ${r.unowned.join(' ')}`);
  if (lines.length === 0) lines.push('nothing to clean');
  process.stdout.write(`${lines.join('\n')}\n`);
  for (const e of r.errors) process.stderr.write(`clean: ${e}\n`);
  return r.errors.length > 0 ? 1 : 0;
}
