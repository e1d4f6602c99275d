// Reports: results.json and junit.xml contents, the page in headless Chromium (renders, filters,
// ladder arrows; a screenshot is kept), and `pmip-testbed analyze` end to end on pcap files.
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PLATFORM_DEVIATIONS, runChecks } from '../../harness/checks/index.js';
import { analysisCase, writeReport, type RunResult } from '../../harness/report/index.js';
import { CHROMIUM, withBrowser } from '../support/browser.js';
import { buildTrace, golden, MAG1, MAG2, spec, T0, writePcaps } from './scenario.js';
import { LOCAL_REQUIREMENT_ROWS } from '../../harness/catalog/local-requirements.js';

/** Catalog rows of parts C and D (185 + 48), then the project-local ones. */
const ROWS = 233 + LOCAL_REQUIREMENT_ROWS.length;

const root = new URL('../../../', import.meta.url).pathname;

function goldenResult(sc = golden()): RunResult {
  const trace = buildTrace(sc);
  const verdicts = runChecks(trace, { knownDeviations: PLATFORM_DEVIATIONS });
  return { run: { id: 'test-run', started: '2026-11-27T00:00:00Z', tool: 'pmip-testbed test' }, cases: [analysisCase('golden', trace, verdicts)] };
}

describe('conformance/report', function () {
  this.timeout(60000);
  let dir: string;
  before(() => { dir = mkdtempSync(join(tmpdir(), 'pmip-report-')); });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('writes results.json with one verdict per requirement, level, role and section', async () => {
    const w = await writeReport(join(dir, 'r1'), goldenResult());
    const json = JSON.parse(readFileSync(w.json, 'utf8')) as { run: { id: string }; requirements: { id: string; verdict: string; level: string; section: string; role: string; knownDeviation?: string; evidence: unknown[] }[]; cases: unknown[] };
    expect(json.run.id).to.equal('test-run');
    expect(json.requirements).to.have.length(ROWS);
    const sec = json.requirements.find((r) => r.id === 'SEC-01')!;
    expect(sec).to.include({ verdict: 'FAIL', level: 'MUST', section: '5213 §4', role: 'both' });
    expect(sec.knownDeviation).to.be.a('string');
    expect(sec.evidence.length).to.be.greaterThan(0);
    expect(json.requirements.find((r) => r.id === 'LMA-PBA-02')!.verdict).to.equal('PASS');
    expect(json.cases).to.have.length(1);
  });

  it('writes junit.xml: a testcase per requirement, SEC-01 a failure, unjudged ones skipped', async () => {
    const w = await writeReport(join(dir, 'r2'), goldenResult());
    const xml = readFileSync(w.junit, 'utf8');
    expect(xml.match(/<testcase /g)).to.have.length(ROWS);
    expect(xml).to.match(/<testcase classname="golden" name="SEC-01 [^"]*">\s*<failure message="PBU travels in clear/);
    expect(xml).to.match(/name="LMA-PBA-02 \[MUST\][^"]*"><\/testcase>/);
    expect(xml).to.match(new RegExp(`<testsuite name="golden" tests="${ROWS}" failures="1" skipped="\\d+" errors="0">`));
  });

  (existsSync(CHROMIUM) ? it : it.skip)('renders in headless Chromium: filter, ladder arrows, screenshot', async () => {
    const w = await writeReport(join(dir, 'r3'), goldenResult());
    await withBrowser(async (browser) => {
      const page = await browser.newPage();
      const requests: string[] = [];
      page.on('request', (r) => { if (!r.url().startsWith('file:')) requests.push(r.url()); });
      await page.goto(`file://${w.html}`);
      expect(await page.locator('#matrix tbody tr[data-verdict]').count()).to.equal(ROWS);
      // Requirements grouped by RFC, a heading row each.
      expect((await page.locator('#matrix tbody tr.rfc').allTextContents())[0]).to.match(/^RFC 5213: Proxy Mobile IPv6/);
      await page.click('.filters button[data-verdict="FAIL"]');
      const visible = await page.locator('#matrix tbody tr[data-verdict]:visible').evaluateAll((rows) => rows.map((r) => (r as HTMLElement).dataset.verdict));
      expect(visible).to.deep.equal(['FAIL']);
      expect(await page.locator('#matrix tbody tr.rfc:visible').count(), 'the headings of RFCs with nothing shown hide').to.equal(1);
      expect(await page.locator('#shown').textContent()).to.equal(`1 of ${ROWS} requirements`);
      const labels = await page.locator('svg.ladder g.msg .lbl').allTextContents();
      expect(labels.filter((l) => l.startsWith('PBU seq'))).to.have.length(15);
      expect(labels.filter((l) => l.startsWith('PBA seq'))).to.have.length(12);
      expect(labels).to.include('RA 2001:db8:aa:1::/64');
      expect(await page.locator('svg.ladder line.arrow').count()).to.equal(await page.locator('svg.ladder g.msg:not(.event)').count());
      await page.click('.filters button[data-verdict="ALL"]');
      const shots = join(root, 'reports', 'test-screenshots');
      mkdirSync(shots, { recursive: true });
      const shot = join(shots, 'report.png');
      await page.screenshot({ path: shot, fullPage: false });
      await page.locator('section.case').screenshot({ path: join(shots, 'report-case.png') });
      process.stdout.write(`      screenshots: ${shot}, ${join(shots, 'report-case.png')}\n`);
      expect(requests).to.deep.equal([]);
    });
  });

  (existsSync(CHROMIUM) ? it : it.skip)('lays the ladder out in headless Chromium: event boxes clear of the time column, labels within their arrows, titles apart', async () => {
    const sc = golden();
    // A PBA its MAG drops (a long label between two adjacent columns).
    spec(sc, 'mn3-attach-pba', 'mh').badChecksum = true;
    // An MN whose column comes first (its events sat on the times) and a long event label.
    sc.options.events!.push(
      { time: T0 + 0.05, kind: 'attach', mn: 'guest', mnId: '00-guest@example.com', mag: MAG1 },
      { time: T0 + 0.06, kind: 'dereg-unanswered', mn: 'guest', mnId: '00-guest@example.com', mag: MAG2 },
    );
    const w = await writeReport(join(dir, 'r4'), goldenResult(sc));
    await withBrowser(async (browser) => {
      const page = await browser.newPage();
      await page.goto(`file://${w.html}`);
      // Rendered boxes, as the browser measured them with its fonts.
      const clashes = await page.locator('svg.ladder').first().evaluate((svg) => {
        const box = (e: Element) => (e as SVGGraphicsElement).getBoundingClientRect();
        const out: string[] = [];
        for (const g of svg.querySelectorAll('g.msg.event')) {
          const time = box(g.querySelector('text.t')!);
          for (const e of g.querySelectorAll('rect.ev, text.lbl')) {
            if (box(e).left < time.right + 4) out.push(`${g.querySelector('text.lbl')!.textContent} starts at ${box(e).left.toFixed(0)}, its time ends at ${time.right.toFixed(0)}`);
          }
          if (box(g.querySelector('text.lbl')!).width > box(g.querySelector('rect.ev')!).width) out.push(`${g.querySelector('text.lbl')!.textContent} overflows its box`);
        }
        for (const g of svg.querySelectorAll('g.msg:not(.event)')) {
          const label = box(g.querySelector('text.lbl')!), line = box(g.querySelector('line.arrow')!);
          if (label.width > line.width) out.push(`${g.querySelector('text.lbl')!.textContent} is wider than its arrow`);
        }
        const titles = [...svg.querySelectorAll('text.col')].map((e) => ({ text: e.textContent, b: box(e) }));
        for (let i = 1; i < titles.length; i++) {
          if (titles[i]!.b.left < titles[i - 1]!.b.right) out.push(`column titles ${titles[i - 1]!.text} and ${titles[i]!.text} overlap`);
        }
        return out;
      });
      expect(clashes).to.deep.equal([]);
      expect(await page.locator('svg.ladder g.msg.event').count()).to.be.greaterThan(2);
      expect(await page.locator('svg.ladder text.lbl').allTextContents()).to.include('PBA seq 500 status 152 (malformed: dropped) ✗');
      const shots = join(root, 'reports', 'test-screenshots');
      mkdirSync(shots, { recursive: true });
      await page.locator('svg.ladder').first().screenshot({ path: join(shots, 'ladder.png') });
      process.stdout.write(`      screenshot: ${join(shots, 'ladder.png')}\n`);
    });
  });

  it('`pmip-testbed analyze` judges pcap files, exits 1 on a MUST failure and 0 when it is a declared deviation', () => {
    const pcaps = writePcaps(golden(), dir);
    const files = ['acc1', 'acc2', 'acc3', 'acc4', 'trn', 'core'].map((n) => pcaps.get(n)!);
    const cli = join(root, 'dist', 'harness', 'cli', 'main.js');
    const args = ['analyze', ...files, '--tester', '2001:db8:1::99', '--no-report', '--json'];
    const big = { encoding: 'utf8' as const, maxBuffer: 256 << 20 };
    const r = spawnSync(process.execPath, [cli, ...args], big);
    expect(r.status, r.stderr).to.equal(1);
    const json = JSON.parse(r.stdout) as { requirements: { id: string; verdict: string }[] };
    const v = (id: string): string => json.requirements.find((x) => x.id === id)!.verdict;
    expect(v('SEC-01')).to.equal('FAIL');
    expect(v('LMA-PBA-02')).to.equal('PASS');
    expect(v('HO-03')).to.equal('PASS');
    expect(v('RA-02')).to.equal('PASS');
    const ok = spawnSync(process.execPath, [cli, ...args, '--known-deviations'], big);
    expect(ok.status, ok.stderr).to.equal(0);
    const table = spawnSync(process.execPath, [cli, 'analyze', ...files, '--report', join(dir, 'cli-report')], { encoding: 'utf8' });
    expect(table.stdout).to.match(/^LMA-PBA-02\s+PASS\s+MUST\s+/m);
    expect(table.stdout).to.match(/report: .*cli-report\/index.html/);
    expect(existsSync(join(dir, 'cli-report', 'files', '4-trn.pcap'))).to.equal(true);
    const bad = spawnSync(process.execPath, [cli, 'analyze', files[0]!, '--timestamp-mode', 'maybe'], { encoding: 'utf8' });
    expect(bad.status).to.equal(2);
    expect(bad.stderr).to.match(/--timestamp-mode is on or off/);
  });
});
