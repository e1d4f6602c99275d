// The interop matrix report: index.html (rows MAGs, columns LMAs; per cell the verdict of each
// case, the count of FAILs, a link to the pair's full report, ERROR cells red with their cause),
// one page per implementation (its requirement verdicts across the pairs it took part in, each
// linking to the evidence in the pair's report) and results.json carrying the matrix. The pages
// are self-contained like the run report (inline CSS, nothing loaded from anywhere).
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ImplementationPage, Matrix, MatrixCell } from '../conformance/interop-matrix.js';
import { CASE_COLUMNS } from '../conformance/interop-matrix.js';
import { badge, capabilitiesHtml, REPORT_CSS } from './html.js';
import { xmlEscape as esc } from './junit.js';

export interface MatrixMeta {
  id: string;
  started: string;
  finished: string;
  command: string;
  kernel?: string;
  vm?: string;
}

const MATRIX_CSS = `
table.matrix td,table.matrix th{border:1px solid var(--line);vertical-align:top}
table.matrix th.row{background:#eef1f4;text-transform:none;font-size:13px}
td.cell{min-width:200px}td.cell.error,td.cell.skipped{background:#fdecea;border:2px solid var(--fail)}
td.cell .cause{color:var(--fail);font-size:12.5px;margin-top:4px}.cell .line{display:flex;justify-content:space-between;gap:8px;margin:2px 0}
.cell .fails{font-weight:700}.cell .fails.some{color:var(--fail)}.cell .meta{font-size:12px;color:#4a5866;margin-top:4px}
.v.SKIPPED{background:var(--fail)}.chg{color:var(--fail);font-size:12px}
`;

