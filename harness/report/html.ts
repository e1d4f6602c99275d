// index.html: one self-contained page (inline CSS, JS and SVG; nothing loaded from anywhere) with
// the summary, the requirement x case matrix (filterable), and per case the ladder, the verdicts
// with their packet evidence, the captures, logs and timings.
import { findRequirement } from '../catalog/index.js';
import type { Evidence, RequirementResult, Verdict } from '../checks/index.js';
import { xmlEscape as esc } from './junit.js';
import { ladderSvg } from './ladder-svg.js';
import { robustnessHtml } from './robustness.js';
import { dataplaneSummary, requirementSummaries } from './results-json.js';
import type { CaseResult, CaseTimings, RunResult } from './types.js';

const VERDICTS: Verdict[] = ['FAIL', 'PASS', 'INCONCLUSIVE', 'NOT-APPLICABLE'];

export const REPORT_CSS = `
:root{--fail:#c62828;--pass:#2e7d32;--inc:#8d6e00;--na:#607d8b;--bg:#fafafa;--line:#d7dce1}
*{box-sizing:border-box}body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;background:var(--bg);color:#1d2733}
header{background:#1d2733;color:#fff;padding:18px 28px}header h1{margin:0 0 4px;font-size:20px}header .meta{opacity:.8;font-size:13px}
main{padding:18px 28px;max-width:1500px}h2{font-size:17px;margin:28px 0 10px;border-bottom:1px solid var(--line);padding-bottom:4px}
.cards{display:flex;gap:12px;flex-wrap:wrap;margin:6px 0 10px}.card{background:#fff;border:1px solid var(--line);border-radius:8px;padding:10px 16px;min-width:130px}
.card b{display:block;font-size:24px}.card.FAIL b{color:var(--fail)}.card.PASS b{color:var(--pass)}.card.INCONCLUSIVE b{color:var(--inc)}.card.NOT-APPLICABLE b{color:var(--na)}
.filters{display:flex;gap:8px;align-items:center;flex-wrap:wrap;margin:10px 0;background:#fff;border:1px solid var(--line);border-radius:8px;padding:8px 12px}
.filters button{border:1px solid var(--line);background:#fff;border-radius:14px;padding:3px 12px;cursor:pointer;font:inherit}
.filters button.on{background:#1d2733;color:#fff;border-color:#1d2733}.filters select,.filters input{font:inherit;padding:3px 6px;border:1px solid var(--line);border-radius:4px}
table{border-collapse:collapse;width:100%;background:#fff}th,td{border-bottom:1px solid var(--line);padding:5px 8px;text-align:left;vertical-align:top}
th{background:#eef1f4;position:sticky;top:0;font-size:12px;text-transform:uppercase;letter-spacing:.03em}
td.id{white-space:nowrap;font-family:ui-monospace,Menlo,monospace;font-size:12.5px}td.stmt{max-width:520px}
.v{display:inline-block;border-radius:10px;padding:1px 8px;font-size:11.5px;font-weight:600;color:#fff;white-space:nowrap}
.v.FAIL{background:var(--fail)}.v.PASS{background:var(--pass)}.v.INCONCLUSIVE{background:var(--inc)}.v.NOT-APPLICABLE{background:var(--na)}
.dev{font-size:11px;color:var(--fail);display:block}.why{color:#4a5866;font-size:12.5px}
section.case{background:#fff;border:1px solid var(--line);border-radius:8px;padding:12px 18px;margin:18px 0}
.ladder-wrap{overflow-x:auto;border:1px solid var(--line);border-radius:6px;margin:10px 0;background:#fdfdfd}
svg.ladder text{font:12px ui-monospace,Menlo,monospace;fill:#1d2733}svg.ladder .col{font-weight:700;font-family:system-ui,sans-serif;font-size:13px}
svg.ladder .life{stroke:#9aa7b4;stroke-dasharray:4 3}svg.ladder .arrow{stroke:#34495e;stroke-width:1.4}
svg.ladder .nd .arrow{stroke:#2a7ab0}svg.ladder .fail .arrow{stroke:var(--fail);stroke-width:2.2}svg.ladder .fail .lbl{fill:var(--fail);font-weight:700}
svg.ladder .t{fill:#7b8794;font-size:10.5px}svg.ladder .ev{fill:#fff4d6;stroke:#d9b54a}
details{margin:3px 0}summary{cursor:pointer}pre{background:#f3f5f7;padding:8px;border-radius:4px;overflow:auto;max-height:320px;font-size:12px}
.ev-line{font-family:ui-monospace,Menlo,monospace;font-size:12px;color:#34495e}.kv{color:#4a5866;font-size:12.5px}
.files a{margin-right:12px}.muted{color:#7b8794}
tr.rfc th{text-align:left;background:#eef2f6;font-size:13.5px;padding-top:10px}
.errors{background:#fdecea;border:2px solid var(--fail);border-radius:8px;padding:10px 18px;margin:14px 0;color:var(--fail)}
.errors h2{color:var(--fail);border-color:var(--fail);margin-top:6px}.errors pre{color:#1d2733}
section.case.error{border:2px solid var(--fail)}.v.ERROR{background:var(--fail)}.card.ERROR b{color:var(--fail)}
.dp{font-size:12.5px;color:#34495e}.dp .none{color:var(--inc);font-weight:600}
`;

