// The parts of the OPMIP adapter that need no kernel and no OPMIP: node.db from the topology, the
// binding state read from its log, the build driver's edits and cache (with a tiny recipe of its
// own, so nothing is compiled), and the conformance profile's view of the domain.
import { expect } from 'chai';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nodeDb, opmipAdapter, stateFromLog } from '../../harness/iut/opmip-adapter.js';
import { OPMIP_EDITS } from '../../harness/iut/opmip-build.js';
import { applyEdits, buildFromSource, BuildError, type BuildRecipe } from '../../harness/iut/source-build.js';
import type { IutVars } from '../../harness/iut/vars.js';
import { fileProfile } from '../../harness/conformance/profile.js';
import { opmipProfile } from '../../harness/conformance/opmip-profile.js';

const iface = (name: string, role: 'access' | 'transport', address: string | null) => ({ name, prefix: null, address, peer: 'x', role });

function vars(node: string): IutVars {
  const interfaces = node === 'lma1'
    ? [iface('eth0', 'transport', '2001:db8::2'), iface('eth1', 'transport', '2001:db8:1::1')]
    : [iface('eth0', 'transport', '2001:db8::1'), iface('acc0', 'access', null)];
  return {
    runId: 'r', topology: { name: 't', file: 't.yaml' },
    node: { id: node, kind: node === 'lma1' ? 'lma' : 'mag', netns: 'ns', address: node === 'lma1' ? '2001:db8::2' : '2001:db8::1' },
    configDir: '/c', runtimeDir: '/r', interfaces,
    access: interfaces.filter((i) => i.role === 'access'), transport: interfaces.filter((i) => i.role === 'transport'),
    lma: { id: 'lma1', address: '2001:db8::2' }, lmas: [{ id: 'lma1', address: '2001:db8::2' }],
    mags: [{ id: 'mag1', address: '2001:db8::1' }, { id: 'mag2', address: '2001:db8::3' }],
    mns: [{ id: 'mn1', nai: 'mn1@example.org', mac: '02:00:00:00:01:01', iid: '0:0:0:1', hnp: '2001:db8:8000::/64', ap: 'ap1' }],
    pool: '2001:db8::/48', hnpPool: '2001:db8:8000::/33',
  };
}

