// Carrier and MTU changes of the MAG's interfaces from one long-lived `ip -o monitor link` process
// (netlink events, not polling).
import { spawn, type ChildProcess } from 'node:child_process';

export interface LinkState { up: boolean; mtu: number }

export interface LinkEvents {
  carrier(iface: string, up: boolean): void;
  mtu(iface: string, mtu: number): void;
}

/**
 * One line of `ip -o monitor link`, e.g. "3: acc1@if2: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 ..."
 * or "Deleted 3: acc1: ...": the interface and its state, or null for anything else.
 */
export function parseLinkLine(l: string): { iface: string; state: LinkState } | null {
  const m = /^(Deleted )?\d+: ([^:@\s]+)[@:]/.exec(l.trim());
  if (m === null) return null;
  const up = m[1] === undefined && /[<,]LOWER_UP[,>]/.test(l) && !/NO-CARRIER/.test(l);
  const mtu = /\smtu (\d+)\s/.exec(l);
  return { iface: m[2]!, state: { up, mtu: mtu === null ? 0 : Number(mtu[1]) } };
}

export class LinkMonitor {
  private readonly child: ChildProcess;
  private readonly state = new Map<string, LinkState>();
  private partial = '';

  constructor(private readonly events: LinkEvents) {
    this.child = spawn('ip', ['-o', 'monitor', 'link'], { stdio: ['ignore', 'pipe', 'ignore'] });
    this.child.stdout!.setEncoding('utf8');
    this.child.stdout!.on('data', (d: string) => {
      const lines = (this.partial + d).split('\n');
      this.partial = lines.pop()!;
      for (const l of lines) this.line(l);
    });
    this.child.on('error', () => undefined);
  }

  /** Watches `iface` from its current state, which is not reported (called at start-up). */
  watch(iface: string, now: LinkState): void { this.state.set(iface, now); }

  private line(l: string): void {
    const p = parseLinkLine(l);
    if (p === null) return;
    const old = this.state.get(p.iface);
    if (old === undefined) return;
    const mtu = p.state.mtu === 0 ? old.mtu : p.state.mtu;
    this.state.set(p.iface, { up: p.state.up, mtu });
    if (old.up !== p.state.up) this.events.carrier(p.iface, p.state.up);
    if (old.mtu !== mtu) this.events.mtu(p.iface, mtu);
  }

  close(): void { this.child.kill('SIGTERM'); }
}
