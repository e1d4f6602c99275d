// `pmip-testbed analyze FILE...`: the passive conformance checks over captures taken anywhere.
import { basename, extname } from 'node:path';
import { ESP_SA_HELP, ESP_SA_OPTIONS, espSasFromOptions } from './esp-sa-options.js';
import { findRequirement, isMandatory } from '../catalog/index.js';
import { PLATFORM_DEVIATIONS, runChecks, type RequirementResult } from '../checks/index.js';
import { parseCommandArgs, UsageError } from './args.js';
import { analysisCase, resultsJson, writeReport, type RunResult } from '../report/index.js';
import { loadTrace, provenanceText, readEventLog, type CapturePointKind, type CapturePointSpec, type DomainSettings } from '../trace/index.js';

const HELP = `usage: pmip-testbed analyze [NAME=]FILE... [options]

Runs the passive PMIPv6 (RFC 5213) checks over pcap/pcapng captures and writes a report.
Each FILE is a capture point, named NAME or after the file (trn.pcap -> "trn"). Captures are
merged on one clock. Roles are inferred (PBU senders are MAGs, PBA senders LMAs) unless given;
so are the capture point kinds (signalling -> transport, RS/RA or an 802.11 link type -> access,
else core, by default) and the domain settings; the report states which values were given,
inferred (and from which frames) or defaulted. A verdict never rests on a defaulted setting: an
instance that would pass or fail only by a default is INCONCLUSIVE, naming the option to give.

options:
  --report DIR             write index.html, junit.xml, results.json there
                           (default reports/analyze-<timestamp>)
  --no-report              write no report
  --json                   print results.json on stdout instead of the table
  --lma ADDR               an LMA address (repeatable)
  --mag ADDR               a MAG Proxy-CoA (repeatable)
  --tester ADDR            a source of crafted stimuli, not a MAG under test (repeatable)
  --point NAME=KIND[@MAG]  capture point kind (access|transport|core) and, for an access
                           link, the Proxy-CoA of its MAG (repeatable)
  --timestamp-mode on|off  TimestampBasedApproachInUse (inferred from the PBUs)
  --fixed-ll ADDR|none     FixedMAGLinkLocalAddressOnAllAccessLinks (inferred from the RAs
                           and the PBUs' Link-local Address options)
  --fixed-mac MAC|none     FixedMAGLinkLayerAddressOnAllAccessLinks (inferred when an RA
                           comes from 00:00:5e:00:52:13)
  --access-technology N[,N...]
                           the ATT values of the access links (the MAG's accessTechnology:
                           1 virtual, 2 PPP, 3 IEEE 802.3, 4 IEEE 802.11, 5 802.16e, 8 E-UTRAN...;
                           inferred from an access capture's link type: 802.11 radiotap/PPI -> 4,
                           Ethernet -> 3 or 1)
  --min-delay-bce MS       MinDelayBeforeBCEDelete (the LMA's minDelayBeforeBCEDelete;
                           RFC default 10000)
  --max-delay-new-bce MS   MaxDelayBeforeNewBCEAssign (maxDelayBeforeNewBCEAssign; 1500)
  --timestamp-validity-window MS
                           TimestampValidityWindow (timestampValidityWindow; 300)
  --mag-local-routing on|off
                           EnableMAGLocalRouting (RFC default off)
  --link-mtu N             MTU of the MAG-LMA path (a packet the transport capture holds
                           proves at least its length)
  --clock-tolerance MS     how far the capture host's clock may be from the MAGs' and LMA's
  --heartbeat-interval S   HEARTBEAT_INTERVAL the nodes were configured with (RFC 5847; 60)
                           when their timestamps are compared with it (default 2000)
  --events FILE            a testbed run's events.jsonl (its output directory, or a case's
                           in a conformance report): the MNs' attach, detach, handover
${ESP_SA_HELP}  --known-deviations       treat this platform's known deviations (SEC-01: pmipd has no IPsec yet) as expected
  --all                    list every requirement, also those no passive check judges
  -h, --help               this text

exit status: 0 when no MUST / MUST NOT requirement FAILs (known deviations excepted),
1 when one does, 2 on a usage error.
`;

