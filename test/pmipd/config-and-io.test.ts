import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { YamlConfigError, YamlSource } from '../../harness/yaml-located.js';
import { loadDomainConfig, readDomainConfig } from '../../pmipd/config.js';
import { ControlSocket, controlRequest } from '../../pmipd/control-socket.js';
import { IpBatch } from '../../pmipd/dataplane/ip-batch.js';
import { parseLinkLine } from '../../pmipd/io/link-monitor.js';
import { nsExec } from '../../harness/netns.js';
import { DOMAIN_YAML } from './logic-fixture.js';
import { Scratch } from '../testbed/scratch.js';

function configError(yaml: string): YamlConfigError {
  try {
    readDomainConfig(YamlSource.fromText(yaml, 'domain.yaml'));
  } catch (err) {
    if (err instanceof YamlConfigError) return err;
    throw err;
  }
  throw new Error('expected a YamlConfigError');
}

describe('pmipd config: the domain file', () => {
  it('reads the RFC defaults for the timers', () => {
    const c = readDomainConfig(YamlSource.fromText(DOMAIN_YAML, 'd.yaml'));
    expect([c.lma.minDelayBeforeBCEDelete, c.lma.maxDelayBeforeNewBCEAssign, c.lma.timestampValidityWindow]).to.deep.equal([10000, 1500, 300]);
    expect([c.mag.initialBindackTimeout, c.mag.maxBindackTimeout, c.timestamps, c.fixedMagAddresses]).to.deep.equal([1000, 32000, true, false]);
    expect(c.mobileNodes[2]!.prefixes.map((p) => p.text)).to.deep.equal(['2001:db8:f00d::/64']);
  });

  it('names file:line and the field of a mistake', () => {
    let e = configError(DOMAIN_YAML.replace('address: 2001:db8:1::1', 'address: 2001:db8:1::zz'));
    expect(e.message).to.equal('domain.yaml:6:12: lma.address: "2001:db8:1::zz" is not an IPv6 address');
    e = configError(DOMAIN_YAML.replace('prefixPool: [2001:db8:a000::/62]', 'prefixPool: [2001:db8:a000::1/62]'));
    expect(e.message).to.match(/^domain\.yaml:7:16: lma\.prefixPool\[0\]: .*bits set after the first 62 \(did you mean 2001:db8:a000::\/62\?\)$/);
    e = configError(DOMAIN_YAML.replace('lifetime: 400', 'lifetime: 401'));
    expect(e.message).to.equal('domain.yaml:10:13: mag.lifetime: must be a multiple of 4 s (the PBU carries 4-second units), not 401');
    e = configError(DOMAIN_YAML.replace('mags: [mag2]', 'mags: [mag9]'));
    expect(e.message).to.equal('domain.yaml:21:65: mobileNodes[4].mags[0]: no MAG named "mag9" in mags');
    e = configError(DOMAIN_YAML.replace('maxLifetime: 3600', 'maxLifetme: 3600'));
    expect(e.message).to.match(/^domain\.yaml:8:\d+: lma\.maxLifetme: unknown field; expected one of /);
    e = configError(`${DOMAIN_YAML}\n  - { nai: mn1@pmip.example }\n`);
    expect(e.message).to.equal('domain.yaml:23:12: mobileNodes[5].nai: duplicate NAI "mn1@pmip.example"');
    e = configError('lma: [1\n');
    expect(e.line).to.equal(2);
  });

  it('says when the file cannot be read', () => {
    expect(() => loadDomainConfig('/nonexistent/pmipd.yaml')).to.throw(YamlConfigError, /^\/nonexistent\/pmipd\.yaml: cannot read: ENOENT$/);
  });
});

describe('pmipd control socket', () => {
  it('answers JSON lines in order and reports bad requests without closing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pmipd-ctl-'));
    const path = join(dir, 'ctl.sock');
    const sock = await ControlSocket.listen(path, (req) => {
      if (req.cmd === 'echo') return { said: req.text };
      throw new Error(`unknown command ${String(req.cmd)}`);
    });
    try {
      expect(await controlRequest(path, { cmd: 'echo', text: 'hi' })).to.deep.equal({ ok: true, said: 'hi' });
      expect(await controlRequest(path, { cmd: 'nope' })).to.deep.equal({ ok: false, error: 'unknown command nope' });
      writeFileSync(join(dir, 'x'), '');
    } finally {
      await sock.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('pmipd ip -batch runner', () => {
  let scratch: Scratch;
  beforeEach(() => { scratch = new Scratch(); });
  afterEach(() => scratch.cleanup());

  it('runs batches in one process and reports the failing lines of each (bench:pmipd times 1000 routes)', async () => {
    const ns = await scratch.netns();
    await nsExec(ns, 'ip', ['link', 'set', 'lo', 'up']);
    const ip = new IpBatch(ns);
    try {
      const bad = await ip.run(['route add 2001:db8:1::/64 dev lo', 'route add 2001:db8:1::/64 dev lo', 'route add 2001:db8:2::/64 dev lo']);
      expect(bad).to.have.length(1);
      expect(bad[0]!.command).to.equal('route add 2001:db8:1::/64 dev lo');
      expect(bad[0]!.message).to.match(/File exists/);
      const lines = Array.from({ length: 1000 }, (_, i) => `route replace 2001:db8:${(i + 16).toString(16)}::/64 dev lo`);
      const [a, b] = await Promise.all([ip.run(lines.slice(0, 500)), ip.run(lines.slice(500))]);
      expect([a, b]).to.deep.equal([[], []]);
      const { stdout } = await nsExec(ns, 'ip', ['-6', 'route', 'show']);
      expect(stdout.split('\n').filter((l) => l.startsWith('2001:db8:')).length).to.equal(1002);
    } finally {
      await ip.close();
    }
  });
});

describe('pmipd link monitor: lines of `ip -o monitor link`', () => {
  it('reads carrier and MTU, and a deleted link as down', () => {
    // As printed on this kernel after `ip link set va mtu 1400` and the peer going down.
    expect(parseLinkLine('3: va@vb: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1400 qdisc noqueue state UP group default \\    link/ether 86:a8:07:60:6b:f1 brd ff:ff:ff:ff:ff:ff'))
      .to.deep.equal({ iface: 'va', state: { up: true, mtu: 1400 } });
    expect(parseLinkLine('3: va@vb: <NO-CARRIER,BROADCAST,MULTICAST,UP,M-DOWN> mtu 1400 qdisc noqueue state LOWERLAYERDOWN group default'))
      .to.deep.equal({ iface: 'va', state: { up: false, mtu: 1400 } });
    expect(parseLinkLine('7: acc1: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 9000 qdisc noqueue state UP'))
      .to.deep.equal({ iface: 'acc1', state: { up: true, mtu: 9000 } });
    expect(parseLinkLine('Deleted 3: va@vb: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noop'))
      .to.deep.equal({ iface: 'va', state: { up: false, mtu: 1500 } });
    expect(parseLinkLine('    link/ether 86:a8:07:60:6b:f1 brd ff:ff:ff:ff:ff:ff')).to.equal(null);
  });
});