const JS = `
(function(){
  var state={verdict:'ALL',level:'ALL',role:'ALL',q:''};
  function apply(){
    var rows=document.querySelectorAll('#matrix tbody tr[data-verdict]');var shown=0;
    rows.forEach(function(r){
      var ok=(state.verdict==='ALL'||r.dataset.verdict===state.verdict)&&(state.level==='ALL'||r.dataset.level===state.level)
        &&(state.role==='ALL'||r.dataset.role.split(' ').indexOf(state.role)>=0)&&(!state.q||r.textContent.toLowerCase().indexOf(state.q)>=0);
      r.style.display=ok?'':'none';if(ok)shown++;
    });
    // An RFC's heading stays only while one of its requirements shows.
    document.querySelectorAll('#matrix tbody tr.rfc').forEach(function(h){
      var any=false;for(var n=h.nextElementSibling;n&&!n.classList.contains('rfc');n=n.nextElementSibling)if(n.style.display!=='none')any=true;
      h.style.display=any?'':'none';
    });
    document.getElementById('shown').textContent=shown+' of '+rows.length+' requirements';
  }
  document.querySelectorAll('.filters button[data-verdict]').forEach(function(b){
    b.addEventListener('click',function(){
      document.querySelectorAll('.filters button[data-verdict]').forEach(function(x){x.classList.remove('on')});
      b.classList.add('on');state.verdict=b.dataset.verdict;apply();
    });
  });
  document.getElementById('f-level').addEventListener('change',function(e){state.level=e.target.value;apply()});
  document.getElementById('f-role').addEventListener('change',function(e){state.role=e.target.value;apply()});
  document.getElementById('f-q').addEventListener('input',function(e){state.q=e.target.value.toLowerCase();apply()});
  apply();
})();
`;

export const badge = (v: Verdict): string => `<span class="v ${v}">${v}</span>`;

function evidenceHtml(e: Evidence): string {
  const kv = e.expected !== undefined ? `<div class="kv">${e.field ? `<b>${esc(e.field)}</b>: ` : ''}expected <code>${esc(e.expected)}</code>, seen <code>${esc(e.seen ?? '')}</code></div>` : '';
  const frames = e.frames.map((f) => {
    const head = `<span class="ev-line">${esc(f.point)}#${f.frame} ${esc(f.summary)}</span>`;
    return f.decoded === undefined ? `<div>${head}</div>` : `<details><summary>${head}</summary><pre>${esc(JSON.stringify(f.decoded, null, 1))}</pre></details>`;
  }).join('');
  return `<div class="evidence"><div>${esc(e.message)}</div>${kv}${frames}</div>`;
}

