// Long-running processes of a testbed (implementations under test, tcpdump, radvd): each one's
// output goes raw to its own log file, an early exit is reported against what the harness was
// doing at the time, and nothing survives its stop or the harness.
import { execa } from 'execa';
import type { ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { withoutStackFrames } from '../error-text.js';
import { formatCommandLine, nsArgv } from '../netns.js';
import { pollUntil, TimeoutError } from '../poll.js';

export interface ProcessSpec {
  /** Unique and human: "lma", "tcpdump mag1/eth1". */
  name: string;
  /** The testbed node it belongs to, for reports. */
  node?: string;
  netns: string | null;
  cmd: string;
  args: string[];
  /** Raw stdout and stderr are appended here, after a header line; parent directories are created. */
  logFile: string;
  /** Added to the harness's own environment. */
  env?: Record<string, string>;
  cwd?: string;
}

export interface ExitInfo {
  code: number | null;
  signal: string | null;
  /** True when the exit followed stop(); false for an early exit. */
  expected: boolean;
}

export type OutputStream = 'stdout' | 'stderr' | 'both';

export interface StopOptions {
  /** Time between the first signal and SIGKILL. */
  graceMs?: number;
  signal?: NodeJS.Signals;
}

const DEFAULT_GRACE_MS = 2000;
/** Enough for every diagnostic a daemon prints at start-up; older output is in the log file. */
const TAIL_CHARS = 64 * 1024;
const REPORT_LINES = 20;
/** How long output may still arrive after the process ended (from descendants that escaped the group). */
const PIPE_DRAIN_MS = 1000;

/** The last TAIL_CHARS characters of a stream; trimmed in steps so appends stay cheap. */
class Tail {
  private text = '';
  append(s: string): void {
    this.text += s;
    if (this.text.length > 2 * TAIL_CHARS) this.text = this.text.slice(-TAIL_CHARS);
  }
  get value(): string {
    return this.text.length > TAIL_CHARS ? this.text.slice(-TAIL_CHARS) : this.text;
  }
}

// Children run in their own process group (so a signal reaches everything they spawned, and a
// terminal's Ctrl-C reaches only the harness, which then stops them in order). execa's own
// clean-up does not cover detached children, hence this last-resort hook.
const live = new Set<SupervisedProcess>();
let exitHookInstalled = false;
function killOnHarnessExit(p: SupervisedProcess): void {
  live.add(p);
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const q of live) signalGroup(q.pid, 'SIGKILL');
  });
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  sendSignal(-pid, signal);
}

/** A process that just ended (and is not reaped yet) is no error. */
function sendSignal(target: number, signal: NodeJS.Signals): void {
  try {
    process.kill(target, signal);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
  }
}

export function describeExit(info: ExitInfo): string {
  return info.signal !== null ? `killed by ${info.signal}` : `exit code ${info.code}`;
}

export class SupervisedProcess {
  readonly pid: number;
  readonly exited: Promise<ExitInfo>;
  private readonly child: ChildProcess;
  private readonly tails = { stdout: new Tail(), stderr: new Tail(), both: new Tail() };
  private logError: Error | undefined;
  private exitInfo: ExitInfo | undefined;
  private stopRequested = false;

  /** Use Supervisor.start. */
  constructor(readonly spec: ProcessSpec, onExit: (p: SupervisedProcess, info: ExitInfo) => void) {
    const [file, argv] = nsArgv(spec.netns, spec.cmd, spec.args);
    mkdirSync(dirname(spec.logFile), { recursive: true });
    const sub = execa(file, argv, {
      reject: false,
      buffer: false,
      stdin: 'ignore',
      detached: true,
      cleanup: false,
      ...(spec.env !== undefined ? { env: spec.env } : {}),
      ...(spec.cwd !== undefined ? { cwd: spec.cwd } : {}),
    });
    if (sub.pid === undefined) {
      void sub.catch(() => undefined);
      throw new Error(`cannot start ${spec.name}: ${spec.cmd}: not found or not executable`);
    }
    this.pid = sub.pid;
    this.child = sub;
    killOnHarnessExit(this);

    const log = createWriteStream(spec.logFile, { flags: 'a' });
    log.on('error', (err) => { this.logError ??= err; });
    const where = [spec.node !== undefined ? `node ${spec.node}` : '', spec.netns !== null ? `netns ${spec.netns}` : 'host'].filter(Boolean).join(', ');
    log.write(`# ${new Date().toISOString()} start ${spec.name} (${where}) pid ${this.pid}: ${formatCommandLine(spec.cmd, spec.args)}\n`);
    for (const stream of ['stdout', 'stderr'] as const) {
      const decoder = new StringDecoder('utf8');
      sub[stream].on('data', (chunk: Buffer) => {
        log.write(chunk);
        const text = decoder.write(chunk);
        this.tails[stream].append(text);
        this.tails.both.append(text);
      });
    }

    // The group is killed as soon as the leader exits, so a leftover child holding a pipe cannot
    // keep execa (which waits for stdout/stderr to close) from settling.
    const leaderExit = new Promise<ExitInfo>((resolve) => {
      sub.once('exit', (code, signal) => {
        signalGroup(this.pid, 'SIGKILL');
        resolve({ code, signal, expected: this.stopRequested });
      });
    });
    this.exited = (async () => {
      const info = await leaderExit;
      // A descendant that left the group (setsid) may hold the pipes open: stop reading after a while.
      let deadline: NodeJS.Timeout | undefined;
      const drained = await Promise.race([
        sub.then(() => true),
        new Promise<false>((resolve) => { deadline = setTimeout(() => resolve(false), PIPE_DRAIN_MS); }),
      ]);
      clearTimeout(deadline);
      if (!drained) {
        sub.stdout.destroy();
        sub.stderr.destroy();
        log.write(`# a process outside ${spec.name}'s process group kept its output open; no longer read\n`);
      }
      live.delete(this);
      await new Promise<void>((resolve) => {
        log.end(`# ${new Date().toISOString()} ${spec.name} ended: ${describeExit(info)}${info.expected ? '' : ' (unexpected)'}\n`, () => resolve());
        if (log.destroyed) resolve();
      });
      this.exitInfo = info;
      if (!info.expected) onExit(this, info);
      return info;
    })();
  }