const OPTIONS = {
  report: { type: 'string' }, 'no-report': { type: 'boolean' }, json: { type: 'boolean' },
  lma: { type: 'string', multiple: true }, mag: { type: 'string', multiple: true }, tester: { type: 'string', multiple: true },
  point: { type: 'string', multiple: true }, 'timestamp-mode': { type: 'string' }, 'fixed-ll': { type: 'string' },
  'fixed-mac': { type: 'string' }, 'min-delay-bce': { type: 'string' }, 'max-delay-new-bce': { type: 'string' },
  'link-mtu': { type: 'string' }, 'access-technology': { type: 'string' }, 'timestamp-validity-window': { type: 'string' },
  'mag-local-routing': { type: 'string' }, 'clock-tolerance': { type: 'string' }, 'heartbeat-interval': { type: 'string' }, events: { type: 'string' }, 'known-deviations': { type: 'boolean' }, all: { type: 'boolean' },
  ...ESP_SA_OPTIONS,
} as const;

const KINDS: CapturePointKind[] = ['access', 'transport', 'core'];

function number(v: string | undefined, what: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new UsageError(`${what} must be a non-negative number, not '${v}'`, HELP);
  return n;
}

function points(files: string[], specs: string[]): CapturePointSpec[] {
  const out = files.map((f): CapturePointSpec => {
    const eq = f.indexOf('=');
    if (eq > 0) return { name: f.slice(0, eq), path: f.slice(eq + 1) };
    return { name: basename(f, extname(f)), path: f };
  });
  const names = new Set<string>();
  for (const p of out) {
    if (names.has(p.name)) throw new UsageError(`two captures are both named '${p.name}': name them NAME=FILE`, HELP);
    names.add(p.name);
  }
  for (const s of specs) {
    const m = /^([^=]+)=(access|transport|core)(?:@(.+))?$/.exec(s);
    if (!m) throw new UsageError(`--point wants NAME=KIND[@MAG] with KIND one of ${KINDS.join(', ')}, not '${s}'`, HELP);
    const p = out.find((x) => x.name === m[1]);
    if (!p) throw new UsageError(`--point names '${m[1]}', which is none of the captures (${[...names].join(', ')})`, HELP);
    p.kind = m[2] as CapturePointKind;
    if (m[3] !== undefined) p.mag = m[3];
  }
  return out;
}

function onOff(v: string | undefined, what: string): boolean | undefined {
  if (v === undefined) return undefined;
  if (v !== 'on' && v !== 'off') throw new UsageError(`${what} is on or off, not '${v}'`, HELP);
  return v === 'on';
}

/** "4" or "3,1": ATT values (RFC 5213 §8.5: 8 bits, 0 reserved). */
function accessTechnologies(v: string | undefined): number[] | undefined {
  if (v === undefined) return undefined;
  const list = v.split(',').map((x) => x.trim());
  if (list.some((x) => !/^\d+$/.test(x) || Number(x) < 1 || Number(x) > 255)) {
    throw new UsageError(`--access-technology wants ATT values 1-255 separated by commas (e.g. 4 or 3,1), not '${v}'`, HELP);
  }
  return list.map(Number);
}

function settingsFrom(v: Record<string, unknown>): Partial<DomainSettings> {
  const s: Partial<DomainSettings> = {};
  const tm = onOff(v['timestamp-mode'] as string | undefined, '--timestamp-mode');
  if (tm !== undefined) s.timestampMode = tm;
  const local = onOff(v['mag-local-routing'] as string | undefined, '--mag-local-routing');
  if (local !== undefined) s.enableMagLocalRouting = local;
  const att = accessTechnologies(v['access-technology'] as string | undefined);
  if (att !== undefined) s.accessTechnologies = att;
  const ll = v['fixed-ll'] as string | undefined;
  if (ll !== undefined) s.fixedMagLinkLocal = ll === 'none' ? null : ll;
  const mac = v['fixed-mac'] as string | undefined;
  if (mac !== undefined) s.fixedMagLinkLayer = mac === 'none' ? null : mac.toLowerCase();
  const a = number(v['min-delay-bce'] as string | undefined, '--min-delay-bce');
  if (a !== undefined) s.minDelayBeforeBceDeleteMs = a;
  const b = number(v['max-delay-new-bce'] as string | undefined, '--max-delay-new-bce');
  if (b !== undefined) s.maxDelayBeforeNewBceAssignMs = b;
  const w = number(v['timestamp-validity-window'] as string | undefined, '--timestamp-validity-window');
  if (w !== undefined) s.timestampValidityWindowMs = w;
  const mtu = number(v['link-mtu'] as string | undefined, '--link-mtu');
  if (mtu !== undefined) s.maxLinkMtu = mtu;
  const tol = number(v['clock-tolerance'] as string | undefined, '--clock-tolerance');
  if (tol !== undefined) s.clockToleranceMs = tol;
  const hb = number(v['heartbeat-interval'] as string | undefined, '--heartbeat-interval');
  if (hb !== undefined) s.heartbeatIntervalMs = hb * 1000;
  return s;
}

