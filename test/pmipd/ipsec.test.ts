// IPsec pieces that need no ESP in the kernel: the domain file's ipsec fields, the XFRM state
// parser (what an IKEv2 run records), strongSwan's generated config, the run's keys, and pmipd and
// the suite on a kernel without IPv6 ESP (one line from pmipd; the cases SKIPPED by name).
import { expect } from 'chai';
import { execa } from 'execa';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeFileSync } from 'node:fs';
import { detectKernelFeatures } from '../../harness/kernel-features.js';
import { pmipdAdapter } from '../../harness/iut/pmipd-adapter.js';
import { runKeys, manualSas } from '../../harness/ipsec/run-keys.js';
import { swanctlConf } from '../../harness/ipsec/strongswan.js';
import { NO_ESP_SKIP } from '../../harness/conformance/requires.js';
import { discoverCases, runSuite, selectCases } from '../../harness/conformance/suite.js';
import { readDomainConfig } from '../../pmipd/config.js';
import { mhUnprotectedOut, parseXfrmPolicies, parseXfrmStates } from '../../pmipd/ipsec/esp.js';
import { espSaKeyHex } from '../../wire/esp.js';
import { YamlConfigError, YamlSource } from '../../harness/yaml-located.js';
import { Scratch } from '../testbed/scratch.js';
import { usePrivateRunRoot } from '../testbed/run-root.js';

const PMIPD = fileURLToPath(new URL('../../pmipd/main.js', import.meta.url));
const BASE = `lma: { address: "2001:db8::1", prefixPool: ["2001:db8:8000::/48"] }
mags: [{ name: mag1, address: "2001:db8::2", accessInterfaces: [acc0] }, { name: mag2, address: "2001:db8::3", accessInterfaces: [acc0] }]
`;
const K32 = 'ab'.repeat(32);
const keys = (mag: string, spi: number, key = K32) => `{ mag: ${mag}, magToLma: { spi: ${spi}, key: "${key}" }, lmaToMag: { spi: ${spi + 1}, key: "${key}" } }`;
const domain = (extra: string) => readDomainConfig(YamlSource.fromText(BASE + extra, 'domain.yaml'));
const problem = (extra: string) => { try { domain(extra); return 'accepted'; } catch (err) { return err instanceof YamlConfigError ? err.message : String(err); } };

describe('pmipd IPsec configuration', () => {
  it('defaults to ipsec off and ESP-NULL; manual takes an SA pair per MAG', () => {
    expect(domain('').ipsec).to.deep.equal({ mode: 'off', esp: 'null-sha256', keys: [], waitMs: 60_000 });
    const c = domain(`ipsec: manual\nipsecKeys: [${keys('mag1', 4096)}, ${keys('mag2', 8192)}]\n`);
    expect(c.ipsec.keys.map((k) => [k.mag, k.magToLma.spi, k.lmaToMag.spi])).to.deep.equal([['mag1', 4096, 4097], ['mag2', 8192, 8193]]);
  });

  it('refuses, with file, line and field: a MAG without keys, a key of the wrong length, an unknown transform, a reserved SPI', () => {
    expect(problem(`ipsec: manual\nipsecKeys: [${keys('mag1', 4096)}]\n`)).to.match(/domain\.yaml:\d+.*ipsecKeys.*none for mag2/);
    expect(problem(`ipsec: manual\nesp: aes-gcm-128\nipsecKeys: [${keys('mag1', 4096)}, ${keys('mag2', 8192)}]\n`)).to.match(/key.*aes-gcm-128 key is 20 octets/);
    expect(problem('ipsec: ikev2\nesp: des\n')).to.match(/esp.*must be one of null-sha256, aes-gcm-128, aes-cbc-sha256/);
    expect(problem(`ipsec: manual\nipsecKeys: [${keys('mag1', 12)}, ${keys('mag2', 8192)}]\n`)).to.match(/spi.*between 256/);
  });
});