function verdictRow(v: RequirementResult): string {
  const r = findRequirement(v.id);
  const dev = v.knownDeviation !== undefined ? `<span class="dev">known deviation: ${esc(v.knownDeviation)}</span>` : '';
  const ev = v.evidence.length > 0 ? `<details><summary>evidence (${v.evidence.length}${v.failed > v.evidence.length ? ` of ${v.failed} failures` : ''})</summary>${v.evidence.map(evidenceHtml).join('')}</details>` : '';
  return `<tr data-verdict="${v.verdict}"><td class="id">${esc(v.id)}</td><td>${badge(v.verdict)}${dev}</td><td>${esc(r?.levelText ?? '')}</td><td><div class="why">${esc(v.message)}</div>${ev}</td></tr>`;
}

function stats(xs: number[] | undefined): string {
  if (!xs || xs.length === 0) return '–';
  const s = [...xs].sort((a, b) => a - b);
  const med = s[Math.floor(s.length / 2)]!;
  return `${xs.length}× median ${med.toFixed(1)} ms (min ${s[0]!.toFixed(1)}, max ${s[s.length - 1]!.toFixed(1)})`;
}

function timingsHtml(t: CaseTimings): string {
  return `<table class="timings"><tr><th>attach</th><th>PBU → PBA</th><th>handover</th><th>packets lost</th></tr>
<tr><td>${stats(t.attachMs)}</td><td>${stats(t.pbuToPbaMs)}</td><td>${stats(t.handoverMs)}</td><td>${t.packetsLost ?? '–'}</td></tr></table>`;
}

function dataplaneHtml(c: CaseResult): string {
  const d = Object.entries(c.dataplanes ?? {});
  if (d.length === 0) return '';
  return `<p class="dp">data plane: ${d.map(([n, x]) => `${esc(n)} <b class="${x.backend === 'none' ? 'none' : ''}">${esc(x.backend)}</b>${x.why ? ` (${esc(x.why)})` : ''}`).join(', ')}</p>`;
}

function erroredCaseHtml(c: CaseResult, i: number): string {
  const files = c.logs.map((f) => `<a href="${esc(f.path)}">${esc(f.node)} log</a>`).join('');
  const [cause, ...rest] = c.error!.split('\n');
  return `<section class="case error" id="case-${i}"><h2>${esc(c.name)} <span class="v ERROR">ERROR</span></h2><p>${esc(c.purpose)}</p>
<p><b>the case could not run:</b> ${esc(cause!)}</p>${rest.length > 0 ? `<pre>${esc(rest.join('\n'))}</pre>` : ''}
<p class="files">${files}</p>${dataplaneHtml(c)}</section>`;
}

