// The "Robustness" section of a report (`pmip-testbed fuzz`): inputs per message type and per
// mutated field, probes, and each finding with its reproducer, replay command, the minimised
// input decoded field by field and the IUT's last log lines. HTML and a JUnit test suite.
import { xmlEscape as esc } from './junit.js';
import type { RobustnessFinding, RobustnessResult } from './types.js';

function countsTable(title: string, counts: Record<string, number>): string {
  const rows = Object.entries(counts).sort((a, b) => b[1] - a[1]);
  return `<details><summary>${esc(title)} (${rows.length})</summary><table><thead><tr><th>${esc(title)}</th><th>inputs</th></tr></thead><tbody>${rows.map(([k, n]) => `<tr><td class="id">${esc(k)}</td><td>${n}</td></tr>`).join('')}</tbody></table></details>`;
}

function findingHtml(f: RobustnessFinding): string {
  const m = f.minimised;
  const min = m === undefined ? '<p class="muted">not minimised</p>'
    : !m.reproduced ? '<p class="why">the inputs did not make a fresh IUT fail again (state from earlier inputs, or timing): not minimised</p>'
    : `<p>minimised by delta debugging to <b>${m.packets}</b> packet(s) in ${m.tests} attempts: <a href="${esc(m.pcap)}">${esc(m.pcap)}</a></p><pre>${esc(m.replay)}</pre>${m.decoded.map((d, i) => `<details${i === 0 ? ' open' : ''}><summary>packet ${i + 1}, decoded field by field</summary><pre>${esc(d.join('\n'))}</pre></details>`).join('')}`;
  return `<section class="case error"><h3>finding ${f.id}: <span class="v FAIL">${esc(f.kind)}</span> ${esc(f.what)}</h3>
<p class="kv">inputs ${f.inputRange[0]}–${f.inputRange[1]}, ${f.packets} packet(s) since the last healthy check: <a href="${esc(f.pcap)}">${esc(f.pcap)}</a></p><pre>${esc(f.replay)}</pre>
${min}<details><summary>the IUT's last log lines</summary><pre>${esc(f.logTail.join('\n'))}</pre></details></section>`;
}

export function robustnessHtml(r: RobustnessResult): string {
  const fig = r.iutFigures;
  const mib = (b: number) => `${(b / 2 ** 20).toFixed(1)} MiB`;
  return `<h2 id="robustness">Robustness</h2>
<div class="cards"><div class="card ${r.findings.length > 0 ? 'FAIL' : 'PASS'}"><b>${r.findings.length}</b>findings</div><div class="card"><b>${r.inputs}</b>inputs (${r.packets} packets)</div><div class="card"><b>${Math.round(r.inputsPerSecond)}</b>inputs/s</div><div class="card PASS"><b>${r.probes.passed}</b>probes passed (${r.probes.retried} at a retry)</div><div class="card ${r.probes.failed > 0 ? 'FAIL' : ''}"><b>${r.probes.failed}</b>probes failed</div></div>
<p class="kv">target ${esc(r.target.toUpperCase())} · IUT ${esc(r.iut)} · seed ${r.seed} · ${(r.elapsedMs / 1000).toFixed(1)} s · stopped by ${esc(r.stopped)} · ${r.kernelDrops} packets dropped by the IUT's kernel (bad checksums, a full receive buffer)${fig !== null ? ` · IUT RSS ${mib(fig.rssBytes)} (peak ${mib(fig.peakRssBytes)}), ${fig.fds} fds (peak ${fig.peakFds})` : ''}</p>
${countsTable('message type', r.messages)}
${countsTable('mutated field', r.fields)}
${r.findings.map(findingHtml).join('\n')}
${r.logTail !== undefined && r.logTail.length > 0 ? `<details><summary>the IUT's last log lines at the end</summary><pre>${esc(r.logTail.join('\n'))}</pre></details>` : ''}`;
}

/** One test case per finding (a failure) or one passing "no findings". */
export function robustnessJunit(r: RobustnessResult): string {
  const name = `robustness ${r.target}`;
  const cases = r.findings.length === 0
    ? [`    <testcase classname="${esc(name)}" name="${esc(`${r.inputs} inputs, ${r.probes.passed} probes: no findings`)}"></testcase>`]
    : r.findings.map((f) => `    <testcase classname="${esc(name)}" name="${esc(`finding ${f.id}: ${f.kind}`)}">\n      <failure message="${esc(f.what)}" type="${esc(f.kind)}">${esc([f.replay, f.minimised?.replay ?? '', ...f.logTail].join('\n'))}</failure>\n    </testcase>`);
  return `  <testsuite name="${esc(name)}" tests="${cases.length}" failures="${r.findings.length}" skipped="0" errors="0">\n${cases.join('\n')}\n  </testsuite>`;
}
