// A ladder (sequence) diagram as inline SVG: one column per node, one arrow per message.
import { xmlEscape } from './junit.js';
import type { LadderStep } from './types.js';

const COL = 170, ROW = 26, TOP = 44;
/** Widths the layout assumes for the monospace fonts of html.ts (12 px labels, 10.5 px times) and the 13 px column titles. */
const LABEL_CHAR = 7.4, TIME_CHAR = 6.5, TITLE_CHAR = 9;
/** Event boxes are at least this wide; text keeps this much room on each side. */
const EVENT_MIN = 120, PAD = 8, GAP = 16;
const TIME_X = 6;

/** Columns in a stable, readable order: MNs, MAGs, LMAs, testers, then anything else (CN...). */
export function ladderColumns(steps: readonly LadderStep[]): string[] {
  const all = new Set<string>();
  for (const s of steps) { all.add(s.from); all.add(s.to); }
  const rank = (n: string): number => (n.startsWith('MN') ? 0 : n.startsWith('MAG') ? 1 : n.startsWith('LMA') ? 2 : n === 'TESTER' ? 3 : 4);
  return [...all].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b, 'en', { numeric: true }));
}

/** Where the diagram's parts go: the time column first, then each node column wide enough for its event boxes and title. */
interface Layout { x: Map<string, number>; width: number; eventWidth: (s: LadderStep) => number }

/** "+1.250", or "-0.950" for an event logged before the first frame. */
function timeText(s: LadderStep, t0: number): string {
  const d = s.time - t0;
  return `${d < 0 ? '-' : '+'}${Math.abs(d).toFixed(3)}`;
}

/** An arrow's label as drawn (a failing message is marked). */
function arrowLabel(s: LadderStep): string {
  return `${s.label}${s.verdict === 'FAIL' ? ' ✗' : ''}`;
}

function title(c: string): string {
  return c.length > 24 ? `${c.slice(0, 23)}…` : c;
}

function layout(steps: readonly LadderStep[], cols: readonly string[], t0: number): Layout {
  const eventWidth = (s: LadderStep): number => Math.max(EVENT_MIN, Math.ceil(s.label.length * LABEL_CHAR) + 2 * PAD);
  // Half the width each column needs around its lifeline.
  const half = new Map(cols.map((c) => [c, Math.ceil((title(c).length * TITLE_CHAR) / 2)]));
  // The gap before column i that the labels of arrows between it and column i - 1 need.
  const gap = cols.map(() => 0);
  let timeChars = 0;
  for (const s of steps) {
    timeChars = Math.max(timeChars, timeText(s, t0).length);
    if (s.from === s.to) half.set(s.from, Math.max(half.get(s.from)!, eventWidth(s) / 2));
    else {
      const [a, b] = [cols.indexOf(s.from), cols.indexOf(s.to)].sort((p, q) => p - q);
      if (b! - a! === 1) gap[b!] = Math.max(gap[b!]!, Math.ceil(arrowLabel(s).length * LABEL_CHAR) + 2 * PAD);
    }
  }
  const x = new Map<string, number>();
  let at = TIME_X + Math.ceil(timeChars * TIME_CHAR) + GAP;
  cols.forEach((c, i) => {
    at += i === 0 ? half.get(c)! : Math.max(COL, half.get(cols[i - 1]!)! + half.get(c)! + GAP, gap[i]!);
    x.set(c, at);
  });
  const last = cols[cols.length - 1];
  return { x, width: last === undefined ? at + COL : at + Math.max(half.get(last)!, 90) + GAP, eventWidth };
}

export function ladderSvg(steps: readonly LadderStep[], t0: number): string {
  const cols = ladderColumns(steps);
  const l = layout(steps, cols, t0);
  const x = (n: string): number => l.x.get(n)!;
  const width = Math.ceil(l.width);
  const height = TOP + steps.length * ROW + 20;
  const parts: string[] = [];
  parts.push(`<svg class="ladder" xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="message sequence">`);
  parts.push('<defs><marker id="arr" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="context-stroke"/></marker></defs>');
  for (const c of cols) {
    parts.push(`<text class="col" x="${x(c)}" y="18" text-anchor="middle">${xmlEscape(title(c))}</text>`);
    parts.push(`<line class="life" x1="${x(c)}" y1="26" x2="${x(c)}" y2="${height - 8}"/>`);
  }
  steps.forEach((s, i) => {
    const y = TOP + i * ROW;
    const cls = `msg ${s.kind}${s.verdict === 'FAIL' ? ' fail' : s.verdict === 'PASS' ? ' pass' : ''}`;
    const title = xmlEscape(`${s.label}${s.frame ? ` (${s.frame.point}#${s.frame.frame})` : ''}${s.notes ? `\n${s.notes.join('\n')}` : ''}`);
    parts.push(`<g class="${cls}" data-frame="${s.frame ? xmlEscape(`${s.frame.point}#${s.frame.frame}`) : ''}"><title>${title}</title>`);
    parts.push(`<text class="t" x="${TIME_X}" y="${y + 4}">${timeText(s, t0)}</text>`);
    if (s.from === s.to) {
      const w = l.eventWidth(s);
      parts.push(`<rect class="ev" x="${x(s.from) - w / 2}" y="${y - 11}" width="${w}" height="16" rx="4"/><text class="lbl" x="${x(s.from)}" y="${y + 1}" text-anchor="middle">${xmlEscape(s.label)}</text>`);
    } else {
      const x1 = x(s.from), x2 = x(s.to);
      parts.push(`<line class="arrow" x1="${x1}" y1="${y}" x2="${x2}" y2="${y}" marker-end="url(#arr)"/>`);
      parts.push(`<text class="lbl" x="${(x1 + x2) / 2}" y="${y - 5}" text-anchor="middle">${xmlEscape(arrowLabel(s))}</text>`);
    }
    parts.push('</g>');
  });
  parts.push('</svg>');
  return parts.join('');
}
