// Interop: --iut selections, capability statements (strict loading, NOT-APPLICABLE for features
// not claimed), the baseline of a mixed pair, and the matrix report from synthetic cell results
// (rendered in headless Chromium, offline).
import { expect } from 'chai';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RequirementResult, Verdict } from '../../harness/checks/index.js';
import { loadBaseline, pairBaseline, type Baseline } from '../../harness/conformance/baseline.js';
import { applyCapabilities, capabilityStatementOf, knownImplementations, loadCapabilityStatement, type CapabilityStatement } from '../../harness/conformance/capabilities.js';
import { FEATURE_NAMES, FEATURES, featureOfRequirement } from '../../harness/conformance/features.js';
import { buildMatrix, matrixExitCode, type CellRun } from '../../harness/conformance/interop-matrix.js';
import { adapterProfile, IutSelectionError, loadProfile, neededOrdering, parseIutSelection, roleClaims, selectionSpecs, UnknownQuirk } from '../../harness/conformance/profile.js';
import { cellSlots, PAIR_BASELINES, parseImplementationList } from '../../harness/cli/interop.js';
import { UsageError } from '../../harness/cli/args.js';
import { writeMatrixReport } from '../../harness/report/interop-html.js';
import type { CaseResult, RunMeta } from '../../harness/report/index.js';
import { YamlConfigError } from '../../harness/yaml-located.js';
import { CHROMIUM, withBrowser } from '../support/browser.js';

const KNOWN = ['oai-pmipv6', 'opmip', 'pmipd'];
const v = (id: string, verdict: Verdict, message = `${id} ${verdict}`): RequirementResult => ({ id, verdict, message, evidence: [], checked: 1, failed: verdict === 'FAIL' ? 1 : 0 });

