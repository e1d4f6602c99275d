// One throwaway VM running one command: kernel, initramfs, qemu, a progress line while it boots,
// the command's output streamed, its exit status returned and what it wrote under its working
// directory copied back. Every run owns a directory under RUN_DIR naming its owner's pid; a run
// killed outright leaves it behind and the next run sweeps it (qemu itself dies with its parent:
// setpriv --pdeathsig).
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { constants, existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { DeferStack, unwindOnSignals } from '../defer.js';
import { buildInitramfs } from './initramfs.js';
import { debianKernel, userKernel, VmUnavailable, type VmKernel } from './kernel.js';
import { chooseAccel, QEMU, qemuArgs, SETPRIV } from './qemu.js';

export const RUN_DIR = '/run/pmip-testbed/vm';
/** busybox-static's binary: the initramfs has no libc to link against. */
export const BUSYBOX = '/bin/busybox';
const SETUP = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'scripts', 'setup.mjs');
/** The lines /init prints on the console (see initramfs.ts). */
const MARKER = 'pmip-vm: ';
const STARTED = 'running the command';

export interface VmOptions {
  cpus: number;
  memoryMiB: number;
  timeoutS: number;
  kernel?: string;
  modules?: string;
  command: string[];
  cwd: string;
  /** Extra environment for the command on top of the host's. */
  env?: Record<string, string>;
}

export interface VmResult {
  /** The command's exit status; null when it did not finish (see failure). */
  exitCode: number | null;
  failure?: string;
  timedOut: boolean;
  bootMs: number | null;
  totalMs: number;
  /** Files copied back under the working directory. */
  copied: string[];
  kernel: VmKernel;
  accel: string;
}

export interface VmIo {
  /** A progress or status line (stderr). */
  say(line: string): void;
  /** The command's output, as it comes. */
  output(chunk: Buffer): void;
  /** Rewritable progress line while booting (a TTY); absent: markers are said as lines. */
  progress?: (line: string) => void;
}

/** Host environment variables that mean nothing in the guest. */
const HOST_ONLY_ENV = /^(SSH_\w+|DISPLAY|WAYLAND_DISPLAY|DBUS_\w+|XDG_RUNTIME_DIR|TMPDIR|INVOCATION_ID|JOURNAL_STREAM|TERM_PROGRAM\w*)$/;