function caseHtml(c: CaseResult, i: number): string {
  if (c.error !== undefined) return erroredCaseHtml(c, i);
  if (c.skipped !== undefined) return `<section class="case" id="case-${i}"><h2>${esc(c.name)} <span class="v INCONCLUSIVE">SKIPPED</span></h2><p>${esc(c.purpose)}</p><p><b>not run on this machine:</b> ${esc(c.skipped)}</p></section>`;
  const t0 = c.trace?.start ?? c.ladder?.[0]?.time ?? 0;
  const files = [
    ...c.captures.map((f) => `<a href="${esc(f.path)}">${esc(f.name)} (pcap)</a>`),
    ...c.logs.map((f) => `<a href="${esc(f.path)}">${esc(f.node)} log</a>`),
  ].join('');
  const settings = c.trace ? `<details><summary>domain settings, roles and capture points</summary><table>
<tr><th>setting</th><th>value</th><th>source</th></tr>${c.trace.settings.map((s) => `<tr><td>${esc(s.name)}</td><td><code>${esc(s.value)}</code></td><td>${esc(s.source)}</td></tr>`).join('')}
<tr><td>MAGs</td><td><code>${esc(c.trace.roles.mags.join(', '))}</code></td><td>${esc(c.trace.roles.source)}</td></tr>
<tr><td>LMAs</td><td><code>${esc(c.trace.roles.lmas.join(', '))}</code></td><td></td></tr>
${c.trace.points.map((p) => `<tr><td>capture ${esc(p.name)}</td><td>${esc(p.kind)}${p.kindSource && p.kindSource !== 'given' ? ` (${esc(p.kindSource)})` : ''}${p.mag ? ` (MAG ${esc(p.mag)}${p.magSource && p.magSource !== 'given' ? `, ${esc(p.magSource)}` : ''})` : ''}</td><td>${p.frames} frames, ${p.kept} kept</td></tr>`).join('')}
</table></details>` : '';
  const cut = c.ladderOmitted ? `<p class="muted">… ${c.ladderOmitted} more messages not drawn: the diagram shows ${c.ladder!.length}, failing ones first, then the earliest.</p>` : '';
  const ladder = c.ladder && c.ladder.length > 0 ? `<div class="ladder-wrap">${ladderSvg(c.ladder, t0)}</div>${cut}` : '<p class="muted">no signalling captured</p>';
  const steps = c.steps && c.steps.length > 0 ? `<ol>${c.steps.map((s) => `<li>${esc(s.description)} ${s.verdict ? badge(s.verdict) : ''}</li>`).join('')}</ol>` : '';
  const order = (v: Verdict): number => VERDICTS.indexOf(v);
  // An INCONCLUSIVE the case declares is shown (e.g. not judged without a data plane); others only when judged.
  const verdicts = [...c.verdicts].filter((v) => v.checked > 0 || v.verdict !== 'INCONCLUSIVE' || c.requirementIds.includes(v.id)).sort((a, b) => order(a.verdict) - order(b.verdict));
  return `<section class="case" id="case-${i}"><h2>${esc(c.name)}</h2><p>${esc(c.purpose)}</p>
${c.rfcSections.length ? `<p class="kv">RFC sections: ${esc(c.rfcSections.join(', '))}</p>` : ''}
<p class="files">${files}</p>${dataplaneHtml(c)}${steps}
<h3>Timings</h3>${timingsHtml(c.timings)}
${settings}
<h3>Message sequence</h3>${ladder}
<h3>Judgements</h3><table class="verdicts"><thead><tr><th>requirement</th><th>verdict</th><th>level</th><th>why</th></tr></thead><tbody>${verdicts.map(verdictRow).join('')}</tbody></table>
</section>`;
}

/** The capability statements the run used (one per role and implementation). */
export function capabilitiesHtml(caps: RunResult['run']['capabilities']): string {
  if (caps === undefined || caps.length === 0) return '';
  return `<h2>Capability statements</h2><table class="caps"><thead><tr><th>role</th><th>implementation</th><th>features claimed</th><th>not claimed (their requirements NOT-APPLICABLE)</th><th>facts</th></tr></thead><tbody>${caps.map((c) => `<tr><td>${esc(c.role.toUpperCase())}</td><td>${esc(c.implementation)}<div class="muted">${esc(c.file)}</div></td><td>${esc(c.claimed.join(', ') || '–')}</td><td>${esc(c.notClaimed.join(', ') || '–')}</td><td>${c.facts.map((f) => `<div class="kv">${esc(f)}</div>`).join('')}</td></tr>`).join('')}</tbody></table>`;
}

