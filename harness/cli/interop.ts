// `pmip-testbed interop`: every MAG x LMA pairing of the chosen implementations, each cell a
// normal `pmip-testbed run --iut mag=X,lma=Y` of the interop cases writing its own report in a
// subfolder, then one matrix report over them all.
import { spawn } from 'node:child_process';
import { open, mkdir, readFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseCommandArgs, UsageError } from './args.js';
import { red, stamp } from './run.js';
import { buildMatrix, matrixCell, matrixExitCode, pairName, type CellRun, type MatrixCell } from '../conformance/interop-matrix.js';
import { implementationNames, PROFILES, type IutRole } from '../conformance/profile.js';
import { discoverCases, selectCases } from '../conformance/suite.js';
import { ADAPTERS } from '../iut/registry.js';
import { PROJECT_ROOT } from '../iut/source-build.js';
import { writeMatrixReport } from '../report/interop-html.js';
import { kernelDescription, vmDescription } from '../vm/guest.js';

const CLI = fileURLToPath(new URL('./main.js', import.meta.url));
/** attach, traffic, handover, refresh and detach: what every cell runs unless --cases says otherwise. */
export const INTEROP_CASES = ['attach', 'data-plane', 'handover', 'refresh-detach'];

/**
 * The expected verdicts of a pair, where they depend on the pair and not only on each side (a
 * MAG's PBUs discarded by one LMA and served by another): the cell's run judges against this file
 * (--baseline). A pair not listed gets run's default: baselines/NAME.yaml of an implementation
 * with itself, else each side's file combined (MAG-side requirements from the MAG's).
 */
export const PAIR_BASELINES: Readonly<Record<string, string>> = {
  'mag=oai-pmipv6,lma=pmipd': 'baselines/oai-mag-pmipd-lma.yaml',
  'mag=pmipd,lma=oai-pmipv6': 'baselines/oai-lma-pmipd-mag.yaml',
  'mag=oai-pmipv6,lma=opmip': 'baselines/oai-mag-opmip-lma.yaml',
  'mag=opmip,lma=oai-pmipv6': 'baselines/opmip-mag-oai-lma.yaml',
  'mag=opmip,lma=pmipd': 'baselines/opmip-mag.yaml',
  'mag=pmipd,lma=opmip': 'baselines/opmip.yaml',
  'mag=opmip,lma=opmip': 'baselines/opmip-both.yaml',
};

const HELP = `usage: pmip-testbed interop [--mag A,B] [--lma X,Y] [--cases NAME]... [--out DIR] [--jobs N] [--vm]

Interoperability matrix: runs every pairing of a MAG implementation with an LMA implementation
(default all of ${'{'}pmipd, oai-pmipv6, opmip${'}'}, 3 x 3), each cell a normal
\`pmip-testbed run --iut mag=A,lma=X\` of the cases attach, data-plane (traffic MN <-> CN
through the tunnel), handover (between two MAGs of the row's implementation) and refresh-detach,
judged against the pair's baseline (baselines/<name>.yaml of an implementation with itself;
a mixed pair's own file where its verdicts depend on the pair: ${Object.values(PAIR_BASELINES).join(', ')};
else each side's file, MAG-side requirements against the MAG's). Each cell's full report goes
in DIR/cells/mag-A--lma-X/; a progress line per cell gives its time. At the end one report:

  DIR/index.html           the matrix (rows MAGs, columns LMAs; per cell the verdict of each
                           case, the count of FAILs, a link to the pair's report; cells that
                           errored red with their one-line cause)
  DIR/implementation-*.html per implementation, its requirement verdicts across every pair it
                           took part in, each linking to its evidence
  DIR/results.json         the matrix

options:
  --mag A,B      MAG implementations, rows (default: every implementation with a capability
                 statement in capabilities/)
  --lma X,Y      LMA implementations, columns (same default)
  --cases NAME   the cases of every cell (repeatable; default ${INTEROP_CASES.join(', ')})
  --out DIR      where the report goes (default reports/interop-<timestamp>)
  --jobs N       cases run side by side in the whole matrix (default 3, as run's; under
                 emulation with a loaded host, 4 at once kept IUTs from starting within their
                 60 s deadline). Cells run side by side, each case of a cell after the other:
                 min(N, cells) cells at once, each with N / that many jobs, so no slot idles
                 while a cell finishes its last case
  --vm           run the whole matrix inside one throwaway VM booting Debian's stock kernel
                 (as \`pmip-testbed vm -- pmip-testbed interop ...\`; the default when this
                 kernel lacks what a chosen implementation needs: OAI PMIPv6 and OPMIP need
                 ip6tnl and Mobile IPv6). DIR must be under the current directory (what the VM
                 writes there is copied back)
  --host         run on this kernel even when it lacks what an implementation needs: such a
                 cell is SKIPPED, naming the feature and telling to use --vm
  -h, --help     this text

Without --vm the matrix runs on this kernel if it has every feature the chosen implementations'
adapters declare (ip6tnl, mip6), else in the VM, saying why. A cell whose
implementation has no registered adapter (harness/iut/registry.ts) is an ERROR saying so.

exit status: 0 when every cell ran and every verdict matches its baselines; 1 when a cell
errored or was skipped, or a verdict differs from its baseline; 2 on a usage error.
`;

