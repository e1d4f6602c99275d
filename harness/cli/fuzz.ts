// `pmip-testbed fuzz`: model-based fuzzing of an LMA or a MAG with liveness checks, reproducers
// and minimisation (harness/fuzz/), and a report with its Robustness section.
import { existsSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { parseCommandArgs, UsageError } from './args.js';
import { DATAPLANE_CHOICES, type DataplaneChoice } from '../iut/adapter.js';
import { DEFAULT_COUNT, replayFile, runCampaign } from '../fuzz/campaign.js';
import type { FuzzTarget } from '../fuzz/models.js';
import { iutProblem } from '../fuzz/rig.js';
import { writeReport } from '../report/index.js';
import { kernelDescription, vmDescription } from '../vm/guest.js';

const HELP = `usage: pmip-testbed fuzz --target lma|mag [--iut NAME|FILE] [--count N | --duration S] [--seed N] [options]
       pmip-testbed fuzz --replay FILE.pcapng --target lma|mag [--iut NAME|FILE] [--quirk NAME]...

Fuzzes an LMA (from an emulated MAG) or a MAG (from an emulated LMA and its access link) with
inputs generated from the codec's message models: every field of PBU/PBA/BE/Heartbeat/BRI/BRA/
UPN/UPA and every mobility option mutated (lengths, unknown, duplicated and flooded options,
misalignment, truncation, Header Len lies, Payload Proto, checksums, lifetimes, sequence numbers,
timestamps, NAIs, prefixes, flags), stateful sequences (attach then a malformed refresh, handover
races, de-registration storms) and, for a MAG, RS/NS on its access link. After every batch: the
IUT's process is alive, a conformant PBU is answered (a MAG: an MN attaches and gets an address),
its RSS and descriptors do not grow without bound, its log shows no assertion failure or uncaught
exception. A failure saves the inputs since the last healthy check as a pcapng with the command
replaying it, and minimises them by delta debugging (a fresh IUT per attempt).

options:
  --target lma|mag     the role under test
  --iut NAME|FILE      pmipd (default), an adapter of the registry (command, oai-pmipv6, opmip,
                       ...), or a YAML file giving lma:/mag: adapter specs
  --quirk NAME         run pmipd with this deliberate deviation (repeatable)
  --count N            inputs to send (default ${DEFAULT_COUNT})
  --duration S         or fuzz for S seconds
  --seed N             the campaign's seed (default 1): the same seed makes the same inputs
  --rate N             at most N inputs per second (default: as fast as the IUT answers its probes)
  --batch N            inputs between two checks (default 250)
  --keep-going         after a finding, restart the IUT and go on
  --no-minimise        save findings without minimising them
  --out DIR            report and findings (default reports/fuzz-<timestamp>)
  --dataplane KIND     the IUT's data plane (pmipd): ${DATAPLANE_CHOICES.join(', ')}
  --replay FILE        send a reproducer's packets to a fresh IUT and check it
  --vm                 run inside a throwaway VM booting Debian's stock kernel (pmip-testbed vm)
  -h, --help           this text

exit status: 0 without findings (--replay: the failure did not reproduce), 1 with findings
(--replay: it reproduced), 2 on a usage error.
`;

const OPTIONS = {
  target: { type: 'string' }, iut: { type: 'string' }, quirk: { type: 'string', multiple: true }, count: { type: 'string' },
  duration: { type: 'string' }, seed: { type: 'string' }, rate: { type: 'string' }, batch: { type: 'string' },
  'keep-going': { type: 'boolean' }, 'no-minimise': { type: 'boolean' }, out: { type: 'string' }, dataplane: { type: 'string' },
  replay: { type: 'string' }, vm: { type: 'boolean' },
} as const;

function stamp(d: Date): string {
  return d.toISOString().replace(/[-:]/g, '').replace(/\..*$/, 'Z');
}

function nonNegative(v: string | undefined, name: string, positive = false): number | undefined {
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v) || (positive && Number(v) < 1)) throw new UsageError(`--${name} wants a ${positive ? 'positive' : 'non-negative'} integer, not '${v}'`, HELP);
  return Number(v);
}

async function inVm(argv: string[]): Promise<number> {
  return (await import('./vm.js')).subcommandInVm('fuzz', argv);
}

