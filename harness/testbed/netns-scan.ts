// Which named namespaces exist, and which processes live in them, read from the file system:
// what `ip netns list` and `ip netns pids` do (the latter compares the inode of /proc/PID/ns/net
// with that of /run/netns/NAME), without an `ip` process per question; with one per namespace,
// tearing down 1000 MNs cost 1000 spawns.
import { readdir, stat } from 'node:fs/promises';

const NETNS_DIR = '/run/netns';

export async function namedNamespaces(): Promise<string[]> {
  try {
    return await readdir(NETNS_DIR);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}

export async function pidsByNetns(names: string[]): Promise<Map<string, number[]>> {
  const result = new Map<string, number[]>();
  const byInode = new Map<string, string>();
  await Promise.all(names.map(async (name) => {
    try {
      const s = await stat(`${NETNS_DIR}/${name}`);
      byInode.set(`${s.dev}:${s.ino}`, name);
      result.set(name, []);
    } catch {
      // Not there (any more): no processes.
    }
  }));
  if (byInode.size === 0) return result;
  const pids = (await readdir('/proc')).filter((e) => /^\d+$/.test(e)).map(Number);
  await Promise.all(pids.map(async (pid) => {
    try {
      const s = await stat(`/proc/${pid}/ns/net`);
      const name = byInode.get(`${s.dev}:${s.ino}`);
      if (name !== undefined) result.get(name)!.push(pid);
    } catch {
      // The process ended meanwhile, or is a kernel thread without namespaces to show.
    }
  }));
  return result;
}
