// The guest's initramfs, built at every run (it carries the command line): busybox-static, the
// few modules needed to reach the root file system (virtio, 9p, overlay), a config file and
// /init. /init mounts the host's root read-only over 9p under a tmpfs overlay, loads the modules
// the testbed needs from the same kernel's tree (reached through that share), runs the command in
// a chroot on the overlay, copies what it wrote under its working directory to the output share,
// writes its exit status there and powers off. Design after virtme-ng (not installable here).
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { cpioNewc, DIR, FILE, type CpioEntry } from './cpio.js';
import { VmUnavailable, type VmKernel } from './kernel.js';

/** Modules /init loads before it can see the root file system (none are built into Debian's kernel). */
export const ROOT_MODULES = ['virtio_pci', 'virtio-rng', '9pnet_virtio', '9p', 'overlay'];
/**
 * Loaded from the root's module tree before the command: what the testbed and IUTs use (bridges,
 * veth, TUN, the ip6tnl data plane, IPv6 ESP/AH and the MIP6 XFRM types, seg6, tc). Anything else
 * still loads on demand (the kernel calls busybox's modprobe).
 */
export const PRELOAD_MODULES = [
  'bridge', 'veth', 'tun', 'ip6_tunnel', 'esp6', 'ah6', 'xfrm6_tunnel', 'xfrm_user', 'xfrm_ipcomp', 'ipcomp6',
  'sch_netem', 'sch_htb', 'sch_tbf', 'cls_u32', 'act_mirred', 'sch_ingress', 'cls_bpf', 'dummy',
];
/** Under the working directory, never copied back: they are rebuilt in the guest and are not results. */
export const NOT_COPIED_BACK = ['node_modules', 'dist', '.git'];

/** Quotes one word for a POSIX shell. */
export function shQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** "kernel/fs/9p/9p.ko" -> "9p"; the name modprobe and insmod error messages use. */
const moduleName = (path: string) => basename(path).replace(/\.ko(\.\w+)?$/, '');

/** The module files of `wanted` and their dependencies, dependencies first (modules.dep order). */
export function moduleLoadOrder(modulesDep: string, wanted: readonly string[]): string[] {
  const deps = new Map<string, string[]>();
  const byName = new Map<string, string>();
  for (const line of modulesDep.split('\n')) {
    const m = /^([^:]+):\s*(.*)$/.exec(line.trim());
    if (!m) continue;
    deps.set(m[1]!, m[2]!.split(/\s+/).filter(Boolean));
    byName.set(moduleName(m[1]!).replace(/-/g, '_'), m[1]!);
  }
  const order: string[] = [];
  const visit = (path: string) => {
    if (order.includes(path)) return;
    for (const d of deps.get(path) ?? []) visit(d);
    order.push(path);
  };
  for (const name of wanted) {
    const path = byName.get(name.replace(/-/g, '_'));
    if (path === undefined) throw new VmUnavailable(`the guest kernel has no module ${name} (not in modules.dep); a kernel with it built in needs no module, but this one has neither`);
    visit(path);
  }
  return order;
}

export interface GuestPlan {
  kernel: VmKernel;
  busybox: string;
  /** Absolute working directory, on the host and in the guest alike. */
  cwd: string;
  command: string[];
  env: Record<string, string>;
}