const OPTIONS = {
  mag: { type: 'string' }, lma: { type: 'string' }, cases: { type: 'string', multiple: true },
  out: { type: 'string' }, jobs: { type: 'string' }, vm: { type: 'boolean' }, host: { type: 'boolean' },
} as const;

/** "a,b" -> ['a', 'b'], every name known and none twice; a usage error names the bad one. */
export function parseImplementationList(option: string, text: string | undefined, known: readonly string[]): string[] {
  if (text === undefined) return [...known];
  const names = text.split(',');
  const seen = new Set<string>();
  for (const n of names) {
    if (n === '') throw new UsageError(`--${option} ${JSON.stringify(text)}: an empty name (separate names with single commas)`, HELP);
    if (!known.includes(n)) throw new UsageError(`--${option} ${JSON.stringify(text)}: unknown implementation "${n}" (known: ${known.join(', ')})`, HELP);
    if (seen.has(n)) throw new UsageError(`--${option} ${JSON.stringify(text)}: "${n}" is given twice`, HELP);
    seen.add(n);
  }
  return names;
}

/** Implementations in the order of the matrix: pmipd (the reference) first. */
function defaultImplementations(): string[] {
  return implementationNames().sort((a, b) => Number(b === 'pmipd') - Number(a === 'pmipd') || a.localeCompare(b));
}

/** Why an implementation cannot run at all (its adapter is not registered), or undefined. */
function unregistered(impl: string): string | undefined {
  // An implementation with a profile of its own (pmipd, oai-pmipv6, opmip) translates a case's needs itself.
  if (PROFILES[impl] !== undefined) return undefined;
  const e = ADAPTERS[impl];
  if (e === undefined) return `${impl} cannot run: no adapter named ${impl} is registered (harness/iut/registry.ts)`;
  if (e.domain === undefined) return `${impl} cannot run: its adapter gives no DomainNeeds translation (AdapterEntry.domain in harness/iut/registry.ts)`;
  return undefined;
}

/** What this kernel lacks that the implementations' adapters need ("ip6tnl (oai-pmipv6, opmip)"), none inside a VM. */
async function kernelLacks(impls: readonly string[]): Promise<string[]> {
  const { detectKernelFeatures } = await import('../kernel-features.js');
  const have = await detectKernelFeatures();
  const need = new Map<string, string[]>();
  for (const impl of impls) {
    if (ADAPTERS[impl] === undefined) continue;
    const adapter = await ADAPTERS[impl].load();
    for (const f of adapter.requiredFeatures({ adapter: impl })) if (!have[f]) need.set(f, [...(need.get(f) ?? []), impl]);
  }
  return [...need].map(([f, by]) => `${f} (${by.join(', ')})`);
}

/** One cell: `run` in a child process, its output in DIR/run.log; the CellRun from its results.json. */
const DEFAULT_JOBS = 3;


/**
 * How `jobs` case slots are shared by `cells` cells: a cell's cases after one another, cells side
 * by side. A cell running its cases side by side instead leaves slots idle while its last case
 * runs alone (4 cases in 3 slots: two rounds), and under emulation a case is mostly IUT start-up.
 */