  get running(): boolean {
    return this.exitInfo === undefined;
  }

  /** Buffered output (the last 64 KiB). */
  output(stream: OutputStream = 'both'): string {
    return this.tails[stream].value;
  }

  /** The last `n` lines of its output, without JavaScript stack frames (unless --debug). */
  lastLines(n: number = REPORT_LINES): string[] {
    const lines = withoutStackFrames(this.output().split('\n'));
    if (lines.at(-1) === '') lines.pop();
    return lines.slice(-n);
  }

  /** Resolves with the first match in the buffered output; fails at once if the process exits without it. */
  async waitForOutput(re: RegExp, opts: { timeoutMs: number; stream?: OutputStream }): Promise<RegExpMatchArray> {
    const stream = opts.stream ?? 'both';
    const once = new RegExp(re.source, re.flags.replace('g', ''));
    const what = `${re} on ${stream === 'both' ? 'the output' : stream} of ${this.spec.name}`;
    try {
      return await pollUntil(() => {
        const m = this.output(stream).match(once);
        if (m) return m;
        if (this.exitInfo) throw new Error(`${this.spec.name} ended (${describeExit(this.exitInfo)}) before printing ${re}; ${this.formatTail()}`);
        return false;
      }, { what, timeoutMs: opts.timeoutMs, maxIntervalMs: 10 });
    } catch (err) {
      if (err instanceof TimeoutError) throw new TimeoutError(what, opts.timeoutMs, this.formatTail());
      throw err;
    }
  }

  /** Sends `sig` to the process alone (e.g. SIGHUP to reload, SIGUSR1 for tcpdump's counts). */
  signal(sig: NodeJS.Signals): void {
    if (this.running && this.child.exitCode === null && this.child.signalCode === null) sendSignal(this.pid, sig);
  }

  /** Signals the whole process group, SIGKILLs it after graceMs; resolves once it is gone. */
  async stop(opts: StopOptions = {}): Promise<ExitInfo> {
    if (this.exitInfo) return this.exitInfo;
    this.stopRequested = true;
    if (this.child.exitCode === null && this.child.signalCode === null) signalGroup(this.pid, opts.signal ?? 'SIGTERM');
    const escalate = setTimeout(() => signalGroup(this.pid, 'SIGKILL'), opts.graceMs ?? DEFAULT_GRACE_MS);
    try {
      return await this.exited;
    } finally {
      clearTimeout(escalate);
    }
  }

  /** "last N lines of FILE:" and the lines, indented, for error messages. */
  formatTail(n: number = REPORT_LINES): string {
    const lines = this.lastLines(n);
    const logNote = this.logError ? ` (writing the log failed: ${this.logError.message})` : '';
    if (lines.length === 0) return `it printed nothing (log: ${this.spec.logFile}${logNote})`;
    return `last ${lines.length} lines of ${this.spec.logFile}${logNote}:\n${lines.map((l) => `    ${l}`).join('\n')}`;
  }
}

export interface SupervisorOptions {
  /** Called for every exit not caused by stop(); `report` says what, when and the last log lines. Default: print the report on stderr. */
  onUnexpectedExit?: (p: SupervisedProcess, info: ExitInfo, report: string) => void;
}

export class Supervisor {
  private readonly procs: SupervisedProcess[] = [];
  private activity = 'no recorded activity';

  constructor(private readonly opts: SupervisorOptions = {}) {}

  start(spec: ProcessSpec): SupervisedProcess {
    if (this.procs.some((p) => p.running && p.spec.name === spec.name)) throw new Error(`a process named ${spec.name} is already running`);
    const p = new SupervisedProcess(spec, (q, info) => this.reportEarlyExit(q, info));
    this.procs.push(p);
    return p;
  }

  /** What the harness is doing now ("attach mn1 to ap1"); an early exit is reported against it. */
  setActivity(text: string): void {
    this.activity = text;
  }

  /** Every process started, in start order, including those that have ended. */
  list(): SupervisedProcess[] {
    return [...this.procs];
  }

  /** Stops every running process in parallel (a capture that must outlive the others is stopped first by its owner). */
  async stopAll(opts?: StopOptions): Promise<void> {
    await Promise.all(this.procs.filter((p) => p.running).map((p) => p.stop(opts)));
  }

  private reportEarlyExit(p: SupervisedProcess, info: ExitInfo): void {
    const who = [p.spec.node !== undefined ? `node ${p.spec.node}` : '', p.spec.netns !== null ? `netns ${p.spec.netns}` : ''].filter(Boolean).join(', ');
    const report = `${p.spec.name} (pid ${p.pid}${who ? `, ${who}` : ''}) ended unexpectedly (${describeExit(info)}) during: ${this.activity}; ${p.formatTail()}`;
    if (this.opts.onUnexpectedExit) this.opts.onUnexpectedExit(p, info, report);
    else process.stderr.write(`${report}\n`);
  }
}
