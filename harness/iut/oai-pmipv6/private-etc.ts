// Runs a command with files of ours laid over /etc, visible to that command only: OAI's mip6d
// reads its MN authorisation from the hard-coded /etc/pmip/mac-mapping.auth, and the host's /etc
// must never be written (nor need a /etc/pmip to bind-mount onto). Started as
//   unshare --mount --propagation private -- node private-etc.js SCRATCH REL=FILE... -- CMD ARGS...
// it mounts a tmpfs on SCRATCH (a directory of the run), copies each FILE to REL under it, lays
// it over /etc as the upper layer of an overlay, then runs CMD and ends as CMD ends (a signal
// it gets is passed on). The mounts live in this process's own mount namespace and vanish with it.
import { execFileSync, spawn } from 'node:child_process';
import { copyFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';

function fail(msg: string): never {
  process.stderr.write(`private-etc: ${msg}\n`);
  process.exit(127);
}

const argv = process.argv.slice(2);
const sep = argv.indexOf('--');
if (sep < 2 || sep === argv.length - 1) fail('usage: private-etc.js SCRATCH REL=FILE... -- CMD [ARGS...]');
const [scratch, ...files] = argv.slice(0, sep);
const [cmd, ...args] = argv.slice(sep + 1);

try {
  mkdirSync(scratch!, { recursive: true });
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'mode=0755', 'tmpfs', scratch!], { stdio: 'inherit' });
  const upper = join(scratch!, 'upper');
  const work = join(scratch!, 'work');
  mkdirSync(upper);
  mkdirSync(work);
  for (const f of files) {
    const eq = f.indexOf('=');
    const rel = f.slice(0, eq);
    if (eq < 1 || rel.startsWith('/') || rel.split('/').includes('..')) fail(`bad REL=FILE argument '${f}'`);
    mkdirSync(dirname(join(upper, rel)), { recursive: true });
    copyFileSync(f.slice(eq + 1), join(upper, rel));
  }
  execFileSync('mount', ['-t', 'overlay', 'overlay', '-o', `lowerdir=/etc,upperdir=${upper},workdir=${work}`, '/etc'], { stdio: 'inherit' });
} catch (err) {
  fail(`cannot lay files over /etc: ${(err as Error).message}`);
}

const child = spawn(cmd!, args, { stdio: 'inherit' });
child.on('error', (err) => fail(`${cmd}: ${err.message}`));
for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.on(sig, () => { child.kill(sig); });
child.on('exit', (code, signal) => {
  if (signal !== null) {
    process.removeAllListeners(signal);
    process.kill(process.pid, signal);
  } else process.exit(code ?? 1);
});
