// `pmip-testbed detach MN`: unplug an MN from its AP in the testbed that is up.
import { parseCommandArgs, UsageError } from './cli-args.js';
import { controlLiveRun, findLiveRun } from './testbed/live-run.js';

const HELP = `usage: pmip-testbed detach [--run ID] MN

Unplugs MN from its AP: the MN's interface loses carrier (it stays, with its MAC and addresses).
The event goes to the run's events.jsonl with a microsecond wall-clock timestamp.

options:
  --run ID            the run (default: the only run that is up)
  -h, --help          this text
`;

export async function main(argv: string[]): Promise<number> {
  const args = parseCommandArgs(argv, { run: { type: 'string' } }, HELP);
  if (!args) return 0;
  if (args.positionals.length !== 1) throw new UsageError('exactly one MN is required', HELP);
  const control = await controlLiveRun(await findLiveRun(args.values.run));
  await control.detach(args.positionals[0]!);
  for (const e of control.log.entries) process.stdout.write(`${e.time} ${e.text}\n`);
  return 0;
}
