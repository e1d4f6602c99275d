// `pmip-testbed attach|detach|handover`: mobility events against the testbed that is up. The
// three differ only in their arguments and help; each step goes to the run's events.jsonl.
import { parseCommandArgs, UsageError } from './args.js';
import { controlLiveRun, findLiveRun } from '../testbed/live-run.js';

type LiveRunControl = Awaited<ReturnType<typeof controlLiveRun>>;

const RUN_OPTION = '  --run ID            the run (default: the only run that is up)\n';
const SOLICIT_OPTION = '  --no-solicit        do not make the MN send an RS\n';
const HELP_OPTION = '  -h, --help          this text\n';

interface MobilityCommand {
  usage: string;
  text: string;
  positionals: string[];
  solicit: boolean;
  act(control: LiveRunControl, args: string[], solicit: boolean): Promise<void>;
}

const COMMANDS: Record<'attach' | 'detach' | 'handover', MobilityCommand> = {
  attach: {
    usage: 'attach [--run ID] MN AP',
    text: `Plugs MN into AP (its link's carrier comes up). An MN that had been attached before then
sends a router solicitation, as a host joining a link does.`,
    positionals: ['MN', 'AP'],
    solicit: true,
    act: (c, [mn, ap], solicit) => c.attach(mn!, ap!, { solicit }),
  },
  detach: {
    usage: 'detach [--run ID] MN',
    text: `Unplugs MN from its AP: the MN's interface loses carrier (it stays, with its MAC and addresses).`,
    positionals: ['MN'],
    solicit: false,
    act: (c, [mn]) => c.detach(mn!),
  },
  handover: {
    usage: 'handover [--run ID] MN AP',
    text: `Moves MN from its AP to AP: carrier down, its link re-plugged into AP's bridge, carrier up;
the MN keeps its interface and MAC and sends a router solicitation.`,
    positionals: ['MN', 'AP'],
    solicit: true,
    act: (c, [mn, ap], solicit) => c.handover(mn!, ap!, { solicit }),
  },
};

function mobilityMain(name: keyof typeof COMMANDS): (argv: string[]) => Promise<number> {
  const cmd = COMMANDS[name];
  const help = `usage: pmip-testbed ${cmd.usage}\n\n${cmd.text}\nEach step goes to the run's events.jsonl with a microsecond wall-clock timestamp.\n\noptions:\n${RUN_OPTION}${cmd.solicit ? SOLICIT_OPTION : ''}${HELP_OPTION}`;
  return async (argv) => {
    const args = cmd.solicit
      ? parseCommandArgs(argv, { run: { type: 'string' }, 'no-solicit': { type: 'boolean' } }, help)
      : parseCommandArgs(argv, { run: { type: 'string' } }, help);
    if (!args) return 0;
    if (args.positionals.length !== cmd.positionals.length) throw new UsageError(`${cmd.positionals.join(' and ')} ${cmd.positionals.length > 1 ? 'are' : 'is'} required`, help);
    const control = await controlLiveRun(await findLiveRun(args.values.run));
    await cmd.act(control, args.positionals, !(args.values as { 'no-solicit'?: boolean })['no-solicit']);
    for (const e of control.log.entries) process.stdout.write(`${e.time} ${e.text}\n`);
    return 0;
  };
}

export const attach = { main: mobilityMain('attach') };
export const detach = { main: mobilityMain('detach') };
export const handover = { main: mobilityMain('handover') };