export function reportHtml(result: RunResult): string {
  const reqs = requirementSummaries(result.cases);
  const counts = Object.fromEntries(VERDICTS.map((v) => [v, reqs.filter((r) => r.verdict === v).length])) as Record<Verdict, number>;
  const mustFails = reqs.filter((r) => r.verdict === 'FAIL' && (r.level === 'MUST' || r.level === 'MUST NOT') && r.knownDeviation === undefined).length;
  const levels = [...new Set(reqs.map((r) => r.level))];
  const caseCells = (id: string): string => result.cases.map((c) => {
    const v = c.verdicts.find((x) => x.id === id);
    return `<td>${v ? `<span title="${esc(v.message)}">${badge(v.verdict)}</span>` : ''}</td>`;
  }).join('');
  const cols = 5 + result.cases.length;
  let rfc = '';
  const rows = reqs.map((r) => {
    const req = findRequirement(r.id);
    // One heading row per RFC, with what its requirements got.
    let head = '';
    if (r.rfc !== rfc) {
      rfc = r.rfc;
      const mine = reqs.filter((x) => x.rfc === rfc);
      const tally = VERDICTS.map((v) => [v, mine.filter((x) => x.verdict === v).length] as const).filter(([, n]) => n > 0).map(([v, n]) => `${n} ${v}`).join(', ');
      head = `<tr class="rfc"><th colspan="${cols}">${esc(rfc)} <span class="muted">(${mine.length} judged: ${tally})</span></th></tr>\n`;
    }
    return head + row(r, req);
  }).join('\n');
  function row(r: (typeof reqs)[number], req: ReturnType<typeof findRequirement>): string {
    const roles = req?.roles.join(' ') ?? '';
    return `<tr data-verdict="${r.verdict}" data-level="${esc(r.level)}" data-role="${esc(roles)}"><td class="id">${esc(r.id)}</td><td>${esc(r.section)}</td><td>${esc(r.levelText)}</td><td>${esc(r.role)}</td><td class="stmt">${esc(r.statement)}<div class="why">${esc(r.message)}</div>${r.knownDeviation ? `<span class="dev">known deviation</span>` : ''}</td>${caseCells(r.id)}</tr>`;
  }
  const run = result.run;
  // Cases that could not run come first, everywhere.
  const shown = result.cases.map((c, i) => ({ c, i })).sort((a, b) => Number(b.c.error !== undefined) - Number(a.c.error !== undefined));
  const errored = shown.filter((x) => x.c.error !== undefined);
  const errorsHtml = errored.length === 0 ? '' : `<div class="errors"><h2>${errored.length} of ${result.cases.length} cases errored: they could not run and judged nothing</h2><ul>${errored.map(({ c, i }) => `<li><a href="#case-${i}">${esc(c.name)}</a>: ${esc(c.error!.split('\n', 1)[0]!)}</li>`).join('')}</ul></div>`;
  const planes = dataplaneSummary(result.cases);
  const planeMeta = `${run.dataplane ? ` · data plane forced: ${esc(run.dataplane)}` : ''}${planes ? ` · data plane used: ${esc(planes)}` : ''}`;
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>PMIPv6 conformance: ${esc(run.id)}</title><style>${REPORT_CSS}</style></head>
<body><header><h1>PMIPv6 conformance report</h1><div class="meta">${esc(run.id)} · ${esc(run.tool)} · started ${esc(run.started)}${run.iut ? ` · IUT ${esc(run.iut)}` : ''}${planeMeta}${run.command ? ` · <code>${esc(run.command)}</code>` : ''}${run.kernel ? `<br>kernel ${esc(run.kernel)}` : ''}${run.vm ? ` · in a VM: ${esc(run.vm)}` : ''}</div></header>
<main>
${errorsHtml}
<div class="cards">${errored.length > 0 ? `<div class="card ERROR"><b>${errored.length}</b>cases errored</div>` : ''}${VERDICTS.map((v) => `<div class="card ${v}"><b>${counts[v]}</b>${v}</div>`).join('')}<div class="card FAIL"><b>${mustFails}</b>MUST-level failures</div><div class="card"><b>${result.cases.length}</b>cases</div></div>
${(run.notes ?? []).map((n) => `<p class="muted">${esc(n)}</p>`).join('')}
${result.robustness !== undefined ? robustnessHtml(result.robustness) : ''}
${capabilitiesHtml(run.capabilities)}
<h2>Requirements</h2>
<div class="filters"><span>verdict</span>
<button data-verdict="ALL" class="on">all</button>${VERDICTS.map((v) => `<button data-verdict="${v}">${v}</button>`).join('')}
<span>level</span><select id="f-level"><option value="ALL">all</option>${levels.map((l) => `<option>${esc(l)}</option>`).join('')}</select>
<span>role</span><select id="f-role"><option value="ALL">all</option><option>MAG</option><option>LMA</option></select>
<input id="f-q" type="search" placeholder="search"><span id="shown" class="muted"></span></div>
<table id="matrix"><thead><tr><th>ID</th><th>RFC §</th><th>level</th><th>role</th><th>requirement</th>${result.cases.map((c, i) => `<th><a href="#case-${i}">${esc(c.name)}</a>${c.error !== undefined ? ' <span class="v ERROR">ERROR</span>' : ''}</th>`).join('')}</tr></thead>
<tbody>
${rows}
</tbody></table>
${shown.map(({ c, i }) => caseHtml(c, i)).join('\n')}
</main><script>${JS}</script></body></html>
`;
}
