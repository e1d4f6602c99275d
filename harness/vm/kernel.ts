// The guest kernel: Debian's stock `linux-image-amd64` (it has ip6tnl, IPv6 ESP, MIP6, 9p and
// overlayfs, as modules), fetched with `apt-get download` and unpacked into a cache directory,
// never installed into the host's /boot; or any kernel the user names with --kernel/--modules.
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { execa } from 'execa';

export const CACHE_DIR = '/var/cache/pmip-testbed';
const META_PACKAGE = 'linux-image-amd64';

export interface VmKernel {
  /** The bzImage qemu boots. */
  image: string;
  /** lib/modules/<release> of that kernel, with modules.dep (the guest's modprobe reads it). */
  modulesDir: string;
  /** uname -r inside the guest. */
  release: string;
  /** Where it came from, for the report: "Debian linux-image-6.1.0-50-amd64" or a path. */
  origin: string;
}

/** The VM cannot run on this machine (a package, a file or a tool is missing): a named skip. */
export class VmUnavailable extends Error {
  override readonly name = 'VmUnavailable';
}

async function tool(cmd: string, args: string[], what: string, cwd?: string): Promise<string> {
  const r = await execa(cmd, args, { cwd, reject: false, stdin: 'ignore', env: { DEBIAN_FRONTEND: 'noninteractive' } });
  if (r.failed) throw new VmUnavailable(`${what}: \`${cmd} ${args.join(' ')}\` ${r.exitCode === undefined ? `could not run (${r.shortMessage})` : `exited with ${r.exitCode}`}${r.stderr.trim() ? `: ${r.stderr.trim().split('\n').slice(-3).join(' / ')}` : ''}`);
  return r.stdout;
}

/** The versioned package the meta package depends on today, e.g. linux-image-6.1.0-50-amd64. */
async function currentImagePackage(): Promise<string> {
  const find = async () => /Depends: (linux-image-[^\s<>]+)/.exec(await tool('apt-cache', ['depends', META_PACKAGE], `looking up ${META_PACKAGE}`))?.[1];
  let pkg = await find().catch(() => undefined);
  if (pkg === undefined) {
    await tool('apt-get', ['update'], 'updating the Debian package lists');
    pkg = await find();
  }
  if (pkg === undefined) throw new VmUnavailable(`${META_PACKAGE} names no kernel package (apt-cache depends ${META_PACKAGE})`);
  return pkg;
}

/** release -> its lib/modules directory inside an unpacked tree. */
function releaseIn(root: string): string {
  const dirs = existsSync(join(root, 'lib/modules')) ? readdirSync(join(root, 'lib/modules')) : [];
  if (dirs.length !== 1) throw new VmUnavailable(`${root}/lib/modules holds ${dirs.length} kernel releases, expected 1`);
  return dirs[0]!;
}

/** Writes modules.dep/modules.alias with busybox's depmod (the host need not have kmod). */
export async function depmod(busybox: string, baseDir: string, release: string): Promise<void> {
  await tool(busybox, ['depmod', '-b', baseDir, release], `indexing the modules of ${release}`);
}

/** Debian's current stock kernel, downloaded and unpacked once into CACHE_DIR/kernels/<package>. */
export async function debianKernel(busybox: string, say: (msg: string) => void): Promise<VmKernel> {
  const pkg = await currentImagePackage();
  const dir = join(CACHE_DIR, 'kernels', pkg);
  const done = join(dir, '.complete');
  if (!existsSync(done)) {
    mkdirSync(join(CACHE_DIR, 'kernels'), { recursive: true });
    rmSync(dir, { recursive: true, force: true });
    const tmp = await mkdtemp(join(CACHE_DIR, 'kernels', '.fetch-'));
    try {
      say(`downloading ${pkg} (apt-get download) into ${CACHE_DIR}`);
      await tool('apt-get', ['download', pkg], `downloading ${pkg}`, tmp);
      const deb = readdirSync(tmp).find((f) => f.endsWith('.deb'));
      if (deb === undefined) throw new VmUnavailable(`apt-get download ${pkg} left no .deb in ${tmp}`);
      const root = join(tmp, 'root');
      await tool('dpkg-deb', ['-x', join(tmp, deb), root], `unpacking ${deb}`);
      await depmod(busybox, root, releaseIn(root));
      writeFileSync(join(root, '.complete'), `${deb}\n`);
      renameSync(root, dir);
      // Debian replaced the kernel: the older ones are never booted again.
      for (const old of readdirSync(join(CACHE_DIR, 'kernels'))) {
        if (old !== pkg && !old.startsWith('.')) rmSync(join(CACHE_DIR, 'kernels', old), { recursive: true, force: true });
      }
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  }
  const release = releaseIn(dir);
  return { image: join(dir, 'boot', `vmlinuz-${release}`), modulesDir: join(dir, 'lib/modules', release), release, origin: `Debian ${pkg}` };
}

/** A kernel the user names; its modules (DIR = lib/modules/<release>) get a modules.dep if they lack one. */
export async function userKernel(busybox: string, image: string, modulesDir: string | undefined): Promise<VmKernel> {
  if (!existsSync(image)) throw new VmUnavailable(`--kernel ${image}: no such file`);
  if (modulesDir === undefined) {
    throw new VmUnavailable(`--kernel ${image} needs --modules DIR (its lib/modules/<release>): the guest mounts its root file system with 9p, virtio and overlay modules`);
  }
  if (!existsSync(modulesDir)) throw new VmUnavailable(`--modules ${modulesDir}: no such directory`);
  const release = basename(modulesDir);
  if (!existsSync(join(modulesDir, 'modules.dep'))) await depmod(busybox, join(modulesDir, '../../..'), release);
  return { image, modulesDir, release, origin: image };
}
