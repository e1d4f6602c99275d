// junit.xml: one testcase per requirement per case; FAIL is a failure, INCONCLUSIVE and
// NOT-APPLICABLE are skipped (with the reason). A case that could not run is one testcase with an
// <error> (its cause as the message, the whole text with the log tail inside).
import { findRequirement } from '../catalog/index.js';
import { robustnessJunit } from './robustness.js';
import type { RunResult } from './types.js';

export function xmlEscape(s: string): string {
  return s.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!)
    // XML 1.0 forbids most control characters.
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '');
}

export function junitXml(result: RunResult): string {
  const suites = result.cases.map((c) => {
    if (c.error !== undefined) {
      const cause = c.error.split('\n', 1)[0]!;
      return `  <testsuite name="${xmlEscape(c.name)}" tests="1" failures="0" skipped="0" errors="1">\n    <testcase classname="${xmlEscape(c.name)}" name="${xmlEscape(`${c.name}: the case could not run`)}">\n      <error message="${xmlEscape(cause)}" type="ERROR">${xmlEscape(c.error)}</error>\n    </testcase>\n  </testsuite>`;
    }
    if (c.skipped !== undefined) {
      return `  <testsuite name="${xmlEscape(c.name)}" tests="1" failures="0" skipped="1" errors="0">\n    <testcase classname="${xmlEscape(c.name)}" name="${xmlEscape(`${c.name}: not run on this machine`)}">\n      <skipped message="${xmlEscape(c.skipped)}"/>\n    </testcase>\n  </testsuite>`;
    }
    const failures = c.verdicts.filter((v) => v.verdict === 'FAIL').length;
    const skipped = c.verdicts.filter((v) => v.verdict === 'INCONCLUSIVE' || v.verdict === 'NOT-APPLICABLE').length;
    const cases = c.verdicts.map((v) => {
      const r = findRequirement(v.id);
      const name = xmlEscape(`${v.id} ${r ? `[${r.levelText}] ${r.statement}` : ''}`.trim());
      const open = `    <testcase classname="${xmlEscape(c.name)}" name="${name}">`;
      if (v.verdict === 'FAIL') {
        const detail = v.evidence.map((e) => `${e.message}${e.expected !== undefined ? ` (expected ${e.expected}, seen ${e.seen})` : ''}${e.frames.length ? ` [${e.frames.map((f) => `${f.point}#${f.frame}`).join(', ')}]` : ''}`).join('\n');
        const type = v.knownDeviation !== undefined ? 'known-deviation' : r?.level ?? 'FAIL';
        return `${open}\n      <failure message="${xmlEscape(v.message)}" type="${xmlEscape(type)}">${xmlEscape(detail)}</failure>\n    </testcase>`;
      }
      if (v.verdict !== 'PASS') return `${open}\n      <skipped message="${xmlEscape(`${v.verdict}: ${v.message}`)}"/>\n    </testcase>`;
      return `${open}</testcase>`;
    });
    return `  <testsuite name="${xmlEscape(c.name)}" tests="${c.verdicts.length}" failures="${failures}" skipped="${skipped}" errors="0">\n${cases.join('\n')}\n  </testsuite>`;
  });
  if (result.robustness !== undefined) suites.push(robustnessJunit(result.robustness));
  const errors = result.cases.filter((c) => c.error !== undefined).length;
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="${xmlEscape(result.run.id)}" errors="${errors}">\n${suites.join('\n')}\n</testsuites>\n`;
}
