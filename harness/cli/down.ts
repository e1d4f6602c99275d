// `pmip-testbed down [--run ID]`: end a testbed started with `pmip-testbed up`, as Ctrl-C would.
import { parseCommandArgs, UsageError } from './args.js';
import { pollUntil } from '../poll.js';
import { findLiveRun } from '../testbed/live-run.js';
import { readRun } from '../testbed/run-state.js';

const HELP = `usage: pmip-testbed down [--run ID]

Tears down a testbed that 'pmip-testbed up' keeps up: sends its process SIGTERM, which stops
the IUTs and captures and deletes every namespace, and waits until the run is gone.
Without --run, the only run that is up. Runs of dead processes are removed by 'pmip-testbed clean'.

options:
  --run ID            the run to tear down
  --timeout SECONDS   how long to wait for the teardown (default 30)
  -h, --help          this text
`;

export async function main(argv: string[]): Promise<number> {
  const args = parseCommandArgs(argv, { run: { type: 'string' }, timeout: { type: 'string' } }, HELP);
  if (!args) return 0;
  if (args.positionals.length > 0) throw new UsageError(`unexpected argument '${args.positionals[0]}'`, HELP);
  const timeoutS = Number(args.values.timeout ?? 30);
  if (!(timeoutS > 0)) throw new UsageError(`--timeout takes a positive number of seconds, not '${args.values.timeout}'`, HELP);
  const run = await findLiveRun(args.values.run);
  if (run.state.launcher !== 'pmip-testbed up') {
    throw new Error(`run ${run.runId} belongs to ${run.state.launcher} (pid ${run.state.owner.pid}), which tears it down itself`);
  }
  process.kill(run.state.owner.pid, 'SIGTERM');
  await pollUntil(async () => (await readRun(run.runId)).problem === 'no such run directory', {
    what: `run ${run.runId} (pid ${run.state.owner.pid}) to tear down`, timeoutMs: timeoutS * 1000, maxIntervalMs: 100,
  });
  process.stdout.write(`run ${run.runId} (${run.state.topology.name}) is down; output kept in ${run.state.outDir}\n`);
  return 0;
}
