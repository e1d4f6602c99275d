// `pmip-testbed up TOPOLOGY.yaml`: build the topology, start captures and IUTs, attach the MNs,
// print how to enter each node, and stay up until Ctrl-C (or `pmip-testbed down`), then tear
// everything down.
import { parseCommandArgs, UsageError } from './args.js';
import { DATAPLANE_CHOICES, type DataplaneChoice } from '../iut/adapter.js';
import { Testbed, type TeardownResult } from '../testbed/testbed.js';

const HELP = `usage: pmip-testbed up TOPOLOGY.yaml [options]

Builds the topology (one network namespace per node), starts its capture points and IUTs,
attaches the MNs, prints how to enter each node, and stays up until Ctrl-C or
'pmip-testbed down'; then tears everything down and prints the capture counts.

options:
  --param NAME=N      set a topology parameter (repeatable), e.g. --param mns=100
  --run-id ID         use this run id (5 characters a-z0-9, starting with a letter)
  --out DIR           captures, logs, configs and events.jsonl (default: <tmpdir>/pmip-testbed/<runid>)
  --captures A,B      only these capture points
  --no-captures       no capture at all
  --no-iut            do not start the IUTs named in the topology
  --no-attach         leave every MN detached
  --dataplane KIND    data plane of every pmipd node: auto, ip6tnl, seg6, tun or none (wins over
                      a 'dataplane:' in the topology's pmipd options)
  -h, --help          this text
`;

export function parseParams(list: string[] | undefined, help: string): Record<string, number> {
  const params: Record<string, number> = {};
  for (const p of list ?? []) {
    const m = /^([a-z][a-z0-9_]*)=(\d+)$/.exec(p);
    if (!m) throw new UsageError(`--param takes NAME=INTEGER, not '${p}'`, help);
    params[m[1]!] = Number(m[2]);
  }
  return params;
}

function printSummary(tb: Testbed): void {
  const rows = Object.values(tb.nodes).map((n) => [n.id, n.kind, n.netns, `pmip-testbed exec ${n.id} -- bash`]);
  const header = ['node', 'kind', 'netns', 'enter with'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) => `  ${r.map((c, i) => c.padEnd(widths[i]!)).join('  ')}`.trimEnd();
  const t = tb.timings;
  process.stdout.write([
    `run ${tb.runId} is up: ${tb.topology.name} (${rows.length} nodes, ${tb.topology.links.length} links) in ${Math.round(t.totalMs)} ms`,
    '',
    line(header),
    ...rows.map(line),
    '',
    `output:   ${tb.outDir} (captures/, logs/, iut/, events.jsonl)`,
    `captures: ${tb.topology.captures.map((c) => c.name).join(', ') || 'none'}`,
    ...(Object.keys(tb.dataplanes()).length > 0 ? [`data plane: ${Object.entries(tb.dataplanes()).map(([n, d]) => `${n} ${d.backend}${d.why ? ` (${d.why})` : ''}`).join(', ')}`] : []),
    `control:  pmip-testbed handover MN AP | attach MN AP | detach MN | down`,
    'Press Ctrl-C to tear down.',
    '',
  ].join('\n'));
}

function printTeardown(r: TeardownResult): void {
  const lines = [`run ${r.runId} torn down in ${Math.round(r.downMs)} ms`];
  for (const c of r.captures) lines.push(`  ${c.name}: ${c.packets} packets -> ${c.file}`);
  for (const w of r.warnings) lines.push(`  warning: ${w}`);
  process.stdout.write(`${lines.join('\n')}\n`);
}

export async function main(argv: string[]): Promise<number> {
  const args = parseCommandArgs(argv, {
    param: { type: 'string', multiple: true },
    'run-id': { type: 'string' },
    out: { type: 'string' },
    captures: { type: 'string' },
    'no-captures': { type: 'boolean' },
    'no-iut': { type: 'boolean' },
    'no-attach': { type: 'boolean' },
    dataplane: { type: 'string' },
  }, HELP);
  if (!args) return 0;
  if (args.positionals.length !== 1) throw new UsageError(args.positionals.length === 0 ? 'a TOPOLOGY file is required' : 'exactly one TOPOLOGY file', HELP);
  const v = args.values;
  if (v.captures !== undefined && v['no-captures']) throw new UsageError('--captures and --no-captures exclude each other', HELP);
  if (v.dataplane !== undefined && !(DATAPLANE_CHOICES as readonly string[]).includes(v.dataplane)) {
    throw new UsageError(`--dataplane wants one of ${DATAPLANE_CHOICES.join(', ')}, not '${v.dataplane}'`, HELP);
  }
  let up = false;
  const tb = await Testbed.up(args.positionals[0]!, {
    ...(v.dataplane !== undefined ? { dataplane: v.dataplane as DataplaneChoice } : {}),
    // While starting, a process that dies is reported once, by the error that ends `up`.
    onUnexpectedExit: (_p, _info, report) => { if (up) process.stderr.write(`${report}\n`); },
    params: parseParams(v.param, HELP),
    ...(v['run-id'] !== undefined ? { runId: v['run-id'] } : {}),
    ...(v.out !== undefined ? { outDir: v.out } : {}),
    captures: v['no-captures'] ? false : v.captures !== undefined ? v.captures.split(',').filter(Boolean) : true,
    iut: !v['no-iut'],
    attach: !v['no-attach'],
    launcher: 'pmip-testbed up',
    onDown: printTeardown,
  });
  up = true;
  printSummary(tb);
  // Stay up: SIGINT/SIGTERM unwind the testbed (printing the teardown) and exit.
  setInterval(() => undefined, 1 << 30);
  return new Promise<number>(() => undefined);
}