describe('IPsec in the testbed', () => {
  const dirs = usePrivateRunRoot();

  it('reads the SAs and keys of `ip xfrm state` for each transform', () => {
    const text = `src 2001:db8::1 dst 2001:db8::2
\tproto esp spi 0xc7f5e6bc reqid 1 mode transport
\treplay-window 0 
\tauth-trunc hmac(sha256) 0x${'11'.repeat(32)} 128
\tenc ecb(cipher_null) 
\tsel src 2001:db8::1/128 dst 2001:db8::2/128 
src 2001:db8::2 dst 2001:db8::1
\tproto esp spi 0x00001000 reqid 1 mode transport
\taead rfc4106(gcm(aes)) 0x${'22'.repeat(20)} 128
src 2001:db8::2 dst 2001:db8::3
\tproto esp spi 0x00002000 reqid 2 mode transport
\tauth-trunc hmac(sha256) 0x${'33'.repeat(32)} 128
\tenc cbc(aes) 0x${'44'.repeat(16)}
`;
    expect(parseXfrmStates(text).map((sa) => ({ spi: sa.spi, alg: sa.alg, key: espSaKeyHex(sa), src: sa.src, dst: sa.dst }))).to.deep.equal([
      { spi: 0xc7f5e6bc, alg: 'null-sha256', key: '11'.repeat(32), src: '2001:db8::1', dst: '2001:db8::2' },
      { spi: 0x1000, alg: 'aes-gcm-128', key: '22'.repeat(20), src: '2001:db8::2', dst: '2001:db8::1' },
      { spi: 0x2000, alg: 'aes-cbc-sha256', key: '44'.repeat(16) + '33'.repeat(32), src: '2001:db8::2', dst: '2001:db8::3' },
    ]);
  });

  it('tells from `ip xfrm policy` whether every Mobility Header to the LMA leaves inside ESP (a MAG waits for that, not for its SAs alone)', () => {
    const esp = `src 2001:db8::1/128 dst 2001:db8::2/128 proto mobility-header 
\tdir out priority 366847 ptype main 
\ttmpl src 2001:db8::1 dst 2001:db8::2
\t\tproto esp reqid 1 mode transport
src 2001:db8::2/128 dst 2001:db8::1/128 proto mobility-header 
\tdir in priority 366847 ptype main 
\ttmpl src 2001:db8::2 dst 2001:db8::1
\t\tproto esp reqid 1 mode transport
`;
    const allowPbu = `src ::/0 dst ::/0 proto 135 type 5 
\tdir out priority 10 ptype main 
`;
    expect(parseXfrmPolicies(esp)).to.deep.include({ src: '2001:db8::1/128', dst: '2001:db8::2/128', proto: 135, dir: 'out', priority: 366847, action: 'allow', tmpl: ['esp'] });
    // charon's SAs are in, its policies not yet: what let the first PBUs leave in clear.
    expect(mhUnprotectedOut([], '2001:db8::1', '2001:db8::2')).to.equal('no out policy selects MH type 0 to 2001:db8::2');
    expect(mhUnprotectedOut(parseXfrmPolicies(esp), '2001:db8::1', '2001:db8::2')).to.equal(null);
    // Another peer, or an allow policy of higher precedence for PBUs alone.
    expect(mhUnprotectedOut(parseXfrmPolicies(esp), '2001:db8::1', '2001:db8::3')).to.match(/no out policy/);
    expect(mhUnprotectedOut(parseXfrmPolicies(esp + allowPbu), '2001:db8::1', '2001:db8::2')).to.equal('the out policy for MH type 5 to 2001:db8::2 (priority 10) has no ESP template');
  });

  it('writes strongSwan a connection per pair: MH traffic selectors, the ESP proposal, the MAG initiating, the LMA trapping', () => {
    const peer = { name: 'mag1', local: '2001:db8::1', remote: '2001:db8::2', psk: 'ab'.repeat(32) };
    const lma = swanctlConf({ peers: [peer], start: 'trap', esp: 'null-sha256', mode: 'transport' });
    expect(lma).to.include('mobike = no');
    expect(swanctlConf({ peers: [peer], start: 'trap|start', esp: 'null-sha256', mode: 'transport' })).to.include('start_action = trap|start');
    expect(lma).to.include('local_ts = 2001:db8::1/128[135]').and.include('esp_proposals = null-sha256').and.include('start_action = trap').and.include(`secret = 0x${'ab'.repeat(32)}`);
    expect(swanctlConf({ peers: [peer], start: 'start', esp: 'aes-gcm-128', mode: 'tunnel' })).to.include('start_action = start').and.include('esp_proposals = aes128gcm16').and.include('mode = tunnel');
  });

  it('makes the run\'s keys once, whoever asks first, and one SA pair for all MAGs only when told', async () => {
    const file = join(dirs.out, 'keys.json');
    const req = { esp: 'aes-cbc-sha256' as const, lma: '2001:db8::1', mags: [{ name: 'mag1', address: '2001:db8::2' }, { name: 'mag2', address: '2001:db8::3' }] };
    // Two callers at once with the same request (different requests would make the verdict depend on
    // which of them writes the file first): both read the one set of keys.
    const [a, b] = await Promise.all([runKeys(file, req), runKeys(file, req)]);
    expect(a).to.deep.equal(b);
    const sas = manualSas(a);
    expect(sas).to.have.length(4);
    expect(new Set(sas.map((s) => s.spi)).size).to.equal(4);
    expect(sas.every((s) => espSaKeyHex(s).length === 96)).to.equal(true);
    const one = await runKeys(join(dirs.out, 'one.json'), { ...req, oneForAll: true });
    expect(one.pairs[0]!.magToLma).to.deep.equal(one.pairs[1]!.magToLma);
  });

  it('asks for IPv6 ESP in the kernel when the domain configures IPsec', () => {
    expect(pmipdAdapter.requiredFeatures({ adapter: 'pmipd', options: { domain: { ipsec: 'manual' } } })).to.include('esp6');
    expect(pmipdAdapter.requiredFeatures({ adapter: 'pmipd', options: { domain: { ipsec: 'off' } } })).to.not.include('esp6');
  });

  describe('on a kernel without IPv6 ESP', function () {
    this.timeout(120_000);
    before(async function () {
      if ((await detectKernelFeatures()).esp6) {
        console.log('    SKIPPED: this kernel has IPv6 ESP (the VM runs the IPsec cases instead)');
        this.skip();
      }
    });

    it('pmipd refuses ipsec: manual with one line naming the missing kernel feature', async () => {
      const s = new Scratch();
      try {
        const ns = await s.netns();
        const file = join(s.tmpDir(), 'domain.yaml');
        writeFileSync(file, `${BASE}dataplane: none\nipsec: manual\nipsecKeys: [${keys('mag1', 4096)}, ${keys('mag2', 8192)}]\n`);
        const r = await execa('ip', ['netns', 'exec', ns, process.execPath, PMIPD, '--role', 'lma', '--config', file], { reject: false });
        expect(r.exitCode).to.equal(1);
        expect(r.stderr.trim().split('\n')).to.have.length(1);
        expect(r.stderr).to.match(/^pmipd: ipsec: manual needs IPv6 ESP with null-sha256 in the kernel \(CONFIG_INET6_ESP; auth-trunc\): ip xfrm state add said "/);
      } finally {
        await s.cleanup();
      }
    });

    it('the ipsec cases are SKIPPED by name, neither run nor errors', async () => {
      const cases = selectCases(await discoverCases(), ['ipsec-*']);
      expect(cases.map((c) => c.def.name).sort()).to.deep.equal(['ipsec-ikev2', 'ipsec-manual']);
      const out = await runSuite({ runs: cases.map((c) => ({ case: c })), iut: 'pmipd', outDir: dirs.out });
      expect(out.map((o) => [o.case.def.name, o.error, o.output?.result.error, o.output?.result.skipped, o.output?.result.verdicts.length]))
        .to.have.deep.members([['ipsec-manual', undefined, undefined, NO_ESP_SKIP, 0], ['ipsec-ikev2', undefined, undefined, NO_ESP_SKIP, 0]]);
    });
  });
});
