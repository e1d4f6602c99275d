// Carrier changes of the access interfaces from one long-lived `ip -o monitor link` process
// (netlink events, not polling).
import { spawn, type ChildProcess } from 'node:child_process';

export class LinkMonitor {
  private readonly child: ChildProcess;
  private readonly state = new Map<string, boolean>();
  private partial = '';

  constructor(private readonly watched: ReadonlySet<string>, private readonly onChange: (iface: string, up: boolean) => void) {
    this.child = spawn('ip', ['-o', 'monitor', 'link'], { stdio: ['ignore', 'pipe', 'ignore'] });
    this.child.stdout!.setEncoding('utf8');
    this.child.stdout!.on('data', (d: string) => {
      const lines = (this.partial + d).split('\n');
      this.partial = lines.pop()!;
      for (const l of lines) this.line(l);
    });
    this.child.on('error', () => undefined);
  }

  /** Records the current carrier without reporting it (called at start-up). */
  seed(iface: string, up: boolean): void { this.state.set(iface, up); }

  private line(l: string): void {
    // "3: acc1@if2: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 ..." or "Deleted 3: acc1: ..."
    const m = /^(Deleted )?\d+: ([^:@\s]+)[@:]/.exec(l.trim());
    if (m === null || !this.watched.has(m[2]!)) return;
    const iface = m[2]!;
    const up = m[1] === undefined && /[<,]LOWER_UP[,>]/.test(l) && !/NO-CARRIER/.test(l);
    if (this.state.get(iface) === up) return;
    this.state.set(iface, up);
    this.onChange(iface, up);
  }

  close(): void { this.child.kill('SIGTERM'); }
}