export function cellSlots(jobs: number, cells: number): { cellsAtOnce: number; jobsPerCell: number } {
  const cellsAtOnce = Math.max(1, Math.min(jobs, cells));
  return { cellsAtOnce, jobsPerCell: Math.max(1, Math.floor(jobs / cellsAtOnce)) };
}

/** `f` over `items`, at most `limit` at once; results in the items' order. */
async function mapWithConcurrency<T, R>(items: readonly T[], limit: number, f: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const lane = async () => { for (let i = next++; i < items.length; i = next++) out[i] = await f(items[i]!); };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  return out;
}

async function runCell(mag: string, lma: string, cases: string[], outDir: string, jobs: number): Promise<CellRun> {
  const dir = `cells/mag-${mag}--lma-${lma}`;
  const abs = join(outDir, dir);
  const cause = unregistered(mag) ?? unregistered(lma);
  if (cause !== undefined) return { mag, lma, dir, elapsedMs: 0, exitCode: null, error: cause };
  const t0 = Date.now();
  await mkdir(abs, { recursive: true });
  const log = join(abs, 'run.log');
  const fd = await open(log, 'w');
  let exitCode: number | null;
  let error: string | undefined;
  try {
    const baseline = PAIR_BASELINES[pairName(mag, lma)];
    const args = [CLI, 'run', '--iut', pairName(mag, lma), ...cases.flatMap((c) => ['--cases', c]), '--report', abs, '--jobs', String(jobs),
      ...(baseline !== undefined ? ['--baseline', join(PROJECT_ROOT, baseline)] : [])];
    const child = spawn(process.execPath, args, { stdio: ['ignore', fd.fd, fd.fd] });
    exitCode = await new Promise<number | null>((done) => {
      child.once('exit', (code, signal) => { if (signal !== null) error = `the run was stopped by ${signal}`; done(code); });
      child.once('error', (err) => { error = `cannot start the run: ${err.message}`; done(null); });
    });
  } finally {
    await fd.close();
  }
  let result: CellRun['result'];
  try {
    result = JSON.parse(await readFile(join(abs, 'results.json'), 'utf8')) as CellRun['result'];
  } catch {
    const tail = (await readFile(log, 'utf8').catch(() => '')).trim().split('\n').slice(-3).join(' / ');
    error ??= `the run wrote no report (exit status ${exitCode}): ${tail || 'no output'} (log ${relative(process.cwd(), log)})`;
  }
  return { mag, lma, dir, elapsedMs: Date.now() - t0, exitCode, ...(result !== undefined ? { result } : {}), ...(error !== undefined ? { error } : {}) };
}

function progressLine(c: MatrixCell, i: number, n: number, width: number): string {
  const tag = `[${String(i).padStart(String(n).length)}/${n}]`;
  const label = `MAG ${c.mag} × LMA ${c.lma}`.padEnd(width);
  const time = `${(c.elapsedMs / 1000).toFixed(1)} s`.padStart(8);
  if (c.status !== 'completed') return `${tag} ${red(c.status === 'error' ? 'ERROR  ' : 'SKIPPED')} ${label} ${time}  ${red(c.cause ?? '')}\n`;
  const verdicts = c.cases.map((k) => `${k.name} ${k.verdict}`).join(', ');
  const changes = c.baseline?.changes.length ?? 0;
  return `${tag} done    ${label} ${time}  ${verdicts}; ${c.fails} FAIL${changes > 0 ? red(`; ${changes} differ from the baseline`) : ''}\n`;
}

