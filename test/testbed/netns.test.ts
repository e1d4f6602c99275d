import { expect } from 'chai';
import { readlinkSync, statSync } from 'node:fs';
import { CommandError, FALLBACK_TUNNEL_DEVICE, formatCommandLine, IpBatchError, ipBatch, listNetns, netnsPids, nsExec } from '../../harness/netns.js';
import { Scratch } from './scratch.js';
import { rejection } from '../support/rejection.js';


async function linkNames(ns: string): Promise<string[]> {
  const { stdout } = await nsExec(ns, 'ip', ['-j', 'link', 'show']);
  return (JSON.parse(stdout) as { ifname: string }[]).map((l) => l.ifname).filter((n) => !FALLBACK_TUNNEL_DEVICE.test(n)).sort();
}

describe('testbed/netns', () => {
  let scratch: Scratch;
  let ns: string;
  beforeEach(async () => {
    scratch = new Scratch();
    ns = await scratch.netns();
  });
  afterEach(() => scratch.cleanup());

  describe('nsExec', () => {
    it('runs the command inside the named namespace', async () => {
      // /run/netns/<name> is a bind mount of the namespace's nsfs inode.
      const inode = statSync(`/run/netns/${ns}`).ino;
      const { stdout, stderr, exitCode } = await nsExec(ns, 'readlink', ['/proc/self/ns/net']);
      expect(stdout).to.equal(`net:[${inode}]`);
      expect(stderr).to.equal('');
      expect(exitCode).to.equal(0);
      expect(await linkNames(ns)).to.deep.equal(['lo']);
    });

    it('runs on the host when netns is null', async () => {
      const { stdout } = await nsExec(null, 'readlink', ['/proc/self/ns/net']);
      expect(stdout).to.equal(readlinkSync('/proc/self/ns/net'));
    });

    it('feeds input on stdin', async () => {
      const { stdout } = await nsExec(ns, 'cat', [], { input: 'line one\nline two' });
      expect(stdout).to.equal('line one\nline two');
    });

    it('throws a CommandError naming the netns, the command line and stderr', async () => {
      const err = await rejection(nsExec(ns, 'ip', ['link', 'set', 'nosuch0', 'up']));
      expect(err).to.be.instanceOf(CommandError);
      expect(err.message).to.equal(`in netns ${ns}: \`ip link set nosuch0 up\` failed with exit code 1: Cannot find device "nosuch0"`);
      expect((err as CommandError).exitCode).to.equal(1);
      expect((err as CommandError).netns).to.equal(ns);
    });

    it('returns the failure instead with reject: false', async () => {
      const r = await nsExec(ns, 'ip', ['link', 'set', 'nosuch0', 'up'], { reject: false });
      expect(r).to.deep.equal({ stdout: '', stderr: 'Cannot find device "nosuch0"', exitCode: 1 });
    });

    it('says when the command does not exist, in a netns and on the host', async () => {
      const inNs = await rejection(nsExec(ns, 'pt-no-such-command', ['x']));
      expect(inNs.message).to.contain(`in netns ${ns}: \`pt-no-such-command x\``).and.contain('exec of "pt-no-such-command" failed');
      const onHost = await rejection(nsExec(null, 'pt-no-such-command', ['x']));
      expect(onHost.message).to.equal('on the host: `pt-no-such-command x` could not be started (pt-no-such-command: not found)');
    });

    it('kills the command at timeoutMs and says so', async () => {
      const t0 = Date.now();
      const err = await rejection(nsExec(ns, 'sleep', ['10'], { timeoutMs: 100 }));
      expect(err.message).to.equal(`in netns ${ns}: \`sleep 10\` timed out after 100 ms`);
      // Killed, not run to its end (no speed asserted: a slow VM takes its time to kill).
      expect(Date.now() - t0).to.be.below(10_000);
      expect(await netnsPids(ns)).to.deep.equal([]);
    });

    it('quotes arguments in messages so they can be pasted into a shell', () => {
      expect(formatCommandLine('ip', ['-6', 'route', 'add', '2001:db8::/64', 'a b', "it's", ''])).to.equal(
        `ip -6 route add 2001:db8::/64 'a b' 'it'\\''s' ''`,
      );
    });
  });

  describe('ipBatch', () => {
    it('runs every line in the namespace with one ip process', async () => {
      await ipBatch(['link add name va type veth peer name vb', 'link set va up', 'link set vb up', 'addr add 2001:db8:5::1/64 dev va nodad'], { netns: ns });
      expect(await linkNames(ns)).to.deep.equal(['lo', 'va', 'vb']);
      const { stdout } = await nsExec(ns, 'ip', ['-6', '-br', 'addr', 'show', 'dev', 'va', 'scope', 'global']);
      expect(stdout).to.match(/^va@vb\s+\S+\s+2001:db8:5::1\/64\s*$/);
    });

    it('names the failing line (blank lines count) and stops there', async () => {
      const lines = ['link add name va type veth peer name vb', '', 'link set nosuch0 up', 'link set va up'];
      const err = await rejection(ipBatch(lines, { netns: ns }));
      expect(err).to.be.instanceOf(IpBatchError);
      expect(err.message).to.equal(`ip -batch in netns ${ns} failed at line 3 \`ip link set nosuch0 up\`: Cannot find device "nosuch0"`);
      expect((err as IpBatchError).failures).to.deep.equal([{ line: 3, command: 'link set nosuch0 up', message: 'Cannot find device "nosuch0"' }]);
      const { stdout } = await nsExec(ns, 'ip', ['-j', 'link', 'show', 'va']);
      expect((JSON.parse(stdout) as { flags: string[] }[])[0]!.flags).not.to.include('UP');
    });

    it('with force, goes on and names every failing line', async () => {
      const lines = ['link set nosuch0 up', 'link add name va type veth peer name vb', 'link show nosuch1'];
      const err = (await rejection(ipBatch(lines, { netns: ns, force: true }))) as IpBatchError;
      expect(err.failures.map((f) => [f.line, f.command])).to.deep.equal([[1, 'link set nosuch0 up'], [3, 'link show nosuch1']]);
      expect(err.failures[1]!.message).to.equal('Device "nosuch1" does not exist.');
      expect(await linkNames(ns)).to.deep.equal(['lo', 'va', 'vb']);
    });

    it('refuses a line with a line break, which would shift the numbering', async () => {
      const err = await rejection(ipBatch(['link show lo', 'link show\nlo'], { netns: ns }));
      expect(err.message).to.equal('ip batch line 2 contains a line break: "link show\\nlo"');
    });
  });

  describe('listNetns and netnsPids', () => {
    it('lists the scratch namespaces, and no longer after deletion', async () => {
      const other = await scratch.netns();
      const names = await listNetns();
      expect(names).to.include.members([ns, other]);
      await nsExec(null, 'ip', ['netns', 'del', other]);
      expect(await listNetns()).to.include(ns).and.not.include(other);
      await nsExec(null, 'ip', ['netns', 'add', other]); // for the scratch clean-up
    });

    it('an empty namespace has no processes; an unknown one is an error', async () => {
      expect(await netnsPids(ns)).to.deep.equal([]);
      const err = await rejection(netnsPids('pt-test-no-such-netns'));
      expect(err.message).to.contain('Cannot open network namespace');
    });
  });
});
