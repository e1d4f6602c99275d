// The pieces of `pmip-testbed vm` that need no VM: the initramfs archive, the module load order,
// the guest's command line, qemu's arguments, the options, and the VM domain profile.
import { expect } from 'chai';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { splitCommand, vmOptions } from '../../harness/cli/vm.js';
import { UsageError } from '../../harness/cli/args.js';
import { domainProfile, VM_TIMESTAMP_VALIDITY_WINDOW_MS } from '../../harness/conformance/profile.js';
import { cpioNewc, DIR, FILE, SYMLINK } from '../../harness/vm/cpio.js';
import { moduleLoadOrder, shQuote } from '../../harness/vm/initramfs.js';
import { VmUnavailable } from '../../harness/vm/kernel.js';
import { qemuArgs } from '../../harness/vm/qemu.js';

const MODULES_DEP = `kernel/fs/9p/9p.ko: kernel/net/9p/9pnet.ko kernel/fs/fscache/fscache.ko kernel/fs/netfs/netfs.ko
kernel/net/9p/9pnet.ko:
kernel/fs/fscache/fscache.ko: kernel/fs/netfs/netfs.ko
kernel/fs/netfs/netfs.ko:
kernel/net/9p/9pnet_virtio.ko: kernel/drivers/virtio/virtio.ko kernel/net/9p/9pnet.ko kernel/drivers/virtio/virtio_ring.ko
kernel/drivers/virtio/virtio.ko:
kernel/drivers/virtio/virtio_ring.ko:
kernel/drivers/char/hw_random/virtio-rng.ko: kernel/drivers/virtio/virtio.ko kernel/drivers/virtio/virtio_ring.ko
kernel/fs/overlayfs/overlay.ko:
`;

describe('vm: initramfs', () => {
  it('writes newc cpio that cpio(1) lists back, with modes, symlinks and the trailer', async function () {
    const archive = cpioNewc([
      { path: 'bin', mode: DIR | 0o755 },
      { path: 'bin/x', mode: FILE | 0o755, data: Buffer.from('hello') },
      { path: 'bin/sh', mode: SYMLINK | 0o777, data: Buffer.from('x') },
    ]);
    expect(archive.subarray(0, 6).toString()).to.equal('070701');
    expect(archive.length % 4).to.equal(0);
    expect(archive.includes(Buffer.from('TRAILER!!!\0'))).to.equal(true);
    if (!existsSync('/bin/busybox')) this.skip();
    const dir = mkdtempSync(join(tmpdir(), 'pmip-cpio-'));
    try {
      writeFileSync(join(dir, 'a.cpio'), archive);
      const r = await execa('/bin/busybox', ['cpio', '-t', '-v', '-F', join(dir, 'a.cpio')]);
      const lines = r.stdout.split('\n');
      expect(lines.map((l) => l.split(/\s+/).slice(-1)[0] === 'x' ? l.split(/\s+/).slice(-3).join(' ') : l.split(/\s+/).at(-1))).to.deep.equal(['bin', 'bin/x', 'bin/sh -> x']);
      expect(lines[1]).to.match(/^-rwxr-xr-x .* 5 /);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('loads every module after its dependencies, each once, names with - or _ alike', () => {
    const order = moduleLoadOrder(MODULES_DEP, ['virtio_rng', '9pnet_virtio', '9p', 'overlay']);
    expect(new Set(order).size).to.equal(order.length);
    const at = (m: string) => order.findIndex((p) => p.endsWith(`/${m}.ko`));
    for (const [mod, dep] of [['virtio-rng', 'virtio'], ['9pnet_virtio', '9pnet'], ['9p', 'netfs'], ['fscache', 'netfs'], ['9p', 'fscache']]) {
      expect(at(dep!), `${dep} before ${mod}`).to.be.lessThan(at(mod!));
    }
    expect(() => moduleLoadOrder(MODULES_DEP, ['ip6_tunnel'])).to.throw(VmUnavailable, /no module ip6_tunnel/);
  });

  it('quotes the command so that the guest shell passes every word through unchanged', async () => {
    const words = ['a b', "it's", '$HOME', '`x`', '"q"', '\\', '*', ''];
    const r = await execa('sh', ['-c', `printf '%s\\n' ${words.map(shQuote).join(' ')}`]);
    expect(r.stdout.split('\n')).to.deep.equal(words);
  });
});

describe('vm: qemu and options', () => {
  const base = { cpus: 2, memoryMiB: 1024, kernel: '/k', initrd: '/i', console: '/c', output: true, shares: [{ tag: 'hostroot', path: '/', readonly: true }, { tag: 'out', path: '/o', readonly: false }] };

  it('gives the guest no network card, the host root read-only and only the output share writable', () => {
    const a = qemuArgs({ ...base, accel: 'tcg' });
    expect(a.join(' ')).to.include('-nic none');
    expect(a.join(' ')).to.include('-machine q35,accel=tcg');
    const fsdevs = a.filter((_, i) => a[i - 1] === '-fsdev');
    expect(fsdevs).to.deep.equal([
      'local,id=hostroot,path=/,security_model=none,multidevs=remap,readonly=on',
      'local,id=out,path=/o,security_model=none,multidevs=remap',
    ]);
    expect(qemuArgs({ ...base, accel: 'kvm' }).join(' ')).to.include('-cpu host');
  });

  it('takes the command after --, and refuses bad numbers by name', () => {
    expect(splitCommand(['--cpus', '2', '--', 'npm', '--', 'x'])).to.deep.equal({ options: ['--cpus', '2'], command: ['npm', '--', 'x'] });
    const o = vmOptions({ memory: '512' }, ['true']);
    expect([o.memoryMiB, o.timeoutS, o.command]).to.deep.equal([512, 3600, ['true']]);
    expect(() => vmOptions({ cpus: 'two' }, ['true'])).to.throw(UsageError, /--cpus must be a positive integer, not 'two'/);
    expect(() => vmOptions({ timeout: '0' }, ['true'])).to.throw(UsageError, /--timeout/);
  });

  it('widens TimestampValidityWindow in a VM only, says so, and leaves a case\'s own window alone', () => {
    expect(domainProfile(false).apply({})).to.deep.equal({});
    expect(domainProfile(false).notes).to.deep.equal([]);
    const vm = domainProfile(true);
    expect(vm.apply({}).timestampValidityWindowMs).to.equal(VM_TIMESTAMP_VALIDITY_WINDOW_MS);
    expect(vm.apply({ timestampValidityWindowMs: 100 }).timestampValidityWindowMs).to.equal(100);
    expect(vm.apply({ minDelayBeforeBceDeleteMs: 1500 }).minDelayBeforeBceDeleteMs).to.equal(5000);
    expect(vm.apply({}).minDelayBeforeBceDeleteMs).to.equal(undefined);
    expect(vm.notes.join(' ')).to.match(/TimestampValidityWindow 3000 ms/);
  });
});
