// `pmip-testbed vm` booting real VMs (about 15-30 s each under TCG): run by .ci/run's VM part
// (`mocha dist/test/vm-boot/*.boot.js`), not by `npm test`. Skipped, by name, where no VM can run.
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { pollUntil } from '../../harness/poll.js';
import { vmDescription } from '../../harness/vm/guest.js';
import { QEMU } from '../../harness/vm/qemu.js';
import { RUN_DIR } from '../../harness/vm/run-vm.js';

const CLI = fileURLToPath(new URL('../../harness/cli/main.js', import.meta.url));

async function qemuPids(): Promise<number[]> {
  const r = await execa('pgrep', ['-x', 'qemu-system-x86'], { reject: false });
  return r.stdout.split('\n').filter(Boolean).map(Number);
}

describe('pmip-testbed vm (boots VMs)', function () {
  this.timeout(600_000);
  let cwd = '';
  let qemuBefore: number[] = [];

  before(async function () {
    if (vmDescription() !== undefined || !existsSync(QEMU)) {
      console.log(`    SKIPPED: ${vmDescription() !== undefined ? 'already inside a VM' : `${QEMU} missing (Debian package qemu-system-x86)`}`);
      this.skip();
    }
    qemuBefore = await qemuPids();
  });
  beforeEach(() => { cwd = mkdtempSync(join(tmpdir(), 'pmip-vm-test-')); });
  afterEach(() => { rmSync(cwd, { recursive: true, force: true }); });
  const runDirs = () => (existsSync(RUN_DIR) ? readdirSync(RUN_DIR).sort() : []);

  it('runs the command on the distribution kernel, streams its output, returns its status, copies back its files but no special ones', async () => {
    const before = runDirs();
    mkdirSync(join(cwd, 'node_modules'));
    const script = [
      'uname -r', 'pwd', 'mkdir -p reports/x node_modules/y', 'echo result > reports/x/out.txt', 'echo no > node_modules/y/z',
      'mkfifo reports/fifo', 'python3 -c "import socket; s = socket.socket(socket.AF_UNIX); s.bind(\'reports/sock\')"',
      'ip link add t0 type ip6tnl remote 2001:db8::1 local 2001:db8::2 && echo ip6tnl-ok', 'exit 7',
    ].join('; ');
    const r = await execa(process.execPath, [CLI, 'vm', '--timeout', '300', '--', 'sh', '-c', script], { cwd, reject: false });
    expect(r.exitCode, r.stderr).to.equal(7);
    const out = r.stdout.split('\n');
    expect(out[0]).to.match(/^\d+\.\d+\.\d+-\d+-amd64$/);
    expect(out).to.include(cwd);
    expect(out).to.include('ip6tnl-ok');
    expect(r.stderr).to.match(/vm: booted in \d+\.\d s/);
    expect(readFileSync(join(cwd, 'reports/x/out.txt'), 'utf8')).to.equal('result\n');
    expect(existsSync(join(cwd, 'reports/fifo')) || existsSync(join(cwd, 'reports/sock'))).to.equal(false);
    expect(existsSync(join(cwd, 'node_modules/y'))).to.equal(false);
    expect(await qemuPids()).to.deep.equal(qemuBefore);
    expect(runDirs()).to.deep.equal(before);
  });

  it('stops a command that outlives --timeout, with status 124 and nothing left', async () => {
    const before = runDirs();
    const r = await execa(process.execPath, [CLI, 'vm', '--timeout', '60', '--', 'sleep', '600'], { cwd, reject: false });
    expect(r.exitCode, r.stderr).to.equal(124);
    expect(r.stderr).to.match(/stopped after --timeout 60 s/);
    expect(await qemuPids()).to.deep.equal(qemuBefore);
    expect(runDirs()).to.deep.equal(before);
  });

  it('takes qemu down with it when killed outright, and the next run sweeps what it left', async () => {
    const child = spawn(process.execPath, [CLI, 'vm', '--timeout', '300', '--', 'sleep', '600'], { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (c: Buffer) => { err += c.toString(); });
    await pollUntil(() => /vm: booted in/.test(err), { timeoutMs: 300_000, what: `the VM booting (${err})` });
    const runs = readdirSync(RUN_DIR).filter((d) => readFileSync(join(RUN_DIR, d, 'owner'), 'utf8').trim() === String(child.pid));
    expect(runs).to.have.length(1);
    child.kill('SIGKILL');
    await pollUntil(async () => (await qemuPids()).length === qemuBefore.length, { timeoutMs: 30_000, what: 'qemu dying with its parent' });
    expect(existsSync(join(RUN_DIR, runs[0]!)), 'left behind by a SIGKILL').to.equal(true);
    const r = await execa(process.execPath, [CLI, 'vm', '--', 'true'], { cwd, reject: false });
    expect(r.exitCode, r.stderr).to.equal(0);
    expect(r.stderr).to.include(`removed what 1 dead run(s) left behind (${runs[0]})`);
    expect(existsSync(join(RUN_DIR, runs[0]!))).to.equal(false);
  });
});