describe('conformance/interop', () => {
  let dir: string;
  before(() => { dir = mkdtempSync(join(tmpdir(), 'pmip-interop-')); });
  after(() => rmSync(dir, { recursive: true, force: true }));

  describe('--iut', () => {
    it('takes a name for both roles, ROLE=NAME pairs (a role left out runs pmipd), or a YAML file', () => {
      expect(parseIutSelection('oai-pmipv6', KNOWN)).to.deep.equal({ mag: 'oai-pmipv6', lma: 'oai-pmipv6' });
      expect(parseIutSelection('mag=oai-pmipv6,lma=pmipd', KNOWN)).to.deep.equal({ mag: 'oai-pmipv6', lma: 'pmipd' });
      expect(parseIutSelection('lma=opmip,mag=oai-pmipv6', KNOWN)).to.deep.equal({ mag: 'oai-pmipv6', lma: 'opmip' });
      expect(parseIutSelection('lma=opmip', KNOWN)).to.deep.equal({ mag: 'pmipd', lma: 'opmip' });
      expect(parseIutSelection('my-iut.yaml', KNOWN)).to.deep.equal({ file: 'my-iut.yaml' });
    });

    it('refuses unknown names, unknown roles, duplicates and empty parts, naming the bad part', () => {
      const bad: [string, RegExp][] = [
        ['oai', /unknown implementation "oai" \(known: oai-pmipv6, opmip, pmipd; or a YAML file\)/],
        ['mag=oai,lma=pmipd', /unknown implementation "oai" in "mag=oai"/],
        ['mag=pmipd,ha=pmipd', /unknown role "ha" in "ha=pmipd" \(roles: mag, lma\)/],
        ['mag=pmipd,mag=opmip', /the mag is given twice \("mag=pmipd" and "mag=opmip"\)/],
        ['mag=pmipd,', /"" is not ROLE=NAME/],
        ['mag=,lma=pmipd', /"mag=" names no implementation/],
        ['mag:pmipd', /unknown implementation "mag:pmipd"/],
      ];
      for (const [text, re] of bad) expect(() => parseIutSelection(text, KNOWN), text).to.throw(re);
    });

    it('routes each role of a mixed pair to its own implementation, and quirks only to pmipd in the role it has them', async () => {
      const p = loadProfile('mag=oai-pmipv6,lma=pmipd');
      expect(p.name).to.equal('mag=oai-pmipv6,lma=pmipd');
      expect(p.claims!().mag?.implementation).to.equal('oai-pmipv6');
      expect(p.claims!().lma?.implementation).to.equal('pmipd');
      expect(p.quirkRole('pba-no-p-flag')).to.equal('lma');
      expect(() => p.quirkRole('omit-timestamp')).to.throw(UnknownQuirk, /pmipd has it as MAG quirk, but the MAG is oai-pmipv6/);
      // An implementation whose adapter is not registered cannot run: the case is an ERROR saying so.
      const ctx = { topology: undefined as never, node: 'mag1', role: 'mag' as const, needs: {}, quirks: [] };
      let err: Error | undefined;
      try { await adapterProfile('no-such-iut').spec(ctx); } catch (e) { err = e as Error; }
      expect(err?.message).to.match(/^no-such-iut cannot run: no adapter named no-such-iut is registered/);
    });
  });

  describe('--iut specs built ahead of a run (one parser: the profile\'s)', () => {
    it('names each implementation\'s adapter once, a file\'s specs with their options, and refuses what --iut refuses', () => {
      expect(selectionSpecs('mag=oai-pmipv6,lma=opmip')).to.deep.equal([{ adapter: 'oai-pmipv6' }, { adapter: 'opmip' }]);
      expect(selectionSpecs('opmip')).to.deep.equal([{ adapter: 'opmip' }]);
      const f = join(dir, 'pair.yaml');
      writeFileSync(f, 'lma: { adapter: opmip, options: { source: /x.tar.gz } }\nmag: { adapter: pmipd }\n');
      expect(selectionSpecs(f)).to.deep.equal([{ adapter: 'pmipd' }, { adapter: 'opmip', options: { source: '/x.tar.gz' } }]);
      writeFileSync(f, 'lma: opmip\n');
      expect(() => selectionSpecs(f)).to.throw(/"lma:" must be an adapter spec/);
      expect(() => selectionSpecs('mag=oai')).to.throw(IutSelectionError, /unknown implementation "oai"/);
    });
  });

  describe('pair baselines', () => {
    it('exist and load for every pair listed, each a pair of known implementations', async () => {
      for (const [pair, file] of Object.entries(PAIR_BASELINES)) {
        const sel = parseIutSelection(pair, KNOWN);
        expect('mag' in sel, pair).to.equal(true);
        expect(existsSync(file), `${pair}: ${file}`).to.equal(true);
        expect((await loadBaseline(file)).file, pair).to.equal(file);
      }
    });
  });

  describe('interop cells side by side', () => {
    it('shares the case slots: cells at once up to --jobs, each case of a cell after the other', () => {
      expect(cellSlots(3, 9)).to.deep.equal({ cellsAtOnce: 3, jobsPerCell: 1 });
      expect(cellSlots(3, 1)).to.deep.equal({ cellsAtOnce: 1, jobsPerCell: 3 });
      expect(cellSlots(4, 2)).to.deep.equal({ cellsAtOnce: 2, jobsPerCell: 2 });
      expect(cellSlots(1, 9)).to.deep.equal({ cellsAtOnce: 1, jobsPerCell: 1 });
    });
  });

  describe('interop --mag/--lma lists', () => {
    it('keeps the order given and refuses unknown, empty and repeated names', () => {
      expect(parseImplementationList('mag', 'opmip,pmipd', KNOWN)).to.deep.equal(['opmip', 'pmipd']);
      expect(parseImplementationList('mag', undefined, KNOWN)).to.deep.equal(KNOWN);
      expect(() => parseImplementationList('lma', 'pmipd,xx', KNOWN)).to.throw(UsageError, /--lma "pmipd,xx": unknown implementation "xx"/);
      expect(() => parseImplementationList('lma', 'pmipd,,opmip', KNOWN)).to.throw(UsageError, /an empty name/);
      expect(() => parseImplementationList('mag', 'opmip,opmip', KNOWN)).to.throw(UsageError, /"opmip" is given twice/);
    });
  });

  describe('capability statements', () => {
    it('exist for pmipd, oai-pmipv6 and opmip, every feature claimed or not', () => {
      expect(knownImplementations()).to.include.members(KNOWN);
      for (const n of KNOWN) {
        const s = capabilityStatementOf(n)!;
        expect(s.implementation).to.equal(n);
        expect(Object.keys(s.features)).to.have.members(FEATURE_NAMES);
      }
      const pmipd = capabilityStatementOf('pmipd')!;
      expect(FEATURE_NAMES.filter((f) => pmipd.features[f])).to.include.members(['timestamps', 'sequence-numbers', 'fixed-mag-addresses']);
      expect(capabilityStatementOf('opmip')!.features.timestamps).to.equal(false);
    });

    it('maps every feature to catalog requirements, none twice, and leaves mandatory ones out', () => {
      for (const f of FEATURE_NAMES) for (const id of FEATURES[f].requirements) expect(featureOfRequirement(id)).to.equal(f);
      expect(featureOfRequirement('SEC-01')).to.equal(undefined); // IPsec is mandatory to implement
      expect(featureOfRequirement('ORD-01')).to.equal(undefined);
      expect(featureOfRequirement('HB-02')).to.equal('heartbeat');
    });

    it('a mistake names the file, line and field', () => {
      const write = (name: string, text: string) => { const f = join(dir, name); writeFileSync(f, text); return f; };
      const good = readFileSync(capabilityStatementOf('pmipd')!.file, 'utf8');
      const cases: [string, RegExp][] = [
        [good.replace(/  dhcp: \w+.*\n/, '  dhcp: maybe\n'), /:\d+:\d+: features\.dhcp: must be true or false, not "maybe"/],
        [good.replace(/^  ipv4: .*\n/m, ''), /features\.ipv4: is required: claim it \(true\) or not \(false\); IPv4 home addresses and IPv4 transport \(RFC 5844\)/],
        [good.replace('features:\n', 'features:\n  teleport: true\n'), /:\d+:\d+: features\.teleport: unknown field/],
        [good.replace('roles: [mag, lma]', 'roles: [mag, ha]'), /:\d+:\d+: roles\[1\]: must be mag or lma, not "ha"/],
        [good.replace('mn-identities: [nai]', 'mn-identities: [imsi]'), /facts\.mn-identities\[0\]: must be one of nai, mac, eui64/],
        [good.replace('pbu-lifetime-s: 3600', 'pbu-lifetime-s: 1'), /facts\.timers\.pbu-lifetime-s: must be between 4 and/],
      ];
      for (const [i, [text, re]] of cases.entries()) {
        const f = write(`bad${i}.yaml`, text);
        expect(() => loadCapabilityStatement(f)).to.throw(YamlConfigError, re).with.property('file', f);
      }
    });

    const statement = (name: string, claimed: string[]): CapabilityStatement => ({
      implementation: name, file: `${name}.yaml`, roles: ['mag', 'lma'],
      features: Object.fromEntries(FEATURE_NAMES.map((f) => [f, claimed.includes(f)])) as CapabilityStatement['features'],
      facts: { mnIdentities: ['nai'], timers: {}, notes: [] },
    });

    it('makes requirements of an unclaimed feature NOT-APPLICABLE, judged against the implementation in their role', () => {
      const mag = statement('m', ['timestamps']);
      const lma = statement('l', ['sequence-numbers']);
      const claims = [{ role: 'mag' as const, statement: mag }, { role: 'lma' as const, statement: lma }];
      const out = applyCapabilities([
        v('MAG-PBU-13', 'FAIL'), // MAG, timestamps: claimed by the MAG: kept
        v('ORD-04', 'FAIL'), // LMA, timestamps: not claimed by the LMA
        v('ORD-08', 'PASS'), // both roles, timestamps: the LMA does not claim it
        v('ORD-07', 'PASS'), // LMA, sequence numbers: claimed
        v('HB-02', 'FAIL'), // heartbeat: neither
        v('SEC-01', 'FAIL'), // mandatory: judged whatever is claimed
        v('MAG-PBU-09', 'FAIL'),
      ], claims);
      const by = Object.fromEntries(out.map((r) => [r.id, r]));
      expect(by['MAG-PBU-13']!.verdict).to.equal('FAIL');
      expect(by['ORD-04']!.verdict).to.equal('NOT-APPLICABLE');
      expect(by['ORD-04']!.message).to.equal('optional feature timestamps (timestamp-based ordering (RFC 5213 §5.5, TimestampBasedApproachInUse = 1)) not claimed in the capability statement of l (LMA)');
      expect(by['ORD-08']!.verdict).to.equal('NOT-APPLICABLE');
      expect(by['ORD-07']!.verdict).to.equal('PASS');
      expect(by['HB-02']!.message).to.match(/Heartbeat \(RFC 5847\)\) not claimed in the capability statement of m \(MAG\), l \(LMA\)$/);
      expect(by['SEC-01']!.verdict).to.equal('FAIL');
      expect(by['MAG-PBU-09']!.verdict).to.equal('FAIL');
    });

    it('a case that does not ask for timestamps runs with sequence numbers when an implementation claims only those', () => {
      const claims = roleClaims(loadProfile('mag=pmipd,lma=opmip'), ['mag', 'lma']);
      expect(neededOrdering({}, claims).timestamps).to.equal(false);
      expect(neededOrdering({ timestamps: true }, claims).timestamps).to.equal(true);
      expect(neededOrdering({}, roleClaims(loadProfile('pmipd'), ['mag', 'lma'])).timestamps).to.equal(undefined);
      // An LMA-only case does not care what the MAG claims.
      expect(neededOrdering({}, roleClaims(loadProfile('mag=opmip,lma=pmipd'), ['lma'])).timestamps).to.equal(undefined);
    });
  });

  describe('the baseline of a mixed pair', () => {
    const b = (file: string, entries: Record<string, Verdict>): Baseline => ({ file, iut: file, requirements: new Map(Object.entries(entries).map(([id, verdict]) => [id, { verdict, reason: `${file} says ${verdict}` }])) });
    it('expects MAG-side requirements as the MAG\'s baseline says, LMA-side ones as the LMA\'s, both-role ones as either side\'s N/A, FAIL, INCONCLUSIVE', () => {
      const mag = b('m.yaml', { 'MAG-PBU-09': 'FAIL', 'LMA-PBA-08': 'FAIL', 'MH-02': 'FAIL', 'ORD-08': 'PASS' });
      const lma = b('l.yaml', { 'MAG-PBU-11': 'FAIL', 'LMA-ERR-07': 'INCONCLUSIVE', 'ORD-08': 'NOT-APPLICABLE' });
      const p = pairBaseline(mag, lma, { mag: 'm', lma: 'l' })!;
      expect(p.file).to.equal('m.yaml (MAG) + l.yaml (LMA)');
      expect(Object.fromEntries([...p.requirements].map(([id, e]) => [id, e.verdict]))).to.deep.equal({
        'MAG-PBU-09': 'FAIL', 'MH-02': 'FAIL', 'LMA-ERR-07': 'INCONCLUSIVE', 'ORD-08': 'NOT-APPLICABLE',
      });
      expect(p.requirements.get('MH-02')!.reason).to.equal('m (MAG): m.yaml says FAIL');
      expect(pairBaseline(undefined, undefined, { mag: 'm', lma: 'l' })).to.equal(undefined);
      expect([...pairBaseline(undefined, lma, { mag: 'm', lma: 'l' })!.requirements.keys()]).to.have.members(['LMA-ERR-07', 'ORD-08']);
    });
    it('keeps the other verdicts a side lists for a race-dependent row', () => {
      const lma: Baseline = { file: 'l.yaml', iut: 'l', requirements: new Map([['HO-06', { verdict: 'FAIL', also: ['INCONCLUSIVE'], reason: 'race' }]]) };
      expect(pairBaseline(undefined, lma, { mag: 'm', lma: 'l' })!.requirements.get('HO-06')).to.deep.equal({ verdict: 'FAIL', also: ['INCONCLUSIVE'], reason: 'l (LMA): race' });
    });
  });

  describe('the matrix report', () => {
    const meta: RunMeta = { id: 'run-x', started: '2026-12-06T00:00:00Z', tool: 'pmip-testbed run' };
    const caseOf = (name: string, verdicts: RequirementResult[], error?: string): CaseResult => ({
      name, purpose: name, rfcSections: [], requirementIds: verdicts.map((x) => x.id), steps: [], verdicts, captures: [], logs: [], timings: {}, ...(error !== undefined ? { error } : {}),
    });
    const cases = ['attach', 'data-plane', 'handover', 'refresh-detach'];
    const good = (extra: RequirementResult[] = []) => [
      caseOf('attach', [v('MAG-PBU-01', 'PASS'), v('LMA-PBA-02', 'PASS'), v('MH-02', 'PASS'), ...extra]),
      caseOf('data-plane', [v('FWD-02', 'PASS'), v('FWD-10', 'PASS')]),
      caseOf('handover', [v('HO-03', 'PASS')]),
      caseOf('refresh-detach', [v('DEREG-07', 'PASS')]),
    ];
    const runs: CellRun[] = [
      { mag: 'pmipd', lma: 'pmipd', dir: 'cells/mag-pmipd--lma-pmipd', elapsedMs: 14000, exitCode: 0, result: { run: { ...meta, baseline: { file: 'baselines/pmipd.yaml', changes: [] } }, cases: good() } },
      { mag: 'pmipd', lma: 'opmip', dir: 'cells/mag-pmipd--lma-opmip', elapsedMs: 30000, exitCode: 1, result: { run: { ...meta, baseline: { file: 'b', changes: [{ id: 'LMA-PBA-08', expected: 'PASS', seen: 'FAIL', kind: 'regression' }] } }, cases: good([v('LMA-PBA-08', 'FAIL', 'the PBA has a Timestamp the PBU had not')]) } },
      { mag: 'opmip', lma: 'pmipd', dir: 'cells/mag-opmip--lma-pmipd', elapsedMs: 2000, exitCode: 1, result: { run: meta, cases: [caseOf('attach', [], 'testbed up: kernel lacks ip6tnl (needed by mag1): no IPv6-in-IPv6 tunnel device'), ...good().slice(1).map((c) => ({ ...c, verdicts: [], error: 'testbed up: kernel lacks ip6tnl (needed by mag1): x' }))] } },
      { mag: 'opmip', lma: 'opmip', dir: 'cells/mag-opmip--lma-opmip', elapsedMs: 0, exitCode: null, error: 'opmip cannot run: no adapter named opmip is registered (harness/iut/registry.ts)' },
    ];
    const roles = Object.fromEntries(cases.map((c) => [c, ['mag', 'lma'] as const]));
    const m = buildMatrix(runs, ['pmipd', 'opmip'], ['pmipd', 'opmip'], cases, roles);

    it('gives each cell its case verdicts, FAIL count, baseline changes, and a status with a one-line cause', () => {
      const [pp, po, op, oo] = m.cells;
      expect(pp!.status).to.equal('completed');
      expect(pp!.cases.map((c) => c.verdict)).to.deep.equal(['PASS', 'PASS', 'PASS', 'PASS']);
      expect(po!.cases[0]!.verdict).to.equal('FAIL');
      expect(po!.fails).to.equal(1);
      expect(op!.status).to.equal('skipped');
      expect(op!.cause).to.equal('needs ip6tnl, which this kernel lacks: run it with --vm');
      expect(oo!.status).to.equal('error');
      expect(oo!.cause).to.match(/no adapter named opmip is registered/);
      expect(oo!.report).to.equal(undefined);
      expect(matrixExitCode(m)).to.equal(1);
      expect(matrixExitCode(buildMatrix(runs.slice(0, 1), ['pmipd'], ['pmipd'], cases, roles))).to.equal(0);
      expect(matrixExitCode(buildMatrix(runs.slice(1, 2), ['pmipd'], ['opmip'], cases, roles))).to.equal(1);
    });

    it('judges each implementation on its own side: an LMA requirement against the LMA, a both-role one against both', () => {
      const page = (n: string) => m.implementations.find((p) => p.implementation === n)!;
      const opmip = page('opmip');
      const pmipd = page('pmipd');
      expect(opmip.requirements.find((r) => r.id === 'LMA-PBA-08')!.verdict).to.equal('FAIL');
      expect(pmipd.requirements.find((r) => r.id === 'LMA-PBA-08')).to.equal(undefined);
      expect(pmipd.requirements.find((r) => r.id === 'MAG-PBU-01')!.entries.map((e) => e.pair)).to.deep.equal(['mag=pmipd,lma=pmipd', 'mag=pmipd,lma=opmip']);
      expect(pmipd.requirements.find((r) => r.id === 'MH-02')!.entries.map((e) => `${e.pair} ${e.role}`)).to.deep.equal(['mag=pmipd,lma=pmipd MAG', 'mag=pmipd,lma=pmipd LMA', 'mag=pmipd,lma=opmip MAG']);
      expect(opmip.requirements.find((r) => r.id === 'LMA-PBA-08')!.entries[0]!.link).to.equal('cells/mag-pmipd--lma-opmip/index.html#case-0');
      expect(opmip.errored).to.deep.equal(['mag=opmip,lma=pmipd', 'mag=opmip,lma=opmip']);
    });

    it('writes the matrix page, a page per implementation and results.json carrying the matrix', async () => {
      const w = await writeMatrixReport(join(dir, 'm1'), m, { id: 'interop-x', started: 'a', finished: 'b', command: 'pmip-testbed interop' });
      const json = JSON.parse(readFileSync(w.json, 'utf8')) as { matrix: { cells: { status: string }[] } };
      expect(json.matrix.cells.map((c) => c.status)).to.deep.equal(['completed', 'completed', 'skipped', 'error']);
      expect(w.pages.map((p) => p.slice(p.lastIndexOf('/') + 1))).to.deep.equal(['implementation-pmipd.html', 'implementation-opmip.html']);
      const html = readFileSync(w.html, 'utf8');
      expect(html).to.not.match(/<(script|link|img)[^>]+(src|href)="https?:/);
    });

    (existsSync(CHROMIUM) ? it : it.skip)('renders the matrix in headless Chromium, offline: rows MAGs, columns LMAs, ERROR cells red with their cause', async () => {
      const w = await writeMatrixReport(join(dir, 'm2'), m, { id: 'interop-x', started: 'a', finished: 'b', command: 'pmip-testbed interop' });
      await withBrowser(async (browser) => {
        const page = await browser.newPage();
        const requests: string[] = [];
        page.on('request', (r) => { if (!r.url().startsWith('file:')) requests.push(r.url()); });
        await page.goto(`file://${w.html}`);
        expect(await page.locator('#matrix thead th').allTextContents()).to.deep.equal(['', 'LMA pmipd', 'LMA opmip']);
        expect(await page.locator('#matrix tbody th.row').allTextContents()).to.deep.equal(['MAG pmipd', 'MAG opmip']);
        const cell = page.locator('td.cell[data-mag="opmip"][data-lma="opmip"]');
        expect(await cell.locator('.cause').textContent()).to.match(/no adapter named opmip is registered/);
        const bg = await cell.evaluate((e) => getComputedStyle(e).backgroundColor);
        expect(bg).to.equal('rgb(253, 236, 234)');
        const ok = page.locator('td.cell[data-mag="pmipd"][data-lma="pmipd"]');
        expect(await ok.evaluate((e) => getComputedStyle(e).backgroundColor)).to.not.equal(bg);
        expect(await page.locator('td.cell[data-mag="pmipd"][data-lma="opmip"] .fails').textContent()).to.equal('1');
        expect(await page.locator('td.cell[data-mag="pmipd"][data-lma="opmip"] .line a').first().getAttribute('href')).to.equal('cells/mag-pmipd--lma-opmip/index.html#case-0');
        await page.click('a[href="implementation-opmip.html"]');
        expect(await page.locator('#requirements tbody tr[data-verdict="FAIL"] td.id').allTextContents()).to.deep.equal(['LMA-PBA-08']);
        expect(requests).to.deep.equal([]);
      });
    });
  });
});