describe('testbed/opmip adapter', () => {
  it('writes node.db with every LMA and MAG, this node\'s scope id only, and the MNs with prefix, MAC and LMA id', () => {
    const db = nodeDb(vars('mag1'), 7, { mobileNodes: [{ nai: 'extra@example.org', mac: '02:00:00:00:09:09', prefixes: ['2001:db8:9000::/64'] }] });
    expect(db).to.deep.equal({
      'router-nodes': [
        { id: 'lma1', 'ip-address': '2001:db8::2', 'ip-scope-id': '0' },
        { id: 'mag1', 'ip-address': '2001:db8::1', 'ip-scope-id': '7' },
        { id: 'mag2', 'ip-address': '2001:db8::3', 'ip-scope-id': '0' },
      ],
      'mobile-nodes': [
        { id: 'mn1@example.org', 'ip-prefix': ['2001:db8:8000::/64'], 'link-address': ['02:00:00:00:01:01'], 'lma-id': 'lma1' },
        { id: 'extra@example.org', 'ip-prefix': ['2001:db8:9000::/64'], 'link-address': ['02:00:00:00:09:09'], 'lma-id': 'lma1' },
      ],
    });
  });

  it('needs ip6tnl whatever the data plane asked of the other nodes (its tunnels are ioctls on ip6tnl0)', () => {
    expect(opmipAdapter.requiredFeatures({ adapter: 'opmip' }, 'tun')).to.deep.equal(['ip6tnl']);
  });

  it('reads the LMA\'s Binding Cache and the MAG\'s Binding Update List from its log, saying so', () => {
    const prefixes = new Map([['mn1@example.org', ['2001:db8:8000::/64']]]);
    const lma = stateFromLog([
      'LMA: Started [id = lma1, address = 2001:db8::2]',
      'LMA: PBU registration [id = mn1@example.org, mag = 2001:db8::1]',
      'LMA: PBU handoff [id = mn1@example.org, mag = 2001:db8::3]',
    ].join('\n'), 'lma', prefixes);
    expect(lma.split('\n')[0]).to.match(/^# OPMIP Binding Cache as its log tells it/);
    expect(lma.split('\n').slice(1)).to.deep.equal(['mn1@example.org mag 2001:db8::3 prefixes 2001:db8:8000::/64 registered (PBU handoff)']);
    // Kept for MinDelayBeforeBCEDelete after a de-registration, gone at "remove entry".
    const dereg = 'LMA: PBU registration [id = mn1@example.org, mag = 2001:db8::1]\nLMA: PBU de-registration [id = mn1@example.org, mag = 2001:db8::1]\n';
    expect(stateFromLog(dereg, 'lma', prefixes).split('\n')[1]).to.equal('mn1@example.org mag 2001:db8::1 prefixes 2001:db8:8000::/64 deregistered (PBU de-registration)');
    expect(stateFromLog(`${dereg}LMA: Binding cache remove entry [id = mn1@example.org]\n`, 'lma', prefixes).split('\n')).to.have.length(1);
    const mag = stateFromLog('MAG: PBA registration [delay = 0.1, id = mn1@example.org, lma = 2001:db8::2, status = 0]\n', 'mag', prefixes);
    expect(mag.split('\n')[1]).to.equal('mn1@example.org lma 2001:db8::2 prefixes 2001:db8:8000::/64 registered (PBA registration)');
    expect(stateFromLog('MAG: PBA registration [delay = 0.1, id = mn1@example.org, lma = 2001:db8::2, status = 129]\n', 'mag', prefixes).split('\n')).to.have.length(1);
  });

  it('maps a case\'s domain onto what OPMIP fixes: sequence numbers, 60 s, node.db prefixes; pmipd in a mixed pair follows it', async () => {
    const needs = opmipProfile.domain!({ timestamps: true, lifetimeS: 8, timestampValidityWindowMs: 3000 });
    expect(needs).to.include({ timestamps: false, lifetimeS: 60, fixedPrefixes: true, fixedMagAddresses: false, timestampValidityWindowMs: 3000 });
    // As the LMA only, the lifetime is the other MAG's to ask.
    expect(opmipProfile.domain!({ lifetimeS: 8 }, ['lma'])).to.include({ timestamps: false, lifetimeS: 8, minDelayBeforeBceDeleteMs: 10000 });
    const dir = mkdtempSync(join(tmpdir(), 'opmip-profile-'));
    try {
      const file = join(dir, 'pair.yaml');
      writeFileSync(file, 'name: pair\nmag: { adapter: pmipd }\nlma: { adapter: opmip, options: { source: /x.tar.gz } }\n');
      const p = fileProfile(file);
      const domain = p.domain!({ timestamps: true, lifetimeS: 8 });
      expect(domain).to.include({ timestamps: false, lifetimeS: 8 });
      const topology = { nodes: {}, hnpPool: '2001:db8:8000::/33' } as never;
      const mag = await p.spec({ topology, node: 'mag1', role: 'mag', needs: domain, quirks: [] });
      expect(mag.adapter).to.equal('pmipd');
      expect((mag.options as { domain: { timestamps: boolean } }).domain.timestamps).to.equal(false);
      expect(await p.spec({ topology, node: 'lma1', role: 'lma', needs: domain, quirks: [] })).to.deep.equal({ adapter: 'opmip', options: { source: '/x.tar.gz' } });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  describe('build driver', () => {
    let dir: string;
    beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'opmip-build-')); });
    afterEach(() => { rmSync(dir, { recursive: true, force: true }); });

    it('applies each edit exactly once and stops, naming it, when one does not match once', async () => {
      mkdirSync(join(dir, 'src'));
      writeFileSync(join(dir, 'src', 'a.hpp'), 'boost::asio::strand _s; boost::asio::strand _t;');
      await applyEdits(dir, [{ file: 'src/a.hpp', find: '_s;', replace: '_u;', why: 'rename' }]);
      expect(readFileSync(join(dir, 'src', 'a.hpp'), 'utf8')).to.equal('boost::asio::strand _u; boost::asio::strand _t;');
      let err: unknown;
      try { await applyEdits(dir, [{ file: 'src/a.hpp', find: 'boost::asio::strand ', replace: 'x', why: 'strand is a template' }]); } catch (e) { err = e; }
      expect(err).to.be.instanceOf(BuildError);
      expect((err as Error).message).to.match(/edit 1 \(strand is a template\) expects .* once in src\/a\.hpp, found 2/);
      expect(OPMIP_EDITS.every((e) => e.find.length > 0 && e.why.length > 0)).to.equal(true);
    });

    it('builds into a cache keyed by source and recipe, builds nothing the second time, and fails in one line naming the log', async () => {
      const src = join(dir, 'upstream', 'proj');
      mkdirSync(src, { recursive: true });
      writeFileSync(join(src, 'Jamroot'), '');
      writeFileSync(join(src, 'hello.txt'), 'hello');
      const recipeDir = join(dir, 'recipe');
      mkdirSync(recipeDir);
      writeFileSync(join(recipeDir, 'Makefile'), 'tool:\n\tcp $(SRC)/hello.txt tool\n');
      const recipe: BuildRecipe = {
        name: 'tiny', version: 1, recipeDir, recipeFiles: ['Makefile'], rootMarker: 'Jamroot', makefile: 'Makefile',
        edits: [{ file: 'hello.txt', find: 'hello', replace: 'edited', why: 'test' }], products: ['tool'],
        requires: [{ file: '/usr/bin/make', package: 'make' }],
      };
      const cacheRoot = join(dir, 'cache');
      const first = await buildFromSource(recipe, { source: join(dir, 'upstream'), cacheRoot });
      expect(first.built).to.equal(true);
      expect(readFileSync(first.bin.tool!, 'utf8')).to.equal('edited');
      const second = await buildFromSource(recipe, { source: join(dir, 'upstream'), cacheRoot });
      expect([second.built, second.dir]).to.deep.equal([false, first.dir]);

      writeFileSync(join(recipeDir, 'Makefile'), 'tool:\n\tfalse\n');
      let err: unknown;
      try { await buildFromSource(recipe, { source: join(dir, 'upstream'), cacheRoot }); } catch (e) { err = e; }
      expect(err).to.be.instanceOf(BuildError);
      const msg = (err as Error).message;
      expect(msg.split('\n')).to.have.length(1);
      const log = /log: (\S+)$/.exec(msg)?.[1];
      expect(log, msg).to.be.a('string');
      expect(existsSync(log!)).to.equal(true);

      let missing: unknown;
      try { await buildFromSource({ ...recipe, requires: [{ file: '/nonexistent/libboost_x.so', package: 'libboost-x-dev' }] }, { source: join(dir, 'upstream'), cacheRoot }); } catch (e) { missing = e; }
      expect((missing as Error).message).to.match(/missing \/nonexistent\/libboost_x\.so \(Debian package libboost-x-dev\): apt-get install libboost-x-dev/);
    });
  });
});
