// A ladder (sequence) diagram as inline SVG: one column per node, one arrow per message.
import { xmlEscape } from './junit.js';
import type { LadderStep } from './types.js';

const COL = 170, ROW = 26, TOP = 44, LEFT = 90;

/** Columns in a stable, readable order: MNs, MAGs, LMAs, testers, then anything else (CN...). */
export function ladderColumns(steps: readonly LadderStep[]): string[] {
  const all = new Set<string>();
  for (const s of steps) { all.add(s.from); all.add(s.to); }
  const rank = (n: string): number => (n.startsWith('MN') ? 0 : n.startsWith('MAG') ? 1 : n.startsWith('LMA') ? 2 : n === 'TESTER' ? 3 : 4);
  return [...all].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b, 'en', { numeric: true }));
}

export function ladderSvg(steps: readonly LadderStep[], t0: number): string {
  const cols = ladderColumns(steps);
  const x = (n: string): number => LEFT + cols.indexOf(n) * COL;
  const width = LEFT + Math.max(cols.length - 1, 1) * COL + 90;
  const height = TOP + steps.length * ROW + 20;
  const parts: string[] = [];
  parts.push(`<svg class="ladder" xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="message sequence">`);
  parts.push('<defs><marker id="arr" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="context-stroke"/></marker></defs>');
  for (const c of cols) {
    parts.push(`<text class="col" x="${x(c)}" y="18" text-anchor="middle">${xmlEscape(c.length > 24 ? `${c.slice(0, 23)}…` : c)}</text>`);
    parts.push(`<line class="life" x1="${x(c)}" y1="26" x2="${x(c)}" y2="${height - 8}"/>`);
  }
  steps.forEach((s, i) => {
    const y = TOP + i * ROW;
    const cls = `msg ${s.kind}${s.verdict === 'FAIL' ? ' fail' : s.verdict === 'PASS' ? ' pass' : ''}`;
    const title = xmlEscape(`${s.label}${s.frame ? ` (${s.frame.point}#${s.frame.frame})` : ''}${s.notes ? `\n${s.notes.join('\n')}` : ''}`);
    parts.push(`<g class="${cls}" data-frame="${s.frame ? xmlEscape(`${s.frame.point}#${s.frame.frame}`) : ''}"><title>${title}</title>`);
    parts.push(`<text class="t" x="6" y="${y + 4}">+${(s.time - t0).toFixed(3)}</text>`);
    if (s.from === s.to) {
      parts.push(`<rect class="ev" x="${x(s.from) - 60}" y="${y - 11}" width="120" height="16" rx="4"/><text class="lbl" x="${x(s.from)}" y="${y + 1}" text-anchor="middle">${xmlEscape(s.label)}</text>`);
    } else {
      const x1 = x(s.from), x2 = x(s.to);
      parts.push(`<line class="arrow" x1="${x1}" y1="${y}" x2="${x2}" y2="${y}" marker-end="url(#arr)"/>`);
      parts.push(`<text class="lbl" x="${(x1 + x2) / 2}" y="${y - 5}" text-anchor="middle">${xmlEscape(s.label)}${s.verdict === 'FAIL' ? ' ✗' : ''}</text>`);
    }
    parts.push('</g>');
  });
  parts.push('</svg>');
  return parts.join('');
}
