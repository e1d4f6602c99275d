// ECN on tunnel exit (RFC 5213 §5.6.3, RFC 6040 §4.2) for the seg6 back-end. seg6local End.DX6
// strips the outer header without looking at its ECN field (measured on Linux 6.18: an outer CE
// over an ECT(0) inner packet reached the access link as ECT(0); the data-plane case's FWD-07).
// An nftables rule at prerouting, before the route lookup that hands the packet to End.DX6, does
// what ip6tnl's decapsulation (INET_ECN_decapsulate) and pmipd's tun engine do: an outer CE over a
// Not-ECT inner packet is dropped, over an ECT one it marks the inner packet CE. Only the first
// header chain pmipd's own peers send is matched (next header 41 right after the outer header).
import { execFile } from 'node:child_process';

/** The inner header's ECN field: bits 330-331 from the outer IPv6 header (octet 41, mask 0x30). */
const INNER_ECN = '@nh,330,2';
const TABLE = 'pmipd_ecn';

function nft(script: string, args: string[] = []): Promise<string | null> {
  return new Promise((resolve) => {
    const child = execFile('nft', [...args, '-f', '-'], (err, _out, stderr) => {
      if (err === null) resolve(null);
      else resolve((stderr.trim().split('\n')[0] || err.message) + ((err as NodeJS.ErrnoException).code === 'ENOENT' ? ' (nft, Debian package nftables, is not installed)' : ''));
    });
    child.stdin?.end(script);
  });
}

function ruleset(local: string): string {
  const match = `ip6 daddr ${local} ip6 nexthdr 41 ip6 ecn ce`;
  return [
    `table ip6 ${TABLE} {`,
    '  chain tunnel_exit {',
    '    type filter hook prerouting priority raw; policy accept;',
    `    ${match} ${INNER_ECN} 0 drop`,
    `    ${match} ${INNER_ECN} set 3`,
    '  }',
    '}',
  ].join('\n') + '\n';
}

/** Null when this namespace's nftables could take the rule (checked, not applied), else why not. */
export function probeEcnExit(): Promise<string | null> {
  return nft(ruleset('::1'), ['--check']);
}

/** The rule for tunnel packets to `local`, in place until stop(). */
export class EcnExitRule {
  private installed = false;

  constructor(private readonly local: string) {}

  async start(): Promise<void> {
    // Quietly: a pmipd that ended without its clean-up left the table.
    await nft(`delete table ip6 ${TABLE}\n`);
    const why = await nft(ruleset(this.local));
    if (why !== null) throw new Error(`nftables rule for ECN on tunnel exit (RFC 6040) failed: ${why}`);
    this.installed = true;
  }

  async stop(): Promise<string | null> {
    if (!this.installed) return null;
    this.installed = false;
    return nft(`delete table ip6 ${TABLE}\n`);
  }
}
