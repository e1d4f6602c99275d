// `pmip-testbed attach MN AP`: plug an MN into an AP of the testbed that is up.
import { parseCommandArgs, UsageError } from './cli-args.js';
import { controlLiveRun, findLiveRun } from './testbed/live-run.js';

const HELP = `usage: pmip-testbed attach [--run ID] MN AP

Plugs MN into AP (its link's carrier comes up). An MN that had been attached before then
sends a router solicitation, as a host joining a link does. The event goes to the run's
events.jsonl with a microsecond wall-clock timestamp.

options:
  --run ID            the run (default: the only run that is up)
  --no-solicit        do not make the MN send an RS
  -h, --help          this text
`;

export async function main(argv: string[]): Promise<number> {
  const args = parseCommandArgs(argv, { run: { type: 'string' }, 'no-solicit': { type: 'boolean' } }, HELP);
  if (!args) return 0;
  if (args.positionals.length !== 2) throw new UsageError('MN and AP are required', HELP);
  const [mn, ap] = args.positionals as [string, string];
  const control = await controlLiveRun(await findLiveRun(args.values.run));
  await control.attach(mn, ap, { solicit: !args.values['no-solicit'] });
  for (const e of control.log.entries) process.stdout.write(`${e.time} ${e.text}\n`);
  return 0;
}