function stamp(d: Date): string {
  return d.toISOString().replace(/[-:]/g, '').replace(/\..*$/, 'Z');
}

/** The table printed on stdout: one line per judged requirement. */
function table(results: RequirementResult[], all: boolean): string {
  const rows = results.filter((r) => all || r.check !== undefined);
  const w = Math.max(...rows.map((r) => r.id.length));
  return rows.map((r) => {
    const level = findRequirement(r.id)?.level ?? '';
    const dev = r.knownDeviation !== undefined ? ' [known deviation]' : '';
    return `${r.id.padEnd(w)}  ${r.verdict.padEnd(14)} ${level.padEnd(10)} ${r.message}${dev}`;
  }).join('\n');
}

/** MUST / MUST NOT failures that are not declared deviations: what makes the exit status 1. */
export function mandatoryFailures(results: readonly RequirementResult[]): RequirementResult[] {
  return results.filter((r) => r.verdict === 'FAIL' && r.knownDeviation === undefined && isMandatory(findRequirement(r.id)?.level ?? 'INFO'));
}

export async function main(argv: string[]): Promise<number> {
  const args = parseCommandArgs(argv, OPTIONS, HELP);
  if (!args) return 0;
  const v = args.values;
  if (args.positionals.length === 0) throw new UsageError('at least one capture FILE is required', HELP);
  const specs = points(args.positionals, v.point ?? []);
  const events = v.events !== undefined ? await readEventLog(v.events) : undefined;
  const started = new Date();
  const progress = process.stderr.isTTY || process.env.PMIP_PROGRESS === '1';
  const espSas = await espSasFromOptions(v, specs.map((s) => s.path), HELP, 'analyze');
  const trace = await loadTrace(specs, {
    ...(espSas.length > 0 ? { espSas } : {}),
    settings: settingsFrom(v), ...(v.lma ? { lmas: v.lma } : {}), ...(v.mag ? { mags: v.mag } : {}),
    ...(v.tester ? { testers: v.tester } : {}), ...(events ? { events } : {}),
  }, (p) => {
    if (progress && (!p.done || p.frames >= 200_000)) process.stderr.write(`analyze: ${p.point}: ${p.frames} frames${p.done ? ', done' : '...'}\n`);
  });
  const results = runChecks(trace, v['known-deviations'] ? { knownDeviations: PLATFORM_DEVIATIONS } : {});
  const id = `analyze-${stamp(started)}`;
  const finished = new Date().toISOString();
  // The report's case (ladder, timings, trace summary) is built only for a report or --json.
  let built: RunResult | undefined;
  const result = (): RunResult => (built ??= {
    run: { id, started: started.toISOString(), finished, tool: 'pmip-testbed analyze', command: `pmip-testbed analyze ${argv.join(' ')}` },
    cases: [analysisCase(specs.map((s) => s.name).join(' + '), trace, results)],
  });
  let reportDir: string | undefined;
  if (!v['no-report']) reportDir = (await writeReport(v.report ?? `reports/${id}`, result())).dir;
  const failures = mandatoryFailures(results);
  if (v.json) {
    process.stdout.write(`${resultsJson(result())}\n`);
  } else {
    const counts = ['PASS', 'FAIL', 'INCONCLUSIVE', 'NOT-APPLICABLE'].map((k) => `${results.filter((r) => r.verdict === k && (v.all || r.check)).length} ${k}`);
    process.stdout.write(`${table(results, v.all === true)}\n\n${counts.join(', ')}; ${failures.length} MUST-level failure(s)\n`);
    const known = (Object.keys(trace.provenance) as (keyof DomainSettings)[]).filter((k) => trace.provenance[k].source !== 'default')
      .map((k) => `${k}=${JSON.stringify(trace.settings[k])} (${provenanceText(trace.provenance[k])})`);
    process.stdout.write(`roles: MAGs ${trace.roles.mags.join(', ') || 'none'}; LMAs ${trace.roles.lmas.join(', ') || 'none'} (${trace.roles.magSource})\n`);
    if (known.length > 0) process.stdout.write(`settings: ${known.join('; ')}\n`);
    if (reportDir !== undefined) process.stdout.write(`report: ${reportDir}/index.html\n`);
  }
  return failures.length > 0 ? 1 : 0;
}
