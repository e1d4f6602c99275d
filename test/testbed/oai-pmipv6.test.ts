// The oai-pmipv6 adapter's parts that need no Mobile IPv6 kernel: the config and MN file it writes
// from a topology, the identity its MAG sends, and the cached build's bookkeeping (a missing tool
// named with its Debian package, a failed build as one line naming its log, a cache hit building
// nothing), with a stand-in recipe so no third-party code is built here.
import { expect } from 'chai';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { lmaConfig, macMappingFile, magConfig, oaiMnIdentifier } from '../../harness/iut/oai-pmipv6/config.js';
import { buildFromSource, IutBuildError, missingBuildTools, type BuildRecipe } from '../../harness/iut/source-build.js';
import { iutVars } from '../../harness/iut/vars.js';
import { loadTopology } from '../../harness/topology/load.js';
import { rejection } from '../support/rejection.js';

const CASES = new URL('../../../cases/', import.meta.url).pathname;

describe('iut/oai-pmipv6', () => {
  describe('configuration from the topology', () => {
    it('writes the MAG\'s UMIP config with its access and transport links, the LMA\'s with the MAG list ended by 0::0', async () => {
      const t = await loadTopology(join(CASES, 'handover', 'topology.yaml'));
      const mag = magConfig(iutVars(t, t.nodes.mag1!, 'r', 'ns', '/c', '/r'), {});
      expect(mag).to.match(/^NodeConfig MAG;$/m).and.match(/^ProxyMipMag "mag1" \{$/m);
      const magNode = t.nodes.mag1!;
      const acc = magNode.interfaces.find((i) => i.role === 'access')!;
      expect(mag).to.include(`MagAddressIngress ${acc.address};`).and.include(`MagDeviceIngress "${acc.name}";`);
      expect(mag).to.include('PcapSyslogAssociationGrepString "');
      const lma = lmaConfig(iutVars(t, t.nodes.lma1!, 'r', 'ns', '/c', '/r'), t, { timestampValidityWindowMs: 3000 });
      expect(lma).to.match(/^NodeConfig HA;$/m).and.include('RFC5213TimestampValidityWindow 3000;');
      const pairs = [...lma.matchAll(/MagAddressIngress (\S+);\n\s+MagAddressEgress (\S+);/g)].map((m) => [m[1], m[2]]);
      expect(pairs.at(-1)).to.deep.equal(['0::0', '0::0']);
      expect(pairs.length).to.equal(3);
    });

    it('lists each MN as its HNP in 32 hex digits, then 0000 and its MAC', () => {
      expect(macMappingFile([{ id: 'mn1', nai: 'mn1@x', mac: '02:00:00:00:01:01', iid: '::ff:fe00:101', hnp: '2001:db8:8000:1::/64', ap: null }]).split('\n')[1])
        .to.equal('20010db8800000010000000000000000 0000020000000101');
    });

    it('gives the MN identity OAI\'s MAG sends as the testbed\'s decoder reads it (binary NAI: 0, 0, the MAC)', () => {
      expect(oaiMnIdentifier('02:00:00:00:01:01')).to.equal('\\x00\\x00\\x02\\x00\\x00\\x00\\x01\\x01 (binary NAI)');
    });
  });

  describe('cached build from source', () => {
    let dir = '';
    let saved: string | undefined;
    beforeEach(() => {
      dir = mkdtempSync(join(tmpdir(), 'pmip-srcbuild-'));
      saved = process.env.PMIP_TESTBED_IUT_CACHE;
      process.env.PMIP_TESTBED_IUT_CACHE = join(dir, 'cache');
    });
    afterEach(() => {
      if (saved === undefined) delete process.env.PMIP_TESTBED_IUT_CACHE; else process.env.PMIP_TESTBED_IUT_CACHE = saved;
      rmSync(dir, { recursive: true, force: true });
    });

    // A source tree whose "build" writes a product, or fails when asked to.
    const recipe = (fail: boolean, tools: BuildRecipe['tools'] = []): BuildRecipe => ({
      name: 'stand-in', version: 1, subdir: 'pkg', tools,
      steps: () => [{ name: 'compile', cmd: process.execPath, args: ['-e', fail ? 'console.log("cc: error: boom"); process.exit(3)' : 'require("fs").writeFileSync("prog", "#!/bin/sh\\n")'] }],
      products: ['prog'],
    });
    async function archive(): Promise<string> {
      mkdirSync(join(dir, 'src', 'pkg'), { recursive: true });
      writeFileSync(join(dir, 'src', 'pkg', 'main.c'), 'int main(void) { return 0; }\n');
      const a = join(dir, 'pkg.tar.gz');
      await execa('tar', ['-czf', a, '-C', join(dir, 'src'), 'pkg']);
      return a;
    }

    it('builds once into a cache keyed by the source, then finds it without building', async () => {
      const a = await archive();
      const first = await buildFromSource(recipe(false), a);
      expect(first.built).to.equal(true);
      expect(existsSync(first.bin.prog!)).to.equal(true);
      expect(first.dir.startsWith(join(dir, 'cache', 'stand-in-'))).to.equal(true);
      const second = await buildFromSource(recipe(false), a);
      expect(second.built).to.equal(false);
      expect(second.bin.prog).to.equal(first.bin.prog);
      // A directory source with other content is another cache entry.
      writeFileSync(join(dir, 'src', 'pkg', 'extra.c'), '\n');
      expect((await buildFromSource(recipe(false), join(dir, 'src'))).dir).to.not.equal(first.dir);
    });

    it('a failing step is one line naming the step and a log that holds the output', async () => {
      const err = await rejection(buildFromSource(recipe(true), await archive()));
      expect(err).to.be.instanceOf(IutBuildError);
      const m = /^stand-in: the build failed at compile \(exit status 3\); log: (\S+)$/.exec(err.message);
      expect(m, err.message).to.not.equal(null);
      expect(readFileSync(m![1]!, 'utf8')).to.include('cc: error: boom');
    });

    it('a missing tool is named with the Debian package that brings it, before anything runs', async () => {
      const r = recipe(false, [{ program: 'no-such-tool-pmip', debianPackage: 'pmip-tools' }]);
      expect(missingBuildTools(r)).to.include('no-such-tool-pmip').and.include('install the Debian package pmip-tools');
      const err = await rejection(buildFromSource(r, await archive()));
      expect(err.message).to.include('pmip-tools');
      expect(existsSync(join(dir, 'cache'))).to.equal(false);
    });
  });
});