function page(title: string, meta: MatrixMeta, body: string): string {
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${esc(title)}</title><style>${REPORT_CSS}${MATRIX_CSS}</style></head>
<body><header><h1>${esc(title)}</h1><div class="meta">${esc(meta.id)} · started ${esc(meta.started)} · finished ${esc(meta.finished)} · <code>${esc(meta.command)}</code>${meta.kernel ? `<br>kernel ${esc(meta.kernel)}` : ''}${meta.vm ? ` · in a VM: ${esc(meta.vm)}` : ''}</div></header>
<main>
${body}
</main></body></html>
`;
}

const caseBadge = (v: string): string => `<span class="v ${esc(v)}">${esc(v)}</span>`;

function cellHtml(c: MatrixCell): string {
  const time = `${(c.elapsedMs / 1000).toFixed(1)} s`;
  const lines = c.cases.map((k) => `<div class="line"><span>${esc(CASE_COLUMNS[k.name] ?? k.name)}</span>${k.index >= 0 && c.report !== undefined ? `<a href="${esc(c.report)}#case-${k.index}">${caseBadge(k.verdict)}</a>` : caseBadge(k.verdict)}</div>`).join('');
  const changes = c.baseline?.changes ?? [];
  const status = c.status === 'completed' ? '' : `<div class="line"><span>cell</span>${caseBadge(c.status === 'error' ? 'ERROR' : 'SKIPPED')}</div><div class="cause">${esc(c.cause ?? '')}</div>`;
  return `<td class="cell ${c.status}" data-mag="${esc(c.mag)}" data-lma="${esc(c.lma)}">${status}${lines}
<div class="line"><span>FAILs</span><span class="fails${c.fails > 0 ? ' some' : ''}">${c.fails}</span></div>
${changes.length > 0 ? `<div class="chg">${changes.length} verdict(s) differ from the baseline: ${esc(changes.map((x) => `${x.id} ${x.seen} (expected ${x.expected})`).join(', '))}</div>` : c.baseline ? '<div class="meta">verdicts match the baselines</div>' : ''}
<div class="meta">${c.report !== undefined ? `<a href="${esc(c.report)}">full report</a>` : 'no report'} · ${time}</div></td>`;
}

export function matrixHtml(m: Matrix, meta: MatrixMeta): string {
  const cell = (mag: string, lma: string) => m.cells.find((c) => c.mag === mag && c.lma === lma);
  const rows = m.mags.map((mag) => `<tr><th class="row">MAG ${esc(mag)}</th>${m.lmas.map((lma) => {
    const c = cell(mag, lma);
    return c === undefined ? '<td class="muted">not run</td>' : cellHtml(c);
  }).join('')}</tr>`).join('\n');
  const bad = m.cells.filter((c) => c.status !== 'completed');
  const errors = bad.length === 0 ? '' : `<div class="errors"><h2>${bad.length} of ${m.cells.length} cells did not complete</h2><ul>${bad.map((c) => `<li>MAG ${esc(c.mag)} × LMA ${esc(c.lma)}: ${esc(c.status === 'error' ? 'ERROR' : 'SKIPPED')}: ${esc(c.cause ?? '')}</li>`).join('')}</ul></div>`;
  const impls = m.implementations.map((p) => `<li><a href="${esc(implementationFile(p.implementation))}">${esc(p.implementation)}</a>: ${p.requirements.length} requirements judged over ${p.pairs.length} pair(s)${p.errored.length > 0 ? `, ${p.errored.length} of them with errors` : ''}</li>`).join('');
  const body = `${errors}
<p>Each cell is one run of the cases ${esc(m.cases.join(', '))} with the MAG of its row and the LMA of its column (handover: two MAGs of the row's implementation). A case's verdict is FAIL when one of its requirements fails, else PASS when one passes; it links to the case in the pair's report.</p>
<h2>MAG × LMA</h2>
<table class="matrix" id="matrix"><thead><tr><th></th>${m.lmas.map((l) => `<th>LMA ${esc(l)}</th>`).join('')}</tr></thead><tbody>
${rows}
</tbody></table>
<h2>Implementations</h2><ul>${impls}</ul>`;
  return page('PMIPv6 interoperability matrix', meta, body);
}

export function implementationFile(name: string): string {
  return `implementation-${name}.html`;
}

export function implementationHtml(p: ImplementationPage, meta: MatrixMeta): string {
  const rows = p.requirements.map((r) => `<tr data-verdict="${r.verdict}"><td class="id">${esc(r.id)}</td><td>${esc(r.section)}</td><td>${esc(r.level)}</td><td class="stmt">${esc(r.statement)}</td><td>${badge(r.verdict)}</td><td>${r.entries.map((e) => `<div><a href="${esc(e.link)}" title="${esc(e.message)}">${badge(e.verdict)}</a> <span class="kv">${esc(e.pair)} as ${e.role}, ${esc(e.case)}</span></div>`).join('')}</td></tr>`).join('\n');
  const body = `<p><a href="index.html">← matrix</a></p>
<p>Verdicts of ${esc(p.implementation)} over the ${p.pairs.length} pair(s) it took part in: a MAG-side requirement where it was the MAG, an LMA-side one where it was the LMA, each linking to the case's evidence in that pair's report. The verdict is the worst over the pairs (FAIL over PASS over NOT-APPLICABLE over INCONCLUSIVE).</p>
${p.statement !== undefined ? capabilitiesHtml([{ role: 'mag/lma', implementation: p.implementation, ...p.statement }]) : '<p class="muted">no capability statement (capabilities/): every requirement judged as mandatory</p>'}
${p.errored.length > 0 ? `<div class="errors">pairs with errored cases (their verdicts are missing here): ${esc(p.errored.join('; '))}</div>` : ''}
<table id="requirements"><thead><tr><th>ID</th><th>RFC §</th><th>level</th><th>requirement</th><th>verdict</th><th>per pair</th></tr></thead><tbody>
${rows}
</tbody></table>`;
  return page(`PMIPv6 interoperability: ${p.implementation}`, meta, body);
}

export interface WrittenMatrix { html: string; json: string; pages: string[] }

export async function writeMatrixReport(dir: string, m: Matrix, meta: MatrixMeta): Promise<WrittenMatrix> {
  await mkdir(dir, { recursive: true });
  const html = join(dir, 'index.html');
  const json = join(dir, 'results.json');
  await writeFile(html, matrixHtml(m, meta));
  const pages: string[] = [];
  for (const p of m.implementations) {
    const f = join(dir, implementationFile(p.implementation));
    await writeFile(f, implementationHtml(p, meta));
    pages.push(f);
  }
  await writeFile(json, JSON.stringify({ run: { ...meta, tool: 'pmip-testbed interop' }, matrix: m }, null, 1));
  return { html, json, pages };
}