function guestEnv(extra: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v !== undefined && /^[A-Za-z_][A-Za-z0-9_]*$/.test(k) && !HOST_ONLY_ENV.test(k)) env[k] = v;
  }
  return { ...env, ...extra };
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/** Removes what runs whose owner died left behind (their qemu, should it have survived, first). */
export function sweepDeadRuns(): string[] {
  if (!existsSync(RUN_DIR)) return [];
  const swept: string[] = [];
  for (const id of readdirSync(RUN_DIR)) {
    const dir = join(RUN_DIR, id);
    const num = (f: string) => Number(existsSync(join(dir, f)) ? readFileSync(join(dir, f), 'utf8').trim() : NaN);
    const owner = num('owner');
    if (Number.isInteger(owner) && alive(owner)) continue;
    const qemu = num('qemu.pid');
    if (Number.isInteger(qemu) && alive(qemu) && readFileSync(`/proc/${qemu}/comm`, 'utf8').startsWith('qemu')) process.kill(qemu, 'SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    swept.push(id);
  }
  return swept;
}

/** qemu, busybox-static and setpriv; installed by the project's setup (`setup.mjs --vm`) when missing. */
export async function ensureVmTools(say: (m: string) => void): Promise<void> {
  const missing = () => [QEMU, BUSYBOX, SETPRIV].filter((f) => !existsSync(f));
  if (missing().length > 0) await installVmPackages(missing, say);
  // Debian's dynamic `busybox` package installs the same path; the initramfs has no libc for it.
  if (readFileSync(BUSYBOX).subarray(0, 4096).includes('ld-linux')) {
    throw new VmUnavailable(`${BUSYBOX} is dynamically linked (Debian package busybox); the VM's initramfs needs busybox-static`);
  }
}

async function installVmPackages(missing: () => string[], say: (m: string) => void): Promise<void> {
  if (process.getuid?.() !== 0) throw new VmUnavailable(`${missing().join(', ')} missing; run as root so setup can install qemu-system-x86 and busybox-static`);
  say(`installing the VM's packages (node scripts/setup.mjs --vm --packages-only): ${missing().join(', ')} missing`);
  const r = await execa(process.execPath, [SETUP, '--vm', '--packages-only'], { reject: false, stdin: 'ignore', stdout: 'inherit', stderr: 'pipe' });
  if (r.failed || missing().length > 0) throw new VmUnavailable(`qemu-system-x86/busybox-static could not be installed: ${r.stderr.trim().split('\n').at(-1) ?? `setup exited with ${r.exitCode}`}`);
}

/** Unpacks the guest's results (a newc cpio of regular files) under `cwd`; returns their paths. */
async function extract(archive: string, cwd: string): Promise<string[]> {
  const list = await execa(BUSYBOX, ['cpio', '-t'], { inputFile: archive });
  await execa(BUSYBOX, ['cpio', '-i', '-d', '-m', '-u'], { inputFile: archive, cwd });
  return list.stdout.split('\n').filter(Boolean);
}

const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

export async function runInVm(opts: VmOptions, io: VmIo): Promise<VmResult> {
  const t0 = performance.now();
  const swept = sweepDeadRuns();
  if (swept.length > 0) io.say(`vm: removed what ${swept.length} dead run(s) left behind (${swept.join(', ')})`);
  await ensureVmTools(io.say);
  const stack = new DeferStack();
  const stopWatching = unwindOnSignals(stack);
  try {
    const id = randomBytes(4).toString('hex');
    const dir = join(RUN_DIR, id);
    mkdirSync(join(dir, 'out'), { recursive: true });
    stack.defer(`remove ${dir}`, () => rmSync(dir, { recursive: true, force: true }));
    writeFileSync(join(dir, 'owner'), `${process.pid}\n`);

    const kernel = opts.kernel !== undefined
      ? await userKernel(BUSYBOX, opts.kernel, opts.modules)
      : await debianKernel(BUSYBOX, (m) => io.say(`vm: ${m}`));
    const { accel, why } = await chooseAccel(kernel, BUSYBOX, dir, (m) => io.say(`vm: ${m}`));
    const description = `qemu ${why}, ${opts.cpus} vCPUs, ${opts.memoryMiB} MiB, kernel ${kernel.release} (${kernel.origin})`;
    const initrd = join(dir, 'initramfs.img');
    writeFileSync(initrd, buildInitramfs({
      kernel, busybox: BUSYBOX, cwd: opts.cwd, command: opts.command,
      env: guestEnv({ PMIP_VM: description, ...opts.env }),
    }));

    // The console comes through a FIFO (Node's stdio pipes are sockets, which qemu cannot open by
    // path); opened read-write so that opening never blocks and qemu's exit is the only end, and
    // read through a non-blocking socket wrapper so that closing it never waits for a read.
    const consoleFifo = join(dir, 'console');
    await execa('mkfifo', ['-m', '0600', consoleFifo]);
    const consoleStream = new Socket({ fd: openSync(consoleFifo, constants.O_RDWR | constants.O_NONBLOCK), readable: true, writable: false });
    stack.defer('close the console', () => { consoleStream.destroy(); });
    const args = qemuArgs({
      accel, cpus: opts.cpus, memoryMiB: opts.memoryMiB, kernel: kernel.image, initrd,
      console: consoleFifo, output: true, pidFile: join(dir, 'qemu.pid'),
      shares: [{ tag: 'hostroot', path: '/', readonly: true }, { tag: 'out', path: join(dir, 'out'), readonly: false }],
    });
    io.say(`vm: booting ${description}`);
    const qemu = spawn(SETPRIV, ['--pdeathsig', 'KILL', '--', QEMU, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    stack.defer('stop qemu', () => { if (qemu.exitCode === null && qemu.signalCode === null) qemu.kill('SIGKILL'); });
    const exited = new Promise<void>((resolve) => qemu.once('close', () => resolve()));

    let bootMs: number | null = null;
    let stage = 'starting qemu';
    const consoleLines: string[] = [];
    let partial = '';
    consoleStream.on('data', (chunk: Buffer) => {
      const lines = (partial + chunk.toString('utf8')).split('\n');
      partial = lines.pop()!;
      for (const raw of lines) {
        const line = raw.replace(/\r$/, '');
        consoleLines.push(line);
        if (consoleLines.length > 200) consoleLines.shift();
        const at = line.indexOf(MARKER);
        if (at < 0) continue;
        stage = line.slice(at + MARKER.length);
        if (bootMs === null && stage === STARTED) {
          bootMs = performance.now() - t0;
          io.progress?.('');
          io.say(`vm: booted in ${secs(bootMs)}; running: ${opts.command.join(' ')}`);
        } else if (bootMs === null && io.progress === undefined) {
          io.say(`vm: ${secs(performance.now() - t0)}: ${stage}`);
        } else if (bootMs !== null && stage !== STARTED) {
          io.say(`vm: ${stage}`);
        }
      }
    });
    qemu.stdout!.on('data', (chunk: Buffer) => io.output(chunk));
    let qemuErr = '';
    qemu.stderr!.on('data', (chunk: Buffer) => { qemuErr += chunk.toString('utf8'); });

    const ticker = io.progress === undefined ? undefined : setInterval(() => {
      if (bootMs === null) io.progress!(`vm: booting (${accel.toUpperCase()}) ${secs(performance.now() - t0)}: ${stage}`);
    }, 1000);
    let timedOut = false;
    const timer = setTimeout(() => { timedOut = true; qemu.kill('SIGKILL'); }, opts.timeoutS * 1000);
    try {
      await exited;
    } finally {
      clearTimeout(timer);
      if (ticker !== undefined) clearInterval(ticker);
      io.progress?.('');
    }

    const statusFile = join(dir, 'out', 'status');
    const exitCode = existsSync(statusFile) ? Number(readFileSync(statusFile, 'utf8').trim()) : null;
    const results = join(dir, 'out', 'results.cpio');
    const copied = existsSync(results) ? await extract(results, opts.cwd) : [];
    let failure: string | undefined;
    if (exitCode === null) {
      const failed = consoleLines.filter((l) => l.includes(`${MARKER}FAILED`)).map((l) => l.slice(l.indexOf(MARKER) + MARKER.length));
      failure = timedOut ? `the VM was stopped after --timeout ${opts.timeoutS} s (last step: ${stage})`
        : failed.length > 0 ? `the VM could not run the command: ${failed.join('; ')}`
          : `the VM stopped before the command finished (last step: ${stage}${qemuErr.trim() ? `; qemu: ${qemuErr.trim().split('\n').at(-1)}` : ''})`;
      if (!timedOut) {
        const log = join(opts.cwd, 'reports', `vm-${id}-console.log`);
        mkdirSync(dirname(log), { recursive: true });
        writeFileSync(log, consoleLines.join('\n') + '\n');
        failure += `; its console is in ${log}`;
      }
    }
    return { exitCode, failure, timedOut, bootMs, totalMs: performance.now() - t0, copied, kernel, accel: why };
  } finally {
    const failures = await stack.unwind();
    stopWatching();
    for (const f of failures) io.say(`vm: cleanup: ${f}`);
  }
}
