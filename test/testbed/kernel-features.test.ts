import { expect } from 'chai';
import { execa } from 'execa';
import { fileURLToPath } from 'node:url';
import {
  detectKernelFeatures, KERNEL_FEATURES, type KernelFeature, MissingKernelFeature, requireKernelFeatures,
} from '../../harness/kernel-features.js';
import { listNetns, nsExec } from '../../harness/netns.js';
import { Scratch } from './scratch.js';
import { rejection } from '../support/rejection.js';


describe('testbed/kernel-features', () => {
  let scratch: Scratch;
  let ns: string;
  let detected: Record<KernelFeature, boolean>;

  before(async () => {
    scratch = new Scratch();
    ns = await scratch.netns();
    detected = await detectKernelFeatures();
  });
  after(() => scratch.cleanup());

  /** The same question asked another way, in the test's own namespace: exit code and stderr. */
  async function direct(...args: string[]): Promise<{ ok: boolean; said: string }> {
    const r = await nsExec(ns, 'ip', args, { reject: false });
    return { ok: r.exitCode === 0, said: r.stderr };
  }

  it('answers for every feature', () => {
    expect(Object.keys(detected).sort()).to.deep.equal([...KERNEL_FEATURES].sort());
    expect(KERNEL_FEATURES).to.have.length(13);
  });

  it('netns, veth and bridge are there (the test suite itself runs on them)', async () => {
    expect(detected).to.deep.include({ netns: true, veth: true, bridge: true });
    expect((await direct('link', 'add', 'name', 'x0', 'type', 'veth', 'peer', 'name', 'x1')).ok).to.equal(true);
    expect((await direct('link', 'add', 'name', 'xb', 'type', 'bridge')).ok).to.equal(true);
  });

  it('ip6tnl agrees with creating a tunnel of another mode directly', async () => {
    const r = await direct('link', 'add', 'name', 'xt', 'type', 'ip6tnl', 'mode', 'any', 'local', '2001:db8:2::1', 'remote', '2001:db8:2::2');
    expect(detected.ip6tnl).to.equal(r.ok);
    if (!r.ok) expect(r.said).to.equal('Error: Unknown device type.');
    // With the module in, every namespace gets the fallback device ip6tnl0.
    const names = JSON.parse((await nsExec(ns, 'ip', ['-j', 'link', 'show'])).stdout) as { ifname: string }[];
    if (names.some((l) => l.ifname === 'ip6tnl0')) expect(detected.ip6tnl).to.equal(true);
  });

  it('ip6gre agrees with creating a keyless GRE-in-IPv6 device directly', async () => {
    const r = await direct('link', 'add', 'name', 'xg', 'type', 'ip6gre', 'local', '2001:db8:2::1', 'remote', '2001:db8:2::2');
    expect(detected.ip6gre).to.equal(r.ok);
    if (!r.ok) expect(r.said.trim()).to.equal('Error: Unknown device type.');
  });

  it('nft-masquerade agrees with loading a masquerading nat chain directly', async () => {
    const r = await nsExec(ns, 'nft', ['add table ip xnat; add chain ip xnat post { type nat hook postrouting priority srcnat; }; add rule ip xnat post oifname "lo" masquerade'], { reject: false });
    expect(detected['nft-masquerade']).to.equal(r.exitCode === 0);
  });

  it('mip6 agrees with adding the other Mobile IPv6 XFRM type (home address option) directly', async () => {
    const r = await direct('xfrm', 'state', 'add', 'src', '2001:db8:2::1', 'dst', '2001:db8:2::2', 'proto', 'hao', 'mode', 'ro', 'coa', '2001:db8:2::3');
    expect(detected.mip6).to.equal(r.ok);
    if (!r.ok) expect(r.said.trim()).to.equal('Error: Requested type not found.');
  });

  it('seg6 and seg6local agree with an encap.red route and an End.DX6 route on a veth', async () => {
    await nsExec(ns, 'ip', ['link', 'add', 'name', 's0', 'type', 'veth', 'peer', 'name', 's1']);
    await nsExec(ns, 'ip', ['link', 'set', 's0', 'up']);
    await nsExec(ns, 'sysctl', ['-qw', 'net.ipv6.conf.all.seg6_enabled=1', 'net.ipv6.conf.s0.seg6_enabled=1']);
    const encap = await direct('-6', 'route', 'add', '2001:db8:aa::/64', 'encap', 'seg6', 'mode', 'encap.red', 'segs', '2001:db8:1::2', 'dev', 's0');
    const decap = await direct('-6', 'route', 'add', '2001:db8:1::1/128', 'encap', 'seg6local', 'action', 'End.DX6', 'nh6', '::', 'dev', 's0');
    expect({ seg6: detected.seg6, seg6local: detected.seg6local }).to.deep.equal({ seg6: encap.ok, seg6local: decap.ok });
  });

  it('tun agrees with opening a TUN device directly (TUNSETIFF through ip tuntap)', async () => {
    const r = await direct('tuntap', 'add', 'name', 'xtun', 'mode', 'tun');
    expect(detected.tun).to.equal(r.ok);
  });

  it('esp6 agrees with an IPv6 ESP state using other algorithms; the refusal is the missing ESP type', async () => {
    const r = await direct('xfrm', 'state', 'add', 'src', '2001:db8:2::1', 'dst', '2001:db8:2::2', 'proto', 'esp', 'spi', '0x2000',
      'mode', 'tunnel', 'auth', 'hmac(sha1)', '0x000102030405060708090a0b0c0d0e0f10111213', 'enc', 'cbc(aes)', '0x000102030405060708090a0b0c0d0e0f');
    expect(detected.esp6).to.equal(r.ok);
    // Not a missing algorithm: the kernel has them, it lacks ESP for IPv6 (CONFIG_INET6_ESP).
    if (!r.ok) expect(r.said).to.equal('Error: Requested type not found.');
  });

  it('policy routing with ipproto and source-specific routes agree with direct attempts', async () => {
    const rule = await direct('-6', 'rule', 'add', 'pref', '200', 'from', '2001:db8:aa::/64', 'ipproto', '41', 'table', '300');
    const subtree = await direct('-6', 'route', 'add', 'unreachable', '2001:db8:bb::/64', 'from', '2001:db8:cc::/64', 'table', '300');
    expect({ rule: detected['ip6-rule-ipproto'], subtree: detected['ipv6-subtrees'] }).to.deep.equal({ rule: rule.ok, subtree: subtree.ok });
  });

  it('removes its scratch namespace and answers the same again', async () => {
    expect((await listNetns()).filter((n) => n.startsWith(`pt-kprobe-${process.pid}-`))).to.deep.equal([]);
    expect(await detectKernelFeatures()).to.deep.equal(detected);
  });

  it('gives the same answer in a fresh process', async () => {
    const kernelFeaturesJs = fileURLToPath(new URL('../../harness/kernel-features.js', import.meta.url));
    const script = `import { detectKernelFeatures } from ${JSON.stringify(kernelFeaturesJs)};
      console.log(JSON.stringify(await detectKernelFeatures()));`;
    const { stdout } = await execa(process.execPath, ['--input-type=module', '-e', script]);
    expect(JSON.parse(stdout) as Record<KernelFeature, boolean>).to.deep.equal(detected);
  });

  describe('requireKernelFeatures', () => {
    it('passes when everything is there', async () => {
      await requireKernelFeatures(['netns', 'veth', 'bridge'], 'the topology builder');
    });

    it('throws MissingKernelFeature for the first missing feature, naming who needs it', async function () {
      const missing = KERNEL_FEATURES.filter((f) => !detected[f]);
      if (missing.length === 0) this.skip(); // a kernel with everything has nothing to report
      // Asked in reverse order: "first" is the caller's order, not the table's.
      const asked = [...missing].reverse();
      const err = await rejection(requireKernelFeatures(['veth', ...asked], 'adapter foo'));
      const first = asked[0]!;
      expect(err).to.be.instanceOf(MissingKernelFeature);
      expect(err.name).to.equal('MissingKernelFeature');
      expect((err as MissingKernelFeature).feature).to.equal(first);
      expect((err as MissingKernelFeature).needer).to.equal('adapter foo');
      expect(err.message).to.match(new RegExp(`^kernel lacks ${first} \\(needed by adapter foo\\): .+ \\(probe said: .+\\)$`));
    });

    it('on this kind of machine (platform notes): ip6tnl and esp6 are missing, with hints', async function () {
      if (detected.ip6tnl || detected.esp6) this.skip(); // a distribution kernel
      const tnl = await rejection(requireKernelFeatures(['seg6', 'ip6tnl'], 'adapter x'));
      expect(tnl.message).to.match(/^kernel lacks ip6tnl \(needed by adapter x\): no IPv6-in-IPv6 tunnel device \(CONFIG_IPV6_TUNNEL\); use pmipd.s data plane auto, seg6 or tun.* \(probe said: .*Error: Unknown device type\.\)$/);
      const esp = await rejection(requireKernelFeatures(['esp6'], 'case ipsec-pbu'));
      expect(esp.message).to.match(/^kernel lacks esp6 \(needed by case ipsec-pbu\): no IPv6 ESP \(CONFIG_INET6_ESP\).* \(probe said: .*Error: Requested type not found\.\)$/);
    });
  });
});