export async function main(argv: string[]): Promise<number> {
  const args = parseCommandArgs(argv, OPTIONS, HELP);
  if (!args) return 0;
  const v = args.values;
  if (args.positionals.length > 0) throw new UsageError(`unexpected argument '${args.positionals[0]}'`, HELP);
  const known = defaultImplementations();
  const mags = parseImplementationList('mag', v.mag, known);
  const lmas = parseImplementationList('lma', v.lma, known);
  const jobs = v.jobs === undefined ? DEFAULT_JOBS : Number(v.jobs);
  if (!Number.isInteger(jobs) || jobs < 1) throw new UsageError(`--jobs wants a positive integer, not '${v.jobs}'`, HELP);
  const started = new Date();
  const outDir = resolve(v.out ?? join('reports', `interop-${stamp(started)}`));
  const lacking = v.vm || v.host || vmDescription() !== undefined ? [] : await kernelLacks([...new Set([...mags, ...lmas])]);
  if (lacking.length > 0) process.stderr.write(`interop: this kernel lacks ${lacking.join('; ')}: running the matrix in the VM (--host: on this kernel, those cells SKIPPED)\n`);
  if (v.vm || lacking.length > 0) {
    if (relative(process.cwd(), outDir).startsWith('..')) throw new UsageError(`--out ${v.out} is outside the current directory: in the VM only what is written under it comes back`, HELP);
    // The VM's root is a throwaway overlay of this one: what it built would be lost with it.
    const { prebuildIuts } = await import('../iut/prebuild.js');
    await prebuildIuts([...new Set([...mags, ...lmas])].map((adapter) => ({ adapter })), (l) => process.stderr.write(`interop: ${l}\n`));
    const { vmExitStatus, vmOptions, terminalIo } = await import('./vm.js');
    const inner = [...argv.filter((a) => a !== '--vm'), ...(v.out === undefined ? ['--out', relative(process.cwd(), outDir)] : [])];
    return vmExitStatus(vmOptions({}, [process.execPath, CLI, 'interop', ...inner]), terminalIo());
  }
  const all = await discoverCases();
  const wanted = v.cases ?? INTEROP_CASES;
  const selected = selectCases(all, wanted);
  if (selected.length === 0) throw new UsageError(all.length === 0 ? 'no cases found under dist/cases (build first: npm run build)' : `no case matches ${wanted.join(' ')}`, HELP);
  const cases = selected.map((c) => c.def.name);
  const caseRoles: Record<string, IutRole[]> = Object.fromEntries(selected.map((c) => [c.def.name, [...new Set(Object.values(c.def.iut))]]));

  const pairs = mags.flatMap((mag) => lmas.map((lma) => ({ mag, lma })));
  process.stdout.write(`interop matrix: ${mags.length} MAG(s) × ${lmas.length} LMA(s) = ${pairs.length} cell(s), cases ${cases.join(', ')}; output in ${relative(process.cwd(), outDir) || '.'}\n`);
  const width = Math.max(...pairs.map((p) => `MAG ${p.mag} × LMA ${p.lma}`.length));
  const { cellsAtOnce, jobsPerCell } = cellSlots(jobs, pairs.length);
  let done = 0;
  const runs = await mapWithConcurrency(pairs, cellsAtOnce, async (p) => {
    const r = await runCell(p.mag, p.lma, cases, outDir, jobsPerCell);
    process.stdout.write(progressLine(matrixCell(r, cases), ++done, pairs.length, width));
    return r;
  });
  const finished = new Date();
  const matrix = buildMatrix(runs, mags, lmas, cases, caseRoles);
  const vm = vmDescription();
  const written = await writeMatrixReport(outDir, matrix, {
    id: `interop-${stamp(started)}`, started: started.toISOString(), finished: finished.toISOString(),
    command: `pmip-testbed interop ${argv.join(' ')}`.trim(), kernel: kernelDescription(), ...(vm !== undefined ? { vm } : {}),
  });
  process.stdout.write(`\ncell times (${cellsAtOnce} cell(s) at once, ${jobsPerCell} case(s) at once in each):\n`);
  for (const c of matrix.cells) process.stdout.write(`  ${`MAG ${c.mag} × LMA ${c.lma}`.padEnd(width)} ${`${(c.elapsedMs / 1000).toFixed(1)} s`.padStart(8)}  ${c.status}\n`);
  const bad = matrix.cells.filter((c) => c.status !== 'completed');
  const differ = matrix.cells.filter((c) => (c.baseline?.changes.length ?? 0) > 0);
  process.stdout.write(`\n${matrix.cells.length} cell(s) in ${((finished.getTime() - started.getTime()) / 1000).toFixed(1)} s: ${matrix.cells.length - bad.length} completed, ${bad.filter((c) => c.status === 'error').length} errored, ${bad.filter((c) => c.status === 'skipped').length} skipped; ${differ.length} with verdicts differing from their baselines\n`);
  process.stdout.write(`report: ${relative(process.cwd(), written.html)}\n`);
  return matrixExitCode(matrix);
}
