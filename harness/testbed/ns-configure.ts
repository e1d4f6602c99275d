// Sysctls and link-up inside many namespaces from one process. A sysctl can only be written from
// inside its namespace, and the obvious way in, `ip netns exec`, copies the whole mount table
// for each command: with 1000 namespaces mounted under /run/netns that cost ~7 ms per node,
// and `nsenter ... sh` still ~2.5 ms (two execs per node). A python3 process that setns()es
// into each namespace in turn, writes /proc/sys (which follows the writer's namespace) and sets
// IFF_UP with an ioctl does it all in ~0.5 ms per node, with no process per node.
import { existsSync } from 'node:fs';
import { execa } from 'execa';

export interface NamespaceJob {
  netns: string;
  /** [key with dots, value], written in order. */
  sysctls: [string, string][];
  /** Interfaces to bring up after the sysctls (lo included if wanted). */
  up: string[];
}

const SCRIPT = String.raw`
import ctypes, fcntl, json, os, socket, struct, sys
libc = ctypes.CDLL(None, use_errno=True)
CLONE_NEWNET, SIOCGIFFLAGS, SIOCSIFFLAGS, IFF_UP = 0x40000000, 0x8913, 0x8914, 1
sock = None
for i, job in enumerate(json.load(sys.stdin)):
    step = 'entering the namespace'
    try:
        fd = os.open('/run/netns/' + job['netns'], os.O_RDONLY)
        if libc.setns(fd, CLONE_NEWNET) != 0:
            e = ctypes.get_errno()
            raise OSError(e, os.strerror(e))
        os.close(fd)
        for key, value in job['sysctls']:
            step = 'setting ' + key + '=' + value
            with open('/proc/sys/' + key.replace('.', '/'), 'w') as f:
                f.write(value)
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        for ifname in job['up']:
            step = 'bringing up ' + ifname
            name = ifname.encode()
            flags = struct.unpack('16sH14x', fcntl.ioctl(sock, SIOCGIFFLAGS, struct.pack('16sH14x', name, 0)))[1]
            fcntl.ioctl(sock, SIOCSIFFLAGS, struct.pack('16sH14x', name, flags | IFF_UP))
        sock.close()
    except OSError as e:
        print(json.dumps({'job': i, 'step': step, 'error': e.strerror or str(e)}), file=sys.stderr)
        sys.exit(1)
`;

function python(): string {
  return existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
}

export class NamespaceSetupError extends Error {
  override readonly name = 'NamespaceSetupError';
  constructor(readonly job: NamespaceJob, step: string, error: string) {
    super(`in netns ${job.netns}: ${step}: ${error}`);
  }
}

/** Applies every job (in `parallel` processes); throws NamespaceSetupError for the first that fails. */
export async function configureNamespaces(jobs: NamespaceJob[], parallel = 1): Promise<void> {
  const size = Math.ceil(jobs.length / parallel);
  await Promise.all(Array.from({ length: Math.ceil(jobs.length / size) }, async (_, k) => {
    const part = jobs.slice(k * size, (k + 1) * size);
    const r = await execa(python(), ['-c', SCRIPT], { input: JSON.stringify(part), reject: false });
    if (r.exitCode === 0) return;
    let failure: { job: number; step: string; error: string } | undefined;
    try {
      failure = JSON.parse(r.stderr.trim().split('\n').at(-1) ?? '');
    } catch {
      throw new Error(`configuring namespaces with ${python()} failed (${r.exitCode ?? r.signal}): ${r.stderr.trim() || r.shortMessage}`);
    }
    throw new NamespaceSetupError(part[failure!.job]!, failure!.step, failure!.error);
  }));
}