export async function main(argv: string[]): Promise<number> {
  const args = parseCommandArgs(argv, OPTIONS, HELP);
  if (!args) return 0;
  const v = args.values;
  if (v.vm) return inVm(argv.filter((a) => a !== '--vm'));
  if (args.positionals.length > 0) throw new UsageError(`unexpected argument '${args.positionals[0]}'`, HELP);
  if (v.target !== 'lma' && v.target !== 'mag') throw new UsageError('--target lma or --target mag is required', HELP);
  const target: FuzzTarget = v.target;
  if (v.count !== undefined && v.duration !== undefined) throw new UsageError('--count and --duration exclude each other', HELP);
  if (v.dataplane !== undefined && !(DATAPLANE_CHOICES as readonly string[]).includes(v.dataplane)) {
    throw new UsageError(`--dataplane wants one of ${DATAPLANE_CHOICES.join(', ')}, not '${v.dataplane}'`, HELP);
  }
  const iut = v.iut ?? 'pmipd';
  if (/\.ya?ml$/.test(iut) && !existsSync(iut)) throw new UsageError(`no IUT file ${iut}`, HELP);
  const quirks = v.quirk ?? [];
  const problem = iutProblem(iut, target, quirks);
  if (problem !== null) throw new UsageError(problem, HELP);
  const seed = nonNegative(v.seed, 'seed') ?? 1;
  const started = new Date();
  const outDir = resolve(v.out ?? join('reports', `${v.replay !== undefined ? 'replay' : 'fuzz'}-${stamp(started)}`));
  const replayArgs = [...(v.iut !== undefined ? ['--iut', iut] : []), ...quirks.flatMap((q) => ['--quirk', q]), ...(v.dataplane !== undefined ? ['--dataplane', v.dataplane] : [])];
  const rig = { target, iut, quirks, seed, outDir, ...(v.dataplane !== undefined ? { dataplane: v.dataplane as DataplaneChoice } : {}), ...(vmDescription() !== undefined ? { probeTimeoutMs: 5000 } : {}) };

  if (v.replay !== undefined) {
    if (!existsSync(v.replay)) throw new UsageError(`no reproducer ${v.replay}`, HELP);
    const r = await replayFile(rig, v.replay);
    if (r.failure === null) {
      process.stdout.write(`replayed ${r.packets} packet(s) from ${v.replay} into a fresh ${target.toUpperCase()} (${iut}): no failure, the IUT is healthy\n`);
      return 0;
    }
    process.stdout.write(`replayed ${r.packets} packet(s) from ${v.replay} into a fresh ${target.toUpperCase()} (${iut}): REPRODUCED ${r.failure.kind}: ${r.failure.what}\n`
      + `the IUT's last log lines:\n${r.logTail.map((l) => `  ${l}`).join('\n')}\n`);
    return 1;
  }

  const tty = process.stderr.isTTY;
  const result = await runCampaign({
    ...rig, rate: nonNegative(v.rate, 'rate') ?? 0, keepGoing: v['keep-going'] === true, minimise: v['no-minimise'] !== true, replayArgs,
    ...(v.count !== undefined ? { count: nonNegative(v.count, 'count', true)! } : {}),
    ...(v.duration !== undefined ? { durationS: nonNegative(v.duration, 'duration', true)! } : {}),
    ...(v.batch !== undefined ? { batch: nonNegative(v.batch, 'batch', true)! } : {}),
    progress: (line, final) => {
      if (final) process.stderr.write(tty ? '\r\x1b[K' : '');
      else if (tty && !line.includes('\n')) { process.stderr.write(`\r\x1b[K${line}`); return; }
      else process.stderr.write(`${tty ? '\r\x1b[K' : ''}${line}\n`);
    },
  });
  const finished = new Date();
  const vm = vmDescription();
  const written = await writeReport(outDir, {
    run: {
      id: `fuzz-${stamp(started)}`, started: started.toISOString(), finished: finished.toISOString(), tool: 'pmip-testbed fuzz',
      command: `pmip-testbed fuzz ${argv.join(' ')}`.trim(), iut: result.iut, kernel: kernelDescription(), ...(vm !== undefined ? { vm } : {}),
    },
    cases: [],
    robustness: result,
  }, { copyFiles: false });
  process.stdout.write(`${result.inputs} inputs (${result.packets} packets, ${result.octets} octets) in ${(result.elapsedMs / 1000).toFixed(1)} s: `
    + `${Math.round(result.inputsPerSecond)} inputs/s; ${result.probes.passed} probes passed, ${result.probes.failed} failed; ${result.findings.length} finding(s)\n`
    + `${result.probes.retried} probes passed at a retry; ${result.kernelDrops} packets dropped by the IUT's kernel before it (bad checksums, a full receive buffer)\n`);
  for (const f of result.findings) {
    process.stdout.write(`finding ${f.id} (${f.kind}): ${f.what}\n  reproducer: ${join(relative(process.cwd(), outDir) || '.', f.pcap)} (${f.packets} packets)\n  replay: ${f.replay}\n`);
    if (f.minimised?.reproduced === true) process.stdout.write(`  minimised to ${f.minimised.packets} packet(s) in ${f.minimised.tests} attempts: ${join(relative(process.cwd(), outDir) || '.', f.minimised.pcap)}\n  replay: ${f.minimised.replay}\n`);
    else if (f.minimised !== undefined) process.stdout.write('  not minimised: the inputs did not make a fresh IUT fail again\n');
  }
  process.stdout.write(`report: ${relative(process.cwd(), written.html)}\n`);
  return result.findings.length > 0 ? 1 : 0;
}