const INIT = String.raw`#!/bin/busybox sh
/bin/busybox mkdir -p /bin /sbin /usr/bin /usr/sbin /proc /sys /dev /lower /ovl /newroot /out
/bin/busybox --install -s
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
say() { echo "pmip-vm: $*" > /dev/ttyS0; }
die() { say "FAILED: $*"; poweroff -f; }
. /pmip-vm.conf
say "loading the root file system's modules"
for m in $ROOT_MODULES; do insmod "/modules/$m" || die "insmod $m"; done
say "mounting the host's root file system (9p, read-only) under a tmpfs overlay"
mount -t 9p -o trans=virtio,version=9p2000.L,ro,msize=512000,cache=loose hostroot /lower || die "mounting the host's root over 9p"
mount -t tmpfs -o mode=0755 tmpfs /ovl || die "tmpfs for the overlay"
mkdir /ovl/upper /ovl/work
mount -t overlay -o lowerdir=/lower,upperdir=/ovl/upper,workdir=/ovl/work overlay /newroot || die "overlay on the host's root"
mount -t 9p -o trans=virtio,version=9p2000.L out /out || die "mounting the output share"
mkdir -p "/lib/modules/$RELEASE"
mount --bind "/lower$MODULES" "/lib/modules/$RELEASE" || die "the kernel's modules at /lower$MODULES"
echo /sbin/modprobe > /proc/sys/kernel/modprobe
say "loading modules: $PRELOAD"
for m in $PRELOAD; do modprobe "$m" 2>/dev/null || say "module $m: not available"; done
R=/newroot
mount -t proc proc $R/proc
mount -t sysfs sysfs $R/sys
mount -t cgroup2 cgroup2 $R/sys/fs/cgroup 2>/dev/null
mount -t devtmpfs devtmpfs $R/dev
mkdir -p $R/dev/pts $R/dev/shm
mount -t devpts devpts $R/dev/pts
mount -t tmpfs -o mode=1777 tmpfs $R/dev/shm
mount -t tmpfs -o mode=0755 tmpfs $R/run
mkdir -p "$R/lib/modules/$RELEASE"
mount --bind "/lib/modules/$RELEASE" "$R/lib/modules/$RELEASE"
hostname pmip-vm
ip link set lo up
stty -F /dev/ttyS1 raw -echo
say "running the command"
run_command </dev/null >/dev/ttyS1 2>&1
rc=$?
say "command exited with $rc; copying its results"
sync
if cd "/ovl/upper$CWD" 2>/dev/null; then
  find . \( $PRUNE \) -prune -o -type f -print > /ovl/results.list
  if [ -s /ovl/results.list ]; then
    cpio -o -H newc < /ovl/results.list > /out/results.cpio 2>/ovl/cpio.err || say "FAILED: copying the results: $(tail -1 /ovl/cpio.err)"
  fi
fi
echo "$rc" > /out/status
sync
umount /out
poweroff -f
`;

function conf(plan: GuestPlan, rootModuleFiles: string[]): string {
  const env = Object.entries(plan.env).map(([k, v]) => shQuote(`${k}=${v}`)).join(' ');
  const argv = plan.command.map(shQuote).join(' ');
  const prune = NOT_COPIED_BACK.map((d) => `-path ./${d}`).join(' -o ');
  return [
    `ROOT_MODULES=${shQuote(rootModuleFiles.map((f) => basename(f)).join(' '))}`,
    `PRELOAD=${shQuote(PRELOAD_MODULES.join(' '))}`,
    `RELEASE=${shQuote(plan.kernel.release)}`,
    `MODULES=${shQuote(plan.kernel.modulesDir)}`,
    `CWD=${shQuote(plan.cwd)}`,
    `PRUNE=${shQuote(prune)}`,
    // cd inside the chroot, then exec the command with exactly the given environment.
    `run_command() { chroot /newroot /usr/bin/env -i ${env} /bin/sh -c 'cd "$1" && shift && exec "$@"' sh ${shQuote(plan.cwd)} ${argv}; }`,
    '',
  ].join('\n');
}

/** The gzipped cpio archive for `plan`. */
export function buildInitramfs(plan: GuestPlan): Buffer {
  const dep = readFileSync(join(plan.kernel.modulesDir, 'modules.dep'), 'utf8');
  const modules = moduleLoadOrder(dep, ROOT_MODULES);
  const entries: CpioEntry[] = [
    { path: 'bin', mode: DIR | 0o755 },
    { path: 'bin/busybox', mode: FILE | 0o755, data: readFileSync(plan.busybox) },
    { path: 'init', mode: FILE | 0o755, data: Buffer.from(INIT) },
    { path: 'pmip-vm.conf', mode: FILE | 0o644, data: Buffer.from(conf(plan, modules)) },
    { path: 'modules', mode: DIR | 0o755 },
    ...modules.map((m): CpioEntry => ({ path: `modules/${basename(m)}`, mode: FILE | 0o644, data: readFileSync(join(plan.kernel.modulesDir, m)) })),
  ];
  return gzipSync(cpioNewc(entries), { level: 1 });
}

/** A minimal initramfs proving a boot: prints `marker` on the console and powers off (KVM probe). */
export function probeInitramfs(busybox: string, marker: string): Buffer {
  return gzipSync(cpioNewc([
    { path: 'bin', mode: DIR | 0o755 },
    { path: 'bin/busybox', mode: FILE | 0o755, data: readFileSync(busybox) },
    { path: 'init', mode: FILE | 0o755, data: Buffer.from(`#!/bin/busybox sh\n/bin/busybox mount -t devtmpfs d /dev\n/bin/busybox echo ${marker} > /dev/ttyS0\n/bin/busybox poweroff -f\n`) },
  ]), { level: 1 });
}
