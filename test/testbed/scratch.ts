// Scratch resources for the testbed's own tests: namespaces named pt-test-<pid>-<n>, temp
// directories, veth links. Everything is undone in reverse order by cleanup(), which also fails
// the test when a process was left behind in a namespace.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeferStack } from '../../harness/defer.js';
import { ipBatch, netnsPids, nsExec } from '../../harness/netns.js';
import { pollUntil } from '../../harness/poll.js';

let count = 0;

export class Scratch {
  private readonly stack = new DeferStack();

  async netns(): Promise<string> {
    const name = `pt-test-${process.pid}-${count++}`;
    await nsExec(null, 'ip', ['netns', 'add', name]);
    this.stack.defer(`delete netns ${name}`, async () => {
      const left = await netnsPids(name);
      for (const pid of left) process.kill(pid, 'SIGKILL');
      await nsExec(null, 'ip', ['netns', 'del', name]);
      if (left.length > 0) throw new Error(`processes left behind in ${name}: ${left.join(' ')}`);
    });
    return name;
  }

  tmpDir(): string {
    const dir = mkdtempSync(join(tmpdir(), 'pt-test-'));
    this.stack.defer(`remove ${dir}`, () => rmSync(dir, { recursive: true, force: true }));
    return dir;
  }

  /** A veth link a<->b with 2001:db8:ff::1/64 and ::2 (no DAD), resolved once both ends have carrier. */
  async vethPair(a: string, b: string): Promise<{ ifA: string; ifB: string; addrA: string; addrB: string }> {
    const link = { ifA: 'pta', ifB: 'ptb', addrA: '2001:db8:ff::1', addrB: '2001:db8:ff::2' };
    await ipBatch([`link add name ${link.ifA} type veth peer name ${link.ifB} netns ${b}`,
      `addr add ${link.addrA}/64 dev ${link.ifA} nodad`, `link set ${link.ifA} up`], { netns: a });
    await ipBatch([`addr add ${link.addrB}/64 dev ${link.ifB} nodad`, `link set ${link.ifB} up`], { netns: b });
    for (const [ns, ifname] of [[a, link.ifA], [b, link.ifB]] as const) {
      await pollUntil(async () => {
        const { stdout } = await nsExec(ns, 'ip', ['-j', 'link', 'show', 'dev', ifname]);
        const state = (JSON.parse(stdout) as { operstate: string }[])[0]?.operstate;
        return state === 'UP' || { pending: `${ifname} in ${ns} is ${state}` };
      }, { what: `carrier on ${ifname} in ${ns}`, timeoutMs: 3000 });
    }
    return link;
  }

  async cleanup(): Promise<void> {
    const failures = await this.stack.unwind();
    if (failures.length > 0) throw new Error(`cleanup failed:\n  ${failures.join('\n  ')}`);
  }
}
