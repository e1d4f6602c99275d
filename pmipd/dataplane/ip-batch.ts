// One long-lived `ip -6 -force -batch -` process (or -4, for IPv4 home addresses) fed on stdin: route changes cost a netlink round
// trip each, not a process spawn (~2.4 ms). After each batch a line ip cannot parse is written;
// its "Command failed -:N" on stderr marks the batch as done, with the failures of its lines.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';

export interface BatchFailure { command: string; message: string }

export class IpBatchDiedError extends Error {
  override readonly name = 'IpBatchDiedError';
}

interface PendingBatch {
  /** 1-based number of the sync marker line. */
  marker: number;
  first: number;
  lines: string[];
  failures: BatchFailure[];
  resolve: (f: BatchFailure[]) => void;
  reject: (e: Error) => void;
}

const MARKER = 'pmipd-sync';

export class IpBatch {
  private readonly child: ChildProcessWithoutNullStreams;
  private lineNo = 0;
  private readonly pending: PendingBatch[] = [];
  private said: string[] = [];
  private partial = '';
  private dead: Error | null = null;
  private queued: { lines: string[]; resolve: (f: BatchFailure[]) => void; reject: (e: Error) => void }[] = [];
  private flushScheduled = false;

  /** `netns`: run in that named namespace (tests); by default in the daemon's own. */
  constructor(readonly netns?: string, private readonly family: '-6' | '-4' = '-6') {
    const where = netns === undefined ? [] : ['-n', netns];
    // Its own process group: a SIGTERM sent to the daemon's group must not take the data plane away
    // before the daemon has removed its sessions and routes. It still ends with the daemon: at EOF.
    this.child = spawn('ip', [...where, family, '-force', '-batch', '-'], { stdio: ['pipe', 'pipe', 'pipe'], detached: true });
    this.child.stdout.resume();
    this.child.stderr.setEncoding('utf8');
    this.child.stderr.on('data', (chunk: string) => this.onStderr(chunk));
    this.child.on('error', (err) => this.fail(new IpBatchDiedError(`cannot run ip: ${err.message}`)));
    this.child.on('exit', (code, signal) => this.fail(new IpBatchDiedError(`ip -batch exited (${signal ?? code})`)));
    this.child.stdin.on('error', () => undefined);
  }

  /** Runs `lines` (ip commands without the leading "ip -6" or "ip -4"); resolves with the lines that failed. */
  run(lines: readonly string[]): Promise<BatchFailure[]> {
    for (const l of lines) if (/[\r\n]/.test(l)) return Promise.reject(new Error(`ip batch line contains a line break: ${JSON.stringify(l)}`));
    if (this.dead) return Promise.reject(this.dead);
    return new Promise((resolve, reject) => {
      this.queued.push({ lines: [...lines], resolve, reject });
      // Everything asked for in one turn of the event loop goes in one write.
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  /** Like run, but a failing line is an error, named by the first one (later ones tend to follow from it). */
  async runOrThrow(lines: readonly string[]): Promise<void> {
    const failures = await this.run(lines);
    if (failures.length === 0) return;
    const [first] = failures;
    throw new Error(`ip ${this.family} ${first!.command}: ${first!.message}${failures.length > 1 ? ` (and ${failures.length - 1} more line(s) after it failed)` : ''}`);
  }

  private flush(): void {
    this.flushScheduled = false;
    const batch = this.queued;
    this.queued = [];
    let text = '';
    for (const b of batch) {
      const first = this.lineNo + 1;
      this.lineNo += b.lines.length + 1;
      this.pending.push({ marker: this.lineNo, first, lines: b.lines, failures: [], resolve: b.resolve, reject: b.reject });
      text += b.lines.join('\n') + (b.lines.length > 0 ? '\n' : '') + MARKER + '\n';
    }
    if (text !== '') this.child.stdin.write(text);
  }

  private onStderr(chunk: string): void {
    const lines = (this.partial + chunk).split('\n');
    this.partial = lines.pop()!;
    for (const raw of lines) {
      const text = raw.trim();
      const m = /^Command failed -:(\d+)$/.exec(text);
      if (m === null) {
        if (text !== '') this.said.push(text);
        continue;
      }
      const n = Number(m[1]);
      const message = this.said.join('; ');
      this.said = [];
      while (this.pending.length > 0) {
        const p = this.pending[0]!;
        if (n === p.marker) {
          this.pending.shift();
          p.resolve(p.failures);
          break;
        }
        if (n >= p.first && n < p.marker) {
          p.failures.push({ command: p.lines[n - p.first]!, message: message || 'failed' });
          break;
        }
        // A marker was skipped (cannot happen with -force), settle what is older.
        this.pending.shift();
        p.resolve(p.failures);
      }
    }
  }

  private fail(err: Error): void {
    if (this.dead) return;
    this.dead = err;
    for (const p of this.pending.splice(0)) p.reject(err);
    for (const q of this.queued.splice(0)) q.reject(err);
  }

  async close(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise<void>((r) => this.child.once('exit', () => r()));
    this.dead ??= new IpBatchDiedError('closed');
    this.child.stdin.end();
    await exited;
  }
}
