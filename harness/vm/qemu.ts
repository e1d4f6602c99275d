// qemu-system-x86_64 command lines, and the choice between KVM and TCG. /dev/kvm can exist and
// still be unusable (on the CI machines guests fail under it: "failed to set MSR 0x10a", or hang
// after "Probing EDD"), so KVM is used only after a tiny guest has booted under it; the answer is
// cached per host kernel, CPU and qemu (what decides it), not per guest kernel.
import { constants, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { access } from 'node:fs/promises';
import { release } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { CACHE_DIR, type VmKernel } from './kernel.js';
import { probeInitramfs } from './initramfs.js';

export const QEMU = '/usr/bin/qemu-system-x86_64';
/** pdeathsig: qemu dies with the harness even on SIGKILL (util-linux setpriv execs qemu). */
export const SETPRIV = '/usr/bin/setpriv';

export type Accel = 'kvm' | 'tcg';

export interface Share { tag: string; path: string; readonly: boolean }

export interface QemuSpec {
  accel: Accel;
  cpus: number;
  memoryMiB: number;
  kernel: string;
  initrd: string;
  /** ttyS0, kernel and /init messages: a file (or FIFO) path. */
  console: string;
  /** ttyS1: the command's output on qemu's stdout; false for the probe. */
  output: boolean;
  shares: Share[];
  pidFile?: string;
}

/** Kernel command line: console on ttyS0, no reboot loop on a panic, quiet enough to keep TCG boots short. */
export const KERNEL_APPEND = 'console=ttyS0 rdinit=/init panic=-1 quiet loglevel=3 mitigations=off';

export function qemuArgs(s: QemuSpec): string[] {
  const args = [
    '-nodefaults', '-no-user-config', '-no-reboot', '-display', 'none',
    '-machine', `q35,accel=${s.accel}`, '-cpu', s.accel === 'kvm' ? 'host' : 'max',
    '-smp', String(s.cpus), '-m', `${s.memoryMiB}M`,
    '-kernel', s.kernel, '-initrd', s.initrd, '-append', KERNEL_APPEND,
    '-chardev', `file,id=console,path=${s.console}`, '-serial', 'chardev:console',
    // No network card: the suite builds its networks inside the guest.
    '-nic', 'none',
    '-device', 'virtio-rng-pci',
  ];
  if (s.output) args.push('-chardev', 'stdio,id=output,signal=off', '-serial', 'chardev:output');
  for (const sh of s.shares) {
    args.push('-fsdev', `local,id=${sh.tag},path=${sh.path},security_model=none,multidevs=remap${sh.readonly ? ',readonly=on' : ''}`,
      '-device', `virtio-9p-pci,fsdev=${sh.tag},mount_tag=${sh.tag}`);
  }
  if (s.pidFile !== undefined) args.push('-pidfile', s.pidFile);
  return args;
}

const KVM_MARKER = 'pmip-kvm-probe-ok';
const PROBE_TIMEOUT_MS = 60_000;

async function qemuVersion(): Promise<string> {
  const r = await execa(QEMU, ['--version'], { reject: false });
  return r.stdout.split('\n')[0] ?? 'unknown';
}

function cpuModel(): string {
  return /model name\s*:\s*(.*)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? 'unknown';
}

interface AccelCache { key: string; accel: Accel; why: string }

/** KVM when a tiny guest boots under it, TCG otherwise; `why` says which and why, for the report. */
export async function chooseAccel(kernel: VmKernel, busybox: string, runDir: string, say: (m: string) => void): Promise<{ accel: Accel; why: string }> {
  try {
    await access('/dev/kvm', constants.R_OK | constants.W_OK);
  } catch {
    return { accel: 'tcg', why: 'TCG (no usable /dev/kvm)' };
  }
  const key = [await qemuVersion(), release(), cpuModel()].join(' | ');
  const cacheFile = join(CACHE_DIR, 'accel.json');
  if (existsSync(cacheFile)) {
    try {
      const c = JSON.parse(readFileSync(cacheFile, 'utf8')) as AccelCache;
      if (c.key === key) return { accel: c.accel, why: c.why };
    } catch { /* rewritten below */ }
  }
  say('probing KVM with a tiny boot (once per machine; the answer is cached)');
  const initrd = join(runDir, 'kvm-probe.img');
  const console = join(runDir, 'kvm-probe.console');
  writeFileSync(initrd, probeInitramfs(busybox, KVM_MARKER));
  writeFileSync(console, '');
  const r = await execa(SETPRIV, ['--pdeathsig', 'KILL', '--', QEMU, ...qemuArgs({ accel: 'kvm', cpus: 1, memoryMiB: 256, kernel: kernel.image, initrd, console, output: false, shares: [] })],
    { reject: false, timeout: PROBE_TIMEOUT_MS, stdin: 'ignore' });
  const booted = readFileSync(console, 'utf8').includes(KVM_MARKER);
  const reason = booted ? '' : r.timedOut ? `a tiny guest did not boot in ${PROBE_TIMEOUT_MS / 1000} s` : (r.stderr.trim().split('\n').at(-1) ?? `qemu exited with ${r.exitCode}`);
  const result: AccelCache = booted ? { key, accel: 'kvm', why: 'KVM' } : { key, accel: 'tcg', why: `TCG (/dev/kvm is unusable: ${reason})` };
  writeFileSync(cacheFile, JSON.stringify(result, null, 2) + '\n');
  return { accel: result.accel, why: result.why };
}
