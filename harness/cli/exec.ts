// `pmip-testbed exec NODE -- COMMAND...`: `ip netns exec` by node id, in the testbed that is up.
import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { parseCommandArgs, UsageError } from './args.js';
import { findLiveRun } from '../testbed/live-run.js';

const HELP = `usage: pmip-testbed exec [--run ID] NODE -- COMMAND [ARGS...]

Runs COMMAND inside node NODE of the testbed that is up (like 'ip netns exec', by node id),
with this terminal; exits with COMMAND's exit code. Examples:
  pmip-testbed exec mn1 -- bash
  pmip-testbed exec mag1 -- ip -6 route
  pmip-testbed exec lma1 -- tcpdump -ni eth0

options:
  --run ID            the run (default: the only run that is up)
  -h, --help          this text
`;

export async function main(argv: string[]): Promise<number> {
  const args = parseCommandArgs(argv, { run: { type: 'string' } }, HELP);
  if (!args) return 0;
  const [node, ...command] = args.positionals;
  if (node === undefined) throw new UsageError('a NODE is required', HELP);
  if (command.length === 0) throw new UsageError('a COMMAND is required after --', HELP);
  const run = await findLiveRun(args.values.run);
  const entry = run.state.nodes[node];
  if (!entry) throw new Error(`run ${run.runId} (${run.state.topology.name}) has no node '${node}' (nodes: ${Object.keys(run.state.nodes).join(', ')})`);
  const child = spawn('ip', ['netns', 'exec', entry.netns, ...command], { stdio: 'inherit' });
  // Ctrl-C belongs to the command (a shell, a ping): the terminal sends it to both of us.
  const ignore = () => undefined;
  process.on('SIGINT', ignore);
  return new Promise<number>((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      process.off('SIGINT', ignore);
      resolve(code ?? 128 + (signal ? constants.signals[signal] : 0));
    });
  });
}
