// `pmip-testbed vm [options] -- COMMAND...`: COMMAND in a throwaway VM booting a distribution
// kernel (harness/vm/), with its output streamed and its results left on the host.
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseCommandArgs, UsageError } from './args.js';
import { VmUnavailable } from '../vm/kernel.js';
import { runInVm, type VmIo, type VmOptions } from '../vm/run-vm.js';

const HELP = `usage: pmip-testbed vm [--cpus N] [--memory MIB] [--timeout S] [--kernel FILE --modules DIR] -- COMMAND...

Runs COMMAND in a throwaway qemu VM booting Debian's stock kernel (linux-image-amd64: ip6tnl,
IPv6 ESP, Mobile IPv6), whatever kernel this host runs. The guest's root file system is this
host's, read-only, under a tmpfs overlay; COMMAND runs as root in the current directory, which
is the same path in the guest. What COMMAND writes under that directory (reports, captures,
logs; not node_modules/, dist/ or .git/, and no sockets or other special files) is copied back
here when it ends. Nothing else the guest writes survives it. No network card.

First use installs qemu-system-x86 and busybox-static (Debian packages) and downloads the kernel
with apt-get download into /var/cache/pmip-testbed/ (unpacked there, never installed into /boot).
KVM is used when a tiny guest really boots under it (probed once, cached); TCG otherwise.

options:
  --cpus N           virtual CPUs (default: this machine's, at most 4)
  --memory MIB       guest memory (default 4096; the overlay's writes live in it too)
  --timeout S        stop the VM after S seconds (default 3600)
  --kernel FILE      boot this kernel image instead of Debian's
  --modules DIR      its modules (lib/modules/<release>; a modules.dep is written when missing)
  -h, --help         this text

examples:
  sudo npx pmip-testbed vm -- npx pmip-testbed run
  sudo npx pmip-testbed vm --cpus 2 -- npm test

exit status: COMMAND's; 124 when --timeout stopped it; 125 when the VM failed before COMMAND
ended; 77 when no VM can run here (a missing package or file, named); 2 on a usage error.
`;

const OPTIONS = {
  cpus: { type: 'string' }, memory: { type: 'string' }, timeout: { type: 'string' },
  kernel: { type: 'string' }, modules: { type: 'string' },
} as const;

export const EXIT_TIMEOUT = 124;
export const EXIT_VM_FAILED = 125;
export const EXIT_UNAVAILABLE = 77;

function positiveInt(v: string | undefined, name: string, def: number): number {
  if (v === undefined) return def;
  if (!/^\d+$/.test(v) || Number(v) < 1) throw new UsageError(`--${name} must be a positive integer, not '${v}'`, HELP);
  return Number(v);
}

/** The options of `vm` before `--` (or all of argv if there is none) and the command after it. */
export function splitCommand(argv: string[]): { options: string[]; command: string[] } {
  const at = argv.indexOf('--');
  return at < 0 ? { options: argv, command: [] } : { options: argv.slice(0, at), command: argv.slice(at + 1) };
}

export function vmOptions(values: Record<string, string | undefined>, command: string[]): VmOptions {
  return {
    cpus: positiveInt(values.cpus, 'cpus', Math.min(4, availableParallelism())),
    memoryMiB: positiveInt(values.memory, 'memory', 4096),
    timeoutS: positiveInt(values.timeout, 'timeout', 3600),
    kernel: values.kernel, modules: values.modules,
    command, cwd: process.cwd(),
  };
}

export function terminalIo(): VmIo {
  const tty = process.stderr.isTTY;
  return {
    say: (line) => process.stderr.write(`${line}\n`),
    output: (chunk) => process.stdout.write(chunk),
    progress: tty ? (line) => process.stderr.write(`\r\x1b[K${line}`) : undefined,
  };
}

/** Runs `opts` and turns the result into an exit status, saying what happened. */
export async function vmExitStatus(opts: VmOptions, io: VmIo): Promise<number> {
  try {
    const r = await runInVm(opts, io);
    if (r.copied.length > 0) io.say(`vm: copied ${r.copied.length} file(s) back under ${opts.cwd}`);
    const boot = r.bootMs === null ? 'did not boot' : `boot ${(r.bootMs / 1000).toFixed(1)} s`;
    if (r.exitCode !== null) {
      io.say(`vm: command exited with ${r.exitCode} (${boot}, total ${(r.totalMs / 1000).toFixed(1)} s, ${r.accel})`);
      return r.exitCode;
    }
    io.say(`vm: ERROR: ${r.failure}`);
    return r.timedOut ? EXIT_TIMEOUT : EXIT_VM_FAILED;
  } catch (err) {
    if (err instanceof VmUnavailable) {
      io.say(`vm: SKIPPED: no VM can run on this machine: ${err.message}`);
      return EXIT_UNAVAILABLE;
    }
    throw err;
  }
}

/** `pmip-testbed SUBCOMMAND ARGV…` again, inside a VM (`run --vm`, `fuzz --vm`); what it writes here is copied back. */
export function subcommandInVm(subcommand: string, argv: string[]): Promise<number> {
  const cli = fileURLToPath(new URL('./main.js', import.meta.url));
  return vmExitStatus(vmOptions({}, [process.execPath, cli, subcommand, ...argv]), terminalIo());
}

export async function main(argv: string[]): Promise<number> {
  const { options, command } = splitCommand(argv);
  const parsed = parseCommandArgs(options, OPTIONS, HELP);
  if (parsed === null) return 0;
  if (parsed.positionals.length > 0) throw new UsageError(`put the command after '--': pmip-testbed vm [options] -- ${parsed.positionals.join(' ')}`, HELP);
  if (command.length === 0) throw new UsageError('no command: pmip-testbed vm [options] -- COMMAND...', HELP);
  if (parsed.values.modules !== undefined && parsed.values.kernel === undefined) throw new UsageError('--modules goes with --kernel', HELP);
  return vmExitStatus(vmOptions(parsed.values, command), terminalIo());
}
